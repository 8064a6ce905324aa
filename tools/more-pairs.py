#!/usr/bin/env python3
"""more-pairs: further (garbled, clean) pairs for the error model, from training-split text.

The shared parallel pairs (`../shared/parallel`) are some 12,000 lines; the error model's rarer
confusions are learned from a handful of examples each. This draws training-split paragraphs
(never the evaluation split of src/split.rs: FNV-1a of the trimmed paragraph % 20 != 0) from the
shared corpus files, a fixed number per file with a fixed seed, and runs them through
`../shared/tools/ocr-sim` (Tesseract's English model on typeset, degraded pages: the channel of
the shared pairs) in chunks, writing one TSV like the shared ones. `sohoa train --pairs FILE`
trains the error model on them too (their held-out lines left out); `eval pairs` never reads them.

Needs ocr-sim's Debian packages: tesseract-ocr tesseract-ocr-eng pango1.0-tools imagemagick
fonts-liberation fonts-dejavu-core fonts-freefont-ttf.

Usage: more-pairs.py --shared ../shared --out tools/pairs/more_pairs.tsv [--seed 2026]
                     [--chunks 4] [--chunk 1000] [--jobs 2]
"""
import argparse, glob, os, random, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from split_rule import held_out  # noqa: E402

# Paragraphs drawn per corpus file (by file stem), in proportion to what the reports read like.
PER_FILE = {
    "admin_titles_binhduong": 300,
    "admin_tthc_capxa": 700,
    "legal_congbao_2023_2026": 600,
    "legal_phapdien": 800,
    "legal_vanban_2025_2026": 1000,
    "legal_vlc_laws": 600,
}



def draw(shared: str, seed: int) -> list:
    rng = random.Random(seed)
    out = []
    for f in sorted(glob.glob(os.path.join(shared, "corpus", "*.txt"))):
        stem = os.path.basename(f)[:-4]
        n = PER_FILE.get(stem, 0)
        if n == 0:
            continue
        with open(f, encoding="utf-8") as fh:
            paras = [l.strip() for l in fh if l.strip()]
        paras = [p for p in paras if not held_out(p) and 40 < len(p) < 600]
        out += rng.sample(paras, min(n, len(paras)))
    rng.shuffle(out)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--chunk", type=int, default=1000, help="paragraphs per ocr-sim run")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    paras = draw(a.shared, a.seed)
    sim = os.path.join(a.shared, "tools", "ocr-sim")
    with tempfile.TemporaryDirectory() as tmp, open(a.out, "w", encoding="utf-8") as out:
        for i in range(a.chunks):
            part = paras[i * a.chunk:(i + 1) * a.chunk]
            if not part:
                break
            src, tsv = os.path.join(tmp, f"in_{i}.txt"), os.path.join(tmp, f"out_{i}.tsv")
            with open(src, "w", encoding="utf-8") as fh:
                fh.write("\n".join(part) + "\n")
            subprocess.run([sim, "--in", src, "--out", tsv, "--wrap", "78", "--jobs", str(a.jobs),
                            "--seed", str(100 + i)], check=True)
            with open(tsv, encoding="utf-8") as fh:
                out.write(fh.read())
            print(f"more-pairs: chunk {i + 1}/{a.chunks} done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
