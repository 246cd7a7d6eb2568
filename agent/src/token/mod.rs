//! PKCS#11 tokens: finding certificates and signing with the matching private keys.
//!
//! PKCS#11 calls block, and a `cryptoki` session is `Send` but not `Sync`, so one dedicated worker
//! thread owns the loaded modules and every session; async code talks to it through
//! [`TokenService`], whose methods send a job and await the reply.
//!
//! The worker must finish `C_Finalize` before the process exits: a module's static destructors
//! running while another thread is inside it can deadlock the exit (SoftHSM does). So whoever
//! starts the service keeps the [`TokenWorker`] and drops it before returning from `main`.

mod error;
mod inventory;
mod mechanism;
pub mod modules;
mod pin_change;
mod signer;
mod transient;
mod worker;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use kyso_protocol::{DigestAlgorithm, PinState, SignatureAlgorithm, TokenInfo};
use secrecy::SecretString;
use tokio::sync::oneshot;

pub use error::TokenError;
pub use mechanism::Mechanisms;

/// A certificate found on a present token, with what is needed to sign with its key.
#[derive(Debug, Clone)]
pub struct TokenCertificate {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// SHA-256 of `der`.
    pub thumbprint: [u8; 32],
    /// CKA_ID of the certificate object (the matching key usually has the same).
    pub object_id: Vec<u8>,
    /// The token and slot holding it.
    pub token: TokenInfo,
    /// Where to find the token again.
    pub location: TokenLocation,
    /// The signing mechanisms the token offers.
    pub mechanisms: Mechanisms,
}

/// Identifies a token across jobs: which module, which slot, and the token's serial number, so
/// that a token swapped in the same slot is not mistaken for the one the user consented to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenLocation {
    /// Index of the module in the worker's list.
    pub module: usize,
    /// PKCS#11 slot id.
    pub slot_id: u64,
    /// Token serial number.
    pub serial: String,
}

/// What the consent prompt and the signer need to know before asking for the PIN.
#[derive(Debug, Clone)]
pub struct SigningTarget {
    /// The chosen certificate.
    pub certificate: TokenCertificate,
    /// Other certificates on the same token that form its chain (issuer first), DER.
    pub chain: Vec<Vec<u8>>,
    /// PIN counters.
    pub pin: PinState,
    /// The token's PIN is locked.
    pub pin_locked: bool,
}

/// A request to sign `data` with the key of a certificate, after logging in.
pub struct SignJob {
    /// The token and certificate the user consented to.
    pub target: TokenLocation,
    /// Thumbprint of the certificate whose key signs.
    pub thumbprint: [u8; 32],
    /// The user PIN, or `None` for a PIN-pad token.
    pub pin: Option<SecretString>,
    /// The algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The digest algorithm.
    pub digest: DigestAlgorithm,
    /// The bytes to sign (CMS signed attributes, DER), one signature each: a batch is one login.
    pub data: Vec<Vec<u8>>,
    /// `data` are digests by `digest` already (a portal's hash, `SignMsg`): signed with the
    /// token's raw mechanism, not hashed again.
    pub prehashed: bool,
    /// Counts the signatures made, and stops the batch before the next one when asked.
    pub progress: Progress,
}

