#!/usr/bin/env python3
"""Writes a "scanned" PDF: every page one ~1 MB greyscale JPEG, like a clerk's scanner makes.

Usage: make-scanned.py PAGES OUT.pdf

The JPEG is real: a noisy A4 page drawn here as a PDF and rendered by poppler's pdftoppm. Each
page gets its own image object (same bytes), so the file size grows with the page count.
"""
import os
import random
import subprocess
import sys
import tempfile


def noisy_page_pdf(path):
    """A one-page PDF covered in small grey marks: text-like lines plus speckle, as scans have."""
    rng = random.Random(2026)
    ops = []
    for line in range(60):
        y = 800 - line * 13
        x = 40
        while x < 560:
            w = rng.uniform(2, 7)
            ops.append(f"{rng.uniform(0, 0.4):.2f} g {x:.1f} {y:.1f} {w:.1f} {rng.uniform(5, 9):.1f} re f")
            x += w + rng.uniform(0.5, 3)
    for _ in range(40000):
        ops.append(f"{rng.uniform(0.5, 0.95):.2f} g {rng.uniform(0, 595):.1f} {rng.uniform(0, 842):.1f} 0.6 0.6 re f")
    content = "\n".join(ops).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    write_pdf(path, objects)


def write_pdf(path, objects):
    with open(path, "wb") as out:
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, 1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number)
            out.write(body)
            out.write(b"\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
        for offset in offsets:
            out.write(b"%010d 00000 n \n" % offset)
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))


def main():
    pages, out = int(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "page.pdf")
        noisy_page_pdf(source)
        subprocess.run(["pdftoppm", "-jpeg", "-jpegopt", "quality=90", "-gray", "-r", "160", "-singlefile",
                        source, os.path.join(tmp, "page")], check=True)
        jpeg = open(os.path.join(tmp, "page.jpg"), "rb").read()
    # Width and height from the JPEG's SOF marker.
    i = 2
    while i < len(jpeg):
        marker, length = jpeg[i + 1], int.from_bytes(jpeg[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = int.from_bytes(jpeg[i + 5:i + 7], "big"), int.from_bytes(jpeg[i + 7:i + 9], "big")
            break
        i += 2 + length
    # The objects are streamed to disk one page at a time.
    with open(out, "wb") as f:
        f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = {}

        def obj(number, body_parts):
            offsets[number] = f.tell()
            f.write(b"%d 0 obj\n" % number)
            for part in body_parts:
                f.write(part)
            f.write(b"\nendobj\n")

        kids = " ".join(f"{3 + 3 * p} 0 R" for p in range(pages)).encode()
        obj(1, [b"<< /Type /Catalog /Pages 2 0 R >>"])
        obj(2, [b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages])
        draw = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
        for p in range(pages):
            page, image, content = 3 + 3 * p, 4 + 3 * p, 5 + 3 * p
            obj(page, [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /XObject << /Im0 %d 0 R >> >> >>" % (content, image)])
            obj(image, [b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                        b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % (width, height, len(jpeg)),
                        jpeg, b"\nendstream"])
            obj(content, [b"<< /Length %d >>\nstream\n" % len(draw), draw, b"\nendstream"])
        count = 2 + 3 * pages
        xref = f.tell()
        f.write(b"xref\n0 %d\n0000000000 65535 f \n" % (count + 1))
        for number in range(1, count + 1):
            f.write(b"%010d 00000 n \n" % offsets[number])
        f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count + 1, xref))
    print(f"{out}: {pages} pages, JPEG {len(jpeg)} bytes ({width}x{height})")


if __name__ == "__main__":
    main()
