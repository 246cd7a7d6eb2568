//! RFC 3161 timestamps over a signature value: the query the agent sends to the TSA, and the
//! checks on the reply before its token goes into the signature-time-stamp attribute
//! (CAdES-T, PAdES B-T).

use const_oid::ObjectIdentifier;
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use kyso_protocol::DigestAlgorithm;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use super::algorithms::digest_algorithm_id;
use super::verify;

/// id-ct-TSTInfo.
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-kp-timeStamping.
const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");

/// A timestamp query, and what its reply must match.
#[derive(Debug, Clone)]
pub struct Query {
    /// The DER to POST as `application/timestamp-query`.
    pub der: Vec<u8>,
    digest: DigestAlgorithm,
    imprint: Vec<u8>,
    nonce: Int,
}

/// A checked timestamp token.
#[derive(Debug, Clone)]
pub struct Token {
    /// The token (`ContentInfo`), DER.
    pub der: Vec<u8>,
    /// The time the TSA vouches for.
    pub time: std::time::SystemTime,
    /// The TSA certificate's subject.
    pub tsa: String,
}

/// A query for the timestamp of `data` (a signature value) by its `digest`, with a fresh
/// random nonce and the TSA's certificate asked for.
///
/// # Errors
///
/// A DER encoding error (not expected).
pub fn query(digest: DigestAlgorithm, data: &[u8]) -> Result<Query, der::Error> {
    query_imprint(digest, crate::digest::hash(digest, data))
}

/// A query for the timestamp of data whose `digest` is `imprint` (a document timestamp's byte
/// ranges, hashed while they were written).
///
/// # Errors
///
/// A DER encoding error (not expected).
pub fn query_imprint(digest: DigestAlgorithm, imprint: Vec<u8>) -> Result<Query, der::Error> {
    let mut nonce = [0u8; 16];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut nonce)
        .unwrap_or_else(|_| panic!("the operating system gave no random bytes"));
    // A positive INTEGER with no leading zero byte.
    nonce[0] = (nonce[0] & 0x7f) | 0x40;
    let nonce = Int::new(&nonce)?;
    let request = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: algorithm_any(digest)?,
            hashed_message: OctetString::new(imprint.clone())?,
        },
        req_policy: None,
        nonce: Some(nonce.clone()),
        cert_req: true,
        extensions: None,
    };
    Ok(Query { der: request.to_der()?, digest, imprint, nonce })
}

fn algorithm_any(digest: DigestAlgorithm) -> Result<spki::AlgorithmIdentifier<der::Any>, der::Error> {
    let id = digest_algorithm_id(digest);
    Ok(spki::AlgorithmIdentifier { oid: id.oid, parameters: id.parameters })
}

/// Checks a TSA's reply to `query`: granted, a token over our imprint with our nonce, signed by
/// the certificate it carries, which is a timestamping certificate. Trust in that certificate
/// (its chain) is the verifier's business, as for the signer's.
///
/// # Errors
///
/// Says what is wrong, for the log and the error detail.
pub fn check_reply(query: &Query, reply: &[u8]) -> Result<Token, String> {
    let response = TimeStampResp::from_der(reply).map_err(|e| format!("not a timestamp reply: {e}"))?;
    let status = response.status.status as u8;
    // granted (0) or grantedWithMods (1).
    if status > 1 {
        let text = response
            .status
            .status_string
            .as_ref()
            .map(|texts| texts.iter().map(|t| t.as_str().to_owned()).collect::<Vec<_>>().join("; "))
            .unwrap_or_default();
        return Err(format!("the TSA refused (status {status}) {text}"));
    }
    let token = response.time_stamp_token.ok_or("the TSA granted but sent no token")?;
    let der = token.to_der().map_err(|e| e.to_string())?;
    let opened = open_token(&der)?;
    if verify::digest_of(opened.info.message_imprint.hash_algorithm.oid) != Some(query.digest)
        || opened.info.message_imprint.hashed_message.as_bytes() != query.imprint
    {
        return Err("the token is for another message".into());
    }
    if opened.info.nonce.as_ref() != Some(&query.nonce) {
        return Err("the token's nonce is not ours (a replayed or mixed-up reply)".into());
    }
    Ok(Token { der, time: opened.info.gen_time.to_system_time(), tsa: opened.tsa.tbs_certificate.subject.to_string() })
}

/// A token whose signature and TSA certificate were checked (not yet its imprint).
#[derive(Debug, Clone)]
pub struct OpenedToken {
    /// What the TSA vouches for.
    pub info: TstInfo,
    /// The TSA's certificate.
    pub tsa: x509_cert::Certificate,
    /// The certificates the token carries.
    pub pool: Vec<x509_cert::Certificate>,
}

