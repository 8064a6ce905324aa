#!/usr/bin/env bash
# Builds the Python package's wheel (python/build-wheel.sh), installs it into target/py-venv
# and runs its pytest suite against the release binary. A failed install fails the test (it
# is never skipped).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="$PWD/target/py-venv"
bash python/build-wheel.sh
cargo build --release --quiet --bin sohoa
"$VENV/bin/pip" install --disable-pip-version-check --quiet --force-reinstall --no-deps target/wheels/sohoa-*.whl
export SOHOA_BIN="$PWD/target/release/sohoa"
# From another folder, so that `import sohoa` is the installed wheel, not the source tree.
cd target && exec "$VENV/bin/python" -m pytest -q ../python/tests
