#!/usr/bin/env bash
# SDG 16.4.2 over a whole demo registry: `salw indicator sdg-16-4-2` (every recovery of every
# year, with breakdowns) side by side in the same run with the sqlite3 command-line tool running
# the one SQL query an analyst would write instead (the same counts, no breakdowns, no rules
# beyond those in the WHERE clause). Then the reports over the same registry: the PoA/ITI
# national report (HTML) and the questionnaire tables (XLSX) for 2024-2025, each run timed with
# its peak memory.
#
#   scripts/bench-indicator.sh [N weapons, default 1000000] [runs, default 3]
#
# The demo registry (about 4.7 events per weapon) is built once and kept in
# ${SALW_BENCH_CACHE:-/var/tmp/salw-bench-indicator}. Prints a Markdown table of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-3}
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed (apt-get install sqlite3)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (apt-get install time)" >&2; exit 1; }

cargo build --release --quiet
salw=$PWD/target/release/salw
cache=${SALW_BENCH_CACHE:-/var/tmp/salw-bench-indicator}
mkdir -p "$cache"
db=$cache/demo-$n.db
if [ ! -f "$db.done" ]; then
    rm -f "$db" "$db.key" "$db-wal" "$db-shm"
    echo "building a demo registry of $n weapons (once)…" >&2
    "$salw" --db "$db" demo --records "$n" --seed 1 >/dev/null
    touch "$db.done"
fi
# Open once with this binary (applies any pending migration outside the timings).
"$salw" --db "$db" summary >/dev/null
events=$(sqlite3 "$db" "SELECT count(*) FROM events")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }

sql="SELECT count(*),
  sum(w.tracing IN ('established_by_tracing', 'established_by_other_means'))
FROM events e JOIN weapons w ON w.id = e.weapon_id
WHERE e.kind IN ('seized', 'found', 'surrendered')
  AND e.occurred_on BETWEEN '1900-01-01' AND '2100-12-31'
  AND (e.kind <> 'seized' OR e.criminal)
  AND NOT w.antique
  AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id);"

: >"$cache/t-salw"; : >"$cache/t-sql"; : >"$cache/t-poa"; : >"$cache/t-q"
report() { # file for the timings, then the command's arguments
    local into=$1; shift
    /usr/bin/time -f "%e %M" -o "$cache/t-one" "$salw" --db "$db" "$@" >/dev/null
    cat "$cache/t-one" >>"$into"
}
for run in $(seq "$runs"); do
    echo "run $run/$runs…" >&2
    t0=$(now)
    out=$("$salw" --db "$db" indicator sdg-16-4-2 --from 1900-01-01 --to 2100-12-31 --json)
    t1=$(now)
    python3 -c "print($t1 - $t0)" >>"$cache/t-salw"
    t0=$(now)
    base=$(sqlite3 "$db" "$sql")
    t1=$(now)
    python3 -c "print($t1 - $t0)" >>"$cache/t-sql"
    report "$cache/t-poa" report poa --period 2024-2025 --format html --out "$cache/poa.html"
    report "$cache/t-q" report questionnaire --period 2024-2025 --format xlsx --out "$cache/q.xlsx"
done
ours=$(echo "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["denominator"], r["numerator"])')
echo "salw: denominator numerator = $ours; sqlite3: count sum = ${base//|/ }" >&2
if [ "$ours" != "${base//|/ }" ]; then
    echo "salw and the SQL query disagree on the counts" >&2
    exit 1
fi
s=$(median <"$cache/t-salw" | xargs printf "%.3f"); q=$(median <"$cache/t-sql" | xargs printf "%.3f")
echo
echo "| $n weapons, $events events | median of $runs (s) | ratio to sqlite3 |"
echo "|---|---:|---:|"
echo "| \`salw indicator sdg-16-4-2\` (all years, breakdowns) | $s | $(python3 -c "print(f'{$s / $q:.2f}')") |"
echo "| \`sqlite3\` one SQL query (counts only) | $q | 1.00 |"
echo
echo "| report over the same registry, 2024-2025 | runs (s) | median (s) | peak memory (median) |"
echo "|---|---|---:|---:|"
for row in "PoA/ITI national report, HTML:t-poa" "UNODC questionnaire tables, XLSX:t-q"; do
    f=$cache/${row##*:}
    all=$(cut -d' ' -f1 "$f" | paste -sd, | sed 's/,/, /g')
    t=$(cut -d' ' -f1 "$f" | median | xargs printf "%.2f")
    m=$(cut -d' ' -f2 "$f" | median | xargs printf "%.0f")
    echo "| ${row%%:*} | $all | $t | $((m / 1024)) MB |"
done
