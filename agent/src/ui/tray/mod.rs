//! The tray icon: the agent's state at a glance (ready, paused, signing, no token, a page
//! flooding it with requests) and a menu with the certificates on the tokens, the recent
//! requests, pause/resume, Settings, the log folder, About and Quit. It runs on a thread of its own: on
//! Linux a StatusNotifierItem on the session bus (what GNOME's and KDE's trays show; no GTK),
//! on Windows a notification-area icon whose messages this thread pumps.

mod bubble;
mod icons;
mod model;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tray_icon::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

use crate::i18n::{Lang, Text};
use crate::signing::Signer;
use model::{Facts, Model};

const PAUSE: &str = "kyso.pause";
const LOGS: &str = "kyso.logs";
const ABOUT: &str = "kyso.about";
const SETTINGS: &str = "kyso.settings";
const QUIT: &str = "kyso.quit";
const LANGUAGE: &str = "kyso.language";
/// How often the tray looks at the agent, and at the tokens.
const TICK: Duration = Duration::from_millis(300);
const TOKENS_EVERY: Duration = Duration::from_secs(5);
/// How long a burst of refused requests is shown.
const FLOOD_SHOWN: Duration = Duration::from_secs(60);

/// What the tray needs from the agent.
#[derive(Debug)]
pub struct TrayParts {
    pub signer: Signer,
    /// For the About window.
    pub ui: super::UiHandle,
    pub about: super::AboutInfo,
    /// Where the audit trail is, for "Open the log folder".
    pub log_dir: PathBuf,
    /// Notified when the user quits from the tray.
    pub quit: Arc<tokio::sync::Notify>,
    /// For the token calls.
    pub runtime: tokio::runtime::Handle,
    /// The language, which the tray can switch.
    pub lang: crate::i18n::Language,
    /// What the Settings window works with.
    pub settings: Arc<super::SettingsParts>,
}

