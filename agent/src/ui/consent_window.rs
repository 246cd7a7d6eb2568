//! The consent window: who asks, for what act, which documents, with which certificate; the
//! PIN; then, while the token signs, its progress; then how it ended. It is a native window
//! on top of the others, which no web page can reach or drive. Enter signs only with a PIN
//! typed; Escape and closing the window cancel.

use std::sync::atomic::Ordering;
use std::sync::mpsc::TryRecvError;
use std::time::{Duration, Instant};

use eframe::egui::{self, Align, Color32, Key, Layout, RichText};
use kyso_protocol::PinState;
use zeroize::Zeroize;

use super::preview::{self, PreviewImage};
use super::session::{Event, Opened, Summary};
use super::viewer::{ViewError, ViewerCopies};
use crate::i18n::{Lang, Text};
use crate::prompt::{Consent, act_text, human_size};

/// How long a summary stays when nothing else waits.
const SUMMARY_TIME: Duration = Duration::from_secs(30);
/// How often the window looks for news from the request while nothing happens on screen.
const POLL: Duration = Duration::from_millis(150);
const WARNING: Color32 = Color32::from_rgb(0xB0, 0x3A, 0x00);
const ERROR: Color32 = Color32::from_rgb(0xB0, 0x00, 0x20);
const GOOD: Color32 = Color32::from_rgb(0x1B, 0x6E, 0x20);
pub(super) const SIGN: Color32 = Color32::from_rgb(0x0B, 0x57, 0xD0);
pub(super) const BUTTON: egui::Vec2 = egui::vec2(96.0, 32.0);

enum Stage {
    /// Waiting for the PIN (or, for a PIN pad, for Sign) until `deadline`.
    Asking { deadline: Instant },
    /// The token works.
    Working,
    /// The request ended; the window closes at `until`.
    Done { summary: Summary, until: Instant },
}

/// One request's window.
pub struct ConsentWindow {
    opened: Opened,
    stage: Stage,
    pin: String,
    /// Wrong PINs typed in this window, and what the token said after the last one.
    wrong: u32,
    token_state: PinState,
    first_frame: bool,
    viewer: ViewerCopies,
    view_error: Option<String>,
    /// The document whose signature place is previewed.
    previewed: usize,
    preview_image: PreviewImage,
    /// An answer was sent for the current question.
    answered: bool,
}

impl Drop for ConsentWindow {
    fn drop(&mut self) {
        self.pin.zeroize();
    }
}

impl ConsentWindow {
    pub fn new(opened: Opened) -> Self {
        let token_state = opened.request.pin;
        let deadline = Instant::now() + opened.timeout;
        Self {
            opened,
            stage: Stage::Asking { deadline },
            pin: String::new(),
            wrong: 0,
            token_state,
            first_frame: true,
            viewer: ViewerCopies::new(),
            view_error: None,
            previewed: 0,
            preview_image: PreviewImage::default(),
            answered: false,
        }
    }

    /// The window's size: room for the heading, the certificate, up to a few documents, and
    /// the preview when a signature is visible.
    pub fn size(request: &crate::prompt::ConsentRequest) -> [f32; 2] {
        let documents = request.documents.len().min(6) as f32;
        let preview = if request.documents.iter().any(|d| d.preview.is_some()) { 200.0 } else { 0.0 };
        [600.0, 470.0 + 26.0 * documents + preview]
    }

