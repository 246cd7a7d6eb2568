//! Random access to the input file without loading it: the signer reads a few kilobytes here
//! and there (trailer, cross-reference sections, a handful of objects).

use std::fs::File;
use std::io;
use std::path::Path;

/// An open input file.
#[derive(Debug)]
pub struct Source {
    file: File,
    len: u64,
}

impl Source {
    /// Opens `path` for reading.
    ///
    /// # Errors
    ///
    /// The I/O error.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Self { file, len })
    }

    /// Opens the first `len` bytes of `path` as if they were the whole file: an earlier
    /// revision of an incrementally updated PDF, as a signature covering it saw it.
    ///
    /// # Errors
    ///
    /// The I/O error.
    pub fn open_prefix(path: &Path, len: u64) -> io::Result<Self> {
        let mut source = Self::open(path)?;
        source.len = source.len.min(len);
        Ok(source)
    }

    /// The file size.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The underlying file, for the streaming copy.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Reads up to `len` bytes at `offset` (fewer at the end of the file).
    ///
    /// # Errors
    ///
    /// The I/O error.
    pub fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let available = self.len.saturating_sub(offset);
        let len = len.min(usize::try_from(available).unwrap_or(usize::MAX));
        let mut buffer = vec![0u8; len];
        let mut filled = 0;
        while filled < len {
            let read = read_at(&self.file, &mut buffer[filled..], offset + filled as u64)?;
            if read == 0 {
                break;
            }
            filled += read;
        }
        buffer.truncate(filled);
        Ok(buffer)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buffer: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}

/// Objects larger than this (not counting stream data) are refused.
const MAX_OBJECT_BYTES: usize = 16 << 20;

impl Source {
    /// Parses the indirect object at `offset`. A stream's data start is returned as an absolute
    /// file offset.
    ///
    /// # Errors
    ///
    /// [`PdfError::Invalid`] when there is no well-formed object there.
    pub fn indirect_at(&self, offset: u64) -> Result<(lopdf::ObjectId, Indirect), PdfError> {
        if offset >= self.len {
            return Err(PdfError::invalid(format!("an object offset ({offset}) is past the end of the file")));
        }
        // Most objects are small: start with a small window and grow it while the object runs
        // past its end.
        let mut window = 4096;
        loop {
            let bytes = self.read_at(offset, window)?;
            let complete = bytes.len() < window;
            match Parser::new(&bytes, 0).indirect() {
                Ok((id, Indirect::Stream(dict, start))) => {
                    return Ok((id, Indirect::Stream(dict, (offset + start as u64) as usize)));
                }
                Ok(parsed) => return Ok(parsed),
                Err(error) if complete || window >= MAX_OBJECT_BYTES => {
                    return Err(PdfError::invalid(format!("object at byte {offset}: {error}")));
                }
                Err(_) => window *= 4,
            }
        }
    }
}

use super::error::PdfError;
use super::syntax::{Indirect, Parser};
