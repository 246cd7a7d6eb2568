//! Setup and uninstall on Windows: the LocalMachine ROOT store, policies under
//! `HKLM\Software\Policies` (the agent's, Firefox's, Chrome's, Edge's, Chromium's), and the
//! HKLM Run key, which starts the agent in every user's session.

mod acl;
pub mod registry;
pub mod root_store;

use crate::agent_policy::{self, RegistryData};
use crate::browser_policy::CHROMIUM_ORIGIN_POLICIES;
use crate::layout::Layout;
use crate::local_ca::LocalCertificates;
use crate::manifest::Manifest;
use crate::options::SetupOptions;
use crate::text::Failure;

/// The agent's machine policy key (what `kyso-agent` reads).
pub const AGENT_POLICY_KEY: &str = r"Software\Policies\Kyso\Agent";
/// Firefox: trust the Windows ROOT store.
pub const FIREFOX_CERTIFICATES_KEY: &str = r"Software\Policies\Mozilla\Firefox\Certificates";
/// Policy roots of the Chromium family: Google Chrome, Microsoft Edge, Chromium.
pub const CHROMIUM_POLICY_KEYS: [&str; 3] =
    [r"Software\Policies\Google\Chrome", r"Software\Policies\Microsoft\Edge", r"Software\Policies\Chromium"];
/// Programs started at every user's logon.
pub const RUN_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";
/// Kyso's value in [`RUN_KEY`].
pub const RUN_VALUE: &str = "Kyso";

/// Does the Windows part of setup, recording each change in `record` as it is made.
///
/// # Errors
///
/// The first step that fails.
pub fn install(
    layout: &Layout,
    options: &SetupOptions,
    certs: &LocalCertificates,
    record: &mut Manifest,
) -> Result<(), Failure> {
    let written = crate::setup::write_tls_files(layout, certs, record)?;
    acl::restrict_key(&written.key)?;

    let (key, created) = registry::create(AGENT_POLICY_KEY, record)?;
    for (name, data) in agent_policy::registry_values(options, layout) {
        registry::set(&key, AGENT_POLICY_KEY, name, &data, created, record)?;
    }

    let ca_der = crate::pem::first_certificate(&certs.ca_pem)?;
    let thumbprint = root_store::add(&ca_der)?;
    record.root_store.push(thumbprint);

    if registry::number(FIREFOX_CERTIFICATES_KEY, "ImportEnterpriseRoots") != Some(1) {
        let (key, created) = registry::create(FIREFOX_CERTIFICATES_KEY, record)?;
        registry::set(
            &key,
            FIREFOX_CERTIFICATES_KEY,
            "ImportEnterpriseRoots",
            &RegistryData::Number(1),
            created,
            record,
        )?;
    }
    for browser in CHROMIUM_POLICY_KEYS {
        for policy in CHROMIUM_ORIGIN_POLICIES {
            add_to_list(&format!(r"{browser}\{policy}"), &options.origins, record)?;
        }
    }

    let (key, created) = registry::create(RUN_KEY, record)?;
    let command = format!("\"{}\" serve", options.agent.display());
    registry::set(&key, RUN_KEY, RUN_VALUE, &RegistryData::Text(command), created, record)?;
    Ok(())
}

/// Appends `origins` to a Chromium list policy (values `1`, `2`, ...), after whatever an
/// administrator listed there already.
fn add_to_list(path: &str, origins: &[String], record: &mut Manifest) -> Result<(), Failure> {
    let existing = registry::value_names(path);
    let present: Vec<String> = existing.iter().filter_map(|name| registry::text(path, name)).collect();
    let first = existing.iter().filter_map(|n| n.parse::<u32>().ok()).max().unwrap_or(0) + 1;
    let (key, created) = registry::create(path, record)?;
    for (number, origin) in (first..).zip(origins.iter().filter(|o| !present.contains(o))) {
        registry::set(&key, path, &number.to_string(), &RegistryData::Text(origin.clone()), created, record)?;
    }
    Ok(())
}

/// Undoes what `record` says setup did on Windows. Every step is tried.
pub fn uninstall(_layout: &Layout, record: &Manifest, failures: &mut Vec<Failure>) {
    for entry in record.registry.iter().rev() {
        if let Err(e) = registry::remove(entry) {
            failures.push(e);
        }
    }
    for thumbprint in &record.root_store {
        if let Err(e) = root_store::remove(thumbprint) {
            failures.push(e);
        }
    }
    for file in record.files.iter().rev() {
        if let Err(e) = crate::files::remove_file(file) {
            failures.push(e);
        }
    }
}
