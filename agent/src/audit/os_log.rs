//! The operating system's log, where agencies collect logs centrally: the systemd journal on
//! Linux (its native datagram protocol, with Kyso's fields as journal fields), the Windows Event
//! Log (Application, source `Kyso`). Best effort: a machine without either loses nothing but
//! this copy.

use super::{Entry, Outcome};

/// One line for people reading the OS log.
fn summary(entry: &Entry) -> String {
    let documents: Vec<String> = entry
        .documents
        .iter()
        .map(|d| match &d.digest {
            Some((algorithm, value)) => format!("{} ({algorithm} {value})", d.name),
            None => d.name.clone(),
        })
        .collect();
    let certificate = entry
        .certificate
        .as_ref()
        .map_or("-".to_owned(), |c| c.subject.clone().unwrap_or_else(|| c.thumbprint.clone()));
    let result = entry.result.as_str();
    let mut line = format!(
        "Kyso {} {}: {result} for {}; certificate {certificate}; documents: {}",
        entry.operation,
        entry.act.as_deref().unwrap_or(""),
        entry.origin,
        if documents.is_empty() { "-".to_owned() } else { documents.join(", ") }
    );
    if let Some(error) = &entry.error {
        line.push_str(&format!("; error {error}"));
    }
    line.replace(['\n', '\r'], " ")
}

fn is_warning(entry: &Entry) -> bool {
    !matches!(entry.result, Outcome::Signed)
}

#[cfg(target_os = "linux")]
pub fn send(entry: &Entry) {
    journal::send(&summary(entry), is_warning(entry), entry);
}

#[cfg(windows)]
pub fn send(entry: &Entry) {
    event_log::send(&summary(entry), is_warning(entry));
}

#[cfg(not(any(target_os = "linux", windows)))]
pub fn send(entry: &Entry) {
    let _ = (summary(entry), is_warning(entry));
}

#[cfg(target_os = "linux")]
mod journal {
    use std::os::unix::net::UnixDatagram;

    use super::Entry;

    /// journald's socket for structured entries.
    const SOCKET: &str = "/run/systemd/journal/socket";

    /// Sends one entry in the journal's native format (`FIELD=value` lines; values have no
    /// newline, so the simple form serves).
    pub fn send(message: &str, warning: bool, entry: &Entry) {
        let mut fields = vec![
            ("MESSAGE", message.to_owned()),
            ("PRIORITY", if warning { "4" } else { "6" }.to_owned()),
            ("SYSLOG_IDENTIFIER", "kyso-agent".to_owned()),
            ("KYSO_ORIGIN", entry.origin.clone()),
            ("KYSO_OPERATION", entry.operation.clone()),
            ("KYSO_RESULT", entry.result.as_str().to_owned()),
        ];
        if let Some(act) = &entry.act {
            fields.push(("KYSO_ACT", act.clone()));
        }
        if let Some(error) = &entry.error {
            fields.push(("KYSO_ERROR", error.clone()));
        }
        if let Some(certificate) = &entry.certificate {
            fields.push(("KYSO_CERTIFICATE", certificate.thumbprint.clone()));
        }
        let mut payload = String::new();
        for (name, value) in fields {
            payload.push_str(name);
            payload.push('=');
            payload.push_str(&value.replace(['\n', '\r'], " "));
            payload.push('\n');
        }
        let Ok(socket) = UnixDatagram::unbound() else { return };
        if let Err(error) = socket.send_to(payload.as_bytes(), SOCKET) {
            // No journald (a container, another init): the file has the entry.
            tracing::debug!(%error, "the systemd journal is not reachable");
        }
    }
}

#[cfg(windows)]
mod event_log {
    #![allow(unsafe_code)]

    use windows_sys::Win32::System::EventLog::{
        DeregisterEventSource, EVENTLOG_INFORMATION_TYPE, EVENTLOG_WARNING_TYPE, RegisterEventSourceW, ReportEventW,
    };

    /// Reports one entry under the source `Kyso` in the Application log.
    pub fn send(message: &str, warning: bool) {
        let source: Vec<u16> = "Kyso".encode_utf16().chain([0]).collect();
        let text: Vec<u16> = message.encode_utf16().chain([0]).collect();
        // SAFETY: both strings are NUL-terminated and outlive the calls; the handle is
        // deregistered once.
        unsafe {
            let handle = RegisterEventSourceW(std::ptr::null(), source.as_ptr());
            if handle.is_null() {
                return;
            }
            let kind = if warning { EVENTLOG_WARNING_TYPE } else { EVENTLOG_INFORMATION_TYPE };
            let strings = [text.as_ptr()];
            ReportEventW(handle, kind, 0, 1, std::ptr::null_mut(), 1, 0, strings.as_ptr(), std::ptr::null());
            DeregisterEventSource(handle);
        }
    }
}
