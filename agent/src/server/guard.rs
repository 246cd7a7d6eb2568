//! The checks every request passes before any work (DESIGN.md "Security model" 3-6):
//! Host (DNS rebinding), Origin (drive-by requests), CORS preflight, and for POST the custom
//! header and media type that force browsers to preflight (CSRF by forms, images, beacons).

use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request};
use kyso_protocol::{ErrorCode, REQUEST_HEADER};

use crate::config::AllowedOrigins;
use crate::error::ApiError;

/// What a request may do after the checks.
#[derive(Debug, PartialEq, Eq)]
pub enum Admitted {
    /// A CORS preflight from an allowed origin: answer it and stop.
    Preflight {
        /// The allowed origin.
        origin: String,
        /// The page asked for private/local network access.
        private_network: bool,
        /// The page asked with the newer local-network header.
        local_network: bool,
    },
    /// A request from an allowed origin.
    Request {
        /// The allowed origin.
        origin: String,
    },
}

/// The body kinds a POST may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`.
    Json,
    /// `application/octet-stream`.
    Bytes,
}

/// Checks Host, then Origin, then (preflight | method rules).
///
/// # Errors
///
/// `host_not_allowed`, `origin_not_allowed`, `missing_request_header`, `bad_request`,
/// `unsupported_media_type`, `method_not_allowed`.
pub fn check<B>(request: &Request<B>, allowed: &AllowedOrigins, port: u16) -> Result<Admitted, ApiError> {
    check_host(request, port)?;
    let origin = single(request.headers(), header::ORIGIN)
        .ok_or_else(|| ApiError::with(ErrorCode::OriginNotAllowed, "no Origin header"))?;
    if !allowed.allows(origin) {
        return Err(ApiError::with(ErrorCode::OriginNotAllowed, format!("origin {origin:?} is not allowed")));
    }
    let origin = origin.to_owned();
    let headers = request.headers();
    match *request.method() {
        Method::OPTIONS => {
            if headers.get(header::ACCESS_CONTROL_REQUEST_METHOD).is_none() {
                return Err(ApiError::with(
                    ErrorCode::MethodNotAllowed,
                    "OPTIONS without Access-Control-Request-Method",
                ));
            }
            let asks = |name: &str| headers.get(name).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
            Ok(Admitted::Preflight {
                origin,
                private_network: asks("access-control-request-private-network"),
                local_network: asks("access-control-request-local-network"),
            })
        }
        Method::GET => {
            // Reads take no parameters; a query string is a sign of something else.
            if request.uri().query().is_some() {
                return Err(ApiError::bad_request("GET requests take no query string"));
            }
            Ok(Admitted::Request { origin })
        }
        Method::POST => {
            if single(headers, REQUEST_HEADER) != Some("1") {
                return Err(ApiError::with(
                    ErrorCode::MissingRequestHeader,
                    format!("POST needs `{REQUEST_HEADER}: 1`"),
                ));
            }
            body_kind(headers)?;
            Ok(Admitted::Request { origin })
        }
        _ => Err(ApiError::with(ErrorCode::MethodNotAllowed, format!("method {}", request.method()))),
    }
}

/// The POST body's kind from `Content-Type` (parameters such as `charset` allowed).
///
/// # Errors
///
/// `unsupported_media_type` for anything but JSON and octet-stream.
pub fn body_kind(headers: &HeaderMap) -> Result<BodyKind, ApiError> {
    let value = single(headers, header::CONTENT_TYPE).unwrap_or("");
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/json" => Ok(BodyKind::Json),
        "application/octet-stream" | "application/pdf" => Ok(BodyKind::Bytes),
        _ => Err(ApiError::with(ErrorCode::UnsupportedMediaType, format!("content type {value:?}"))),
    }
}

