//! `kyso-agent images`: the user's handwritten-signature and seal images, per certificate,
//! drawn by the approve and issue acts when a request or plugin call brings none.

use std::path::{Path, PathBuf};

use crate::config;
use crate::personal_images::{ImageKind, PersonalImages};
use crate::token::TokenService;

/// Options of `images`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The certificate (SHA-256 thumbprint); default: the only one on the present tokens.
    #[arg(long)]
    cert: Option<String>,
    /// Imports this PNG or JPEG as the handwritten signature (approve act).
    #[arg(long, value_name = "IMAGE")]
    signature: Option<PathBuf>,
    /// Imports this PNG or JPEG as the agency seal (issue act).
    #[arg(long, value_name = "IMAGE")]
    seal: Option<PathBuf>,
    /// Removes an image: `signature` or `seal`.
    #[arg(long, value_name = "KIND", value_parser = ["signature", "seal"])]
    remove: Option<String>,
}

/// Imports or removes images, then lists what each certificate has.
pub fn run(config_path: Option<&Path>, args: &Args) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    let store = PersonalImages::for_this_user().ok_or("this system has no per-user data folder")?;
    let (tokens, _worker) = TokenService::start(config.modules.clone()).map_err(|e| e.to_string())?;
    let certificates = super::runtime()?.block_on(tokens.certificates()).map_err(|e| e.to_string())?;
    let changes = args.signature.is_some() || args.seal.is_some() || args.remove.is_some();
    if changes {
        let thumbprint = match &args.cert {
            Some(cert) => hex::encode(crate::signing::parse_thumbprint(cert).map_err(|e| super::explain(&e))?),
            None => match certificates.as_slice() {
                [only] => hex::encode(only.thumbprint),
                [] => {
                    return Err(
                        "không có chứng thư số nào trên token đang cắm. / no certificate on the present tokens".into(),
                    );
                }
                _ => {
                    return Err(
                        "có nhiều chứng thư số; hãy chọn bằng --cert. / several certificates; pick one with --cert"
                            .into(),
                    );
                }
            },
        };
        for (file, kind) in [(&args.signature, ImageKind::Signature), (&args.seal, ImageKind::Seal)] {
            if let Some(file) = file {
                let bytes = PersonalImages::read_file(file).map_err(|e| format!("{}: {e}", file.display()))?;
                store.set(&thumbprint, kind, &bytes).map_err(|e| format!("{}: {e}", file.display()))?;
            }
        }
        if let Some(kind) = &args.remove {
            let kind = if kind == "seal" { ImageKind::Seal } else { ImageKind::Signature };
            store.remove(&thumbprint, kind)?;
        }
    }
    for certificate in &certificates {
        let thumbprint = hex::encode(certificate.thumbprint);
        let has = |kind| if store.get(&thumbprint, kind).is_some() { "có / yes" } else { "chưa / none" };
        let subject =
            crate::certinfo::parse(&certificate.der).map(|c| crate::certinfo::common_name(&c)).unwrap_or_default();
        println!("{thumbprint}  {subject}");
        println!("  chữ ký / signature: {}; con dấu / seal: {}", has(ImageKind::Signature), has(ImageKind::Seal));
    }
    Ok(())
}
