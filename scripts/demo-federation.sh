#!/usr/bin/env bash
# A trace between three national nodes, end to end through the CLI (docs/tracing.md).
#
#   scripts/demo-federation.sh            # builds salw (debug) unless $SALW_BIN is set
#   SALW_BIN=target/release/salw scripts/demo-federation.sh
#
# Three registries, each with its own key, served by `salw serve` on loopback ports chosen by
# the system: KE (Kenya, where a pistol is seized), RS (Serbia, where it was made) and UG
# (Uganda, where it was imported, sold and reported stolen). KE's domestic trace names RS to
# ask; RS finds the pistol, answers that it was exported to UG; KE asks UG; UG answers that it
# was stolen from its last legal holder; KE closes both traces with that point of diversion,
# which records the weapon's `traced` event (SDG 16.4.2 reads it).
#
# Prints each step; exits 0 only if the trace closed with its point of diversion on every node
# (both traces closed on KE, the received trace closed on RS and on UG, the weapon traced).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${SALW_BIN:-}" ]]; then
    cargo build -q -p salw-cli
    SALW_BIN="${CARGO_TARGET_DIR:-target}/debug/salw"
fi
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ -n "${KEEP:-}" ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
export SALW_USER=demo SALW_FEDERATION_RETRY_FIRST_MS=200 SALW_FEDERATION_RETRY_MAX_SECONDS=2
unset SALW_DATABASE SALW_ADMIN_PASSWORD

step() { printf '\n=== %s\n' "$*"; }
salw() { local node=$1; shift; "$SALW_BIN" --db "$work/$node.db" "$@"; }
say() { local node=$1; shift; echo "[$node] \$ salw $*"; salw "$node" "$@" | sed "s/^/[$node]   /"; }

step "three registries, each with its own key"
declare -A base
for node in KE RS UG; do
    salw "$node" init --country "$node" >/dev/null
    "$SALW_BIN" --db "$work/$node.db" serve --listen 127.0.0.1:0 >"$work/$node.out" 2>"$work/$node.log" &
    pids+=("$!")
done
for node in KE RS UG; do
    for _ in $(seq 100); do grep -q "at http://" "$work/$node.out" 2>/dev/null && break; sleep 0.1; done
    url=$(grep -o "at http://[^ ]*" "$work/$node.out" | head -1 | sed 's/^at //; s:/$::')
    [[ -n "$url" ]] || { echo "node $node did not start:"; cat "$work/$node.log"; exit 1; }
    base[$node]=$url
    salw "$node" node set-address "$url" >/dev/null
    echo "node $node serves at $url"
done

step "each node registers the two others (country, address, public key)"
for node in KE RS UG; do
    for other in KE RS UG; do
        [[ $node == "$other" ]] && continue
        key=$(salw "$other" node info --json | jq -r .public_key)
        say "$node" peer add --country "$other" --url "${base[$other]}" --key "$key"
    done
done

step "RS made the pistol and exported it to UG"
salw RS weapon add --category "self-loading pistol" --manufacturer Zastava --model M70 --serial ZA123456 \
    --calibre "7.65 mm" --country RS --reference RS-ZA123456 >/dev/null
say RS event add RS-ZA123456 manufactured --on 2012-01-10
say RS event add RS-ZA123456 exported --on 2013-05-02 --country UG --document "export licence RS-EX-2013-77"

step "UG imported it (dealer), sold it (licensee), who reported it stolen"
salw UG person add --name "Kampala Arms Ltd" --organisation --role dealer --reference UG-DEALER-1 >/dev/null
salw UG person add --name "John Okello" --role licensee --reference UG-LIC-9 >/dev/null
salw UG weapon add --category "self-loading pistol" --manufacturer Zastava --model M70 --serial ZA123456 \
    --calibre "7.65 mm" --country RS --mark "import:UG 13" --reference UG-ZA123456 >/dev/null
say UG event add UG-ZA123456 imported --on 2013-06-01 --country RS --to-holder UG-DEALER-1
say UG event add UG-ZA123456 transferred --on 2015-03-03 --from-holder UG-DEALER-1 --to-holder UG-LIC-9
say UG event add UG-ZA123456 reported_stolen --on 2019-08-10 --from-holder UG-LIC-9 --place Gulu --document "police report GUL/2019/812"

step "KE seizes it at the border"
salw KE weapon add --category "self-loading pistol" --manufacturer Zastava --model M70 --serial ZA123456 \
    --calibre "7.65 mm" --country RS --mark "import:UG 13" --reference KE-SEIZ-2024-17 >/dev/null
say KE event add KE-SEIZ-2024-17 seized --on 2024-05-06 --place "Busia border post" \
    --seizure-basis criminal_offence --legal-basis "Firearms Act s.89" --criminal-context "smuggling in a lorry"
say KE trace domestic KE-SEIZ-2024-17