/// The Host (HTTP/1) or :authority (HTTP/2) must be a loopback name with our port.
fn check_host<B>(request: &Request<B>, port: u16) -> Result<(), ApiError> {
    let header_host = single(request.headers(), header::HOST);
    let authority = request.uri().authority().map(|a| a.as_str());
    let host = match (header_host, authority) {
        (Some(h), Some(a)) if !h.eq_ignore_ascii_case(a) => {
            return Err(ApiError::with(ErrorCode::HostNotAllowed, format!("Host {h:?} differs from authority {a:?}")));
        }
        (Some(h), _) => h,
        (None, Some(a)) => a,
        (None, None) => return Err(ApiError::with(ErrorCode::HostNotAllowed, "no Host header")),
    };
    let allowed = ["127.0.0.1", "localhost", "[::1]"].iter().any(|name| {
        host.len() > name.len()
            && host[..name.len()].eq_ignore_ascii_case(name)
            && host[name.len()..].strip_prefix(':').and_then(|p| p.parse::<u16>().ok()) == Some(port)
    });
    if allowed { Ok(()) } else { Err(ApiError::with(ErrorCode::HostNotAllowed, format!("Host {host:?}"))) }
}

/// A header that must appear at most once, as text.
fn single(headers: &HeaderMap, name: impl header::AsHeaderName + Clone) -> Option<&str> {
    let mut values = headers.get_all(name.clone()).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

/// CORS headers for responses to an allowed origin.
pub fn cors_headers(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Origin;

    fn allowed() -> AllowedOrigins {
        AllowedOrigins::List(vec![Origin::parse("https://qlvb.ninhbinh.gov.vn").expect("origin")])
    }

    fn post(host: &str, origin: Option<&str>) -> Request<()> {
        let mut builder = Request::post("/v1/sign/detached")
            .header("host", host)
            .header(REQUEST_HEADER, "1")
            .header("content-type", "application/json");
        if let Some(origin) = origin {
            builder = builder.header("origin", origin);
        }
        builder.body(()).expect("request")
    }

    fn code(result: Result<Admitted, ApiError>) -> ErrorCode {
        result.expect_err("refused").code
    }

    #[test]
    fn admits_allowed_origin_on_loopback_hosts() {
        for host in ["127.0.0.1:8987", "localhost:8987", "LOCALHOST:8987", "[::1]:8987"] {
            let admitted = check(&post(host, Some("https://qlvb.ninhbinh.gov.vn")), &allowed(), 8987);
            assert!(matches!(admitted, Ok(Admitted::Request { .. })), "{host}");
        }
    }

    #[test]
    fn refuses_rebinding_hosts() {
        for host in [
            "evil.example:8987",
            "127.0.0.1",
            "127.0.0.1:8988",
            "localhost.evil:8987",
            "127.0.0.1:8987x",
            "127.0.0.2:8987",
        ] {
            assert_eq!(
                code(check(&post(host, Some("https://qlvb.ninhbinh.gov.vn")), &allowed(), 8987)),
                ErrorCode::HostNotAllowed,
                "{host}"
            );
        }
    }

    #[test]
    fn refuses_other_origins() {
        for origin in [
            None,
            Some("null"),
            Some("https://evil.vn"),
            Some("http://qlvb.ninhbinh.gov.vn"),
            Some("https://qlvb.ninhbinh.gov.vn:444"),
            Some("https://qlvb.ninhbinh.gov.vn/"),
        ] {
            assert_eq!(
                code(check(&post("127.0.0.1:8987", origin), &allowed(), 8987)),
                ErrorCode::OriginNotAllowed,
                "{origin:?}"
            );
        }
    }

    #[test]
    fn post_needs_header_and_media_type() {
        let origin = "https://qlvb.ninhbinh.gov.vn";
        let form = Request::post("/v1/sign/detached")
            .header("host", "127.0.0.1:8987")
            .header("origin", origin)
            .header(REQUEST_HEADER, "1")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(())
            .expect("request");
        assert_eq!(code(check(&form, &allowed(), 8987)), ErrorCode::UnsupportedMediaType);
        let no_header = Request::post("/v1/sign/detached")
            .header("host", "127.0.0.1:8987")
            .header("origin", origin)
            .header("content-type", "application/json")
            .body(())
            .expect("request");
        assert_eq!(code(check(&no_header, &allowed(), 8987)), ErrorCode::MissingRequestHeader);
    }
}
