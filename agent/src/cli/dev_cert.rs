//! `kyso-agent dev-cert`.

use std::path::PathBuf;

use kyso_installer::{LocalCaOptions, local_ca};

/// Options of `dev-cert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory for ca.pem, cert.pem (chain) and key.pem.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Lifetime of the server certificate in days (at most 825).
    #[arg(long, default_value_t = local_ca::DEFAULT_LEAF_LIFETIME_DAYS)]
    days: u32,
}

/// Makes the local CA and server certificate.
pub fn run(args: &Args) -> Result<(), String> {
    let options = LocalCaOptions { leaf_lifetime_days: args.days, ..LocalCaOptions::default() };
    let certs = local_ca::generate(&options).map_err(|e| chain(&e))?;
    let files = local_ca::write_dev_cert(&args.out, &certs).map_err(|e| chain(&e))?;
    println!("CA (trust this; its private key was never written): {}", files.ca.display());
    println!("server certificate chain: {}", files.cert.display());
    println!("server key (owner-only): {}", files.key.display());
    println!("valid until: {}", certs.not_after);
    println!("\n[tls]\ncert = {:?}\nkey = {:?}", files.cert, files.key);
    Ok(())
}

fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
