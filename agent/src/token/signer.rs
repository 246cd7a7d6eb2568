//! Logging in, finding the private key that matches a certificate, signing, logging out.

use cryptoki::error::{Error as CkError, RvError};
use cryptoki::object::{Attribute, AttributeType, KeyType as CkKeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use kyso_protocol::{PinState, SignatureAlgorithm};

use super::inventory::LoadedModule;
use super::mechanism::{self, Input};
use super::{SignJob, TokenError, transient};
use crate::certinfo;
use crate::digest::hash;

/// Signs each of `job.data` on the token at `job.target`, returning signatures ready for CMS
/// (ECDSA in DER form), in order. Logs in once for the whole batch, never retries, and logs out
/// whatever happens.
pub fn sign(modules: &[LoadedModule], job: &SignJob) -> Result<Vec<Vec<u8>>, TokenError> {
    let module = modules.get(job.target.module).ok_or(TokenError::TokenAbsent)?;
    let context = &module.context;
    let slot = Slot::try_from(job.target.slot_id)?;
    // The token the user consented to must still be in the slot: not removed, not swapped.
    // Modules report a pulled token variously (SoftHSM: CKR_GENERAL_ERROR), so any failure
    // to read the token here means it is gone.
    let same_token = |info: &Result<cryptoki::slot::TokenInfo, _>| {
        info.as_ref().is_ok_and(|i: &cryptoki::slot::TokenInfo| i.serial_number().trim() == job.target.serial)
    };
    let info = transient::settle(|| transient::retry(|| context.get_token_info(slot)), |info| !same_token(info));
    if !same_token(&info) {
        return Err(TokenError::TokenAbsent);
    }
    let offered = context.get_mechanism_list(slot)?;
    let plan = mechanism::Mechanisms::from_offered(&offered).plan(job.algorithm, job.digest, job.prehashed)?;

    let session = transient::retry(|| context.open_ro_session(slot))?;
    // Only CKR_GENERAL_ERROR is retried: the module never judged the PIN, so no try is spent.
    match transient::retry(|| session.login(UserType::User, job.pin.as_ref())) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
            return Err(after_wrong_pin(context, slot));
        }
        Err(error) => return Err(TokenError::from_cryptoki(error)),
    }
    let result = sign_logged_in(&session, job, &plan);
    if let Err(error) = session.logout() {
        tracing::debug!(%error, "logout after signing");
    }
    result
}

/// The error for a wrong PIN, with the counters read after the failure, so the user learns
/// how close the lock is.
pub(super) fn after_wrong_pin(context: &cryptoki::context::Pkcs11, slot: Slot) -> TokenError {
    match context.get_token_info(slot) {
        Ok(info) if info.user_pin_locked() => TokenError::PinLocked,
        Ok(info) => TokenError::PinIncorrect(PinState {
            count_low: info.user_pin_count_low(),
            final_try: info.user_pin_final_try(),
        }),
        Err(_) => TokenError::PinIncorrect(PinState::default()),
    }
}

fn sign_logged_in(session: &Session, job: &SignJob, plan: &mechanism::Plan) -> Result<Vec<Vec<u8>>, TokenError> {
    let certificate = find_certificate(session, job.thumbprint)?;
    let key = find_private_key(session, &certificate)?;
    check_key_type(session, key, job.algorithm)?;
    let always_authenticate = session
        .get_attributes(key, &[AttributeType::AlwaysAuthenticate])?
        .iter()
        .any(|a| matches!(a, Attribute::AlwaysAuthenticate(true)));
    job.progress.each(&job.data, |data| sign_one(session, job, plan, key, always_authenticate, data))
}

fn sign_one(
    session: &Session,
    job: &SignJob,
    plan: &mechanism::Plan,
    key: ObjectHandle,
    always_authenticate: bool,
    data: &[u8],
) -> Result<Vec<u8>, TokenError> {
    let digest = || if job.prehashed { data.to_vec() } else { hash(job.digest, data) };
    let input = match plan.input {
        Input::Message => data.to_vec(),
        Input::Digest => digest(),
        Input::DigestInfo => mechanism::digest_info(job.digest, &digest()),
    };
    let raw = if always_authenticate {
        // The PIN must be given again between C_SignInit and C_Sign (context-specific login);
        // cryptoki exposes that order only for multi-part signing, which needs a hashing mechanism.
        if plan.input != Input::Message {
            return Err(TokenError::AlgorithmUnsupported(
                "the key asks for the PIN at every signature and the token offers no hashing mechanism".into(),
            ));
        }
        session.sign_init(&plan.mechanism, key)?;
        session.login(UserType::ContextSpecific, job.pin.as_ref()).map_err(|e| match e {
            CkError::Pkcs11(RvError::PinIncorrect, _) => TokenError::PinIncorrect(PinState::default()),
            other => TokenError::from_cryptoki(other),
        })?;
        session.sign_update(&input)?;
        session.sign_final()?
    } else {
        session.sign(&plan.mechanism, key, &input)?
    };
    if plan.ecdsa { mechanism::ecdsa_to_der(&raw) } else { Ok(raw) }
}

