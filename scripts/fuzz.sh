#!/usr/bin/env bash
# Runs every fuzz target of certhub (each func FuzzXxx of a _test.go file)
# for ${FUZZTIME:-30s}, ${FUZZJOBS:-2} at a time (one worker each: the
# machine's two cores), and fails if any of them finds an input that
# fails. scripts/test.sh runs it after the tests.
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
# Targets whose seeds alone take longer than a short run to replay get
# 30 s more: FuzzAPI replays some 190 requests against the whole server
# (13 s under the fuzzing instrumentation) before it mutates anything.
slow_targets=" FuzzAPI "
case "$fuzztime" in
  *[0-9]s) slowtime="$((${fuzztime%s} + 30))s" ;;
  *[0-9]m) slowtime="$((${fuzztime%m} * 60 + 30))s" ;;
  *) slowtime=$fuzztime ;; # a count of runs (1000x), or hours: as given
esac
parallel=${FUZZPARALLEL:-1}
minimize=${FUZZMINIMIZETIME:-5s}
jobs=${FUZZJOBS:-2}

# "./internal/intel FuzzParseCSV", one line per target, in a stable order.
targets=$(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\([A-Za-z_]+ \*testing\.F\)' cmd internal |
  sed -E 's#^([^:]*)/[^/:]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#./\1 \2#' | sort -u)
if [ $# -gt 0 ]; then
  targets=$(echo "$targets" | grep -E "^($(IFS='|'; echo "$*")) " || true)
fi
if [ -z "$targets" ]; then
  echo "fuzz.sh: no fuzz targets found"; exit 1
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
total=$(echo "$targets" | wc -l)
echo "fuzz.sh: $total targets, $fuzztime each, $jobs at a time"

# fuzz runs one target, writing its report line to $dir/N.line, its log
# to $dir/N.log and, when it failed, $dir/N.failed.
#
# Go 1.26's fuzzing coordinator can report the end of -fuzztime itself as
# a failure, "context deadline exceeded", with no failing input
# (go.dev/issue/75804, fixed in Go 1.27). Such a run wrote nothing to the
# target's corpus folder; it is run once more, and fails only if it fails
# again or an input was written.
fuzz() {
  local n=$1 pkg=$2 name=$3 start=$SECONDS try time=$fuzztime
  case "$slow_targets" in *" $name "*) time=$slowtime ;; esac
  local corpus="$pkg/testdata/fuzz/$name"
  for try in 1 2; do
    local before
    before=$(ls "$corpus" 2>/dev/null | sort || true)
    # As go test runs it: in the package's folder (the seeds), with the
    # package's folder of Go's fuzz cache for what it finds.
    if (cd "$pkg" && "$dir/$(binname "$pkg")" -test.run '^$' -test.fuzz "^${name}\$" -test.fuzztime "$time" \
      -test.fuzzminimizetime "$minimize" -test.parallel "$parallel" -test.paniconexit0 -test.timeout 10m \
      -test.fuzzcachedir "$fuzzcache/$module/${pkg#./}") >"$dir/$n.log" 2>&1; then
      break
    fi
    if [ "$try" = 1 ] && [ "$(ls "$corpus" 2>/dev/null | sort || true)" = "$before" ] &&
      grep -q '^    context deadline exceeded$' "$dir/$n.log" && ! grep -q 'Failing input written' "$dir/$n.log"; then
      echo "fuzz.sh: $pkg $name: the coordinator's deadline race (go.dev/issue/75804), once more" >&2
      continue
    fi
    try=failed
    break
  done
  if [ "$try" != failed ]; then
    # No count: the time ran out while the seeds were replayed, and
    # nothing new was tried; say so rather than pass in silence.
    execs=$(grep -oE 'execs: [0-9]+' "$dir/$n.log" | tail -1 | cut -d' ' -f2 || true)
    if [ -z "$execs" ]; then
      execs="0 (seeds only: give it longer)"
    fi
    printf 'ok    %-28s %-22s %4ds %s execs\n' "$pkg" "$name" $((SECONDS - start)) "${execs:-?}" >"$dir/$n.line"
  else
    printf 'FAIL  %-28s %-22s %4ds\n' "$pkg" "$name" $((SECONDS - start)) >"$dir/$n.line"
    grep -v '^fuzz: elapsed' "$dir/$n.log" | sed 's/^/      /' >>"$dir/$n.line"
    touch "$dir/$n.failed"
  fi
  cat "$dir/$n.line"
}

# Fuzzing builds every package again, instrumented for coverage. Each
# package's test binary is built once, $jobs packages at a time, before
# the targets start, and each of its targets runs that binary: go test
# -fuzz would link it again for every target (seconds each: most link the
# whole server through apptest). The first package is built alone: it
# compiles what every package shares (the standard library, instrumented),
# which two builds side by side would each compile again.
binname() { local p=${1#./}; echo "${p//\//_}.test"; }
module=$(go list -m)
fuzzcache="$(go env GOCACHE)/fuzz"
first=1
for pkg in $(echo "$targets" | awk '{print $1}' | sort -u); do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  go test -c -o "$dir/$(binname "$pkg")" -fuzz . "$pkg" >"$dir/build-$(binname "$pkg").log" 2>&1 &
  if [ "$first" = 1 ]; then
    wait
    first=0
  fi
done
wait
for pkg in $(echo "$targets" | awk '{print $1}' | sort -u); do
  if [ ! -x "$dir/$(binname "$pkg")" ]; then
    echo "fuzz.sh: $pkg does not build:"; cat "$dir/build-$(binname "$pkg").log"; exit 1
  fi
done

n=0
while read -r pkg name; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  n=$((n + 1))
  fuzz "$n" "$pkg" "$name" &
done <<<"$targets"
wait
# A target that stopped without a word (the shell's own error) failed too.
ran=$(find "$dir" -name '*.line' | wc -l)
if [ "$ran" -ne "$total" ]; then
  echo "fuzz.sh: only $ran of $total targets reported"
  exit 1
fi
failed=$(find "$dir" -name '*.failed' | wc -l)
if [ "$failed" -gt 0 ]; then
  echo "fuzz.sh: $failed of $total targets failed"
  exit 1
fi
echo "fuzz.sh: all $total targets ran $fuzztime without a failure"
