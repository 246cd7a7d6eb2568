//! `kyso-agent images`: the user's signature and seal images per certificate, checked on
//! import, drawn by approve and issue when a request brings no image (API and command line),
//! and removed again.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use base64::Engine;
use kyso_tests::agent::{Agent, configured, kyso_command};
use kyso_tests::pki::{PIN, Pki};
use kyso_tests::{images, pdfs, verify};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn images_command(pki: &Pki, config: &Path, data: &Path, args: &[&str]) -> Output {
    kyso_command(pki, config).arg("images").args(args).env("XDG_DATA_HOME", data).output().expect("kyso-agent images")
}

fn cli_approve(pki: &Pki, config: &Path, input: &Path, output: &Path) {
    let mut child = kyso_command(pki, config)
        .args(["sign", "--pin-stdin", "--cert", &pki.thumbprint("person-rsa"), "--act", "approve"])
        .arg(input)
        .arg("-o")
        .arg(output)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kyso-agent sign");
    child.stdin.take().expect("stdin").write_all(format!("{PIN}\n").as_bytes()).expect("pin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn an_imported_signature_is_drawn_until_it_is_removed() {
    let pki = Pki::shared();
    let (dir, config) = configured(pki, "");
    let data = dir.path().join("data");
    let person = pki.thumbprint("person-rsa");
    let signature = dir.path().join("chu-ky.png");
    images::signature(&signature);
    let not_an_image = dir.path().join("chu-ky.txt");
    std::fs::write(&not_an_image, "chữ ký").expect("write");

    let refused =
        images_command(pki, &config, &data, &["--cert", &person, "--signature", &not_an_image.to_string_lossy()]);
    assert!(!refused.status.success(), "a text file is not an image");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("PNG or JPEG"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let imported =
        images_command(pki, &config, &data, &["--cert", &person, "--signature", &signature.to_string_lossy()]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let listing = String::from_utf8_lossy(&imported.stdout);
    let block: Vec<&str> = listing.lines().skip_while(|l| !l.starts_with(&person)).take(2).collect();
    assert!(
        block.len() == 2 && block[1].contains("signature: có / yes") && block[1].contains("seal: chưa / none"),
        "{listing}"
    );

    // The command line's approve act draws it.
    let input = dir.path().join("to-trinh.pdf");
    pdfs::write_simple(&input, 1, "");
    let with_image = dir.path().join("with-image.pdf");
    cli_approve(pki, &config, &input, &with_image);
    assert_eq!(verify::image_count(&with_image), 1, "the imported signature is drawn");
    assert_eq!(verify::pdfsig(&with_image).expect("pdfsig"), (1, 1));
    verify::qpdf_check(&with_image).expect("qpdf --check");

    // So does the API's, for a request that brings no image, on an agent reading the same data.
    let agent = Agent::start(pki);
    let agent_data = agent.path("data");
    let copied =
        images_command(pki, &config, &agent_data, &["--cert", &person, "--signature", &signature.to_string_lossy()]);
    assert!(copied.status.success());
    agent.answers(&[&format!("pin {PIN}")]);
    let body = json!({
        "pdf_base64": B64.encode(std::fs::read(&input).expect("read")),
        "certificate": person,
        "act": "approve",
        "document_name": "Tờ trình.pdf",
    });
    let reply = agent.client().post_json("/v1/sign/pdf", &body).await;
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    let signed = agent.path("api.pdf");
    std::fs::write(&signed, B64.decode(reply.json()["pdf_base64"].as_str().expect("pdf")).expect("b64"))
        .expect("write");
    assert_eq!(verify::image_count(&signed), 1, "the API draws the imported signature");
    verify::pyhanko_pdf(&signed, &pki.path("root.pem")).expect("pyhanko");
    verify::qpdf_check(&signed).expect("qpdf --check");

    // Removed: the act falls back to its text block.
    let removed = images_command(pki, &config, &data, &["--cert", &person, "--remove", "signature"]);
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let without = dir.path().join("without-image.pdf");
    cli_approve(pki, &config, &input, &without);
    assert_eq!(verify::image_count(&without), 0, "no image after removal");
}