/// The certificate object whose DER has `thumbprint`, parsed, with its CKA_ID.
fn find_certificate(session: &Session, thumbprint: [u8; 32]) -> Result<(x509_cert::Certificate, Vec<u8>), TokenError> {
    for handle in session.find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)])? {
        let attributes = session.get_attributes(handle, &[AttributeType::Value, AttributeType::Id])?;
        let value = attributes.iter().find_map(|a| if let Attribute::Value(v) = a { Some(v) } else { None });
        let Some(der) = value.filter(|der| certinfo::thumbprint(der) == thumbprint) else { continue };
        let id = attributes.iter().find_map(|a| if let Attribute::Id(v) = a { Some(v.clone()) } else { None });
        let parsed = certinfo::parse(der).map_err(TokenError::BadCertificate)?;
        return Ok((parsed, id.unwrap_or_default()));
    }
    Err(TokenError::TokenAbsent)
}

/// Finds the private key by CKA_ID, else by comparing the public key (RSA modulus, or the EC
/// point of a public key object whose CKA_ID then names the private key).
fn find_private_key(
    session: &Session,
    (cert, id): &(x509_cert::Certificate, Vec<u8>),
) -> Result<ObjectHandle, TokenError> {
    let private = Attribute::Class(ObjectClass::PRIVATE_KEY);
    if !id.is_empty()
        && let Some(key) = session.find_objects(&[private.clone(), Attribute::Id(id.clone())])?.first()
    {
        return Ok(*key);
    }
    if let Some(modulus) = certinfo::rsa_modulus(cert) {
        for key in session.find_objects(&[private.clone(), Attribute::KeyType(CkKeyType::RSA)])? {
            let attrs = session.get_attributes(key, &[AttributeType::Modulus])?;
            let matches = attrs.iter().any(|a| match a {
                Attribute::Modulus(n) => strip_zeros(n) == strip_zeros(&modulus),
                _ => false,
            });
            if matches {
                return Ok(key);
            }
        }
    }
    if let Some(point) = certinfo::ec_point(cert) {
        let public = Attribute::Class(ObjectClass::PUBLIC_KEY);
        for candidate in session.find_objects(&[public, Attribute::KeyType(CkKeyType::EC)])? {
            let attrs = session.get_attributes(candidate, &[AttributeType::EcPoint, AttributeType::Id])?;
            // CKA_EC_POINT is a DER OCTET STRING around the point; compare the point's bytes.
            let same = attrs.iter().any(|a| matches!(a, Attribute::EcPoint(p) if p.ends_with(&point)));
            let key_id = attrs.iter().find_map(|a| if let Attribute::Id(v) = a { Some(v.clone()) } else { None });
            if let (true, Some(key_id)) = (same, key_id)
                && let Some(key) = session.find_objects(&[private.clone(), Attribute::Id(key_id)])?.first()
            {
                return Ok(*key);
            }
        }
    }
    Err(TokenError::KeyNotFound)
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn check_key_type(session: &Session, key: ObjectHandle, algorithm: SignatureAlgorithm) -> Result<(), TokenError> {
    let attrs = session.get_attributes(key, &[AttributeType::KeyType])?;
    let key_type = attrs.iter().find_map(|a| if let Attribute::KeyType(t) = a { Some(*t) } else { None });
    let fits = match algorithm {
        SignatureAlgorithm::RsaPss | SignatureAlgorithm::RsaPkcs1 => key_type == Some(CkKeyType::RSA),
        SignatureAlgorithm::Ecdsa => key_type == Some(CkKeyType::EC),
    };
    if fits {
        Ok(())
    } else {
        Err(TokenError::AlgorithmUnsupported(format!("{} does not fit the key's type", algorithm.as_str())))
    }
}
