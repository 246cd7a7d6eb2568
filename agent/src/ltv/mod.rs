//! Long-term signatures: PAdES B-LT (a DSS revision with the validation data of the file's
//! signatures and their timestamps) and B-LTA (then a document timestamp over it all), made
//! right after signing or later, for archives (`kyso-agent extend`). Earlier revisions are
//! never touched.

mod subjects;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use kyso_protocol::{DigestAlgorithm, ErrorCode, SignatureLevel};

use crate::error::ApiError;
use crate::pdf::{self, PdfError, Placement, Plan, SignatureInfo, SignatureKind, dss};
use crate::signing::{TimestampAuthority, pdf_error};
use crate::trust::{Trust, ValidationData};

pub use subjects::Subject;

/// Room left beyond a sample token's size in a document timestamp's reserve.
const TOKEN_MARGIN: usize = 512;

/// Which signatures of the file get validation data.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every signature and document timestamp: each must be validated, or nothing is written.
    All,
    /// The signature in this field must be; the others get theirs when it can be had.
    Field(String),
}

/// What an extension did.
#[derive(Debug, Clone)]
pub struct Extended {
    /// The signatures whose validation data is now in the DSS, by field name.
    pub covered: Vec<String>,
    /// Signatures left without (only with [`Scope::Field`]): field name and why.
    pub skipped: Vec<(String, String)>,
    /// How many certificates, OCSP responses and CRLs the DSS gained or already had.
    pub counts: [usize; 3],
    /// For B-LTA: the document timestamp's field and time.
    pub document_timestamp: Option<(String, SystemTime)>,
}

/// Adds validation data and document timestamps, with the agent's trust anchors, responders
/// and TSA.
#[derive(Debug, Clone)]
pub struct Archiver {
    trust: Trust,
    tsa: Option<TimestampAuthority>,
    /// Validation data found by this archiver, by certificate (DER): the documents of a batch
    /// share a signer and a TSA, whose data is asked for once, after the first signature.
    found: Arc<Mutex<HashMap<Vec<u8>, ValidationData>>>,
}

impl Archiver {
    /// An archiver checking chains with `trust` and stamping with `tsa` (needed for B-LTA).
    pub fn new(trust: Trust, tsa: Option<TimestampAuthority>) -> Self {
        Self { trust, tsa, found: Arc::default() }
    }

    /// Writes `input` extended to `level` (`B-LT` or `B-LTA`) to `destination` (which may be
    /// `input`; it is replaced atomically): a revision with a DSS holding validation data for
    /// the signatures in `scope`, then, for B-LTA, a document timestamp revision.
    ///
    /// # Errors
    ///
    /// `bad_request` (a level below B-LT, no signature), `invalid_pdf`, `pdf_encrypted`,
    /// `validation_data_failed`, `timestamp_failed`.
    pub async fn extend(
        &self,
        input: &Path,
        destination: &Path,
        level: SignatureLevel,
        scope: Scope,
        digest: DigestAlgorithm,
    ) -> Result<Extended, ApiError> {
        if !level.long_term() {
            return Err(ApiError::bad_request(format!("extend makes B-LT or B-LTA, not {}", level.as_str())));
        }
        let tsa = match (level, &self.tsa) {
            (SignatureLevel::BLta, None) => {
                return Err(ApiError::with(
                    ErrorCode::TimestampFailed,
                    "level B-LTA needs a timestamp authority, and none is set (tsa.url)",
                ));
            }
            (SignatureLevel::BLta, Some(tsa)) => Some(tsa),
            _ => None,
        };
        let owned = input.to_owned();
        let subjects = blocking(move || read_subjects(&owned)).await?.map_err(pdf_error)?;
        if subjects.is_empty() {
            return Err(ApiError::bad_request("the PDF has no signature to extend"));
        }
        let mut extended =
            Extended { covered: Vec::new(), skipped: Vec::new(), counts: [0; 3], document_timestamp: None };
        let mut found: Vec<(String, ValidationData)> = Vec::new();
        let now = SystemTime::now();
        for subject in subjects {
            let subject = match subject {
                Ok(subject) => subject,
                Err((field, why)) => {
                    self.refuse_or_skip(&scope, &field, why, &mut extended)?;
                    continue;
                }
            };
            let mut data = ValidationData::default();
            let mut failure = None;
            for leaf in &subject.leaves {
                match self.leaf_data(leaf, now).await {
                    Ok(more) => data.merge(more),
                    Err(why) => failure = Some(format!("{}: {why}", leaf.cert.tbs_certificate.subject)),
                }
            }
            match failure {
                None => {
                    extended.covered.push(subject.field_name.clone());
                    found.push((subject.vri_key, data));
                }
                Some(why) => self.refuse_or_skip(&scope, &subject.field_name, why, &mut extended)?,
            }
        }
        let mut all = ValidationData::default();
        for (_, data) in &found {
            all.merge(data.clone());
        }
        extended.counts = [all.certs.len(), all.ocsps.len(), all.crls.len()];
        let out_dir = destination.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned();
        // With a document timestamp to come, the DSS revision goes to a temporary file first.
        let staged = match tsa {
            Some(_) => Some(
                tempfile::Builder::new()
                    .prefix(".kyso-")
                    .suffix(".pdf.part")
                    .tempfile_in(&out_dir)
                    .map_err(|e| pdf_error(PdfError::Io(e)))?
                    // Closed, so the DSS revision can be renamed over it on every OS.
                    .into_temp_path(),
            ),
            None => None,
        };
        let dss_out = staged.as_ref().map_or_else(|| destination.to_owned(), |t| t.to_path_buf());
        let (input, staged_out) = (input.to_owned(), dss_out.clone());
        blocking(move || {
            let entries: Vec<dss::Entry<'_>> = found
                .iter()
                .map(|(key, d)| dss::Entry { vri_key: key, certs: &d.certs, ocsps: &d.ocsps, crls: &d.crls })
                .collect();
            dss::add(&input, &staged_out, &entries)
        })
        .await?
        .map_err(pdf_error)?;
        if let Some(tsa) = tsa {
            let stamped = document_timestamp(tsa, &dss_out, destination, &out_dir, digest).await?;
            extended.document_timestamp = Some(stamped);
        }
        Ok(extended)
    }

