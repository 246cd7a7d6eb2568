//! Enumerating tokens and the certificates on them.

use cryptoki::context::Pkcs11;
use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass};
use cryptoki::session::Session;
use cryptoki::slot::Slot;
use kyso_protocol::{PinState, TokenInfo};

use super::{Mechanisms, SigningTarget, TokenCertificate, TokenError, TokenLocation, transient};
use crate::certinfo;

/// A loaded and initialised PKCS#11 module.
pub struct LoadedModule {
    /// Where it was loaded from, for logs.
    pub path: std::path::PathBuf,
    /// The cryptoki context.
    pub context: Pkcs11,
}

/// Lists every X.509 certificate on every present token of every module.
///
/// A module that fails is logged and skipped, so one broken driver does not hide the others.
pub fn certificates(modules: &[LoadedModule]) -> Vec<TokenCertificate> {
    transient::settle(|| read_certificates(modules), Vec::is_empty)
}

fn read_certificates(modules: &[LoadedModule]) -> Vec<TokenCertificate> {
    let mut out = Vec::new();
    for (index, module) in modules.iter().enumerate() {
        let slots = match module.context.get_slots_with_token() {
            Ok(slots) => slots,
            Err(error) => {
                tracing::warn!(module = %module.path.display(), %error, "cannot list slots");
                continue;
            }
        };
        for slot in slots {
            match slot_certificates(module, index, slot) {
                Ok(found) => out.extend(found),
                Err(error) => {
                    tracing::warn!(module = %module.path.display(), slot = slot.id(), %error, "cannot read token")
                }
            }
        }
    }
    out
}

fn slot_certificates(module: &LoadedModule, index: usize, slot: Slot) -> Result<Vec<TokenCertificate>, TokenError> {
    let context = &module.context;
    let token_info = transient::retry(|| context.get_token_info(slot))?;
    // Some modules (SoftHSM among them) keep an empty, uninitialised token in a spare slot.
    if !token_info.token_initialized() {
        return Ok(Vec::new());
    }
    let slot_info = context.get_slot_info(slot)?;
    let offered = context.get_mechanism_list(slot)?;
    let token = TokenInfo {
        label: token_info.label().trim().to_owned(),
        serial: token_info.serial_number().trim().to_owned(),
        manufacturer: token_info.manufacturer_id().trim().to_owned(),
        model: token_info.model().trim().to_owned(),
        slot_id: slot.id(),
        slot_description: slot_info.slot_description().trim().to_owned(),
        protected_authentication_path: token_info.protected_authentication_path(),
    };
    let location = TokenLocation { module: index, slot_id: slot.id(), serial: token.serial.clone() };
    let mechanisms = Mechanisms::from_offered(&offered);
    let session = transient::retry(|| context.open_ro_session(slot))?;
    let objects = certificate_objects(&session)?;
    let mut out = Vec::with_capacity(objects.len());
    for (der, object_id) in objects {
        out.push(TokenCertificate {
            thumbprint: certinfo::thumbprint(&der),
            der,
            object_id,
            token: token.clone(),
            location: location.clone(),
            mechanisms: mechanisms.clone(),
        });
    }
    Ok(out)
}

/// A certificate object's DER and CKA_ID.
type CertificateObject = (Vec<u8>, Vec<u8>);

/// Returns the X.509 certificate objects visible in `session`.
fn certificate_objects(session: &Session) -> Result<Vec<CertificateObject>, TokenError> {
    let template = [Attribute::Class(ObjectClass::CERTIFICATE), Attribute::CertificateType(CertificateType::X_509)];
    let mut out = Vec::new();
    for handle in transient::retry(|| session.find_objects(&template))? {
        let attributes = session.get_attributes(handle, &[AttributeType::Value, AttributeType::Id])?;
        let mut der = None;
        let mut id = Vec::new();
        for attribute in attributes {
            match attribute {
                Attribute::Value(value) => der = Some(value),
                Attribute::Id(value) => id = value,
                _ => {}
            }
        }
        if let Some(der) = der.filter(|d| !d.is_empty()) {
            out.push((der, id));
        }
    }
    Ok(out)
}

/// Finds the certificate with `thumbprint` and reads what the prompt needs.
pub fn describe(modules: &[LoadedModule], thumbprint: [u8; 32]) -> Result<SigningTarget, TokenError> {
    let all = transient::settle(|| read_certificates(modules), |all| !all.iter().any(|c| c.thumbprint == thumbprint));
    let certificate =
        all.iter().find(|c| c.thumbprint == thumbprint).cloned().ok_or(TokenError::CertificateNotFound)?;
    let parsed = certinfo::parse(&certificate.der).map_err(TokenError::BadCertificate)?;
    let pool: Vec<Vec<u8>> = all
        .iter()
        .filter(|c| c.location == certificate.location && c.thumbprint != thumbprint)
        .map(|c| c.der.clone())
        .collect();
    let chain = certinfo::chain_of(&parsed, &pool);
    let module = modules.get(certificate.location.module).ok_or(TokenError::TokenAbsent)?;
    let slot = Slot::try_from(certificate.location.slot_id)?;
    let info = transient::retry(|| module.context.get_token_info(slot))?;
    Ok(SigningTarget {
        pin: PinState { count_low: info.user_pin_count_low(), final_try: info.user_pin_final_try() },
        pin_locked: info.user_pin_locked(),
        certificate,
        chain,
    })
}
