//! `kyso-install setup`: a fresh CA and server certificate, trusted everywhere the browsers
//! look, and the policies that let the portals reach the agent. Running it again replaces the
//! previous installation, CA included: that is how the certificate is renewed.

use sha2::{Digest, Sha256};

use crate::layout::Layout;
use crate::local_ca::{self, LocalCaOptions};
use crate::manifest::Manifest;
use crate::options::SetupOptions;
use crate::text::{Failure, failure};

/// Sets the machine up and returns the record of what was done.
///
/// # Errors
///
/// The step that failed; whatever the run had changed by then is undone first, so the machine
/// is left as it was before (minus the previous installation, which is removed first).
pub fn run(layout: &Layout, options: &SetupOptions) -> Result<Manifest, Failure> {
    if let Some(previous) = Manifest::read(&layout.manifest)? {
        crate::uninstall::undo(layout, &previous)?;
    }
    let certs = local_ca::generate(&LocalCaOptions {
        leaf_lifetime_days: options.leaf_days,
        common_name_suffix: machine_name(),
    })
    .map_err(|e| failure("Không tạo được chứng thư", "Cannot make the certificates", e))?;
    let ca_der = crate::pem::first_certificate(&certs.ca_pem)?;
    let mut record = Manifest {
        version: env!("CARGO_PKG_VERSION").into(),
        ca_sha256: hex::encode(Sha256::digest(&ca_der)),
        ca_subject: subject_of(&ca_der),
        leaf_not_after: certs.not_after.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        agent: options.agent.clone(),
        port: options.port,
        origins: options.origins.clone(),
        modules: options.modules.clone(),
        ..Manifest::default()
    };
    let result = layout
        .manifest
        .parent()
        .map_or(Ok(()), |dir| crate::files::create_dirs(dir, &mut record.dirs))
        .and_then(|()| crate::linux_or_windows::install(layout, options, &certs, &mut record))
        .and_then(|()| record.write(&layout.manifest));
    if let Err(error) = result {
        // Best effort: the error that stopped setup is the one to report.
        let _ = crate::uninstall::undo(layout, &record);
        return Err(error);
    }
    Ok(record)
}

/// Writes the CA, the server certificate and its key into the layout's TLS folder, and records
/// the folder (if new) and the files; the platform then restricts who may read the key.
pub(crate) fn write_tls_files(
    layout: &Layout,
    certs: &local_ca::LocalCertificates,
    record: &mut Manifest,
) -> Result<local_ca::DevCertFiles, Failure> {
    crate::files::create_dirs(&layout.tls_dir, &mut record.dirs)?;
    let written = local_ca::write_dev_cert(&layout.tls_dir, certs)
        .map_err(|e| failure("Không ghi được chứng thư TLS", "Cannot write the TLS files", e))?;
    record.files.extend([written.ca.clone(), written.cert.clone(), written.key.clone()]);
    Ok(written)
}

/// The machine's name, shown in the CA's name so people can tell it apart in trust dialogs.
fn machine_name() -> Option<String> {
    let name = if cfg!(windows) {
        std::env::var("COMPUTERNAME").ok()
    } else {
        std::fs::read_to_string("/proc/sys/kernel/hostname").ok()
    };
    name.map(|n| n.trim().chars().filter(|c| !c.is_control()).take(40).collect::<String>()).filter(|n| !n.is_empty())
}

fn subject_of(der: &[u8]) -> String {
    use der::Decode;
    x509_cert::Certificate::from_der(der).map(|c| c.tbs_certificate.subject.to_string()).unwrap_or_default()
}