/// The running tray; stopped when dropped.
#[derive(Debug)]
pub struct Tray {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Tray {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts the tray on its own thread. Without a tray host (no session bus, a server) the
/// agent goes on without one.
pub fn start(parts: TrayParts) -> Tray {
    let stop = Arc::new(AtomicBool::new(false));
    let thread = std::thread::Builder::new()
        .name("kyso-tray".into())
        .spawn({
            let stop = stop.clone();
            move || run(parts, &stop)
        })
        .map_err(|error| tracing::warn!(%error, "cannot start the tray thread"))
        .ok();
    Tray { stop, thread }
}

fn run(parts: TrayParts, stop: &AtomicBool) {
    let mut facts = Facts::default();
    let mut model = Model::new(&facts, parts.lang.get(), parts.lang.fixed());
    let built = TrayIconBuilder::new()
        .with_id("kyso-agent")
        .with_title("Kyso")
        .with_tooltip(model.tooltip())
        .with_icon(icon(model.look))
        .with_menu(Box::new(menu(&model)))
        .build();
    let mut tray = match built {
        Ok(tray) => tray,
        Err(error) => {
            tracing::warn!(%error, "no tray icon (no tray on this desktop?)");
            return;
        }
    };
    let mut flood = Flood::default();
    let mut tokens_looked = None::<Instant>;
    while !stop.load(Ordering::SeqCst) {
        pump_messages();
        while let Ok(event) = MenuEvent::receiver().try_recv() {
            act(&parts, event.id.as_ref());
        }
        if tokens_looked.is_none_or(|at| at.elapsed() >= TOKENS_EVERY) {
            facts.certificates = Some(certificates(&parts));
            tokens_looked = Some(Instant::now());
        }
        facts.paused = parts.signer.paused();
        facts.busy = parts.signer.busy_now();
        facts.recent = parts.signer.audit().recent();
        let flood_now = flood.update(parts.signer.audit().busy_refusals());
        if facts.flood.is_none()
            && let Some((count, origin)) = &flood_now
        {
            // Once a burst: the tray keeps counting, the bubble would only repeat itself.
            announce_flood(*count, origin, parts.lang.get());
        }
        facts.flood = flood_now;
        let next = Model::new(&facts, parts.lang.get(), parts.lang.fixed());
        if next != model {
            update(&mut tray, &model, &next);
            model = next;
        }
        std::thread::sleep(TICK);
    }
}

/// A desktop notification for a burst of refused requests.
fn announce_flood(count: usize, origin: &str, lang: Lang) {
    let refused = Text::TrayFlood.fill(lang, &[("count", &count.to_string()), ("origin", origin)]);
    bubble::show(
        Text::FloodBubbleTitle.get(lang).to_owned(),
        format!("{refused}. {}", Text::FloodBubbleAdvice.get(lang)),
    );
}

/// Redraws what changed.
fn update(tray: &mut TrayIcon, old: &Model, new: &Model) {
    if old.look != new.look
        && let Err(error) = tray.set_icon(Some(icon(new.look)))
    {
        tracing::debug!(%error, "tray icon");
    }
    if let Err(error) = tray.set_tooltip(Some(new.tooltip())) {
        tracing::debug!(%error, "tray tooltip");
    }
    tray.set_menu(Some(Box::new(menu(new))));
}

fn icon(look: icons::Look) -> Icon {
    Icon::from_rgba(icons::rgba(look), icons::SIZE, icons::SIZE)
        .unwrap_or_else(|error| unreachable!("the icons are drawn at their size: {error}"))
}

/// The menu for `model`.
fn menu(model: &Model) -> Menu {
    let lang = model.lang;
    let menu = Menu::new();
    let mut items: Vec<Box<dyn tray_icon::menu::IsMenuItem>> = Vec::new();
    items.push(Box::new(MenuItem::new(&model.state, false, None)));
    if let Some(notice) = &model.notice {
        items.push(Box::new(MenuItem::new(format!("⚠ {notice}"), false, None)));
    }
    let certificates = Submenu::new(Text::TrayCertificates.get(lang), true);
    let recent = Submenu::new(Text::TrayRecent.get(lang), true);
    let lines = |list: &[String], empty: Text, submenu: &Submenu| {
        let fallback = [empty.get(lang).to_owned()];
        let shown = if list.is_empty() { &fallback[..] } else { list };
        for line in shown {
            let _ = submenu.append(&MenuItem::new(line, false, None));
        }
    };
    lines(&model.certificates, Text::TrayNoCertificates, &certificates);
    lines(&model.recent, Text::TrayNoRecent, &recent);
    items.push(Box::new(certificates));
    items.push(Box::new(recent));
    items.push(Box::new(PredefinedMenuItem::separator()));
    let pause = if model.paused { Text::TrayResume } else { Text::TrayPause };
    items.push(Box::new(MenuItem::with_id(PAUSE, pause.get(lang), true, None)));
    items.push(Box::new(MenuItem::with_id(SETTINGS, Text::TraySettings.get(lang), true, None)));
    items.push(Box::new(MenuItem::with_id(LOGS, Text::TrayLogs.get(lang), true, None)));
    items.push(Box::new(MenuItem::with_id(ABOUT, Text::TrayAbout.get(lang), true, None)));
    // The other language, named in itself; read-only when the administrator set it.
    items.push(Box::new(if model.language_fixed {
        MenuItem::new(Text::LanguageFixed.get(lang), false, None)
    } else {
        let other = if lang == Lang::Vi { "English" } else { "Tiếng Việt" };
        MenuItem::with_id(LANGUAGE, other, true, None)
    }));
    items.push(Box::new(PredefinedMenuItem::separator()));
    items.push(Box::new(MenuItem::with_id(QUIT, Text::TrayQuit.get(lang), true, None)));
    for item in &items {
        if let Err(error) = menu.append(item.as_ref()) {
            tracing::debug!(%error, "tray menu item");
        }
    }
    menu
}

/// Does what the menu item `id` says.
fn act(parts: &TrayParts, id: &str) {
    match id {
        PAUSE => {
            let paused = !parts.signer.paused();
            parts.signer.set_paused(paused);
            tracing::info!(paused, "signing paused or resumed from the tray");
        }
        LOGS => {
            if let Err(error) = super::viewer::open_with_desktop(&parts.log_dir) {
                tracing::warn!(%error, "cannot open the log folder");
            }
        }
        LANGUAGE => {
            let other = if parts.lang.get() == Lang::Vi { Lang::En } else { Lang::Vi };
            if let Err(error) = parts.lang.set(other) {
                tracing::warn!(%error, "cannot keep the language chosen");
            }
        }
        SETTINGS => {
            if let Err(error) = parts.ui.settings(parts.settings.clone()) {
                tracing::warn!(%error, "cannot show Settings");
            }
        }
        ABOUT => {
            if let Err(error) = parts.ui.about(parts.about.clone(), parts.lang.get()) {
                tracing::warn!(%error, "cannot show About");
            }
        }
        QUIT => {
            tracing::info!("quit from the tray");
            parts.quit.notify_one();
        }
        _ => {}
    }
}

/// The certificates on the present tokens, one line each; empty when none (or the token
/// worker does not answer in time).
fn certificates(parts: &TrayParts) -> Vec<String> {
    let found = parts
        .runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(3), parts.signer.tokens().certificates()).await });
    let Ok(Ok(found)) = found else { return Vec::new() };
    found
        .iter()
        .filter_map(|c| {
            let cert = crate::certinfo::parse(&c.der).ok()?;
            let expires = crate::certinfo::date(cert.tbs_certificate.validity.not_after);
            let expired = crate::certinfo::check_usable(&cert, std::time::SystemTime::now())
                == Err(crate::certinfo::Unusable::Expired);
            let when = if expired { Text::Expired } else { Text::Expires };
            Some(format!(
                "{} — {} ({} {expires})",
                crate::certinfo::common_name(&cert),
                c.token.label,
                when.get(parts.lang.get()).to_lowercase()
            ))
        })
        .collect()
}

