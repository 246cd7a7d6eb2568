//! Settings, opened from the tray: per certificate the signature and seal images and the
//! defaults for requests that do not say (level, act per portal); the token PIN; the language;
//! and what the administrator's policy fixes, read-only. Every change applies at once, so
//! there is nothing to lose on closing.
//!
//! A signing request comes first: while a consent window waits, Settings closes, and it opens
//! again when the request is done (a PIN change under way finishes first).

mod background;
mod certificates_tab;
mod general_tab;
mod pin_tab;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use eframe::egui::{self, RichText};

use super::consent_window::{BUTTON, buttons_row};
use crate::i18n::{Bilingual, Lang, Text};
use crate::signing::Signer;
use crate::token::TokenCertificate;
use background::Background;

/// What Settings works with.
#[derive(Debug)]
pub struct SettingsParts {
    /// The tokens, the images and the defaults.
    pub signer: Signer,
    /// For token calls.
    pub runtime: tokio::runtime::Handle,
    /// The language, which Settings can switch.
    pub lang: crate::i18n::Language,
    /// The allowed origins, for the per-portal acts.
    pub origins: Vec<String>,
    /// Every value the policy sets, `key = value`.
    pub policy: Vec<(String, String)>,
}

/// A Settings window to open, as the UI thread receives it.
#[derive(Debug, Clone)]
pub struct Opening {
    pub parts: Arc<SettingsParts>,
    /// Windows waiting to be shown; Settings gives way to them.
    pub waiting: Arc<AtomicUsize>,
    /// Set when Settings closed to give way, so that it opens again after.
    pub gave_way: Arc<AtomicBool>,
    /// Where the user was, for opening again as they left it.
    pub resume: Arc<Mutex<Resume>>,
}

impl Opening {
    /// Settings again, as it was, when it closed to give way to a request.
    pub fn to_reopen(&self) -> Option<Self> {
        self.gave_way.load(Ordering::SeqCst).then(|| Self { gave_way: Arc::default(), ..self.clone() })
    }
}

/// The tab and certificate shown when Settings gave way.
#[derive(Debug, Default, Clone)]
pub struct Resume {
    tab: Tab,
    certificate: Option<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Tab {
    #[default]
    Certificates,
    Pin,
    General,
}

/// A message under a tab: how the last change went.
#[derive(Clone)]
pub struct Notice {
    pub ok: bool,
    pub text: Bilingual,
}

impl Notice {
    fn show(&self, ui: &mut egui::Ui, lang: Lang) {
        let color = if self.ok { egui::Color32::from_rgb(0x13, 0x73, 0x33) } else { ui.visuals().error_fg_color };
        ui.label(RichText::new(self.text.get(lang)).color(color));
    }
}

/// The Settings window.
pub struct SettingsWindow {
    opening: Opening,
    lang: Lang,
    tab: Tab,
    tokens: Background<Result<Vec<TokenCertificate>, String>>,
    certificates: certificates_tab::CertificatesTab,
    pin: pin_tab::PinTab,
}

impl SettingsWindow {
    pub fn new(opening: Opening, ctx: &egui::Context) -> Self {
        let parts = opening.parts.clone();
        let tokens = Background::run(&parts.runtime, ctx, {
            let parts = parts.clone();
            async move { parts.signer.tokens().certificates().await.map_err(|e| e.to_string()) }
        });
        let resume = opening.resume.lock().map(|r| r.clone()).unwrap_or_default();
        Self {
            lang: parts.lang.get(),
            tab: resume.tab,
            tokens,
            certificates: certificates_tab::CertificatesTab::showing(resume.certificate),
            pin: pin_tab::PinTab::default(),
            opening,
        }
    }

    pub const SIZE: [f32; 2] = [680.0, 600.0];

    /// Whether to close for a request waiting to be shown.
    fn should_give_way(&self) -> bool {
        self.opening.waiting.load(Ordering::SeqCst) > 0 && !self.pin.busy()
    }
}

impl eframe::App for SettingsWindow {
    fn update(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let parts = self.opening.parts.clone();
        let lang = parts.lang.get();
        if lang != self.lang {
            self.lang = lang;
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(Text::SettingsTitle.get(lang).to_owned()));
        }
        if self.should_give_way() {
            if let Ok(mut resume) = self.opening.resume.lock() {
                *resume = Resume { tab: self.tab, certificate: self.certificates.selected() };
            }
            self.opening.gave_way.store(true, Ordering::SeqCst);
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        let picking = self.certificates.picking();
        let mut close = !picking && ctx.input(|i| i.key_pressed(egui::Key::Escape));
        let closing = ctx.input(|i| i.viewport().close_requested());
        if closing && self.pin.busy() {
            // The token is changing its PIN: the window stays until it says how that went.
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
        }
        close |= closing;

        egui::TopBottomPanel::top("tabs").show(ctx, |ui| {
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                for (tab, text) in [
                    (Tab::Certificates, Text::TabCertificates),
                    (Tab::Pin, Text::PinLabel),
                    (Tab::General, Text::TabGeneral),
                ] {
                    ui.selectable_value(&mut self.tab, tab, RichText::new(text.get(lang)).size(16.0));
                }
            });
            ui.add_space(4.0);
        });
        egui::TopBottomPanel::bottom("close").show(ctx, |ui| {
            ui.add_space(8.0);
            buttons_row(ui, |ui| {
                close |= ui
                    .add(egui::Button::new(RichText::new(Text::Close.get(lang)).size(16.0)).min_size(BUTTON))
                    .clicked();
                ui.label(RichText::new(Text::SettingsApplyAtOnce.get(lang)).weak());
            });
            ui.add_space(8.0);
        });
        egui::CentralPanel::default().show(ctx, |ui| {
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match self.tab {
                Tab::General => general_tab::show(ui, &parts, lang),
                Tab::Certificates | Tab::Pin => match self.tokens.poll() {
                    None => {
                        ui.spinner();
                        ui.label(Text::Loading.get(lang));
                    }
                    Some(Err(reason)) => {
                        ui.label(Text::TokensUnreadable.fill(lang, &[("reason", reason)]));
                    }
                    Some(Ok(found)) => {
                        if self.tab == Tab::Certificates {
                            self.certificates.show(ui, &parts, found, lang);
                        } else {
                            self.pin.show(ui, &parts, found, lang);
                        }
                    }
                },
            });
        });
        self.certificates.pick(ctx, &parts);
        if close && !self.pin.busy() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        // Requests waiting are noticed within a quarter second.
        ctx.request_repaint_after(std::time::Duration::from_millis(250));
    }
}
