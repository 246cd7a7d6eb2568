//! Choosing a PKCS#11 mechanism for an algorithm, and the encodings around it.
//!
//! Tokens differ: some hash on the token (CKM_SHA256_RSA_PKCS_PSS), some only sign a digest we
//! prepare (CKM_RSA_PKCS_PSS, CKM_RSA_PKCS over a DigestInfo), and SoftHSM offers CKM_ECDSA but
//! not CKM_ECDSA_SHA256. Hashing mechanisms are preferred because they also work multi-part, which
//! keys with CKA_ALWAYS_AUTHENTICATE need.

use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::types::Ulong;
use kyso_protocol::{DigestAlgorithm, KeyType, SignatureAlgorithm};

use super::TokenError;
#[cfg(test)]
use crate::digest::hash;

/// The signing mechanisms a token offers, out of those the agent uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mechanisms(Vec<MechanismType>);

/// The mechanisms the agent knows how to use.
const USED: &[MechanismType] = &[
    MechanismType::RSA_PKCS,
    MechanismType::SHA256_RSA_PKCS,
    MechanismType::SHA384_RSA_PKCS,
    MechanismType::SHA512_RSA_PKCS,
    MechanismType::RSA_PKCS_PSS,
    MechanismType::SHA256_RSA_PKCS_PSS,
    MechanismType::SHA384_RSA_PKCS_PSS,
    MechanismType::SHA512_RSA_PKCS_PSS,
    MechanismType::ECDSA,
    MechanismType::ECDSA_SHA256,
    MechanismType::ECDSA_SHA384,
    MechanismType::ECDSA_SHA512,
];

/// How to sign: the mechanism, and what to feed it.
#[derive(Debug)]
pub struct Plan {
    /// The mechanism for C_SignInit.
    pub mechanism: Mechanism<'static>,
    /// What the mechanism is given.
    pub input: Input,
    /// The token returns ECDSA as r||s; CMS wants a DER `Ecdsa-Sig-Value`.
    pub ecdsa: bool,
}

/// What a mechanism signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The message itself; the token hashes it (works multi-part).
    Message,
    /// The digest of the message.
    Digest,
    /// A DER DigestInfo wrapping the digest (CKM_RSA_PKCS).
    DigestInfo,
}

impl Mechanisms {
    /// Keeps the mechanisms of `offered` that the agent uses.
    pub fn from_offered(offered: &[MechanismType]) -> Self {
        Self(USED.iter().copied().filter(|m| offered.contains(m)).collect())
    }

    fn has(&self, mechanism: MechanismType) -> bool {
        self.0.contains(&mechanism)
    }

    /// Returns the algorithms usable with a key of `key` type, preferred first (PSS before
    /// PKCS#1 v1.5, as Circular 15/2025 asks).
    pub fn algorithms(&self, key: KeyType) -> Vec<SignatureAlgorithm> {
        let any = |ms: &[MechanismType]| ms.iter().any(|m| self.has(*m));
        let mut out = Vec::new();
        match key {
            KeyType::Rsa => {
                if any(&USED[4..8]) {
                    out.push(SignatureAlgorithm::RsaPss);
                }
                if any(&USED[0..4]) {
                    out.push(SignatureAlgorithm::RsaPkcs1);
                }
            }
            KeyType::Ec if any(&USED[8..12]) => out.push(SignatureAlgorithm::Ecdsa),
            _ => {}
        }
        out
    }

    /// Chooses the mechanism for `algorithm` with `digest`; for `prehashed` input (a digest,
    /// not a message), the raw mechanism only.
    ///
    /// # Errors
    ///
    /// [`TokenError::AlgorithmUnsupported`] when the token offers nothing that fits.
    pub fn plan(
        &self,
        algorithm: SignatureAlgorithm,
        digest: DigestAlgorithm,
        prehashed: bool,
    ) -> Result<Plan, TokenError> {
        let (hashing, raw) = match algorithm {
            SignatureAlgorithm::RsaPss => {
                let params = pss_params(digest);
                let hashing = match digest {
                    DigestAlgorithm::Sha256 => Mechanism::Sha256RsaPkcsPss(params),
                    DigestAlgorithm::Sha384 => Mechanism::Sha384RsaPkcsPss(params),
                    DigestAlgorithm::Sha512 => Mechanism::Sha512RsaPkcsPss(params),
                };
                (hashing, (Mechanism::RsaPkcsPss(params), Input::Digest))
            }
            SignatureAlgorithm::RsaPkcs1 => {
                let hashing = match digest {
                    DigestAlgorithm::Sha256 => Mechanism::Sha256RsaPkcs,
                    DigestAlgorithm::Sha384 => Mechanism::Sha384RsaPkcs,
                    DigestAlgorithm::Sha512 => Mechanism::Sha512RsaPkcs,
                };
                (hashing, (Mechanism::RsaPkcs, Input::DigestInfo))
            }
            SignatureAlgorithm::Ecdsa => {
                let hashing = match digest {
                    DigestAlgorithm::Sha256 => Mechanism::EcdsaSha256,
                    DigestAlgorithm::Sha384 => Mechanism::EcdsaSha384,
                    DigestAlgorithm::Sha512 => Mechanism::EcdsaSha512,
                };
                (hashing, (Mechanism::Ecdsa, Input::Digest))
            }
        };
        let ecdsa = algorithm == SignatureAlgorithm::Ecdsa;
        if prehashed {
            // A digest cannot go through a hashing mechanism: only the raw one will do.
            if self.has(raw.0.mechanism_type()) {
                return Ok(Plan { mechanism: raw.0, input: raw.1, ecdsa });
            }
            return Err(TokenError::AlgorithmUnsupported(format!(
                "the token offers no mechanism to sign a ready digest with {}",
                algorithm.as_str()
            )));
        }
        if self.has(hashing.mechanism_type()) {
            return Ok(Plan { mechanism: hashing, input: Input::Message, ecdsa });
        }
        if self.has(raw.0.mechanism_type()) {
            return Ok(Plan { mechanism: raw.0, input: raw.1, ecdsa });
        }
        Err(TokenError::AlgorithmUnsupported(format!(
            "the token offers no mechanism for {} with {}",
            algorithm.as_str(),
            digest.as_str()
        )))
    }
}

