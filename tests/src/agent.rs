//! The real `kyso-agent serve` process, configured for one test.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::client::{Client, PORTAL};
use crate::pki::Pki;

/// The local CA and server certificate made by `kyso-agent dev-cert`, shared by all tests.
pub fn dev_cert() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = crate::temp_dir("kyso-tls-");
        make_dev_cert(dir.path());
        dir
    })
    .path()
}

/// Runs `kyso-agent dev-cert --out dir`: ca.pem, cert.pem (for localhost and 127.0.0.1) and
/// key.pem.
pub fn make_dev_cert(dir: &Path) {
    let status = Command::new(crate::binary("kyso-agent"))
        .args(["dev-cert", "--out"])
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .expect("run dev-cert");
    assert!(status.success(), "dev-cert failed");
}

/// A configuration for `pki`'s token, allowing [`PORTAL`], answering prompts with the scripted
/// pinentry, with `extra` top-level TOML (before any table).
pub fn config_text(pki: &Pki, extra: &str) -> String {
    let tls = dev_cert();
    format!(
        "port = 0\nallowed_origins = [\"{PORTAL}\"]\nprompter = {:?}\n{extra}\n\
         [tls]\ncert = {:?}\nkey = {:?}\n[pkcs11]\nmodules = [{:?}]\n[trust]\nanchors = [{:?}]\n",
        crate::binary("kyso-test-pinentry"),
        tls.join("cert.pem"),
        tls.join("key.pem"),
        pki.module(),
        pki.path("root.pem"),
    )
}

/// `config` with its audit trail in `dir`, unless it names a folder itself: tests never write
/// into the home folder's trail.
pub fn with_audit_dir(config: &str, dir: &Path) -> String {
    if config.contains("[audit]") { config.to_owned() } else { format!("{config}\n[audit]\ndir = {dir:?}\n") }
}

/// A temp dir holding `agent.toml` for `pki`'s token (see [`config_text`]), and that file.
pub fn configured(pki: &Pki, extra: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = crate::temp_dir("kyso-cli-");
    let config = dir.path().join("agent.toml");
    std::fs::write(&config, with_audit_dir(&config_text(pki, extra), &dir.path().join("audit"))).expect("config");
    (dir, config)
}

/// A `kyso-agent` command line with `config`, on `pki`'s token, with no machine policy.
pub fn kyso_command(pki: &Pki, config: &Path) -> Command {
    let mut command = Command::new(crate::binary("kyso-agent"));
    command
        .arg("--config")
        .arg(config)
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .env("KYSO_POLICY", "")
        .env("KYSO_TEST_PINENTRY_DIR", "")
        .env("KYSO_LOG", "warn");
    // The user's data (PIN change dates) stays beside the test's config.
    if let Some(dir) = config.parent() {
        command.env("XDG_DATA_HOME", dir.join("data"));
    }
    command
}

/// A running agent; stopped (SIGTERM) when dropped.
#[derive(Debug)]
pub struct Agent {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    /// What the agent prints after its first line.
    stdout: std::sync::Mutex<std::sync::mpsc::Receiver<String>>,
}

impl Agent {
    /// Starts an agent on the token of `pki`, allowing [`PORTAL`].
    pub fn start(pki: &Pki) -> Agent {
        Agent::start_with(pki, "")
    }

    /// Starts an agent with extra top-level TOML settings (before any table).
    pub fn start_with(pki: &Pki, extra: &str) -> Agent {
        Agent::start_with_config(pki, &config_text(pki, extra))
    }

    /// Starts an agent with a whole configuration text (see [`config_text`]).
    pub fn start_with_config(pki: &Pki, config: &str) -> Agent {
        Agent::start_with_policy(pki, config, Path::new(""))
    }

    /// Starts an agent with a configuration text and the machine policy file `policy` (empty:
    /// none), as an installed agent reads `/etc/kyso/agent.toml`.
    pub fn start_with_policy(pki: &Pki, config: &str, policy: &Path) -> Agent {
        Agent::launch(pki, config, policy, &[])
    }

    /// Starts an agent whose windows show on the X display `display` (`prompt = "window"`
    /// must be in `config`).
    pub fn start_on_display(pki: &Pki, config: &str, display: &str) -> Agent {
        Agent::launch(pki, config, Path::new(""), &[("DISPLAY", display)])
    }

