//! The PIN tab: for the chosen token, when its PIN was last changed, and a form to change it
//! (current, new, new again) with C_SetPIN. A PIN-pad token or a locked PIN is explained
//! instead of the form. The typed PINs are wiped once handed to the token.

use eframe::egui::{self, RichText};
use zeroize::Zeroize;

use super::{Background, Notice, SettingsParts};
use crate::i18n::{Bilingual, Lang, Text};
use crate::pin_change;
use crate::token::TokenCertificate;

/// The token's answer to "can its PIN be changed here?": `Some(why)` when not.
type Refusal = Background<Result<Option<Bilingual>, Bilingual>>;

/// The tab's state.
#[derive(Default)]
pub struct PinTab {
    /// The token, by serial.
    selected: Option<String>,
    current: String,
    new: String,
    repeat: String,
    /// Why the selected token's PIN cannot be changed here, checked when it is chosen.
    refusal: Option<(String, Refusal)>,
    changing: Option<(String, Background<Result<(), Bilingual>>)>,
    notice: Option<Notice>,
    /// What the record says of the selected token's PIN age.
    age: Option<(String, Option<Bilingual>)>,
}

impl Drop for PinTab {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl PinTab {
    /// Whether a change is under way (the window must not close before it ends).
    pub fn busy(&self) -> bool {
        self.changing.is_some()
    }

    fn wipe(&mut self) {
        self.current.zeroize();
        self.new.zeroize();
        self.repeat.zeroize();
    }

    pub fn show(&mut self, ui: &mut egui::Ui, parts: &SettingsParts, found: &[TokenCertificate], lang: Lang) {
        let tokens = pin_change::tokens_of(found);
        if tokens.is_empty() {
            ui.label(Text::NoTokens.get(lang));
            return;
        }
        let serial = match &self.selected {
            Some(serial) if tokens.iter().any(|t| &t.token.serial == serial) => serial.clone(),
            _ => tokens[0].token.serial.clone(),
        };
        let mut chosen = serial.clone();
        ui.label(RichText::new(Text::PinRule.get(lang)));
        ui.add_space(6.0);
        egui::ComboBox::from_label(Text::Token.get(lang))
            .selected_text(label_of(&tokens, &serial))
            .width(320.0)
            .show_ui(ui, |ui| {
                for token in &tokens {
                    ui.selectable_value(
                        &mut chosen,
                        token.token.serial.clone(),
                        label_of(&tokens, &token.token.serial),
                    );
                }
            });
        if self.selected.as_deref() != Some(&chosen) {
            self.selected = Some(chosen.clone());
            self.notice = None;
            self.wipe();
        }
        let Some(token) = tokens.iter().find(|t| t.token.serial == chosen).copied() else { return };
        // When the PIN was last changed: read once per token, and again after a change.
        if self.age.as_ref().is_none_or(|(serial, _)| serial != &chosen) {
            let age = crate::pin_age::PinAges::for_this_user().and_then(|ages| ages.describe(&chosen));
            self.age = Some((chosen.clone(), age));
        }
        if let Some((_, Some(age))) = &self.age {
            ui.label(RichText::new(age.get(lang)).weak());
        }
        ui.add_space(8.0);
        self.finish_change(token);

        // Whether this token's PIN can be changed here is asked of the token once.
        if self.refusal.as_ref().is_none_or(|(serial, _)| serial != &chosen) {
            let (tokens_service, token) = (parts.signer.tokens().clone(), token.clone());
            let check =
                Background::run(
                    &parts.runtime,
                    ui.ctx(),
                    async move { pin_change::refusal(&tokens_service, &token).await },
                );
            self.refusal = Some((chosen.clone(), check));
        }
        let refusal = self.refusal.as_mut().and_then(|(_, check)| check.poll().cloned());
        match refusal {
            None => {
                ui.spinner();
                self.show_notice(ui, lang);
                return;
            }
            Some(Ok(Some(why)) | Err(why)) => {
                ui.label(RichText::new(why.get(lang)).color(ui.visuals().warn_fg_color));
                self.show_notice(ui, lang);
                return;
            }
            Some(Ok(None)) => {}
        }

        let busy = self.busy();
        let mut submit = false;
        egui::Grid::new("pin-change").num_columns(2).spacing([12.0, 8.0]).show(ui, |ui| {
            for (text, field) in [
                (Text::CurrentPin, &mut self.current),
                (Text::NewPin, &mut self.new),
                (Text::RepeatPin, &mut self.repeat),
            ] {
                ui.label(text.get(lang));
                let edit = ui.add_enabled(!busy, egui::TextEdit::singleline(field).password(true).desired_width(220.0));
                submit |= edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.end_row();
            }
        });
        ui.add_space(6.0);
        let ready = !busy && !self.current.is_empty() && !self.new.is_empty() && !self.repeat.is_empty();
        ui.horizontal(|ui| {
            let text = if busy { Text::ChangingPin } else { Text::ChangePin };
            submit |= ui
                .add_enabled(
                    ready,
                    egui::Button::new(RichText::new(text.get(lang)).size(15.0)).min_size([160.0, 32.0].into()),
                )
                .clicked();
            if busy {
                ui.spinner();
            }
        });
        if submit && ready {
            self.start_change(parts, ui.ctx(), token);
        }
        self.show_notice(ui, lang);
    }

    fn show_notice(&self, ui: &mut egui::Ui, lang: Lang) {
        if let Some(notice) = &self.notice {
            ui.add_space(6.0);
            notice.show(ui, lang);
        }
    }

    fn start_change(&mut self, parts: &SettingsParts, ctx: &egui::Context, token: &TokenCertificate) {
        let old = std::mem::take(&mut self.current).into();
        let new = std::mem::take(&mut self.new).into();
        let repeat = std::mem::take(&mut self.repeat).into();
        let (tokens, token_owned) = (parts.signer.tokens().clone(), token.clone());
        let work = async move { pin_change::change(&tokens, &token_owned, old, new, &repeat).await };
        self.changing = Some((token.token.serial.clone(), Background::run(&parts.runtime, ctx, work)));
        self.notice = None;
    }

    fn finish_change(&mut self, token: &TokenCertificate) {
        let Some((serial, changing)) = &mut self.changing else { return };
        let Some(result) = changing.take() else { return };
        let label = if *serial == token.token.serial { token.token.label.clone() } else { serial.clone() };
        self.notice = Some(match result {
            Ok(()) => Notice { ok: true, text: Bilingual::fill(Text::PinChanged, &[("token", &label)]) },
            Err(why) => Notice { ok: false, text: why },
        });
        self.changing = None;
        // The token's state may have changed (locked after a wrong PIN), and its record: ask again.
        self.refusal = None;
        self.age = None;
    }
}

fn label_of(tokens: &[&TokenCertificate], serial: &str) -> String {
    tokens
        .iter()
        .find(|t| t.token.serial == serial)
        .map_or_else(|| serial.to_owned(), |t| format!("{} ({})", t.token.label, t.token.serial))
}
