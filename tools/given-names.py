#!/usr/bin/env python3
"""given-names: the given-name syllables (tên đệm, tên) of Vietnamese people's names, for the
extractor's signer step (dictionaries/given_names.tsv): a name line damaged by OCR is read as a
family name and given names, so that `Huy` (a name) beats `Hủy` (a verb).

Two sources, counted together:
  * the shared corpus, where it prints a name unmistakably: a family name of
    dictionaries/surnames.tsv and one to three capitalised syllables, standing alone on a line,
    after a title of address (`ông`, `bà`, `đồng chí`) or after a word in capitals (the
    signature block run into one paragraph: `PHÓ THỦ TƯỚNG Hồ Đức Phớc`); a match that is an
    administrative unit's name (`Hà Nội`, `Lâm Đồng`: lexicon/admin_units.tsv) is no name;
  * the Vietnamese person provider of the Faker package (MIT; `pip download faker==40.63.0`,
    faker/providers/person/vi_VN/__init__.py): common given and middle names, counted once.
Single letters (`Nguyễn Văn A`, the forms' placeholder) are no names. The file keeps the
syllables seen at least --min times (NFC), commonest first.

Usage (from the project root):
  tools/given-names.py --corpus ../shared/corpus --lexicon ../shared/lexicon \
      --faker faker-40.63.0-py3-none-any.whl > dictionaries/given_names.tsv
"""
import argparse
import collections
import os
import re
import unicodedata
import zipfile

import regex

ap = argparse.ArgumentParser()
ap.add_argument("--corpus", default="../shared/corpus")
ap.add_argument("--lexicon", default="../shared/lexicon")
ap.add_argument("--surnames", default="dictionaries/surnames.tsv")
ap.add_argument("--faker", help="the Faker wheel (optional)")
ap.add_argument("--min", type=int, default=2)
args = ap.parse_args()

nfc = lambda s: unicodedata.normalize("NFC", s)
surnames = [nfc(l.strip()) for l in open(args.surnames, encoding="utf-8")
            if l.strip() and not l.startswith("#")]
units = set()
with open(os.path.join(args.lexicon, "admin_units.tsv"), encoding="utf-8") as f:
    for line in f:
        if not line.startswith("#"):
            cols = line.rstrip("\n").split("\t")
            if len(cols) > 3:
                units.add(nfc(cols[3]))
sur = "|".join(sorted(map(regex.escape, surnames), key=len, reverse=True))
syl = r"\p{Lu}\p{Ll}{1,6}"
name = regex.compile(
    rf"(?:^\s*|(?<=(?:\b(?:ông|bà|chí|Ông|Bà)|[\p{{Lu}}\]\)]{{2}})\s+))"
    rf"({sur})((?:\s+{syl}){{1,3}})(?![\s\-]*\p{{L}})",
    regex.M,
)
counts = collections.Counter()
for fname in sorted(os.listdir(args.corpus)):
    if not fname.endswith(".txt"):
        continue
    with open(os.path.join(args.corpus, fname), encoding="utf-8") as f:
        for line in f:
            for m in name.finditer(nfc(line)):
                given = m[2].split()
                if any(" ".join([m[1]] + given[:k]) in units for k in range(1, len(given) + 1)):
                    continue
                counts.update(given)
if args.faker:
    with zipfile.ZipFile(args.faker) as z:
        src = z.read("faker/providers/person/vi_VN/__init__.py").decode("utf-8")
    for block in re.findall(r"(?:first_names_\w+|middle_names) = \((.*?)\)", src, re.S):
        for w in set(w for s in re.findall(r'"([^"]+)"', block) for w in s.split()):
            counts[nfc(w)] += args.min
print("# Given-name syllables of Vietnamese people's names: name<TAB>weight (how often the")
print("# corpus prints it in a name, plus --min for a Faker vi_VN entry), commonest first.")
print("# Built by tools/given-names.py (see its doc for the command and the sources).")
for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])):
    if c >= args.min and len(w) > 1:
        print(f"{w}\t{c}")