fn pss_params(digest: DigestAlgorithm) -> PkcsPssParams {
    let (hash_alg, mgf) = match digest {
        DigestAlgorithm::Sha256 => (MechanismType::SHA256, PkcsMgfType::MGF1_SHA256),
        DigestAlgorithm::Sha384 => (MechanismType::SHA384, PkcsMgfType::MGF1_SHA384),
        DigestAlgorithm::Sha512 => (MechanismType::SHA512, PkcsMgfType::MGF1_SHA512),
    };
    // Salt length = hash length, the value RFC 4055 and ETSI profiles expect.
    // CK_ULONG is 32 bits on Windows; a hash length always fits.
    let s_len = Ulong::try_from(digest.output_len()).unwrap_or_else(|_| Ulong::from(32));
    PkcsPssParams { hash_alg, mgf, s_len }
}

/// Wraps a digest in the DER `DigestInfo` that RSASSA-PKCS1-v1_5 signs (RFC 8017, 9.2 note 1).
pub fn digest_info(digest: DigestAlgorithm, hashed: &[u8]) -> Vec<u8> {
    let prefix: &[u8] = match digest {
        DigestAlgorithm::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
            0x20,
        ],
        DigestAlgorithm::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04,
            0x30,
        ],
        DigestAlgorithm::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
            0x40,
        ],
    };
    [prefix, hashed].concat()
}

/// Converts a PKCS#11 ECDSA signature (r||s, each the field size) to DER `Ecdsa-Sig-Value`.
///
/// # Errors
///
/// [`TokenError::AlgorithmUnsupported`] for an odd-length or empty signature.
pub fn ecdsa_to_der(raw: &[u8]) -> Result<Vec<u8>, TokenError> {
    use der::Encode;
    use der::asn1::UintRef;
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return Err(TokenError::AlgorithmUnsupported(format!("ecdsa signature of {} bytes", raw.len())));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let encode = || -> der::Result<Vec<u8>> {
        let r = UintRef::new(r)?;
        let s = UintRef::new(s)?;
        let len = (r.encoded_len()? + s.encoded_len()?)?;
        let mut out = Vec::new();
        der::Header::new(der::Tag::Sequence, len)?.encode_to_vec(&mut out)?;
        r.encode_to_vec(&mut out)?;
        s.encode_to_vec(&mut out)?;
        Ok(out)
    };
    encode().map_err(|e| TokenError::AlgorithmUnsupported(format!("ecdsa signature encoding: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_hashing_mechanisms_and_falls_back_to_raw() {
        let softhsm = Mechanisms::from_offered(&[MechanismType::ECDSA, MechanismType::RSA_PKCS_PSS]);
        let plan = softhsm.plan(SignatureAlgorithm::Ecdsa, DigestAlgorithm::Sha256, false).expect("ecdsa");
        assert_eq!(plan.input, Input::Digest);
        assert!(plan.ecdsa);
        assert!(softhsm.plan(SignatureAlgorithm::RsaPkcs1, DigestAlgorithm::Sha256, false).is_err());
        let full = Mechanisms::from_offered(USED);
        let plan = full.plan(SignatureAlgorithm::RsaPss, DigestAlgorithm::Sha384, false).expect("pss");
        assert_eq!(plan.mechanism.mechanism_type(), MechanismType::SHA384_RSA_PKCS_PSS);
        // A ready digest takes the raw mechanism even where a hashing one is offered.
        let plan = full.plan(SignatureAlgorithm::RsaPkcs1, DigestAlgorithm::Sha256, true).expect("raw");
        assert_eq!((plan.mechanism.mechanism_type(), plan.input), (MechanismType::RSA_PKCS, Input::DigestInfo));
        let hashing_only = Mechanisms::from_offered(&[MechanismType::SHA256_RSA_PKCS]);
        assert!(hashing_only.plan(SignatureAlgorithm::RsaPkcs1, DigestAlgorithm::Sha256, true).is_err());
        assert_eq!(full.algorithms(KeyType::Rsa), vec![SignatureAlgorithm::RsaPss, SignatureAlgorithm::RsaPkcs1]);
    }

    #[test]
    fn digest_info_prefixes_have_the_right_lengths() {
        for digest in [DigestAlgorithm::Sha256, DigestAlgorithm::Sha384, DigestAlgorithm::Sha512] {
            let info = digest_info(digest, &hash(digest, b"x"));
            assert_eq!(info.len(), 2 + usize::from(info[1]));
        }
    }

    #[test]
    fn ecdsa_signature_becomes_der_with_sign_padding() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r needs a leading zero in DER
        raw[63] = 1;
        let der = ecdsa_to_der(&raw).expect("der");
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..5], &[0x02, 0x21, 0x00]);
        assert!(ecdsa_to_der(&raw[..63]).is_err());
    }
}
