//! The Certificates tab: for the chosen certificate, its handwritten-signature and seal images
//! (preview, import from a PNG or JPEG file, remove), its default level, and its default act
//! per allowed portal. Values the administrator's policy sets are shown, not offered.

use std::collections::HashMap;

use eframe::egui::{self, RichText, TextureHandle, TextureOptions};
use egui_file_dialog::FileDialog;
use kyso_protocol::{SignatureLevel, SigningAct};

use super::{Notice, SettingsParts};
use crate::i18n::{Bilingual, Lang, Text};
use crate::pdf::appearance::Image;
use crate::personal_images::{ImageKind, PersonalImages};
use crate::token::TokenCertificate;
use crate::user_defaults::Source;

/// Room for an image's preview.
const PREVIEW: egui::Vec2 = egui::vec2(200.0, 80.0);

/// One certificate as listed.
struct Entry {
    thumbprint: String,
    subject: String,
    issuer: String,
    expires: String,
    token: String,
}

/// An image as shown.
enum Shown {
    None,
    Jpeg,
    Texture(TextureHandle),
}

/// The defaults of the selected certificate, read once and after each change.
struct DefaultsView {
    thumbprint: String,
    level: (Option<SignatureLevel>, Source),
    acts: Vec<(String, Option<SigningAct>, Source)>,
}

/// The tab's state.
#[derive(Default)]
pub struct CertificatesTab {
    selected: Option<String>,
    entries: Option<Vec<Entry>>,
    images: HashMap<(String, ImageKind), Shown>,
    defaults: Option<DefaultsView>,
    /// The file picker, open for this certificate's image of this kind.
    dialog: Option<(String, ImageKind, FileDialog)>,
    notice: Option<Notice>,
}

impl CertificatesTab {
    /// The tab showing the certificate `thumbprint` first, when it is there.
    pub fn showing(thumbprint: Option<String>) -> Self {
        Self { selected: thumbprint, ..Self::default() }
    }

    /// The certificate shown.
    pub fn selected(&self) -> Option<String> {
        self.selected.clone()
    }

    /// Whether the file picker is open (it takes Escape for itself).
    pub fn picking(&self) -> bool {
        self.dialog.is_some()
    }

    pub fn show(&mut self, ui: &mut egui::Ui, parts: &SettingsParts, found: &[TokenCertificate], lang: Lang) {
        let entries = self.entries.get_or_insert_with(|| entries(found));
        if entries.is_empty() {
            ui.label(Text::NoTokenCertificates.get(lang));
            return;
        }
        let thumbprint = match &self.selected {
            Some(t) if entries.iter().any(|e| &e.thumbprint == t) => t.clone(),
            _ => entries[0].thumbprint.clone(),
        };
        let mut chosen = thumbprint.clone();
        egui::ComboBox::from_id_salt("certificate")
            .selected_text(RichText::new(name_of(entries, &thumbprint)).strong())
            .width(ui.available_width() - 8.0)
            .height(360.0)
            .show_ui(ui, |ui| {
                for entry in entries.iter() {
                    ui.selectable_value(&mut chosen, entry.thumbprint.clone(), name_of(entries, &entry.thumbprint));
                }
            });
        if let Some(entry) = entries.iter().find(|e| e.thumbprint == chosen) {
            ui.label(
                RichText::new(format!(
                    "{}: {} · {}: {}",
                    Text::IssuedBy.get(lang),
                    entry.issuer,
                    Text::Expires.get(lang),
                    entry.expires
                ))
                .weak(),
            );
        }
        if self.selected.as_deref() != Some(&chosen) {
            self.selected = Some(chosen.clone());
            self.notice = None;
        }

        ui.add_space(10.0);
        ui.label(RichText::new(Text::Images.get(lang)).strong().size(16.0));
        ui.label(RichText::new(Text::ImagesHint.get(lang)).weak());
        match parts.signer.personal_images() {
            Some(_) => {
                for kind in [ImageKind::Signature, ImageKind::Seal] {
                    self.image_row(ui, parts, &chosen, kind, lang);
                }
            }
            None => {
                ui.label(Text::TokensUnreadable.fill(lang, &[("reason", "no per-user data folder")]));
            }
        }
        if let Some(notice) = &self.notice {
            notice.show(ui, lang);
        }

        ui.add_space(10.0);
        ui.label(RichText::new(Text::Defaults.get(lang)).strong().size(16.0));
        self.defaults_rows(ui, parts, &chosen, lang);
    }

