//! The demo portal's own server (its origin `https://localhost:<page port>`): the two pages,
//! `kyso.js`, a sample letter, and an upload handler that keeps signed files in memory, as a
//! document-management system would store them.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};

const INDEX: &str = include_str!("index.html");
const PLUGIN: &str = include_str!("plugin.html");
const KYSO_JS: &str = include_str!("../../../../protocol/js/kyso.js");
/// Signed files the demo keeps, at most.
const MAX_FILES: usize = 64;
/// A signed file the demo takes, at most.
const MAX_UPLOAD: usize = 64 << 20;

/// The demo portal: where the agent is, and the files it was given.
#[derive(Debug)]
pub struct Site {
    api: String,
    origin: String,
    files: Mutex<HashMap<String, Bytes>>,
}

impl Site {
    /// A site at `origin` for the agent at `api`, holding the sample letter.
    pub fn new(api: String, origin: String) -> Arc<Self> {
        let mut files = HashMap::new();
        match sample_letter() {
            Ok(letter) => {
                files.insert("cong-van-mau.pdf".to_owned(), Bytes::from(letter));
            }
            Err(why) => tracing::warn!(%why, "no sample letter (install fonts-liberation2)"),
        }
        Arc::new(Self { api, origin, files: Mutex::new(files) })
    }