impl OpenedToken {
    /// Whether the token is over data whose digests `digest_of` computes.
    pub fn covers(&self, digest_of: impl FnOnce(DigestAlgorithm) -> Vec<u8>) -> bool {
        match verify::digest_of(self.info.message_imprint.hash_algorithm.oid) {
            Some(digest) => self.info.message_imprint.hashed_message.as_bytes() == digest_of(digest),
            None => false,
        }
    }
}

/// Opens a timestamp token (`ContentInfo` DER): a TSTInfo signed by one signer whose
/// certificate, carried in the token, is a timestamping certificate. Trust in that certificate
/// is checked by the caller.
///
/// # Errors
///
/// Says what is wrong.
pub fn open_token(der: &[u8]) -> Result<OpenedToken, String> {
    let signed_data = verify::signed_data(der)?;
    if signed_data.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err("the token does not hold a TSTInfo".into());
    }
    let content = signed_data
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("the token has no content")?
        .decode_as::<OctetString>()
        .map_err(|e| e.to_string())?;
    let info = TstInfo::from_der(content.as_bytes()).map_err(|e| format!("TSTInfo: {e}"))?;
    let [signer] = signed_data.signer_infos.0.as_slice() else {
        return Err("the token has not exactly one signer".into());
    };
    let cert = verify::signer_certificate(&signed_data, signer).ok_or("the token lacks the TSA's certificate")?;
    verify::verify_signer(signer, cert, content.as_bytes()).map_err(|e| format!("the token's signature: {e}"))?;
    let for_timestamping = cert
        .tbs_certificate
        .get::<x509_cert::ext::pkix::ExtendedKeyUsage>()
        .ok()
        .flatten()
        .is_some_and(|(_, eku)| eku.0.contains(&ID_KP_TIME_STAMPING));
    if !for_timestamping {
        return Err("the TSA's certificate is not for timestamping".into());
    }
    let pool = verify::certificates(&signed_data);
    Ok(OpenedToken { info, tsa: cert.clone(), pool })
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;

    /// A TSA made with OpenSSL in `dir`: key, certificate with the timestamping EKU, config.
    fn openssl_tsa(dir: &Path) -> bool {
        let config = "[tsa]\ndefault_tsa = tsa1\n[tsa1]\ndir = .\nserial = ./serial\nsigner_digest = sha256\n\
                      default_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\naccuracy = secs:1\n\
                      ess_cert_id_alg = sha256\n[ext]\nbasicConstraints = critical,CA:FALSE\n\
                      extendedKeyUsage = critical,timeStamping\nkeyUsage = critical,digitalSignature\n";
        std::fs::write(dir.join("tsa.cnf"), config).expect("write config");
        std::fs::write(dir.join("serial"), "01\n").expect("serial");
        let made = Command::new("openssl")
            .current_dir(dir)
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.pem"])
            .args(["-subj", "/CN=Test TSA", "-days", "2", "-config", "tsa.cnf", "-extensions", "ext"])
            .output();
        matches!(made, Ok(out) if out.status.success())
    }

    fn reply(dir: &Path, query: &[u8]) -> Vec<u8> {
        std::fs::write(dir.join("query.tsq"), query).expect("write query");
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(["ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq", "-inkey", "tsa.key"])
            .args(["-signer", "tsa.pem", "-out", "reply.tsr"])
            .output()
            .expect("openssl ts");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read(dir.join("reply.tsr")).expect("reply")
    }

    #[test]
    fn an_openssl_tsa_reply_is_checked() {
        let dir = tempfile::tempdir().expect("temp dir");
        if !openssl_tsa(dir.path()) {
            eprintln!("SKIPPED: openssl cannot make a TSA here");
            return;
        }
        let signature = b"the signature value";
        let query = query(DigestAlgorithm::Sha256, signature).expect("query");
        let answer = reply(dir.path(), &query.der);
        let token = check_reply(&query, &answer).expect("a good token");
        assert!(token.tsa.contains("Test TSA"), "{}", token.tsa);
        let age = std::time::SystemTime::now().duration_since(token.time).unwrap_or_default();
        assert!(age.as_secs() < 120, "{age:?}");

        // Another query's reply: another imprint and nonce.
        let other = super::query(DigestAlgorithm::Sha256, b"another signature").expect("query");
        let error = check_reply(&other, &answer).expect_err("not ours");
        assert!(error.contains("another message"), "{error}");
        let same_data = super::query(DigestAlgorithm::Sha256, signature).expect("query");
        assert!(check_reply(&same_data, &answer).expect_err("replayed").contains("nonce"));

        // One flipped bit in the token's signature.
        let mut broken = answer.clone();
        let last = broken.len() - 5;
        broken[last] ^= 1;
        assert!(check_reply(&query, &broken).is_err());
        assert!(check_reply(&query, b"junk").is_err());
    }
}
