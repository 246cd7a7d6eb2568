//! What a signing request leaves in the audit trail: begun with what the request names,
//! filled in with the certificate and the documents as the consent window shows them, and
//! recorded once, when the request ends.

use std::sync::Mutex;

use kyso_protocol::ErrorCode;

use crate::audit::{Audit, CertificateEntry, DocumentEntry, Entry, Outcome};
use crate::error::ApiError;
use crate::prompt::DocumentSummary;

/// One request's audit entry in the making.
#[derive(Debug)]
pub(crate) struct Trail<'a> {
    audit: &'a Audit,
    /// Who asks (shown in the consent window too).
    pub origin: &'a str,
    entry: Mutex<Entry>,
}

impl<'a> Trail<'a> {
    /// Starts the entry with what the request itself says.
    pub fn begin(
        audit: &'a Audit,
        origin: &'a str,
        operation: &str,
        act: Option<&str>,
        level: Option<&str>,
        certificate: &str,
        names: impl IntoIterator<Item = String>,
    ) -> Self {
        let documents = names
            .into_iter()
            .map(|name| DocumentEntry { name, size: None, pages: None, digest: None, error: None })
            .collect();
        let entry = Entry {
            time: String::new(),
            origin: origin.to_owned(),
            operation: operation.to_owned(),
            act: act.map(str::to_owned),
            level: level.map(str::to_owned),
            certificate: Some(CertificateEntry { thumbprint: certificate.to_ascii_lowercase(), subject: None }),
            documents,
            result: Outcome::Failed,
            error: None,
        };
        Self { audit, origin, entry: Mutex::new(entry) }
    }

    fn with<T>(&self, change: impl FnOnce(&mut Entry) -> T) -> T {
        change(&mut self.entry.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// The certificate chosen (found on a token).
    pub fn certificate(&self, thumbprint: &[u8; 32], subject: String) {
        self.with(|e| {
            e.certificate = Some(CertificateEntry { thumbprint: hex::encode(thumbprint), subject: Some(subject) })
        });
    }

    /// The documents as the consent window lists them (names, sizes, pages, digests).
    pub fn documents(&self, shown: &[DocumentSummary]) {
        self.with(|e| {
            e.documents = shown
                .iter()
                .map(|d| DocumentEntry {
                    name: d.name.clone(),
                    size: d.size,
                    pages: d.pages,
                    digest: Some(d.digest.clone()),
                    error: None,
                })
                .collect();
        });
    }

    /// Records a request that ended with one result for everything.
    pub fn finish<T>(self, result: &Result<T, ApiError>) {
        let error = result.as_ref().err().map(|e| e.code);
        self.record(error, Vec::new());
    }

    /// Records a batch: the request's own error, else each document's (by name, in order).
    pub fn finish_batch<T>(self, names: &[String], result: &Result<Vec<Result<T, ApiError>>, ApiError>) {
        match result {
            Err(error) => self.record(Some(error.code), Vec::new()),
            Ok(each) => {
                let errors: Vec<(String, ErrorCode)> = names
                    .iter()
                    .zip(each)
                    .filter_map(|(name, outcome)| outcome.as_ref().err().map(|e| (name.clone(), e.code)))
                    .collect();
                self.record(None, errors);
            }
        }
    }

    fn record(self, error: Option<ErrorCode>, per_document: Vec<(String, ErrorCode)>) {
        let mut entry = self.entry.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        for (name, code) in &per_document {
            match entry.documents.iter_mut().find(|d| &d.name == name && d.error.is_none()) {
                Some(document) => document.error = Some(code.as_str().to_owned()),
                None => entry.documents.push(DocumentEntry {
                    name: name.clone(),
                    size: None,
                    pages: None,
                    digest: None,
                    error: Some(code.as_str().to_owned()),
                }),
            }
        }
        entry.result = match error {
            Some(ErrorCode::UserCancelled) => Outcome::Cancelled,
            Some(ErrorCode::Busy) => Outcome::Refused,
            Some(_) => Outcome::Failed,
            None if per_document.is_empty() => Outcome::Signed,
            None if per_document.len() < entry.documents.len() => Outcome::Partial,
            None => Outcome::Failed,
        };
        entry.error = error.or_else(|| per_document.first().map(|(_, code)| *code)).map(|c| c.as_str().to_owned());
        entry.time = crate::audit::now();
        self.audit.record(&entry);
    }
}
