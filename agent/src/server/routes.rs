//! The API's endpoints, after the guard admitted the request.

use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use kyso_protocol::{
    API_VERSION, CertificateList, SignDetachedQuery, SignDetachedRequest, SignatureLevel, StatusResponse,
};
use serde::Serialize;

use super::Api;
use super::body;
use super::file_body::{ResponseBody, full};
use super::guard::{self, Admitted, BodyKind};
use super::pdf;
use crate::certinfo;
use crate::error::ApiError;
use crate::signing::{DetachedInput, Signer};

/// Answers one request: guard, route, and CORS headers for allowed origins.
pub async fn handle(api: Arc<Api>, request: Request<Incoming>, local_port: u16) -> Response<ResponseBody> {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    // On the plugin port only plugin calls are answered; on the main port, plugin calls only
    // when they have no port of their own.
    let plugin_port = api.compat_port.unwrap_or(api.port);
    let (origin, result) = match guard::check(&request, &api.config.allowed_origins, local_port) {
        Err(error) => {
            // Who knocked and was turned away belongs in the audit trail too.
            let claimed = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("-");
            api.signer.audit().record(&crate::audit::refused(claimed, &format!("{method} {path}"), error.code));
            (None, Err(error))
        }
        Ok(Admitted::Preflight { origin, private_network, local_network }) => {
            tracing::debug!(%origin, %path, "preflight");
            return preflight(&origin, private_network, local_network);
        }
        Ok(Admitted::Request { origin }) if super::compat::is_upgrade(&request) && local_port == plugin_port => {
            let result = super::compat::accept(api.clone(), request, origin.clone());
            (Some(origin), result)
        }
        Ok(Admitted::Request { origin }) if Some(local_port) == api.compat_port => {
            (Some(origin), Err(ApiError::with(kyso_protocol::ErrorCode::NotFound, path.clone())))
        }
        Ok(Admitted::Request { origin }) => {
            let result = route(&api, request, &origin).await;
            (Some(origin), result)
        }
    };
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            tracing::info!(%method, %path, origin = origin.as_deref().unwrap_or("-"), %error, "refused");
            json(
                StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                &error.to_response(),
            )
        }
    };
    // Only allowed origins learn anything: refused callers get no CORS headers to read with.
    if let Some(origin) = origin {
        guard::cors_headers(response.headers_mut(), &origin);
    }
    response
}

async fn route(api: &Api, request: Request<Incoming>, origin: &str) -> Result<Response<ResponseBody>, ApiError> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/v1/status") => {
            let tokens_present = api.signer.tokens().tokens_present().await?;
            Ok(json(
                StatusCode::OK,
                &StatusResponse {
                    agent: "kyso".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    api_version: API_VERSION,
                    tokens_present,
                    origin: Some(origin.to_owned()),
                },
            ))
        }
        (&Method::GET, "/v1/certificates") => Ok(json(StatusCode::OK, &certificates(&api.signer).await?)),
        (&Method::POST, "/v1/sign/detached") => {
            let input = detached_input(api, request).await?;
            tracing::info!(%origin, document = %input.document_name, "sign request");
            let response = api.signer.sign_detached(origin, input).await?;
            tracing::info!(%origin, certificate = %response.certificate, "signed");
            Ok(json(StatusCode::OK, &response))
        }
        (&Method::POST, "/v1/sign/pdf") => super::pdf::sign(api, request, origin).await,
        (&Method::POST, "/v1/verify") => super::verify::verify(api, request, origin).await,
        (_, "/v1/status" | "/v1/certificates" | "/v1/sign/detached" | "/v1/sign/pdf" | "/v1/verify") => {
            Err(ApiError::with(
                kyso_protocol::ErrorCode::MethodNotAllowed,
                format!("{} {}", request.method(), request.uri().path()),
            ))
        }
        (_, path) => Err(ApiError::with(kyso_protocol::ErrorCode::NotFound, path.to_owned())),
    }
}

/// Lists the certificates of every present token.
pub async fn certificates(signer: &Signer) -> Result<CertificateList, ApiError> {
    let found = signer.tokens().certificates().await?;
    let certificates = found
        .into_iter()
        .filter_map(|c| {
            let parsed = certinfo::parse(&c.der).ok()?;
            let algorithms = c.mechanisms.algorithms(certinfo::key_info(&parsed).kind);
            Some(certinfo::describe(&c.der, &parsed, c.token, algorithms))
        })
        .collect();
    Ok(CertificateList { certificates })
}

