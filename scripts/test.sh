#!/usr/bin/env bash
# Runs every check and test of certhub, as CI does (make test, .ci/run).
# Installs what a fresh machine lacks (Chromium for the browser tests,
# PostgreSQL for the tests on the second engine) and starts a throwaway
# PostgreSQL cluster for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--buildvcs=false}"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

pgdir=$(mktemp -d /tmp/certhub-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true' EXIT
CERTHUB_TEST_POSTGRES=$(scripts/postgres.sh start "$pgdir")
export CERTHUB_TEST_POSTGRES
export CERTHUB_TEST_REQUIRE_POSTGRES=1 CERTHUB_TEST_REQUIRE_BROWSER=1

echo "== gofmt"
unformatted=$(gofmt -l cmd internal)
if [ -n "$unformatted" ]; then
  echo "gofmt wants to change:"; echo "$unformatted"; exit 1
fi
echo "== go vet"
go vet ./...
echo "== go test -race"
# Every package runs under the race detector: the server, the job queue and
# the database layer are concurrent through and through.
go test -race -count=1 -timeout 15m ./...
echo "== all checks passed"
