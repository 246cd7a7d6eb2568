//! The timestamp authority (`tsa.url`): RFC 3161 tokens over signature values, for `B-T` and
//! higher levels.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use kyso_protocol::{DigestAlgorithm, ErrorCode};

use crate::cades::timestamp::{self, Token};
use crate::error::ApiError;
use crate::outbound::{FetchError, Outbound};

/// A TSA's answer is a token with a certificate or two; anything near this is not one.
const MAX_REPLY_BYTES: u64 = 256 * 1024;
/// Timestamps asked for at once in a batch: a TSA is a shared service.
const CONCURRENT_QUERIES: usize = 4;

/// The configured TSA.
#[derive(Debug, Clone)]
pub struct TimestampAuthority {
    url: url::Url,
    outbound: Outbound,
    /// The last token this TSA gave: its size is what the next one will need in a PDF's
    /// reserve, and it stands in for it in the dry run that measures the reserve.
    last: Arc<Mutex<Option<Vec<u8>>>>,
}

impl TimestampAuthority {
    /// The TSA at `url`, reached through `outbound`.
    pub fn new(url: url::Url, outbound: Outbound) -> Self {
        Self { url, outbound, last: Arc::default() }
    }

    /// A timestamp token over `signature`, checked (imprint, nonce, the TSA's signature and
    /// its timestamping certificate).
    ///
    /// # Errors
    ///
    /// `timestamp_failed`, saying what went wrong.
    pub async fn stamp(&self, digest: DigestAlgorithm, signature: &[u8]) -> Result<Token, ApiError> {
        self.stamp_imprint(digest, crate::digest::hash(digest, signature)).await
    }

    /// A timestamp token over data whose `digest` is `imprint` (a document timestamp), checked
    /// as by [`TimestampAuthority::stamp`].
    ///
    /// # Errors
    ///
    /// `timestamp_failed`, saying what went wrong.
    pub async fn stamp_imprint(&self, digest: DigestAlgorithm, imprint: Vec<u8>) -> Result<Token, ApiError> {
        let failed = |why: String| {
            tracing::warn!(tsa = %self.url, %why, "no timestamp");
            ApiError::with(ErrorCode::TimestampFailed, format!("{}: {why}", self.url))
        };
        let query = timestamp::query_imprint(digest, imprint).map_err(|e| failed(e.to_string()))?;
        let reply = self
            .outbound
            .post(
                &self.url,
                "application/timestamp-query",
                query.der.clone(),
                "application/timestamp-reply",
                MAX_REPLY_BYTES,
            )
            .await
            .map_err(|e| match e {
                FetchError::TooLarge(limit) => failed(format!("the answer is larger than {limit} bytes")),
                FetchError::Failed(why) => failed(why),
            })?;
        let token = timestamp::check_reply(&query, &reply).map_err(failed)?;
        tracing::info!(tsa = %self.url, time = %rfc3339(token.time), "timestamp");
        *self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(token.der.clone());
        Ok(token)
    }

    /// A token of the size this TSA's tokens have, to measure a PDF's reserve: the last one
    /// it gave, else a fresh one over random bytes (which also finds a TSA that is down before
    /// the user is asked for anything).
    ///
    /// # Errors
    ///
    /// `timestamp_failed`.
    pub async fn sample(&self, digest: DigestAlgorithm) -> Result<Vec<u8>, ApiError> {
        if let Some(token) = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
            return Ok(token);
        }
        let mut probe = [0u8; 32];
        rustls::crypto::ring::default_provider()
            .secure_random
            .fill(&mut probe)
            .map_err(|_| ApiError::with(ErrorCode::Internal, "no random bytes"))?;
        Ok(self.stamp(digest, &probe).await?.der)
    }

    /// Tokens over every one of `signatures`, in order, a few queries at a time.
    ///
    /// # Errors
    ///
    /// The first `timestamp_failed`.
    pub async fn stamp_all(&self, digest: DigestAlgorithm, signatures: &[Vec<u8>]) -> Result<Vec<Token>, ApiError> {
        let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_QUERIES));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, signature) in signatures.iter().enumerate() {
            let (tsa, signature, limit) = (self.clone(), signature.clone(), limit.clone());
            tasks.spawn(async move {
                let _turn = limit.acquire_owned().await;
                (index, tsa.stamp(digest, &signature).await)
            });
        }
        let mut tokens: Vec<Option<Token>> = vec![None; signatures.len()];
        while let Some(joined) = tasks.join_next().await {
            let (index, token) = joined.map_err(|e| ApiError::with(ErrorCode::Internal, e.to_string()))?;
            tokens[index] = Some(token?);
        }
        Ok(tokens.into_iter().flatten().collect())
    }
}

/// `2026-11-23T04:43:45Z`.
pub fn rfc3339(time: SystemTime) -> String {
    time::OffsetDateTime::from(time).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