/// A batch's progress, shared with the consent window: signatures made so far, and the user's
/// Cancel, which stops the batch before its next signature (one under way finishes).
#[derive(Debug, Clone, Default)]
pub struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Progress {
    /// Signatures made so far.
    pub fn done(&self) -> usize {
        self.done.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Asks the batch to stop before its next signature.
    pub fn stop(&self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether the batch was asked to stop.
    pub fn stopped(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `sign` on each of `items` in order until one fails or the batch is stopped;
    /// returns the signatures made, which are fewer than `items` only when stopped.
    ///
    /// # Errors
    ///
    /// The first failure of `sign`.
    pub fn each<T, E>(&self, items: &[T], mut sign: impl FnMut(&T) -> Result<Vec<u8>, E>) -> Result<Vec<Vec<u8>>, E> {
        let mut signatures = Vec::with_capacity(items.len());
        for item in items {
            if self.stopped() {
                break;
            }
            signatures.push(sign(item)?);
            self.done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(signatures)
    }
}

impl std::fmt::Debug for SignJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignJob")
            .field("target", &self.target)
            .field("algorithm", &self.algorithm)
            .field("digest", &self.digest)
            .field("pin", &self.pin.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

enum Job {
    Stop,
    Present(oneshot::Sender<Result<bool, TokenError>>),
    Certificates(oneshot::Sender<Result<Vec<TokenCertificate>, TokenError>>),
    Describe([u8; 32], oneshot::Sender<Result<SigningTarget, TokenError>>),
    Sign(Box<SignJob>, oneshot::Sender<Result<Vec<Vec<u8>>, TokenError>>),
    ChangePin(Box<PinChange>, oneshot::Sender<Result<(), TokenError>>),
}

/// A PIN change for the worker.
struct PinChange {
    target: TokenLocation,
    old: SecretString,
    new: SecretString,
}

/// Owns the token worker thread: dropping it finishes the jobs already queued, finalises the
/// modules and waits (a bounded time) for the thread to end. Later jobs fail with
/// [`TokenError::WorkerGone`].
#[derive(Debug)]
pub struct TokenWorker {
    jobs: mpsc::Sender<Job>,
    done: mpsc::Receiver<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How long exit waits for a module stuck in a call; past it the process exits anyway.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

impl Drop for TokenWorker {
    fn drop(&mut self) {
        let _ = self.jobs.send(Job::Stop);
        match self.done.recv_timeout(STOP_TIMEOUT) {
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                if let Some(thread) = self.thread.take() {
                    let _ = thread.join();
                }
            }
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {
                tracing::warn!("the token worker did not stop within {STOP_TIMEOUT:?}");
            }
        }
    }
}

/// The async handle of the token worker thread. Cheap to clone.
#[derive(Debug, Clone)]
pub struct TokenService {
    jobs: mpsc::Sender<Job>,
}

impl TokenService {
    /// Starts the worker thread, which loads `modules` (or, when empty, the modules found at the
    /// known install locations).
    ///
    /// # Errors
    ///
    /// Fails only if the thread cannot be spawned; modules that fail to load are logged and
    /// skipped, so a broken driver does not stop the agent.
    pub fn start(modules: Vec<PathBuf>) -> std::io::Result<(Self, TokenWorker)> {
        let (jobs, inbox) = mpsc::channel();
        let (finished, done) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new().name("kyso-token".into()).spawn(move || {
            // Dropped when the thread ends, after the modules are finalised.
            let _finished = finished;
            worker::run(modules, inbox);
        })?;
        let worker = TokenWorker { jobs: jobs.clone(), done, thread: Some(thread) };
        Ok((Self { jobs }, worker))
    }

    /// Says whether any configured module has a token present.
    ///
    /// # Errors
    ///
    /// [`TokenError::WorkerGone`] only.
    pub async fn tokens_present(&self) -> Result<bool, TokenError> {
        self.ask(Job::Present).await
    }

    /// Lists the certificates on every present token.
    ///
    /// # Errors
    ///
    /// [`TokenError`] when a module fails while listing.
    pub async fn certificates(&self) -> Result<Vec<TokenCertificate>, TokenError> {
        self.ask(Job::Certificates).await
    }

    /// Finds the certificate with `thumbprint` and reads its token's state for the prompt.
    ///
    /// # Errors
    ///
    /// [`TokenError::CertificateNotFound`] when no present token holds it.
    pub async fn describe(&self, thumbprint: [u8; 32]) -> Result<SigningTarget, TokenError> {
        self.ask(|reply| Job::Describe(thumbprint, reply)).await
    }

    /// Logs in, signs each of `job.data` (in order), and logs out. Never retries a wrong PIN.
    ///
    /// # Errors
    ///
    /// [`TokenError::PinIncorrect`], [`TokenError::PinLocked`], [`TokenError::TokenAbsent`] when
    /// the token was removed, and others.
    pub async fn sign(&self, job: SignJob) -> Result<Vec<Vec<u8>>, TokenError> {
        self.ask(|reply| Job::Sign(Box::new(job), reply)).await
    }

    /// Changes the user PIN of the token at `target` from `old` to `new`. Never retried.
    ///
    /// # Errors
    ///
    /// [`TokenError::PinIncorrect`], [`TokenError::PinLocked`], [`TokenError::PinRejected`],
    /// [`TokenError::TokenAbsent`], and others.
    pub async fn change_pin(
        &self,
        target: TokenLocation,
        old: SecretString,
        new: SecretString,
    ) -> Result<(), TokenError> {
        self.ask(|reply| Job::ChangePin(Box::new(PinChange { target, old, new }), reply)).await
    }

    async fn ask<T>(&self, job: impl FnOnce(oneshot::Sender<Result<T, TokenError>>) -> Job) -> Result<T, TokenError> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(job(reply)).map_err(|_| TokenError::WorkerGone)?;
        answer.await.map_err(|_| TokenError::WorkerGone)?
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn a_stopped_batch_ends_before_its_next_signature() {
        let progress = Progress::default();
        let all = progress.each(&[1u8, 2, 3], |n| Ok::<_, ()>(vec![*n])).expect("signs");
        assert_eq!((all.len(), progress.done()), (3, 3));

        let progress = Progress::default();
        let stopper = progress.clone();
        let some = progress
            .each(&[1u8, 2, 3], |n| {
                if *n == 2 {
                    stopper.stop(); // Cancel pressed while the second signature is made.
                }
                Ok::<_, ()>(vec![*n])
            })
            .expect("signs");
        assert_eq!(some, vec![vec![1], vec![2]], "the signature under way finishes, the next is not made");
        assert_eq!(progress.done(), 2);

        let failing =
            Progress::default().each(&[1u8, 2], |n| if *n == 2 { Err("token removed") } else { Ok(vec![*n]) });
        assert_eq!(failing, Err("token removed"));
    }
}
