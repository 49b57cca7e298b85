#!/usr/bin/env bash
# The server under load: `salw serve` measured with wrk (2 threads, 16 and 64 connections) on
# the marking search API, the HTML weapon page and the JSON weapon endpoint, side by side in the
# same run with what a user would otherwise run: the same searches through
# `salw search --batch FILE --threads 2` (no HTTP, no accounts, no audit trail).
#
#   scripts/bench-server.sh [N weapons, default 1000000] [DURATION, default 30s] [runs, default 3]
#
# The demo registry of N weapons (seed 1) and its search index are built once and kept in
# $SALW_BENCH_CACHE (default /var/tmp/salw-bench-server); each run serves a copy of it, so that
# the audit lines a run writes are not carried into the next. Every request is authenticated
# as an investigator: the API with a bearer token, the page with a session cookie from
# POST /login. Every search and weapon view writes its audit line before it answers.
#
# Queries: 2000 serials of the registry (every k-th weapon with a serial of ≥ 5 characters),
# 40 % misread (a digit typed as its look-alike letter: 0→O 1→I 2→Z 5→S 6→G 8→B), 40 % with
# one character typed `?`, 20 % exact. wrk cycles through them (each thread from its own
# offset); the CLI batch answers each once.
#
# Prints a Markdown table (medians over the runs) on standard output; progress on stderr. The
# server's CPU time per request (from /proc) is the figure least disturbed by other programs.
# Exits non-zero when wrk is missing, the server does not start, or any answer is not 2xx.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
duration=${2:-30s}
runs=${3:-3}
connections=${BENCH_CONNECTIONS:-16 64}
cache=${SALW_BENCH_CACHE:-/var/tmp/salw-bench-server}
for tool in wrk sqlite3 curl awk; do
    command -v "$tool" >/dev/null || {
        echo "$tool is not installed (apt-get install $tool)" >&2
        exit 1
    }
done

echo "building the release binary…" >&2
cargo build --release --quiet -p salw-cli
target=${CARGO_TARGET_DIR:-target}
salw=$(realpath "$target/release/salw")
[ -x "$salw" ] || { echo "no binary at $salw" >&2; exit 1; }

log() { echo "$*" >&2; }
seconds_of() { # 30s, 2m, 500ms, 30 -> seconds (awk number)
    awk -v d="$1" 'BEGIN {
        if (d ~ /ms$/) print substr(d, 1, length(d) - 2) / 1000
        else if (d ~ /m$/) print substr(d, 1, length(d) - 1) * 60
        else if (d ~ /h$/) print substr(d, 1, length(d) - 1) * 3600
        else { sub(/s$/, "", d); print d + 0 } }'
}

# --- the registry, built once ---------------------------------------------------------------
mkdir -p "$cache"
cached=$cache/demo-$n-seed1.db
if [ ! -f "$cached" ] || [ ! -d "$cached.search" ]; then
    log "building a demo registry of $n weapons in $cache (once; 1 M takes minutes)…"
    partial=$cache/partial-$n.db
    rm -rf "$partial" "$partial-wal" "$partial-shm" "$partial.key" "$partial.search"
    start=$(date +%s)
    "$salw" --db "$partial" demo --records "$n" --seed 1 >/dev/null
    sqlite3 "$partial" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    "$salw" --db "$partial" index rebuild >/dev/null
    log "  built in $(($(date +%s) - start)) s"
    mv "$partial.key" "$cached.key"
    rm -rf "$cached.search"
    mv "$partial.search" "$cached.search"
    mv "$partial" "$cached"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/salw-bench-server.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

log "copying the registry…"
db=$work/registry.db
cp "$cached" "$db"
cp "$cached.key" "$db.key"
cp -r "$cached.search" "$db.search"
weapons=$(sqlite3 "$db" "SELECT count(*) FROM weapons")

# --- account, token ---------------------------------------------------------------------------
password=bench-$RANDOM-$RANDOM-password
echo "$password" | "$salw" --db "$db" user add bench --role investigator --password-stdin >/dev/null
token=$("$salw" --db "$db" token add bench --label bench-server | tail -n 1)
case $token in salw_*) ;; *) echo "no token secret in the output of token add" >&2; exit 1 ;; esac

# --- queries and weapon ids --------------------------------------------------------------------
step=$((weapons / 2500 > 1 ? weapons / 2500 : 1))
sqlite3 "$db" "SELECT serial FROM weapons WHERE serial IS NOT NULL AND length(serial) >= 5
               AND ordinal % $step = 0 ORDER BY ordinal LIMIT 2000" >"$work/serials"
