//! The certificate chooser, for calls that do not name a certificate (the plugin protocol's
//! portals) when several on the tokens can sign: each with its holder, issuer, expiry and
//! token; the one last chosen for the origin comes selected. Up and Down move, Enter
//! continues to the consent window, Escape or closing cancels.

use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, Key, RichText};

use super::consent_window::{BUTTON, SIGN, buttons_row};
use super::session::Choosing;
use crate::i18n::Text;

const POLL: Duration = Duration::from_millis(250);

/// One chooser window.
pub struct ChooserWindow {
    choosing: Option<Choosing>,
    selected: usize,
    deadline: Instant,
    first_frame: bool,
}

impl ChooserWindow {
    pub fn new(choosing: Choosing) -> Self {
        let selected = choosing.request.preselected.min(choosing.request.choices.len().saturating_sub(1));
        let deadline = Instant::now() + choosing.timeout;
        Self { choosing: Some(choosing), selected, deadline, first_frame: true }
    }

    /// Room for the heading and up to five certificates.
    pub fn size(choices: usize) -> [f32; 2] {
        [600.0, 230.0 + 62.0 * choices.min(5) as f32]
    }

    /// Sends the answer (once) and closes.
    fn answer(&mut self, ctx: &egui::Context, chosen: Option<usize>) {
        if let Some(choosing) = self.choosing.take() {
            let _ = choosing.answer.send(chosen);
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

impl eframe::App for ChooserWindow {
    fn update(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.first_frame {
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            self.first_frame = false;
        }
        let Some(choosing) = &self.choosing else { return };
        let (lang, count) = (choosing.lang, choosing.request.choices.len());
        let (up, down, enter, escape, closing) = ctx.input(|i| {
            (
                i.key_pressed(Key::ArrowUp),
                i.key_pressed(Key::ArrowDown),
                i.key_pressed(Key::Enter),
                i.key_pressed(Key::Escape),
                i.viewport().close_requested(),
            )
        });
        if escape || closing || Instant::now() >= self.deadline {
            return self.answer(ctx, None);
        }
        if down && self.selected + 1 < count {
            self.selected += 1;
        }
        if up && self.selected > 0 {
            self.selected -= 1;
        }
        if enter && count > 0 {
            return self.answer(ctx, Some(self.selected));
        }

        let mut clicked = None;
        let mut go = false;
        egui::TopBottomPanel::bottom("answer").show(ctx, |ui| {
            ui.add_space(8.0);
            buttons_row(ui, |ui| {
                let text = RichText::new(Text::Continue.get(lang)).strong().size(16.0).color(Color32::WHITE);
                go = ui.add(egui::Button::new(text).fill(SIGN).min_size(BUTTON)).clicked();
                if ui
                    .add(egui::Button::new(RichText::new(Text::Cancel.get(lang)).size(16.0)).min_size(BUTTON))
                    .clicked()
                {
                    clicked = Some(None);
                }
            });
            ui.add_space(8.0);
        });
        egui::CentralPanel::default().show(ctx, |ui| {
            ui.label(RichText::new(&choosing.request.origin).size(24.0).strong());
            ui.label(RichText::new(Text::AsksYouToSign.get(lang)).size(15.0));
            ui.add_space(4.0);
            ui.label(Text::ChooseHint.get(lang));
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (index, choice) in choosing.request.choices.iter().enumerate() {
                    let selected = index == self.selected;
                    let frame = egui::Frame::group(ui.style()).fill(if selected {
                        Color32::from_rgb(0xDC, 0xE8, 0xFB)
                    } else {
                        ui.visuals().panel_fill
                    });
                    let row = frame
                        .show(ui, |ui| {
                            ui.set_width(ui.available_width());
                            ui.label(RichText::new(&choice.subject).strong());
                            ui.label(
                                RichText::new(format!(
                                    "{}: {} · {}: {} · {}: {}",
                                    Text::IssuedBy.get(lang),
                                    choice.issuer,
                                    Text::Expires.get(lang),
                                    choice.expires,
                                    Text::Token.get(lang),
                                    choice.token
                                ))
                                .weak(),
                            );
                        })
                        .response
                        .interact(egui::Sense::click());
                    if row.clicked() {
                        self.selected = index;
                    }
                    if row.double_clicked() {
                        clicked = Some(Some(index));
                    }
                }
            });
        });
        if go {
            clicked = Some(Some(self.selected));
        }
        if let Some(chosen) = clicked {
            self.answer(ctx, chosen);
        }
        ctx.request_repaint_after(POLL);
    }
}