/// Reads a detached sign request, JSON or raw, down to what the signer needs.
async fn detached_input(api: &Api, request: Request<Incoming>) -> Result<DetachedInput, ApiError> {
    let limit = api.config.max_body_bytes;
    let kind = guard::body_kind(request.headers())?;
    let query = request.uri().query().map(str::to_owned);
    let body = request.into_body();
    match kind {
        BodyKind::Json => {
            if query.is_some() {
                return Err(ApiError::bad_request(
                    "JSON requests take their options in the body, not the query string",
                ));
            }
            let req: SignDetachedRequest = body::json(body, limit).await?;
            let digest_algorithm = req.digest_algorithm.unwrap_or_default();
            let b64 = base64::engine::general_purpose::STANDARD;
            let (digest, size) = match (&req.content_base64, &req.digest_base64) {
                (Some(content), None) => {
                    let content =
                        b64.decode(content).map_err(|e| ApiError::bad_request(format!("content_base64: {e}")))?;
                    (crate::digest::hash(digest_algorithm, &content), Some(content.len() as u64))
                }
                (None, Some(digest)) => {
                    (b64.decode(digest).map_err(|e| ApiError::bad_request(format!("digest_base64: {e}")))?, None)
                }
                _ => return Err(ApiError::bad_request("give exactly one of content_base64 and digest_base64")),
            };
            Ok(DetachedInput {
                digest,
                digest_algorithm,
                size,
                document_name: req.document_name.unwrap_or_else(|| "(không tên / unnamed)".into()),
                // Before `certificate` moves: the default level is per certificate.
                level: req.level.or_else(|| detached_default_level(api, &req.certificate)).unwrap_or_default(),
                certificate: req.certificate,
                algorithm: req.signature_algorithm,
                content_file: None,
            })
        }
        BodyKind::Bytes => {
            let options = parse_query(query.as_deref().unwrap_or(""))?;
            let digest_algorithm = options.digest_algorithm.unwrap_or_default();
            let spooled = body::spool(body, limit, digest_algorithm).await?;
            Ok(DetachedInput {
                digest: spooled.digest,
                digest_algorithm,
                size: Some(spooled.size),
                document_name: options.document_name.unwrap_or_else(|| "(không tên / unnamed)".into()),
                // Before `certificate` moves: the default level is per certificate.
                level: options.level.or_else(|| detached_default_level(api, &options.certificate)).unwrap_or_default(),
                certificate: options.certificate,
                algorithm: options.signature_algorithm,
                content_file: Some(spooled.file),
            })
        }
    }
}

/// The default level for a detached signature: a PDF-only default (B-LT, B-LTA) gives the
/// highest detached one, B-T, rather than a refusal of a request that named no level.
fn detached_default_level(api: &Api, certificate: &str) -> Option<SignatureLevel> {
    pdf::default_level(api, certificate).map(|level| if level.long_term() { SignatureLevel::BT } else { level })
}

/// Parses the raw-body options from the query string (strict: unknown or repeated keys refused).
fn parse_query(query: &str) -> Result<SignDetachedQuery, ApiError> {
    query_map(query, |_, value| Ok(serde_json::Value::String(value.to_owned())))
}

/// Parses a query string into `T` through a JSON object; `convert` turns each value into the
/// JSON value its key needs (strings by default).
pub fn query_map<T: serde::de::DeserializeOwned>(
    query: &str,
    convert: impl Fn(&str, &str) -> Result<serde_json::Value, ApiError>,
) -> Result<T, ApiError> {
    let mut map = serde_json::Map::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = convert(&key, &value)?;
        if map.insert(key.to_string(), value).is_some() {
            return Err(ApiError::bad_request(format!("query parameter {key:?} given twice")));
        }
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| ApiError::bad_request(format!("query: {e}")))
}

/// A JSON response that caches nowhere.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<ResponseBody> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn preflight(origin: &str, private_network: bool, local_network: bool) -> Response<ResponseBody> {
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    guard::cors_headers(headers, origin);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, x-kyso-request"));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    // Chrome's Private Network Access (and its Local Network Access successor) ask a loopback
    // server to opt in; only allowed origins get the opt-in.
    if private_network {
        headers.insert("access-control-allow-private-network", HeaderValue::from_static("true"));
    }
    if local_network {
        headers.insert("access-control-allow-local-network", HeaderValue::from_static("true"));
    }
    response
}
