"""Small steps of make-corpus.sh that are easier in Python than in bash.

Usage:
  tools.py cropbox QPDF-JSON OBJ-KEY OUT-JSON   page dict from `qpdf --json-output --json-object`
                                                -> a JSON v2 update adding a CropBox
  tools.py append-revision IN.pdf OUT.pdf        appends an incremental update (new Info dict)
  tools.py signer-gap BBOX.html                  the gap between "CHỦ TỊCH" and the signer's name
                                                in `pdftotext -bbox` output, as pyHanko's PAGE/X1,Y1,X2,Y2
  tools.py manifest ENTRIES OUT.json             the \\x1f-separated entries -> manifest.json
"""

import json
import re
import sys


def cropbox(src, key, dst):
    doc = json.load(open(src))
    value = next(o for o in doc["qpdf"][1:] if key in o)[key]["value"]
    value["/CropBox"] = [36, 48, 560, 800]
    with open(dst, "w") as f:
        json.dump({"qpdf": [doc["qpdf"][0], {key: {"value": value}}]}, f)


def append_revision(src, dst):
    """A revision in the classic form: the new object, an xref section, a trailer with /Prev."""
    data = open(src, "rb").read()
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    trailer = data[data.rindex(b"trailer"):]
    size = int(re.search(rb"/Size (\d+)", trailer).group(1))
    root = re.search(rb"/Root (\d+ \d+ R)", trailer).group(1)
    ids = re.search(rb"/ID\s*\[[^\]]*\]", trailer).group(0)
    if not data.endswith(b"\n"):
        data += b"\n"
    info = (b"%d 0 obj\n<< /Title (Quyet dinh - ban cap nhat) /Producer (hand-appended revision)"
            b" /ModDate (D:20260102000000Z) >>\nendobj\n" % size)
    xref = len(data) + len(info)
    tail = (b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (size, len(data))
            + b"trailer\n<< /Size %d /Root %s /Info %d 0 R %s /Prev %d >>\n" % (size + 1, root, size, ids, prev)
            + b"startxref\n%d\n%%%%EOF\n" % xref)
    with open(dst, "wb") as f:
        f.write(data + info + tail)


def signer_gap(bbox_html):
    html = open(bbox_html, encoding="utf-8").read()
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    words = [(w, *map(float, box)) for *box, w in
             re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html)]
    # The right-hand column only (the recipients' list on the left has neither word).
    title = [b for b in words if b[0] == "TỊCH" and b[1] > 250]
    name = [b for b in words if b[0] == "Nguyễn" and b[1] > 250]
    if len(title) != 1 or len(name) != 1:
        sys.exit(f"signer block not found: {title} {name}")
    (_, title_x, _, _, title_bottom), (_, _, name_top, _, _) = title[0], name[0]
    centre = round(title_x - 2)  # "CHỦ TỊCH" is centred on the column: the space is the centre
    print(f"1/{centre - 90},{round(height - name_top) + 6},{centre + 90},{round(height - title_bottom) - 6}")


def manifest(entries, dst):
    out = []
    for line in open(entries, encoding="utf-8"):
        (file, producer, valid, encrypted, pdfa, signatures, fields, pages, password, roots,
         notes) = line.rstrip("\n").split("\x1f")
        out.append({
            "file": file,
            "producer": producer,
            "valid": valid == "true",
            "encrypted": encrypted == "true",
            "pdfa": None if pdfa == "null" else pdfa,
            "signatures": int(signatures),
            "empty_fields": [f for f in fields.split(",") if f],
            "pages": int(pages),
            "user_password": password or None,
            "trust_roots": [r for r in roots.split(",") if r],
            "notes": notes,
        })
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


COMMANDS = {"cropbox": cropbox, "append-revision": append_revision, "signer-gap": signer_gap, "manifest": manifest}
COMMANDS[sys.argv[1]](*sys.argv[2:])
