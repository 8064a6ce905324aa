#!/usr/bin/env bash
# Builds the Python package's abi3 wheel into target/wheels with maturin (installed into
# target/py-venv once), sharing the workspace's target/ so the core crate is not rebuilt.
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
rm -rf target/wheels
"$VENV/bin/maturin" build --release --quiet -m python/Cargo.toml --out target/wheels
