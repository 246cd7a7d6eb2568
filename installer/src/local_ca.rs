//! A per-machine certificate authority that can only vouch for loopback names.
//!
//! [`generate`] makes, in memory:
//!
//! - a CA certificate (ECDSA P-256, `CN=Kyso Local CA (<suffix>), O=Kyso`) with critical
//!   BasicConstraints `CA:TRUE, pathlen:0`, critical KeyUsage `keyCertSign, cRLSign` and a
//!   critical NameConstraints extension whose only permitted subtrees are DNS `localhost`,
//!   IP `127.0.0.1/32` and IP `::1/128`;
//! - a server certificate (ECDSA P-256, `CN=localhost`, SANs `localhost`, `127.0.0.1`, `::1`,
//!   EKU serverAuth, critical KeyUsage digitalSignature, not a CA) signed by that CA.
//!
//! The CA's private key is never serialised, written or returned: it is wiped and dropped at
//! the end of [`generate`]. Installing `ca.pem` as a trusted root therefore lets this machine's
//! browsers trust the agent and nothing else; even if every file leaks, nobody can mint a
//! certificate with it, and the name constraints would confine one to loopback names anyway.
//!
//! [`write_dev_cert`] writes the result into a directory for `kyso-agent dev-cert --out DIR`.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints, PKCS_ECDSA_P256_SHA256, SanType,
    SerialNumber,
};
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};
use time::{Duration, OffsetDateTime};

/// Default lifetime of the leaf (server) certificate, in days.
pub const DEFAULT_LEAF_LIFETIME_DAYS: u32 = 825;

/// Longest leaf lifetime [`generate`] accepts, in days: Apple platforms reject TLS server
/// certificates valid for longer than 825 days, even under a locally trusted root.
pub const MAX_LEAF_LIFETIME_DAYS: u32 = 825;

/// Longest common-name suffix, in characters: X.509's upper bound for a common name is 64
/// characters, and `Kyso Local CA (` + `)` takes 16 of them.
pub const MAX_COMMON_NAME_SUFFIX_CHARS: usize = 48;

/// File name of the CA certificate written by [`write_dev_cert`].
pub const CA_FILE_NAME: &str = "ca.pem";
/// File name of the server certificate chain (leaf, then CA) written by [`write_dev_cert`].
pub const CERT_FILE_NAME: &str = "cert.pem";
/// File name of the server's private key written by [`write_dev_cert`].
pub const KEY_FILE_NAME: &str = "key.pem";

/// How far into the past both certificates start, to tolerate clock skew.
const CLOCK_SKEW: Duration = Duration::hours(1);
/// How much longer the CA lives than the leaf.
const CA_OUTLIVES_LEAF: Duration = Duration::days(1);
/// Length of the random serial numbers, in bytes.
const SERIAL_LEN: usize = 16;

/// Options for [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCaOptions {
    /// Validity period of the leaf certificate in days, `1..=`[`MAX_LEAF_LIFETIME_DAYS`]
    /// (default [`DEFAULT_LEAF_LIFETIME_DAYS`]). The period starts an hour in the past.
    pub leaf_lifetime_days: u32,
    /// Appended to the CA's common name as `Kyso Local CA (<suffix>)`, so the CA can be told
    /// apart in trust-store dialogs; typically the machine name. Surrounding whitespace is
    /// trimmed; at most [`MAX_COMMON_NAME_SUFFIX_CHARS`] characters, no control characters.
    pub common_name_suffix: Option<String>,
}

impl Default for LocalCaOptions {
    fn default() -> Self {
        Self { leaf_lifetime_days: DEFAULT_LEAF_LIFETIME_DAYS, common_name_suffix: None }
    }
}

/// The output of [`generate`]: a CA certificate and a server certificate with its key. The
/// CA's private key is deliberately absent.
#[derive(Debug)]
pub struct LocalCertificates {
    /// The CA certificate, PEM. This is what gets installed as a trusted root.
    pub ca_pem: String,
    /// The leaf (server) certificate alone, PEM.
    pub cert_pem: String,
    /// The leaf's private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub key_pem: SecretString,
    /// When the leaf certificate expires (whole seconds, as encoded in the certificate).
    pub not_after: OffsetDateTime,
}