# Waits until `salw trace list --json` on a node satisfies a jq test.
wait_for() {
    local node=$1 test=$2 what=$3
    for _ in $(seq 150); do
        if salw "$node" trace list --json | jq -e "$test" >/dev/null; then return 0; fi
        sleep 0.2
    done
    echo "FAILED: $what on $node did not happen"; salw "$node" peer messages; tail -20 "$work/$node.log"; exit 1
}

step "KE: a request missing items is refused, each named"
echo "[KE] \$ salw trace create KE-SEIZ-2024-17 --to RS"
if salw KE trace create KE-SEIZ-2024-17 --to RS 2>&1 | sed 's/^/[KE]   /'; then
    echo "FAILED: an incomplete request was accepted"; exit 1
fi

common=(--photos "sent by courier with the request" --intended-use "criminal investigation and prosecution")
step "KE asks RS, the State of manufacture"
t1=$(salw KE trace create KE-SEIZ-2024-17 --to RS "${common[@]}" --json | jq -r .id)
echo "[KE] trace $t1 drafted"
say KE trace send "$t1"
wait_for RS 'any(.traces[]; .role == "received" and .partner == "KE")' "the request's arrival"
r1=$(salw RS trace list --json | jq -r '.traces[] | select(.role == "received") | .id')
say RS trace show "$r1"
cand=$(salw RS trace show "$r1" --json | jq -r '.steps[0].detail | fromjson | .candidates[0].weapon_id')
[[ "$cand" != null ]] || { echo "FAILED: RS's marking search found no candidate"; exit 1; }
say RS trace acknowledge "$r1"
say RS trace answer "$r1" --outcome complete --weapon "$cand" --next-state UG \
    --findings "made 2012-01-10; exported to UG on 2013-05-02 (export licence RS-EX-2013-77)"
wait_for KE "any(.traces[]; .id == \"$t1\" and .state == \"answered\")" "RS's answer"
say KE trace show "$t1"

step "KE asks UG, the State of last legal import"
t2=$(salw KE trace create KE-SEIZ-2024-17 --to UG "${common[@]}" --urgent "suspect in custody for 48 hours" --json | jq -r .id)
say KE trace send "$t2"
wait_for UG 'any(.traces[]; .role == "received" and .partner == "KE")' "the request's arrival"
r2=$(salw UG trace list --json | jq -r '.traces[] | select(.role == "received") | .id')
say UG trace show "$r2"
cand=$(salw UG trace show "$r2" --json | jq -r '.steps[0].detail | fromjson | .candidates[0].weapon_id')
[[ "$cand" != null ]] || { echo "FAILED: UG's marking search found no candidate"; exit 1; }
say UG trace acknowledge "$r2"
say UG trace domestic "$cand"
say UG trace answer "$r2" --outcome restricted --weapon "$cand" --restriction "not to be published" \
    --confidentiality "law enforcement only" \
    --findings "imported 2013-06-01 by Kampala Arms Ltd; sold 2015-03-03 to licensee John Okello; reported stolen from him at Gulu on 2019-08-10 (police report GUL/2019/812)"
wait_for KE "any(.traces[]; .id == \"$t2\" and .state == \"answered\")" "UG's answer"
say KE trace show "$t2"

step "KE closes both traces with the point of diversion"
pod="theft from licensee John Okello, Gulu (UG), reported 2019-08-10"
say KE trace close "$t2" --result point-of-diversion-found --diversion "$pod"
say KE trace close "$t1" --result point-of-diversion-found --diversion "$pod"
wait_for RS 'any(.traces[]; .role == "received" and .state == "closed")' "the closure"
wait_for UG 'any(.traces[]; .role == "received" and .state == "closed")' "the closure"

step "every node: the trace closed with its point of diversion"
ok=1
for node in KE RS UG; do
    say "$node" trace list
    n=$(salw "$node" trace list --json | jq '[.traces[] | select(.state == "closed") | .steps[-1].detail | fromjson | select(.result == "point-of-diversion-found" and (.point_of_diversion | contains("John Okello")))] | length')
    want=1; [[ $node == KE ]] && want=2
    if [[ "$n" != "$want" ]]; then echo "FAILED: $node has $n trace(s) closed with the point of diversion, expected $want"; ok=0; fi
done
traced=$(salw KE show KE-SEIZ-2024-17 --json | jq '[.. | objects | select(.kind? == "traced" and .trace_outcome? == "established_by_tracing")] | length')
echo "KE's weapon: $traced traced event(s) established by tracing"
[[ "$traced" == 1 ]] || { echo "FAILED: the weapon's tracing status was not recorded once"; ok=0; }
say KE indicator sdg-16-4-2 --year 2024
sdg=$(salw KE indicator sdg-16-4-2 --year 2024 --json | jq .breakdowns.by_tracing.numerator)
[[ "$sdg" == 1 ]] || { echo "FAILED: SDG 16.4.2 does not count the weapon as traced ($sdg)"; ok=0; }
if [[ $ok == 1 ]]; then echo; echo "OK: the trace closed with its point of diversion on KE, RS and UG"; exit 0; fi
exit 1
