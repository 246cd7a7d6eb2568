//! Response bodies: small ones in memory, signed files streamed from disk so a large PDF is not
//! held in memory to be sent.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

/// Every response's body type.
pub type ResponseBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// Bytes already in memory.
pub fn full(bytes: impl Into<Bytes>) -> ResponseBody {
    Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

/// How much is read from disk per frame.
const CHUNK: usize = 256 * 1024;

/// A file sent as it is read, keeping `keep` (its temporary directory) alive until the last
/// byte is gone.
pub struct FileBody<K> {
    file: tokio::fs::File,
    remaining: u64,
    _keep: K,
}

impl<K> std::fmt::Debug for FileBody<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBody").field("remaining", &self.remaining).finish_non_exhaustive()
    }
}

impl<K: Send + Unpin + 'static> FileBody<K> {
    /// Streams `file` (of `len` bytes) as a boxed response body.
    pub fn boxed(file: tokio::fs::File, len: u64, keep: K) -> ResponseBody {
        FileBody { file, remaining: len, _keep: keep }.boxed_unsync()
    }
}

impl<K: Unpin> Body for FileBody<K> {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = CHUNK.min(usize::try_from(self.remaining).unwrap_or(CHUNK));
        let mut buffer = vec![0u8; want];
        let mut read = ReadBuf::new(&mut buffer);
        match Pin::new(&mut self.file).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => Poll::Ready(Some(Err(error))),
            Poll::Ready(Ok(())) => {
                let n = read.filled().len();
                if n == 0 {
                    return Poll::Ready(Some(Err(std::io::Error::other("the signed file shrank while being sent"))));
                }
                self.remaining -= n as u64;
                buffer.truncate(n);
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(buffer)))))
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
