//! The PDF corpus itself, checked by tools we did not write: valid files pass `qpdf --check`,
//! pre-signed files validate with pyHanko and pdfsig, declared empty fields are there, pyHanko's
//! updates are incremental, broken and hostile files are refused.

use std::path::Path;
use std::process::Command;

use kyso_tests::corpus::{Corpus, Entry};
use kyso_tests::verify;

fn npages(pdf: &Path, password: Option<&str>) -> u32 {
    let mut command = Command::new("qpdf");
    if let Some(password) = password {
        command.arg(format!("--password={password}"));
    }
    let output = command.arg("--show-npages").arg(pdf).output().expect("run qpdf");
    assert!(output.status.success(), "qpdf --show-npages {}: {output:?}", pdf.display());
    String::from_utf8_lossy(&output.stdout).trim().parse().expect("page count")
}

#[test]
fn has_every_producer_and_kind() {
    let corpus = Corpus::shared();
    let entries = corpus.entries();
    for entry in entries {
        assert!(corpus.path(&entry.file).is_file(), "{} is missing", entry.file);
    }
    for producer in ["LibreOffice", "Ghostscript", "ReportLab", "qpdf", "pyHanko"] {
        assert!(entries.iter().any(|e| e.valid && e.producer.contains(producer)), "nothing valid from {producer}");
    }
    let count = |f: fn(&Entry) -> bool| entries.iter().filter(|e| f(e)).count();
    assert!(count(|e| !e.valid) >= 8, "broken files");
    assert!(count(|e| e.encrypted) >= 3, "encrypted files");
    assert!(count(|e| e.pdfa.as_deref() == Some("1b")) >= 1 && count(|e| e.pdfa.as_deref() == Some("2b")) >= 1);
    assert!(count(|e| e.signatures > 0) >= 2 && count(|e| !e.empty_fields.is_empty()) >= 2);
    assert!(corpus.pyhanko_root().is_file());
}

#[test]
fn valid_files_pass_qpdf_check() {
    let corpus = Corpus::shared();
    for entry in corpus.entries().iter().filter(|e| e.valid) {
        let path = corpus.path(&entry.file);
        match &entry.user_password {
            None => {
                verify::qpdf_check(&path).unwrap_or_else(|e| panic!("qpdf --check {}: {e}", entry.file));
            }
            Some(password) => {
                let refused = verify::qpdf_check(&path).expect_err("opens without its password");
                assert!(refused.contains("invalid password"), "{refused}");
                let output = Command::new("qpdf")
                    .arg(format!("--password={password}"))
                    .arg("--check")
                    .arg(&path)
                    .output()
                    .expect("run qpdf");
                assert!(output.status.success(), "qpdf --check with the password: {output:?}");
            }
        }
        assert_eq!(npages(&path, entry.user_password.as_deref()), entry.pages, "pages of {}", entry.file);
    }
}

#[test]
fn signatures_validate_with_pyhanko_and_pdfsig() {
    let corpus = Corpus::shared();
    for entry in corpus.entries().iter().filter(|e| e.signatures > 0) {
        let path = corpus.path(&entry.file);
        let roots = corpus.trust_roots(entry);
        let roots: Vec<&Path> = roots.iter().map(|r| r.as_path()).collect();
        let lines = verify::pyhanko_validate_pdf(&path, &roots).unwrap_or_else(|e| panic!("{}: {e}", entry.file));
        assert_eq!(lines.len(), entry.signatures, "{}: {lines:?}", entry.file);
        assert!(lines.iter().all(|l| l.contains(":INTACT:TRUSTED,")), "{}: {lines:?}", entry.file);
        assert!(lines.last().is_some_and(|l| l.ends_with(",UNTOUCHED")), "{}: {lines:?}", entry.file);
        let n = entry.signatures;
        assert_eq!(verify::pdfsig(&path).expect("pdfsig"), (n, n), "pdfsig on {}", entry.file);
    }

    // The validators are not vacuous: no signature gives no line, one changed byte INVALID.
    let root = corpus.pyhanko_root();
    let unsigned = corpus.path("libreoffice-decision.pdf");
    assert_eq!(verify::pyhanko_validate_pdf(&unsigned, &[&root]), Ok(vec![]));
    let dir = kyso_tests::temp_dir("kyso-corpus-tamper-");
    let tampered = dir.path().join("tampered.pdf");
    let mut bytes = std::fs::read(corpus.path("pyhanko-signed.pdf")).expect("read");
    // LibreOffice's /Producer, in the first revision: "L" becomes "M".
    let at = bytes.windows(12).position(|w| w == b"<FEFF004C006").expect("LibreOffice's /Producer");
    bytes[at + 8] = b'D';
    std::fs::write(&tampered, bytes).expect("write");
    let lines = verify::pyhanko_validate_pdf(&tampered, &[&root]).expect("pyhanko on the tampered file");
    assert!(lines.len() == 1 && lines[0].ends_with(":INVALID"), "{lines:?}");
    assert_eq!(verify::pdfsig(&tampered).expect("pdfsig"), (0, 1));
}

#[test]
fn fields_are_listed_by_pyhanko() {
    let corpus = Corpus::shared();
    for entry in corpus.entries().iter().filter(|e| e.signatures > 0 || !e.empty_fields.is_empty()) {
        let fields =
            verify::pyhanko_fields(&corpus.path(&entry.file)).unwrap_or_else(|e| panic!("{}: {e}", entry.file));
        for name in &entry.empty_fields {
            assert!(fields.contains(&format!("{name}:EMPTY")), "{}: {fields:?}", entry.file);
        }
        assert_eq!(fields.iter().filter(|f| f.ends_with(":FILLED")).count(), entry.signatures, "{fields:?}");
    }
}

#[test]
fn pyhanko_updates_keep_their_input_as_a_prefix() {
    let corpus = Corpus::shared();
    let prefix = |a: &str, b: &str| verify::is_byte_prefix(&corpus.path(a), &corpus.path(b)).expect("compare");
    for (input, output) in [
        ("libreoffice-decision.pdf", "pyhanko-signed.pdf"),
        ("libreoffice-decision.pdf", "empty-field.pdf"),
        ("qpdf-objstreams.pdf", "pyhanko-signed-xrefstream.pdf"),
        ("reportlab-form.pdf", "two-empty-fields.pdf"),
    ] {
        assert!(prefix(input, output), "{input} is not a prefix of {output}");
    }
    assert!(!prefix("qpdf-objstreams.pdf", "pyhanko-signed.pdf"));
}

#[test]
fn broken_files_are_refused_by_qpdf() {
    let corpus = Corpus::shared();
    for entry in corpus.entries().iter().filter(|e| !e.valid) {
        let path = corpus.path(&entry.file);
        let refused = verify::qpdf_check_bounded(&path);
        assert!(refused.is_err(), "qpdf accepts {}: {refused:?}", entry.file);
    }
    // What makes the hostile ones hostile is there.
    let bomb = std::fs::metadata(corpus.path("flate-bomb.pdf")).expect("flate-bomb.pdf").len();
    assert!(bomb < 16 << 10, "the flate bomb is {bomb} bytes");
    assert_eq!(std::fs::metadata(corpus.path("empty.pdf")).expect("empty.pdf").len(), 0);
    let no_eol = std::fs::read(corpus.path("no-eol-at-end.pdf")).expect("no-eol-at-end.pdf");
    assert!(no_eol.ends_with(b"%%EOF"));
}
