//! Setup and uninstall on Linux: the system trust store, NSS databases, browser policy files,
//! XDG autostart, and a group that may read the TLS key.

pub mod autostart;
pub mod group;
pub mod nss;
pub mod system_store;
pub mod users;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::browser_policy::{self, FirefoxChange};
use crate::files::{self, create_dirs, write_atomic};
use crate::layout::Layout;
use crate::local_ca::LocalCertificates;
use crate::manifest::{Edit, GroupChange, Manifest, NssEntry};
use crate::options::SetupOptions;
use crate::text::{Failure, failure};

/// The group whose members may read the TLS key.
pub const KEY_GROUP: &str = "kyso";

/// Managed-policy directories of the Chromium family: Debian's Chromium, Google Chrome,
/// Microsoft Edge.
pub const CHROMIUM_POLICY_DIRS: [&str; 3] =
    ["/etc/chromium/policies/managed", "/etc/opt/chrome/policies/managed", "/etc/opt/edge/policies/managed"];
/// Kyso's file in each of them.
pub const CHROMIUM_POLICY_FILE: &str = "kyso.json";
/// Firefox's system-wide policy file on Linux.
pub const FIREFOX_POLICY: &str = "/etc/firefox/policies/policies.json";

/// Does the Linux part of setup, recording each change in `record` as it is made, so that a
/// failure half-way can be undone from it.
///
/// # Errors
///
/// The first step that fails. NSS databases are the exception: one user's database that
/// cannot be changed (a home on a network share, say) is reported and skipped, and `doctor`
/// shows it.
pub fn install(
    layout: &Layout,
    options: &SetupOptions,
    certs: &LocalCertificates,
    record: &mut Manifest,
) -> Result<(), Failure> {
    let users = users::select(&layout.root, options.users.as_deref())?;

    // TLS files; the key readable by root and the group of the agent's users only.
    let written = crate::setup::write_tls_files(layout, certs, record)?;
    files::set_mode(&layout.tls_dir, 0o755).map_err(|e| io_failure(&layout.tls_dir, e))?;
    let (gid, created) = group::ensure(layout, KEY_GROUP)?;
    record.group = Some(GroupChange { name: KEY_GROUP.into(), created, added: Vec::new() });
    for user in &users {
        if group::add_member(layout, KEY_GROUP, &user.name)?
            && let Some(change) = record.group.as_mut()
        {
            change.added.push(user.name.clone());
        }
    }
    std::os::unix::fs::chown(&written.key, None, Some(gid)).map_err(|e| io_failure(&written.key, e))?;
    files::set_mode(&written.key, 0o640).map_err(|e| io_failure(&written.key, e))?;

    // The agent's machine policy.
    let policy = layout.policy_file();
    write_new(&policy, crate::agent_policy::toml_text(options, layout).as_bytes(), record)?;

    // The system store.
    let store_file = system_store::ca_file(layout);
    write_new(&store_file, certs.ca_pem.as_bytes(), record)?;
    system_store::update(layout, false)?;

    // Each user's NSS databases.
    let ca_file = layout.ca();
    for user in &users {
        for (db, exists) in nss::databases(user) {
            match add_to_database(user, &db, exists, &ca_file, record) {
                Ok(()) => record.nss.push(NssEntry { db, user: user.name.clone(), created: !exists }),
                Err(why) => eprintln!("{why}"),
            }
        }
    }

    // Browser policies.
    let ca_der = crate::pem::first_certificate(&certs.ca_pem)?;
    let chromium = serde_json::to_vec_pretty(&browser_policy::chromium_policy(&options.origins, &ca_der))
        .map_err(|e| failure("Lỗi nội bộ", "Internal error", e))?;
    for dir in CHROMIUM_POLICY_DIRS {
        write_new(&layout.path(dir).join(CHROMIUM_POLICY_FILE), &chromium, record)?;
    }
    firefox_policy(layout, record)?;

    // Autostart in every desktop session.
    write_new(&autostart::entry_path(layout), autostart::entry(&options.agent).as_bytes(), record)?;
    Ok(())
}

