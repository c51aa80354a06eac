#!/usr/bin/env bash
# Runs every check and test of certhub, as CI does (make test, .ci/run).
# Installs what a fresh machine lacks (Chromium for the browser tests,
# PostgreSQL for the tests on the second engine) and starts a throwaway
# PostgreSQL cluster for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--buildvcs=false}"
# SQLite is modernc.org/sqlite: SQLite's C translated to Go, one package
# (modernc.org/sqlite/lib) of some 300 files. Under -race every memory
# access of its parser and virtual machine goes through the race detector
# and -d=checkptr, which made each SQLite test three times slower than the
# same test on PostgreSQL and was a third of the run. That package is
# built without the instrumentation: what it reads and writes is its own
# (C heap from modernc.org/libc, which stays instrumented with the
# driver, database/sql and everything of ours). Only that package: a
# package built so that instantiates a generic (sync.Map's table) would
# give every package its uninstrumented copy, and false reports.
GOFLAGS="$GOFLAGS -gcflags=modernc.org/sqlite/lib=-race=false"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The race-enabled builds of every package and the throwaway cluster need
# a few GiB; a full disk fails the build with "no space left on device",
# far from its cause, so say how much there is first.
free_kb=$(df -Pk "${TMPDIR:-/tmp}" | awk 'NR==2 {print $4}')
echo "== $((free_kb / 1024)) MiB free on ${TMPDIR:-/tmp} (at ${SECONDS}s)"
if [ "$free_kb" -lt $((6 * 1024 * 1024)) ]; then
  echo "test.sh: warning: less than 6 GiB free; the run needs about that (go clean -cache empties Go's build cache, $(go env GOCACHE))"
fi

pgdir=$(mktemp -d /tmp/certhub-pg.XXXXXX)
# What every test binary would otherwise make for itself (a migrated
# SQLite schema, a data directory with the demo loaded: seconds each under
# the race detector, times some thirty packages) is made once for the run,
# here, and removed with it (internal/platform/db/dbtest/shared.go).
CERTHUB_TEST_CACHE=$(mktemp -d /tmp/certhub-testcache.XXXXXX)
export CERTHUB_TEST_CACHE
trap 'scripts/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$CERTHUB_TEST_CACHE"' EXIT
CERTHUB_TEST_POSTGRES=$(scripts/postgres.sh start "$pgdir")
export CERTHUB_TEST_POSTGRES
export CERTHUB_TEST_REQUIRE_POSTGRES=1 CERTHUB_TEST_REQUIRE_BROWSER=1

echo "== no database, key or secret tracked (at ${SECONDS}s)"
# A data directory committed by mistake (a test writing into its package
# folder) would ship a live database and the key that opens its secrets.
tracked=$(git ls-files 2>/dev/null | grep -E '(\.db|\.key)$|(^|/)secret[^/]*$' || true)
if [ -n "$tracked" ]; then
  echo "these files must not be in git:"; echo "$tracked"; exit 1
fi
# What exists beside the sources before the tests run; tests write only
# under t.TempDir(), so nothing may appear in the tree meanwhile.
leftovers() { git status --porcelain --ignored=matching --untracked-files=all 2>/dev/null | grep -vE ' (bin|tmp)/' || true; }
before=$(leftovers)

echo "== gofmt (at ${SECONDS}s)"
unformatted=$(gofmt -l cmd internal deploy)
if [ -n "$unformatted" ]; then
  echo "gofmt wants to change:"; echo "$unformatted"; exit 1
fi
echo "== go vet (at ${SECONDS}s)"
# With -race, as the tests below build: vet's compiled packages are then
# theirs too, not a second build of every dependency.
go vet -race ./...
echo "== go test -race (at ${SECONDS}s)"
# Every package runs under the race detector: the server, the job queue and
# the database layer are concurrent through and through.
go test -race -count=1 -timeout 15m ./...
# Every parser of outside input has a fuzz target (scripts/fuzz.sh finds
# them all), fuzzed 10 s each here (FuzzAPI 40 s, see fuzz.sh): the
# committed corpora already ran as tests above (longer: FUZZTIME=2m
# scripts/fuzz.sh). New corpus
# entries go to Go's cache, not the tree: the check below would catch a
# failing input written to testdata/fuzz/.
export FUZZTIME=${FUZZTIME:-10s}
echo "== fuzz, $FUZZTIME per target (at ${SECONDS}s)"
scripts/fuzz.sh
echo "== the tests wrote nothing into the tree (at ${SECONDS}s)"
after=$(leftovers)
if [ "$after" != "$before" ]; then
  echo "tests left files in the source tree (write under t.TempDir()):"
  diff <(echo "$before") <(echo "$after") | grep '^>' || true
  exit 1
fi
echo "== all checks passed (at ${SECONDS}s)"
