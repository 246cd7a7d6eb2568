//! The link between a request and its window: the request side asks and reports, the UI
//! thread answers. The window outlives one answer: it takes the PIN again after a wrong one
//! and shows how the request ended.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use kyso_protocol::{ErrorCode, PinState};
use tokio::sync::mpsc as async_mpsc;

use crate::i18n::Lang;
use crate::prompt::{ChooseRequest, Consent, ConsentRequest, PromptError};
use crate::token::Progress;

/// What the request tells its window after an answer.
#[derive(Debug)]
pub enum Event {
    /// The PIN was wrong; the token's counters now say this. Another answer is awaited.
    WrongPin(PinState),
    /// The request ended.
    Finished(Summary),
}

/// How a request ended, for the window's last words.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The request's own error, if it failed as a whole.
    pub error: Option<ErrorCode>,
    /// Documents that failed in a batch that otherwise went through, by name.
    pub failed: Vec<(String, ErrorCode)>,
    /// Documents in the request.
    pub total: usize,
}

/// What the UI thread is asked to show.
#[derive(Debug)]
pub enum Job {
    Consent(Box<Opened>),
    Choose(Choosing),
    About(super::AboutInfo, Lang),
    Settings(super::settings::Opening),
}

/// A certificate chooser to show; the answer is the index chosen, `None` for Cancel.
#[derive(Debug)]
pub struct Choosing {
    pub request: ChooseRequest,
    pub lang: Lang,
    pub timeout: Duration,
    pub answer: tokio::sync::oneshot::Sender<Option<usize>>,
}

/// A consent window to open, as the UI thread receives it.
#[derive(Debug)]
pub struct Opened {
    pub request: ConsentRequest,
    pub lang: Lang,
    /// How long the user has for each answer.
    pub timeout: Duration,
    pub answers: async_mpsc::UnboundedSender<Consent>,
    pub events: mpsc::Receiver<Event>,
    /// The token's progress through the documents; the window's Cancel stops it.
    pub progress: Progress,
    /// Windows waiting to be shown after this one; a summary gives way to them.
    pub waiting: Arc<AtomicUsize>,
}

/// Sends windows to the UI thread. Cheap to clone; the UI thread stops when every handle is
/// gone.
#[derive(Debug, Clone)]
pub struct UiHandle {
    pub(super) windows: mpsc::Sender<Job>,
    pub(super) waiting: Arc<AtomicUsize>,
    /// Settings is open or about to be: a second one is not queued.
    pub(super) settings_open: Arc<std::sync::atomic::AtomicBool>,
}

impl UiHandle {
    /// Opens a window for `request`.
    ///
    /// # Errors
    ///
    /// [`PromptError::Window`] when the UI thread has stopped.
    pub fn open(&self, request: ConsentRequest, lang: Lang, timeout: Duration) -> Result<Session, PromptError> {
        let (answers, answers_rx) = async_mpsc::unbounded_channel();
        let (events_tx, events) = mpsc::channel();
        let progress = Progress::default();
        let opened = Opened {
            request,
            lang,
            timeout,
            answers,
            events,
            progress: progress.clone(),
            waiting: self.waiting.clone(),
        };
        self.send(Job::Consent(Box::new(opened)))?;
        Ok(Session { answers: answers_rx, events: events_tx, progress, timeout })
    }

    /// Shows the certificate chooser for `request`; returns the index chosen, `None` when the
    /// user cancels or lets it time out.
    ///
    /// # Errors
    ///
    /// [`PromptError::Window`] when the UI thread has stopped or the window cannot open.
    pub async fn choose(
        &self,
        request: ChooseRequest,
        lang: Lang,
        timeout: Duration,
    ) -> Result<Option<usize>, PromptError> {
        let (answer, chosen) = tokio::sync::oneshot::channel();
        self.send(Job::Choose(Choosing { request, lang, timeout, answer }))?;
        chosen.await.map_err(|_| PromptError::Window("the certificate chooser could not be shown (see the log)".into()))
    }

    /// Shows About (from the tray); returns at once.
    ///
    /// # Errors
    ///
    /// [`PromptError::Window`] when the UI thread has stopped.
    pub fn about(&self, info: super::AboutInfo, lang: Lang) -> Result<(), PromptError> {
        self.send(Job::About(info, lang))
    }

    /// Opens Settings (from the tray), unless it is open already; returns at once.
    ///
    /// # Errors
    ///
    /// [`PromptError::Window`] when the UI thread has stopped.
    pub fn settings(&self, parts: Arc<super::SettingsParts>) -> Result<(), PromptError> {
        if self.settings_open.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let opening = super::settings::Opening {
            parts,
            waiting: self.waiting.clone(),
            gave_way: Arc::default(),
            resume: Arc::default(),
        };
        self.send(Job::Settings(opening)).inspect_err(|_| self.settings_open.store(false, Ordering::SeqCst))
    }

    /// Whether Settings is open (or about to be, or giving way to a request).
    pub fn settings_showing(&self) -> bool {
        self.settings_open.load(Ordering::SeqCst)
    }

    fn send(&self, job: Job) -> Result<(), PromptError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        self.windows.send(job).map_err(|_| {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            PromptError::Window("the window thread has stopped".into())
        })
    }
}

/// The request's side of an open window. Dropping it closes the window.
#[derive(Debug)]
pub struct Session {
    answers: async_mpsc::UnboundedReceiver<Consent>,
    events: mpsc::Sender<Event>,
    progress: Progress,
    timeout: Duration,
}

impl Session {
    /// Waits for the user's answer. The window enforces the time limit itself; this one, a
    /// little longer, only guards against a window that never shows.
    ///
    /// # Errors
    ///
    /// [`PromptError::Window`] when the window could not be opened or went away unanswered.
    pub async fn answer(&mut self) -> Result<Consent, PromptError> {
        // The window's own limit starts when it shows, which may be after an earlier summary.
        let guard = self.timeout + Duration::from_secs(60);
        match tokio::time::timeout(guard, self.answers.recv()).await {
            Ok(Some(consent)) => Ok(consent),
            Ok(None) => Err(PromptError::Window("the consent window could not be shown (see the log)".into())),
            Err(_) => Ok(Consent::Refused),
        }
    }

    /// Tells the window the PIN was wrong, and waits for the next answer.
    ///
    /// # Errors
    ///
    /// As [`Session::answer`].
    pub async fn retry(&mut self, state: PinState) -> Result<Consent, PromptError> {
        let _ = self.events.send(Event::WrongPin(state));
        self.answer().await
    }

    /// The token's progress, which the window shows and its Cancel stops.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// Shows how the request ended.
    pub fn finish(self, summary: Summary) {
        let _ = self.events.send(Event::Finished(summary));
    }
}