/// Requests refused with `busy` (a page firing in a loop): the ones since the last look are
/// added up while shown, for a minute after the last.
#[derive(Default)]
struct Flood {
    seen: u64,
    shown: Option<(Instant, usize, String)>,
}

impl Flood {
    fn update(&mut self, (total, origin): (u64, String)) -> Option<(usize, String)> {
        if self.shown.as_ref().is_some_and(|(at, _, _)| at.elapsed() >= FLOOD_SHOWN) {
            self.shown = None;
        }
        if total > self.seen {
            let new = usize::try_from(total - self.seen).unwrap_or(usize::MAX);
            let before = self.shown.as_ref().map_or(0, |(_, count, _)| *count);
            self.shown = Some((Instant::now(), before.saturating_add(new), origin));
            self.seen = total;
        }
        self.shown.as_ref().map(|(_, count, origin)| (*count, origin.clone()))
    }
}

/// Windows delivers the icon's clicks as window messages to this thread: dispatch them.
#[cfg(windows)]
fn pump_messages() {
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        DispatchMessageW, MSG, PM_REMOVE, PeekMessageW, TranslateMessage,
    };
    // SAFETY: a zeroed MSG is a valid out-parameter; the calls only read and write it.
    unsafe {
        let mut message: MSG = std::mem::zeroed();
        while PeekMessageW(&mut message, std::ptr::null_mut(), 0, 0, PM_REMOVE) != 0 {
            TranslateMessage(&message);
            DispatchMessageW(&message);
        }
    }
}

/// On Linux the StatusNotifierItem answers the bus on its own thread.
#[cfg(not(windows))]
fn pump_messages() {}
