//! Hostile and damaged inputs: thousands of deterministic mutations of small valid files (a
//! classic table, an update with an xref stream, stacked revisions) must give `Ok` or a clean
//! `Err`, never a panic or a hang. The cargo-fuzz targets in `fuzz/` explore further; their
//! corpus runs here too.

use std::path::Path;

use kyso_protocol::DigestAlgorithm;

use super::{ActContent, Fonts, Placement, Plan, SignatureInfo, Visible, prepare};

/// A small valid PDF with a classic cross-reference table.
pub fn simple_pdf() -> Vec<u8> {
    let objects: [&[u8]; 4] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Rotate 90 >>",
        b"<< /Length 20 >>\nstream\nBT (Hello) Tj ET   \nendstream",
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

fn plan<'a>(placement: Placement, visible: Option<Visible<'a>>) -> Plan<'a> {
    Plan {
        placement,
        field_name: None,
        visible,
        time: super::local_now(),
        info: SignatureInfo::default(),
        capacity: 64,
        digest: DigestAlgorithm::Sha256,
        kind: super::signatures::SignatureKind::Signature,
    }
}

/// Runs `prepare` on `bytes`; the result does not matter, only that it returns.
pub fn exercise(bytes: &[u8], dir: &Path) -> Option<Vec<u8>> {
    let input = dir.join("input.pdf");
    std::fs::write(&input, bytes).ok()?;
    let placements = [
        Placement::Invisible,
        Placement::Rect { page: 1, rect: [10.0, 10.0, 100.0, 60.0] },
        Placement::Field("A".into()),
    ];
    let mut signed = None;
    // With the system's fonts, the anchor search and a drawn appearance are exercised too.
    let content = content();
    let visible = fonts().map(|fonts| Visible { content: &content, fonts });
    let anchored = visible.map(|v| (Placement::Anchor { text: "Hello".into(), page: None }, Some(v)));
    for (placement, visible) in placements.into_iter().map(|p| (p, None)).chain(anchored) {
        if let Ok(prepared) = prepare(&input, dir, &plan(placement, visible)) {
            let output = dir.join("output.pdf");
            if prepared.finish(&[0x30, 0x03, 0x02, 0x01, 0x00], &output).is_ok() {
                signed = std::fs::read(&output).ok();
            }
        }
    }
    signed
}

fn fonts() -> Option<&'static Fonts> {
    use super::appearance::{Font, Weight};
    static FONTS: std::sync::OnceLock<Option<Fonts>> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            Some(Fonts { regular: Font::find(None, Weight::Regular).ok()?, bold: Font::find(None, Weight::Bold).ok()? })
        })
        .as_ref()
}

fn content() -> ActContent {
    ActContent {
        act: kyso_protocol::SigningAct::Plain,
        signer: "Nguyễn Văn An".into(),
        organisation: Some("Sở Nông nghiệp và Môi trường".into()),
        email: None,
        time: super::local_now(),
        image: None,
        copy_form: None,
        reference: None,
        comment: None,
        doc_number: None,
        issued_date: None,
    }
}

/// A deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    const TOKENS: [&[u8]; 12] =
        [b"<<", b">>", b"[", b"]", b"(", b")", b"999999999999", b"-1", b" R ", b"/Kids", b"stream\n", b"0 0 R"];
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len());
        match rng.below(5) {
            0 => bytes[at] = rng.next() as u8,
            1 => bytes.truncate(at),
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                bytes.splice(at..at, token.iter().copied());
            }
            3 => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {
                if let Some(b) = bytes.get_mut(at).filter(|b| b.is_ascii_digit()) {
                    *b = b'0' + (rng.next() % 10) as u8;
                }
            }
        }
        if bytes.is_empty() {
            break;
        }
    }
    bytes
}

#[test]
fn mutated_inputs_never_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let simple = simple_pdf();
    // Signed once and twice: inputs with updates, new fields and our cross-reference sections.
    let once = exercise(&simple, dir.path()).expect("the simple file signs");
    let twice = exercise(&once, dir.path()).expect("a signed file signs again");
    let seeds = [simple, once, twice];
    let mut rng = Rng(0x4b59_534f_2026);
    for round in 0..1500 {
        let seed = &seeds[round % seeds.len()];
        let mutated = mutate(&mut rng, seed);
        exercise(&mutated, dir.path());
    }
}

#[test]
fn fuzz_corpus_never_panics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/sign_pdf");
    let Ok(entries) = std::fs::read_dir(&corpus) else { return };
    for entry in entries.flatten() {
        if let Ok(bytes) = std::fs::read(entry.path()) {
            exercise(&bytes, dir.path());
        }
    }
}

#[test]
fn hostile_numbers_and_structures_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let simple = String::from_utf8(simple_pdf()).expect("ascii");
    let cases = [
        simple.replace("/Size 5", "/Size 4294967295"),
        simple.replace("xref\n0 5", "xref\n4294967290 5"),
        simple.replace("/Count 1", "/Count -7"),
        simple.replace("/Kids [3 0 R]", "/Kids [2 0 R]"),
        simple.replace("/Kids [3 0 R]", "/Kids [3 0 R 3 0 R 3 0 R]"),
        simple.replace("/Pages 2 0 R", "/Pages 1 0 R"),
        simple.replace("/Length 20", "/Length -20"),
        simple.replace("/Length 20", "/Length 4 0 R"),
        simple.replace("/Rotate 90", "/Rotate 9223372036854775807"),
        simple.replace("/MediaBox [0 0 595 842]", "/MediaBox [0 0 1e40 -1e40]"),
        simple.replace("/MediaBox [0 0 595 842]", "/MediaBox 3 0 R"),
        simple.replace("/Root 1 0 R", "/Root 4 0 R"),
        simple.replace("/Root 1 0 R", "/Root 99 0 R"),
    ];
    for case in cases {
        exercise(case.as_bytes(), dir.path());
    }
}

#[test]
fn the_anchor_is_found_in_the_seed() {
    let Some(fonts) = fonts() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("input.pdf");
    std::fs::write(&input, simple_pdf()).expect("write");
    let content = content();
    let visible = Some(Visible { content: &content, fonts });
    let found = prepare(&input, dir.path(), &plan(Placement::Anchor { text: "hello".into(), page: None }, visible));
    assert!(found.is_ok(), "{:?}", found.err());
    let missing = prepare(&input, dir.path(), &plan(Placement::Anchor { text: "absent".into(), page: None }, visible));
    assert!(matches!(missing, Err(super::PdfError::Placement(_))));
}