    fn t(&self, text: Text) -> &'static str {
        text.get(self.opened.lang)
    }

    fn lang(&self) -> Lang {
        self.opened.lang
    }

    fn answer(&mut self, consent: Consent) {
        if !self.answered {
            let _ = self.opened.answers.send(consent);
            self.answered = true;
        }
    }

    fn sign(&mut self) {
        let consent = if self.opened.request.pin_pad {
            Consent::PinPad
        } else if self.pin.is_empty() {
            return;
        } else {
            let pin = std::mem::take(&mut self.pin);
            Consent::Pin(pin.into())
        };
        self.answer(consent);
        self.stage = Stage::Working;
    }

    fn refuse(&mut self, ctx: &egui::Context) {
        self.answer(Consent::Refused);
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// Takes what the request reports.
    fn follow_request(&mut self, ctx: &egui::Context) {
        loop {
            match self.opened.events.try_recv() {
                Ok(Event::WrongPin(state)) => {
                    self.wrong += 1;
                    self.token_state = state;
                    self.answered = false;
                    self.stage = Stage::Asking { deadline: Instant::now() + self.opened.timeout };
                }
                Ok(Event::Finished(summary)) => {
                    let clean = summary.error.is_none() && summary.failed.is_empty();
                    if clean && summary.total <= 1 {
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                    self.stage = Stage::Done { summary, until: Instant::now() + SUMMARY_TIME };
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    // The request went away without a word (its caller left): nothing to show.
                    if !matches!(self.stage, Stage::Done { .. }) {
                        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    }
                    return;
                }
            }
        }
    }

    fn keys_and_time(&mut self, ctx: &egui::Context) {
        let closing = ctx.input(|i| i.viewport().close_requested());
        let escape = ctx.input(|i| i.key_pressed(Key::Escape));
        match &self.stage {
            Stage::Asking { deadline } => {
                if closing || escape || Instant::now() >= *deadline {
                    self.refuse(ctx);
                }
            }
            Stage::Working => {
                if closing || escape {
                    self.opened.progress.stop();
                }
            }
            Stage::Done { until, .. } => {
                let others_wait = self.opened.waiting.load(Ordering::SeqCst) > 0;
                if escape || others_wait || Instant::now() >= *until {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            }
        }
    }

    fn heading(&self, ui: &mut egui::Ui) {
        let request = &self.opened.request;
        ui.label(RichText::new(&request.origin).size(24.0).strong());
        ui.label(RichText::new(self.t(Text::AsksYouToSign)).size(15.0));
        ui.add_space(6.0);
        egui::Grid::new("act").num_columns(2).spacing([12.0, 4.0]).show(ui, |ui| {
            ui.label(self.t(Text::Act));
            ui.label(RichText::new(act_text(&request.act).get(self.lang())).strong());
            ui.end_row();
            if let Some(level) = &request.level {
                ui.label(self.t(Text::Level));
                ui.label(level);
                ui.end_row();
            }
        });
    }

    fn documents(&mut self, ui: &mut egui::Ui) {
        let count = self.opened.request.documents.len().to_string();
        ui.label(RichText::new(Text::Documents.fill(self.lang(), &[("count", &count)])).strong());
        let mut view = None;
        let mut preview_of = None;
        egui::ScrollArea::vertical().max_height(170.0).id_salt("documents").show(ui, |ui| {
            for (index, doc) in self.opened.request.documents.iter().enumerate() {
                ui.horizontal(|ui| {
                    let (algorithm, digest) = &doc.digest;
                    let mut facts = Vec::new();
                    match doc.pages {
                        Some(1) => facts.push(Text::OnePage.get(self.opened.lang).to_owned()),
                        Some(pages) => facts.push(Text::Pages.fill(self.opened.lang, &[("count", &pages.to_string())])),
                        None => {}
                    }
                    facts.push(doc.size.map_or_else(|| Text::DigestOnly.get(self.opened.lang).to_owned(), human_size));
                    facts.push(format!("{algorithm} {}…", digest.get(..12).unwrap_or(digest)));
                    if doc.file.is_some()
                        && ui
                            .button(Text::View.get(self.opened.lang))
                            .on_hover_text(Text::ViewHint.get(self.opened.lang))
                            .clicked()
                    {
                        view = Some(index);
                    }
                    let name = RichText::new(&doc.name).strong();
                    if doc.preview.is_some() && self.opened.request.documents.len() > 1 {
                        // In a batch, a name shows that document's signature place.
                        if ui.selectable_label(self.previewed == index, name).clicked() {
                            preview_of = Some(index);
                        }
                    } else {
                        ui.label(name);
                    }
                    ui.label(RichText::new(facts.join(" · ")).weak());
                });
            }
        });
        if let Some(index) = view {
            self.view(index);
        }
        if let Some(index) = preview_of {
            self.previewed = index;
        }
        if let Some(error) = &self.view_error {
            ui.colored_label(ERROR, error);
        }
    }

    /// The previewed document's page with the signature's place.
    fn preview(&mut self, ui: &mut egui::Ui) {
        let lang = self.lang();
        let Some(doc) = self.opened.request.documents.get(self.previewed) else { return };
        let Some(shown) = &doc.preview else { return };
        ui.separator();
        ui.label(RichText::new(Text::SignaturePlace.get(lang)).strong());
        ui.horizontal(|ui| {
            preview::show(ui, shown, &mut self.preview_image);
            ui.vertical(|ui| {
                let pages = doc.pages.unwrap_or(shown.placed.page).to_string();
                ui.label(Text::PageOf.fill(lang, &[("page", &shown.placed.page.to_string()), ("pages", &pages)]));
                ui.label(RichText::new(&doc.name).weak());
                ui.label(RichText::new(act_text(&self.opened.request.act).get(lang)).weak());
            });
        });
    }

    fn view(&mut self, index: usize) {
        let doc = &self.opened.request.documents[index];
        let Some(file) = &doc.file else { return };
        let (algorithm, digest) = &doc.digest;
        let expected = (algorithm == "SHA-256").then_some(digest.as_str());
        self.view_error = match self.viewer.open(file, &doc.name, expected) {
            Ok(()) => None,
            Err(ViewError::Changed) => {
                Some(Text::ViewFailed.fill(self.lang(), &[("reason", self.t(Text::ViewChanged))]))
            }
            Err(ViewError::Io(error)) => Some(Text::ViewFailed.fill(self.lang(), &[("reason", &error.to_string())])),
        };
    }

    fn certificate(&self, ui: &mut egui::Ui) {
        let request = &self.opened.request;
        ui.label(RichText::new(self.t(Text::Certificate)).strong());
        egui::Grid::new("certificate").num_columns(2).spacing([12.0, 3.0]).show(ui, |ui| {
            for (label, value) in [
                (Text::Signer, request.signer.as_str()),
                (Text::IssuedBy, request.issuer.as_str()),
                (Text::Expires, request.expires.as_str()),
                (Text::Token, request.token.as_str()),
            ] {
                ui.label(self.t(label));
                ui.label(value);
                ui.end_row();
            }
        });
        let status = request.certificate_status.get(self.lang());
        let good = request.certificate_status.en.starts_with("Certificate valid");
        ui.colored_label(if good { GOOD } else { WARNING }, status);
        if let Some(reminder) = &request.reminder {
            ui.colored_label(WARNING, reminder.get(self.lang()));
        }
    }

    /// The PIN field (or the PIN-pad note), the warnings, and the buttons.
    fn asking(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) {
        let token = [("token", self.opened.request.token.as_str())];
        if self.wrong > 0 {
            ui.colored_label(ERROR, Text::PinWrong.fill(self.lang(), &[("count", &self.wrong.to_string())]));
            // PKCS#11 gives flags, not a count: "final try", or nothing more to say than that.
            if self.token_state.final_try {
                ui.colored_label(ERROR, self.t(Text::FinalTry));
            } else {
                ui.colored_label(WARNING, self.t(Text::TriesUnknown));
            }
        } else if self.token_state.final_try {
            ui.colored_label(ERROR, self.t(Text::FinalTry));
        } else if self.token_state.count_low {
            ui.colored_label(WARNING, self.t(Text::TriesLow));
        }
        // The PIN field always has the keyboard, so Enter anywhere means "sign" (with the PIN
        // typed; for a PIN pad, go on to the pad).
        let enter = ui.input(|i| i.key_pressed(Key::Enter));
        if self.opened.request.pin_pad {
            ui.label(Text::PinPad.fill(self.lang(), &token));
        } else {
            ui.label(Text::PinHint.fill(self.lang(), &token));
            ui.horizontal(|ui| {
                ui.label(RichText::new(self.t(Text::PinLabel)).strong());
                let field = ui.add(egui::TextEdit::singleline(&mut self.pin).password(true).desired_width(220.0));
                // The keyboard always types the PIN here, even after a click on View or
                // elsewhere: a clerk types, and the PIN never lands anywhere else.
                if !field.has_focus() {
                    field.request_focus();
                }
            });
        }
        ui.add_space(6.0);
        buttons_row(ui, |ui| {
            let can_sign = self.opened.request.pin_pad || !self.pin.is_empty();
            let sign_text = RichText::new(self.t(Text::Sign)).strong().size(16.0).color(Color32::WHITE);
            let sign = ui.add_enabled(can_sign, egui::Button::new(sign_text).fill(SIGN).min_size(BUTTON));
            let cancel = ui.add(egui::Button::new(RichText::new(self.t(Text::Cancel)).size(16.0)).min_size(BUTTON));
            if cancel.clicked() {
                self.refuse(ctx);
            } else if sign.clicked() || (enter && can_sign) {
                self.sign();
            }
        });
    }

    /// The token at work: a spinner, and for a batch how far it got, with a Cancel that stops
    /// it before the next document.
    fn working(&self, ui: &mut egui::Ui) {
        let total = self.opened.request.documents.len();
        let done = self.opened.progress.done().min(total);
        ui.horizontal(|ui| {
            ui.spinner();
            let text = if self.opened.request.pin_pad && done == 0 { Text::PinPadWaiting } else { Text::Signing };
            ui.label(RichText::new(self.t(text)).size(16.0));
        });
        if total > 1 {
            #[allow(clippy::cast_precision_loss, reason = "a batch holds at most 500 documents")]
            let fraction = done as f32 / total as f32;
            ui.add(egui::ProgressBar::new(fraction).text(format!("{done}/{total}")));
        }
        if self.opened.progress.stopped() {
            ui.colored_label(WARNING, self.t(Text::CancelWhileSigning));
        } else if total > 1 {
            buttons_row(ui, |ui| {
                if ui.add(egui::Button::new(RichText::new(self.t(Text::Cancel)).size(16.0)).min_size(BUTTON)).clicked()
                {
                    self.opened.progress.stop();
                }
            });
        }
    }

    fn done(&self, ui: &mut egui::Ui, ctx: &egui::Context, summary: &Summary) {
        let lang = self.lang();
        match summary.error {
            Some(kyso_protocol::ErrorCode::UserCancelled) => {
                ui.colored_label(WARNING, self.t(Text::Cancelled));
            }
            Some(kyso_protocol::ErrorCode::PinLocked) => {
                ui.colored_label(ERROR, self.t(Text::Locked));
            }
            Some(code) => {
                ui.colored_label(ERROR, Text::NotSigned.fill(lang, &[("reason", message(code, lang))]));
            }
            None => {
                let signed = summary.total - summary.failed.len();
                let text = if summary.total == 1 {
                    self.t(Text::SignedOne).to_owned()
                } else {
                    Text::SignedAll.fill(lang, &[("count", &format!("{signed}/{}", summary.total))])
                };
                ui.colored_label(
                    if summary.failed.is_empty() { GOOD } else { WARNING },
                    RichText::new(text).size(16.0),
                );
                let stopped = kyso_protocol::ErrorCode::UserCancelled;
                if summary.failed.iter().any(|(_, code)| *code == stopped) {
                    ui.colored_label(WARNING, self.t(Text::Stopped));
                }
                for (name, code) in summary.failed.iter().filter(|(_, code)| *code != stopped) {
                    ui.colored_label(ERROR, format!("{name}: {}", message(*code, lang)));
                }
            }
        }
        buttons_row(ui, |ui| {
            if ui.add(egui::Button::new(RichText::new(self.t(Text::Close)).size(16.0)).min_size(BUTTON)).clicked() {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
    }
}

/// A row of buttons from the right edge, only as tall as they are.
pub(super) fn buttons_row(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui)) {
    let size = egui::vec2(ui.available_width(), BUTTON.y);
    ui.allocate_ui_with_layout(size, Layout::right_to_left(Align::Center), add);
}

/// The error catalogue's message for `code` in `lang`.
fn message(code: kyso_protocol::ErrorCode, lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => code.message_vi(),
        Lang::En => code.message_en(),
    }
}

impl eframe::App for ConsentWindow {
    fn update(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.first_frame {
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        self.follow_request(ctx);
        self.keys_and_time(ctx);

        egui::TopBottomPanel::bottom("answer").show(ctx, |ui| {
            ui.add_space(8.0);
            match &self.stage {
                Stage::Asking { .. } => self.asking(ui, ctx),
                Stage::Working => self.working(ui),
                Stage::Done { summary, .. } => {
                    let summary = summary.clone();
                    self.done(ui, ctx, &summary);
                }
            }
            ui.add_space(8.0);
        });
        egui::CentralPanel::default().show(ctx, |ui| {
            egui::ScrollArea::vertical().id_salt("request").show(ui, |ui| {
                self.heading(ui);
                ui.separator();
                self.documents(ui);
                self.preview(ui);
                ui.separator();
                self.certificate(ui);
                ui.add_space(4.0);
                ui.label(RichText::new(self.t(Text::NeverInPage)).small().weak());
            });
        });
        self.first_frame = false;
        ctx.request_repaint_after(POLL);
    }
}
