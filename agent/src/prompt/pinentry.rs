//! Asks the user for consent and a token PIN through an external pinentry program.
//!
//! The program speaks GnuPG's Assuan-based pinentry protocol (pinentry-gnome3, -qt,
//! -curses, -tty, ...). Each dialog runs its own program instance, and the whole
//! conversation is bounded by the dialog's timeout.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use secrecy::SecretString;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::process::Command;
use zeroize::{Zeroize, Zeroizing};

/// Longest line a pinentry accepts, without the LF (libassuan's `ASSUAN_LINELENGTH`).
const MAX_OUT_LINE: usize = 1000;
/// Longest reply line accepted from the pinentry, including the LF.
const MAX_IN_LINE: usize = 4096;
/// How long a pinentry gets for `BYE` and for exiting before it is killed.
const EXIT_GRACE: Duration = Duration::from_millis(500);
const ELLIPSIS: &str = "…";

/// Texts and time limit of one pinentry dialog; empty texts other than the description
/// keep the pinentry's defaults.
#[derive(Debug, Clone)]
pub struct PinentryDialog {
    pub title: String,
    /// Multi-line text; sent escaped, truncated to fit one Assuan line.
    pub description: String,
    /// Label in front of the PIN field; only used by [`get_pin`].
    pub prompt: String,
    pub ok: String,
    pub cancel: String,
    /// Warning shown above the field, e.g. that this is the final try.
    pub error: Option<String>,
    /// For a new PIN: the label of a second field the pinentry shows to confirm it
    /// (`SETREPEAT`); see [`get_new_pin`].
    pub repeat: Option<String>,
    /// Limit for the whole dialog, also passed to the pinentry as `SETTIMEOUT`.
    pub timeout: Duration,
}

/// The user's answer to a dialog.
pub enum PinentryAnswer {
    Pin(SecretString),
    Confirmed,
    Cancelled,
}

impl fmt::Debug for PinentryAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pin(_) => f.write_str("Pin(<redacted>)"),
            Self::Confirmed => f.write_str("Confirmed"),
            Self::Cancelled => f.write_str("Cancelled"),
        }
    }
}

/// Failure to run a dialog; the user cancelling is not an error.
#[derive(Debug)]
pub enum PinentryError {
    Spawn { program: PathBuf, source: io::Error },
    Io(io::Error),
    Protocol(String),
    TimedOut,
}

impl fmt::Display for PinentryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Spawn { program, .. } => {
                write!(f, "cannot start pinentry program {}", program.display())
            }
            Self::Io(_) => f.write_str("cannot talk to the pinentry program"),
            Self::Protocol(detail) => write!(f, "pinentry protocol error: {detail}"),
            Self::TimedOut => f.write_str("pinentry dialog timed out"),
        }
    }
}

impl std::error::Error for PinentryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Spawn { source, .. } | Self::Io(source) => Some(source),
            Self::Protocol(_) | Self::TimedOut => None,
        }
    }
}

/// Runs `program` to ask for a PIN (`GETPIN`); returns `Pin` (possibly empty) or
/// `Cancelled`, which includes the pinentry's own timeout.
pub async fn get_pin(program: &Path, dialog: &PinentryDialog) -> Result<PinentryAnswer, PinentryError> {
    run(program, dialog, "GETPIN").await.map(|(answer, _)| answer)
}

/// Like [`get_pin`] for a new PIN, with `dialog.repeat` set: also says whether the pinentry
/// had the user type it twice and checked both (`S PIN_REPEATED`); older pinentries do not,
/// and the caller must ask again.
pub async fn get_new_pin(program: &Path, dialog: &PinentryDialog) -> Result<(PinentryAnswer, bool), PinentryError> {
    run(program, dialog, "GETPIN").await
}

/// Runs `program` to ask for consent (`CONFIRM`); returns `Confirmed` or `Cancelled`.
pub async fn confirm(program: &Path, dialog: &PinentryDialog) -> Result<PinentryAnswer, PinentryError> {
    run(program, dialog, "CONFIRM").await.map(|(answer, _)| answer)
}

