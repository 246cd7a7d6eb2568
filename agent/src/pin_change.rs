//! Changing a token's user PIN with the current one (C_SetPIN), as agency rules require every
//! six months: the checks before the token is touched, the token's answer in words the user
//! can act on, and the date kept for the reminder. Used by `kyso-agent change-pin` and by
//! Settings.

use secrecy::{ExposeSecret, SecretString};

use crate::i18n::{Bilingual, Text};
use crate::pin_age::PinAges;
use crate::token::{TokenCertificate, TokenError, TokenService};

/// The tokens holding `certificates`, each once (by module and serial), in the order found.
pub fn tokens_of(certificates: &[TokenCertificate]) -> Vec<&TokenCertificate> {
    let mut tokens: Vec<&TokenCertificate> = Vec::new();
    for certificate in certificates {
        if !tokens.iter().any(|t| {
            t.location.serial == certificate.location.serial && t.location.module == certificate.location.module
        }) {
            tokens.push(certificate);
        }
    }
    tokens
}

/// Why a PIN cannot be changed here before anything is typed: the token has its own PIN pad,
/// or its PIN is locked.
///
/// # Errors
///
/// The token cannot be read.
pub async fn refusal(tokens: &TokenService, token: &TokenCertificate) -> Result<Option<Bilingual>, Bilingual> {
    let label = token.token.label.as_str();
    if token.token.protected_authentication_path {
        return Ok(Some(Bilingual::fill(Text::PinChangePad, &[("token", label)])));
    }
    let target = tokens.describe(token.thumbprint).await.map_err(|e| token_error(e, label))?;
    Ok(target.pin_locked.then(|| Bilingual::fill(Text::PinChangeLocked, &[("token", label)])))
}

/// Changes the PIN of `token` from `old` to `new` (typed twice, as `repeat`), then records the
/// date for the six-month reminder.
///
/// # Errors
///
/// What the user must do differently, in both languages: the two entries differ, the new PIN
/// is empty or the same, the current PIN is wrong (and whether the next try is the last), the
/// token refused the length, was removed, or is locked.
pub async fn change(
    tokens: &TokenService,
    token: &TokenCertificate,
    old: SecretString,
    new: SecretString,
    repeat: &SecretString,
) -> Result<(), Bilingual> {
    let label = token.token.label.as_str();
    if let Some(why) = refusal(tokens, token).await? {
        return Err(why);
    }
    if new.expose_secret() != repeat.expose_secret() {
        return Err(Text::PinChangeMismatch.into());
    }
    if new.expose_secret().is_empty() {
        return Err(Text::PinChangeEmpty.into());
    }
    if new.expose_secret() == old.expose_secret() {
        return Err(Text::PinChangeSame.into());
    }
    tokens.change_pin(token.location.clone(), old, new).await.map_err(|e| token_error(e, label))?;
    let today = time::OffsetDateTime::now_utc().date();
    if let Some(ages) = PinAges::for_this_user()
        && let Err(error) = ages.changed(&token.token.serial, label, today)
    {
        tracing::warn!(%error, "the PIN was changed, but the date could not be recorded for the reminder");
    }
    tracing::info!(token = label, "the user PIN was changed");
    Ok(())
}

fn token_error(error: TokenError, label: &str) -> Bilingual {
    match error {
        TokenError::PinIncorrect(state) if state.final_try => {
            Bilingual::fill(Text::PinChangeWrongFinal, &[("token", label)])
        }
        TokenError::PinIncorrect(_) => Text::PinChangeWrong.into(),
        TokenError::PinLocked => Bilingual::fill(Text::PinChangeLocked, &[("token", label)]),
        TokenError::PinRejected { min, max } => {
            Bilingual::fill(Text::PinChangeRejected, &[("min", &min.to_string()), ("max", &max.to_string())])
        }
        TokenError::TokenAbsent => Text::PinChangeRemoved.into(),
        other => Bilingual { vi: other.to_string(), en: other.to_string() },
    }
}
