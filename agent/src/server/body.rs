//! Reading request bodies within limits: JSON into memory (bounded), raw bytes to a private temp
//! file while hashing, so a 256 MiB document never sits in RAM.

use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use kyso_protocol::{DigestAlgorithm, ErrorCode};
use serde::de::DeserializeOwned;
use tempfile::NamedTempFile;

use crate::digest::Hasher;
use crate::error::ApiError;

/// JSON bodies are parsed in memory; above this, callers must send raw bytes.
pub const JSON_LIMIT: u64 = 64 * 1024 * 1024;

/// A client that sends nothing for this long has gone away.
const IDLE: Duration = Duration::from_secs(30);

/// A raw body written to disk and hashed on the way.
#[derive(Debug)]
pub struct Spooled {
    /// The content, deleted when dropped.
    pub file: NamedTempFile,
    /// Its size.
    pub size: u64,
    /// Its digest.
    pub digest: Vec<u8>,
}

/// Reads the next chunk, with the idle timeout.
async fn next_chunk(body: &mut Incoming) -> Result<Option<Bytes>, ApiError> {
    loop {
        let frame = tokio::time::timeout(IDLE, body.frame())
            .await
            .map_err(|_| ApiError::bad_request("the request body stalled"))?;
        match frame {
            None => return Ok(None),
            Some(Err(e)) => return Err(ApiError::bad_request(format!("reading the body: {e}"))),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::with(ErrorCode::TooLarge, format!("the body is larger than {limit} bytes"))
}

fn check_declared(body: &Incoming, limit: u64) -> Result<(), ApiError> {
    match body.size_hint().exact() {
        Some(len) if len > limit => Err(too_large(limit)),
        _ => Ok(()),
    }
}

/// Reads a JSON body of at most `limit` bytes.
///
/// # Errors
///
/// `too_large`, or `bad_request` naming the JSON problem.
pub async fn json<T: DeserializeOwned>(mut body: Incoming, limit: u64) -> Result<T, ApiError> {
    let limit = limit.min(JSON_LIMIT);
    check_declared(&body, limit)?;
    let mut buffer = Vec::new();
    while let Some(chunk) = next_chunk(&mut body).await? {
        if buffer.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large(limit));
        }
        buffer.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&buffer).map_err(|e| ApiError::bad_request(format!("JSON: {e}")))
}

/// Streams a raw body of at most `limit` bytes to a private temp file, hashing it.
///
/// # Errors
///
/// `too_large`, `bad_request` for a broken upload, `internal_error` when the disk fails.
pub async fn spool(mut body: Incoming, limit: u64, algorithm: DigestAlgorithm) -> Result<Spooled, ApiError> {
    check_declared(&body, limit)?;
    let disk = |e: std::io::Error| ApiError::with(ErrorCode::Internal, format!("temp file: {e}"));
    // tempfile creates the file readable by this user only, and removes it on drop.
    let mut file = NamedTempFile::with_prefix("kyso-body-").map_err(disk)?;
    let mut hasher = Hasher::new(algorithm);
    let mut size = 0u64;
    while let Some(chunk) = next_chunk(&mut body).await? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large(limit));
        }
        hasher.update(&chunk);
        // Chunks are at most a few hundred KiB; a blocking write of that size is brief.
        file.write_all(&chunk).map_err(disk)?;
    }
    file.flush().map_err(disk)?;
    Ok(Spooled { file, size, digest: hasher.finish() })
}
