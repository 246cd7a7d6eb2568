//! `kyso-agent change-pin`: changes a token's user PIN with the current one (C_SetPIN), in the
//! prompter or from standard input; records the date for the six-month reminder.

use std::io::BufRead;
use std::path::Path;

use secrecy::SecretString;

use crate::config;
use crate::i18n::{Bilingual, Text};
use crate::pin_change;
use crate::prompt::{PinChange, PinChangeRequest, Prompter};
use crate::token::{TokenCertificate, TokenService};

/// Options of `change-pin`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The token: its serial number or label; default: the only token holding certificates.
    #[arg(long)]
    token: Option<String>,
    /// Reads the current PIN and the new PIN from standard input, one per line (for scripts),
    /// instead of asking in the prompter.
    #[arg(long)]
    pin_stdin: bool,
}

/// Changes the PIN of the chosen token.
pub fn run(config_path: Option<&Path>, args: &Args) -> Result<(), String> {
    let config = config::load(config_path).map_err(|e| e.to_string())?;
    let (tokens, _worker) = TokenService::start(config.modules.clone()).map_err(|e| e.to_string())?;
    let runtime = super::runtime()?;
    let certificates = runtime.block_on(tokens.certificates()).map_err(|e| e.to_string())?;
    let token = choose(&certificates, args.token.as_deref())?;
    let info = &token.token;
    if let Some(why) = runtime.block_on(pin_change::refusal(&tokens, token)).map_err(|e| e.to_string())? {
        return Err(why.to_string());
    }
    let (old, new, repeat) = if args.pin_stdin {
        let (old, new) = read_pins()?;
        let repeat = new.clone();
        (old, new, repeat)
    } else {
        let prompter = Prompter::Pinentry { program: config.prompter.clone(), timeout: config.prompt_timeout };
        let target = runtime.block_on(tokens.describe(token.thumbprint)).map_err(|e| e.to_string())?;
        let request = PinChangeRequest { label: info.label.clone(), serial: info.serial.clone(), pin: target.pin };
        match runtime.block_on(prompter.ask_pin_change(&request)).map_err(|e| e.to_string())? {
            PinChange::Pins { old, new } => {
                let repeat = new.clone();
                (old, new, repeat)
            }
            PinChange::Mismatch => return Err(Bilingual::from(Text::PinChangeMismatch).to_string()),
            PinChange::Cancelled => return Err(Bilingual::from(Text::PinChangeCancelled).to_string()),
        }
    };
    runtime.block_on(pin_change::change(&tokens, token, old, new, &repeat)).map_err(|e| e.to_string())?;
    println!("{}", Bilingual::fill(Text::PinChanged, &[("token", &info.label)]));
    Ok(())
}

/// The token named by serial or label, or the only one.
fn choose<'a>(certificates: &'a [TokenCertificate], wanted: Option<&str>) -> Result<&'a TokenCertificate, String> {
    let tokens = pin_change::tokens_of(certificates);
    let names =
        || tokens.iter().map(|t| format!("{} ({})", t.token.label, t.token.serial)).collect::<Vec<_>>().join(", ");
    match wanted {
        Some(wanted) => {
            tokens.iter().find(|t| t.token.serial == wanted || t.token.label == wanted).copied().ok_or_else(|| {
                format!("không có token {wanted:?}; đang cắm: {}. / no token {wanted:?}; present: {}", names(), names())
            })
        }
        None => match tokens.as_slice() {
            [only] => Ok(only),
            [] => Err("không có token nào đang cắm. / no token is present".into()),
            _ => Err(format!(
                "có nhiều token; hãy chọn bằng --token: {}. / several tokens; pick one with --token: {}",
                names(),
                names()
            )),
        },
    }
}

fn read_pins() -> Result<(SecretString, SecretString), String> {
    let mut lines = std::io::stdin().lock().lines();
    let mut next = |what: &str| -> Result<SecretString, String> {
        let line = lines.next().ok_or_else(|| format!("standard input has no {what}"))?.map_err(|e| e.to_string())?;
        Ok(SecretString::from(line.trim_end_matches('\r').to_owned()))
    };
    Ok((next("current PIN")?, next("new PIN")?))
}