LC_ALL=C awk -v paths="$work/search.paths" -v batch="$work/batch.jsonl" '
    BEGIN {
        srand(1)
        for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
        look["0"] = "O"; look["1"] = "I"; look["2"] = "Z"; look["5"] = "S"; look["6"] = "G"; look["8"] = "B"
    }
    function encode(s,    out, i, c) {
        out = ""
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            out = out (c ~ /[A-Za-z0-9._~-]/ ? c : sprintf("%%%02X", ord[c]))
        }
        return out
    }
    function pick(s, class,    n, i, c) {
        n = 0
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if ((class == "look" && (c in look)) || (class == "alnum" && c ~ /[A-Za-z0-9]/)) at[++n] = i
        }
        return n ? at[int(rand() * n) + 1] : 0
    }
    {
        s = $0; r = NR % 5; kind = "exact"
        if (r < 2 && (i = pick(s, "look"))) {
            s = substr(s, 1, i - 1) look[substr(s, i, 1)] substr(s, i + 1); kind = "misread"
        } else if (r >= 2 && r < 4 && (i = pick(s, "alnum"))) {
            s = substr(s, 1, i - 1) "?" substr(s, i + 1); kind = "one ?"
        }
        count[kind]++
        print "/api/v1/search?q=" encode(s) > paths
        j = s; gsub(/\\/, "\\\\", j); gsub(/"/, "\\\"", j)
        printf "{\"id\": %d, \"serial\": \"%s\"}\n", NR, j > batch
    }
    END { printf "queries: %d (exact %d, misread %d, one ? %d)\n", NR, count["exact"], count["misread"], count["one ?"] > "/dev/stderr" }
' "$work/serials"
sqlite3 "$db" "SELECT lower(hex(id)) FROM weapons WHERE ordinal % $step = 1 ORDER BY ordinal LIMIT 2000" |
    sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12})$/\1-\2-\3-\4-\5/' >"$work/ids"
sed 's|^|/weapons/|' "$work/ids" >"$work/page.paths"
sed 's|^|/api/v1/weapons/|' "$work/ids" >"$work/json.paths"

# wrk: each thread cycles through the paths from its own offset; `done` prints one line.
cat >"$work/cycle.lua" <<'LUA'
local paths, counter, threads = {}, 0, 0
function setup(thread)
    thread:set("tid", threads)
    threads = threads + 1
