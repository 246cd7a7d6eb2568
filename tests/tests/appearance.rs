//! Decree 30 appearances: every act is drawn inside its rectangle (rendered by poppler and
//! compared with the unsigned page), upright on rotated pages, with embedded subset fonts whose
//! text copies out right, and every output still validates.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use kyso_tests::agent::Agent;
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::{images, pdfs, verify};
use serde_json::{Value, json};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Page 1 as displayed (crop box, rotation) rendered by pdftoppm at 72 dpi (one pixel per
/// point): width, height, RGB bytes.
fn render(pdf: &Path) -> (usize, usize, Vec<u8>) {
    let prefix = pdf.with_extension("render");
    let status = Command::new("pdftoppm")
        .args(["-r", "72", "-f", "1", "-l", "1", "-singlefile", "-cropbox"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    let ppm = std::fs::read(format!("{}.ppm", prefix.display())).expect("read ppm");
    // P6 <w> <h> <max>\n<rgb>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&ppm[start..at]).into_owned());
    }
    let (w, h): (usize, usize) = (fields[1].parse().expect("w"), fields[2].parse().expect("h"));
    (w, h, ppm[at + 1..].to_vec())
}

/// The bounding box, in points from the bottom-left corner, of the pixels that differ.
fn changed(before: &(usize, usize, Vec<u8>), after: &(usize, usize, Vec<u8>)) -> Option<[f32; 4]> {
    assert_eq!((before.0, before.1), (after.0, after.1), "page size changed");
    let (w, h) = (before.0, before.1);
    let mut bbox: Option<[usize; 4]> = None;
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            let differs = (0..3).any(|c| before.2[i + c].abs_diff(after.2[i + c]) > 24);
            if differs {
                let b = bbox.get_or_insert([x, y, x, y]);
                *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
        }
    }
    bbox.map(|[x1, y1, x2, y2]| [x1 as f32, (h - 1 - y2) as f32, (x2 + 1) as f32, (h - y1) as f32])
}

fn inside(inner: [f32; 4], outer: [f32; 4]) -> bool {
    let slack = 2.0;
    inner[0] >= outer[0] - slack
        && inner[1] >= outer[1] - slack
        && inner[2] <= outer[2] + slack
        && inner[3] <= outer[3] + slack
}

async fn sign(agent: &Agent, input: &Path, options: Value, output: &str) -> PathBuf {
    agent.answers(&[&format!("pin {PIN}")]);
    let mut body = options;
    body["pdf_base64"] = json!(B64.encode(std::fs::read(input).expect("read")));
    let reply = agent.client().post_json("/v1/sign/pdf", &body).await;
    assert_eq!(reply.status, 200, "{}\n{}", String::from_utf8_lossy(&reply.body), agent.log());
    let path = agent.path(output);
    std::fs::write(&path, B64.decode(reply.json()["pdf_base64"].as_str().expect("pdf")).expect("b64")).expect("write");
    path
}

fn image_b64(dir: &Path, draw: fn(&Path), name: &str) -> String {
    let path = dir.join(name);
    draw(&path);
    B64.encode(std::fs::read(path).expect("read image"))
}

#[tokio::test]
async fn every_act_is_drawn_inside_its_rectangle() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-look-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 1, "");
    let unsigned = render(&base);
    let signature = image_b64(dir.path(), images::signature, "signature.png");
    let seal = image_b64(dir.path(), images::seal, "seal.png");
    let org = pki.thumbprint("org-rsa");
    let person = pki.thumbprint("person-rsa");
    let cases = [
        ("approve", json!({"certificate": person, "act": "approve", "image_base64": signature})),
        ("issue", json!({"certificate": org, "act": "issue", "image_base64": seal})),
        ("copy", json!({"certificate": org, "act": "copy"})),
        ("appendix", json!({"certificate": org, "act": "appendix", "reference": "123/QĐ-UBND"})),
        ("incoming", json!({"certificate": org, "act": "incoming", "reference": "456"})),
        ("comment", json!({"certificate": person, "act": "comment", "comment": "Đồng ý, trình ký ban hành."})),
        ("plain", json!({"certificate": person, "act": "plain"})),
    ];
    let rect = [330.0f32, 420.0, 530.0, 520.0];
    for (act, mut options) in cases {
        options["page"] = json!(1);
        options["rect"] = json!(rect);
        let signed = sign(&agent, &base, options, &format!("{act}.pdf")).await;
        verify::qpdf_check(&signed).unwrap_or_else(|e| panic!("{act}: qpdf {e}"));
        assert_eq!(verify::pdfsig(&signed).expect("pdfsig"), (1, 1), "{act}");
        verify::pyhanko_pdf(&signed, &pki.path("root.pem")).unwrap_or_else(|e| panic!("{act}: pyhanko {e}"));
        let drawn = changed(&unsigned, &render(&signed)).unwrap_or_else(|| panic!("{act}: nothing was drawn"));
        assert!(inside(drawn, rect), "{act}: drawn at {drawn:?}, outside {rect:?}");
    }
    // Text acts embed subset fonts whose text copies out as written.
    let copied = Command::new("pdftotext").arg(agent.path("appendix.pdf")).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&copied.stdout);
    assert!(text.contains("Kèm theo văn bản số 123/QĐ-UBND"), "{text}");
    let fonts = Command::new("pdffonts").arg(agent.path("comment.pdf")).output().expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.lines().any(|l| l.contains("CID TrueType") && l.contains("yes yes yes")), "{fonts}");
}