/// Paths of the files [`write_dev_cert`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevCertFiles {
    /// `DIR/ca.pem`: the CA certificate.
    pub ca: PathBuf,
    /// `DIR/cert.pem`: the leaf certificate followed by the CA certificate.
    pub cert: PathBuf,
    /// `DIR/key.pem`: the leaf's private key (mode `0600` on Unix).
    pub key: PathBuf,
}

/// Everything that can go wrong in this module.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The requested leaf lifetime is zero or longer than [`MAX_LEAF_LIFETIME_DAYS`].
    InvalidLifetime {
        /// The rejected lifetime, in days.
        days: u32,
    },
    /// The common-name suffix is empty, too long or contains control characters.
    InvalidSuffix {
        /// The rejected suffix.
        suffix: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The operating system's random number generator failed.
    Random,
    /// rcgen could not generate a key or build and sign a certificate.
    Certificate {
        /// What was being done, e.g. `sign the server certificate`.
        step: &'static str,
        /// rcgen's error.
        source: rcgen::Error,
    },
    /// The output directory could not be created.
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A temporary output file could not be created, written or flushed to disk.
    Write {
        /// The temporary file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A temporary output file could not be renamed to its final name.
    Rename {
        /// The temporary file.
        from: PathBuf,
        /// The final name.
        to: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidLifetime { days } => {
                write!(f, "leaf certificate lifetime of {days} days is outside 1..={MAX_LEAF_LIFETIME_DAYS}")
            }
            Self::InvalidSuffix { suffix, reason } => {
                write!(f, "invalid common name suffix {suffix:?}: {reason}")
            }
            Self::Random => f.write_str("the system random number generator failed"),
            Self::Certificate { step, .. } => write!(f, "cannot {step}"),
            Self::CreateDir { path, .. } => {
                write!(f, "cannot create directory {}", path.display())
            }
            Self::Write { path, .. } => write!(f, "cannot write {}", path.display()),
            Self::Rename { from, to, .. } => {
                write!(f, "cannot rename {} to {}", from.display(), to.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidLifetime { .. } | Self::InvalidSuffix { .. } | Self::Random => None,
            Self::Certificate { source, .. } => Some(source),
            Self::CreateDir { source, .. } | Self::Write { source, .. } | Self::Rename { source, .. } => Some(source),
        }
    }
}

/// Makes a fresh name-constrained CA and a `localhost` server certificate signed by it.
///
/// Every call makes new keys and random serial numbers, so a second call yields an unrelated
/// CA. The CA's private key exists only inside this function.
pub fn generate(options: &LocalCaOptions) -> Result<LocalCertificates, Error> {
    let days = options.leaf_lifetime_days;
    if !(1..=MAX_LEAF_LIFETIME_DAYS).contains(&days) {
        return Err(Error::InvalidLifetime { days });
    }
    let ca_name = ca_common_name(options.common_name_suffix.as_deref())?;

    // Certificates carry whole seconds; truncate so `not_after` matches the encoded value.
    let now = OffsetDateTime::now_utc();
    let now = now - Duration::nanoseconds(i64::from(now.nanosecond()));
    let not_before = now - CLOCK_SKEW;
    // The validity period (not_after - not_before) is exactly `days` days, which is what
    // Apple's 825-day limit measures.
    let leaf_not_after = not_before + Duration::days(i64::from(days));
    let ca_not_after = leaf_not_after + CA_OUTLIVES_LEAF;

    let ca_key = new_key("generate the CA key pair")?;
    let ca_params = ca_params(&ca_name, not_before, ca_not_after, random_serial()?);
    let ca_cert = ca_params
        .self_signed(&ca_key.0)
        .map_err(|source| Error::Certificate { step: "self-sign the CA certificate", source })?;

    let leaf_key = new_key("generate the server key pair")?;
    let leaf_params = leaf_params(not_before, leaf_not_after, random_serial()?);
    let leaf_cert = {
        let issuer = Issuer::from_params(&ca_params, &ca_key.0);
        leaf_params
            .signed_by(&leaf_key.0, &issuer)
            .map_err(|source| Error::Certificate { step: "sign the server certificate", source })?
    };

    // This is the point of the design: the CA's private key is never serialised or returned.
    // Having signed the one leaf it will ever sign, it goes out of scope here (wiped first, see
    // `WipedOnDrop`; the early returns above drop and wipe it too), so no file and no later
    // call can ever use it to issue another certificate.
    drop(ca_key);

    let key_pem = SecretString::from(leaf_key.0.serialize_pem());
    Ok(LocalCertificates { ca_pem: ca_cert.pem(), cert_pem: leaf_cert.pem(), key_pem, not_after: leaf_not_after })
}

/// Writes `dir/ca.pem`, `dir/cert.pem` (leaf followed by CA) and `dir/key.pem`.
///
/// `dir` is created if missing (mode `0700` on Unix). Each file is first written in full to a
/// new temporary file in `dir` and then renamed over its final name, so readers never see a
/// half-written file. `key.pem` is created with mode `0600` on Unix (never more permissive,
/// whatever the umask; an existing `key.pem` is replaced, not reused); on Windows it inherits
/// the directory's ACL. All three files are written before any is renamed into place.
pub fn write_dev_cert(dir: &Path, certs: &LocalCertificates) -> Result<DevCertFiles, Error> {
    create_dir(dir)?;
    let files =
        DevCertFiles { ca: dir.join(CA_FILE_NAME), cert: dir.join(CERT_FILE_NAME), key: dir.join(KEY_FILE_NAME) };
    let mut chain = String::with_capacity(certs.cert_pem.len() + certs.ca_pem.len() + 1);
    chain.push_str(&certs.cert_pem);
    if !chain.ends_with('\n') {
        chain.push('\n');
    }
    chain.push_str(&certs.ca_pem);

    let mut temps = TempFiles(Vec::with_capacity(3));
    let key_temp = write_temp(dir, KEY_FILE_NAME, certs.key_pem.expose_secret().as_bytes(), 0o600)?;
    temps.0.push((key_temp, files.key.clone()));
    let cert_temp = write_temp(dir, CERT_FILE_NAME, chain.as_bytes(), 0o644)?;
    temps.0.push((cert_temp, files.cert.clone()));
    let ca_temp = write_temp(dir, CA_FILE_NAME, certs.ca_pem.as_bytes(), 0o644)?;
    temps.0.push((ca_temp, files.ca.clone()));
    temps.rename_all()?;
    sync_dir(dir);
    Ok(files)
}

/// A key pair whose PKCS#8 bytes are zeroed when it is dropped, on every path out of
/// [`generate`]. (ring's parsed copy of the key is out of reach and is merely freed.)
struct WipedOnDrop(KeyPair);

impl Drop for WipedOnDrop {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

fn new_key(step: &'static str) -> Result<WipedOnDrop, Error> {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .map(WipedOnDrop)
        .map_err(|source| Error::Certificate { step, source })
}

fn ca_common_name(suffix: Option<&str>) -> Result<String, Error> {
    let Some(raw) = suffix else {
        return Ok("Kyso Local CA".to_owned());
    };
    let suffix = raw.trim();
    let reason = if suffix.is_empty() {
        Some("it is empty")
    } else if suffix.chars().count() > MAX_COMMON_NAME_SUFFIX_CHARS {
        Some("it is longer than 48 characters")
    } else if suffix.chars().any(char::is_control) {
        Some("it contains control characters")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidSuffix { suffix: raw.to_owned(), reason }),
        None => Ok(format!("Kyso Local CA ({suffix})")),
    }
}

/// The CA's parameters. Tests use this too, to check what a CA built like ours may sign.
fn ca_params(
    common_name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    serial: SerialNumber,
) -> CertificateParams {
    let mut distinguished_name = DistinguishedName::new();
    distinguished_name.push(DnType::CommonName, common_name);
    distinguished_name.push(DnType::OrganizationName, "Kyso");

    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name;
    params.serial_number = Some(serial);
    params.not_before = not_before;
    params.not_after = not_after;
    // rcgen marks BasicConstraints and KeyUsage critical.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    // rcgen 0.14 always marks NameConstraints critical (certificate.rs, `write_extensions`);
    // the tests check it in the DER and with `openssl x509 -text`.
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![
            GeneralSubtree::DnsName("localhost".to_owned()),
            GeneralSubtree::IpAddress(CidrSubnet::from_v4_prefix([127, 0, 0, 1], 32)),
            GeneralSubtree::IpAddress(CidrSubnet::from_v6_prefix(std::net::Ipv6Addr::LOCALHOST.octets(), 128)),
        ],
        excluded_subtrees: Vec::new(),
    });
    params
}

