//! Scripted pinentry for end-to-end tests, standing in for the user.
//!
//! It speaks the pinentry protocol on stdin/stdout and is driven by the directory named
//! in `KYSO_TEST_PINENTRY_DIR` (without it, every prompt is cancelled):
//!
//! - `log` gets `START\t<pid>\t<args>` on start and, for every `GETPIN` or `CONFIRM`,
//!   `<command>\t<title>\t<description>\t<error>` with the texts decoded and newlines,
//!   CRs and tabs written as `\n`, `\r`, `\t`. Unusable answers add `BAD-ANSWER\t<line>`.
//! - `answers` holds one answer per line; each prompt consumes the first line, and a
//!   missing or empty file means `cancel`. Answers: `pin <PIN>`, `confirm`, `cancel`,
//!   `err <code> <text>` (any `ERR` reply), and the prefixes `run <shell command>` and
//!   `sleep <seconds>`, which act and then consume the next line as the answer.

use std::env;
use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{self, Command, ExitCode, Stdio};
use std::thread;
use std::time::Duration;

const CANCELLED: &str = "ERR 83886179 Operation cancelled <Pinentry>";
const GENERAL_ERROR: &str = "ERR 83886081 General error <Pinentry>";

#[derive(Default)]
struct Dialog {
    title: String,
    description: String,
    error: String,
}

fn main() -> ExitCode {
    let dir = env::var_os("KYSO_TEST_PINENTRY_DIR").filter(|dir| !dir.is_empty()).map(PathBuf::from);
    match serve(dir.as_deref()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kyso-test-pinentry: {err}");
            ExitCode::FAILURE
        }
    }
}

fn serve(dir: Option<&Path>) -> io::Result<()> {
    let args: Vec<String> = env::args().skip(1).collect();
    log(dir, &format!("START\t{}\t{}", process::id(), args.join(" ")));
    let mut out = io::stdout().lock();
    send(&mut out, "OK Pleased to meet you")?;
    let mut dialog = Dialog::default();
    for line in io::stdin().lock().lines() {
        let line = line?;
        let line = line.trim_end_matches('\r');
        let (command, param) = line.split_once(' ').unwrap_or((line, ""));
        let param = decode(param);
        match command.to_ascii_uppercase().as_str() {
            "SETTITLE" => dialog.title = param,
            "SETDESC" => dialog.description = param,
            "SETERROR" => dialog.error = param,
            "OPTION" | "SETPROMPT" | "SETOK" | "SETCANCEL" | "SETNOTOK" | "SETTIMEOUT" | "SETKEYINFO" | "SETREPEAT"
            | "SETREPEATERROR" | "SETREPEATOK" | "SETQUALITYBAR" | "SETQUALITYBAR_TT" | "SETGENPIN"
            | "SETGENPIN_TT" | "NOP" | "RESET" => {}
            "GETINFO" if param == "pid" => send(&mut out, &format!("D {}", process::id()))?,
            "GETINFO" => {
                send(&mut out, "ERR 536871192 Parameter error")?;
                continue;
            }
            verb @ ("GETPIN" | "CONFIRM") => {
                prompt(&mut out, dir, verb, &dialog)?;
                // Like pinentry, an error text is shown once only.
                dialog.error.clear();
                continue;
            }
            "BYE" => return send(&mut out, "OK closing connection"),
            _ => {
                send(&mut out, "ERR 536871187 Unknown IPC command")?;
                continue;
            }
        }
        send(&mut out, "OK")?;
    }
    Ok(())
}

/// Logs the prompt and replies with the next scripted answer.
fn prompt(out: &mut impl Write, dir: Option<&Path>, verb: &str, dialog: &Dialog) -> io::Result<()> {
    let fields = [&dialog.title, &dialog.description, &dialog.error].map(|f| flatten(f));
    log(dir, &format!("{verb}\t{}", fields.join("\t")));
    let answer = dir.map_or_else(|| "cancel".to_owned(), next_answer);
    let (kind, rest) = answer.split_once(' ').unwrap_or((&answer, ""));
    match (verb, kind) {
        ("GETPIN", "pin") => {
            send(out, &format!("D {}", escape(rest)))?;
            send(out, "OK")
        }
        ("CONFIRM", "confirm") => send(out, "OK"),
        (_, "cancel") => send(out, CANCELLED),
        (_, "err") => send(out, &format!("ERR {rest}")),
        _ => {
            log(dir, &format!("BAD-ANSWER\t{answer}"));
            send(out, GENERAL_ERROR)
        }
    }
}

/// Consumes answer lines, running `run` and `sleep` steps, up to the actual answer.
fn next_answer(dir: &Path) -> String {
    loop {
        let line = take_first_line(&dir.join("answers"));
        if let Some(command) = line.strip_prefix("run ") {
            // Stdout is the protocol channel, so the command must not write to it.
            let status = Command::new("sh").args(["-c", command]).stdin(Stdio::null()).stdout(Stdio::null()).status();
            if !matches!(status, Ok(s) if s.success()) {
                eprintln!("kyso-test-pinentry: `{command}` failed: {status:?}");
            }
        } else if let Some(secs) = line.strip_prefix("sleep ") {
            let secs = secs.trim().parse().unwrap_or(0.0);
            thread::sleep(Duration::from_secs_f64(secs));
        } else {
            return line;
        }
    }
}

/// Removes and returns the first line of `path`; a missing or empty file yields `cancel`.
fn take_first_line(path: &Path) -> String {
    let Ok(content) = fs::read_to_string(path) else {
        return "cancel".to_owned();
    };
    let (first, rest) = content.split_once('\n').unwrap_or((&content, ""));
    if let Err(err) = fs::write(path, rest) {
        eprintln!("kyso-test-pinentry: cannot rewrite {}: {err}", path.display());
    }
    let first = first.trim_end_matches('\r');
    if first.trim().is_empty() { "cancel" } else { first }.to_owned()
}

fn send(out: &mut impl Write, line: &str) -> io::Result<()> {
    writeln!(out, "{line}")?;
    out.flush()
}

fn log(dir: Option<&Path>, line: &str) {
    let Some(dir) = dir else { return };
    let path = dir.join("log");
    let written =
        OpenOptions::new().create(true).append(true).open(&path).and_then(|mut file| writeln!(file, "{line}"));
    if let Err(err) = written {
        eprintln!("kyso-test-pinentry: cannot write {}: {err}", path.display());
    }
}

/// Keeps a text on one log line.
fn flatten(text: &str) -> String {
    text.replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t")
}

/// Escapes a data line the way libassuan does.
fn escape(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Decodes `%XX` escapes in a parameter, leaving malformed ones as they are.
fn decode(param: &str) -> String {
    let bytes = param.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes
            .get(i + 1..i + 3)
            .filter(|hex| bytes[i] == b'%' && hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match byte {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