    /// Checks, before the user is asked, that the validation data of a B-LT signature can be
    /// had: the signer's chain was found not revoked, and the TSA whose `sample_token` stands
    /// for the coming one validates too (its answers are then cached for after signing).
    ///
    /// # Errors
    ///
    /// `validation_data_failed`, saying what is missing.
    pub async fn check_ready(&self, signer: &crate::trust::Verdict, sample_token: &[u8]) -> Result<(), ApiError> {
        let failed = |why: String| ApiError::with(ErrorCode::ValidationDataFailed, why);
        if let crate::trust::Revocation::Unknown(why) = &signer.revocation {
            return Err(failed(format!("the signer's certificate status could not be had: {why}")));
        }
        let token = crate::cades::verify::signed_data(sample_token).map_err(failed)?;
        let tsa = subjects::signer(&token).map_err(failed)?;
        self.trust
            .validation_data(&tsa.cert, &tsa.pool, SystemTime::now())
            .await
            .map(drop)
            .map_err(|why| failed(format!("the TSA {}: {why}", tsa.cert.tbs_certificate.subject)))
    }

    /// The validation data of `leaf`, found earlier by this archiver or asked for now.
    async fn leaf_data(&self, leaf: &subjects::Leaf, now: SystemTime) -> Result<ValidationData, String> {
        let key = der::Encode::to_der(&leaf.cert).map_err(|e| e.to_string())?;
        if let Some(known) = self.memo().get(&key) {
            return Ok(known.clone());
        }
        let data = self.trust.validation_data(&leaf.cert, &leaf.pool, now).await?;
        self.memo().insert(key, data.clone());
        Ok(data)
    }

    fn memo(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, ValidationData>> {
        self.found.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn refuse_or_skip(&self, scope: &Scope, field: &str, why: String, extended: &mut Extended) -> Result<(), ApiError> {
        let required = match scope {
            Scope::All => true,
            Scope::Field(name) => name == field,
        };
        if required {
            tracing::warn!(field, %why, "no validation data");
            return Err(ApiError::with(ErrorCode::ValidationDataFailed, format!("{field}: {why}")));
        }
        tracing::info!(field, %why, "an earlier signature gets no validation data");
        extended.skipped.push((field.to_owned(), why));
        Ok(())
    }
}

type SubjectResult = Result<Subject, (String, String)>;

/// The signatures of `input` and what each needs validated.
fn read_subjects(input: &Path) -> Result<Vec<SubjectResult>, PdfError> {
    let file = pdf::PdfFile::open(input)?;
    if file.trailer().has(b"Encrypt") {
        return Err(PdfError::Encrypted("extending encrypted PDFs is not supported yet".into()));
    }
    Ok(pdf::signatures::list(&file)?
        .iter()
        .map(|signature| subjects::of(signature).map_err(|why| (signature.field_name.clone(), why)))
        .collect())
}

/// Adds a document timestamp revision to `input`, written to `destination`: the reserve is a
/// sample token's size plus a margin, and grows once if the real token is larger.
async fn document_timestamp(
    tsa: &TimestampAuthority,
    input: &Path,
    destination: &Path,
    out_dir: &Path,
    digest: DigestAlgorithm,
) -> Result<(String, SystemTime), ApiError> {
    let mut capacity = tsa.sample(digest).await?.len() + TOKEN_MARGIN;
    for _ in 0..2 {
        let (input_path, dir) = (input.to_owned(), out_dir.to_owned());
        let prepared = blocking(move || {
            let plan = Plan {
                placement: Placement::Invisible,
                field_name: None,
                visible: None,
                time: pdf::local_now(),
                info: SignatureInfo::default(),
                capacity,
                digest,
                kind: SignatureKind::DocTimeStamp,
            };
            pdf::prepare(&input_path, &dir, &plan)
        })
        .await?
        .map_err(pdf_error)?;
        let token = tsa.stamp_imprint(digest, prepared.digest.clone()).await?;
        if token.der.len() > prepared.capacity() {
            capacity = token.der.len() + TOKEN_MARGIN;
            continue;
        }
        let field = prepared.field_name.clone();
        let destination = destination.to_owned();
        blocking(move || prepared.finish(&token.der, &destination)).await?.map_err(pdf_error)?;
        return Ok((field, token.time));
    }
    Err(ApiError::with(ErrorCode::TimestampFailed, "the TSA's token did not fit the room reserved for it"))
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))
}
