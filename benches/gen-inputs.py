#!/usr/bin/env python3
"""gen-inputs: reproducible benchmark inputs that never repeat a document (issue 11).

  gen-inputs.py diverse --shared ../shared --bytes 10000000 --out /tmp/diverse.txt
  gen-inputs.py many --shared ../shared --files 200000 --out /tmp/many [--garbled-every 8]

`diverse`: one file of corpus paragraphs through a garbler trained on the parallel pairs,
evaluation-split paragraphs first (the FNV-1a rule of src/split.rs), then others, each paragraph
used once, so no line is a copy of another (a repeated line would be decoded from the cache).
`many`: FILES small documents of 1–5 KB, each a distinct run of corpus paragraphs (a seeded
random start in a corpus file); one in GARBLED_EVERY goes through the garbler, the rest are
clean as written (the memory of a batch is in the number of documents, not in their damage).

The garbler: the pairs' lines whose clean and OCR sides have as many tokens are aligned token by
token; a clean token seen there becomes one of its observed OCR forms (drawn by frequency), an
unseen one is garbled character by character from the aligned tokens of equal length (each
character drawn from what the OCR read for it). Crude, but it has the pairs' real confusions
(lost marks, 6/o, 1/l, ¢/e, cUa) at about their real rates.
"""
import argparse, os, random, sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from split_rule import held_out  # noqa: E402

CORPUS = ["legal_phapdien.txt", "legal_vanban_2025_2026.txt", "legal_vlc_laws.txt",
          "admin_tthc_capxa.txt", "legal_congbao_2023_2026.txt"]




class Garbler:
    def __init__(self, pairs_path, rng):
        self.rng = rng
        words = defaultdict(Counter)
        chars = defaultdict(Counter)
        with open(pairs_path, encoding="utf-8") as f:
            for line in f:
                ocr, _, clean = line.rstrip("\n").partition("\t")
                o, c = ocr.split(), clean.split()
                if len(o) != len(c):
                    continue
                for a, b in zip(c, o):
                    words[a][b] += 1
                    if len(a) == len(b):
                        for x, y in zip(a, b):
                            chars[x][y] += 1
        self.words = {w: (list(c), list(c.values())) for w, c in words.items()}
        self.chars = {x: (list(c), list(c.values())) for x, c in chars.items()}

    def token(self, t):
        seen = self.words.get(t)
        if seen:
            return self.rng.choices(seen[0], seen[1])[0]
        out = []
        for ch in t:
            c = self.chars.get(ch)
            out.append(self.rng.choices(c[0], c[1])[0] if c else ch)
        return "".join(out)

    def line(self, text):
        return " ".join(self.token(t) for t in text.split())


def paragraphs(shared, name):
    with open(os.path.join(shared, "corpus", name), encoding="utf-8") as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def diverse(args):
    rng = random.Random(args.seed)
    g = Garbler(os.path.join(args.shared, "parallel", "pairs_regular.tsv"), rng)
    held, rest = [], []
    for name in CORPUS:
        for p in paragraphs(args.shared, name):
            (held if held_out(p) else rest).append(p)
    n, used = 0, set()
    with open(args.out, "w", encoding="utf-8") as out:
        for p in held + rest:
            if n >= args.bytes:
                break
            if p in used:
                continue
            used.add(p)
            line = g.line(p) + "\n"
            out.write(line)
            n += len(line.encode())


def many(args):
    rng = random.Random(args.seed)
    g = Garbler(os.path.join(args.shared, "parallel", "pairs_regular.tsv"), rng)
    paras = [p for name in CORPUS[:4] for p in paragraphs(args.shared, name)]
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.files):
        want = rng.randint(1000, 5000)
        at = rng.randrange(len(paras))
        body, n = [], 0
        while n < want:
            p = paras[at % len(paras)][: want - n + 200]
            body.append(p)
            n += len(p.encode()) + 1
            at += 1
        if args.garbled_every and i % args.garbled_every == 0:
            body = [g.line(p) for p in body]
        sub = os.path.join(args.out, f"{i // 1000:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"{i:06d}.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(body) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("mode", choices=["diverse", "many"])
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", required=True)
    ap.add_argument("--bytes", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, default=200_000)
    ap.add_argument("--garbled-every", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    (diverse if args.mode == "diverse" else many)(args)


if __name__ == "__main__":
    sys.exit(main())
