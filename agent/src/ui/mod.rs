//! Kyso's own windows, on the main thread (as desktop toolkits require), while the server and
//! the token worker run on others. Requests reach the UI thread through a [`UiHandle`]; each
//! gets its own window, one at a time, in the order asked.

mod about_window;
mod chooser_window;
mod consent_window;
mod fonts;
mod preview;
mod session;
mod settings;
pub mod tray;
mod viewer;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

pub use about_window::AboutInfo;
pub use session::{Session, Summary, UiHandle};
pub use settings::SettingsParts;

use about_window::AboutWindow;
use chooser_window::ChooserWindow;
use consent_window::ConsentWindow;
use session::Job;
use settings::SettingsWindow;

/// Runs `work` on a new thread and the windows it asks for on this one, until `work` returns
/// and every [`UiHandle`] it made is gone; returns what `work` returned.
pub fn run_beside<R: Send + 'static>(work: impl FnOnce(UiHandle) -> R + Send + 'static) -> R {
    let (windows, requests) = mpsc::channel();
    let waiting = Arc::new(AtomicUsize::new(0));
    let settings_open = Arc::new(AtomicBool::new(false));
    let handle = UiHandle { windows, waiting: waiting.clone(), settings_open: settings_open.clone() };
    let worker = std::thread::Builder::new()
        .name("kyso-work".into())
        .spawn(move || work(handle))
        .unwrap_or_else(|error| panic!("cannot start the agent's thread: {error}"));
    let face = fonts::vietnamese_face();
    if face.is_none() {
        tracing::warn!("no system font with Vietnamese letters found; the windows use egui's own");
    }
    let next = || {
        let job = requests.recv().ok()?;
        waiting.fetch_sub(1, Ordering::SeqCst);
        Some(job)
    };
    while let Some(job) = next() {
        let was_settings = matches!(job, Job::Settings(_));
        let mut job = Some(job);
        while let Some(current) = job.take() {
            let Some(opening) = show_guarded(current, face.clone()) else { continue };
            // Settings gave way: the requests waiting first, then Settings again.
            tracing::debug!(waiting = waiting.load(Ordering::SeqCst), "Settings gave way");
            while waiting.load(Ordering::SeqCst) > 0 {
                match next() {
                    Some(waiting_job) => {
                        let _ = show_guarded(waiting_job, face.clone());
                    }
                    None => break,
                }
            }
            job = Some(Job::Settings(opening));
        }
        if was_settings {
            // Settings, once closed for good, may be opened again.
            settings_open.store(false, Ordering::SeqCst);
        }
    }
    match worker.join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Shows one window; a window that fails must not take the agent down: its request gets an
/// error (its channels are dropped) and the next window is tried. Returns Settings when it
/// closed to give way to a request, to be opened again after.
fn show_guarded(job: Job, face: Option<Arc<Vec<u8>>>) -> Option<settings::Opening> {
    let settings = match &job {
        Job::Settings(opening) => Some(opening.clone()),
        _ => None,
    };
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| show(job, face))).is_err() {
        tracing::error!("a window failed; its request was refused");
        return None;
    }
    settings?.to_reopen()
}

/// Shows one window until it closes. A window that cannot open drops the request's channels,
/// which the request sees as [`crate::prompt::PromptError::Window`].
fn show(job: Job, face: Option<Arc<Vec<u8>>>) {
    let (title, size, lang) = match &job {
        Job::Consent(opened) => (crate::i18n::Text::WindowTitle, ConsentWindow::size(&opened.request), opened.lang),
        Job::Choose(choosing) => {
            (crate::i18n::Text::ChooseTitle, ChooserWindow::size(choosing.request.choices.len()), choosing.lang)
        }
        Job::About(info, lang) => (crate::i18n::Text::AboutTitle, AboutWindow::size(info), *lang),
        Job::Settings(opening) => (crate::i18n::Text::SettingsTitle, SettingsWindow::SIZE, opening.parts.lang.get()),
    };
    // Only what asks for consent stays above every other window.
    let on_top = matches!(job, Job::Consent(_) | Job::Choose(_));
    let mut viewport = eframe::egui::ViewportBuilder::default()
        .with_title(title.get(lang))
        .with_app_id("kyso-agent")
        .with_inner_size(size)
        .with_min_inner_size([480.0, 300.0])
        .with_active(true);
    if on_top {
        viewport = viewport.with_always_on_top();
    }
    let options = eframe::NativeOptions {
        viewport,
        centered: true,
        run_and_return: true,
        persist_window: false,
        ..Default::default()
    };
    let result = eframe::run_native(
        "kyso-agent",
        options,
        Box::new(move |cc| {
            fonts::install(&cc.egui_ctx, face);
            style(&cc.egui_ctx);
            Ok(match job {
                Job::Consent(opened) => Box::new(ConsentWindow::new(*opened)) as Box<dyn eframe::App>,
                Job::Choose(choosing) => Box::new(ChooserWindow::new(choosing)),
                Job::About(info, lang) => Box::new(AboutWindow::new(info, lang)),
                Job::Settings(opening) => Box::new(SettingsWindow::new(opening, &cc.egui_ctx)),
            })
        }),
    );
    if let Err(error) = result {
        tracing::error!(%error, "cannot show a window");
    }
}

/// Light, like the documents and forms clerks work with, whatever the desktop's theme; fields
/// and buttons outlined, so the PIN field shows before it has the focus.
fn style(ctx: &eframe::egui::Context) {
    let mut visuals = eframe::egui::Visuals::light();
    visuals.widgets.inactive.bg_stroke = eframe::egui::Stroke::new(1.0, eframe::egui::Color32::from_gray(150));
    ctx.set_visuals(visuals);
}
