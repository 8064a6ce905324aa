#!/usr/bin/env bash
# Builds the Python package's wheel (sharing the workspace's target/, so the core crate is not
# rebuilt from scratch), installs it into target/py-venv and runs its pytest suite against the
# release binary. A failed install fails the test (it is never skipped).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="$PWD/target/py-venv"
PYTHON=${PYTHON:-python3}

if ! "$VENV/bin/python" -c "import maturin, pytest" 2>/dev/null; then
  echo "== installing maturin and pytest into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --disable-pip-version-check --quiet "maturin>=1.5,<2" pytest
fi

cargo build --release --quiet --bin sohoa
rm -rf target/wheels
"$VENV/bin/maturin" build --release --quiet -m python/Cargo.toml --out target/wheels
"$VENV/bin/pip" install --disable-pip-version-check --quiet --force-reinstall --no-deps target/wheels/sohoa-*.whl
export SOHOA_BIN="$PWD/target/release/sohoa"
# From another folder, so that `import sohoa` is the installed wheel, not the source tree.
cd target && exec "$VENV/bin/python" -m pytest -q ../python/tests