/// Undoes what `record` says setup did on Linux. Every step is tried; the failures are
/// returned together.
pub fn uninstall(layout: &Layout, record: &Manifest, failures: &mut Vec<Failure>) {
    for edit in &record.edits {
        let Edit::FirefoxPolicies { path, installed, set_enterprise_roots, created } = edit;
        if let Err(e) =
            firefox_revert(path, installed, FirefoxChange { set_enterprise_roots: *set_enterprise_roots }, *created)
        {
            failures.push(e);
        }
    }
    for entry in &record.nss {
        if let Err(e) = nss::remove(&entry.db) {
            failures.push(e);
            continue;
        }
        if entry.created && nss::is_empty(&entry.db) {
            for file in ["cert9.db", "key4.db", "pkcs11.txt"] {
                let _ = std::fs::remove_file(entry.db.join(file));
            }
        }
    }
    let store_file = system_store::ca_file(layout);
    for file in record.files.iter().rev() {
        if let Err(e) = files::remove_file(file) {
            failures.push(e);
        }
    }
    if record.files.contains(&store_file)
        && let Err(e) = system_store::update(layout, true)
    {
        failures.push(e);
    }
    if let Some(group) = &record.group {
        for user in &group.added {
            if let Err(e) = group::remove_member(layout, &group.name, user) {
                failures.push(e);
            }
        }
        if group.created
            && let Err(e) = group::delete(layout, &group.name)
        {
            failures.push(e);
        }
    }
}

fn add_to_database(
    user: &users::User,
    db: &Path,
    exists: bool,
    ca_file: &Path,
    record: &mut Manifest,
) -> Result<(), Failure> {
    if !exists {
        let mut made = Vec::new();
        let result = create_dirs(db, &mut made).and_then(|()| nss::create(db));
        // Whatever was made belongs to the user, as if their browser had made it.
        for path in made.iter().chain(std::iter::once(&db.to_path_buf())) {
            own(path, user);
            if let Ok(entries) = std::fs::read_dir(path) {
                entries.flatten().for_each(|e| own(&e.path(), user));
            }
        }
        record.dirs.extend(made);
        result?;
    }
    nss::add(db, ca_file)
}

fn own(path: &Path, user: &users::User) {
    let _ = std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid));
}

fn firefox_policy(layout: &Layout, record: &mut Manifest) -> Result<(), Failure> {
    let path = layout.path(FIREFOX_POLICY);
    let (mut document, created) = match std::fs::read_to_string(&path) {
        Ok(text) => (
            serde_json::from_str::<Value>(&text).map_err(|e| {
                failure(
                    "Tệp chính sách Firefox bị lỗi",
                    "Firefox's policy file is not valid JSON",
                    format!("{}: {e}", path.display()),
                )
            })?,
            false,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Value::Null, true),
        Err(e) => return Err(io_failure(&path, e)),
    };
    let installed = layout.ca().display().to_string();
    let change = browser_policy::firefox_add(&mut document, &installed).map_err(|why| {
        failure(
            "Không sửa được chính sách Firefox",
            "Cannot edit Firefox's policies",
            format!("{}: {why}", path.display()),
        )
    })?;
    if let Some(parent) = path.parent() {
        create_dirs(parent, &mut record.dirs)?;
    }
    let text = serde_json::to_vec_pretty(&document).map_err(|e| failure("Lỗi nội bộ", "Internal error", e))?;
    write_atomic(&path, &text, 0o644)?;
    record.edits.push(Edit::FirefoxPolicies {
        path,
        installed,
        set_enterprise_roots: change.set_enterprise_roots,
        created,
    });
    Ok(())
}

fn firefox_revert(path: &Path, installed: &str, change: FirefoxChange, created: bool) -> Result<(), Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_failure(path, e)),
    };
    let Ok(mut document) = serde_json::from_str::<Value>(&text) else {
        // Someone rewrote it since; what is there now is theirs.
        return Ok(());
    };
    let empty = browser_policy::firefox_remove(&mut document, installed, change);
    if empty && created {
        return files::remove_file(path);
    }
    let text = serde_json::to_vec_pretty(&document).map_err(|e| failure("Lỗi nội bộ", "Internal error", e))?;
    write_atomic(path, &text, 0o644)
}

/// Writes a file setup owns, creating its directory, and records both.
fn write_new(path: &Path, bytes: &[u8], record: &mut Manifest) -> Result<(), Failure> {
    if let Some(parent) = path.parent() {
        create_dirs(parent, &mut record.dirs)?;
    }
    write_atomic(path, bytes, 0o644)?;
    record.files.push(path.to_owned());
    Ok(())
}

fn io_failure(path: &Path, e: std::io::Error) -> Failure {
    failure("Lỗi tệp", "File error", format!("{}: {e}", path.display()))
}

/// The paths doctor checks for browser policies.
pub fn policy_files(layout: &Layout) -> Vec<PathBuf> {
    CHROMIUM_POLICY_DIRS.iter().map(|dir| layout.path(dir).join(CHROMIUM_POLICY_FILE)).collect()
}
