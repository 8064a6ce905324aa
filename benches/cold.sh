#!/usr/bin/env bash
# Cold-path throughput of the release binary: every figure is a fresh process (nothing
# cached), best of $RUNS runs, one thread. Only `ocr_10m` repeats text (the 845 KB of OCR
# pairs, as the same-size reference for the 10 MB adversarial input).
#
#   benches/cold.sh [SHARED_DIR]     (default ../shared; needs python3 for the inputs)
#
# Inputs: the OCR side of parallel/pairs_regular.tsv (845 KB, every line different), the
# OCR'd evaluation pages (fixtures/pages/ocr), 1 MB of held-out corpus paragraphs with marks
# stripped, the gazette dev documents (clean, born-digital, through `extract`), 10 MB of
# held-out and other corpus paragraphs through a garbler trained on the pairs
# (benches/gen-inputs.py: no paragraph twice) with `--jobs 1` and `--jobs 2`, and adversarial
# text without spaces (10 KB, 1 MB, 10 MB of random letters; 2 KB of random alphanumerics)
# next to ordinary OCR of the same size. MANY=1 adds the batch of 200,000 files of 1–5 KB
# (`sohoa --jobs 2 run`, peak RSS; about 15 minutes on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${1:-../shared}
RUNS=${RUNS:-3}
BIN=target/release/sohoa
cargo build --release --quiet
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cut -f1 "$SHARED/parallel/pairs_regular.tsv" > "$WORK/pairs_ocr.txt"
for f in fixtures/pages/ocr/*.txt; do cat "$f"; echo; done > "$WORK/pages_ocr.txt"
python3 benches/gen-inputs.py diverse --shared "$SHARED" --bytes 10000000 --out "$WORK/diverse_10m.txt"
python3 - "$WORK" <<'PY'
import random, sys
w = sys.argv[1]
random.seed(1)
letters = 'abcdefghijklmnopqrstuvwxyz'
alnum = letters + letters.upper() + '0123456789'
def gen(n, alphabet, name):
    with open(f'{w}/{name}', 'w') as f:
        f.write(''.join(random.choice(alphabet) for _ in range(n)) + '\n')
gen(10_000, letters, 'nospace_10k.txt')
gen(1_000_000, letters, 'nospace_1m.txt')
gen(10_000_000, letters, 'nospace_10m.txt')
gen(2_000, alnum, 'alnum_2k.txt')
ocr = open(f'{w}/pairs_ocr.txt', encoding='utf-8').read()
def head(n, name):
    # OCR of the same size: the pairs' OCR side, cut at a line end, repeated past 845 KB.
    text = (ocr * (n // len(ocr) + 1))[:n]
    with open(f'{w}/{name}', 'w', encoding='utf-8') as f:
        f.write(text[:text.rfind('\n') + 1] if '\n' in text else text)
head(2_000, 'ocr_2k.txt'); head(10_000, 'ocr_10k.txt'); head(10_000_000, 'ocr_10m.txt')
PY
python3 - "$WORK" "$SHARED" <<'PY'
# 1 MB of evaluation-split paragraphs (the FNV-1a rule of src/split.rs), marks stripped.
import sys, unicodedata
w, shared = sys.argv[1], sys.argv[2]
def fnv(b):
    h = 0xCBF29CE484222325
    for x in b:
        h = ((h ^ x) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h
def strip(t):
    t = unicodedata.normalize('NFD', t.replace('đ', 'd').replace('Đ', 'D'))
    return unicodedata.normalize('NFC', ''.join(c for c in t if not unicodedata.combining(c)))
n = 0
with open(f'{w}/stripped_1m.txt', 'w', encoding='utf-8') as out:
    for line in open(f'{shared}/corpus/legal_vanban_2025_2026.txt', encoding='utf-8'):
        if line.strip() and fnv(line.strip().encode()) % 20 == 0:
            out.write(strip(line.rstrip('\n')) + '\n')
            n += len(line.encode())
            if n > 1_000_000:
                break
PY

# best WALL USER over $RUNS runs of a command (stdout discarded)
best() {
    local bw=999999 bu=999999 w u
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -o "$WORK/time" -f "%e %U" "$@" > /dev/null 2> /dev/null
        read -r w u < "$WORK/time"
        bw=$(python3 -c "print(min($bw, $w))"); bu=$(python3 -c "print(min($bu, $u))")
    done
    echo "$bw $bu"
}
row() { # name bytes wall user
    python3 -c "import sys; n,b,w,u=sys.argv[1],int(sys.argv[2]),float(sys.argv[3]),float(sys.argv[4]); print(f'| {n} | {b/1e6:.3f} MB | {w:.2f} s | {u:.2f} s | {b/1e6/max(w,1e-9):.2f} MB/s | {b/1e6/max(u,1e-9):.2f} MB/s |')" "$@"
}
echo "| input (one thread unless said, fresh process) | size | wall | CPU | MB/s (wall) | MB/s (CPU) |"
echo "|---|---|---|---|---|---|"
for f in pairs_ocr pages_ocr stripped_1m diverse_10m ocr_2k alnum_2k ocr_10k nospace_10k nospace_1m ocr_10m nospace_10m; do
    read -r w u < <(best "$BIN" --jobs 1 clean "$WORK/$f.txt")
    row "clean $f" "$(stat -c %s "$WORK/$f.txt")" "$w" "$u"
done
read -r w u < <(best "$BIN" --jobs 2 clean "$WORK/diverse_10m.txt")
row "clean diverse_10m --jobs 2" "$(stat -c %s "$WORK/diverse_10m.txt")" "$w" "$u"
"$BIN" --jobs 1 clean "$WORK/diverse_10m.txt" > "$WORK/one.txt"
"$BIN" --jobs 2 clean "$WORK/diverse_10m.txt" > "$WORK/two.txt"
cmp -s "$WORK/one.txt" "$WORK/two.txt" && echo "(diverse_10m: --jobs 2 output identical to --jobs 1)" \
    || echo "(diverse_10m: --jobs 2 output DIFFERS from --jobs 1)"
GAZ=("$SHARED"/gazette/dev/*.txt)
read -r w u < <(best "$BIN" --jobs 1 extract --jsonl "${GAZ[@]}")
row "extract gazette/dev (${#GAZ[@]} docs)" "$(cat "${GAZ[@]}" | wc -c)" "$w" "$u"
echo
echo "eval stripped (held-out corpus paragraphs, marks removed; the binary's own timing):"
"$BIN" --jobs 1 eval stripped --shared "$SHARED" | tail -1

if [ "${MANY:-0}" = 1 ]; then
    python3 benches/gen-inputs.py many --shared "$SHARED" --files 200000 --out "$WORK/many"
    /usr/bin/time -o "$WORK/time" -f "%e s wall, peak RSS %M KB" \
        "$BIN" --jobs 2 run "$WORK/many" --out "$WORK/many-out" > /dev/null
    echo "run --jobs 2, 200,000 files of 1–5 KB: $(cat "$WORK/time"), $(wc -l < "$WORK/many-out/records.jsonl") records"
fi
