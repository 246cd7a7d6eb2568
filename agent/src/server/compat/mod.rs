//! Drop-in compatibility with portals built for the Government CA's signing plugin: the page's
//! `vgcaplugin.js` opens `wss://127.0.0.1:8987/<Operation>`, sends one JSON text message,
//! reads one JSON reply and closes. The upgrade passes the same guard as the native API (Origin
//! allowed, loopback Host with our port) before anything happens; document URLs must be on an
//! allowed origin, as for `pdf_url`.

mod operations;
pub mod wire;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use kyso_protocol::ErrorCode;
use tokio::sync::Semaphore;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use super::Api;
use super::file_body::{ResponseBody, full};
use crate::error::ApiError;
pub use operations::Operation;

/// The one message of a call: documents travel by URL, so it is small.
const MAX_MESSAGE: usize = 1 << 20;
/// How long a page has to send its message after the upgrade.
const MESSAGE_TIMEOUT: Duration = Duration::from_secs(30);
/// Calls open at once (each holds a task after hyper lets go of the connection).
const MAX_SESSIONS: usize = 16;

/// Whether `request` asks for a WebSocket.
pub fn is_upgrade<B>(request: &Request<B>) -> bool {
    let has = |name: header::HeaderName, token: &str| {
        request
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|v| v.trim().eq_ignore_ascii_case(token))
    };
    has(header::CONNECTION, "upgrade") && has(header::UPGRADE, "websocket")
}

/// Accepts the upgrade of an admitted request from `origin` to `/<Operation>` and serves the
/// call on its own task.
///
/// # Errors
///
/// `not_found` for an operation Kyso does not answer, `bad_request` for a broken handshake,
/// `busy` when too many calls are open.
pub fn accept(api: Arc<Api>, request: Request<Incoming>, origin: String) -> Result<Response<ResponseBody>, ApiError> {
    let path = request.uri().path().to_owned();
    let operation = Operation::from_path(&path).ok_or_else(|| ApiError::with(ErrorCode::NotFound, path.clone()))?;
    let headers = request.headers();
    if headers.get(header::SEC_WEBSOCKET_VERSION).map(HeaderValue::as_bytes) != Some(b"13") {
        return Err(ApiError::bad_request("WebSocket version 13 is required"));
    }
    let key = headers.get(header::SEC_WEBSOCKET_KEY).ok_or_else(|| ApiError::bad_request("no Sec-WebSocket-Key"))?;
    let accept = derive_accept_key(key.as_bytes());
    let sessions = SESSIONS.get_or_init(|| Arc::new(Semaphore::new(MAX_SESSIONS)));
    let permit = sessions.clone().try_acquire_owned().map_err(|_| ApiError::new(ErrorCode::Busy))?;
    tokio::spawn(async move {
        let _permit = permit;
        match hyper::upgrade::on(request).await {
            Ok(upgraded) => session(&api, TokioIo::new(upgraded), &origin, operation).await,
            Err(error) => tracing::info!(%origin, %error, "WebSocket upgrade failed"),
        }
    });
    let mut response = Response::new(full(Vec::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    if let Ok(value) = HeaderValue::from_str(&accept) {
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, value);
    }
    Ok(response)
}

static SESSIONS: OnceLock<Arc<Semaphore>> = OnceLock::new();

/// Reads one message, runs the operation, replies, closes.
async fn session<S>(api: &Api, stream: S, origin: &str, operation: Operation)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE)).max_frame_size(Some(MAX_MESSAGE));
    let mut socket = WebSocketStream::from_raw_socket(stream, Role::Server, Some(config)).await;
    let text = match tokio::time::timeout(MESSAGE_TIMEOUT, first_text(&mut socket)).await {
        Ok(Some(text)) => text,
        Ok(None) => return,
        Err(_) => {
            tracing::info!(%origin, ?operation, "no message before the timeout");
            let _ = socket.close(None).await;
            return;
        }
    };
    tracing::info!(%origin, ?operation, "plugin call");
    let reply = operations::run(api, origin, operation, &text).await;
    if let Err(error) = socket.send(Message::text(reply)).await {
        tracing::info!(%origin, ?operation, %error, "the page left before the reply");
    }
    let _ = socket.close(None).await;
}

/// The first text (or UTF-8 binary) message; pings are answered by the library.
async fn first_text<S>(socket: &mut WebSocketStream<S>) -> Option<String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(message) = socket.next().await {
        match message {
            Ok(Message::Text(text)) => return Some(text.to_string()),
            Ok(Message::Binary(bytes)) => return String::from_utf8(bytes.to_vec()).ok(),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
    None
}
