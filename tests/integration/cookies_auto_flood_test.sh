#!/usr/bin/env bash
# cookies_auto_flood_test.sh SYNX — --cookies=auto switches to SYN cookies
# under a SYN flood, and real clients still get in.
#
# synx runs with --max-conns=2048, so its half-open high-water mark is 1024
# (half the table, lib/cookie/policy.h). hping3 sends FLOOD SYNs from a
# spoofed address in 198.18.0.0/15 that nobody answers for: the first 1024
# stay half-open (SYN+ACK retransmitted, ~63 s before they are given up),
# every later SYN gets a cookie. Then COUNT Linux connect()s per family
# arrive while the half-open count sits at 1024, above the low-water mark
# (512): every one is answered with a cookie, every one completes, and every
# cookie comes back valid.
# Exact: half_open_at_exit = 1024, cookies_sent = syn_rx - 1024 (every SYN
# after the mark, client retransmissions included), cookies_valid =
# established = the clients' connected total.
# Root only (exit 77 otherwise).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tests/integration/lib/netns.sh"
it_init auto_flood "$1"
command -v hping3 >/dev/null || fail "hping3 not installed (package hping3)"

MAX_CONNS=2048
HIGH=$((MAX_CONNS / 2))
FLOOD=1500
COUNT=500
SPOOFED=198.19.255.1  # inside the namespace's /15, owned by nobody

it_peer_up af
synx_start "--local=$SYNX_V4,$SYNX_V6" "--listen=$SYNX_V4:80,[$SYNX_V6]:80" \
  --cookies=auto --on-established=keep --max-conns="$MAX_CONNS" --duration=0 --stats-interval=1
capture_start
synx_wait_reachable

it_log "hping3: $FLOOD SYNs from $SPOOFED (spoofed, nobody answers)"
in_peer hping3 -S -p 80 -c "$FLOOD" -i u200 -n -q -a "$SPOOFED" "$SYNX_V4" \
  >"$TMP/tool-hping3.txt" 2>&1 || true
expect_eq "hping3: SYNs sent" \
  "$(sed -n 's/^\([0-9]\+\) packets transmitted.*/\1/p' "$TMP/tool-hping3.txt")" "$FLOOD"
sleep 0.3

connected=0
for host in "$SYNX_V4" "$SYNX_V6"; do
  fam=v4; [[ "$host" == *:* ]] && fam=v6
  client_run "$fam" --host "$host" --port 80 --count "$COUNT" --send 16 --concurrency 32 \
    --max-failures 64
  json_expect "$CLIENT_JSON" "clients $fam during the flood" connected="$COUNT" \
    data_acked="$COUNT" timeouts=0 refused=0 options="{\"ts,sack,ws\":$COUNT}"
  connected=$((connected + COUNT))
done
sleep 0.5
synx_stop
capture_stop
J="$SYNX_JSON"
syn_rx="$(json_get "$J" syn_rx)"
expect_ge "synx syn_rx (flood + clients)" "$syn_rx" "$((FLOOD + connected))"
json_expect "$J" "synx under the flood" half_open_at_exit="$HIGH" \
  cookies_sent="$((syn_rx - HIGH))" cookies_valid="$connected" established="$connected" \
  cookies_invalid=0 mempool_in_use_at_exit=0
it_log "synx synack_retransmits: $(json_get "$J" synack_retransmits) (the half-open entries' timers; not fixed)"
capture_check "$((FLOOD + connected))"
capture_matches_counters
it_log "PASS in $((SECONDS - IT_T0)) s"
