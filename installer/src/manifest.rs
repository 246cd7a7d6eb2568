//! The record of what setup changed on the machine, so that uninstall removes exactly that
//! (and nothing else), and doctor knows what to check.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::text::{Failure, failure};

/// Everything one `setup` run made or changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The installer version that wrote this.
    pub version: String,
    /// SHA-256 of the CA certificate (DER), hex.
    pub ca_sha256: String,
    /// The CA's subject, for people reading trust-store dialogs.
    pub ca_subject: String,
    /// When the server certificate expires (RFC 3339).
    pub leaf_not_after: String,
    /// The agent program autostart runs.
    pub agent: PathBuf,
    /// The agent's port.
    pub port: u16,
    /// Allowed portal origins.
    pub origins: Vec<String>,
    /// Configured PKCS#11 modules.
    pub modules: Vec<PathBuf>,
    /// Files setup created (removed by uninstall).
    pub files: Vec<PathBuf>,
    /// Directories setup created (removed by uninstall when empty).
    pub dirs: Vec<PathBuf>,
    /// Files of other programs setup edited, and what it added.
    pub edits: Vec<Edit>,
    /// NSS databases the CA was added to.
    pub nss: Vec<NssEntry>,
    /// The group allowed to read the TLS key (Unix).
    pub group: Option<GroupChange>,
    /// Registry values and keys setup wrote (Windows).
    pub registry: Vec<RegistryEntry>,
    /// SHA-1 thumbprints added to the machine's ROOT store (Windows).
    pub root_store: Vec<String>,
}

/// An edit of a file another program owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Edit {
    /// Firefox's `policies.json`: the certificate path added to `Certificates.Install`, and
    /// whether setup turned `ImportEnterpriseRoots` on (else it was on already).
    FirefoxPolicies {
        /// The file.
        path: PathBuf,
        /// The CA file path setup added.
        installed: String,
        /// Setup set `ImportEnterpriseRoots` (so uninstall removes it).
        set_enterprise_roots: bool,
        /// Setup created the file (so uninstall deletes it when nothing else is left).
        created: bool,
    },
}

/// One NSS database and the nickname the CA got there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NssEntry {
    /// The database directory (holding `cert9.db`).
    pub db: PathBuf,
    /// The user who owns it.
    pub user: String,
    /// Setup created the database itself.
    pub created: bool,
}

/// The key-reading group and who setup added to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupChange {
    /// Group name.
    pub name: String,
    /// Setup created the group.
    pub created: bool,
    /// Users setup added.
    pub added: Vec<String>,
}

/// A registry key or value setup wrote under `HKEY_LOCAL_MACHINE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistryEntry {
    /// A key setup created, removed with everything in it.
    Key(String),
    /// A value setup wrote in a key that existed before.
    Value {
        /// The key.
        key: String,
        /// The value name.
        name: String,
    },
}

impl Manifest {
    /// Reads the manifest; `None` when the machine has no installation.
    ///
    /// # Errors
    ///
    /// An unreadable or damaged manifest.
    pub fn read(path: &Path) -> Result<Option<Self>, Failure> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(failure(
                    "Không đọc được bản ghi cài đặt",
                    "Cannot read the install record",
                    format!("{}: {e}", path.display()),
                ));
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            failure("Bản ghi cài đặt bị hỏng", "The install record is damaged", format!("{}: {e}", path.display()))
        })
    }

    /// Writes the manifest atomically.
    ///
    /// # Errors
    ///
    /// The file cannot be written.
    pub fn write(&self, path: &Path) -> Result<(), Failure> {
        let text = serde_json::to_string_pretty(self).map_err(|e| failure("Lỗi nội bộ", "Internal error", e))?;
        crate::files::write_atomic(path, text.as_bytes(), 0o644)
    }
}
