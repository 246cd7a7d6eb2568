//! Desktop notifications as a desktop shows them: Debian's notification-daemon owning
//! `org.freedesktop.Notifications` on a private session bus and drawing its bubbles on the test
//! display, with dbus-monitor recording every `Notify` call the agent makes.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::tray::SessionBus;

const DAEMON: &str = "/usr/lib/notification-daemon/notification-daemon";

/// The notification service and the recorder; both stopped when dropped.
#[derive(Debug)]
pub struct Notifications {
    daemon: Child,
    monitor: Child,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

impl Notifications {
    /// Starts the recorder, then the service on `bus` with its bubbles on `display`, and waits
    /// until the service owns its name.
    ///
    /// # Panics
    ///
    /// When either program is missing or the service does not come up.
    pub fn start(bus: &SessionBus, display: &str) -> Notifications {
        let dir = tempfile::tempdir().expect("temp dir");
        let record = dir.path().join("notify.txt");
        let monitor = Command::new("dbus-monitor")
            .args(["--address", bus.address(), "type='method_call',interface='org.freedesktop.Notifications'"])
            .stdout(std::fs::File::create(&record).expect("record file"))
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (package dbus-bin)");
        let daemon = Command::new(DAEMON)
            .env("DISPLAY", display)
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("notification-daemon (package notification-daemon)");
        let service = Notifications { daemon, monitor, record, _dir: dir };
        assert!(
            bus.wait_for_name("org.freedesktop.Notifications", Duration::from_secs(30)),
            "notification-daemon never took its bus name"
        );
        service
    }

    /// What dbus-monitor printed of the `Notify` calls so far.
    pub fn recorded(&self) -> String {
        std::fs::read_to_string(&self.record).unwrap_or_default()
    }

    /// Waits up to `timeout` for a `Notify` call whose text contains `needle`; the record.
    ///
    /// # Panics
    ///
    /// When none comes.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let record = self.recorded();
            if record.contains("member=Notify") && record.contains(needle) {
                return record;
            }
            assert!(Instant::now() < deadline, "no notification saying {needle:?} within {timeout:?}: {record}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        for child in [&mut self.daemon, &mut self.monitor] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
