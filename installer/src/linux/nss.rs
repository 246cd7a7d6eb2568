//! NSS certificate databases: Chromium's and Chrome's per-user database, and each Firefox
//! profile's. Changed with NSS's own `certutil` (Debian `libnss3-tools`).

use std::path::{Path, PathBuf};

use crate::command::run;
use crate::layout::CA_NICKNAME;
use crate::linux::users::User;
use crate::text::Failure;

/// The databases of `user` that should trust the CA, and whether each exists yet.
///
/// Chromium reads `~/.pki/nssdb` when it exists, else (since version 146)
/// `~/.local/share/pki/nssdb`. Both are taken when present; when neither is, `~/.pki/nssdb` is
/// made, which every version reads. Firefox profiles are taken as they are (new profiles get
/// the CA from the Firefox policy).
pub fn databases(user: &User) -> Vec<(PathBuf, bool)> {
    let legacy = user.home.join(".pki/nssdb");
    let current = user.home.join(".local/share/pki/nssdb");
    let mut found: Vec<(PathBuf, bool)> = [&legacy, &current]
        .into_iter()
        .filter(|db| db.join("cert9.db").is_file())
        .map(|db| (db.clone(), true))
        .collect();
    if found.is_empty() {
        found.push((legacy, false));
    }
    for profiles in [".mozilla/firefox", "snap/firefox/common/.mozilla/firefox"] {
        let Ok(entries) = std::fs::read_dir(user.home.join(profiles)) else { continue };
        let mut dbs: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.join("cert9.db").is_file()).collect();
        dbs.sort();
        found.extend(dbs.into_iter().map(|db| (db, true)));
    }
    found
}

/// Makes an empty database (no password, as browsers make them).
///
/// # Errors
///
/// `certutil` fails.
pub fn create(db: &Path) -> Result<(), Failure> {
    run("certutil", &["-N", "-d", &sql(db), "--empty-password"])?;
    Ok(())
}

/// Adds the CA as trusted for TLS servers, replacing an earlier Kyso CA of the same nickname.
///
/// # Errors
///
/// `certutil` fails.
pub fn add(db: &Path, ca_file: &Path) -> Result<(), Failure> {
    remove(db)?;
    run("certutil", &["-A", "-d", &sql(db), "-n", CA_NICKNAME, "-t", "C,,", "-i", &ca_file.display().to_string()])?;
    Ok(())
}

/// Removes every certificate with Kyso's nickname (an old CA may linger beside a new one).
///
/// # Errors
///
/// `certutil` fails for a reason other than the certificate being absent.
pub fn remove(db: &Path) -> Result<(), Failure> {
    if !db.join("cert9.db").is_file() {
        return Ok(());
    }
    // certutil -D removes one certificate per call; a bound guards against a database that
    // keeps answering.
    for _ in 0..16 {
        if !holds(db) {
            break;
        }
        run("certutil", &["-D", "-d", &sql(db), "-n", CA_NICKNAME])?;
    }
    Ok(())
}

/// The CA certificate (DER) under Kyso's nickname, if any.
pub fn ca_der(db: &Path) -> Option<Vec<u8>> {
    let out =
        std::process::Command::new("certutil").args(["-L", "-d", &sql(db), "-n", CA_NICKNAME, "-r"]).output().ok()?;
    (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout)
}

/// Whether the database holds any certificate, of anyone's.
pub fn is_empty(db: &Path) -> bool {
    run("certutil", &["-L", "-d", &sql(db)]).is_ok_and(|listing| listing.lines().skip(4).all(|l| l.trim().is_empty()))
}

fn holds(db: &Path) -> bool {
    ca_der(db).is_some()
}

fn sql(db: &Path) -> String {
    format!("sql:{}", db.display())
}
