//! `kyso-agent certificates`.

use std::path::Path;

use crate::config;
use crate::prompt::Prompter;
use crate::server;
use crate::signing::Signer;
use crate::token::TokenService;

/// Options of `certificates`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Prints JSON (the API's `/v1/certificates` body) instead of text.
    #[arg(long)]
    json: bool,
}

/// Lists the certificates on the present tokens.
pub fn run(config_path: Option<&Path>, args: &Args) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    let (tokens, _worker) = TokenService::start(config.modules.clone()).map_err(|e| e.to_string())?;
    let prompter = Prompter::Pinentry { program: config.prompter.clone(), timeout: config.prompt_timeout };
    let signer = Signer::new(tokens, prompter, 0);
    let list = super::runtime()?.block_on(server::certificates(&signer)).map_err(|e| super::explain(&e))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list).map_err(|e| e.to_string())?);
        return Ok(());
    }
    if list.certificates.is_empty() {
        println!("Không có chứng thư số nào trên thiết bị đang cắm. / No certificates on the present tokens.");
    }
    for cert in &list.certificates {
        println!("{}", cert.thumbprint);
        println!("  subject:  {}", cert.subject);
        println!("  issuer:   {}", cert.issuer);
        println!("  valid:    {} .. {} ({:?})", cert.not_before, cert.not_after, cert.status);
        let curve = cert.key.curve.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
        println!("  key:      {:?} {} bits{curve}; usage: {}", cert.key.kind, cert.key.bits, cert.key_usage.join(", "));
        let algorithms: Vec<&str> = cert.signature_algorithms.iter().map(|a| a.as_str()).collect();
        println!(
            "  token:    {} (slot {}); algorithms: {}",
            cert.token.label,
            cert.token.slot_id,
            algorithms.join(", ")
        );
    }
    Ok(())
}
