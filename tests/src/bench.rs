//! Benchmark plumbing shared by the `bench-*` binaries: timing, per-process peak memory, and
//! the report (median, p90, min, peak RSS, ratio to the first row).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One peer's measurements.
#[derive(Debug)]
pub struct Measured {
    /// What was measured.
    pub name: String,
    /// Wall times.
    pub samples: Vec<Duration>,
    /// Largest peak resident set of a measured process, KiB (for process peers).
    pub peak_rss_kib: Option<u64>,
}

impl Measured {
    /// The `q` quantile of the samples, in milliseconds.
    pub fn stat(&self, q: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort();
        let index = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
        sorted.get(index).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    }
}

/// Times `iterations` runs of `op` after `warmup` unmeasured ones.
pub fn time(iterations: usize, warmup: usize, mut op: impl FnMut()) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let start = Instant::now();
        op();
        if i >= warmup {
            samples.push(start.elapsed());
        }
    }
    samples
}

/// Runs `command` to completion (feeding `stdin`), returning its wall time and peak RSS (KiB),
/// or `None` when it failed.
pub fn run_measured(command: &mut Command, stdin: Option<&[u8]>) -> Option<(Duration, u64)> {
    let start = Instant::now();
    let mut child = command
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let _ = pipe.write_all(data);
    }
    let pid = i32::try_from(child.id()).ok()?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; both pointers are valid for the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    if waited != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return None;
    }
    // Linux reports ru_maxrss in KiB.
    Some((elapsed, u64::try_from(usage.ru_maxrss).unwrap_or(0)))
}

/// Runs a process peer `iterations` times after `warmup`, keeping the largest peak RSS.
pub fn measure_process(
    name: &str,
    iterations: usize,
    warmup: usize,
    mut command: impl FnMut() -> Command,
    stdin: Option<&[u8]>,
) -> Result<Measured, String> {
    let mut samples = Vec::new();
    let mut peak = 0;
    for i in 0..warmup + iterations {
        let (elapsed, rss) = run_measured(&mut command(), stdin).ok_or_else(|| format!("{name} failed"))?;
        if i >= warmup {
            samples.push(elapsed);
            peak = peak.max(rss);
        }
    }
    Ok(Measured { name: name.to_owned(), samples, peak_rss_kib: Some(peak) })
}

/// Prints the table (or JSON) with each median's ratio to the first row's.
pub fn report(title: &str, results: &[Measured], skipped: &[String], json_output: bool) {
    let baseline = results.first().map_or(1.0, |r| r.stat(0.5));
    if json_output {
        let rows: Vec<_> = results
            .iter()
            .map(|r| {
                serde_json::json!({"peer": r.name, "median_ms": r.stat(0.5), "p90_ms": r.stat(0.9),
                    "min_ms": r.stat(0.0), "peak_rss_kib": r.peak_rss_kib, "ratio": r.stat(0.5) / baseline})
            })
            .collect();
        println!("{}", serde_json::json!({"title": title, "results": rows, "skipped": skipped}));
        return;
    }
    println!("{title}");
    println!("ratio = peer median / median of the first row\n");
    println!("{:<56} {:>10} {:>9} {:>9} {:>9} {:>7}", "peer", "median ms", "p90 ms", "min ms", "peak MiB", "ratio");
    for r in results {
        let rss = r.peak_rss_kib.map_or_else(|| "-".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0));
        println!(
            "{:<56} {:>10.2} {:>9.2} {:>9.2} {:>9} {:>7.2}",
            r.name,
            r.stat(0.5),
            r.stat(0.9),
            r.stat(0.0),
            rss,
            r.stat(0.5) / baseline
        );
    }
    for s in skipped {
        println!("skipped: {s}");
    }
}
