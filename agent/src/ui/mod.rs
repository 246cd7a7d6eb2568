//! Kyso's own windows, on the main thread (as desktop toolkits require), while the server and
//! the token worker run on others. Requests reach the UI thread through a [`UiHandle`]; each
//! gets its own window, one at a time, in the order asked.

mod about_window;
mod chooser_window;
mod consent_window;
mod fonts;
mod preview;
mod session;
pub mod tray;
mod viewer;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

pub use about_window::AboutInfo;
pub use session::{Session, Summary, UiHandle};

use about_window::AboutWindow;
use chooser_window::ChooserWindow;
use consent_window::ConsentWindow;
use session::Job;

/// Runs `work` on a new thread and the windows it asks for on this one, until `work` returns
/// and every [`UiHandle`] it made is gone; returns what `work` returned.
pub fn run_beside<R: Send + 'static>(work: impl FnOnce(UiHandle) -> R + Send + 'static) -> R {
    let (windows, requests) = mpsc::channel();
    let waiting = Arc::new(AtomicUsize::new(0));
    let handle = UiHandle { windows, waiting: waiting.clone() };
    let worker = std::thread::Builder::new()
        .name("kyso-work".into())
        .spawn(move || work(handle))
        .unwrap_or_else(|error| panic!("cannot start the agent's thread: {error}"));
    let face = fonts::vietnamese_face();
    if face.is_none() {
        tracing::warn!("no system font with Vietnamese letters found; the windows use egui's own");
    }
    while let Ok(job) = requests.recv() {
        waiting.fetch_sub(1, Ordering::SeqCst);
        // A window that fails must not take the agent down: its request gets an error (its
        // channels are dropped) and the next window is tried.
        let face = face.clone();
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| show(job, face))).is_err() {
            tracing::error!("a window failed; its request was refused");
        }
    }
    match worker.join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
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
    };
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title(title.get(lang))
            .with_app_id("kyso-agent")
            .with_inner_size(size)
            .with_min_inner_size([480.0, 300.0])
            .with_always_on_top()
            .with_active(true),
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
