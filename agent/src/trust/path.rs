//! Building the chain from a signer's certificate to one of the configured trust anchors, with
//! the certificates the token holds, checking each link's signature, validity and CA flags.

use std::time::SystemTime;

use der::Encode;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier};

use super::signature;

/// Longest chain looked for; real ones have 2 or 3 certificates.
const MAX_DEPTH: usize = 8;

/// Builds the chain from `leaf` to an anchor: `leaf`, the intermediates, then the anchor.
///
/// # Errors
///
/// Why no chain reaches an anchor, in words for the user and the log.
pub fn build(
    leaf: &Certificate,
    pool: &[Certificate],
    anchors: &[Certificate],
    now: SystemTime,
) -> Result<Vec<Certificate>, String> {
    if anchors.is_empty() {
        return Err("no trust anchors are configured (trust.anchors)".into());
    }
    let mut chain = vec![leaf.clone()];
    loop {
        let current = chain.last().unwrap_or(leaf);
        if anchors.iter().any(|a| same(a, current)) {
            return Ok(chain);
        }
        if chain.len() > MAX_DEPTH {
            return Err("the chain is too long".into());
        }
        let mut why = format!("no issuer of {} is known", current.tbs_certificate.subject);
        let candidates = anchors.iter().map(|c| (c, true)).chain(pool.iter().map(|c| (c, false)));
        let mut found = None;
        for (candidate, is_anchor) in candidates {
            if candidate.tbs_certificate.subject != current.tbs_certificate.issuer || !key_ids_match(current, candidate)
            {
                continue;
            }
            if chain.iter().any(|c| same(c, candidate)) && !is_anchor {
                continue;
            }
            match link(current, candidate, is_anchor, now) {
                Ok(()) => {
                    found = Some((candidate.clone(), is_anchor));
                    break;
                }
                Err(reason) => why = reason,
            }
        }
        let Some((issuer, is_anchor)) = found else { return Err(why) };
        chain.push(issuer);
        if is_anchor {
            return Ok(chain);
        }
    }
}

/// Checks that `issuer` issued `subject`: its signature, and (below an anchor) a CA certificate
/// valid now, allowed to sign certificates.
fn link(subject: &Certificate, issuer: &Certificate, is_anchor: bool, now: SystemTime) -> Result<(), String> {
    issued_by(subject, issuer).map_err(|e| {
        format!("the signature on {} by {}: {e}", subject.tbs_certificate.subject, issuer.tbs_certificate.subject)
    })?;
    let name = &issuer.tbs_certificate.subject;
    if !is_anchor && !valid_at(issuer, now) {
        return Err(format!("the issuing CA {name} is not valid now"));
    }
    let is_ca = matches!(issuer.tbs_certificate.get::<BasicConstraints>(), Ok(Some((_, bc))) if bc.ca);
    // An anchor is trusted because the administrator put it there; a v1 root has no extensions.
    let v1_anchor = is_anchor && issuer.tbs_certificate.extensions.is_none();
    if !(is_ca || v1_anchor) {
        return Err(format!("{name} is not a CA certificate"));
    }
    if let Ok(Some((_, usage))) = issuer.tbs_certificate.get::<KeyUsage>()
        && !usage.key_cert_sign()
    {
        return Err(format!("{name} may not sign certificates"));
    }
    Ok(())
}

/// Checks `subject`'s signature with `issuer`'s key.
///
/// # Errors
///
/// Why it does not verify.
pub fn issued_by(subject: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let tbs = subject.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let signature = subject.signature.as_bytes().ok_or("the certificate's signature is not whole bytes")?;
    signature::verify(&issuer.tbs_certificate.subject_public_key_info, &subject.signature_algorithm, &tbs, signature)
}

/// Whether `now` is within `cert`'s validity period.
pub(super) fn valid_at(cert: &Certificate, now: SystemTime) -> bool {
    let validity = &cert.tbs_certificate.validity;
    validity.not_before.to_system_time() <= now && now <= validity.not_after.to_system_time()
}

fn same(a: &Certificate, b: &Certificate) -> bool {
    a.tbs_certificate == b.tbs_certificate && a.signature == b.signature
}

/// The subject's authority key identifier, when both sides have one, names the candidate.
fn key_ids_match(subject: &Certificate, candidate: &Certificate) -> bool {
    let aki =
        subject.tbs_certificate.get::<AuthorityKeyIdentifier>().ok().flatten().and_then(|(_, a)| a.key_identifier);
    let ski = candidate.tbs_certificate.get::<SubjectKeyIdentifier>().ok().flatten().map(|(_, s)| s.0);
    match (aki, ski) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use der::Decode;
    use rcgen::{CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};

    use super::*;

    struct Made {
        cert: Certificate,
        params: CertificateParams,
        key: KeyPair,
    }

    fn make(name: &str, ca: bool, issuer: Option<&Made>) -> Made {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        if ca {
            params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        } else {
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        }
        let made = match issuer {
            Some(issuer) => params.signed_by(&key, &Issuer::from_params(&issuer.params, &issuer.key)),
            None => params.self_signed(&key),
        }
        .expect("certificate");
        let cert = Certificate::from_der(made.der()).expect("parses");
        Made { cert, params, key }
    }

    #[test]
    fn builds_through_the_pool_to_an_anchor() {
        let root = make("Root", true, None);
        let issuing = make("Issuing", true, Some(&root));
        let leaf = make("Nguyễn Văn An", false, Some(&issuing));
        let now = SystemTime::now();
        let anchors = [root.cert.clone()];
        let chain = build(&leaf.cert, std::slice::from_ref(&issuing.cert), &anchors, now).expect("a chain");
        assert_eq!(chain.len(), 3);
        assert_eq!(chain[2], root.cert);
        // The issuing CA as the anchor is enough.
        assert_eq!(build(&leaf.cert, &[], std::slice::from_ref(&issuing.cert), now).expect("chain").len(), 2);
        // Without the issuing CA, or with another root, there is no chain.
        assert!(build(&leaf.cert, &[], &anchors, now).expect_err("no issuer").contains("no issuer"));
        let other = make("Root", true, None);
        let error = build(&leaf.cert, std::slice::from_ref(&issuing.cert), &[other.cert], now).expect_err("other root");
        assert!(error.contains("signature"), "{error}");
        assert!(build(&leaf.cert, &[], &[], now).expect_err("no anchors").contains("trust.anchors"));
    }

    #[test]
    fn refuses_an_issuer_that_is_not_a_ca() {
        let root = make("Root", true, None);
        let not_ca = make("Issuing", false, Some(&root));
        let leaf = make("Leaf", false, Some(&not_ca));
        let error =
            build(&leaf.cert, std::slice::from_ref(&not_ca.cert), std::slice::from_ref(&root.cert), SystemTime::now())
                .expect_err("not a CA");
        assert!(error.contains("not a CA"), "{error}");
    }

    #[test]
    fn refuses_a_forged_signature() {
        let root = make("Root", true, None);
        let mut leaf = make("Leaf", false, Some(&root)).cert;
        leaf.tbs_certificate.subject = make("Someone else", false, None).cert.tbs_certificate.subject;
        let error = build(&leaf, &[], std::slice::from_ref(&root.cert), SystemTime::now()).expect_err("forged");
        assert!(error.contains("does not verify"), "{error}");
    }
}