    /// Answers one request.
    pub async fn handle(&self, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let path = request.uri().path().to_owned();
        Ok(match (request.method().as_str(), path.as_str()) {
            ("GET", "/") => self.page(INDEX),
            ("GET", "/plugin.html") => self.page(PLUGIN),
            ("GET", "/kyso.js") => reply(StatusCode::OK, "text/javascript; charset=utf-8", KYSO_JS),
            ("GET", file) if file.starts_with("/files/") => match self.lock().get(&file["/files/".len()..]) {
                Some(bytes) => reply(StatusCode::OK, "application/pdf", bytes.clone()),
                None => reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "không có tệp / no such file"),
            },
            ("POST", "/upload") => self.upload(request).await,
            _ => reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "not found"),
        })
    }

    fn page(&self, template: &str) -> Response<Full<Bytes>> {
        reply(StatusCode::OK, "text/html; charset=utf-8", template.replace("__KYSO_API__", &self.api))
    }

    /// Keeps the `uploadfile` part of a multipart form; answers where it is now, as the
    /// upload handlers of document-management systems do.
    async fn upload(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let boundary = request
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').find_map(|p| p.trim().strip_prefix("boundary=")))
            .map(|b| b.trim_matches('"').to_owned());
        let json = "application/json; charset=utf-8";
        let Some(boundary) = boundary else {
            return reply(StatusCode::BAD_REQUEST, json, r#"{"Status":1,"Message":"not multipart/form-data"}"#);
        };
        let Ok(body) = Limited::new(request.into_body(), MAX_UPLOAD).collect().await else {
            return reply(StatusCode::PAYLOAD_TOO_LARGE, json, r#"{"Status":1,"Message":"too large"}"#);
        };
        let Some((filename, content)) = upload_part(&body.to_bytes(), &boundary) else {
            return reply(StatusCode::BAD_REQUEST, json, r#"{"Status":1,"Message":"no uploadfile part"}"#);
        };
        let mut files = self.lock();
        if files.len() >= MAX_FILES {
            return reply(StatusCode::INSUFFICIENT_STORAGE, json, r#"{"Status":1,"Message":"the demo is full"}"#);
        }
        let name = format!("da-ky-{}-{}", files.len(), sanitize(&filename));
        files.insert(name.clone(), content);
        let answer = serde_json::json!({ "Status": 0, "FileServer": format!("{}/files/{name}", self.origin) });
        reply(StatusCode::OK, json, answer.to_string())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bytes>> {
        self.files.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn reply(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = hyper::header::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

/// The `uploadfile` part of a `multipart/form-data` body: its file name and bytes.
fn upload_part(body: &[u8], boundary: &str) -> Option<(String, Bytes)> {
    let delimiter = format!("--{boundary}");
    let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
    let starts: Vec<usize> = finder.find_iter(body).collect();
    for pair in starts.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let split = memchr::memmem::find(part, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&part[..split]);
        if !headers.contains("name=\"uploadfile\"") {
            continue;
        }
        let filename = headers
            .split("filename=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("tai-lieu.pdf")
            .to_owned();
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        return Some((filename, Bytes::copy_from_slice(content)));
    }
    None
}

/// A file name safe in a URL path.
fn sanitize(name: &str) -> String {
    let cleaned: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '-' }).collect();
    if cleaned.trim_matches('-').is_empty() { "tai-lieu.pdf".into() } else { cleaned }
}

/// A one-page decision laid out as Decree 30 does, in Vietnamese (Times New Roman or
/// Liberation Serif, embedded as a subset), with "Số:" and "ngày ... tháng ... năm ..." for the
/// issue act to fill in and room for the signer's block: something to sign on a fresh machine.
///
/// # Errors
///
/// When no font with Vietnamese glyphs is installed.
pub fn sample_letter() -> Result<Vec<u8>, String> {
    use lopdf::{Dictionary, Document, Object, Stream};

    use crate::pdf::appearance::{Canvas, Font, Weight};
    use crate::pdf::objects::NewObjects;

    let regular = Font::find(None, Weight::Regular).map_err(|e| e.to_string())?;
    let bold = Font::find(None, Weight::Bold).map_err(|e| e.to_string())?;
    let black = [0.0, 0.0, 0.0];
    let mut canvas = Canvas::new(595.0, 842.0);
    let lines: [(&Font, f32, f32, f32, &str); 12] = [
        (&regular, 12.0, 70.0, 780.0, "ỦY BAN NHÂN DÂN"),
        (&bold, 12.0, 62.0, 765.0, "TỈNH NINH BÌNH"),
        (&bold, 12.0, 300.0, 780.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        (&bold, 13.0, 350.0, 765.0, "Độc lập - Tự do - Hạnh phúc"),
        (&regular, 13.0, 70.0, 735.0, "Số:          /QĐ-UBND"),
        (&regular, 13.0, 320.0, 735.0, "Ninh Bình, ngày       tháng       năm          "),
        (&bold, 14.0, 250.0, 680.0, "QUYẾT ĐỊNH"),
        (&bold, 13.0, 150.0, 662.0, "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027"),
        (&regular, 13.0, 85.0, 620.0, "Điều 1. Phê duyệt kế hoạch chuyển đổi số năm 2027 kèm theo Quyết định này."),
        (&regular, 13.0, 85.0, 600.0, "Điều 2. Quyết định có hiệu lực kể từ ngày ký."),
        (&bold, 13.0, 390.0, 540.0, "CHỦ TỊCH"),
        (&bold, 13.0, 370.0, 430.0, "Nguyễn Văn An"),
    ];
    for (font, size, x, y, text) in lines {
        canvas.text(font, size, black, x, y, text).map_err(|e| e.to_string())?;
    }
    let mut objects = NewObjects::new(1);
    let form = canvas.finish(&mut objects, false).map_err(|e| e.to_string())?;
    let mut document = Document::with_version("1.7");
    document.max_id = objects.size() - 1;
    let mut drawn = None;
    for (id, object) in objects.into_objects().map_err(|n| format!("object {n} unset"))? {
        if id == form {
            drawn = Some(object)
        } else {
            document.objects.insert(id, object);
        }
    }
    // The drawing becomes the page's own content, so text search (for "Số:") finds it.
    let Some(Object::Stream(drawn)) = drawn else { return Err("no drawing".into()) };
    let mut content = Dictionary::new();
    if let Ok(filter) = drawn.dict.get(b"Filter") {
        content.set("Filter", filter.clone());
    }
    let resources = drawn.dict.get(b"Resources").cloned().map_err(|e| e.to_string())?;
    let content = document.add_object(Stream::new(content, drawn.content));
    let pages = document.new_object_id();
    let mut page = Dictionary::new();
    page.set("Type", Object::Name(b"Page".to_vec()));
    page.set("Parent", pages);
    page.set("MediaBox", vec![0.into(), 0.into(), 595.into(), 842.into()]);
    page.set("Contents", content);
    page.set("Resources", resources);
    let page = document.add_object(page);
    let mut tree = Dictionary::new();
    tree.set("Type", Object::Name(b"Pages".to_vec()));
    tree.set("Kids", vec![page.into()]);
    tree.set("Count", 1);
    document.objects.insert(pages, Object::Dictionary(tree));
    let mut catalog = Dictionary::new();
    catalog.set("Type", Object::Name(b"Catalog".to_vec()));
    catalog.set("Pages", pages);
    let catalog = document.add_object(catalog);
    document.trailer.set("Root", catalog);
    let mut out = Vec::new();
    document.save_to(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_letter_opens() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("letter.pdf");
        std::fs::write(&path, sample_letter().expect("a font")).expect("write");
        let file = crate::pdf::PdfFile::open(&path).expect("opens");
        assert_eq!(file.page_count().expect("pages"), 1);
    }

    #[test]
    fn the_upload_part_is_found() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ\r\n\
                     Content-Disposition: form-data; name=\"uploadfile\"; filename=\"a b.pdf\"\r\n\
                     Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--XyZ--\r\n";
        let (name, content) = upload_part(body, "XyZ").expect("part");
        assert_eq!((name.as_str(), &content[..]), ("a b.pdf", &b"%PDF-1.7"[..]));
        assert_eq!(sanitize(&name), "a-b.pdf");
        assert!(upload_part(b"--XyZ--", "XyZ").is_none());
    }
}
