//! The test PKI and SoftHSM2 token.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The PIN the generator gives the token.
pub const PIN: &str = "123456";

/// A PKI and token made by `tests/pki/make-test-pki.sh`.
#[derive(Debug)]
pub struct Pki {
    dir: PathBuf,
    _owner: Option<tempfile::TempDir>,
    env: HashMap<String, String>,
}

impl Pki {
    /// A PKI shared by the tests that do not change the token.
    pub fn shared() -> &'static Pki {
        static SHARED: OnceLock<Pki> = OnceLock::new();
        SHARED.get_or_init(Pki::fresh)
    }

    /// A PKI of its own, for tests that change or delete the token.
    pub fn fresh() -> Pki {
        let owner = crate::temp_dir("kyso-pki-");
        let dir = owner.path().to_owned();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("pki/make-test-pki.sh");
        let output = Command::new("bash").arg(&script).arg(&dir).output().expect("run make-test-pki.sh");
        assert!(output.status.success(), "make-test-pki.sh failed:\n{}", String::from_utf8_lossy(&output.stderr));
        let env = std::fs::read_to_string(dir.join("env"))
            .expect("pki env file")
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        Pki { dir, _owner: Some(owner), env }
    }

    /// The directory with the PEM files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file in the PKI directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The SoftHSM configuration file (for `SOFTHSM2_CONF`).
    pub fn softhsm_conf(&self) -> &str {
        &self.env["SOFTHSM2_CONF"]
    }

    /// The PKCS#11 module.
    pub fn module(&self) -> &str {
        &self.env["MODULE"]
    }

    /// The SHA-256 thumbprint (hex) of an end-entity certificate: `person-rsa`, `org-rsa`,
    /// `person-ec`, `expired-rsa`.
    pub fn thumbprint(&self, name: &str) -> String {
        let der = std::fs::read(self.path(&format!("{name}.der"))).expect("certificate der");
        hex::encode(Sha256::digest(der))
    }

    /// Deletes the token, as if it were pulled out.
    pub fn delete_token_command(&self) -> String {
        format!("SOFTHSM2_CONF={} softhsm2-util --delete-token --token kyso-test", self.softhsm_conf())
    }
}
