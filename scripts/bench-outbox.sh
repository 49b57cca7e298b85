#!/usr/bin/env bash
# Messages per second through one node's outbox to a partner on loopback (docs/federation.md).
#
#   scripts/bench-outbox.sh [MESSAGES] [RUNS]     # defaults: 2000 messages, 3 runs
#   SALW_BIN=target/release/salw scripts/bench-outbox.sh 5000 5
#
# Each run: two fresh registries, KE and UG, each with its own key, partners of each other.
# KE queues MESSAGES signed pings while it is not serving; then `salw serve` starts on KE and
# its outbox sender delivers them, one POST each, to UG's `salw serve`, which verifies each
# one and stores it exactly once in its inbox; KE marks each delivered. Measured: from KE's
# start until the last is marked delivered (wall), and between the first and the last
# delivery (steady, from the outbox's own timestamps). Checked: UG's inbox holds exactly
# MESSAGES distinct messages.
#
# Side by side, in the same run, what the two halves cost alone:
# - sqlite3 CLI: MESSAGES single-row transactions of the same envelopes into a table on disk
#   with the same settings as a registry (WAL, synchronous=FULL): the durable write each side
#   needs per message so that it takes effect exactly once;
# - wrk, one connection: UG's inbox answering a message it already holds (signature checked,
#   found, nothing written): the HTTP round trip and the verification without the write.
#
# Prints a Markdown table (medians over the runs); progress on stderr. Exits non-zero when a
# tool is missing, a server does not start, or a message is lost or duplicated.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-2000}
runs=${2:-3}
for tool in sqlite3 jq wrk awk; do
    command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done
if [[ -z "${SALW_BIN:-}" ]]; then
    cargo build -q --release -p salw-cli
    SALW_BIN="${CARGO_TARGET_DIR:-target}/release/salw"
fi
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export SALW_USER=bench
unset SALW_DATABASE SALW_ADMIN_PASSWORD

salw() { local db=$1; shift; "$SALW_BIN" --db "$db" "$@"; }
# serve DB -> the server's pid in $served_pid and its base URL in $served_url
serve() {
    local db=$1
    "$SALW_BIN" --db "$db" serve --listen 127.0.0.1:0 >"$db.out" 2>"$db.log" &
    served_pid=$!
    pids+=("$served_pid")
    for _ in $(seq 200); do grep -q "at http://" "$db.out" 2>/dev/null && break; sleep 0.05; done
    served_url=$(grep -o "at http://[^ ]*" "$db.out" | head -1 | sed 's/^at //; s:/$::')
    [[ -n "$served_url" ]] || { echo "salw serve did not start on $db:" >&2; cat "$db.log" >&2; exit 1; }
}
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

for run in $(seq "$runs"); do
    dir="$work/run$run"
    mkdir -p "$dir"
    ke="$dir/KE.db" ug="$dir/UG.db"
    salw "$ke" init --country KE >/dev/null
    salw "$ug" init --country UG >/dev/null
    serve "$ug"
    ug_pid=$served_pid ug_url=$served_url
    salw "$ke" peer add --country UG --url "$ug_url" --key "$(salw "$ug" node info --json | jq -r .public_key)" >/dev/null
    salw "$ug" peer add --country KE --url http://127.0.0.1:9 --key "$(salw "$ke" node info --json | jq -r .public_key)" >/dev/null
    salw "$ke" peer ping --country UG --count "$messages" >/dev/null
    echo "run $run: $messages pings queued on KE; starting KE's sender" >&2
    start=$(now)
    serve "$ke"
    ke_pid=$served_pid
    for _ in $(seq 12000); do
        # With a busy timeout: the server's own writes (its start, a checkpoint) may hold the
        # file for a moment, and the bare CLI then fails at once with "database is locked".
        done_count=$(sqlite3 -cmd ".timeout 10000" "$ke" "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL")
        [[ $done_count -ge $messages ]] && break
        sleep 0.05
    done
    end=$(now)
    [[ $done_count -eq $messages ]] || { echo "only $done_count of $messages delivered in 10 minutes" >&2; tail "$ke.log" >&2; exit 1; }
    kill "$ke_pid"
    # The server closes its file on the way out (a WAL checkpoint): read after it has gone.
    wait "$ke_pid" 2>/dev/null || true
    received=$(sqlite3 -cmd ".timeout 10000" "$ug" "SELECT count(*), count(DISTINCT id) FROM inbox WHERE kind = 'ping'")
    [[ $received == "$messages|$messages" ]] || { echo "UG's inbox holds $received (count|distinct) pings, not $messages" >&2; exit 1; }
    steady=$(sqlite3 -cmd ".timeout 10000" "$ke" "SELECT (julianday(max(delivered_at)) - julianday(min(delivered_at))) * 86400 FROM outbox")
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')
    # Baseline 1: the durable write alone, with the sqlite3 CLI.
    sqlite3 -cmd ".timeout 10000" "$ke" "SELECT envelope FROM outbox" >"$dir/envelopes"
    {
        echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        echo "CREATE TABLE inbox (id INTEGER PRIMARY KEY, envelope TEXT NOT NULL);"
        awk '{gsub(/'"'"'/, "'"''"'"); printf "INSERT INTO inbox (envelope) VALUES ('"'"'%s'"'"');\n", $0}' "$dir/envelopes"
    } >"$dir/writes.sql"
    t0=$(now)
    sqlite3 "$dir/plain.db" <"$dir/writes.sql" >/dev/null
    t1=$(now)
    # Baseline 2: the partner's inbox answering a message it holds already (no write).
    head -1 "$dir/envelopes" >"$dir/one.json"
    cat >"$dir/post.lua" <<EOF
local f = io.open("$dir/one.json")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local bad = 0
response = function(status) if status ~= 200 then bad = bad + 1 end end
done = function() if bad > 0 then io.write("NON200 ", bad, "\n") end end
EOF
    out=$(wrk -t 1 -c 1 -d 3s -s "$dir/post.lua" "$ug_url/federation/v1/inbox")
    if grep -q NON200 <<<"$out" || grep -q "Non-2xx" <<<"$out"; then
        echo "the inbox refused the already-received message:" >&2; echo "$out" >&2; exit 1
    fi
    again=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    kill "$ug_pid"
    awk -v n="$messages" -v w="$wall" -v s="$steady" -v a="$t0" -v b="$t1" -v r="$again" \
        'BEGIN {printf "%.1f %.1f %.1f %.1f\n", n / w, (n - 1) / s, n / (b - a), r}' >>"$work/results"
    echo "run $run: $(tail -1 "$work/results") (wall, steady, sqlite3 writes, inbox no-write) per second" >&2
    rm -rf "$dir"
done

col() { awk -v c="$1" '{print $c}' "$work/results" | median; }
wall=$(col 1) steady=$(col 2) writes=$(col 3) again=$(col 4)
cat <<EOF
$messages signed pings from KE's outbox to UG's inbox on loopback, both \`salw serve\` on the same
$(nproc)-CPU machine; median of $runs runs.

| what | messages/s |
|---|---|
| salw outbox → partner inbox, from KE's start to the last delivered (wall) | $wall |
| salw outbox → partner inbox, first to last delivery (steady) | $steady |
| sqlite3 CLI: one committed single-row INSERT per message (WAL, synchronous=FULL) | $writes |
| wrk, 1 connection: UG's inbox answering a message it already holds (verify, no write) | $again |

Delivery does both halves in turn per message (the partner's verify and committed write, then
the sender's committed mark): steady / sqlite3 writes = $(awk -v a="$steady" -v b="$writes" 'BEGIN {printf "%.2f", a / b}').
EOF
