//! The agent's tray icon as a desktop's tray sees it: a private D-Bus session bus (Debian's
//! dbus-daemon) on which the agent registers its StatusNotifierItem, read and clicked through
//! the same interfaces GNOME's and KDE's trays use (`org.kde.StatusNotifierItem`,
//! `com.canonical.dbusmenu`), with systemd's `busctl`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A private session bus; stopped when dropped.
#[derive(Debug)]
pub struct SessionBus {
    daemon: Child,
    address: String,
}

impl SessionBus {
    /// Starts `dbus-daemon --session` and reads its address.
    ///
    /// # Panics
    ///
    /// When dbus-daemon is missing or says no address.
    pub fn start() -> SessionBus {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (package dbus-daemon)");
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().expect("stdout")).read_line(&mut line).expect("the bus address");
        assert!(line.starts_with("unix:"), "dbus-daemon said {line:?}");
        SessionBus { daemon, address: line.trim().to_owned() }
    }

    /// The `DBUS_SESSION_BUS_ADDRESS` value.
    pub fn address(&self) -> &str {
        &self.address
    }

    fn busctl(&self, args: &[&str]) -> Result<Value, String> {
        let out = Command::new("busctl")
            .args(["--address", &self.address, "--json=short", "--"])
            .args(args)
            .output()
            .expect("busctl (package systemd)");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        if out.stdout.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null); // A method that returns nothing.
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// Waits up to `timeout` for `name` to be owned on the bus; whether it was.
    pub fn wait_for_name(&self, name: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let owned = self
                .busctl(&[
                    "call",
                    "org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus",
                    "NameHasOwner",
                    "s",
                    name,
                ])
                .is_ok_and(|v| v["data"][0] == Value::Bool(true));
            if owned {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Waits up to `timeout` for a StatusNotifierItem on the bus; its bus name.
    ///
    /// # Panics
    ///
    /// When none comes.
    pub fn wait_for_tray(&self, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let names = self
                .busctl(&["call", "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "ListNames"])
                .unwrap_or_default();
            let found = names["data"][0].as_array().and_then(|list| {
                list.iter().filter_map(Value::as_str).find(|n| n.starts_with("org.kde.StatusNotifierItem"))
            });
            if let Some(name) = found {
                return name.to_owned();
            }
            assert!(Instant::now() < deadline, "no tray icon on the bus within {timeout:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The item's tooltip text (`ToolTip` is icon name, pixmaps, title, text).
    pub fn tooltip(&self, item: &str) -> String {
        let tip = self
            .busctl(&["get-property", item, "/StatusNotifierItem", "org.kde.StatusNotifierItem", "ToolTip"])
            .unwrap_or_default();
        tip["data"][3].as_str().unwrap_or_default().to_owned()
    }

    /// The menu: every item's id and label, depth first.
    pub fn menu(&self, item: &str) -> Vec<(i64, String)> {
        let path = self
            .busctl(&["get-property", item, "/StatusNotifierItem", "org.kde.StatusNotifierItem", "Menu"])
            .ok()
            .and_then(|v| v["data"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "/MenuBar".into());
        let layout = self
            .busctl(&["call", item, &path, "com.canonical.dbusmenu", "GetLayout", "iias", "0", "-1", "0"])
            .unwrap_or_default();
        let mut items = Vec::new();
        collect(&layout["data"], &mut items);
        items
    }

    /// Clicks the menu item labelled `label`.
    ///
    /// # Panics
    ///
    /// When the menu has no such item or the click is refused.
    pub fn click(&self, item: &str, label: &str) {
        let menu = self.menu(item);
        let (id, _) = menu.iter().find(|(_, l)| l == label).unwrap_or_else(|| panic!("no {label:?} in {menu:?}"));
        let path = "/MenuBar";
        let id = id.to_string();
        self.busctl(&["call", item, path, "com.canonical.dbusmenu", "Event", "isvu", &id, "clicked", "s", "", "0"])
            .unwrap_or_else(|e| panic!("click {label:?}: {e}"));
    }
}

/// Walks a dbusmenu layout `(ia{sv}av)` as busctl prints it, collecting (id, label).
fn collect(value: &Value, out: &mut Vec<(i64, String)>) {
    match value {
        Value::Array(parts) if parts.len() == 3 && parts[0].is_i64() && parts[1].is_object() => {
            let label = unmnemonic(parts[1]["label"]["data"].as_str().unwrap_or_default());
            out.push((parts[0].as_i64().unwrap_or_default(), label));
            collect(&parts[2], out);
        }
        Value::Array(parts) => parts.iter().for_each(|p| collect(p, out)),
        Value::Object(map) if map.contains_key("data") => collect(&map["data"], out),
        _ => {}
    }
}

/// A dbusmenu label as shown: `__` is an underscore, a lone `_` marks the access key.
fn unmnemonic(label: &str) -> String {
    let mut shown = String::with_capacity(label.len());
    let mut chars = label.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '_' if chars.peek() == Some(&'_') => {
                chars.next();
                shown.push('_');
            }
            '_' => {}
            c => shown.push(c),
        }
    }
    shown
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