end
function init(args)
    for line in io.lines(args[1]) do paths[#paths + 1] = line end
    local name, value = args[2]:match("^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
    counter = (tid or 0) * math.floor(#paths / 2)
end
function request()
    counter = counter + 1
    return wrk.format("GET", paths[(counter % #paths) + 1])
end
function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("RESULT %d %.1f %.3f %.3f %.3f %.3f %d %d\n", summary.requests,
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        e.status, e.connect + e.read + e.write + e.timeout))
end
LUA

# --- the server -------------------------------------------------------------------------------
log "starting salw serve on a free port…"
"$salw" --db "$db" serve --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server_pid=$!
base=
for _ in $(seq 600); do
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n 1 || true)
    [ -n "$base" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.5
done
if [ -z "$base" ]; then
    echo "the server did not start:" >&2
    cat "$work/serve.log" >&2
    exit 1
fi
# The login form is CSRF-protected (a cookie on /login and the same token in a form field).
form_token=$(curl -sS -o /dev/null -D - "$base/login" | tr -d '\r' |
    sed -n 's/^[Ss]et-[Cc]ookie: salw_login=\([^;]*\).*/\1/p')
cookie=$(curl -sS -o /dev/null -D - -H "Cookie: salw_login=$form_token" --data-urlencode "csrf=$form_token" \
    --data-urlencode "name=bench" --data-urlencode "password=$password" "$base/login" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(salw_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "logging in as bench gave no session cookie" >&2; exit 1; }
first=$(head -n 1 "$work/search.paths")
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$first")
[ "$status" = 200 ] || { echo "GET $first answered $status" >&2; exit 1; }

# endpoint name -> paths file and the header that authenticates it
declare -A paths_of=([search]=search.paths [page]=page.paths [json]=json.paths)
declare -A header_of=([search]="Authorization: Bearer $token" [page]="Cookie: $cookie"
    [json]="Authorization: Bearer $token")
endpoints=(search page json)

server_cpu() { # the server's CPU time so far, in clock ticks
    awk '{ print $14 + $15 }' "/proc/$server_pid/stat"
}

run_wrk() { # endpoint connections duration -> the RESULT line's fields, then the server's CPU ticks
    local out before after
    before=$(server_cpu)
    out=$(wrk -t 2 -c "$2" -d "$3" --latency -s "$work/cycle.lua" "$base" -- \
        "$work/${paths_of[$1]}" "${header_of[$1]}")
    after=$(server_cpu)
    echo "$out" >>"$work/wrk.log"
    local result
    result=$(echo "$out" | sed -n 's/^RESULT //p')
    [ -n "$result" ] || { echo "wrk printed no result:" >&2; echo "$out" >&2; exit 1; }
    read -r _ _ _ _ _ _ bad failed <<<"$result"
    if [ "$bad" -ne 0 ] || [ "$failed" -ne 0 ]; then
        echo "$1 at $2 connections: $bad answers not 2xx/3xx, $failed socket errors or timeouts" >&2
        echo "$out" >&2
        exit 1
    fi
    echo "$result $((after - before))"
}

run_batch() { # -> seconds
    local t0 t1 answered
    t0=$(date +%s.%N)
    "$salw" --db "$db" search --batch "$work/batch.jsonl" --threads 2 --limit 20 >"$work/batch.out"
    t1=$(date +%s.%N)
    answered=$(wc -l <"$work/batch.out")
    [ "$answered" -eq "$(wc -l <"$work/batch.jsonl")" ] || {
        echo "the batch answered $answered lines" >&2
        exit 1
    }
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "warming up…"
warm=$(awk -v d="$(seconds_of "$duration")" 'BEGIN { printf "%ds", (d / 3 < 5 ? (d / 3 < 1 ? 1 : d / 3) : 5) }')
for e in "${endpoints[@]}"; do run_wrk "$e" 16 "$warm" >/dev/null; done
run_batch >/dev/null

: >"$work/results"
for run in $(seq "$runs"); do
    for e in "${endpoints[@]}"; do
        for c in $connections; do
            log "run $run/$runs: $e, $c connections, $duration…"
            echo "$e $c $(run_wrk "$e" "$c" "$duration")" >>"$work/results"
        done
    done
    log "run $run/$runs: CLI batch…"
    echo "batch 0 $(run_batch)" >>"$work/results"
done

kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
audited=$(sqlite3 "$db" "SELECT count(*) FROM audit")
queries=$(wc -l <"$work/batch.jsonl")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { # endpoint connections field-number -> median
    awk -v e="$1" -v c="$2" -v f="$3" '$1 == e && $2 == c { print $(f + 2) }' "$work/results" | median
}

cat <<EOF
$weapons weapons, salw serve (tokio, all cores) and wrk on the same $(nproc)-CPU machine;
wrk 2 threads, $duration a run; median of $runs runs; $queries search queries, 2000 weapon ids;
load average before the runs: $load_before (anything above 0 is another program on the CPUs).

| what | connections | requests/s | p50 ms | p99 ms | server CPU per request |
|---|---:|---:|---:|---:|---:|
EOF
declare -A label=([search]="search API \`GET /api/v1/search?q=…\` (bearer token)"
    [page]="weapon page \`GET /weapons/{id}\` (HTML, session cookie)"
    [json]="weapon JSON \`GET /api/v1/weapons/{id}\` (bearer token)")
for e in "${endpoints[@]}"; do
    for c in $connections; do
        printf '| %s | %s | %.0f | %.2f | %.2f | %.0f µs |\n' "${label[$e]}" "$c" \
            "$(field "$e" "$c" 2)" "$(field "$e" "$c" 3)" "$(field "$e" "$c" 5)" \
            "$(awk -v e="$e" -v c="$c" -v hz="$(getconf CLK_TCK)" '$1 == e && $2 == c {
                print $11 / hz * 1e6 / $3 }' "$work/results" | median)"
    done
done
batch_s=$(awk '$1 == "batch" { print $3 }' "$work/results" | median)
batch_qps=$(awk -v q="$queries" -v s="$batch_s" 'BEGIN { printf "%.0f", q / s }')
printf '| CLI `salw search --batch FILE --threads 2 --limit 20` (no HTTP, no audit) | – | %s queries/s | – | – | – |\n' "$batch_qps"
echo
for c in $connections; do
    awk -v c="$c" -v r="$(field search "$c" 2)" -v p="$(field search "$c" 5)" -v b="$batch_qps" 'BEGIN {
        printf "Search at %d connections: %.0f/s = %.2f of the CLI batch; p99 %.1f ms. ", c, r, r / b, p
        printf "Goal (≥ 2000/s, p99 ≤ 50 ms): %s.\n", (r >= 2000 && p <= 50) ? "met" : "**missed**" }'
done
echo
echo "Audit lines written during the run (warm-up included): $audited."