#[tokio::test]
async fn rotated_and_cropped_pages_keep_the_rectangle_as_displayed() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-look-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 1, "/CropBox [20 30 575 812]");
    let rotated = pdfs::qpdf(&base, dir.path(), "rotated", &["--rotate=+90:1"]);
    for input in [base, rotated] {
        let before = render(&input);
        // Top-left corner region of the page as displayed, whatever its orientation.
        let (w, h) = (before.0 as f32, before.1 as f32);
        let rect = [20.0, h - 90.0, 240.0, h - 20.0];
        let options = json!({"certificate": pki.thumbprint("person-rsa"), "act": "plain", "page": 1, "rect": rect});
        let name = format!("{}-signed.pdf", input.file_stem().expect("stem").to_string_lossy());
        let signed = sign(&agent, &input, options, &name).await;
        assert_eq!(verify::pdfsig(&signed).expect("pdfsig"), (1, 1));
        let drawn = changed(&before, &render(&signed)).expect("something drawn");
        assert!(inside(drawn, rect), "{}: drawn at {drawn:?}, outside {rect:?} on {w}x{h}", input.display());
        // Upright: the text reads left to right on the displayed page.
        let text = Command::new("pdftotext").arg(&signed).arg("-").output().expect("pdftotext");
        assert!(String::from_utf8_lossy(&text.stdout).contains("Ký bởi:"), "{}", input.display());
    }
}

#[tokio::test]
async fn approve_then_issue_puts_the_seal_over_the_signature() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-look-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 2, "");
    let signature = image_b64(dir.path(), images::signature, "signature.png");
    let seal = image_b64(dir.path(), images::seal, "seal.png");
    let approved = sign(
        &agent,
        &base,
        json!({"certificate": pki.thumbprint("person-rsa"), "act": "approve", "image_base64": signature}),
        "approved.pdf",
    )
    .await;
    let issued = sign(
        &agent,
        &approved,
        json!({"certificate": pki.thumbprint("org-rsa"), "act": "issue", "image_base64": seal}),
        "issued.pdf",
    )
    .await;
    assert_eq!(verify::pdfsig(&issued).expect("pdfsig"), (2, 2));
    let lines = verify::pyhanko_pdf(&issued, &pki.path("root.pem")).expect("pyhanko");
    assert_eq!(lines.len(), 2);
    // Both on the last page (2): render it.
    let last = |pdf: &Path| {
        let single = dir.path().join(format!("{}-p2.pdf", pdf.file_stem().expect("stem").to_string_lossy()));
        let status =
            Command::new("qpdf").arg(pdf).args(["--pages", ".", "2", "--"]).arg(&single).status().expect("qpdf");
        assert!(status.success());
        render(&single)
    };
    let blank = last(&base);
    let signature_box = changed(&blank, &last(&approved)).expect("signature drawn");
    let seal_box = changed(&last(&approved), &last(&issued)).expect("seal drawn");
    // The seal (40 mm, about 113 pt) covers the signature's left third.
    let third = signature_box[0] + (signature_box[2] - signature_box[0]) / 3.0;
    assert!((seal_box[2] - third).abs() < 12.0, "seal {seal_box:?} vs signature {signature_box:?}");
    assert!((seal_box[2] - seal_box[0] - 113.0).abs() < 8.0, "seal not at real size: {seal_box:?}");
}

#[tokio::test]
async fn the_signature_goes_under_the_signers_title() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-look-");
    // reportlab's letter: "CHỦ TỊCH" at (380, 220) and the name at (370, 120) on both pages.
    let letter = pdfs::reportlab(dir.path());
    let signature = image_b64(dir.path(), images::signature, "signature.png");
    let options = json!({"certificate": pki.thumbprint("person-rsa"), "act": "approve",
                         "image_base64": signature, "anchor": "chủ tịch"});
    let signed = sign(&agent, &letter, options, "anchored.pdf").await;
    assert_eq!(verify::pdfsig(&signed).expect("pdfsig"), (1, 1));
    let last_page = |pdf: &Path, name: &str| {
        let single = dir.path().join(name);
        let status =
            Command::new("qpdf").arg(pdf).args(["--pages", ".", "2", "--"]).arg(&single).status().expect("qpdf");
        assert!(status.success());
        render(&single)
    };
    let drawn =
        changed(&last_page(&letter, "before.pdf"), &last_page(&signed, "after.pdf")).expect("drawn on the last page");
    assert!(drawn[3] <= 220.0 && drawn[1] >= 120.0, "not between the title and the name: {drawn:?}");
    let title_centre = 380.0 + 30.0;
    assert!(((drawn[0] + drawn[2]) / 2.0 - title_centre).abs() < 30.0, "not centred under the title: {drawn:?}");

    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({"pdf_base64": B64.encode(std::fs::read(&letter).expect("read")),
                      "certificate": pki.thumbprint("person-rsa"), "act": "plain", "anchor": "KHÔNG CÓ DÒNG NÀY"});
    let reply = agent.client().post_json("/v1/sign/pdf", &body).await;
    assert_eq!((reply.status, reply.error_code().as_str()), (400, "bad_request"));
    assert!(String::from_utf8_lossy(&reply.body).contains("anchor"), "{}", String::from_utf8_lossy(&reply.body));
}

