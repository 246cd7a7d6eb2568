//! The test PKI and SoftHSM2 token.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::responders::Responders;

/// The PIN the generator gives the token.
pub const PIN: &str = "123456";

/// A PKI and token made by `tests/pki/make-test-pki.sh`, with its responders (OCSP, CRLs, TSA)
/// running on loopback.
#[derive(Debug)]
pub struct Pki {
    dir: PathBuf,
    env: HashMap<String, String>,
    responders: Responders,
    // Last: the directory outlives the responders that read it.
    _owner: Option<tempfile::TempDir>,
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
        // The responders' port goes into the certificates, so it is taken first and kept.
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind the responders' port");
        let responder = format!("http://127.0.0.1:{}", listener.local_addr().expect("address").port());
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("pki/make-test-pki.sh");
        let output = Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .env("RESPONDER", &responder)
            .output()
            .expect("run make-test-pki.sh");
        assert!(output.status.success(), "make-test-pki.sh failed:\n{}", String::from_utf8_lossy(&output.stderr));
        let env = std::fs::read_to_string(dir.join("env"))
            .expect("pki env file")
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect();
        let responders = Responders::start(&dir, listener);
        Pki { dir, env, responders, _owner: Some(owner) }
    }

    /// The OCSP responder, CRL server and TSA named in the certificates.
    pub fn responders(&self) -> &Responders {
        &self.responders
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
    /// `person-ec`, `expired-rsa`, `person-always`, `revoked-rsa`.
    pub fn thumbprint(&self, name: &str) -> String {
        let der = std::fs::read(self.path(&format!("{name}.der"))).expect("certificate der");
        hex::encode(Sha256::digest(der))
    }

    /// Deletes the token, as if it were pulled out.
    pub fn delete_token_command(&self) -> String {
        format!("SOFTHSM2_CONF={} softhsm2-util --delete-token --token kyso-test", self.softhsm_conf())
    }
}
