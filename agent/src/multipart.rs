//! `multipart/form-data` bodies (RFC 7578) streamed from memory and from files: signed PDFs
//! uploaded to a portal, and batch answers, without holding the documents in memory.

use std::collections::VecDeque;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

/// A body made of byte strings and files, sent in order.
pub type StreamedBody = UnsyncBoxBody<Bytes, io::Error>;

/// How much is read from a file per frame.
const CHUNK: usize = 256 * 1024;

/// A form being built.
pub struct Form {
    boundary: String,
    pieces: VecDeque<Piece>,
    len: u64,
    keep: Vec<Box<dyn Send>>,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Form").field("boundary", &self.boundary).field("len", &self.len).finish_non_exhaustive()
    }
}

#[derive(Debug)]
enum Piece {
    Bytes(Bytes),
    File(tokio::fs::File, u64),
}

impl Form {
    /// An empty form with a fresh random boundary, which no document can be made to contain by
    /// chance or by design (it is not known before the body is sent).
    pub fn new() -> Self {
        let mut random = [0u8; 16];
        // ring's system random; failing means the OS has no randomness, which is not recoverable.
        rustls::crypto::ring::default_provider()
            .secure_random
            .fill(&mut random)
            .unwrap_or_else(|_| panic!("the operating system gave no random bytes"));
        Self { boundary: format!("kyso-{}", hex::encode(random)), pieces: VecDeque::new(), len: 0, keep: Vec::new() }
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// Adds a part held in memory.
    pub fn bytes(&mut self, name: &str, content_type: &str, content: impl Into<Bytes>) {
        self.header(name, None, content_type);
        self.push(Piece::Bytes(content.into()));
        self.push(Piece::Bytes(Bytes::from_static(b"\r\n")));
    }

    /// Adds a part held in memory before every other part (e.g. a summary that readers want
    /// before the files it describes).
    pub fn bytes_first(&mut self, name: &str, content_type: &str, content: impl Into<Bytes>) {
        let rest = std::mem::take(&mut self.pieces);
        let len = self.len;
        self.len = 0;
        self.bytes(name, content_type, content);
        self.pieces.extend(rest);
        self.len += len;
    }

    /// Adds a file part, read from `path` when the body is sent. The file is opened now, so it
    /// may be deleted (or its directory removed on Unix) before then.
    ///
    /// # Errors
    ///
    /// The file cannot be opened.
    pub fn file(&mut self, name: &str, filename: &str, content_type: &str, path: &Path) -> io::Result<()> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        self.header(name, Some(filename), content_type);
        self.push(Piece::File(tokio::fs::File::from_std(file), len));
        self.push(Piece::Bytes(Bytes::from_static(b"\r\n")));
        Ok(())
    }

    /// Keeps `value` (e.g. the temporary directory of the files) alive until the body is gone.
    pub fn keep(&mut self, value: impl Send + 'static) {
        self.keep.push(Box::new(value));
    }

    /// The finished body and its exact length.
    pub fn finish(mut self) -> (StreamedBody, u64) {
        let end = format!("--{}--\r\n", self.boundary);
        self.push(Piece::Bytes(Bytes::from(end)));
        let len = self.len;
        (Pieces { pieces: self.pieces, remaining: len, _keep: self.keep }.boxed_unsync(), len)
    }

    fn header(&mut self, name: &str, filename: Option<&str>, content_type: &str) {
        let mut header = format!("--{}\r\nContent-Disposition: form-data; name=\"{}\"", self.boundary, escape(name));
        if let Some(filename) = filename {
            header.push_str(&format!("; filename=\"{}\"", escape(filename)));
        }
        header.push_str(&format!("\r\nContent-Type: {content_type}\r\n\r\n"));
        self.push(Piece::Bytes(Bytes::from(header)));
    }

    fn push(&mut self, piece: Piece) {
        self.len += match &piece {
            Piece::Bytes(bytes) => bytes.len() as u64,
            Piece::File(_, len) => *len,
        };
        self.pieces.push_back(piece);
    }
}

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

/// A name or file name inside a quoted header parameter, escaped as browsers do (HTML's
/// form-data encoding): UTF-8 kept, `"` and line breaks percent-encoded.
fn escape(text: &str) -> String {
    text.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

/// The body: each piece in turn, files read a chunk at a time.
struct Pieces {
    pieces: VecDeque<Piece>,
    remaining: u64,
    _keep: Vec<Box<dyn Send>>,
}

impl Body for Pieces {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        loop {
            let Some(piece) = self.pieces.front_mut() else { return Poll::Ready(None) };
            match piece {
                Piece::Bytes(bytes) => {
                    let bytes = std::mem::take(bytes);
                    self.pieces.pop_front();
                    if bytes.is_empty() {
                        continue;
                    }
                    self.remaining -= bytes.len() as u64;
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                Piece::File(_, 0) => {
                    self.pieces.pop_front();
                }
                Piece::File(file, left) => {
                    let want = CHUNK.min(usize::try_from(*left).unwrap_or(CHUNK));
                    let mut buffer = vec![0u8; want];
                    let mut read = ReadBuf::new(&mut buffer);
                    match Pin::new(file).poll_read(cx, &mut read) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(error))),
                        Poll::Ready(Ok(())) => {
                            let n = read.filled().len();
                            if n == 0 {
                                return Poll::Ready(Some(Err(io::Error::other("a file shrank while being sent"))));
                            }
                            *left -= n as u64;
                            self.remaining -= n as u64;
                            buffer.truncate(n);
                            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(buffer)))));
                        }
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn parts_stream_in_order_with_the_exact_length() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.pdf");
        let content: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &content).expect("write");
        let mut form = Form::new();
        form.file("document-0", "Quyết định \"số 1\".pdf", "application/pdf", &path).expect("opens");
        form.bytes_first("results", "application/json", &b"{\"ok\":true}"[..]);
        let boundary = form.boundary.clone();
        let (body, len) = form.finish();
        let bytes = body.collect().await.expect("reads").to_bytes();
        assert_eq!(bytes.len() as u64, len);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"results\"\r\n")));
        assert!(text.contains("filename=\"Quyết định %22số 1%22.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
        let start = bytes.windows(4).rposition(|w| w == b"\r\n\r\n").expect("header end") + 4;
        assert_eq!(&bytes[start..start + content.len()], &content[..]);
        assert_ne!(Form::new().boundary, Form::new().boundary);
    }
}
