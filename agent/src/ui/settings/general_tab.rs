//! The General tab: the language, and every value the administrator's policy sets, read-only,
//! so a clerk can see why something cannot be changed and read it to the support desk.

use eframe::egui::{self, RichText};

use super::SettingsParts;
use crate::i18n::{Lang, Text};

pub fn show(ui: &mut egui::Ui, parts: &SettingsParts, lang: Lang) {
    ui.label(RichText::new(Text::LanguageHeading.get(lang)).strong().size(16.0));
    if parts.lang.fixed() {
        ui.label(format!("{} ({})", language_name(lang), Text::SetByAdmin.get(lang)));
    } else {
        let mut chosen = lang;
        ui.horizontal(|ui| {
            ui.radio_value(&mut chosen, Lang::Vi, language_name(Lang::Vi));
            ui.radio_value(&mut chosen, Lang::En, language_name(Lang::En));
        });
        if chosen != lang
            && let Err(error) = parts.lang.set(chosen)
        {
            tracing::warn!(%error, "cannot keep the language chosen");
        }
    }
    ui.add_space(12.0);
    ui.label(RichText::new(Text::PolicyHeading.get(lang)).strong().size(16.0));
    if parts.policy.is_empty() {
        ui.label(Text::NoPolicy.get(lang));
        return;
    }
    egui::Grid::new("policy").num_columns(2).spacing([16.0, 4.0]).striped(true).show(ui, |ui| {
        for (key, value) in &parts.policy {
            ui.label(RichText::new(key).monospace());
            ui.add(egui::Label::new(value).wrap());
            ui.end_row();
        }
    });
}

/// Each language named in itself.
fn language_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "Tiếng Việt",
        Lang::En => "English",
    }
}
