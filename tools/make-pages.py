#!/usr/bin/env python3
"""make-pages: the `sohoa eval pages` set, whole OCR'd pages of text no model has seen.

Each page's source is a run of consecutive evaluation-split paragraphs (the FNV-1a rule of
src/split.rs: `sohoa train` leaves them out of every model) of one corpus file, as many as fit on
one page as ../shared/tools/ocr-doc typesets it (45 lines wrapped at 78 columns). The pages of a
file start at evenly spaced points of it. legal_congbao_* is not used (the gazette documents
under ../shared/gazette come from it) nor admin_titles_* (all lower case: no page looks like it).

Writes OUT/source/NAME.txt (one paragraph per line) and, through ocr-doc, OUT/ocr/NAME.txt
(the page as Tesseract's English model read it) and OUT/ocr/META.tsv (font, size, noise).

Usage: make-pages.py --shared ../shared --out fixtures/pages [--per-file 3] [--seed 7]
"""
import argparse, os, subprocess, sys, textwrap, unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from split_rule import held_out  # noqa: E402

FILES = ["admin_tthc_capxa.txt", "legal_phapdien.txt", "legal_vanban_2025_2026.txt",
         "legal_vlc_laws.txt"]
LINES, WRAP = 45, 78




def wrapped_lines(p: str) -> int:
    """Lines ocr-doc gives the paragraph (it NFC-normalises, squeezes spaces and wraps)."""
    return len(textwrap.wrap(" ".join(unicodedata.normalize("NFC", p).split()), WRAP))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default="fixtures/pages")
    ap.add_argument("--per-file", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    src_dir = os.path.join(a.out, "source")
    os.makedirs(src_dir, exist_ok=True)
    pages = 0
    for name in FILES:
        lines = open(os.path.join(a.shared, "corpus", name), encoding="utf-8").read().splitlines()
        held = [l for l in lines if len(l) >= 40 and held_out(l)]
        for k in range(a.per_file):
            start = len(held) * k // a.per_file
            doc, used = [], 0
            for p in held[start:]:
                n = wrapped_lines(p)
                if used + n > LINES:
                    break
                doc.append(p)
                used += n
            if not doc:
                continue
            stem = name.removesuffix(".txt")
            with open(os.path.join(src_dir, f"{stem}_{k + 1}.txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(doc) + "\n")
            pages += 1
    tool = os.path.join(a.shared, "tools", "ocr-doc")
    subprocess.run([tool, "--in", src_dir, "--out", os.path.join(a.out, "ocr"),
                    "--seed", str(a.seed)], check=True)
    print(f"make-pages: {pages} pages in {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
