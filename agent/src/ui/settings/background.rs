//! Token and disk work started from a window runs on the agent's runtime, never on the UI
//! thread, so the window keeps drawing (and its Close keeps working) while a token answers.

use std::sync::mpsc;

use eframe::egui;

/// Work running elsewhere; its result once done.
pub struct Background<T> {
    result: mpsc::Receiver<T>,
    done: Option<T>,
}

impl<T: Send + 'static> Background<T> {
    /// Runs `work` on `runtime`; the window is redrawn when it is done.
    pub fn run(
        runtime: &tokio::runtime::Handle,
        ctx: &egui::Context,
        work: impl Future<Output = T> + Send + 'static,
    ) -> Self {
        let (send, result) = mpsc::channel();
        let ctx = ctx.clone();
        runtime.spawn(async move {
            let _ = send.send(work.await);
            ctx.request_repaint();
        });
        Self { result, done: None }
    }

    /// The result, once there is one.
    pub fn poll(&mut self) -> Option<&T> {
        if self.done.is_none() {
            self.done = self.result.try_recv().ok();
        }
        self.done.as_ref()
    }

    /// The result, taken, once there is one.
    pub fn take(&mut self) -> Option<T> {
        self.poll();
        self.done.take()
    }
}