async fn run(
    program: &Path,
    dialog: &PinentryDialog,
    verb: &'static str,
) -> Result<(PinentryAnswer, bool), PinentryError> {
    let mut child = Command::new(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| PinentryError::Spawn { program: program.to_path_buf(), source })?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill().await;
        return Err(protocol("pinentry pipes are missing"));
    };
    let mut session = Session { reader: LineReader::new(stdout), writer: stdin, repeated: false };
    let outcome = tokio::time::timeout(dialog.timeout, session.converse(dialog, verb))
        .await
        .unwrap_or(Err(PinentryError::TimedOut))
        .map(|answer| (answer, session.repeated));
    if outcome.is_ok() {
        // The answer is known: a pinentry that mishandles BYE must not turn it into an error.
        let bye = async {
            session.send("BYE", None).await?;
            session.reply(None).await
        };
        let _ = tokio::time::timeout(EXIT_GRACE, bye).await;
        drop(session);
        if tokio::time::timeout(EXIT_GRACE, child.wait()).await.is_ok() {
            return outcome;
        }
    }
    // Killing also reaps the child, so neither a dialog nor a zombie is left behind.
    let _ = child.kill().await;
    outcome
}

/// A final reply: `OK`, or the `ERR` it was.
type Reply = Result<(), AssuanErr>;

struct AssuanErr {
    code: u32,
    text: String,
}

impl AssuanErr {
    fn into_error(self, command: &str) -> PinentryError {
        let Self { code, text } = self;
        PinentryError::Protocol(format!("{command} failed with ERR {code} {text:?}"))
    }
}

struct Session<R, W> {
    reader: LineReader<R>,
    writer: W,
    /// The pinentry reported `S PIN_REPEATED`: it checked a repeated entry itself.
    repeated: bool,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> Session<R, W> {
    async fn converse(&mut self, dialog: &PinentryDialog, verb: &str) -> Result<PinentryAnswer, PinentryError> {
        self.reply(None).await?.map_err(|e| e.into_error("greeting"))?;
        for option in environment_options() {
            self.set("OPTION", &option, false).await?;
        }
        let secs = dialog.timeout.as_secs();
        if secs > 0 {
            self.set("SETTIMEOUT", &secs.to_string(), false).await?;
        }
        self.set("SETTITLE", &dialog.title, false).await?;
        self.set("SETDESC", &dialog.description, true).await?;
        if verb == "GETPIN" {
            self.set("SETPROMPT", &dialog.prompt, false).await?;
            if let Some(repeat) = &dialog.repeat {
                self.set("SETREPEAT", repeat, false).await?;
                self.set("SETREPEATERROR", "Hai lần nhập không khớp / The two entries differ", false).await?;
            }
        }
        self.set("SETOK", &dialog.ok, false).await?;
        self.set("SETCANCEL", &dialog.cancel, false).await?;
        if let Some(error) = &dialog.error {
            self.set("SETERROR", error, false).await?;
        }

        self.send(verb, None).await?;
        // Sized for the longest possible answer so that it never reallocates and leaves
        // a copy of the PIN behind.
        let mut data = Zeroizing::new(Vec::with_capacity(MAX_IN_LINE));
        let wants_data = verb == "GETPIN";
        match self.reply(wants_data.then_some(&mut *data)).await? {
            Ok(()) if wants_data => std::str::from_utf8(&data)
                .map(|pin| PinentryAnswer::Pin(SecretString::from(pin)))
                .map_err(|_| protocol("the PIN is not valid UTF-8")),
            Ok(()) => Ok(PinentryAnswer::Confirmed),
            Err(e) if is_cancellation(e.code) => Ok(PinentryAnswer::Cancelled),
            Err(e) => Err(e.into_error(verb)),
        }
    }

    /// Sends a `SET*` or `OPTION` command; a rejected optional one is skipped, since
    /// older pinentries lack some of them.
    async fn set(&mut self, command: &str, value: &str, required: bool) -> Result<(), PinentryError> {
        if value.is_empty() && !required {
            return Ok(());
        }
        self.send(command, Some(value)).await?;
        match self.reply(None).await? {
            Err(e) if required => Err(e.into_error(command)),
            Err(e) => {
                tracing::debug!(command, code = e.code, "pinentry rejected an optional command");
                Ok(())
            }
            Ok(()) => Ok(()),
        }
    }

    async fn send(&mut self, command: &str, param: Option<&str>) -> Result<(), PinentryError> {
        let mut line = String::from(command);
        if let Some(param) = param {
            line.push(' ');
            line.push_str(&escape(param, MAX_OUT_LINE.saturating_sub(line.len())));
        }
        line.push('\n');
        let writer = &mut self.writer;
        writer.write_all(line.as_bytes()).await.map_err(PinentryError::Io)?;
        writer.flush().await.map_err(PinentryError::Io)
    }

    /// Reads up to the final `OK` or `ERR`, decoding `D` lines into `data` when given.
    async fn reply(&mut self, mut data: Option<&mut Vec<u8>>) -> Result<Reply, PinentryError> {
        loop {
            let line = self.reader.next_line().await?;
            if line == b"OK" || line.starts_with(b"OK ") {
                return Ok(Ok(()));
            }
            if let Some(rest) = line.strip_prefix(b"ERR ") {
                return parse_err(rest).map(Err);
            }
            if line == b"D" || line.starts_with(b"D ") {
                let payload = line.get(2..).unwrap_or_default();
                match data.as_deref_mut() {
                    // Decoding never lengthens, so the buffer stays within its capacity.
                    Some(buf) if buf.len() + payload.len() <= MAX_IN_LINE => {
                        percent_decode_into(payload, buf);
                    }
                    Some(_) => return Err(protocol("the PIN is too long")),
                    None => return Err(protocol("unexpected data line")),
                }
            } else if line.starts_with(b"S PIN_REPEATED") {
                self.repeated = true;
            } else if !(line == b"S" || line.starts_with(b"S ") || line.starts_with(b"#")) {
                return Err(protocol(format!("unexpected reply {:?}", preview(line))));
            }
        }
    }
}

fn protocol(detail: impl Into<String>) -> PinentryError {
    PinentryError::Protocol(detail.into())
}

/// Reads lines into a fixed buffer that is wiped after use, as lines may carry the PIN.
struct LineReader<R> {
    inner: R,
    buf: Box<[u8]>,
    filled: usize,
    line_end: usize,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    fn new(inner: R) -> Self {
        Self { inner, buf: vec![0; MAX_IN_LINE].into_boxed_slice(), filled: 0, line_end: 0 }
    }

