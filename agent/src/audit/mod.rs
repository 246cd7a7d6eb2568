//! The audit trail: one line per request that asked for a signature (or was refused before
//! it could), with who asked, what for, which certificate and how it ended. Never a PIN, never
//! document content: names, sizes and digests only.
//!
//! Lines go to an append-only JSON Lines file in the user's data folder, rotated by size
//! ([`file`]), and to the operating system's log ([`os_log`]: journald, the Windows Event Log)
//! so agencies can collect them centrally. Writing the trail never stops a signature: a failure
//! is logged and the request goes on.

mod file;
mod os_log;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// Where and how much to keep (`[audit]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditConfig {
    /// The folder of `audit.log` and its rotated predecessors.
    pub dir: PathBuf,
    /// Size at which the file is rotated.
    pub max_file_bytes: u64,
    /// Rotated files kept (`audit.log.1` newest ... `audit.log.N` oldest).
    pub keep_files: u32,
}

/// How many of the last entries stay in memory, for the tray's recent activity.
const RECENT: usize = 10;

/// A cheap handle to the trail, shared by every request.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    log: Option<Arc<Mutex<file::RotatingLog>>>,
    /// The last entries, newest last.
    recent: Arc<Mutex<std::collections::VecDeque<Entry>>>,
    /// Requests refused as `busy` since the start, and the origin of the last one.
    busy: Arc<Mutex<(u64, String)>>,
}

impl Audit {
    /// Opens (creating) the trail in `config.dir`.
    ///
    /// # Errors
    ///
    /// The folder cannot be created or the file opened: the agent should not start without
    /// its audit trail.
    pub fn open(config: &AuditConfig) -> Result<Self, String> {
        let log = file::RotatingLog::open(config).map_err(|e| format!("audit log {}: {e}", config.dir.display()))?;
        Ok(Self { log: Some(Arc::new(Mutex::new(log))), recent: Arc::default(), busy: Arc::default() })
    }

    /// A trail that records nothing (listing certificates, tests of the signer alone).
    pub fn none() -> Self {
        Self::default()
    }

    /// Appends `entry` to the file and sends it to the OS log.
    pub fn record(&self, entry: &Entry) {
        let Some(log) = &self.log else { return };
        {
            let mut recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back(entry.clone());
        }
        if entry.error.as_deref() == Some(kyso_protocol::ErrorCode::Busy.as_str()) {
            let mut busy = self.busy.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *busy = (busy.0 + 1, entry.origin.clone());
        }
        match serde_json::to_string(entry) {
            Ok(line) => {
                let mut log = log.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Err(error) = log.append(&line) {
                    tracing::error!(%error, "cannot write the audit log");
                }
            }
            Err(error) => tracing::error!(%error, "cannot encode an audit entry"),
        }
        os_log::send(entry);
    }
}

impl Audit {
    /// How many requests were refused as `busy` since the start, and the last one's origin.
    pub fn busy_refusals(&self) -> (u64, String) {
        self.busy.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The last entries recorded since the agent started, newest last.
    pub fn recent(&self) -> Vec<Entry> {
        self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect()
    }
}

/// One request, as the trail keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// When it ended (RFC 3339, UTC).
    pub time: String,
    /// The requesting web origin, or the command line.
    pub origin: String,
    /// What was asked: `sign_pdf`, `sign_pdfs`, `sign_detached`, `sign_digest`, or the
    /// refused request's path.
    pub operation: String,
    /// The Decree 30 act, for PDFs.
    pub act: Option<String>,
    /// The signature level asked for.
    pub level: Option<String>,
    /// The signing certificate: as chosen, or as asked for when the request ended sooner.
    pub certificate: Option<CertificateEntry>,
    /// The documents, as the consent window showed them when it was reached.
    pub documents: Vec<DocumentEntry>,
    /// How it ended.
    pub result: Outcome,
    /// Kyso's error code, when it did not end signed.
    pub error: Option<String>,
}

/// The certificate of an entry.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateEntry {
    /// SHA-256 thumbprint, hex.
    pub thumbprint: String,
    /// Subject, when the certificate was found.
    pub subject: Option<String>,
}

/// One document of an entry.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentEntry {
    /// The name shown to the user.
    pub name: String,
    /// Size in bytes, when known.
    pub size: Option<u64>,
    /// Pages, for PDFs.
    pub pages: Option<u32>,
    /// The digest algorithm and value (hex) of the bytes consented to.
    pub digest: Option<(String, String)>,
    /// This document's own error code, in a batch.
    pub error: Option<String>,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every document signed.
    Signed,
    /// Some documents of a batch signed, others failed.
    Partial,
    /// The user said no (or let the prompt time out).
    Cancelled,
    /// Refused before the user was asked: origin, host, busy, policy.
    Refused,
    /// Failed: token, PIN, certificate, document, network.
    Failed,
}

impl Outcome {
    /// The name the file and the OS log give it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Partial => "partial",
            Self::Cancelled => "cancelled",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The entry for a request refused before it reached the signer (origin or host not allowed).
pub fn refused(origin: &str, operation: &str, code: kyso_protocol::ErrorCode) -> Entry {
    Entry {
        time: now(),
        origin: origin.to_owned(),
        operation: operation.to_owned(),
        act: None,
        level: None,
        certificate: None,
        documents: Vec::new(),
        result: Outcome::Refused,
        error: Some(code.as_str().to_owned()),
    }
}

/// The current time, RFC 3339 UTC, whole seconds.
pub fn now() -> String {
    crate::signing::rfc3339(std::time::SystemTime::now())
}
