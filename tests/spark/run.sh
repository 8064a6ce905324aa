#!/usr/bin/env bash
# Spark integration test of `sohoa pipe` and of the Python package (see test_pipe.py). Installs the pinned PySpark into
# target/spark-venv once; a failed install fails the test (it is never skipped).
set -euo pipefail
cd "$(dirname "$0")/../.."

PYSPARK_VERSION=3.5.5
VENV=target/spark-venv
PYTHON=${PYTHON:-python3}

if ! "$VENV/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '$PYSPARK_VERSION')" 2>/dev/null; then
  echo "== installing pyspark==$PYSPARK_VERSION into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --disable-pip-version-check --quiet "pyspark==$PYSPARK_VERSION"
fi
command -v java >/dev/null || { echo "spark test: java not found" >&2; exit 1; }

cargo build --release --quiet --bin sohoa
# The mapPartitions route runs the Python package in Spark's Python workers.
bash python/build-wheel.sh
"$VENV/bin/pip" install --disable-pip-version-check --quiet --force-reinstall --no-deps target/wheels/sohoa-*.whl
export SOHOA_BIN="$PWD/target/release/sohoa"
export SPARK_LOCAL_IP=127.0.0.1
exec "$VENV/bin/python" tests/spark/test_pipe.py
