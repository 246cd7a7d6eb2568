//! Where setup puts its files, and where the operating system and the browsers look for them.
//!
//! On Linux every path hangs off a root directory, `/` on a real machine. Tests and package
//! builds pass another root (`--root DIR`), so that setup and uninstall can run for real without
//! touching the machine they run on.

use std::path::{Path, PathBuf};

/// File name of the CA certificate in the TLS directory.
pub const CA_FILE: &str = "ca.pem";
/// File name of the server certificate chain.
pub const CERT_FILE: &str = "cert.pem";
/// File name of the server's private key.
pub const KEY_FILE: &str = "key.pem";
/// The nickname the CA gets in NSS databases, and the file stem in the system store.
pub const CA_NICKNAME: &str = "Kyso Local CA";

/// The paths of one installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// `/` normally; another directory for tests and staging.
    pub root: PathBuf,
    /// Kyso's machine configuration directory.
    pub config_dir: PathBuf,
    /// The TLS files: `ca.pem`, `cert.pem`, `key.pem`.
    pub tls_dir: PathBuf,
    /// What setup made, for uninstall and doctor.
    pub manifest: PathBuf,
}

impl Layout {
    /// The layout under `root` (Linux and other Unix systems).
    pub fn unix(root: &Path) -> Self {
        let config_dir = under(root, "etc/kyso");
        Self {
            root: root.to_owned(),
            tls_dir: config_dir.join("tls"),
            manifest: under(root, "var/lib/kyso/install.json"),
            config_dir,
        }
    }

    /// The layout under `%ProgramData%\Kyso` (Windows).
    pub fn windows(program_data: &Path) -> Self {
        let config_dir = program_data.join("Kyso");
        Self {
            root: PathBuf::from("C:\\"),
            tls_dir: config_dir.join("tls"),
            manifest: config_dir.join("install.json"),
            config_dir,
        }
    }

    /// The layout of this machine: `root` on Unix, `%ProgramData%` on Windows.
    pub fn for_this_machine(root: &Path) -> Self {
        if cfg!(windows) {
            let program_data =
                std::env::var_os("ProgramData").map_or_else(|| PathBuf::from(r"C:\ProgramData"), PathBuf::from);
            Self::windows(&program_data)
        } else {
            Self::unix(root)
        }
    }

    /// Whether this is the real machine rather than a staging root.
    pub fn is_real_root(&self) -> bool {
        self.root == Path::new("/") || cfg!(windows)
    }

    /// A system path (written as if from `/`) under this layout's root.
    pub fn path(&self, absolute: &str) -> PathBuf {
        under(&self.root, absolute.trim_start_matches('/'))
    }

    /// The machine policy the agent reads (Unix).
    pub fn policy_file(&self) -> PathBuf {
        self.config_dir.join("agent.toml")
    }

    /// The CA certificate file.
    pub fn ca(&self) -> PathBuf {
        self.tls_dir.join(CA_FILE)
    }

    /// The server certificate chain.
    pub fn cert(&self) -> PathBuf {
        self.tls_dir.join(CERT_FILE)
    }

    /// The server key.
    pub fn key(&self) -> PathBuf {
        self.tls_dir.join(KEY_FILE)
    }
}

fn under(root: &Path, relative: &str) -> PathBuf {
    relative.split('/').filter(|p| !p.is_empty()).fold(root.to_owned(), |path, part| path.join(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_roots_hold_every_path() {
        let layout = Layout::unix(Path::new("/tmp/stage"));
        assert_eq!(layout.policy_file(), Path::new("/tmp/stage/etc/kyso/agent.toml"));
        assert_eq!(layout.key(), Path::new("/tmp/stage/etc/kyso/tls/key.pem"));
        assert_eq!(layout.path("/etc/xdg/autostart"), Path::new("/tmp/stage/etc/xdg/autostart"));
        assert!(!layout.is_real_root() || cfg!(windows));
        assert!(Layout::unix(Path::new("/")).is_real_root());
    }
}
