//! A real X display for the agent's windows: Xvfb, driven with xdotool as a user would (type,
//! press keys), photographed with xwd, and read back with Tesseract OCR (Vietnamese and
//! English models) so tests can check what the window says, diacritics included.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An Xvfb server; killed when dropped.
#[derive(Debug)]
pub struct Desktop {
    xvfb: Child,
    display: String,
}

impl Desktop {
    /// Starts Xvfb on a display number it picks itself (`-displayfd`), so parallel tests and
    /// other X servers never collide.
    ///
    /// # Panics
    ///
    /// When Xvfb is missing or does not come up in 10 s.
    pub fn start() -> Desktop {
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (package xvfb)");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(xvfb.stdout.take().expect("stdout")), &mut line)
            .expect("Xvfb says its display");
        let desktop = Desktop { xvfb, display: format!(":{}", line.trim()) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while desktop.xdotool(&["getdisplaygeometry"]).is_err() {
            assert!(Instant::now() < deadline, "Xvfb did not start (display {line:?})");
            std::thread::sleep(Duration::from_millis(50));
        }
        desktop
    }

    /// The `DISPLAY` value.
    pub fn display(&self) -> &str {
        &self.display
    }

    fn xdotool(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new("xdotool").args(args).env("DISPLAY", &self.display).output().expect("xdotool");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(format!("xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr)))
        }
    }

    /// The visible windows whose title contains `title`.
    pub fn windows(&self, title: &str) -> Vec<String> {
        self.xdotool(&["search", "--onlyvisible", "--name", title])
            .map(|ids| ids.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Waits up to `timeout` for one visible window titled with `title`.
    ///
    /// # Panics
    ///
    /// When none shows.
    pub fn wait_for_window(&self, title: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(window) = self.windows(title).pop() {
                return window;
            }
            assert!(Instant::now() < deadline, "no window titled {title:?} within {timeout:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits up to `timeout` for every window titled with `title` to go.
    pub fn wait_until_gone(&self, title: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.windows(title).is_empty() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Waits up to `timeout` for the window `window` (an id from [`Desktop::windows`]) to go.
    pub fn wait_until_gone_id(&self, window: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !self.windows("").iter().any(|w| w == window) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Types `text` into `window`, as from the keyboard (there is no window manager: the
    /// window is given the focus first).
    pub fn type_text(&self, window: &str, text: &str) {
        self.xdotool(&["windowfocus", "--sync", window]).expect("focus");
        self.xdotool(&["type", "--delay", "40", text]).expect("type");
    }

    /// Presses `key` (xdotool's names: `Return`, `Escape`, ...) in `window`.
    pub fn key(&self, window: &str, key: &str) {
        self.xdotool(&["windowfocus", "--sync", window]).expect("focus");
        self.xdotool(&["key", key]).expect("key");
    }

    /// Presses `keys` one after the other in `window`, `delay_ms` apart.
    pub fn keys(&self, window: &str, keys: &[&str], delay_ms: u32) {
        self.xdotool(&["windowfocus", "--sync", window]).expect("focus");
        let delay = delay_ms.to_string();
        let args: Vec<&str> = ["key", "--delay", delay.as_str()].into_iter().chain(keys.iter().copied()).collect();
        self.xdotool(&args).expect("keys");
    }

    /// Saves the screen as PNG at `path`.
    ///
    /// # Panics
    ///
    /// When xwd or ImageMagick fail.
    pub fn screenshot(&self, path: &Path) {
        let xwd = Command::new("xwd")
            .args(["-root", "-silent", "-display", &self.display])
            .output()
            .expect("xwd (package x11-apps)");
        assert!(xwd.status.success(), "xwd failed");
        let mut convert = Command::new("convert")
            .args(["xwd:-", &format!("png:{}", path.display())])
            .stdin(Stdio::piped())
            .spawn()
            .expect("convert (package imagemagick)");
        std::io::Write::write_all(&mut convert.stdin.take().expect("stdin"), &xwd.stdout).expect("write xwd");
        assert!(convert.wait().expect("convert").success(), "convert failed");
    }

    /// The title of `window`.
    pub fn window_name(&self, window: &str) -> String {
        self.xdotool(&["getwindowname", window]).unwrap_or_default()
    }

    /// Where `window` is on the screen: width, height, x, y.
    fn geometry(&self, window: &str) -> Option<(u32, u32, i32, i32)> {
        let shell = self.xdotool(&["getwindowgeometry", "--shell", window]).ok()?;
        let value = |key: &str| {
            shell
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        Some((
            u32::try_from(value("WIDTH")?).ok()?,
            u32::try_from(value("HEIGHT")?).ok()?,
            i32::try_from(value("X")?).ok()?,
            i32::try_from(value("Y")?).ok()?,
        ))
    }

    /// Saves the screen as `name`.png among the test artifacts, and returns what Tesseract
    /// reads in `window` (cut out and enlarged, which it reads far better), spaces collapsed.
    pub fn screenshot_text(&self, name: &str, window: &str) -> String {
        let path = artifacts().join(format!("{name}.png"));
        self.screenshot(&path);
        let enlarged = artifacts().join(format!("{name}.ocr.png"));
        let mut convert = Command::new("convert");
        convert.arg(&path);
        if let Some((width, height, x, y)) = self.geometry(window) {
            convert.args(["-crop", &format!("{width}x{height}+{x}+{y}"), "+repage"]);
        }
        let status = convert.args(["-resize", "200%", "-colorspace", "Gray"]).arg(&enlarged).status().expect("convert");
        assert!(status.success(), "convert failed");
        let out = Command::new("tesseract")
            .arg(&enlarged)
            .args(["-", "-l", "vie+eng", "--psm", "3"])
            .stderr(Stdio::null())
            .output()
            .expect("tesseract (packages tesseract-ocr, tesseract-ocr-vie)");
        let _ = std::fs::remove_file(&enlarged);
        let text = String::from_utf8_lossy(&out.stdout);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Where Tesseract reads the word `word` in `window`: left, top, width, height on screen.
    ///
    /// # Panics
    ///
    /// When the word is not on screen.
    pub fn word_at(&self, window: &str, word: &str) -> (i32, i32, i32, i32) {
        self.find_word(window, word, |read| read == word)
    }

    /// Where Tesseract reads the first word that starts with `prefix` in `window` (for labels
    /// it reads with trailing punctuation, like "Import…").
    ///
    /// # Panics
    ///
    /// When no such word is on screen.
    pub fn word_starting(&self, window: &str, prefix: &str) -> (i32, i32, i32, i32) {
        self.find_word(window, prefix, |read| read.starts_with(prefix))
    }

    fn find_word(&self, window: &str, word: &str, matches: impl Fn(&str) -> bool) -> (i32, i32, i32, i32) {
        let (width, height, x, y) = self.geometry(window).expect("window geometry");
        let name: String = word.chars().filter(char::is_ascii_alphanumeric).collect();
        let path = artifacts().join(format!("find-{name}.png"));
        self.screenshot(&path);
        let status = Command::new("convert")
            .arg(&path)
            .args(["-crop", &format!("{width}x{height}+{x}+{y}"), "+repage", "-resize", "200%", "-colorspace", "Gray"])
            .arg(&path)
            .status()
            .expect("convert");
        assert!(status.success(), "convert failed");
        let out = Command::new("tesseract")
            .arg(&path)
            .args(["-", "-l", "vie+eng", "tsv"])
            .stderr(Stdio::null())
            .output()
            .expect("tesseract");
        let _ = std::fs::remove_file(&path);
        let tsv = String::from_utf8_lossy(&out.stdout);
        // level page block par line word left top width height conf text
        let found = tsv.lines().find_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let number = |i: usize| f.get(i).and_then(|v| v.parse::<i32>().ok());
            f.get(11)
                .is_some_and(|t| matches(t.trim()))
                .then(|| Some((number(6)?, number(7)?, number(8)?, number(9)?)))?
        });
        let (left, top, w, h) = found.unwrap_or_else(|| panic!("{word:?} is not on screen:\n{tsv}"));
        // The image was enlarged twice.
        (x + left / 2, y + top / 2, w / 2, h / 2)
    }

    /// Clicks at (`dx`, `dy`) in `window`; negative values count from its right or bottom edge.
    pub fn click_in(&self, window: &str, dx: i32, dy: i32) {
        let (width, height, x, y) = self.geometry(window).expect("window geometry");
        let px = if dx < 0 { x + width as i32 + dx } else { x + dx };
        let py = if dy < 0 { y + height as i32 + dy } else { y + dy };
        self.click_at(px, py);
    }

    /// Clicks at (`x`, `y`) on the screen, as a user with the mouse.
    pub fn click_at(&self, x: i32, y: i32) {
        self.xdotool(&["mousemove", "--sync", &x.to_string(), &y.to_string()]).expect("move");
        self.xdotool(&["click", "1"]).expect("click");
    }

    /// Takes screenshots named `name` until Tesseract reads `needle` in `window` (a window may
    /// take a moment to paint), up to `timeout`; returns the last text read.
    pub fn wait_for_text(&self, name: &str, window: &str, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.screenshot_text(name, window);
            if text.contains(needle) || Instant::now() >= deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        // SIGTERM, so that Xvfb removes its lock file and socket.
        let _ = Command::new("kill").arg("-TERM").arg(self.xvfb.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.xvfb.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// Where screenshots go: `target/test-artifacts/windows`, kept after the run for people to look at.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts/windows");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}
