//! Kyso's own windows, on the main thread (as desktop toolkits require), while the server and
//! the token worker run on others. Requests reach the UI thread through a [`UiHandle`]; each
//! gets its own window, one at a time, in the order asked.

mod consent_window;
mod fonts;
mod session;
mod viewer;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

pub use fonts::{covers, vietnamese_face};
pub use session::{Session, Summary, UiHandle};

use consent_window::ConsentWindow;
use session::Opened;

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
    while let Ok(opened) = requests.recv() {
        waiting.fetch_sub(1, Ordering::SeqCst);
        show(opened, face.clone());
    }
    match worker.join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Shows one request's window until it closes. A window that cannot open drops the request's
/// channels, which the request sees as [`crate::prompt::PromptError::Window`].
fn show(opened: Opened, face: Option<Arc<Vec<u8>>>) {
    let title = crate::i18n::Text::WindowTitle.get(opened.lang);
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title(title)
            .with_app_id("kyso-agent")
            .with_inner_size(ConsentWindow::size(opened.request.documents.len()))
            .with_min_inner_size([480.0, 380.0])
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
            Ok(Box::new(ConsentWindow::new(opened)))
        }),
    );
    if let Err(error) = result {
        tracing::error!(%error, "cannot show the consent window");
    }
}
