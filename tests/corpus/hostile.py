"""Writes the corpus's broken and hostile files (and one valid file without a final end-of-line).

Usage: hostile.py LETTER LETTER-TABLE OUTDIR
  LETTER        a valid PDF to truncate (Ghostscript's letter)
  LETTER-TABLE  the same rewritten by qpdf with a classic cross-reference table
Nothing large is ever allocated, not even for the flate bomb.
"""

import re
import struct
import sys
import zlib

FONT = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
TEXT = b"BT /F1 12 Tf 72 760 Td (Kyso corpus) Tj ET"
HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def one_page(catalog_extra=b""):
    """Objects 1-3 of a one-page A4 file (catalog, pages, page); the contents are object 4."""
    return [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources " + FONT + b" >>",
    ]


def stream(content, dict_extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(content), dict_extra) + content + b"\nendstream"


def body(objects):
    """The header and `objects` (numbered from 1), with each object's offset."""
    data, offsets = HEADER, []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return data, offsets


def classic(objects, tail=b"\n"):
    """A whole file with a classic cross-reference table; /Root is 1 0 R."""
    data, offsets = body(objects)
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    data += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    data += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF" % (len(objects) + 1, xref)
    return data + tail


def png():
    """An 8x8 grey PNG."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes([0x80] * 8) for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def bad_startxref(table):
    """startxref pointing 20 bytes into the first (compressed) stream."""
    garbage = re.search(rb"stream\r?\n", table).end() + 20
    return re.sub(rb"startxref\s+\d+", b"startxref\n%d" % garbage, table)


def xref_loop(table):
    """An incremental update (a new Info dictionary) whose trailer's /Prev is its own offset."""
    trailer = table[table.rindex(b"trailer"):]
    size = int(re.search(rb"/Size (\d+)", trailer).group(1))
    root = re.search(rb"/Root (\d+ \d+ R)", trailer).group(1)
    base = table if table.endswith(b"\n") else table + b"\n"
    info = b"%d 0 obj\n<< /Title (loop) >>\nendobj\n" % size
    xref = len(base) + len(info)
    return (base + info + b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (size, len(base))
            + b"trailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %d >>\n" % (size + 1, root, size, xref)
            + b"startxref\n%d\n%%%%EOF\n" % xref)


def flate_bomb():
    """A file whose Info dictionary (object 6) lives in an object stream (object 5) that inflates,
    through two Flate layers, from a few KB to 1 GiB of NULs (PDF whitespace after the object).

    After a full flush, deflate writes the same bytes for every further MiB of zeros, so the
    inner layer is one chunk repeated; its Adler-32 is computed arithmetically, not by reading.
    The cross-reference stream puts object 6 in object 5, so resolving /Info inflates it."""
    mib, repeat = 1 << 20, 1024
    prefix = b"6 0\n<< /Title (flate bomb) /Producer (Kyso corpus) >>\n"
    inner = zlib.compressobj(9)
    head = inner.compress(prefix + bytes(mib)) + inner.flush(zlib.Z_FULL_FLUSH)
    chunk = inner.compress(bytes(mib)) + inner.flush(zlib.Z_FULL_FLUSH)
    assert chunk == inner.compress(bytes(mib)) + inner.flush(zlib.Z_FULL_FLUSH)
    zeros = mib * (repeat + 2)
    adler = zlib.adler32(prefix)
    s1 = adler & 0xFFFF  # a NUL leaves the first sum alone and adds it to the second
    s2 = ((adler >> 16) + zeros * s1) % 65521
    end = inner.flush(zlib.Z_FINISH)[:-4] + struct.pack(">I", (s2 << 16) | s1)
    outer = zlib.compressobj(9)
    packed = outer.compress(head) + b"".join(outer.compress(chunk) for _ in range(repeat + 1))
    packed += outer.compress(end) + outer.flush()
    assert len(prefix) + zeros > 1 << 30 and len(packed) < 16 << 10
    # The outer layer gives the inner back exactly (1 MB, cheap to check).
    assert zlib.decompress(packed) == head + chunk * (repeat + 1) + end

    objects = one_page() + [
        stream(TEXT),
        stream(packed, b"/Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode /FlateDecode] "),
    ]
    data, offsets = body(objects)
    xref = len(data)
    rows = [b"\x00" + struct.pack(">IH", 0, 0xFFFF)]
    rows += [b"\x01" + struct.pack(">IH", o, 0) for o in offsets]
    rows += [b"\x02" + struct.pack(">IH", 5, 0), b"\x01" + struct.pack(">IH", xref, 0)]
    table = b"".join(rows)
    return (data + b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Info 6 0 R /Length %d >>\n"
            % len(table) + b"stream\n" + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref)


def main():
    letter, table_path, out = sys.argv[1:]
    valid = open(letter, "rb").read()
    table = open(table_path, "rb").read()
    depth = 100000
    huge = one_page() + [stream(TEXT).replace(b"/Length %d" % len(TEXT), b"/Length 999999999999")]
    files = {
        "truncated.pdf": valid[: len(valid) * 6 // 10],
        "empty.pdf": b"",
        "not-a-pdf.pdf": png(),
        "bad-startxref.pdf": bad_startxref(table),
        "xref-loop.pdf": xref_loop(table),
        "deep-nesting.pdf": classic(one_page(b"/KysoDeep " + b"[" * depth + b"]" * depth + b" ") + [stream(TEXT)]),
        "huge-length.pdf": classic(huge),
        "no-eol-at-end.pdf": classic(one_page() + [stream(TEXT)], tail=b""),
        "flate-bomb.pdf": flate_bomb(),
    }
    for name, data in files.items():
        with open(f"{out}/{name}", "wb") as f:
            f.write(data)


main()
