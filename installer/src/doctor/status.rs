//! Is the agent running, is the port ours, and does a TLS handshake validated against the
//! operating system's trust store succeed? Then `/v1/status` from an allowed origin.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;

use super::Check;
use crate::layout::Layout;
use crate::manifest::Manifest;

const TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn checks(layout: &Layout, record: &Manifest) -> Vec<Check> {
    let port = record.port;
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(tcp) = TcpStream::connect_timeout(&address, TIMEOUT) else {
        return vec![Check::fail(
            "agent",
            format!("Kyso không chạy (cổng {port} trống); hãy đăng nhập lại hoặc chạy `kyso-agent serve`"),
            format!("Kyso is not running (port {port} is free); log in again or run `kyso-agent serve`"),
        )];
    };
    let roots = trust_roots(layout);
    match status(tcp, port, roots, record.origins.first().map_or("", String::as_str)) {
        Ok(version) => vec![
            Check::ok(
                "agent",
                format!("Kyso {version} đang chạy trên cổng {port}"),
                format!("Kyso {version} is running on port {port}"),
            ),
            Check::ok(
                "tls",
                "Bắt tay TLS với Kyso thành công, xác thực bằng kho chứng thư của hệ điều hành",
                "The TLS handshake with Kyso succeeds, validated against the operating system's store",
            ),
        ],
        Err(Probe::Handshake(why)) => vec![Check::fail(
            "tls",
            format!(
                "Cổng {port} có chương trình khác, hoặc chứng thư của nó không được tin cậy ({why}); hãy đóng chương trình kia hoặc chạy lại `kyso-install setup` rồi khởi động lại Kyso"
            ),
            format!(
                "Port {port} is held by another program, or its certificate is not trusted ({why}); close that program, or run `kyso-install setup` again and restart Kyso"
            ),
        )],
        Err(Probe::Answer(why)) => vec![Check::fail(
            "agent",
            format!("Cổng {port} trả lời nhưng không phải Kyso như mong đợi ({why})"),
            format!("Port {port} answers, but not as Kyso should ({why})"),
        )],
    }
}

enum Probe {
    Handshake(String),
    Answer(String),
}

/// The roots a browser-like client on this machine trusts: the OS store, or the staging
/// root's bundle.
fn trust_roots(layout: &Layout) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    #[cfg(unix)]
    if !layout.is_real_root() {
        let bundle = crate::linux::system_store::bundle(layout);
        let certs = std::fs::read_to_string(bundle).map(|t| crate::pem::certificates(&t)).unwrap_or_default();
        roots.add_parsable_certificates(certs.into_iter().map(rustls::pki_types::CertificateDer::from));
        return roots;
    }
    let _ = layout;
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    // The machine's own ROOT store, where setup put the CA: Windows shows it to every user's
    // store, Wine does not.
    #[cfg(windows)]
    roots.add_parsable_certificates(
        crate::windows::root_store::certificates().into_iter().map(rustls::pki_types::CertificateDer::from),
    );
    roots
}

fn status(mut tcp: TcpStream, port: u16, roots: rustls::RootCertStore, origin: &str) -> Result<String, Probe> {
    let _ = tcp.set_read_timeout(Some(TIMEOUT));
    let _ = tcp.set_write_timeout(Some(TIMEOUT));
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| Probe::Handshake(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").map_err(|e| Probe::Handshake(e.to_string()))?;
    let mut connection =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| Probe::Handshake(e.to_string()))?;
    while connection.is_handshaking() {
        connection.complete_io(&mut tcp).map_err(|e| Probe::Handshake(e.to_string()))?;
    }
    let mut stream = rustls::Stream::new(&mut connection, &mut tcp);
    let request = format!(
        "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(|e| Probe::Answer(e.to_string()))?;
    let mut response = Vec::new();
    // The agent closes the connection after the answer; a close without close_notify still
    // leaves the whole answer read.
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    let status_line = text.lines().next().unwrap_or("");
    if !status_line.contains(" 200 ") {
        return Err(Probe::Answer(status_line.to_owned()));
    }
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let json: serde_json::Value = serde_json::from_str(body.trim()).map_err(|e| Probe::Answer(e.to_string()))?;
    if json["agent"] != "kyso" {
        return Err(Probe::Answer(body.chars().take(80).collect()));
    }
    Ok(json["version"].as_str().unwrap_or("?").to_owned())
}
