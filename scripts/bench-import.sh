#!/usr/bin/env bash
# Bulk import throughput: `salw import` of N weapons from CSV, side by side in the same run with
# the sqlite3 command-line tool's `.import` of the same CSV into a bare table (no validation, no
# journal, no index): the floor of what SQLite itself can do with the file.
#
#   scripts/bench-import.sh [N weapons, default 1000000] [runs, default 3]
#
# Prints a Markdown table (medians over the runs) for BENCHMARKS.md. Peak memory is the maximum
# resident set size reported by GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed (apt-get install sqlite3)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is not installed (apt-get install time)" >&2; exit 1; }

cargo build --release --quiet
salw=$PWD/target/release/salw
work=$(mktemp -d "${TMPDIR:-/tmp}/salw-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "generating $n weapons (seed 1)…" >&2
"$salw" demo --records "$n" --seed 1 --weapons-only --csv-out "$work/data" >/dev/null
csv=$work/data/weapons.csv
rows=$(($(wc -l <"$csv") - 1))
bytes=$(stat -c %s "$csv")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: >"$work/base" ; : >"$work/salw"
for run in $(seq "$runs"); do
    echo "run $run/$runs…" >&2
    rm -f "$work/base.db"
    /usr/bin/time -f "%e %M" -o "$work/t" sqlite3 "$work/base.db" ".mode csv" ".import $csv weapons"
    cat "$work/t" >>"$work/base"
    rm -f "$work/r.db" "$work/r.db-wal" "$work/r.db-shm" "$work/r.db.key"
    "$salw" --db "$work/r.db" init >/dev/null
    /usr/bin/time -f "%e %M" -o "$work/t" "$salw" --db "$work/r.db" import "$csv" >/dev/null
    cat "$work/t" >>"$work/salw"
    "$salw" --db "$work/r.db" verify >/dev/null
done

base_s=$(cut -d' ' -f1 "$work/base" | median)
salw_s=$(cut -d' ' -f1 "$work/salw" | median)
base_kb=$(cut -d' ' -f2 "$work/base" | median)
salw_kb=$(cut -d' ' -f2 "$work/salw" | median)
awk -v rows="$rows" -v bytes="$bytes" -v runs="$runs" -v bs="$base_s" -v ss="$salw_s" -v bk="$base_kb" -v sk="$salw_kb" 'BEGIN {
    printf "%d weapons, CSV of %.0f MB, median of %d runs\n\n", rows, bytes / 1e6, runs
    printf "| what | seconds | rows/s | peak memory |\n|---|---:|---:|---:|\n"
    printf "| sqlite3 `.import` into a bare table | %.2f | %.0f | %.0f MB |\n", bs, rows / bs, bk / 1024
    printf "| `salw import` (validated, journalled, indexed) | %.2f | %.0f | %.0f MB |\n", ss, rows / ss, sk / 1024
    printf "\nsalw reaches %.2f of the baseline rows/s (goal: at least 0.33).\n", bs / ss
}'
