//! Algorithm identifiers for digests and signatures (RFC 5754, RFC 4055, RFC 5758).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ECDSA_WITH_SHA_512, ID_MGF_1, ID_RSASSA_PSS, ID_SHA_256, ID_SHA_384,
    ID_SHA_512, RSA_ENCRYPTION,
};
use der::asn1::Null;
use der::{Any, Sequence};
use kyso_protocol::{DigestAlgorithm, SignatureAlgorithm};
use spki::AlgorithmIdentifierOwned;

/// RSASSA-PSS-params (RFC 4055); trailerField is always the default and so omitted.
#[derive(Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    hash_algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    mask_gen_algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    salt_length: u32,
}

fn digest_oid(digest: DigestAlgorithm) -> ObjectIdentifier {
    match digest {
        DigestAlgorithm::Sha256 => ID_SHA_256,
        DigestAlgorithm::Sha384 => ID_SHA_384,
        DigestAlgorithm::Sha512 => ID_SHA_512,
    }
}

/// Returns the digest algorithm identifier, parameters absent as RFC 5754 prefers.
pub fn digest_algorithm_id(digest: DigestAlgorithm) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned { oid: digest_oid(digest), parameters: None }
}

/// Returns the SignerInfo's signature algorithm identifier.
///
/// # Errors
///
/// A DER encoding error (not expected for these fixed structures).
pub fn signature_algorithm_id(
    algorithm: SignatureAlgorithm,
    digest: DigestAlgorithm,
) -> der::Result<AlgorithmIdentifierOwned> {
    Ok(match algorithm {
        // rsaEncryption with NULL parameters: what OpenSSL and most CAdES signers write.
        SignatureAlgorithm::RsaPkcs1 => {
            AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: Some(Any::from(Null)) }
        }
        SignatureAlgorithm::RsaPss => {
            let hash = digest_algorithm_id(digest);
            let params = PssParams {
                hash_algorithm: hash.clone(),
                mask_gen_algorithm: AlgorithmIdentifierOwned {
                    oid: ID_MGF_1,
                    parameters: Some(Any::encode_from(&hash)?),
                },
                salt_length: digest.output_len() as u32,
            };
            AlgorithmIdentifierOwned { oid: ID_RSASSA_PSS, parameters: Some(Any::encode_from(&params)?) }
        }
        SignatureAlgorithm::Ecdsa => {
            let oid = match digest {
                DigestAlgorithm::Sha256 => ECDSA_WITH_SHA_256,
                DigestAlgorithm::Sha384 => ECDSA_WITH_SHA_384,
                DigestAlgorithm::Sha512 => ECDSA_WITH_SHA_512,
            };
            AlgorithmIdentifierOwned { oid, parameters: None }
        }
    })
}
