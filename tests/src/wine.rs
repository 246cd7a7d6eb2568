//! A throwaway Wine prefix for running Kyso's Windows build: made with `wineboot`, given the
//! `bcryptprimitives.dll` stand-in Rust programs need on Wine 8 (`tests/wine/`), headless.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The Windows build of a workspace binary (`cargo build --target x86_64-pc-windows-gnu`).
///
/// # Panics
///
/// When it has not been built (`scripts/test.sh` builds it).
pub fn windows_binary(name: &str) -> PathBuf {
    let debug = crate::binary("kyso-test-pinentry").parent().expect("target/debug").to_owned();
    let path = debug.parent().expect("target").join("x86_64-pc-windows-gnu/debug").join(format!("{name}.exe"));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --target x86_64-pc-windows-gnu -p kyso-agent -p kyso-installer`",
        path.display()
    );
    path
}

/// A Wine prefix in a temporary directory, removed (after its processes end) when dropped.
#[derive(Debug)]
pub struct Prefix {
    dir: tempfile::TempDir,
}

impl Prefix {
    /// Makes the prefix (about ten seconds) and installs the shim DLL into its `system32`.
    pub fn create() -> Prefix {
        let dir = crate::temp_dir("kyso-wine-");
        let prefix = Prefix { dir };
        let out = prefix.command("wine").args(["wineboot", "--init"]).output().expect("wine (Debian wine, wine64)");
        assert!(out.status.success(), "wineboot: {}", String::from_utf8_lossy(&out.stderr));
        prefix.wait();
        let shim = Path::new(env!("CARGO_MANIFEST_DIR")).join("wine/bcryptprimitives.c");
        let dll = prefix.drive_c().join("windows/system32/bcryptprimitives.dll");
        let out = Command::new("x86_64-w64-mingw32-gcc")
            .args(["-O2", "-shared", "-s", "-Wl,--kill-at", "-o"])
            .arg(&dll)
            .arg(&shim)
            .arg("-ladvapi32")
            .output()
            .expect("x86_64-w64-mingw32-gcc (gcc-mingw-w64-x86-64)");
        assert!(out.status.success(), "shim: {}", String::from_utf8_lossy(&out.stderr));
        prefix
    }

    /// `C:\` on the Linux side.
    pub fn drive_c(&self) -> PathBuf {
        self.dir.path().join("drive_c")
    }

    /// A command (`wine`, `wineserver`) for this prefix: no display, no Mono or Gecko prompts.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .env("WINEPREFIX", self.dir.path())
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("WINEARCH", "win64")
            .env_remove("DISPLAY")
            .env_remove("KYSO_CONFIG")
            .env_remove("SOFTHSM2_CONF")
            .stdin(Stdio::null());
        command
    }

    /// Runs `wine ARGS` to the end.
    pub fn wine(&self, args: &[&str]) -> Output {
        self.command("wine").args(args).output().expect("wine")
    }

    /// Starts `wine ARGS` in the background, its output into `log`.
    pub fn spawn(&self, args: &[&str], log: &Path) -> Child {
        let out = std::fs::File::create(log).expect("log");
        let err = out.try_clone().expect("log");
        self.command("wine").args(args).stdout(out).stderr(err).spawn().expect("wine")
    }

    /// Waits until the prefix's processes have ended and the registry is on disk.
    pub fn wait(&self) {
        let _ = self.command("wineserver").arg("-w").status();
    }

    /// `reg query KEY`: the printed values, or `None` when the key does not exist.
    pub fn reg_query(&self, key: &str) -> Option<String> {
        let out = self.wine(&["reg", "query", key]);
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        let _ = self.command("wineserver").arg("-k").status();
    }
}
