//! What a signing request leaves in the audit trail: begun with what the request names,
//! filled in with the certificate and the documents as the consent window shows them, and
//! recorded once, when the request ends. It also holds the request's consent window (Kyso's
//! own), which shows the same end.

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
    /// The consent window, once the user answered in Kyso's own.
    window: tokio::sync::Mutex<Option<crate::ui::Session>>,
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
        Self { audit, origin, entry: Mutex::new(entry), window: tokio::sync::Mutex::new(None) }
    }

    /// The act and level the consent window shows: the Decree 30 act the request names, else
    /// what the operation is (`detached`, `digest`; a PDF without one is `plain`).
    pub fn act_and_level(&self) -> (String, Option<String>) {
        self.with(|e| {
            let act = e.act.clone().unwrap_or_else(|| {
                match e.operation.as_str() {
                    "sign_detached" => "detached",
                    "sign_digest" => "digest",
                    _ => "plain",
                }
                .to_owned()
            });
            (act, e.level.clone())
        })
    }

    /// Keeps the consent window open until the request ends.
    pub async fn keep_window(&self, window: crate::ui::Session) {
        *self.window.lock().await = Some(window);
    }

    /// After a wrong PIN: asks again in the consent window, if it is Kyso's own. `Ok(None)`
    /// when there is no window to ask in (pinentry: the error goes to the caller).
    ///
    /// # Errors
    ///
    /// `user_cancelled` when the user cancels instead; `prompter_unavailable` when the window
    /// went away.
    pub async fn ask_again(&self, state: kyso_protocol::PinState) -> Result<Option<crate::prompt::Consent>, ApiError> {
        let mut window = self.window.lock().await;
        let Some(window) = window.as_mut() else { return Ok(None) };
        match window.retry(state).await? {
            crate::prompt::Consent::Refused => Err(ApiError::new(ErrorCode::UserCancelled)),
            consent => Ok(Some(consent)),
        }
    }

    /// The token's progress through the documents, shared with the consent window (whose
    /// Cancel stops it); a fresh one, never stopped, without a window.
    pub async fn progress(&self) -> crate::token::Progress {
        self.window.lock().await.as_ref().map(crate::ui::Session::progress).unwrap_or_default()
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
            Some(ErrorCode::Busy | ErrorCode::SigningPaused) => Outcome::Refused,
            Some(_) => Outcome::Failed,
            None if per_document.is_empty() => Outcome::Signed,
            None if per_document.len() < entry.documents.len() => Outcome::Partial,
            None => Outcome::Failed,
        };
        entry.error = error.or_else(|| per_document.first().map(|(_, code)| *code)).map(|c| c.as_str().to_owned());
        entry.time = crate::audit::now();
        self.audit.record(&entry);
        if let Some(window) = self.window.into_inner() {
            window.finish(crate::ui::Summary { error, failed: per_document, total: entry.documents.len() });
        }
    }
}
