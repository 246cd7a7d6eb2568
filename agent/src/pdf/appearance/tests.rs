//! The appearance parts put together in a whole PDF and checked with the tools people view it
//! with: qpdf for structure, poppler for fonts, text extraction and rendering. Each tool that is
//! missing is skipped with a message (Debian: qpdf, poppler-utils; python3-pil for the JPEGs).

use std::path::{Path, PathBuf};
use std::process::Command;

use lopdf::{Dictionary, Document, Object, Stream, dictionary};

use super::{Canvas, Font, Image, Weight};
use crate::pdf::objects::NewObjects;

const LINE: &str = "Ký bởi: Nguyễn Văn Ấn, Hà Nội, ngày 22 tháng 11 năm 2026";

/// Where the form goes on the A4 page, and its size, in points.
const AT: (f32, f32) = (100.0, 500.0);
const SIZE: (f32, f32) = (360.0, 100.0);

fn have(tool: &str) -> bool {
    let found =
        Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("SKIPPED: {tool} is not installed");
    }
    found
}

fn run(program: &str, args: &[&str]) -> (bool, String) {
    let output = Command::new(program).args(args).output().expect("runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// A red seal: an opaque disc with a soft edge, transparent around it.
fn seal_png(side: u32) -> Vec<u8> {
    let centre = side as f32 / 2.0;
    let mut pixels = Vec::new();
    for y in 0..side {
        for x in 0..side {
            let distance = ((x as f32 + 0.5 - centre).powi(2) + (y as f32 + 0.5 - centre).powi(2)).sqrt();
            let alpha = ((centre - distance) * 64.0).clamp(0.0, 255.0) as u8;
            pixels.extend_from_slice(&[220, 20, 20, alpha]);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Rgba);
    let mut writer = encoder.write_header().expect("header");
    writer.write_image_data(&pixels).expect("data");
    drop(writer);
    out
}

/// A flat JPEG made by Pillow: `mode` "RGB" or "CMYK" (Pillow writes Adobe inverted CMYK).
fn jpeg(dir: &Path, mode: &str, color: &str) -> Option<Vec<u8>> {
    let path = dir.join(format!("{mode}.jpg"));
    let script = format!(
        "import sys; from PIL import Image; Image.new('{mode}', (40, 20), {color}).save(sys.argv[1], quality=95)"
    );
    let ok = Command::new("python3").args(["-c", &script]).arg(&path).output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: no JPEG in {mode} (python3 with Pillow)");
    }
    ok.then(|| std::fs::read(&path).expect("written"))
}

/// One A4 page drawing the form at [`AT`]: `q 1 0 0 1 100 500 cm /Fm1 Do Q`.
fn pdf(dir: &Path, font: &Font, pdfa1: bool) -> PathBuf {
    let mut canvas = Canvas::new(SIZE.0, SIZE.1);
    canvas.image(&Image::decode(&seal_png(64)).expect("PNG"), [0.0, 0.0, 60.0, 60.0]);
    for (mode, color, x) in [("RGB", "(20, 40, 200)", 80.0), ("CMYK", "(255, 0, 0, 0)", 140.0)] {
        if let Some(jpeg) = jpeg(dir, mode, color) {
            canvas.image(&Image::decode(&jpeg).expect("JPEG"), [x, 0.0, x + 40.0, 20.0]);
        }
    }
    canvas.text(font, 12.0, [0.0, 0.0, 0.0], 5.0, 80.0, LINE).expect("text");

    let mut objects = NewObjects::new(1);
    let form = canvas.finish(&mut objects, pdfa1).expect("form");
    let mut doc = Document::with_version("1.7");
    doc.max_id = objects.size() - 1;
    doc.objects.extend(objects.into_objects().expect("all set"));
    let content = format!("q 1 0 0 1 {} {} cm /Fm1 Do Q", AT.0, AT.1);
    let content = doc.add_object(Stream::new(Dictionary::new(), content.into_bytes()));
    let pages = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
        "Resources" => dictionary! { "XObject" => dictionary! { "Fm1" => form } },
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let path = dir.join(if pdfa1 { "pdfa1.pdf" } else { "appearance.pdf" });
    doc.save(&path).expect("saves");
    path
}

/// The page rendered by pdftoppm at `dpi`: width, height, RGB rows.
fn render(pdf: &Path, dpi: u32) -> (usize, usize, Vec<u8>) {
    let prefix = pdf.with_extension("");
    let (ok, output) = run(
        "pdftoppm",
        &["-r", &dpi.to_string(), "-png", "-singlefile", &pdf.to_string_lossy(), &prefix.to_string_lossy()],
    );
    assert!(ok, "pdftoppm: {output}");
    let png = std::fs::read(prefix.with_extension("png")).expect("rendered");
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("PNG");
    let mut rgb = vec![0; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut rgb).expect("frame");
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    (frame.width as usize, frame.height as usize, rgb)
}

#[test]
fn a_page_with_the_appearance_is_valid_embeds_the_font_copies_out_and_renders() {
    let Ok(font) = Font::find(None, Weight::Regular) else {
        eprintln!("SKIPPED: no font with Vietnamese letters installed");
        return;
    };
    // KYSO_APPEARANCE_DIR keeps the files to look at.
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = std::env::var_os("KYSO_APPEARANCE_DIR").map_or_else(|| temp.path().to_owned(), PathBuf::from);
    let path = pdf(&dir, &font, false);
    let file = path.to_string_lossy().into_owned();

    if have("qpdf") {
        let (ok, output) = run("qpdf", &["--check", &file]);
        assert!(
            ok && output.contains("No syntax or stream encoding errors") && !output.contains("WARNING"),
            "{output}"
        );
    }
    if have("pdffonts") {
        let (ok, output) = run("pdffonts", &[&file]);
        assert!(ok, "{output}");
        let line = output.lines().find(|l| l.contains('+')).unwrap_or_else(|| panic!("no subset font: {output}"));
        let columns: Vec<&str> = line.split_whitespace().collect();
        // name, type (2 words), encoding, emb, sub, uni, object, generation
        assert_eq!(&columns[1..7], ["CID", "TrueType", "Identity-H", "yes", "yes", "yes"], "{output}");
    }
    if have("pdftotext") {
        let (ok, output) = run("pdftotext", &[&file, "-"]);
        assert!(ok, "{output}");
        assert_eq!(output.trim_end_matches(['\n', '\u{c}']), LINE);
    }
    if have("pdfimages") {
        let (ok, output) = run("pdfimages", &["-list", &file]);
        assert!(ok && output.contains("smask"), "the seal's alpha is a soft mask: {output}");
        let pdfa1 = pdf(&dir, &font, true);
        let (ok, output) = run("pdfimages", &["-list", &pdfa1.to_string_lossy()]);
        assert!(ok && !output.contains("smask"), "PDF/A-1 flattens: {output}");
    }
    if have("pdftoppm") {
        let dpi = 50;
        let (width, height, rgb) = render(&path, dpi);
        // pdftoppm rounds the page up to whole pixels: 413.2 x 584.7 points at 50 dpi.
        assert_eq!((width, height), (414, 585));
        let scale = dpi as f32 / 72.0;
        // The pixel at (x, y) points from the form's lower-left corner.
        let pixel = |x: f32, y: f32| {
            let column = ((AT.0 + x) * scale) as usize;
            let row = ((842.0 - AT.1 - y) * scale) as usize;
            let at = (row * width + column) * 3;
            [rgb[at], rgb[at + 1], rgb[at + 2]]
        };
        let white = [255, 255, 255];
        assert_eq!(pixel(-20.0, -20.0), white, "outside the form");
        let [r, g, b] = pixel(30.0, 30.0);
        assert!(r > 180 && g < 80 && b < 80, "the seal's centre is red: {:?}", [r, g, b]);
        assert_eq!(pixel(1.5, 1.5), white, "the seal's transparent corner shows the page");
        let ink = (0..200).filter(|x| pixel(5.0 + *x as f32, 83.0).iter().all(|c| *c < 128)).count();
        eprintln!("dark pixels on the text line: {ink}");
        assert!(ink > 10, "the text line has ink: {ink} dark pixels");
        if dir.join("RGB.jpg").exists() {
            let [r, g, b] = pixel(100.0, 10.0);
            assert!(r < 80 && g < 100 && b > 150, "the RGB JPEG is blue: {:?}", [r, g, b]);
        }
        if dir.join("CMYK.jpg").exists() {
            let [r, g, b] = pixel(160.0, 10.0);
            assert!(r < 100 && g > 120 && b > 180, "the CMYK JPEG is cyan, not inverted: {:?}", [r, g, b]);
        }
    }
}
