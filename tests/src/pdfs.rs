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

/// Runs a producer, panicking with its output when it fails.
fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A three-page letter written by Ghostscript's pdfwrite from PostScript.
pub fn ghostscript(dir: &Path) -> PathBuf {
    let ps = dir.join("letter.ps");
    let mut text = String::from("%!PS\n/Times-Roman findfont 14 scalefont setfont\n");
    for page in 1..=3 {
        text.push_str(&format!(
            "72 770 moveto (UY BAN NHAN DAN TINH NINH BINH) show\n72 740 moveto (So: ..../UBND-VP) show\n\
             72 700 moveto (CONG VAN - trang {page}) show\n400 200 moveto (CHU TICH) show\nshowpage\n"
        ));
    }
    std::fs::write(&ps, text).expect("write ps");
    let pdf = dir.join("ghostscript.pdf");
    run(
        Command::new("gs")
            .args(["-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-sDEVICE=pdfwrite", "-sPAPERSIZE=a4"])
            .arg(format!("-sOutputFile={}", pdf.display()))
            .arg(&ps),
        "ghostscript",
    );
    pdf
}

/// A PDF/A-2b made by Ghostscript (sRGB output intent, embedded fonts, XMP claiming part 2).
pub fn ghostscript_pdfa(dir: &Path, part: u8) -> PathBuf {
    let source = ghostscript(dir);
    let pdf = dir.join(format!("pdfa-{part}b.pdf"));
    run(
        Command::new("gs")
            .args(["-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-sDEVICE=pdfwrite"])
            .arg(format!("-dPDFA={part}"))
            .args(["-dPDFACompatibilityPolicy=1", "-sColorConversionStrategy=RGB"])
            .arg(format!("-sOutputFile={}", pdf.display()))
            .arg(&source),
        "ghostscript PDF/A",
    );
    pdf
}

/// A two-page form letter in Vietnamese written by reportlab with an embedded TrueType font.
pub fn reportlab(dir: &Path) -> PathBuf {
    reportlab_pages(dir, "reportlab.pdf", 2)
}

/// A one-page decision by reportlab, with room for the number after "Số:" and the date in
/// "ngày ... tháng ... năm 2026", the title "CHỦ TỊCH" at (380, 220) and the name at (370, 120).
pub fn reportlab_decision(dir: &Path) -> PathBuf {
    reportlab_pages(dir, "decision.pdf", 1)
}

fn reportlab_pages(dir: &Path, name: &str, pages: u32) -> PathBuf {
    let pdf = dir.join(name);
    let script = r#"
import sys
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
for path in ["/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
             "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"]:
    try:
        pdfmetrics.registerFont(TTFont("Serif", path)); break
    except Exception:
        pass
c = canvas.Canvas(sys.argv[1], pagesize=A4)
for page in range(1, int(sys.argv[2]) + 1):
    c.setFont("Serif", 13)
    c.drawString(72, 780, "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH")
    c.drawString(90, 760, "Số:          /QĐ-UBND")
    c.drawString(300, 740, "Ninh Bình, ngày       tháng       năm 2026")
    c.drawString(200, 700, "QUYẾT ĐỊNH (trang %d)" % page)
    c.drawString(380, 220, "CHỦ TỊCH")
    c.drawString(370, 120, "Nguyễn Văn An")
    c.showPage()
c.save()
"#;
    run(Command::new("python3").arg("-c").arg(script).arg(&pdf).arg(pages.to_string()), "reportlab");
    pdf
}

/// `input` signed by pyHanko with `key_label`'s key on the token (a visible field `Sig1`), its
/// issuing CA certificate (`issuer`, PEM) included so validators can build the path.
pub fn pyhanko_signed(input: &Path, dir: &Path, pki: &crate::pki::Pki, key_label: &str) -> PathBuf {
    use std::io::Write;
    let pdf = dir.join("pyhanko-signed.pdf");
    let mut child = Command::new("pyhanko")
        .args(["sign", "addsig", "--field", "1/60,60,260,120/Sig1", "pkcs11", "--lib", pki.module()])
        .args(["--token-label", "kyso-test", "--cert-label", key_label, "--key-label", key_label])
        .arg("--other-cert-file")
        .arg(pki.path("issuing.pem"))
        .arg(input)
        .arg(&pdf)
        .env("SOFTHSM2_CONF", pki.softhsm_conf())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run pyhanko");
    child.stdin.take().expect("stdin").write_all(format!("{}\n", crate::pki::PIN).as_bytes()).expect("pin");
    let output = child.wait_with_output().expect("wait pyhanko");
    assert!(output.status.success(), "pyhanko addsig failed: {}", String::from_utf8_lossy(&output.stderr));
    pdf
}
