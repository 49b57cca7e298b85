#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and prints the URL of a fresh database
# on stdout (everything else goes to stderr). Used by scripts/test when SALW_TEST_POSTGRES is
# not set; needs Debian's `postgresql` package (scripts/test installs it). The cluster lives
# under $1 (default: target/pg-test) and is stopped by `scripts/test-postgres.sh stop DIR`.
# fsync is off (a test cluster) unless PG_FSYNC=on (the benchmarks). The default collation is
# ICU en-US, not byte order: a query that sorts or compares text without `COLLATE "C"` (as
# SQLite does) orders differently there and fails the tests that run on both backends.
# PG_MAX_WAL_SIZE (e.g. 4GB)
# sets max_wal_size, which a DBA raises for bulk loads; unset, the server's default (1GB).
set -euo pipefail

if [ "${1:-}" = stop ]; then
    dir=${2:?usage: $0 stop DIR}
    bin=$(cat "$dir/bin" 2>/dev/null || true)
    [ -n "$bin" ] || exit 0
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    else
        "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    fi
    exit 0
fi

dir=$(realpath -m "${1:-target/pg-test}")
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "error: PostgreSQL's server programs are not installed (Debian: apt-get install postgresql)" >&2
    exit 1
fi

# A cluster left by an earlier run is stopped and started afresh.
"$0" stop "$dir" || true
rm -rf "$dir"
mkdir -p "$dir"
echo "$bin" >"$dir/bin"
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    # The server refuses to run as root: the cluster belongs to the `postgres` user.
    chown postgres "$dir"
    as_owner=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U salw --auth=trust -E UTF8 --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; echo "error: initdb failed" >&2; exit 1; }
"${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=200${PG_MAX_WAL_SIZE:+ -c max_wal_size=$PG_MAX_WAL_SIZE}" start >&2 ||
    { cat "$dir/server.log" >&2; echo "error: the PostgreSQL server did not start" >&2; exit 1; }
"$bin/createdb" -h 127.0.0.1 -p "$port" -U salw salw_test
echo "postgres://salw@127.0.0.1:$port/salw_test"