    /// Starts an agent with `env` set (`DISPLAY`, a `PATH` with stand-in programs, ...).
    pub fn start_with_env(pki: &Pki, config: &str, env: &[(&str, &str)]) -> Agent {
        Agent::launch(pki, config, Path::new(""), env)
    }

    /// Starts an agent on a desktop: the X display `display` and the session bus at
    /// `bus_address`, where its tray icon goes.
    pub fn start_on_desktop(pki: &Pki, config: &str, display: &str, bus_address: &str) -> Agent {
        Agent::launch(pki, config, Path::new(""), &[("DISPLAY", display), ("DBUS_SESSION_BUS_ADDRESS", bus_address)])
    }

    /// Starts an agent on a desktop under the machine policy file `policy`.
    pub fn start_on_desktop_with_policy(
        pki: &Pki,
        config: &str,
        display: &str,
        bus_address: &str,
        policy: &Path,
    ) -> Agent {
        Agent::launch(pki, config, policy, &[("DISPLAY", display), ("DBUS_SESSION_BUS_ADDRESS", bus_address)])
    }

    /// Waits up to `timeout` for the agent to exit on its own; its exit status.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn launch(pki: &Pki, config: &str, policy: &Path, desktop: &[(&str, &str)]) -> Agent {
        let dir = crate::temp_dir("kyso-agent-");
        let config_path = dir.path().join("agent.toml");
        std::fs::write(&config_path, with_audit_dir(config, &dir.path().join("audit"))).expect("write config");
        std::fs::create_dir(dir.path().join("pinentry")).expect("pinentry dir");
        let stderr = std::fs::File::create(dir.path().join("agent.log")).expect("log file");
        let mut command = Command::new(crate::binary("kyso-agent"));
        // No desktop unless given one: no windows, no tray on the test runner's own session.
        command.env_remove("DISPLAY").env_remove("DBUS_SESSION_BUS_ADDRESS").envs(desktop.iter().copied());
        let mut child = command
            .arg("--config")
            .arg(&config_path)
            .arg("serve")
            .env("SOFTHSM2_CONF", pki.softhsm_conf())
            .env("KYSO_POLICY", policy)
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("KYSO_TEST_PINENTRY_DIR", dir.path().join("pinentry"))
            .env("KYSO_LOG", "debug,cryptoki::mechanism=off")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn kyso-agent");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let port = line.trim().rsplit(':').next().and_then(|p| p.parse().ok());
        let mut agent = Agent { child: Some(child), port: 0, dir, stdout: std::sync::Mutex::new(rx) };
        match port {
            Some(port) => agent.port = port,
            None => panic!("the agent did not start ({line:?}); log:\n{}", agent.log()),
        }
        agent
    }

    /// The entries of its audit trail (`audit.log`), oldest first.
    pub fn audit(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.path().join("audit/audit.log")).unwrap_or_default();
        text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
    }

    /// The raw text of its audit trail.
    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("audit/audit.log")).unwrap_or_default()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of plugin calls, when `compat.port` is set (the line after the main port's).
    pub fn plugin_port(&self) -> u16 {
        let stdout = self.stdout.lock().expect("stdout");
        let line = stdout.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
        assert!(line.contains("plugin calls"), "no plugin port line: {line:?}");
        line.trim().rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port")
    }

    /// A client trusting the local CA.
    pub fn client(&self) -> Client {
        Client::new(self.port, &dev_cert().join("ca.pem"))
    }

    /// Scripts the pinentry's next answers (`pin 123456`, `cancel`, `run CMD`, `sleep N`, ...).
    pub fn answers(&self, answers: &[&str]) {
        let text: String = answers.iter().map(|a| format!("{a}\n")).collect();
        std::fs::write(self.dir.path().join("pinentry/answers"), text).expect("write answers");
    }

    /// Lines the pinentry logged for prompts shown (`GETPIN\t...`, `CONFIRM\t...`).
    pub fn prompts(&self) -> Vec<String> {
        self.pinentry_log()
            .lines()
            .filter(|l| l.starts_with("GETPIN") || l.starts_with("CONFIRM"))
            .map(str::to_owned)
            .collect()
    }

    /// How many times the pinentry program was started.
    pub fn prompter_starts(&self) -> usize {
        self.pinentry_log().lines().filter(|l| l.starts_with("START")).count()
    }

    fn pinentry_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pinentry/log")).unwrap_or_default()
    }

    /// The agent's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("agent.log")).unwrap_or_default()
    }

    /// A path in the test's own directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Sends SIGTERM and waits (at most 20 s) for the exit status.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.stop();
    }
}
