#!/usr/bin/env bash
# Makes the corpus of real-world-like PDFs the signer is checked against, each written by a
# producer we did not write (LibreOffice, Ghostscript, ReportLab, qpdf, pyHanko), plus broken and
# hostile files written byte by byte (hostile.py). Nothing binary is committed: the tests run this.
#
# Usage: make-corpus.sh OUTDIR
#
# OUTDIR gets the PDFs, pyhanko-root.pem (the throw-away CA of the pre-signed files; its key is
# not kept) and manifest.json, written last (its presence means success), an array of
#   { "file", "producer", "valid", "encrypted", "pdfa": null|"1b"|"2b", "signatures" (existing),
#     "empty_fields": [names], "pages", "user_password": null|"...", "trust_roots": [files in
#     OUTDIR that the existing signatures chain to], "notes" }
# Every valid file passes `qpdf --check`, every existing signature validates with pyHanko, every
# declared empty field is listed by pyHanko, every PDF/A file names its part in its XMP;
# otherwise the script fails loudly. Quiet unless failing; about 10 s.
# Deterministic where the producer allows: not LibreOffice (CreationDate and /ID are the time,
# so neither is anything made from its output), nor the keys, nor pyHanko's signing times.
set -euo pipefail

die() { echo "make-corpus: $*" >&2; exit 1; }
[[ $# -eq 1 && -n $1 ]] || die "usage: make-corpus.sh OUTDIR"

for tool in soffice gs qpdf pdftotext fc-match pyhanko openssl python3; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh test)"
done
# ReportLab: Debian's python3-reportlab, or else whatever python3 on the PATH has.
PY=
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null && "$p" -c 'import reportlab' 2>/dev/null; then PY=$p; break; fi
done
[[ -n $PY ]] || die "reportlab not found (Debian python3-reportlab)"

HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
D=$(cd "$1" && pwd)
W=$D/.work # sources, keys, the LibreOffice profile; removed on exit, whatever happens
rm -rf "$W" "$D/manifest.json"
mkdir -p "$W"
trap 'rm -rf "$W"' EXIT
cd "$W"

export TZ=UTC LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH=1767225600 # 2026-01-01T00:00:00Z

# Runs a command quietly; shows its output only if it fails.
run() {
  local out
  if ! out=$("$@" 2>&1 </dev/null); then
    echo "make-corpus: failed: $*" >&2
    echo "$out" >&2
    exit 1
  fi
}
tool() { run "$PY" "$HERE/tools.py" "$@"; }

# add FILE PRODUCER VALID ENCRYPTED PDFA SIGNATURES EMPTY-FIELDS PAGES NOTES
# EMPTY-FIELDS is comma-separated; PAGES "auto" asks qpdf. USER_PASSWORD and TRUST_ROOTS
# (comma-separated) may be set for one call.
add() {
  local file=$1 pages=$8
  [[ -f $D/$file ]] || die "$file was not written"
  if [[ $pages == auto ]]; then
    pages=$(qpdf ${USER_PASSWORD:+--password="$USER_PASSWORD"} --show-npages "$D/$file") \
      || die "qpdf cannot count the pages of $file"
  fi
  # Fields end in the unit separator: empty ones survive `read`, and no note contains it.
  printf '%s\x1f' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$pages" "${USER_PASSWORD:-}" "${TRUST_ROOTS:-}" >>entries
  printf '%s\n' "$9" >>entries
}
: >entries

LO=$(soffice --version 2>/dev/null | awk '{print $1, $2; exit}')
GS="GPL Ghostscript $(gs --version)"
QPDF=$(qpdf --version | awk 'NR==1 {print "qpdf", $3}')
RL="ReportLab $("$PY" -c 'import reportlab; print(reportlab.Version)')"
PYHANKO=$(pyhanko --version | sed 's/, version//')
HAND="make-corpus.sh (hostile.py)"

# ---------------------------------------------------------------------------------------------
# LibreOffice: a provincial decision laid out as Decree 30/2020 says (national motto, number,
# place and date, title, grounds, articles, recipients, signer block), as flat ODT.
cat >decision.fodt <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
  xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:meta>
  <dc:title>Quyết định phê duyệt Kế hoạch chuyển đổi số năm 2026</dc:title>
  <meta:initial-creator>Văn phòng UBND tỉnh Ninh Bình</meta:initial-creator>
  <meta:creation-date>2026-01-01T00:00:00</meta:creation-date>
 </office:meta>
 <office:font-face-decls>
  <style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'"
    style:font-family-generic="roman" style:font-pitch="variable"/>
 </office:font-face-decls>
 <office:styles>
  <style:default-style style:family="paragraph">
   <style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0cm" fo:line-height="100%"/>
   <style:text-properties style:font-name="Liberation Serif" fo:font-size="13pt" fo:language="vi"
     fo:country="VN"/>
  </style:default-style>
  <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="A4">
   <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm"
     fo:margin-bottom="2cm" fo:margin-left="3cm" fo:margin-right="2cm"/>
  </style:page-layout>
  <style:style style:name="Head" style:family="table">
   <style:table-properties style:width="16cm" table:align="left"/>
  </style:style>
  <style:style style:name="HeadL" style:family="table-column">
   <style:table-column-properties style:column-width="6cm"/>
  </style:style>
  <style:style style:name="HeadR" style:family="table-column">
   <style:table-column-properties style:column-width="10cm"/>
  </style:style>
  <style:style style:name="Cell" style:family="table-cell">
   <style:table-cell-properties fo:padding="0cm" fo:border="none"/>
  </style:style>
  <style:style style:name="C" style:family="paragraph">
   <style:paragraph-properties fo:text-align="center"/>
  </style:style>
  <style:style style:name="CB" style:family="paragraph">
   <style:paragraph-properties fo:text-align="center"/>
   <style:text-properties fo:font-weight="bold"/>
  </style:style>
  <style:style style:name="CB12" style:family="paragraph">
   <style:paragraph-properties fo:text-align="center"/>
   <style:text-properties fo:font-weight="bold" fo:font-size="12pt"/>
  </style:style>
  <style:style style:name="CI" style:family="paragraph">
   <style:paragraph-properties fo:text-align="center" fo:margin-top="0.2cm"/>
   <style:text-properties fo:font-style="italic"/>
  </style:style>
  <style:style style:name="Title" style:family="paragraph">
   <style:paragraph-properties fo:text-align="center" fo:margin-top="0.6cm"/>
   <style:text-properties fo:font-weight="bold" fo:font-size="14pt"/>
  </style:style>
  <style:style style:name="Body" style:family="paragraph">
   <style:paragraph-properties fo:text-align="justify" fo:text-indent="1cm" fo:margin-top="0.12cm"
     fo:line-height="115%"/>
  </style:style>
  <style:style style:name="BodyI" style:family="paragraph" style:parent-style-name="Body">
   <style:paragraph-properties fo:text-align="justify" fo:text-indent="1cm" fo:margin-top="0.12cm"/>
   <style:text-properties fo:font-style="italic"/>
  </style:style>
  <style:style style:name="Recv" style:family="paragraph">
   <style:paragraph-properties fo:margin-top="0.3cm"/>
   <style:text-properties fo:font-weight="bold" fo:font-style="italic" fo:font-size="12pt"/>
  </style:style>
  <style:style style:name="Small" style:family="paragraph">
   <style:text-properties fo:font-size="11pt"/>
  </style:style>
  <style:style style:name="B" style:family="text">
   <style:text-properties fo:font-weight="bold"/>
  </style:style>
  <style:master-page style:name="Standard" style:page-layout-name="A4"/>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="A4"/>
 </office:master-styles>
 <office:body>
  <office:text>
   <table:table table:name="QuocHieu" table:style-name="Head">
    <table:table-column table:style-name="HeadL"/>
    <table:table-column table:style-name="HeadR"/>
    <table:table-row>
     <table:table-cell table:style-name="Cell" office:value-type="string">
      <text:p text:style-name="C">ỦY BAN NHÂN DÂN</text:p>
      <text:p text:style-name="CB">TỈNH NINH BÌNH</text:p>
      <text:p text:style-name="C">―――――</text:p>
      <text:p text:style-name="C">Số: ......./QĐ-UBND</text:p>
     </table:table-cell>
     <table:table-cell table:style-name="Cell" office:value-type="string">
      <text:p text:style-name="CB12">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</text:p>
      <text:p text:style-name="CB">Độc lập - Tự do - Hạnh phúc</text:p>
      <text:p text:style-name="C">―――――――――――</text:p>
      <text:p text:style-name="CI">Ninh Bình, ngày ... tháng ... năm 2026</text:p>
     </table:table-cell>
    </table:table-row>
   </table:table>
   <text:p text:style-name="Title">QUYẾT ĐỊNH</text:p>
   <text:p text:style-name="CB">Về việc phê duyệt Kế hoạch chuyển đổi số năm 2026</text:p>
   <text:p text:style-name="CB">của Văn phòng Ủy ban nhân dân tỉnh</text:p>
   <text:p text:style-name="Title">CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH NINH BÌNH</text:p>
   <text:p text:style-name="BodyI">Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm
    2025;</text:p>
   <text:p text:style-name="BodyI">Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ
    về công tác văn thư;</text:p>
   <text:p text:style-name="BodyI">Theo đề nghị của Chánh Văn phòng Ủy ban nhân dân tỉnh tại Tờ trình số
    15/TTr-VP ngày 02 tháng 01 năm 2026.</text:p>
   <text:p text:style-name="Title">QUYẾT ĐỊNH:</text:p>
   <text:p text:style-name="Body"><text:span text:style-name="B">Điều 1.</text:span> Phê duyệt Kế hoạch
    chuyển đổi số năm 2026 của Văn phòng Ủy ban nhân dân tỉnh (có Kế hoạch chi tiết kèm theo), bảo đảm 100%
    văn bản đi được ký số bằng chữ ký số chuyên dùng Chính phủ và gửi, nhận trên môi trường điện
    tử.</text:p>
   <text:p text:style-name="Body"><text:span text:style-name="B">Điều 2.</text:span> Giao Văn phòng Ủy ban
    nhân dân tỉnh chủ trì, phối hợp với Sở Khoa học và Công nghệ tổ chức triển khai thực hiện; định kỳ hằng
    quý báo cáo kết quả về Ủy ban nhân dân tỉnh.</text:p>
   <text:p text:style-name="Body"><text:span text:style-name="B">Điều 3.</text:span> Quyết định này có hiệu
    lực kể từ ngày ký. Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc Sở Khoa học và Công nghệ, Thủ trưởng
    các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành Quyết định này./.</text:p>
   <table:table table:name="ChuKy" table:style-name="Head">
    <table:table-column table:style-name="HeadL"/>
    <table:table-column table:style-name="HeadR"/>
    <table:table-row>
     <table:table-cell table:style-name="Cell" office:value-type="string">
      <text:p text:style-name="Recv">Nơi nhận:</text:p>
      <text:p text:style-name="Small">- Như Điều 3;</text:p>
      <text:p text:style-name="Small">- Chủ tịch, các PCT UBND tỉnh;</text:p>
      <text:p text:style-name="Small">- Lưu: VT, VP.</text:p>
     </table:table-cell>
     <table:table-cell table:style-name="Cell" office:value-type="string">
      <text:p text:style-name="Title">TM. ỦY BAN NHÂN DÂN</text:p>
      <text:p text:style-name="CB">CHỦ TỊCH</text:p>
      <text:p text:style-name="C"/>
      <text:p text:style-name="C"/>
      <text:p text:style-name="C"/>
      <text:p text:style-name="C"/>
      <text:p text:style-name="C"/>
      <text:p text:style-name="C"/>
      <text:p text:style-name="CB">Nguyễn Văn An</text:p>
     </table:table-cell>
    </table:table-row>
   </table:table>
  </office:text>
 </office:body>
</office:document>
EOF
# export NAME [FILTER-OPTIONS-JSON]: decision.fodt -> OUTDIR/NAME through Writer's PDF export.
lo_export() {
  local filter=pdf
  [[ -n ${2:-} ]] && filter="pdf:writer_pdf_Export:$2"
  mkdir -p "lo-$1"
  run soffice -env:UserInstallation="file://$W/lo-profile" --headless --norestore \
    --convert-to "$filter" --outdir "lo-$1" decision.fodt
  mv "lo-$1/decision.pdf" "$D/$1"
}
pdfa() { printf '{"SelectPdfVersion":{"type":"long","value":"%s"}}' "$1"; }
lo_export libreoffice-decision.pdf
lo_export libreoffice-pdfa1b.pdf "$(pdfa 1)"
lo_export libreoffice-pdfa2b.pdf "$(pdfa 2)"
add libreoffice-decision.pdf "$LO" true false null 0 "" auto \
  "Writer export of a flat ODT: decision QĐ-UBND in Liberation Serif (subsets embedded), A4, the signer block \
bottom right with an empty gap between CHỦ TỊCH and Nguyễn Văn An"
add libreoffice-pdfa1b.pdf "$LO" true false 1b 0 "" auto "the same decision exported as PDF/A-1b (SelectPdfVersion 1)"
add libreoffice-pdfa2b.pdf "$LO" true false 2b 0 "" auto "the same decision exported as PDF/A-2b (SelectPdfVersion 2)"

# ---------------------------------------------------------------------------------------------
# Ghostscript: a three-page US Letter letter from PostScript (standard fonts, so ASCII only),
# as plain PDF and as PDF/A-2b with Ghostscript's own sRGB profile. Ghostscript derives /ID from
# the output's name, so it writes here under a fixed name.
cat >letter.ps <<'EOF'
%!PS-Adobe-3.0
%%Title: Cong van (Kyso corpus)
%%Pages: 3
%%DocumentMedia: Letter 612 792 0 () ()
%%EndComments
/F { findfont exch scalefont setfont } bind def
/L { 72 exch moveto show } bind def
%%Page: 1 1
<< /PageSize [612 792] >> setpagedevice
14 /Times-Bold F (SO THONG TIN VA TRUYEN THONG) 720 L
12 /Times-Roman F (So: 25/STTTT-CNTT) 700 L
(V/v trien khai chu ky so cho van ban di) 680 L
(Kinh gui: Cac co quan, don vi tren dia ban tinh) 640 L
(De nghi cac co quan, don vi trien khai ky so van ban di tren he thong QLVB.) 610 L
0 0 0.6 setrgbcolor 72 560 468 2 rectfill 0 setgray
showpage
%%Page: 2 2
12 /Times-Roman F (Trang 2: noi dung chi tiet ve quy trinh ky so, dong dau va phat hanh.) 720 L
(1. Lanh dao ky duyet bang chu ky so ca nhan.) 700 L
(2. Van thu cap so, dong dau bang chu ky so cua co quan.) 680 L
showpage
%%Page: 3 3
12 /Times-Roman F (Trang 3: noi nhan va luu tru.) 720 L
14 /Times-Bold F (GIAM DOC) 360 300 moveto show
showpage
%%EOF
EOF
run gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -sOutputFile=letter.pdf letter.ps
mv letter.pdf "$D/ghostscript-letter.pdf"
add ghostscript-letter.pdf "$GS" true false null 0 "" auto \
  "pdfwrite from PostScript: US Letter, 3 pages, Times replaced by embedded Nimbus Roman, ASCII text"

icc=
for f in /usr/share/ghostscript/*/iccprofiles/srgb.icc /usr/share/color/icc/ghostscript/srgb.icc; do
  [[ -f $f ]] && { icc=$f; break; }
done
[[ -n $icc ]] || die "Ghostscript's srgb.icc not found"
cat >pdfa_def.ps <<EOF
%!
[ /Title (Cong van PDF/A-2b) /DOCINFO pdfmark
[/_objdef {icc_PDFA} /type /stream /OBJ pdfmark
[{icc_PDFA} << /N 3 >> /PUT pdfmark
[{icc_PDFA} ($icc) (r) file /PUT pdfmark
[/_objdef {OutputIntent_PDFA} /type /dict /OBJ pdfmark
[{OutputIntent_PDFA} << /Type /OutputIntent /S /GTS_PDFA1 /DestOutputProfile {icc_PDFA}
  /OutputConditionIdentifier (sRGB) >> /PUT pdfmark
[{Catalog} << /OutputIntents [ {OutputIntent_PDFA} ] >> /PUT pdfmark
EOF
run gs -q -dNOPAUSE -dBATCH -dSAFER --permit-file-read="$icc" -sDEVICE=pdfwrite -dPDFA=2 \
  -dPDFACompatibilityPolicy=1 -sColorConversionStrategy=RGB -sOutputFile=letter-pdfa2b.pdf pdfa_def.ps letter.ps
mv letter-pdfa2b.pdf "$D/ghostscript-pdfa2b.pdf"
add ghostscript-pdfa2b.pdf "$GS" true false 2b 0 "" auto \
  "the same letter with -dPDFA=2 -dPDFACompatibilityPolicy=1, sRGB output intent from Ghostscript's srgb.icc"

# ---------------------------------------------------------------------------------------------
# ReportLab: a two-page application form, Vietnamese text in embedded Liberation Serif,
# AcroForm text fields and a check box.
serif=$(fc-match -f '%{file}' 'Liberation Serif:style=Regular')
serif_bold=$(fc-match -f '%{file}' 'Liberation Serif:style=Bold')
[[ $serif == *LiberationSerif-Regular.ttf && $serif_bold == *LiberationSerif-Bold.ttf ]] \
  || die "Liberation Serif not found (fonts-liberation2)"
run "$PY" "$HERE/reportlab_form.py" "$D/reportlab-form.pdf" "$serif" "$serif_bold"
add reportlab-form.pdf "$RL" true false null 0 "" auto \
  "canvas with Liberation Serif (TTF subsets embedded), A4, AcroForm text fields HoTen, SoDinhDanh, DiaChi and \
check box CamDoan on page 1, a signer block on page 2"

# ---------------------------------------------------------------------------------------------
# qpdf: transforms of the LibreOffice decision.
BASE=$D/libreoffice-decision.pdf
qpdf_to() { # NAME ARGS...: BASE -> OUTDIR/NAME
  local name=$1
  shift
  run qpdf --deterministic-id "$@" "$BASE" "$D/$name"
}
qpdf_to qpdf-objstreams.pdf --object-streams=generate
qpdf_to qpdf-linearized.pdf --linearize
qpdf_to qpdf-qdf.pdf --qdf
qpdf_to qpdf-rotated.pdf --rotate=+90:1
add qpdf-objstreams.pdf "$QPDF" true false null 0 "" auto \
  "the decision rewritten with object streams and a cross-reference stream"
add qpdf-linearized.pdf "$QPDF" true false null 0 "" auto "the decision linearized (first-page xref, hint stream)"
add qpdf-qdf.pdf "$QPDF" true false null 0 "" auto "the decision in QDF form (uncompressed streams, %QDF comments)"
add qpdf-rotated.pdf "$QPDF" true false null 0 "" auto "the decision with /Rotate 90 on page 1"

# A crop box with a non-zero origin on page 1, through qpdf's JSON v2 update.
qpdf --json --json-key=pages "$BASE" >pages.json
page1=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pages"][0]["object"])' pages.json)
qpdf --json-output --json-object="${page1% R}" "$BASE" >page1.json
tool cropbox page1.json "obj:$page1" update.json
run qpdf --deterministic-id "$BASE" --update-from-json=update.json "$D/qpdf-cropbox.pdf"
add qpdf-cropbox.pdf "$QPDF" true false null 0 "" auto "the decision with /CropBox [36 48 560 800] on page 1 \
(qpdf --update-from-json)"

# A revision appended by hand to a qpdf rewrite with a classic table.
run qpdf --deterministic-id --object-streams=disable "$BASE" decision-table.pdf
tool append-revision decision-table.pdf "$D/qpdf-incremental.pdf"
add qpdf-incremental.pdf "$QPDF + appended revision" true false null 0 "" auto \
  "the decision rewritten by qpdf (classic xref table), then one incremental update appended by tools.py: a new \
Info dictionary, an xref section, a trailer with /Prev"

# ---------------------------------------------------------------------------------------------
# pyHanko: a throw-away CA and signer (keys stay in .work), two pre-signed files, and empty
# signature fields added as incremental updates.
cat >openssl.cnf <<'EOF'
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
prompt = no
[dn]
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[signer]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
run openssl req -config openssl.cnf -x509 -newkey rsa:2048 -nodes -keyout root.key -out "$D/pyhanko-root.pem" \
  -days 3650 -subj "/C=VN/O=Kyso corpus/CN=Kyso corpus root (pyHanko)" -extensions root
run openssl req -config openssl.cnf -newkey rsa:2048 -nodes -keyout signer.key -out signer.csr \
  -subj "/C=VN/ST=Ninh Bình/O=UBND tỉnh Ninh Bình/CN=Nguyễn Văn An"
run openssl x509 -req -in signer.csr -CA "$D/pyhanko-root.pem" -CAkey root.key -set_serial 2 \
  -days 730 -extfile openssl.cnf -extensions signer -out signer.pem

# Fields go where an official signs: the gap between "CHỦ TỊCH" and the name, as poppler finds
# it in LibreOffice's layout.
run pdftotext -f 1 -l 1 -bbox "$BASE" decision-words.html
GAP=$("$PY" "$HERE/tools.py" signer-gap decision-words.html) || die "no signer block in the decision"
# pyHanko's default stamp cannot show Vietnamese (its font is Courier): the stamp's name is ASCII.
pyhanko_sign() { # INPUT OUTPUT
  run pyhanko sign addsig --field "$GAP/Signature1" --use-pades --name "Nguyen Van An" --reason "Ký duyệt" \
    --location "Ninh Bình" pemder --key signer.key --cert signer.pem --chain "$D/pyhanko-root.pem" --no-pass "$1" "$2"
}
pyhanko_sign "$BASE" "$D/pyhanko-signed.pdf"
pyhanko_sign "$D/qpdf-objstreams.pdf" "$D/pyhanko-signed-xrefstream.pdf"
TRUST_ROOTS=pyhanko-root.pem add pyhanko-signed.pdf "$PYHANKO" true false null 1 "" auto \
  "the decision signed by pyHanko: PAdES B-B, RSA 2048, visible field Signature1 at $GAP (the signer gap)"
TRUST_ROOTS=pyhanko-root.pem add pyhanko-signed-xrefstream.pdf "$PYHANKO" true false null 1 "" auto \
  "qpdf-objstreams.pdf signed the same way: the signed revision ends in a cross-reference stream"

run pyhanko sign addfields --field "$GAP/Signature1" "$BASE" "$D/empty-field.pdf"
run pyhanko sign addfields --field 2/320,150,520,250/ChuKy1 --field 2/100,150,300,250/DongDau1 \
  "$D/reportlab-form.pdf" "$D/two-empty-fields.pdf"
add empty-field.pdf "$PYHANKO" true false null 0 Signature1 auto \
  "the decision with an empty signature field Signature1 at $GAP (the signer gap), added as an incremental update"
add two-empty-fields.pdf "$PYHANKO" true false null 0 ChuKy1,DongDau1 auto \
  "the ReportLab form with empty signature fields ChuKy1 and DongDau1 on page 2 (incremental update), besides \
its text fields"

# ---------------------------------------------------------------------------------------------
# Encrypted by qpdf: owner password only (opens without a password), and a user password.
run qpdf --encrypt "" kyso-owner 256 -- "$BASE" "$D/owner-password-aes256.pdf"
run qpdf --allow-weak-crypto --encrypt "" kyso-owner 128 --use-aes=n -- "$BASE" "$D/owner-password-rc4.pdf"
run qpdf --encrypt kyso-user kyso-owner 256 -- "$BASE" "$D/user-password.pdf"
add owner-password-aes256.pdf "$QPDF" true true null 0 "" auto \
  "the decision, AES-256 (V5 R6), empty user password, owner password kyso-owner"
add owner-password-rc4.pdf "$QPDF" true true null 0 "" auto \
  "the decision, RC4 128-bit (V2 R3), empty user password, owner password kyso-owner"
USER_PASSWORD=kyso-user add user-password.pdf "$QPDF" true true null 0 "" auto \
  "the decision, AES-256, user password kyso-user: does not open without it; the signer must refuse it"

# ---------------------------------------------------------------------------------------------
# Broken and hostile files, from the letter and from nothing.
run qpdf --deterministic-id --object-streams=disable "$D/ghostscript-letter.pdf" letter-table.pdf
run "$PY" "$HERE/hostile.py" "$D/ghostscript-letter.pdf" letter-table.pdf "$D"
add truncated.pdf "$HAND" false false null 0 "" 3 "the first 60% of ghostscript-letter.pdf: no xref, no trailer"
add not-a-pdf.pdf "$HAND" false false null 0 "" 0 "an 8x8 PNG image named .pdf"
add bad-startxref.pdf "$HAND" false false null 0 "" 3 \
  "the letter rewritten by qpdf, its startxref pointing into a compressed content stream"
add xref-loop.pdf "$HAND" false false null 0 "" 3 \
  "the letter rewritten by qpdf plus an update whose trailer's /Prev is its own xref offset"
add deep-nesting.pdf "$HAND" false false null 0 "" 1 "catalog entry /KysoDeep: 100000 nested arrays"
add flate-bomb.pdf "$HAND" false false null 0 "" 1 \
  "cross-reference stream; /Info is in an object stream (two Flate layers, under 3 KB) that inflates to 1 GiB of NULs"
add huge-length.pdf "$HAND" false false null 0 "" 1 \
  "a content stream with /Length 999999999999 (really 43), the xref otherwise right"
add empty.pdf "$HAND" false false null 0 "" 0 "0 bytes"
add no-eol-at-end.pdf "$HAND" true false null 0 "" auto "a valid one-page file whose last bytes are %%EOF"

# ---------------------------------------------------------------------------------------------
# Checks by tools we did not write, then the manifest.
while IFS=$'\x1f' read -r file _ valid _ pdfa signatures fields _ password roots _; do
  f=$D/$file
  if [[ $valid == true ]]; then
    out=$(qpdf ${password:+--password="$password"} --check "$f" 2>&1) || die "qpdf --check $file:"$'\n'"$out"
    if ! grep -q "No syntax or stream encoding errors found" <<<"$out" || grep -q WARNING <<<"$out"; then
      die "qpdf --check $file:"$'\n'"$out"
    fi
  fi
  if [[ $pdfa != null ]]; then
    run qpdf --stream-data=uncompress "$f" uncompressed.pdf
    part=$(grep -a -o -m1 -E "pdfaid:part(>|=['\"])[0-9]" uncompressed.pdf | tail -c 2 || true)
    [[ $part == "${pdfa:0:1}" ]] || die "$file claims PDF/A-$pdfa, its XMP says part '$part'"
  fi
  if [[ $signatures != 0 ]]; then
    trust=()
    for r in ${roots//,/ }; do trust+=(--trust "$D/$r"); done
    out=$(pyhanko sign validate --no-revocation-check --trust-replace "${trust[@]}" "$f" 2>&1) \
      || die "pyHanko does not validate $file:"$'\n'"$out"
    # One line per signature, FIELD:CERT-SHA256:INTACT:TRUSTED,...; the last covers the whole file.
    [[ $(grep -c ":INTACT:TRUSTED," <<<"$out") == "$signatures" && $(grep -c ",UNTOUCHED$" <<<"$out") == 1 ]] \
      || die "pyHanko on $file:"$'\n'"$out"
  fi
  if [[ -n $fields ]]; then
    out=$(pyhanko sign list "$f" 2>&1) || die "pyhanko sign list $file:"$'\n'"$out"
    for field in ${fields//,/ }; do
      grep -qx "$field:EMPTY" <<<"$out" || die "$file lacks the empty field $field:"$'\n'"$out"
    done
  fi
done <entries

tool manifest entries "$D/manifest.json.tmp"
mv "$D/manifest.json.tmp" "$D/manifest.json"
