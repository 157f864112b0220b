#!/usr/bin/env bash
# What Galaxy and Automation Hub run on an upload: galaxy-importer on the built tarball, offline,
# with its default settings and with the certification setting that refuses versions below 1.0.0.
# Fails on any ERROR line (galaxy-importer exits 0 after some of them).
set -euo pipefail
. "$(dirname "$0")/tarball.sh" galaxy-importer
cd "$work"   # galaxy-importer writes importer_result.json into the working directory
for v1 in false true; do
  out="$work/importer-$v1.log"
  GALAXY_IMPORTER_REQUIRE_V1_OR_GREATER=$v1 GALAXY_IMPORTER_TMP_ROOT_DIR="$work" \
    python -m galaxy_importer.main "$tarball" >"$out" 2>&1 || { cat "$out"; exit 1; }
  if grep -E '^(ERROR|WARNING)' "$out"; then
    echo "galaxy-importer (require_v1_or_greater=$v1): errors or warnings above" >&2; exit 1
  fi
  echo "galaxy-importer (require_v1_or_greater=$v1): $(grep -c '^Loading' "$out") items loaded, no errors or warnings"
done
