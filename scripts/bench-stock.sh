#!/usr/bin/env bash
# Stock count reconciliation of one depot of N weapons (docs/stockpile.md): `salw count enter
# --dry-run` (read the depot's holdings, match the found list, report) and `salw count enter`
# (the same, then an `inventoried` event for each weapon found, the discrepancies and the
# result kept, signed), side by side in the same run with what a user would do instead: the
# sqlite3 command-line tool importing the list into a table and asking which of the depot's
# serials are not in it.
#
#   scripts/bench-stock.sh [N weapons in the depot, default 100000] [runs, default 5]
#
# The found list is every serial of the depot but ten, in lower case, plus ten not expected.
# Prints a Markdown table (medians over the runs) for BENCHMARKS.md. Goal: reconciliation of a
# 100,000-weapon depot in at most 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-5}
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed (apt-get install sqlite3)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is not installed (apt-get install time)" >&2; exit 1; }

cargo build --release --quiet
salw=$PWD/target/release/salw
work=$(mktemp -d "${TMPDIR:-/tmp}/salw-bench-stock.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "a depot of $n weapons (demo weapons, seed 3)…" >&2
"$salw" demo --records "$n" --seed 3 --weapons-only --csv-out "$work/data" >/dev/null
printf 'reference,kind,name,roles\nDEPOT-1,organisation,Central Depot,state_unit\n' >"$work/persons.csv"
python3 - "$work" "$n" <<'PY'
import csv, sys
work = sys.argv[1]
step = max(int(sys.argv[2]) // 10, 1)  # ten weapons left out, whatever the size
with open(f"{work}/data/weapons.csv") as f, open(f"{work}/events.csv", "w", newline="") as e, \
        open(f"{work}/found.txt", "w") as found:
    out = csv.writer(e)
    out.writerow(["weapon", "kind", "occurred_on", "to_holder"])
    for i, row in enumerate(csv.DictReader(f)):
        out.writerow([row["id"], "transferred", "2024-01-15", "DEPOT-1"])
        # One weapon in each tenth of the depot is missing; the rest found, typed in lower case
        # (a weapon without a serial by its record id, as on its label).
        if i % step != 5 % step:
            found.write((row["serial"] or row["id"]).lower() + "\n")
    for j in range(10):
        found.write(f"ZZ-NOT-HERE-{j}\n")
PY
"$salw" --db "$work/r.db" init >/dev/null
"$salw" --db "$work/r.db" import "$work/persons.csv" >/dev/null
"$salw" --db "$work/r.db" import "$work/data/weapons.csv" "$work/events.csv" >/dev/null
# The marking search's index (which names the registered weapon a line not expected is) is
# built once, as a registry in use has it.
"$salw" --db "$work/r.db" index rebuild >/dev/null
depot=$("$salw" --db "$work/r.db" armoury list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
today=$(date -u +%F)
lines=$(wc -l <"$work/found.txt")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
: >"$work/dry"; : >"$work/enter"; : >"$work/sqlite"
for run in $(seq "$runs"); do
    echo "run $run/$runs…" >&2
    "$salw" --db "$work/r.db" count plan --id "B-$run" --armoury "$depot" --kind full --on "$today" --counter bench >/dev/null
    /usr/bin/time -f "%e %M" -o "$work/t" "$salw" --db "$work/r.db" count enter "B-$run" --on "$today" --file "$work/found.txt" --dry-run >"$work/dry.out"
    cat "$work/t" >>"$work/dry"
    cp "$work/r.db" "$work/c.db"; cp "$work/r.db.key" "$work/c.db.key"; cp -r "$work/r.db.search" "$work/c.db.search"
    /usr/bin/time -f "%e %M" -o "$work/t" "$salw" --db "$work/c.db" count enter "B-$run" --on "$today" --file "$work/found.txt" >"$work/enter.out"
    cat "$work/t" >>"$work/enter"
    /usr/bin/time -f "%e %M" -o "$work/t" sqlite3 "$work/c.db" \
        "CREATE TEMP TABLE found (serial TEXT);" \
        ".mode csv" ".import $work/found.txt found" \
        "SELECT count(*) FROM weapons w WHERE w.holder = (SELECT id FROM persons WHERE reference = 'DEPOT-1') AND w.status NOT IN ('issued','exported','lost','stolen','destroyed') AND upper(w.serial) NOT IN (SELECT upper(serial) FROM found);" >"$work/sqlite.out"
    cat "$work/t" >>"$work/sqlite"
    rm -rf "$work/c.db" "$work/c.db-wal" "$work/c.db-shm" "$work/c.db.key" "$work/c.db.search"
done
cat "$work/dry.out" >&2; cat "$work/enter.out" | head -3 >&2; echo "sqlite3 missing: $(cat "$work/sqlite.out")" >&2

dry_s=$(cut -d' ' -f1 "$work/dry" | median); dry_kb=$(cut -d' ' -f2 "$work/dry" | median)
enter_s=$(cut -d' ' -f1 "$work/enter" | median); enter_kb=$(cut -d' ' -f2 "$work/enter" | median)
sqlite_s=$(cut -d' ' -f1 "$work/sqlite" | median); sqlite_kb=$(cut -d' ' -f2 "$work/sqlite" | median)
awk -v n="$n" -v lines="$lines" -v runs="$runs" -v ds="$dry_s" -v es="$enter_s" -v ss="$sqlite_s" \
    -v dk="$dry_kb" -v ek="$enter_kb" -v sk="$sqlite_kb" 'BEGIN {
    printf "A depot of %d weapons, a found list of %d lines, median of %d runs (whole commands, start-up included)\n\n", n, lines, runs
    printf "| what | seconds | peak memory |\n|---|---:|---:|\n"
    printf "| `salw count enter --dry-run` (reconcile, keep nothing) | %.2f | %.0f MB |\n", ds, dk / 1024
    printf "| `salw count enter` (reconcile, an inventoried event per weapon found, discrepancies, signed) | %.2f | %.0f MB |\n", es, ek / 1024
    printf "| sqlite3: import the list, count the depot serials not in it (case folded only) | %.2f | %.0f MB |\n", ss, sk / 1024
    printf "\nReconciliation goal (<= 1 s for 100,000 weapons): %s.\n", (ds <= 1.0 ? "met" : "missed")
}'
