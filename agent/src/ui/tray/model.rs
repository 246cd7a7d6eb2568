//! What the tray shows, computed from the agent's state: the icon, the state line, a warning
//! when a page fired requests in a burst, the certificates on the tokens, the recent
//! requests, and whether signing is paused. Rebuilt on every look; the menu is redrawn only
//! when it changed.

use crate::audit::{Entry, Outcome};
use crate::i18n::{Lang, Text};

use super::icons::Look;

/// The tray's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub look: Look,
    /// The state line (also the tooltip's first line).
    pub state: String,
    /// A warning: requests refused in a burst.
    pub notice: Option<String>,
    /// One line per certificate on the present tokens.
    pub certificates: Vec<String>,
    /// One line per recent request, newest first.
    pub recent: Vec<String>,
    pub paused: bool,
    /// The language the texts are in, and whether the policy fixes it.
    pub lang: Lang,
    pub language_fixed: bool,
}

/// What the model is made from.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub paused: bool,
    /// A request is on screen or at the token.
    pub busy: bool,
    /// The certificates found, `None` before the first look at the tokens.
    pub certificates: Option<Vec<String>>,
    pub recent: Vec<Entry>,
    /// Requests refused as a burst lately: how many, and from where.
    pub flood: Option<(usize, String)>,
}

impl Model {
    pub fn new(facts: &Facts, lang: Lang, language_fixed: bool) -> Self {
        let no_token = facts.certificates.as_ref().is_some_and(Vec::is_empty);
        let (look, state) = if facts.paused {
            (Look::Paused, Text::TrayPaused)
        } else if facts.busy {
            (Look::Signing, Text::TraySigning)
        } else if no_token {
            (Look::Warning, Text::TrayNoToken)
        } else {
            (Look::Ready, Text::TrayRunning)
        };
        let notice = facts
            .flood
            .as_ref()
            .map(|(count, origin)| Text::TrayFlood.fill(lang, &[("count", &count.to_string()), ("origin", origin)]));
        let look = if notice.is_some() && look == Look::Ready { Look::Warning } else { look };
        Self {
            look,
            state: state.get(lang).to_owned(),
            notice,
            certificates: facts.certificates.clone().unwrap_or_default(),
            recent: facts.recent.iter().rev().map(|entry| recent_line(entry, lang)).collect(),
            paused: facts.paused,
            lang,
            language_fixed,
        }
    }

    /// The tooltip: the state, and the warning if any.
    pub fn tooltip(&self) -> String {
        match &self.notice {
            Some(notice) => format!("{}\n{notice}", self.state),
            None => self.state.clone(),
        }
    }
}

/// "14:05 · https://portal · 3 tài liệu · đã ký".
fn recent_line(entry: &Entry, lang: Lang) -> String {
    let outcome = match entry.result {
        Outcome::Signed => Text::OutcomeSigned,
        Outcome::Partial => Text::OutcomePartial,
        Outcome::Cancelled => Text::OutcomeCancelled,
        Outcome::Refused => Text::OutcomeRefused,
        Outcome::Failed => Text::OutcomeFailed,
    };
    let count = Text::DocumentCount.fill(lang, &[("count", &entry.documents.len().to_string())]);
    let error = entry.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
    format!("{} · {} · {count} · {}{error}", clock(&entry.time), entry.origin, outcome.get(lang))
}

/// The time of day of an RFC 3339 UTC timestamp, in Vietnam's time (UTC+7, no daylight
/// saving), where Kyso's users are: the process cannot read the local offset safely once its
/// threads run.
fn clock(time: &str) -> String {
    let vietnam = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339)
        .map(|t| t.to_offset(vietnam))
        .map_or_else(|_| time.to_owned(), |t| format!("{:02}:{:02}", t.hour(), t.minute()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::DocumentEntry;

    fn entry(result: Outcome, error: Option<&str>) -> Entry {
        Entry {
            time: "2026-12-03T07:05:00Z".into(),
            origin: "https://qlvb.ninhbinh.gov.vn".into(),
            operation: "sign_pdf".into(),
            act: None,
            level: None,
            certificate: None,
            documents: vec![DocumentEntry { name: "a.pdf".into(), size: None, pages: None, digest: None, error: None }],
            result,
            error: error.map(str::to_owned),
        }
    }

    #[test]
    fn the_state_says_paused_then_signing_then_no_token_then_ready() {
        let mut facts = Facts { paused: true, busy: true, certificates: Some(vec![]), ..Facts::default() };
        assert_eq!(Model::new(&facts, Lang::Vi, false).look, Look::Paused);
        facts.paused = false;
        assert_eq!(Model::new(&facts, Lang::Vi, false).state, "Kyso – đang ký…");
        facts.busy = false;
        assert_eq!(Model::new(&facts, Lang::En, false).state, "Kyso – no token plugged in");
        facts.certificates = Some(vec!["Nguyễn Văn An".into()]);
        assert_eq!(Model::new(&facts, Lang::En, false).look, Look::Ready);
        facts.flood = Some((7, "https://x.example".into()));
        let model = Model::new(&facts, Lang::Vi, false);
        assert_eq!(model.look, Look::Warning);
        assert!(model.tooltip().ends_with("Đã từ chối 7 yêu cầu ký dồn dập từ https://x.example"));
    }

    #[test]
    fn recent_requests_are_newest_first_in_vietnam_time() {
        let facts = Facts {
            recent: vec![entry(Outcome::Signed, None), entry(Outcome::Refused, Some("busy"))],
            ..Facts::default()
        };
        let model = Model::new(&facts, Lang::Vi, false);
        assert_eq!(model.recent[0], "14:05 · https://qlvb.ninhbinh.gov.vn · 1 tài liệu · bị từ chối (busy)");
        assert_eq!(model.recent[1], "14:05 · https://qlvb.ninhbinh.gov.vn · 1 tài liệu · đã ký");
    }
}