    fn image_row(&mut self, ui: &mut egui::Ui, parts: &SettingsParts, thumbprint: &str, kind: ImageKind, lang: Lang) {
        let Some(store) = parts.signer.personal_images() else { return };
        let key = (thumbprint.to_owned(), kind);
        let shown = self.images.entry(key).or_insert_with(|| shown(ui.ctx(), store.get(thumbprint, kind)));
        let has_image = !matches!(shown, Shown::None);
        let (import, remove) = ui
            .horizontal(|ui| {
                let label = match kind {
                    ImageKind::Signature => Text::ImageSignature,
                    ImageKind::Seal => Text::ImageSeal,
                };
                ui.allocate_ui_with_layout(
                    egui::vec2(190.0, PREVIEW.y),
                    egui::Layout::left_to_right(egui::Align::Center),
                    |ui| {
                        ui.set_min_size(egui::vec2(190.0, PREVIEW.y));
                        ui.add(egui::Label::new(label.get(lang)).wrap());
                    },
                );
                let (frame, _) = ui.allocate_exact_size(PREVIEW, egui::Sense::hover());
                ui.painter().rect_filled(frame, 2.0, egui::Color32::WHITE);
                ui.painter().rect_stroke(
                    frame,
                    2.0,
                    egui::Stroke::new(1.0, egui::Color32::from_gray(170)),
                    egui::StrokeKind::Inside,
                );
                match shown {
                    Shown::Texture(texture) => {
                        let [w, h] = texture.size().map(|n| n as f32);
                        let fit = ((frame.width() - 8.0) / w).min((frame.height() - 8.0) / h).min(1.0);
                        let drawn = egui::Rect::from_center_size(frame.center(), egui::vec2(w * fit, h * fit));
                        ui.painter().image(
                            texture.id(),
                            drawn,
                            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                            egui::Color32::WHITE,
                        );
                    }
                    Shown::Jpeg | Shown::None => {
                        let text = if has_image { Text::ImageJpeg } else { Text::ImageNone };
                        ui.painter().text(
                            frame.center(),
                            egui::Align2::CENTER_CENTER,
                            text.get(lang),
                            egui::FontId::proportional(13.0),
                            egui::Color32::from_gray(120),
                        );
                    }
                }
                ui.vertical(|ui| {
                    let import = ui.button(Text::ImportImage.get(lang)).clicked();
                    let remove = ui.add_enabled(has_image, egui::Button::new(Text::RemoveImage.get(lang))).clicked();
                    (import, remove)
                })
                .inner
            })
            .inner;
        if import && self.dialog.is_none() {
            let mut dialog = file_dialog(lang);
            dialog.pick_file();
            self.dialog = Some((thumbprint.to_owned(), kind, dialog));
        }
        if remove {
            self.notice = Some(match store.remove(thumbprint, kind) {
                Ok(_) => Notice { ok: true, text: Text::ImageRemoved.into() },
                Err(reason) => Notice { ok: false, text: Bilingual::fill(Text::SaveFailed, &[("reason", &reason)]) },
            });
            self.images.remove(&(thumbprint.to_owned(), kind));
        }
    }

