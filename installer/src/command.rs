//! Running the operating system's own tools (certutil, update-ca-certificates, groupadd, ...).

use std::process::Command;

use crate::text::{Failure, failure};

/// Runs `program` with `args`, returns its standard output; a failure names the command and
/// what it printed.
///
/// # Errors
///
/// The program is missing or exits non-zero.
pub fn run(program: &str, args: &[&str]) -> Result<String, Failure> {
    let shown = || format!("{program} {}", args.join(" "));
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| failure("Không chạy được lệnh", "Cannot run command", format!("{}: {e}", shown())))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let said = if stderr.trim().is_empty() { stdout } else { stderr };
        return Err(failure(
            "Lệnh thất bại",
            "Command failed",
            format!("{} ({}): {}", shown(), output.status, said.trim()),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