    /// Returns the next line without its line ending.
    async fn next_line(&mut self) -> Result<&[u8], PinentryError> {
        if self.line_end > 0 {
            self.buf.copy_within(self.line_end..self.filled, 0);
            let kept = self.filled - self.line_end;
            self.buf[kept..self.filled].zeroize();
            (self.filled, self.line_end) = (kept, 0);
        }
        loop {
            if let Some(pos) = self.buf[..self.filled].iter().position(|&b| b == b'\n') {
                self.line_end = pos + 1;
                let line = &self.buf[..pos];
                return Ok(line.strip_suffix(b"\r").unwrap_or(line));
            }
            if self.filled == self.buf.len() {
                return Err(protocol(format!("reply line longer than {MAX_IN_LINE} bytes")));
            }
            let read = self.inner.read(&mut self.buf[self.filled..]).await;
            match read.map_err(PinentryError::Io)? {
                0 => return Err(protocol("pinentry closed the connection")),
                n => self.filled += n,
            }
        }
    }
}

impl<R> Drop for LineReader<R> {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

fn parse_err(rest: &[u8]) -> Result<AssuanErr, PinentryError> {
    let rest = String::from_utf8_lossy(rest);
    let (code, text) = rest.split_once(' ').unwrap_or((&rest, ""));
    let code = code.parse().map_err(|_| protocol(format!("malformed error code {code:?}")))?;
    Ok(AssuanErr { code, text: preview(text.as_bytes()) })
}

/// Tells whether an `ERR` code means the user cancelled or let the dialog time out.
fn is_cancellation(code: u32) -> bool {
    // The high bits name the error source (e.g. pinentry), the low 16 bits the gpg-error
    // code: TIMEOUT, CANCELED, NOT_CONFIRMED, FULLY_CANCELED.
    matches!(code & 0xFFFF, 62 | 99 | 114 | 198)
}

fn escape_char(c: char) -> Option<&'static str> {
    match c {
        '%' => Some("%25"),
        '\r' => Some("%0D"),
        '\n' => Some("%0A"),
        _ => None,
    }
}

/// Percent-escapes `%`, CR and LF, truncating to `budget` bytes with an ellipsis.
fn escape(value: &str, budget: usize) -> String {
    let escaped_len = |c: char| escape_char(c).map_or(c.len_utf8(), str::len);
    let full: usize = value.chars().map(escaped_len).sum();
    let limit = if full <= budget { budget } else { budget.saturating_sub(ELLIPSIS.len()) };
    let mut out = String::with_capacity(full.min(budget));
    for c in value.chars() {
        // Whole characters and whole escapes only, so the cut never splits either.
        if out.len() + escaped_len(c) > limit {
            out.push_str(ELLIPSIS);
            break;
        }
        match escape_char(c) {
            Some(escaped) => out.push_str(escaped),
            None => out.push(c),
        }
    }
    out
}

fn percent_decode_into(src: &[u8], out: &mut Vec<u8>) {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut i = 0;
    while i < src.len() {
        let escaped = match src.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex(*hi).zip(hex(*lo)),
            _ => None,
        };
        match escaped {
            // Two hex digits always fit a byte.
            Some((hi, lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            None => {
                out.push(src[i]);
                i += 1;
            }
        }
    }
}

/// Returns a short printable excerpt of a pinentry reply for error messages.
fn preview(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).chars().take(80).collect()
}

/// Returns the `OPTION` values that let terminal pinentries find the terminal and
/// decode UTF-8 texts.
fn environment_options() -> Vec<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut options = Vec::new();
    if let Some(tty) = stdin_tty_name() {
        options.push(format!("ttyname={tty}"));
        if let Some(term) = var("TERM") {
            options.push(format!("ttytype={term}"));
        }
    }
    if let Some(locale) = ["LC_ALL", "LC_CTYPE", "LANG"].into_iter().find_map(var) {
        options.push(format!("lc-ctype={locale}"));
    }
    options
}