    /// Runs the file picker, when open; imports what it picked.
    pub fn pick(&mut self, ctx: &egui::Context, parts: &SettingsParts) {
        let Some((thumbprint, kind, dialog)) = &mut self.dialog else { return };
        dialog.update(ctx);
        if let Some(path) = dialog.take_picked() {
            let file =
                path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
            let imported = PersonalImages::read_file(&path).and_then(|bytes| match parts.signer.personal_images() {
                Some(store) => store.set(thumbprint, *kind, &bytes),
                None => Err(Bilingual::fill(Text::SaveFailed, &[("reason", "no per-user data folder")])),
            });
            self.notice = Some(match imported {
                Ok(()) => {
                    tracing::info!(certificate = %thumbprint, ?kind, "an image was imported in Settings");
                    Notice { ok: true, text: Bilingual::fill(Text::ImageImported, &[("file", &file)]) }
                }
                Err(why) => Notice { ok: false, text: why },
            });
            self.images.remove(&(thumbprint.clone(), *kind));
            self.dialog = None;
        } else if matches!(
            dialog.state(),
            egui_file_dialog::DialogState::Closed | egui_file_dialog::DialogState::Cancelled
        ) {
            self.dialog = None;
        }
    }

    fn defaults_rows(&mut self, ui: &mut egui::Ui, parts: &SettingsParts, thumbprint: &str, lang: Lang) {
        let Some(defaults) = parts.signer.user_defaults() else { return };
        if self.defaults.as_ref().is_none_or(|view| view.thumbprint != thumbprint) {
            self.defaults = Some(DefaultsView {
                thumbprint: thumbprint.to_owned(),
                level: defaults.level(thumbprint),
                acts: defaults
                    .origins(&parts.origins)
                    .into_iter()
                    .map(|origin| {
                        let (act, source) = defaults.act(thumbprint, &origin);
                        (origin, act, source)
                    })
                    .collect(),
            });
        }
        let Some(view) = &self.defaults else { return };
        let mut changed: Option<std::io::Result<()>> = None;
        egui::Grid::new("defaults").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
            ui.label(Text::Level.get(lang));
            let (level, source) = view.level;
            if source == Source::Policy {
                ui.label(format!("{} ({})", level.unwrap_or_default().as_str(), Text::SetByAdmin.get(lang)));
            } else {
                let mut picked = if source == Source::User { level } else { None };
                let unset = Text::DefaultLevelNone.fill(lang, &[("level", level.unwrap_or_default().as_str())]);
                egui::ComboBox::from_id_salt("level")
                    .selected_text(picked.map_or(unset.clone(), |l| l.as_str().to_owned()))
                    .width(260.0)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut picked, None, unset);
                        for option in SignatureLevel::ALL {
                            let usable = !option.timestamped() || parts.signer.can_timestamp();
                            ui.add_enabled_ui(usable, |ui| {
                                ui.selectable_value(&mut picked, Some(option), option.as_str())
                                    .on_disabled_hover_text(Text::NeedsTsa.get(lang));
                            });
                        }
                    });
                if picked != (if source == Source::User { level } else { None }) {
                    changed = Some(defaults.set_level(thumbprint, picked));
                }
            }
            ui.end_row();
        });
        ui.add_space(6.0);
        ui.label(RichText::new(Text::DefaultActs.get(lang)).strong());
        ui.label(RichText::new(Text::ActsHint.get(lang)).weak());
        if view.acts.is_empty() {
            ui.label(Text::NoPortals.get(lang));
        }
        egui::Grid::new("acts").num_columns(2).spacing([12.0, 6.0]).show(ui, |ui| {
            for (index, (origin, act, source)) in view.acts.iter().enumerate() {
                ui.label(origin);
                if *source == Source::Policy {
                    let name = act.map_or(Text::ActNone, act_text).get(lang);
                    ui.label(format!("{name} ({})", Text::SetByAdmin.get(lang)));
                } else {
                    let current = if *source == Source::User { *act } else { None };
                    let mut picked = current;
                    let unset = act.map_or(Text::ActNone, act_text).get(lang);
                    egui::ComboBox::from_id_salt(("act", index))
                        .selected_text(picked.map_or(unset, |a| act_text(a).get(lang)))
                        .width(300.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut picked, None, unset);
                            for option in SigningAct::ALL {
                                ui.selectable_value(&mut picked, Some(option), act_text(option).get(lang));
                            }
                        });
                    if picked != current {
                        changed = Some(defaults.set_act(thumbprint, origin, picked));
                    }
                }
                ui.end_row();
            }
        });
        if let Some(result) = changed {
            self.defaults = None;
            self.notice = Some(match result {
                Ok(()) => Notice { ok: true, text: Text::Saved.into() },
                Err(error) => {
                    Notice { ok: false, text: Bilingual::fill(Text::SaveFailed, &[("reason", &error.to_string())]) }
                }
            });
        }
    }
}