#[tokio::test]
async fn pdfa1_inputs_get_no_transparency_and_a_cidset() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-look-");
    let input = pdfs::ghostscript_pdfa(dir.path(), 1);
    let xmp = std::fs::read(&input).expect("read");
    assert!(String::from_utf8_lossy(&xmp).contains("pdfaid:part"), "ghostscript made no PDF/A");
    let signature = image_b64(dir.path(), images::signature, "signature.png");
    let mut outputs = Vec::new();
    for (act, extra) in [("approve", json!({"image_base64": signature})), ("plain", json!({}))] {
        let mut options = json!({"certificate": pki.thumbprint("person-rsa"), "act": act, "page": 1,
                                 "rect": [300.0, 100.0, 520.0, 180.0]});
        options.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        let signed = sign(&agent, &input, options, &format!("pdfa1-{act}.pdf")).await;
        assert_eq!(verify::pdfsig(&signed).expect("pdfsig"), (1, 1));
        outputs.push(signed);
    }
    // Only the new revision matters: what the signer appended after the input.
    let appended = |pdf: &Path| std::fs::read(pdf).expect("read")[xmp.len()..].to_vec();
    let approve = String::from_utf8_lossy(&appended(&outputs[0])).into_owned();
    assert!(!approve.contains("/SMask"), "PDF/A-1 forbids soft masks");
    let plain = String::from_utf8_lossy(&appended(&outputs[1])).into_owned();
    assert!(plain.contains("/CIDSet"), "PDF/A-1 subset CID fonts need a CIDSet");
}

#[tokio::test]
async fn issue_fills_the_number_and_date_and_keeps_the_approval_valid() {
    let pki = Pki::shared();
    let agent = Agent::start(pki);
    let dir = kyso_tests::temp_dir("kyso-look-");
    let decision = pdfs::reportlab_decision(dir.path());
    let signature = image_b64(dir.path(), images::signature, "signature.png");
    let seal = image_b64(dir.path(), images::seal, "seal.png");
    let approved = sign(
        &agent,
        &decision,
        json!({"certificate": pki.thumbprint("person-rsa"), "act": "approve", "image_base64": signature,
               "anchor": "CHỦ TỊCH"}),
        "approved.pdf",
    )
    .await;
    let issued = sign(
        &agent,
        &approved,
        json!({"certificate": pki.thumbprint("org-rsa"), "act": "issue", "image_base64": seal,
               "doc_number": "123", "issued_date": "2026-02-05"}),
        "issued.pdf",
    )
    .await;
    verify::qpdf_check(&issued).expect("qpdf");
    assert_eq!(verify::pdfsig(&issued).expect("pdfsig"), (2, 2));
    assert_eq!(verify::pyhanko_pdf(&issued, &pki.path("root.pem")).expect("pyhanko").len(), 2);
    let text = Command::new("pdftotext").args(["-layout"]).arg(&issued).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    let header = text.lines().find(|l| l.contains("Số:")).expect("number line");
    assert!(header.contains("123"), "{header}");
    let date = text.lines().find(|l| l.contains("ngày")).expect("date line");
    assert!(date.contains("05") && date.contains("02") && date.contains("2026"), "{date}");
}

#[tokio::test]
async fn the_configured_font_is_used() {
    let pki = Pki::shared();
    let sans = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf";
    let config = format!("{}\n[appearance]\nfont = {sans:?}\n", kyso_tests::agent::config_text(pki, ""));
    let agent = Agent::start_with_config(pki, &config);
    let dir = kyso_tests::temp_dir("kyso-look-");
    let base = dir.path().join("base.pdf");
    pdfs::write_simple(&base, 1, "");
    let options = json!({"certificate": pki.thumbprint("person-rsa"), "act": "plain", "page": 1,
                         "rect": [300.0, 100.0, 520.0, 180.0]});
    let signed = sign(&agent, &base, options, "sans.pdf").await;
    let fonts = Command::new("pdffonts").arg(&signed).output().expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.contains("LiberationSans"), "{fonts}");
    assert!(!fonts.contains("Serif"), "the configured font replaces the serif one:\n{fonts}");
}
