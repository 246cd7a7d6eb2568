//! About Kyso: the version, the port, and the portals the administrator allowed, so a clerk
//! can read them to the support desk.

use eframe::egui::{self, RichText};

use super::consent_window::{BUTTON, buttons_row};
use crate::i18n::{Lang, Text};

/// What About shows.
#[derive(Debug, Clone)]
pub struct AboutInfo {
    pub version: String,
    pub port: u16,
    /// The allowed origins; `None` for `danger_allow_any_origin`.
    pub origins: Option<Vec<String>>,
    pub log_dir: String,
}

/// The About window.
pub struct AboutWindow {
    info: AboutInfo,
    lang: Lang,
}

impl AboutWindow {
    pub fn new(info: AboutInfo, lang: Lang) -> Self {
        Self { info, lang }
    }

    pub fn size(info: &AboutInfo) -> [f32; 2] {
        let origins = info.origins.as_ref().map_or(1, Vec::len).clamp(1, 8) as f32;
        [560.0, 250.0 + 22.0 * origins]
    }
}

impl eframe::App for AboutWindow {
    fn update(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let lang = self.lang;
        let mut close = ctx.input(|i| i.key_pressed(egui::Key::Escape) || i.key_pressed(egui::Key::Enter));
        egui::TopBottomPanel::bottom("close").show(ctx, |ui| {
            ui.add_space(8.0);
            buttons_row(ui, |ui| {
                close |= ui
                    .add(egui::Button::new(RichText::new(Text::Close.get(lang)).size(16.0)).min_size(BUTTON))
                    .clicked();
            });
            ui.add_space(8.0);
        });
        egui::CentralPanel::default().show(ctx, |ui| {
            ui.label(RichText::new("Kyso").size(24.0).strong());
            ui.label(Text::AboutWhat.get(lang));
            ui.add_space(6.0);
            egui::Grid::new("about").num_columns(2).spacing([12.0, 4.0]).show(ui, |ui| {
                ui.label(Text::Version.get(lang));
                ui.label(&self.info.version);
                ui.end_row();
                ui.label(Text::Port.get(lang));
                ui.label(format!("https://127.0.0.1:{}", self.info.port));
                ui.end_row();
                ui.label(Text::LogFolder.get(lang));
                ui.label(&self.info.log_dir);
                ui.end_row();
            });
            ui.add_space(6.0);
            ui.label(RichText::new(Text::AllowedOrigins.get(lang)).strong());
            match &self.info.origins {
                None => {
                    ui.label(Text::AnyOrigin.get(lang));
                }
                Some(list) if list.is_empty() => {
                    ui.label(Text::NoOrigins.get(lang));
                }
                Some(list) => {
                    for origin in list {
                        ui.label(origin);
                    }
                }
            }
        });
        if close || ctx.input(|i| i.viewport().close_requested()) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }
}
