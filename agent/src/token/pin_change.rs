//! Changing the token's user PIN: `C_SetPIN` with the old PIN, in a read-write session, on the
//! token the user chose (still the same token in the slot). Never retried.

use cryptoki::error::{Error as CkError, RvError};
use cryptoki::slot::Slot;
use secrecy::SecretString;

use super::inventory::LoadedModule;
use super::{TokenError, TokenLocation, transient};

/// Replaces the user PIN of the token at `target` with `new`, proving `old`.
///
/// # Errors
///
/// [`TokenError::PinIncorrect`] (with the counters), [`TokenError::PinLocked`],
/// [`TokenError::PinRejected`] when the token refuses the new PIN (length, characters),
/// [`TokenError::TokenAbsent`] when the token was removed or swapped.
pub fn change(
    modules: &[LoadedModule],
    target: &TokenLocation,
    old: &SecretString,
    new: &SecretString,
) -> Result<(), TokenError> {
    let module = modules.get(target.module).ok_or(TokenError::TokenAbsent)?;
    let context = &module.context;
    let slot = Slot::try_from(target.slot_id)?;
    let info = transient::retry(|| context.get_token_info(slot)).map_err(|_| TokenError::TokenAbsent)?;
    if info.serial_number().trim() != target.serial {
        return Err(TokenError::TokenAbsent);
    }
    let session = transient::retry(|| context.open_rw_session(slot))?;
    match session.set_pin(old, new) {
        Ok(()) => Ok(()),
        Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => Err(super::signer::after_wrong_pin(context, slot)),
        Err(CkError::Pkcs11(RvError::PinLenRange | RvError::PinInvalid, _)) => {
            Err(TokenError::PinRejected { min: info.min_pin_length(), max: info.max_pin_length() })
        }
        Err(error) => Err(TokenError::from_cryptoki(error)),
    }
}
