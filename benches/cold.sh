#!/usr/bin/env bash
# Cold-path throughput of the release binary: every figure is a fresh process (nothing
# cached), best of $RUNS runs, one thread. Only `ocr_10m` repeats text (the 845 KB of OCR
# pairs, as the same-size reference for the 10 MB adversarial input).
#
#   benches/cold.sh [SHARED_DIR]     (default ../shared; needs python3 for the inputs)
#
# Inputs: the OCR side of parallel/pairs_regular.tsv (845 KB, every line different), the
# gazette dev documents (clean, born-digital), the held-out corpus paragraphs with marks
# stripped (`eval stripped`, which prints its own timing), and adversarial text without
# spaces (10 KB, 1 MB, 10 MB of random letters; 2 KB of random alphanumerics) next to
# ordinary OCR of the same size.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${1:-../shared}
RUNS=${RUNS:-3}
BIN=target/release/sohoa
cargo build --release --quiet
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cut -f1 "$SHARED/parallel/pairs_regular.tsv" > "$WORK/pairs_ocr.txt"
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
    python3 -c "import sys; n,b,w,u=sys.argv[1],int(sys.argv[2]),float(sys.argv[3]),float(sys.argv[4]); print(f'| {n} | {b/1e6:.3f} MB | {w:.2f} s | {u:.2f} s | {b/1e6/max(w,1e-9):.2f} MB/s |')" "$@"
}
echo "| input (one thread, fresh process) | size | wall | CPU | MB/s (wall) |"
echo "|---|---|---|---|---|"
for f in pairs_ocr ocr_2k alnum_2k ocr_10k nospace_10k nospace_1m ocr_10m nospace_10m; do
    read -r w u < <(best "$BIN" --jobs 1 clean "$WORK/$f.txt")
    row "clean $f" "$(stat -c %s "$WORK/$f.txt")" "$w" "$u"
done
GAZ=("$SHARED"/gazette/dev/*.txt)
read -r w u < <(best "$BIN" --jobs 1 extract --jsonl "${GAZ[@]}")
row "extract gazette/dev (${#GAZ[@]} docs)" "$(cat "${GAZ[@]}" | wc -c)" "$w" "$u"
echo
echo "eval stripped (held-out corpus paragraphs, marks removed; the binary's own timing):"
"$BIN" --jobs 1 eval stripped --shared "$SHARED" | tail -1
