#!/usr/bin/env bash
# Runs every fuzz target of certhub (each func FuzzXxx of a _test.go file)
# for ${FUZZTIME:-30s}, one after another, and fails if any of them finds
# an input that fails. scripts/test.sh runs it after the tests.
#
# Go keeps the inputs it finds interesting in its cache ($GOCACHE/fuzz),
# never in the tree; the committed seeds are each package's
# testdata/fuzz/<FuzzXxx>/. A failing input is written there (and the run
# fails): fix the bug, keep the input as the regression.
#
#   FUZZTIME=2m scripts/fuzz.sh                 # longer
#   scripts/fuzz.sh ./internal/intel            # one package's targets
#   FUZZPARALLEL=4 scripts/fuzz.sh              # more workers per target
#
# Each input that reaches new code is minimised, for at most
# FUZZMINIMIZETIME (default 5s): Go's own default, a minute, would spend a
# short run on a few large seeds (a CVE record, a CSAF document).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--buildvcs=false}"
fuzztime=${FUZZTIME:-30s}
parallel=${FUZZPARALLEL:-1}
minimize=${FUZZMINIMIZETIME:-5s}

# "./internal/intel FuzzParseCSV", one line per target, in a stable order.
targets=$(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\([A-Za-z_]+ \*testing\.F\)' cmd internal |
  sed -E 's#^([^:]*)/[^/:]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#./\1 \2#' | sort -u)
if [ $# -gt 0 ]; then
  targets=$(echo "$targets" | grep -E "^($(IFS='|'; echo "$*")) " || true)
fi
if [ -z "$targets" ]; then
  echo "fuzz.sh: no fuzz targets found"; exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
total=$(echo "$targets" | wc -l)
echo "fuzz.sh: $total targets, $fuzztime each"
while read -r pkg name; do
  start=$SECONDS
  if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" \
    -parallel "$parallel" "$pkg" >"$log" 2>&1; then
    execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    printf 'ok    %-28s %-22s %4ds %s execs\n' "$pkg" "$name" $((SECONDS - start)) "${execs:-?}"
  else
    printf 'FAIL  %-28s %-22s %4ds\n' "$pkg" "$name" $((SECONDS - start))
    grep -v '^fuzz: elapsed' "$log" | sed 's/^/      /'
    failed=$((failed + 1))
  fi
done <<<"$targets"
if [ "$failed" -gt 0 ]; then
  echo "fuzz.sh: $failed of $total targets failed"
  exit 1
fi
echo "fuzz.sh: all $total targets ran $fuzztime without a failure"
