#!/usr/bin/env bash
# Bulk import into PostgreSQL: `salw import` of N weapons from CSV into a registry in
# PostgreSQL (validated, journalled, signed, indexed; the COPY path), side by side in the same
# run with psql's `\copy` of the same CSV into a bare table of text columns (no validation, no
# journal, no index): the floor of what the server itself does with the file. Each side is
# timed from a CHECKPOINT, so that neither pays for the other's dirty pages.
#
#   scripts/bench-postgres.sh [N weapons, default 1000000] [runs, default 3]
#
# The server: SALW_BENCH_POSTGRES (a database URL) when set; otherwise a throw-away cluster
# of Debian's `postgresql` package with its default durability (fsync on), started and
# stopped here. Prints a Markdown table (medians over the runs) for BENCHMARKS.md.
# PG_MAX_WAL_SIZE (e.g. 4GB) starts that cluster with max_wal_size raised, as a DBA tunes a
# server for bulk loads (both the baseline and salw run under it); unset, the default (1GB).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
command -v psql >/dev/null || { echo "psql is not installed (apt-get install postgresql)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is not installed (apt-get install time)" >&2; exit 1; }

cargo build --release --quiet --locked
salw=$PWD/target/release/salw
work=$(mktemp -d "${TMPDIR:-/tmp}/salw-bench-pg.XXXXXX")
cleanup() {
    [ -n "${pg_dir:-}" ] && scripts/test-postgres.sh stop "$pg_dir"
    rm -rf "$work" "${pg_dir:-}"
}
trap cleanup EXIT

if [ -n "${SALW_BENCH_POSTGRES:-}" ]; then
    url=$SALW_BENCH_POSTGRES
    server="the server SALW_BENCH_POSTGRES names"
else
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/salw-bench-pgdata.XXXXXX")
    url=$(PG_FSYNC=on scripts/test-postgres.sh "$pg_dir")
    if [ -n "${PG_MAX_WAL_SIZE:-}" ]; then
        server="a local cluster, default settings (fsync on) but max_wal_size=$PG_MAX_WAL_SIZE"
    else
        server="a local cluster, default settings (fsync on)"
    fi
fi
version=$(psql "$url" -Atc "SHOW server_version")

echo "generating $n weapons (seed 1)…" >&2
"$salw" demo --records "$n" --seed 1 --weapons-only --csv-out "$work/data" >/dev/null
csv=$work/data/weapons.csv
rows=$(($(wc -l <"$csv") - 1))
bytes=$(stat -c %s "$csv")
columns=$(head -1 "$csv" | tr ',' '\n' | sed 's/.*/"&" text/' | paste -sd, -)

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# A URL whose connections use schema $1.
in_schema() { case "$url" in *\?*) echo "$url&options=-csearch_path%3D$1" ;; *) echo "$url?options=-csearch_path%3D$1" ;; esac; }

: >"$work/base"; : >"$work/salw"
for run in $(seq "$runs"); do
    echo "run $run/$runs…" >&2
    psql "$url" -q -c "DROP SCHEMA IF EXISTS bench_bare CASCADE" -c "CREATE SCHEMA bench_bare" \
        -c "CREATE TABLE bench_bare.weapons ($columns)"
    # Each side starts from a checkpoint: neither pays for writing out the other's pages.
    psql "$url" -q -c CHECKPOINT
    /usr/bin/time -f "%e %M" -o "$work/t" \
        psql "$(in_schema bench_bare)" -q -c "\\copy weapons FROM '$csv' WITH (FORMAT csv, HEADER)"
    cat "$work/t" >>"$work/base"
    psql "$url" -q -c "DROP SCHEMA IF EXISTS bench_salw CASCADE" -c "CREATE SCHEMA bench_salw"
    rm -f "$work/node.key"
    reg=$(in_schema bench_salw)
    "$salw" --db "$reg" --key-file "$work/node.key" init >/dev/null
    psql "$url" -q -c CHECKPOINT
    /usr/bin/time -f "%e %M" -o "$work/t" "$salw" --db "$reg" --key-file "$work/node.key" import "$csv" >/dev/null
    cat "$work/t" >>"$work/salw"
    "$salw" --db "$reg" --key-file "$work/node.key" verify >/dev/null
    got=$(psql "$reg" -Atc "SELECT count(*) FROM weapons")
    [ "$got" -eq "$rows" ] || { echo "salw imported $got weapons of $rows" >&2; exit 1; }
done
psql "$url" -q -c "DROP SCHEMA IF EXISTS bench_bare CASCADE" -c "DROP SCHEMA IF EXISTS bench_salw CASCADE"

base_s=$(cut -d' ' -f1 "$work/base" | median)
salw_s=$(cut -d' ' -f1 "$work/salw" | median)
salw_kb=$(cut -d' ' -f2 "$work/salw" | median)
awk -v rows="$rows" -v bytes="$bytes" -v runs="$runs" -v bs="$base_s" -v ss="$salw_s" -v sk="$salw_kb" \
    -v server="$server" -v version="$version" 'BEGIN {
    printf "%d weapons, CSV of %.0f MB, median of %d runs; PostgreSQL %s, %s\n\n", rows, bytes / 1e6, runs, version, server
    printf "| what | seconds | rows/s | client peak memory |\n|---|---:|---:|---:|\n"
    printf "| psql `\\copy` into a bare table | %.2f | %.0f | – |\n", bs, rows / bs
    printf "| `salw import` (validated, journalled, indexed) | %.2f | %.0f | %.0f MB |\n", ss, rows / ss, sk / 1024
    printf "\nsalw reaches %.2f of the baseline rows/s (goal: at least 0.33).\n", bs / ss
}'
# Run by run (the machine is noisy: the spread says how far to trust the medians).
paste -d' ' <(cut -d' ' -f1 "$work/base") <(cut -d' ' -f1 "$work/salw") |
    awk '{ printf "%s`\\copy` %.2f s, salw %.2f s: %.2f", (NR > 1 ? "; " : "Run by run: "), $1, $2, $1 / $2 } END { print "." }'
