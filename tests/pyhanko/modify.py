"""Changes a signed PDF after signing, by incremental update (pyHanko's writer), for the
verification tests.

Usage: modify.py content|annotation IN.pdf OUT.pdf
  content     draws extra text on page 1 (a new content stream): the signed content changes
  annotation  adds a text note (comment) on page 1: the signed content is unchanged
"""

import sys

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter


def main() -> int:
    what, source, target = sys.argv[1:4]
    with open(source, "rb") as f:
        writer = IncrementalPdfFileWriter(f)
        page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
        page = page_ref.get_object()
        if what == "content":
            added = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 72 Td (So: 999) Tj ET"))
            old = page["/Contents"]
            items = list(old) if isinstance(old, generic.ArrayObject) else [page.raw_get("/Contents")]
            page["/Contents"] = generic.ArrayObject(items + [added])
        elif what == "annotation":
            note = generic.DictionaryObject({
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Text"),
                generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (72, 700, 92, 720)]),
                generic.NameObject("/Contents"): generic.TextStringObject("Đã xem / seen"),
                generic.NameObject("/P"): page_ref,
            })
            note_ref = writer.add_object(note)
            annots = page.get("/Annots", generic.ArrayObject())
            page["/Annots"] = generic.ArrayObject(list(annots) + [note_ref])
        else:
            print(f"unknown change {what!r}", file=sys.stderr)
            return 2
        writer.update_container(page)
        with open(target, "wb") as out:
            writer.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