/// The catalogue name of `act`.
fn act_text(act: SigningAct) -> Text {
    match act {
        SigningAct::Approve => Text::ActApprove,
        SigningAct::Issue => Text::ActIssue,
        SigningAct::Copy => Text::ActCopy,
        SigningAct::Appendix => Text::ActAppendix,
        SigningAct::Incoming => Text::ActIncoming,
        SigningAct::Comment => Text::ActComment,
        SigningAct::Plain => Text::ActPlain,
    }
}

/// The certificates, by holder's name.
fn entries(found: &[TokenCertificate]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = found
        .iter()
        .filter_map(|c| {
            let cert = crate::certinfo::parse(&c.der).ok()?;
            Some(Entry {
                thumbprint: hex::encode(c.thumbprint),
                subject: crate::certinfo::common_name(&cert),
                issuer: crate::certinfo::issuer_name(&cert),
                expires: crate::certinfo::date(cert.tbs_certificate.validity.not_after),
                token: c.token.label.clone(),
            })
        })
        .collect();
    entries.sort_by(|a, b| a.subject.cmp(&b.subject));
    entries
}

fn name_of(entries: &[Entry], thumbprint: &str) -> String {
    entries
        .iter()
        .find(|e| e.thumbprint == thumbprint)
        .map_or_else(|| thumbprint.to_owned(), |e| format!("{} — {}", e.subject, e.token))
}

fn shown(ctx: &egui::Context, bytes: Option<Vec<u8>>) -> Shown {
    let Some(bytes) = bytes else { return Shown::None };
    let Ok(image) = Image::decode(&bytes) else { return Shown::None };
    let Some(rgba) = image.rgba() else { return Shown::Jpeg };
    let size = [image.width as usize, image.height as usize];
    let pixels = egui::ColorImage::from_rgba_unmultiplied(size, &rgba);
    Shown::Texture(ctx.load_texture("personal-image", pixels, TextureOptions::LINEAR))
}

/// The file picker, with Vietnamese labels where it has them, PNG and JPEG files only.
fn file_dialog(lang: Lang) -> FileDialog {
    let mut dialog = FileDialog::new()
        .title(Text::PickImageTitle.get(lang))
        .add_file_filter_extensions("PNG, JPEG", vec!["png", "PNG", "jpg", "JPG", "jpeg", "JPEG"])
        .default_file_filter("PNG, JPEG")
        .default_size([640.0, 420.0]);
    if lang == Lang::Vi {
        let labels = dialog.labels_mut();
        labels.cancel_button = "Hủy".into();
        labels.open_button = "Mở".into();
        labels.heading_places = "Thư mục".into();
        labels.home_dir = "Thư mục nhà".into();
        labels.documents_dir = "Tài liệu".into();
        labels.downloads_dir = "Tải về".into();
        labels.pictures_dir = "Ảnh".into();
        labels.desktop_dir = "Màn hình".into();
        labels.selected_file = "Tệp đã chọn".into();
        labels.file_filter_all_files = "Mọi tệp".into();
        labels.heading_devices = "Ổ đĩa".into();
    }
    dialog
}
