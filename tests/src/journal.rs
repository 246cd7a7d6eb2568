//! The systemd journal, for checking what the agent sends to the OS log. On a machine without a
//! running journald (CI containers have no init), Debian's own `systemd-journald` is started
//! once; `journalctl` reads it.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SOCKET: &str = "/run/systemd/journal/socket";
const DAEMON: &str = "/lib/systemd/systemd-journald";

/// Makes sure journald listens; returns once its socket is there.
///
/// # Panics
///
/// When journald is not installed (Debian `systemd`) or does not start.
pub fn ensure_running() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        if listening() {
            return;
        }
        assert!(Path::new(DAEMON).is_file(), "{DAEMON} is missing: install Debian's systemd");
        std::fs::create_dir_all("/run/systemd/journal").expect("journal run dir");
        let _ = std::fs::remove_file(SOCKET);
        // Left running for the other tests of this run: it is the machine's journal now.
        #[expect(clippy::zombie_processes, reason = "journald outlives the test that started it")]
        let _daemon = Command::new(DAEMON)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start systemd-journald");
        let started = Instant::now();
        while !listening() {
            assert!(started.elapsed() < Duration::from_secs(10), "journald did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    });
}

/// Whether journald takes datagrams (a socket file left by a stopped one refuses them).
fn listening() -> bool {
    let Ok(socket) = std::os::unix::net::UnixDatagram::unbound() else { return false };
    // An empty datagram is valid and ignored by journald.
    socket.send_to(b"", SOCKET).is_ok()
}

/// The journal entries (JSON) whose `field` is `value`.
pub fn entries(field: &str, value: &str) -> Vec<serde_json::Value> {
    // journald writes asynchronously; a short wait covers the entry just sent.
    let started = Instant::now();
    loop {
        let out = Command::new("journalctl")
            .args(["--no-pager", "-o", "json", &format!("{field}={value}")])
            .output()
            .expect("journalctl");
        let found: Vec<serde_json::Value> =
            String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        if !found.is_empty() || started.elapsed() > Duration::from_secs(5) {
            return found;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
