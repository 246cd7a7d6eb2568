//! The trail's file: JSON Lines, opened for appending only, synced after each line, rotated by
//! size (`audit.log` -> `audit.log.1` -> ... -> `audit.log.N`, the oldest dropped).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::AuditConfig;

/// The current file and where its predecessors go.
#[derive(Debug)]
pub struct RotatingLog {
    path: PathBuf,
    file: File,
    size: u64,
    max_bytes: u64,
    keep: u32,
}

impl RotatingLog {
    /// Opens `dir/audit.log` for appending, creating the folder (owner only on Unix).
    pub fn open(config: &AuditConfig) -> std::io::Result<Self> {
        crate::user_data::create_private_dir(&config.dir)?;
        let path = config.dir.join("audit.log");
        let file = open_append(&path)?;
        let size = file.metadata()?.len();
        Ok(Self { path, file, size, max_bytes: config.max_file_bytes, keep: config.keep_files })
    }

    /// Appends one line (rotating first when it would not fit), then syncs it to disk.
    pub fn append(&mut self, line: &str) -> std::io::Result<()> {
        let length = line.len() as u64 + 1;
        if self.size > 0 && self.size + length > self.max_bytes {
            self.rotate()?;
        }
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        // One write of the whole line: with O_APPEND, concurrent writers never interleave.
        self.file.write_all(&bytes)?;
        self.file.sync_data()?;
        self.size += length;
        Ok(())
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let numbered = |n: u32| PathBuf::from(format!("{}.{n}", self.path.display()));
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            let _ = std::fs::remove_file(numbered(self.keep));
            for n in (1..self.keep).rev() {
                let from = numbered(n);
                if from.exists() {
                    std::fs::rename(&from, numbered(n + 1))?;
                }
            }
            std::fs::rename(&self.path, numbered(1))?;
        }
        self.file = open_append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_rotate_by_size_and_the_oldest_go() {
        let dir = tempfile::tempdir().expect("temp");
        let config = AuditConfig { dir: dir.path().join("audit"), max_file_bytes: 64, keep_files: 2 };
        let mut log = RotatingLog::open(&config).expect("open");
        for n in 0..10 {
            log.append(&format!("{{\"n\":{n},\"padding\":\"xxxxxxxxxxxxxxxxxxxxxxxx\"}}")).expect("append");
        }
        let read = |name: &str| std::fs::read_to_string(config.dir.join(name)).unwrap_or_default();
        assert!(read("audit.log").contains("\"n\":9"), "the newest line is in the current file");
        assert!(read("audit.log.1").contains("\"n\":8") || read("audit.log.1").contains("\"n\":7"));
        assert!(!config.dir.join("audit.log.3").exists(), "only two rotated files are kept");
        let all = format!("{}{}{}", read("audit.log.2"), read("audit.log.1"), read("audit.log"));
        assert!(all.lines().all(|l| l.starts_with('{') && l.ends_with('}')), "whole lines only: {all}");
        // Reopening appends, never truncates.
        drop(log);
        let mut again = RotatingLog::open(&AuditConfig { max_file_bytes: 1 << 20, ..config.clone() }).expect("reopen");
        let before = read("audit.log");
        again.append("{\"n\":10}").expect("append");
        assert!(read("audit.log").starts_with(&before));
    }
}
