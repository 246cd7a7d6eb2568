//! The Government CA plugin's messages as portals send them: one JSON object per call, with
//! loose values (a `DocNumber` that is an object, an `IssuedDate` from JavaScript's `Date`, an
//! empty `SessionId`). What can be understood is taken; what cannot is ignored and named in
//! the reply's `Message`. Nothing here fails on a value of the wrong type.

use kyso_protocol::ErrorCode;
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// `Status` values of replies. 0 is success, as the plugin's; the others are Kyso's, stable.
pub mod status {
    /// Done.
    pub const OK: i64 = 0;
    /// The user cancelled (or the prompt timed out).
    pub const CANCELLED: i64 = 1;
    /// Wrong PIN, or the token is locked.
    pub const PIN: i64 = 2;
    /// No token, or no usable certificate on it.
    pub const NO_TOKEN: i64 = 3;
    /// The message could not be understood, or lacks what the operation needs.
    pub const BAD_INPUT: i64 = 4;
    /// The document could not be downloaded from `FileName`.
    pub const DOWNLOAD_FAILED: i64 = 5;
    /// The signed document could not be uploaded to `FileUploadHandler`.
    pub const UPLOAD_FAILED: i64 = 6;
    /// A URL is not on an allowed origin (the page's own origin is checked at the upgrade).
    pub const NOT_ALLOWED: i64 = 7;
    /// The certificate is expired, revoked or not trusted.
    pub const CERTIFICATE: i64 = 8;
    /// Anything else (busy, a damaged PDF, an internal error): `Message` says what.
    pub const FAILED: i64 = 9;
}

/// The reply `Status` for an API error.
pub fn status_of(code: ErrorCode) -> i64 {
    match code {
        ErrorCode::UserCancelled => status::CANCELLED,
        ErrorCode::PinIncorrect | ErrorCode::PinLocked => status::PIN,
        ErrorCode::TokenAbsent | ErrorCode::CertificateNotFound => status::NO_TOKEN,
        ErrorCode::BadRequest => status::BAD_INPUT,
        ErrorCode::DownloadFailed => status::DOWNLOAD_FAILED,
        ErrorCode::UploadFailed => status::UPLOAD_FAILED,
        ErrorCode::UrlNotAllowed | ErrorCode::OriginNotAllowed => status::NOT_ALLOWED,
        ErrorCode::CertificateExpired
        | ErrorCode::CertificateNotYetValid
        | ErrorCode::CertificateKeyUsage
        | ErrorCode::CertificateRevoked
        | ErrorCode::CertificateUntrusted
        | ErrorCode::CertificateStatusUnknown => status::CERTIFICATE,
        _ => status::FAILED,
    }
}

/// A reply with `Status` and `Message`, built up by the operation.
#[derive(Debug)]
pub struct Reply {
    fields: Map<String, Value>,
    notes: Vec<String>,
}

impl Reply {
    /// A success, to which fields are added.
    pub fn ok() -> Self {
        let mut fields = Map::new();
        fields.insert("Status".into(), json!(status::OK));
        Self { fields, notes: Vec::new() }
    }

    /// A failure: the error's status, its message in Vietnamese and English, and its detail.
    pub fn error(error: &ApiError) -> Self {
        let mut reply = Self::ok();
        reply.fields.insert("Status".into(), json!(status_of(error.code)));
        reply.fields.insert("ErrorCode".into(), json!(error.code.as_str()));
        reply.notes.push(format!("{} / {}", error.code.message_vi(), error.code.message_en()));
        if let Some(detail) = &error.detail {
            reply.notes.push(detail.clone());
        }
        reply
    }

    /// Sets a field.
    pub fn set(&mut self, key: &str, value: Value) {
        self.fields.insert(key.into(), value);
    }

    /// Adds a sentence to `Message`.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Adds the notes of what the request held that was not understood.
    pub fn notes(&mut self, notes: Vec<String>) {
        self.notes.extend(notes);
    }

    /// The JSON text.
    pub fn into_text(mut self) -> String {
        let message = if self.notes.is_empty() { "OK".to_owned() } else { self.notes.join(" | ") };
        self.fields.insert("Message".into(), json!(message));
        Value::Object(self.fields).to_string()
    }
}

/// A request object, read leniently; what could not be used is collected in `ignored`.
#[derive(Debug)]
pub struct Loose {
    object: Map<String, Value>,
    /// Sentences for `Message` about values that were ignored.
    pub ignored: Vec<String>,
}

