//! A desktop notification when a page floods Kyso with requests, so the user learns of it
//! without opening the tray menu: `org.freedesktop.Notifications` on the session bus (GNOME,
//! KDE, XFCE, notification-daemon, dunst). Sent from a thread of its own: a bus with no
//! notification service can take the D-Bus timeout to answer, and the tray must not wait.

/// Shows `summary` and `body`; a desktop without a notification service only logs it.
#[cfg(target_os = "linux")]
pub fn show(summary: String, body: String) {
    let sent = std::thread::Builder::new().name("kyso-notify".into()).spawn(move || {
        if let Err(error) = notify(&summary, &body) {
            tracing::info!(%error, "no desktop notification (no notification service?)");
        }
    });
    if let Err(error) = sent {
        tracing::warn!(%error, "no thread for the desktop notification");
    }
}

#[cfg(target_os = "linux")]
fn notify(summary: &str, body: &str) -> zbus::Result<()> {
    use zbus::zvariant::Value;
    let bus = zbus::blocking::Connection::session()?;
    // Urgency normal (1): the bubble goes away on its own; the tray keeps the warning.
    let hints = std::collections::HashMap::from([("urgency", Value::U8(1))]);
    let actions: Vec<&str> = Vec::new();
    bus.call_method(
        Some("org.freedesktop.Notifications"),
        "/org/freedesktop/Notifications",
        Some("org.freedesktop.Notifications"),
        "Notify",
        &("Kyso", 0u32, "dialog-warning", summary, body, actions, hints, -1i32),
    )?;
    Ok(())
}

/// Windows: the icon turns to its warning look and the tooltip says why; a balloon needs the
/// icon's own window, which the tray crate keeps to itself.
#[cfg(not(target_os = "linux"))]
pub fn show(summary: String, body: String) {
    tracing::debug!(summary, body, "no desktop notification on this system");
}