/// Terminals are named for terminal pinentries on Unix; Windows pinentries are graphical.
#[cfg(not(unix))]
fn stdin_tty_name() -> Option<String> {
    None
}

#[cfg(unix)]
fn stdin_tty_name() -> Option<String> {
    // SAFETY: isatty only inspects the descriptor number, which needs not be open.
    if unsafe { libc::isatty(0) } != 1 {
        return None;
    }
    let mut buf = [0u8; 256];
    // SAFETY: the pointer and length describe `buf`, which outlives the call; on success
    // ttyname_r leaves a NUL-terminated path in it.
    let rc = unsafe { libc::ttyname_r(0, buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let name = std::ffi::CStr::from_bytes_until_nul(&buf).ok()?;
    name.to_str().ok().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_percent_and_line_breaks_only() {
        assert_eq!(escape("a%b\r\nc d+é", 100), "a%25b%0D%0Ac d+é");
    }

    #[test]
    fn truncates_at_char_boundaries_without_splitting_escapes() {
        assert_eq!(escape("abcdef", 6), "abcdef");
        assert_eq!(escape("abcdefg", 6), "abc…");
        // "ab%25" and the ellipsis would need 8 bytes: the escape is dropped whole.
        assert_eq!(escape("ab%cd", 6), "ab…");
        // "ắ" takes 3 bytes and must not be cut in half.
        assert_eq!(escape("aắắắ", 8), "aắ…");
        let long = "Ký số tài liệu\n".repeat(200);
        let line = escape(&long, MAX_OUT_LINE - "SETDESC ".len());
        assert!(line.len() <= MAX_OUT_LINE - "SETDESC ".len());
        assert!(line.ends_with(ELLIPSIS) && !line.ends_with("%…") && !line.ends_with("%0…"));
    }

    #[test]
    fn decodes_percent_escapes_and_keeps_malformed_ones() {
        let mut out = Vec::new();
        percent_decode_into(b"12%2534%0a%0D%zz%4", &mut out);
        assert_eq!(out, b"12%34\n\r%zz%4");
    }

    #[test]
    fn classifies_cancellation_codes() {
        for code in [99, 83886179, 83886142, 83886194, 198, 62] {
            assert!(is_cancellation(code), "{code}");
        }
        for code in [0, 1, 83886081, 536871187] {
            assert!(!is_cancellation(code), "{code}");
        }
    }

    #[test]
    fn parses_err_lines() {
        let err = parse_err(b"83886179 Operation cancelled <Pinentry>").ok();
        let err = err.map(|e| (e.code, e.text));
        assert_eq!(err, Some((83886179, "Operation cancelled <Pinentry>".into())));
        assert!(parse_err(b"oops").is_err());
    }

    #[test]
    fn debug_redacts_the_pin() {
        let answer = PinentryAnswer::Pin(SecretString::from("123456"));
        assert_eq!(format!("{answer:?}"), "Pin(<redacted>)");
    }

    #[tokio::test]
    async fn reads_lines_and_rejects_overlong_ones() {
        let input: &[u8] = b"OK hi\r\nD 12%25\n";
        let mut reader = LineReader::new(input);
        assert_eq!(reader.next_line().await.ok(), Some(&b"OK hi"[..]));
        assert_eq!(reader.next_line().await.ok(), Some(&b"D 12%25"[..]));
        assert!(reader.next_line().await.is_err());
        let long = vec![b'x'; MAX_IN_LINE + 1];
        let mut reader = LineReader::new(&long[..]);
        assert!(reader.next_line().await.is_err());
    }
}
