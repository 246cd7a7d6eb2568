//! `kyso-agent change-pin`: changes a token's user PIN with the current one (C_SetPIN), in the
//! prompter or from standard input; records the date for the six-month reminder.

use std::io::BufRead;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::config;
use crate::pin_age::PinAges;
use crate::prompt::{PinChange, PinChangeRequest, Prompter};
use crate::token::{TokenCertificate, TokenError, TokenService};

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
    if info.protected_authentication_path {
        return Err(format!(
            "token {} có bàn phím PIN riêng: hãy đổi mã PIN bằng phần mềm của nhà cung cấp. / token {} has its own PIN pad: change the PIN with the vendor's tool",
            info.label, info.label
        ));
    }
    let target = runtime.block_on(tokens.describe(token.thumbprint)).map_err(|e| e.to_string())?;
    if target.pin_locked {
        return Err(locked(&info.label));
    }
    let (old, new) = if args.pin_stdin {
        read_pins()?
    } else {
        let prompter = Prompter::Pinentry { program: config.prompter.clone(), timeout: config.prompt_timeout };
        let request = PinChangeRequest { label: info.label.clone(), serial: info.serial.clone(), pin: target.pin };
        match runtime.block_on(prompter.ask_pin_change(&request)).map_err(|e| e.to_string())? {
            PinChange::Pins { old, new } => (old, new),
            PinChange::Mismatch => {
                return Err("hai lần nhập mã PIN mới không khớp; mã PIN chưa đổi. / the two entries of the new PIN differ; the PIN was not changed".into());
            }
            PinChange::Cancelled => return Err("đã hủy; mã PIN chưa đổi. / cancelled; the PIN was not changed".into()),
        }
    };
    if new.expose_secret().is_empty() {
        return Err("mã PIN mới trống. / the new PIN is empty".into());
    }
    if new.expose_secret() == old.expose_secret() {
        return Err("mã PIN mới trùng mã PIN hiện tại. / the new PIN is the same as the current one".into());
    }
    runtime
        .block_on(tokens.change_pin(token.location.clone(), old, new))
        .map_err(|error| explain(error, &info.label))?;
    let today = time::OffsetDateTime::now_utc().date();
    if let Some(ages) = PinAges::for_this_user()
        && let Err(error) = ages.changed(&info.serial, &info.label, today)
    {
        tracing::warn!(%error, "the PIN was changed, but the date could not be recorded for the reminder");
    }
    println!("Đã đổi mã PIN của token {}. / The PIN of token {} was changed.", info.label, info.label);
    Ok(())
}

/// The token named by serial or label, or the only one.
fn choose<'a>(certificates: &'a [TokenCertificate], wanted: Option<&str>) -> Result<&'a TokenCertificate, String> {
    let mut tokens: Vec<&TokenCertificate> = Vec::new();
    for certificate in certificates {
        if !tokens.iter().any(|t| {
            t.location.serial == certificate.location.serial && t.location.module == certificate.location.module
        }) {
            tokens.push(certificate);
        }
    }
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

fn locked(label: &str) -> String {
    format!(
        "mã PIN của token {label} đã bị khóa: hãy liên hệ tổ chức cấp chứng thư số để mở khóa. / the PIN of token {label} is locked: ask the certificate issuer to unlock it"
    )
}

fn explain(error: TokenError, label: &str) -> String {
    match error {
        TokenError::PinIncorrect(state) if state.final_try => format!(
            "mã PIN hiện tại sai; nhập sai thêm một lần nữa token sẽ bị khóa. / the current PIN is wrong; one more wrong PIN locks token {label}"
        ),
        TokenError::PinIncorrect(_) => {
            "mã PIN hiện tại sai; mã PIN chưa đổi. / the current PIN is wrong; the PIN was not changed".into()
        }
        TokenError::PinLocked => locked(label),
        TokenError::PinRejected { min, max } => format!(
            "token không nhận mã PIN mới: cần từ {min} đến {max} ký tự. / the token refused the new PIN: it takes {min} to {max} characters"
        ),
        TokenError::TokenAbsent => {
            "token đã bị rút ra; mã PIN chưa đổi. / the token was removed; the PIN was not changed".into()
        }
        other => other.to_string(),
    }
}