impl Loose {
    /// Reads `text`: a JSON object, or (for `GetCertInfo`) anything.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => Ok(Self { object, ignored: Vec::new() }),
            Ok(other) => Err(ApiError::bad_request(format!("expected a JSON object, got {}", kind(&other)))),
            Err(error) => Err(ApiError::bad_request(format!("not JSON: {error}"))),
        }
    }

    /// A text field: a string (trimmed, empty = absent), or a number written out; anything
    /// else is ignored and noted.
    pub fn text(&mut self, key: &str) -> Option<String> {
        match self.object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.trim().to_owned()).filter(|t| !t.is_empty()),
            Some(Value::Number(number)) => Some(number.to_string()),
            Some(other) => {
                self.ignored.push(format!("{key} ignored: {} instead of text", kind(other)));
                None
            }
        }
    }

    /// An array of objects (`Files`, `MetaData`); anything else is ignored and noted.
    pub fn objects(&mut self, key: &str) -> Option<Vec<Loose>> {
        match self.object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut found = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(object) => found.push(Loose { object: object.clone(), ignored: Vec::new() }),
                        other => self.ignored.push(format!("{key}[{index}] ignored: {}", kind(other))),
                    }
                }
                Some(found)
            }
            Some(other) => {
                self.ignored.push(format!("{key} ignored: {} instead of a list", kind(other)));
                None
            }
        }
    }

    /// `MetaData: [{Key, Value}]` as pairs; entries without a text key are ignored.
    pub fn metadata(&mut self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        for mut entry in self.objects("MetaData").unwrap_or_default() {
            if let (Some(key), value) = (entry.text("Key"), entry.text("Value")) {
                pairs.push((key, value.unwrap_or_default()));
            }
            self.ignored.append(&mut entry.ignored);
        }
        pairs
    }

    /// `IssuedDate` as a calendar date in Vietnam: `YYYY-MM-DD`, `DD/MM/YYYY`, or an ISO
    /// 8601 time such as JavaScript's `Date` gives (UTC, `Z`), taken at UTC+7.
    pub fn date(&mut self, key: &str) -> Option<time::Date> {
        let text = self.text(key)?;
        let parsed = parse_date(&text);
        if parsed.is_none() {
            self.ignored.push(format!("{key} ignored: {text:?} is not a date"));
        }
        parsed
    }
}

fn parse_date(text: &str) -> Option<time::Date> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(moment) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Some(moment.to_offset(time::macros::offset!(+7)).date());
    }
    if let Some(date) = crate::pdf::acts::parse_date(text) {
        return Some(date);
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    if let [day, month, year] = parts.as_slice() {
        let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
        return time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok();
    }
    None
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_values_are_taken_or_noted() {
        let mut request = Loose::parse(
            r#"{"DocNumber": {"0": {}}, "IssuedDate": "2026-12-02T17:30:00.000Z", "SessionId": "",
                "FileName": "https://qlvb.example/a.pdf", "MetaData": [{"Key": "k", "Value": 3}, 7]}"#,
        )
        .expect("object");
        assert_eq!(request.text("DocNumber"), None);
        assert_eq!(request.text("SessionId"), None);
        assert_eq!(request.text("FileName").as_deref(), Some("https://qlvb.example/a.pdf"));
        // 17:30 UTC on the 2nd is 00:30 on the 3rd in Vietnam.
        assert_eq!(request.date("IssuedDate"), Some(time::macros::date!(2026 - 12 - 03)));
        assert_eq!(request.metadata(), vec![("k".to_owned(), "3".to_owned())]);
        assert_eq!(request.ignored.len(), 2, "{:?}", request.ignored);
        assert!(request.ignored[0].contains("DocNumber"));
        assert_eq!(parse_date("03/12/2026"), Some(time::macros::date!(2026 - 12 - 03)));
        assert_eq!(parse_date("2026-12-03"), Some(time::macros::date!(2026 - 12 - 03)));
        assert_eq!(parse_date("hôm nay"), None);
        assert!(Loose::parse("[1]").is_err() && Loose::parse("{").is_err());
    }

    #[test]
    fn replies_carry_status_and_message() {
        let text = Reply::error(&ApiError::new(ErrorCode::UserCancelled)).into_text();
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value["Status"], status::CANCELLED);
        assert_eq!(value["ErrorCode"], "user_cancelled");
        assert!(value["Message"].as_str().unwrap_or_default().contains('/'));
        assert_eq!(serde_json::from_str::<Value>(&Reply::ok().into_text()).expect("json")["Message"], "OK");
    }
}
