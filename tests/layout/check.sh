#!/usr/bin/env bash
# Corrects the ALTO and hOCR fixtures with the release binary and checks the output: ALTO
# valid against the ALTO 3.0 schema (xmllint), hOCR well-formed.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v xmllint >/dev/null || { apt-get update -qq && apt-get install -y -qq libxml2-utils; }
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in fixtures/layout/page-*.xml; do
  target/release/sohoa clean --format alto "$f" > "$out/$(basename "$f")"
  xmllint --noout --schema tests/layout/alto-3-0.xsd "$f"
  xmllint --noout --schema tests/layout/alto-3-0.xsd "$out/$(basename "$f")"
done
for f in fixtures/layout/*.hocr; do
  target/release/sohoa clean "$f" > "$out/$(basename "$f")"
  xmllint --noout "$out/$(basename "$f")"
done
echo "layout: ALTO output valid against the ALTO 3.0 schema, hOCR output well-formed"
