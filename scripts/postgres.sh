#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for the tests.
#   scripts/postgres.sh start DIR   -> prints a DSN on stdout
#   scripts/postgres.sh stop DIR
#   scripts/postgres.sh halt DIR     -> stops the server at once, keeping its data
#   scripts/postgres.sh resume DIR   -> starts it again on the same port
# Installs PostgreSQL from Debian's packages when no server binaries exist.
set -euo pipefail

cmd=${1:?usage: postgres.sh start|stop|halt|resume DIR}
dir=${2:?usage: postgres.sh start|stop|halt|resume DIR}

find_bin() {
  local b
  for b in /usr/lib/postgresql/*/bin; do
    [ -x "$b/pg_ctl" ] && { echo "$b"; return 0; }
  done
  return 1
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
  echo "postgres.sh: installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
fi

# initdb and postgres refuse to run as root: run them as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  echo "$port" >"$dir/port"
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-h 127.0.0.1 -p $port -k $dir -F -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=300" start >&2
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
halt)
  as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2
  ;;
resume)
  port=$(cat "$dir/port")
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-h 127.0.0.1 -p $port -k $dir -F -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=300" start >&2
  ;;
stop)
  [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: postgres.sh start|stop|halt|resume DIR" >&2; exit 2 ;;
esac