/// The server certificate's parameters.
fn leaf_params(not_before: OffsetDateTime, not_after: OffsetDateTime, serial: SerialNumber) -> CertificateParams {
    let mut distinguished_name = DistinguishedName::new();
    distinguished_name.push(DnType::CommonName, "localhost");

    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name;
    params.serial_number = Some(serial);
    params.not_before = not_before;
    params.not_after = not_after;
    params.subject_alt_names = loopback_sans();
    // `ExplicitNoCa` writes a critical BasicConstraints without cA, and a SubjectKeyIdentifier.
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params
}

fn loopback_sans() -> Vec<SanType> {
    vec![
        SanType::DnsName("localhost".try_into().expect("`localhost` is an IA5String")),
        SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
        SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
    ]
}

/// A positive serial number of exactly [`SERIAL_LEN`] bytes, 126 of its bits random.
fn random_serial() -> Result<SerialNumber, Error> {
    let mut bytes = [0u8; SERIAL_LEN];
    rustls::crypto::ring::default_provider().secure_random.fill(&mut bytes).map_err(|_| Error::Random)?;
    // Clear the sign bit and set the next one: positive, and no leading zero byte to strip.
    bytes[0] = (bytes[0] & 0x3f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

fn create_dir(dir: &Path) -> Result<(), Error> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| Error::CreateDir { path: dir.to_owned(), source })
}

