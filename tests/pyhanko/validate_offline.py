"""Validates every signature of a PDF with pyHanko using only the evidence embedded in the file.

The certificates, OCSP responses and CRLs of the file's DSS form the validation context; fetching
is off and revocation information is required for every certificate below the trust root, so a
signature passes only when the file carries its own long-term validation data (PAdES B-LT).
pyHanko's CLI validators either ignore the DSS (`validate`) or ask the responders again for the
newest timestamp (`adesverify`); this is pyHanko's library, used as its LTV validation used to.

Usage: validate_offline.py FILE.pdf ROOT.pem
Prints one `FIELD:VERDICT` line per signature and document timestamp (pyHanko's summary); exits
1 unless all are valid.
"""

import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore


def main() -> int:
    path, root = sys.argv[1], load_cert_from_pemder(sys.argv[2])
    ok = True
    with open(path, "rb") as f:
        reader = PdfFileReader(f)
        dss = DocumentSecurityStore.read_dss(reader)
        signatures = reader.embedded_regular_signatures
        if not signatures:
            print("no signatures")
            return 1
        for sig in signatures:
            context = dss.as_validation_context(
                {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "require"}
            )
            status = validate_pdf_signature(sig, signer_validation_context=context)
            print(f"{sig.field_name}:{status.summary()}")
            ok &= status.bottom_line
        # Document timestamps (B-LTA): the token's integrity and its TSA's chain, likewise.
        for ts in reader.embedded_timestamp_signatures:
            context = dss.as_validation_context(
                {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "require"}
            )
            status = validate_pdf_timestamp(ts, validation_context=context)
            print(f"{ts.field_name}:{status.summary()}")
            ok &= status.valid and status.intact and status.trusted
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
