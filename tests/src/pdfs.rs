//! Small PDFs for tests, written here, and variants made by qpdf (a producer we did not write):
//! object streams with a cross-reference stream, linearized, QDF, rotated.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes a `pages`-page A4 PDF with a classic cross-reference table; `first_page_extra` is
/// added to page 1's dictionary (e.g. `/CropBox [...]`).
pub fn write_simple(path: &Path, pages: u32, first_page_extra: &str) {
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let kids: Vec<String> = (0..pages).map(|p| format!("{} 0 R", 4 + 2 * p)).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {pages} >>", kids.join(" ")).into_bytes());
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>".to_vec());
    for p in 0..pages {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R \
                 /Resources << /Font << /F1 3 0 R >> >> {} >>",
                5 + 2 * p,
                if p == 0 { first_page_extra } else { "" }
            )
            .into_bytes(),
        );
        let text = format!(
            "BT /F1 14 Tf 72 770 Td (UY BAN NHAN DAN TINH) Tj 0 -20 Td (So: ..../QD-UBND) Tj \
             0 -40 Td (QUYET DINH - trang {}) Tj ET",
            p + 1
        );
        objects.push(format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()).into_bytes());
    }
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /ID [<4b59534f4b59534f4b59534f4b59534f> <4b59534f4b59534f4b59534f4b59534f>] >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    std::fs::write(path, out).expect("write test pdf");
}

/// A qpdf transform of `input` into `dir/name.pdf`.
///
/// # Panics
///
/// When qpdf fails.
pub fn qpdf(input: &Path, dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let output = dir.join(format!("{name}.pdf"));
    let status = Command::new("qpdf").args(args).arg(input).arg(&output).status().expect("run qpdf");
    // 3 = warnings only, which these transforms do not produce on our inputs.
    assert!(status.success(), "qpdf {args:?} failed");
    output
}

/// The inputs every signing test should handle: classic table, object streams with an xref
/// stream, linearized, QDF, rotated page, and a non-zero crop box.
pub fn variants(dir: &Path) -> Vec<PathBuf> {
    let base = dir.join("simple.pdf");
    write_simple(&base, 2, "");
    let cropped = dir.join("cropped.pdf");
    write_simple(&cropped, 1, "/CropBox [50 60 545 782]");
    vec![
        base.clone(),
        qpdf(&base, dir, "objstreams", &["--object-streams=generate"]),
        qpdf(&base, dir, "linearized", &["--linearize"]),
        qpdf(&base, dir, "qdf", &["--qdf"]),
        qpdf(&base, dir, "rotated", &["--rotate=+90:1"]),
        cropped,
    ]
}