/// Creates a new file next to `name` in `dir` with `mode` (Unix), writes and syncs `contents`,
/// and returns its path.
fn write_temp(dir: &Path, name: &str, contents: &[u8], mode: u32) -> Result<PathBuf, Error> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    const ATTEMPTS: u32 = 16;
    #[cfg(not(unix))]
    let _ = mode;

    let mut attempt = 0;
    let (path, mut file) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        // `create_new`: never follow or reuse something already there.
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        match options.open(&path) {
            Ok(file) => break (path, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt + 1 < ATTEMPTS => {
                attempt += 1;
            }
            Err(source) => return Err(Error::Write { path, source }),
        }
    };
    match file.write_all(contents).and_then(|()| file.sync_all()) {
        Ok(()) => Ok(path),
        Err(source) => {
            drop(file);
            let _ = fs::remove_file(&path);
            Err(Error::Write { path, source })
        }
    }
}

/// Temporary files waiting to be renamed to their final names; whatever is left when this is
/// dropped (after an error) is removed.
struct TempFiles(Vec<(PathBuf, PathBuf)>);

impl TempFiles {
    fn rename_all(&mut self) -> Result<(), Error> {
        while let Some((from, to)) = self.0.first() {
            fs::rename(from, to).map_err(|source| Error::Rename { from: from.clone(), to: to.clone(), source })?;
            self.0.remove(0);
        }
        Ok(())
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        for (temp, _) in &self.0 {
            let _ = fs::remove_file(temp);
        }
    }
}

