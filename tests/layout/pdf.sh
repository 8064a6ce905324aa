#!/usr/bin/env bash
# End to end as an archive user works: a fixture page's hOCR corrected by sohoa, then the
# corrected hOCR and the page image made into a searchable PDF by OCRmyPDF's hOCR renderer
# (`python -m ocrmypdf.hocrtransform`, from PyPI), then the PDF's text layer read back with
# poppler's `pdftotext`: its words must be the corrected hOCR's words (as a multiset: pdftotext
# may order the header's two columns differently, and joins words whose boxes touch), and must
# differ from the OCR's own words.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v pdftotext >/dev/null || { apt-get update -qq && apt-get install -y -qq poppler-utils; }
venv=target/pdf-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import ocrmypdf' 2>/dev/null || "$venv/bin/pip" install -q 'ocrmypdf>=16,<18'
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for n in 1 2; do
  page=fixtures/layout/page-$n
  target/release/sohoa clean --format hocr "$page.hocr" > "$out/page.hocr"
  "$venv/bin/python" -m ocrmypdf.hocrtransform -i "$page.png" "$out/page.hocr" "$out/page.pdf" >/dev/null
  pdftotext -raw -enc UTF-8 "$out/page.pdf" "$out/page.pdf.txt"
  "$venv/bin/python" - "$out/page.hocr" "$out/page.pdf.txt" "$page.hocr" <<'PY'
import collections, html.parser, sys, unicodedata

class Words(html.parser.HTMLParser):
    """The text of every ocrx_word element, in document order."""
    def __init__(self):
        super().__init__()
        self.words, self.depth = [], 0
    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif "ocrx_word" in (dict(attrs).get("class") or ""):
            self.depth = 1
            self.words.append("")
    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
    def handle_data(self, data):
        if self.depth:
            self.words[-1] += data

def words(path):
    p = Words()
    p.feed(open(path, encoding="utf-8").read())
    return [unicodedata.normalize("NFC", w).strip() for w in p.words if w.strip()]

corrected_seq, ocr = words(sys.argv[1]), words(sys.argv[3])
corrected = collections.Counter(corrected_seq)
pdf = collections.Counter(unicodedata.normalize("NFC", open(sys.argv[2], encoding="utf-8").read()).split())
# pdftotext finds word breaks from glyph positions, so two words whose boxes Tesseract itself
# put a few pixels apart come back as one token: accept a token that is the concatenation of
# 2 or 3 consecutive corrected words, and count those joins.
missing, extra, joined = corrected - pdf, pdf - corrected, 0
for token, n in list(extra.items()):
    for _ in range(n):
        for i in range(len(corrected_seq)):
            for k in (2, 3):
                parts = corrected_seq[i:i + k]
                if len(parts) == k and "".join(parts) == token and not (collections.Counter(parts) - missing):
                    missing -= collections.Counter(parts)
                    extra[token] -= 1
                    joined += 1
                    break
            else:
                continue
            break
extra = +extra
if missing or extra:
    sys.exit(f"PDF text layer differs from the corrected hOCR: missing {missing}, extra {extra}")
if pdf == collections.Counter(ocr):
    sys.exit("PDF text layer is the OCR's own text: nothing was corrected")
changed = sum((corrected - collections.Counter(ocr)).values())
print(f"{sys.argv[3]}: PDF text layer = corrected hOCR ({len(corrected_seq)} words, {changed} corrected, "
      f"{joined} pairs of touching boxes read as one token by pdftotext)")
PY
done
