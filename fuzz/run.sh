#!/usr/bin/env bash
# Fuzzes every target (or the ones named) for SECONDS each, one after the other, on the stable
# toolchain, and fails on any crash, timeout (a unit over 10 s) or OOM (over 2 GB).
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# The targets are built with the coverage instrumentation `cargo fuzz` would add (no
# sanitizer: that needs nightly); each one first runs its saved inputs (regressions/<target>/,
# known/<target>/) once, then fuzzes corpus/<target>/ (kept between runs) grown from the
# committed seeds/<target>/ (slices of fixtures/ and dictionaries/, written by
# `cargo run --release --no-default-features --example seeds -- seeds`). What it finds goes to
# artifacts/<target>/ and its log to logs/<target>.log. The same saved inputs run without
# libFuzzer in `cargo test --release --no-default-features` (here in fuzz/).
set -euo pipefail
cd "$(dirname "$0")"

secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(document pipe lm channel lexicon model)
fi

host=$(rustc -vV | sed -n 's/^host: //p')
# The flags cargo-fuzz passes (sancov instrumentation, comparison tracing, `cfg(fuzzing)`,
# debug assertions and overflow checks); all are stable. `--target` keeps them off build
# scripts and proc macros, and the instrumented build apart from the replay build.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
echo "== fuzz: build (instrumented, $host)"
cargo build --release --target "$host" --bins 2>&1
unset RUSTFLAGS

# Longest input per target: the targets that restore text run it three times (whole,
# chunked, in `pipe` with 1 and 2 threads), and 4 KiB keeps that well under the timeout.
max_len() {
  case $1 in
    document | pipe) echo 4096 ;;
    lm | model) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

shopt -s nullglob
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t" logs
  dict=()
  if [ -f "dicts/$t.dict" ]; then dict=("-dict=dicts/$t.dict"); fi
  saved=(regressions/"$t"/* known/"$t"/*)
  if [ ${#saved[@]} -gt 0 ]; then
    echo "== fuzz: $t replays ${#saved[@]} saved inputs"
    if ! "target/$host/release/$t" -timeout=10 -rss_limit_mb=2048 "${saved[@]}" >"logs/$t.replay.log" 2>&1; then
      tail -40 "logs/$t.replay.log"
      failed=1
      continue
    fi
  fi
  echo "== fuzz: $t for ${secs}s"
  start=$(date +%s)
  if "target/$host/release/$t" "corpus/$t" "seeds/$t" "${dict[@]}" \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"logs/$t.log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)
  echo "$t: $status, ${execs:-?} executions in $(($(date +%s) - start))s, corpus $(ls "corpus/$t" | wc -l) units"
  if [ $status = FAILED ]; then
    tail -40 "logs/$t.log"
    ls -l "artifacts/$t"
  fi
done
exit $failed