/// Makes the renames durable where the platform allows it; best effort.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::sync::Arc;

    use rcgen::PublicKeyData;
    use rustls::RootCertStore;
    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier;
    use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
    use x509_cert::Certificate;
    use x509_cert::der::asn1::Ia5String;
    use x509_cert::der::oid::AssociatedOid;
    use x509_cert::der::{Decode, DecodePem, Encode};
    use x509_cert::ext::pkix::constraints::NameConstraints as X509NameConstraints;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::{BasicConstraints as X509BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName};

    use super::*;

    fn certs() -> LocalCertificates {
        generate(&LocalCaOptions {
            common_name_suffix: Some("MÁY-KẾ-TOÁN-01".to_owned()), ..LocalCaOptions::default()
        })
        .expect("generate")
    }

    fn parse(pem: &str) -> Certificate {
        Certificate::from_pem(pem).expect("certificate parses")
    }

    /// The extension `T` of `cert`, decoded, with its criticality.
    fn extension<T: AssociatedOid + for<'a> Decode<'a>>(cert: &Certificate) -> Option<(bool, T)> {
        let extensions = cert.tbs_certificate.extensions.as_deref().unwrap_or_default();
        let ext = extensions.iter().find(|e| e.extn_id == T::OID)?;
        let value = T::from_der(ext.extn_value.as_bytes()).expect("extension decodes");
        Some((ext.critical, value))
    }

    fn unix(time: x509_cert::time::Time) -> i64 {
        i64::try_from(time.to_unix_duration().as_secs()).expect("fits")
    }

    /// A rustls/webpki verifier that trusts only `ca_pem`.
    fn verifier(ca_pem: &str) -> Arc<WebPkiServerVerifier> {
        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from(parse(ca_pem).to_der().expect("der"))).expect("root accepted");
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::new(rustls::crypto::ring::default_provider()))
            .build()
            .expect("verifier")
    }

    fn verify(ca_pem: &str, leaf_pem: &str, name: &str) -> Result<(), rustls::Error> {
        let leaf = CertificateDer::from(parse(leaf_pem).to_der().expect("der"));
        let name = ServerName::try_from(name.to_owned()).expect("server name");
        verifier(ca_pem).verify_server_cert(&leaf, &[], &name, &[], UnixTime::now()).map(|_| ())
    }

    /// Runs openssl with `args`; `None` (and a note on stderr) if openssl is not installed.
    fn openssl(args: &[&str]) -> Option<(bool, String)> {
        match Command::new("openssl").args(args).output() {
            Ok(out) => Some((
                out.status.success(),
                format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
            )),
            Err(e) => {
                eprintln!("skipping openssl checks: {e}");
                None
            }
        }
    }

    #[test]
    fn chain_parses_with_the_required_extensions() {
        let before = OffsetDateTime::now_utc();
        let certs = certs();
        let ca = parse(&certs.ca_pem);
        let leaf = parse(&certs.cert_pem);
        assert!(certs.cert_pem.matches("BEGIN CERTIFICATE").count() == 1, "leaf only");

        // CA.
        assert_eq!(ca.tbs_certificate.subject.to_string(), "O=Kyso,CN=Kyso Local CA (MÁY-KẾ-TOÁN-01)");
        assert_eq!(ca.tbs_certificate.issuer, ca.tbs_certificate.subject);
        let (critical, bc) = extension::<X509BasicConstraints>(&ca).expect("basic constraints");
        assert!(critical && bc.ca && bc.path_len_constraint == Some(0));
        let (critical, ku) = extension::<KeyUsage>(&ca).expect("key usage");
        assert!(critical && ku.key_cert_sign() && ku.crl_sign() && !ku.digital_signature());
        let (critical, nc) = extension::<X509NameConstraints>(&ca).expect("name constraints");
        assert!(critical, "name constraints must be critical");
        assert!(nc.excluded_subtrees.is_none());
        let permitted: Vec<_> = nc
            .permitted_subtrees
            .expect("permitted")
            .into_iter()
            .map(|s| {
                assert!(s.minimum == 0 && s.maximum.is_none());
                s.base
            })
            .collect();
        let mut v6 = std::net::Ipv6Addr::LOCALHOST.octets().to_vec();
        v6.extend([0xff; 16]);
        assert_eq!(
            permitted,
            [
                GeneralName::DnsName(Ia5String::new("localhost").expect("ia5")),
                GeneralName::IpAddress(
                    x509_cert::der::asn1::OctetString::new([127, 0, 0, 1, 255, 255, 255, 255]).expect("octets")
                ),
                GeneralName::IpAddress(x509_cert::der::asn1::OctetString::new(v6).expect("octets")),
            ]
        );

        // Leaf.
        assert_eq!(leaf.tbs_certificate.subject.to_string(), "CN=localhost");
        assert_eq!(leaf.tbs_certificate.issuer, ca.tbs_certificate.subject);
        let (critical, bc) = extension::<X509BasicConstraints>(&leaf).expect("basic constraints");
        assert!(critical && !bc.ca && bc.path_len_constraint.is_none());
        let (critical, ku) = extension::<KeyUsage>(&leaf).expect("key usage");
        assert!(critical && ku.digital_signature() && !ku.key_cert_sign());
        let (_, eku) = extension::<ExtendedKeyUsage>(&leaf).expect("eku");
        assert_eq!(eku.0, [x509_cert::der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1")]);
        let (_, san) = extension::<SubjectAltName>(&leaf).expect("san");
        assert_eq!(san.0.len(), 3);
        assert!(extension::<X509NameConstraints>(&leaf).is_none());
        assert_ne!(ca.tbs_certificate.serial_number, leaf.tbs_certificate.serial_number);
        assert_eq!(ca.tbs_certificate.serial_number.as_bytes().len(), SERIAL_LEN);

        // Validity.
        let leaf_validity = leaf.tbs_certificate.validity;
        let ca_validity = ca.tbs_certificate.validity;
        let leaf_not_before = unix(leaf_validity.not_before);
        let leaf_not_after = unix(leaf_validity.not_after);
        assert_eq!(leaf_not_after, certs.not_after.unix_timestamp());
        assert_eq!(leaf_not_after - leaf_not_before, i64::from(DEFAULT_LEAF_LIFETIME_DAYS) * 86_400);
        let expected_start = (before - CLOCK_SKEW).unix_timestamp();
        assert!((expected_start - 1..=expected_start + 5).contains(&leaf_not_before));
        assert_eq!(unix(ca_validity.not_before), leaf_not_before);
        assert_eq!(unix(ca_validity.not_after), leaf_not_after + 86_400);

        // The key matches the leaf.
        let key = KeyPair::from_pem(certs.key_pem.expose_secret()).expect("PKCS#8 key parses");
        assert!(certs.key_pem.expose_secret().starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(key.subject_public_key_info(), leaf.tbs_certificate.subject_public_key_info.to_der().expect("spki"));
        assert!(!format!("{certs:?}").contains("PRIVATE KEY"), "Debug hides the key");
    }

    #[test]
    fn rustls_accepts_the_leaf_for_loopback_names_only() {
        let certs = certs();
        for name in ["localhost", "127.0.0.1", "::1"] {
            verify(&certs.ca_pem, &certs.cert_pem, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        for name in ["example.com", "127.0.0.2", "kyso.localhost"] {
            assert!(verify(&certs.ca_pem, &certs.cert_pem, name).is_err(), "{name}");
        }
    }

    /// A CA built by `ca_params`, if its key ever escaped, still could not vouch for real sites:
    /// verifiers enforce the name constraints.
    #[test]
    fn name_constraints_stop_certificates_for_other_names() {
        let now = OffsetDateTime::now_utc();
        let ca_key = new_key("ca").expect("key");
        let ca_params =
            ca_params("Kyso Local CA", now - CLOCK_SKEW, now + Duration::days(2), random_serial().expect("serial"));
        let ca_pem = ca_params.self_signed(&ca_key.0).expect("ca").pem();
        let issuer = Issuer::from_params(&ca_params, &ca_key.0);
        let sign = |sans: Vec<SanType>| {
            let mut params = leaf_params(now - CLOCK_SKEW, now + Duration::days(1), random_serial().expect("serial"));
            params.subject_alt_names = sans;
            params.signed_by(&new_key("leaf").expect("key").0, &issuer).expect("signs").pem()
        };
        let good = sign(loopback_sans());
        verify(&ca_pem, &good, "localhost").expect("control: loopback leaf verifies");
        let evil = [
            ("www.vietcombank.com.vn", sign(vec![SanType::DnsName("www.vietcombank.com.vn".try_into().expect("ia5"))])),
            ("10.0.0.1", sign(vec![SanType::IpAddress([10, 0, 0, 1].into())])),
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        let ca_path = dir.path().join("ca.pem");
        fs::write(&ca_path, &ca_pem).expect("write");
        for (name, leaf) in &evil {
            let err = verify(&ca_pem, leaf, name).expect_err("rustls must reject");
            eprintln!("rustls rejects {name}: {err}");
            let leaf_path = dir.path().join("evil.pem");
            fs::write(&leaf_path, leaf).expect("write");
            if let Some((ok, out)) = openssl(&[
                "verify",
                "-CAfile",
                ca_path.to_str().expect("utf-8"),
                "-purpose",
                "sslserver",
                leaf_path.to_str().expect("utf-8"),
            ]) {
                assert!(!ok, "openssl must reject {name}: {out}");
                assert!(out.contains("permitted subtree violation"), "{out}");
            }
        }
    }

    #[test]
    fn openssl_sees_critical_constraints_and_verifies_the_chain() {
        let certs = certs();
        let dir = tempfile::tempdir().expect("tempdir");
        let files = write_dev_cert(dir.path(), &certs).expect("write");
        let leaf_path = dir.path().join("leaf.pem");
        fs::write(&leaf_path, &certs.cert_pem).expect("write");
        let ca = files.ca.to_str().expect("utf-8");
        let leaf = leaf_path.to_str().expect("utf-8");

        let Some((ok, text)) = openssl(&["x509", "-noout", "-text", "-in", ca]) else {
            return;
        };
        assert!(ok, "{text}");
        eprintln!("{text}");
        let after = |header: &str| -> String {
            let start = text.find(header).unwrap_or_else(|| panic!("no {header:?} in\n{text}"));
            text[start..].lines().take(6).collect::<Vec<_>>().join("\n")
        };
        let nc = after("X509v3 Name Constraints: critical");
        for subtree in [
            "DNS:localhost",
            "IP:127.0.0.1/255.255.255.255",
            "IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF",
        ] {
            assert!(nc.contains(subtree), "{subtree} missing from\n{nc}");
        }
        assert!(nc.contains("Permitted:") && !nc.contains("Excluded:"), "{nc}");
        assert!(after("X509v3 Basic Constraints: critical").contains("CA:TRUE, pathlen:0"));
        assert!(after("X509v3 Key Usage: critical").contains("Certificate Sign, CRL Sign"));

        let (ok, text) = openssl(&["x509", "-noout", "-text", "-in", leaf]).expect("openssl");
        assert!(ok, "{text}");
        assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
        assert!(text.contains("TLS Web Server Authentication"), "{text}");
        assert!(text.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"), "{text}");

        for extra in [
            &[][..],
            &["-verify_hostname", "localhost"][..],
            &["-verify_ip", "127.0.0.1"][..],
            &["-verify_ip", "::1"][..],
        ] {
            let mut args = vec!["verify", "-CAfile", ca, "-purpose", "sslserver"];
            args.extend_from_slice(extra);
            args.push(leaf);
            let (ok, out) = openssl(&args).expect("openssl");
            assert!(ok && out.contains(": OK"), "{args:?}: {out}");
        }
        // cert.pem is the full chain: leaf first, then the CA.
        let cert = files.cert.to_str().expect("utf-8");
        let (ok, out) = openssl(&["verify", "-CAfile", ca, "-purpose", "sslserver", cert]).expect("openssl");
        assert!(ok, "{out}");
        let (ok, out) = openssl(&["verify", "-CAfile", ca, "-verify_hostname", "example.com", leaf]).expect("openssl");
        assert!(!ok, "{out}");
    }

    #[test]
    fn write_dev_cert_writes_three_files_atomically() {
        let certs = certs();
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a").join("dev-cert");
        let files = write_dev_cert(&dir, &certs).expect("write");
        assert_eq!(
            files,
            DevCertFiles { ca: dir.join("ca.pem"), cert: dir.join("cert.pem"), key: dir.join("key.pem") }
        );
        assert_eq!(fs::read_to_string(&files.ca).expect("ca"), certs.ca_pem);
        assert_eq!(fs::read_to_string(&files.key).expect("key"), *certs.key_pem.expose_secret());
        let chain = fs::read_to_string(&files.cert).expect("cert");
        let chain = Certificate::load_pem_chain(chain.as_bytes()).expect("chain parses");
        assert_eq!(chain, [parse(&certs.cert_pem), parse(&certs.ca_pem)]);
        let mut names: Vec<_> = fs::read_dir(&dir)
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        names.sort();
        assert_eq!(names, ["ca.pem", "cert.pem", "key.pem"], "no temporary files left");

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode(&files.key), 0o600);
            assert_eq!(mode(&dir), 0o700);
            // A world-readable key.pem left by someone else is replaced, not reused.
            fs::set_permissions(&files.key, fs::Permissions::from_mode(0o644)).expect("chmod");
            let again = certs_with_suffix(None);
            write_dev_cert(&dir, &again).expect("rewrite");
            assert_eq!(mode(&files.key), 0o600);
            assert_eq!(fs::read_to_string(&files.ca).expect("ca"), again.ca_pem);
        }
    }

    fn certs_with_suffix(suffix: Option<&str>) -> LocalCertificates {
        generate(&LocalCaOptions { common_name_suffix: suffix.map(str::to_owned), ..LocalCaOptions::default() })
            .expect("generate")
    }

    #[test]
    fn write_dev_cert_reports_the_offending_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("not-a-dir");
        fs::write(&file, "x").expect("write");
        let err = write_dev_cert(&file, &certs_with_suffix(None)).expect_err("must fail");
        assert!(matches!(err, Error::CreateDir { .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("cannot create directory {}", file.display()));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn every_call_makes_a_new_ca() {
        let a = certs_with_suffix(None);
        let b = certs_with_suffix(None);
        let (ca_a, ca_b) = (parse(&a.ca_pem), parse(&b.ca_pem));
        assert_eq!(ca_a.tbs_certificate.subject.to_string(), "O=Kyso,CN=Kyso Local CA");
        assert_ne!(a.ca_pem, b.ca_pem);
        assert_ne!(ca_a.tbs_certificate.subject_public_key_info, ca_b.tbs_certificate.subject_public_key_info);
        assert_ne!(ca_a.tbs_certificate.serial_number, ca_b.tbs_certificate.serial_number);
        assert_ne!(a.cert_pem, b.cert_pem);
        assert!(verify(&a.ca_pem, &b.cert_pem, "localhost").is_err());
    }

    #[test]
    fn options_are_validated() {
        for days in [0, MAX_LEAF_LIFETIME_DAYS + 1] {
            let err = generate(&LocalCaOptions { leaf_lifetime_days: days, ..LocalCaOptions::default() })
                .expect_err("lifetime rejected");
            assert_eq!(err.to_string(), format!("leaf certificate lifetime of {days} days is outside 1..=825"));
        }
        let certs =
            generate(&LocalCaOptions { leaf_lifetime_days: 1, common_name_suffix: Some("  PC-01 ".to_owned()) })
                .expect("one day is fine");
        let ca = parse(&certs.ca_pem);
        assert_eq!(ca.tbs_certificate.subject.to_string(), "O=Kyso,CN=Kyso Local CA (PC-01)");

        let long = "x".repeat(MAX_COMMON_NAME_SUFFIX_CHARS + 1);
        for (suffix, reason) in [
            (" ", "it is empty"),
            ("a\nb", "it contains control characters"),
            (long.as_str(), "it is longer than 48 characters"),
        ] {
            let err =
                generate(&LocalCaOptions { common_name_suffix: Some(suffix.to_owned()), ..LocalCaOptions::default() })
                    .expect_err("suffix rejected");
            assert_eq!(err.to_string(), format!("invalid common name suffix {suffix:?}: {reason}"));
        }
        // 48 characters, many of them multi-byte, is still fine.
        let ok = "Đ".repeat(MAX_COMMON_NAME_SUFFIX_CHARS);
        certs_with_suffix(Some(&ok));
    }
}
