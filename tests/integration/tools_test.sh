#!/usr/bin/env bash
# tools_test.sh SYNX — black-box peers nobody here wrote, against the
# responder (cookies auto), each in its own phase of one run:
#   - nping --tcp-connect -c 5 (IPv4, then IPv6): 5 successful connections
#     each;
#   - hping3 -S -c 200 -i u1000: a short SYN burst from a raw socket. Each
#     SYN gets a SYN+ACK (hping3 counts them), the namespace's kernel, which
#     owns no such connection, answers each with a RST. synx's syn_rx and
#     synack_tx grow by at least 200 over the nping phase.
# With a capture of all synx sent checked by tshark, and no mbuf leak.
# Root only (exit 77 otherwise).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tests/integration/lib/netns.sh"
it_init tools "$1"
command -v nping >/dev/null || fail "nping not installed (package nmap)"
command -v hping3 >/dev/null || fail "hping3 not installed (package hping3)"

NPING=5
HPING=200

it_peer_up t
synx_start "--local=$SYNX_V4,$SYNX_V6" "--listen=$SYNX_V4:80,[$SYNX_V6]:80" \
  --cookies=auto --on-established=keep --closed-port=rst --max-conns=16384 \
  --duration=0 --stats-interval=1
capture_start
synx_wait_reachable

# nping prints "TCP connection attempts: 5 | Successful connections: 5 | Failed: 0 (0.00%)".
nping_ok() { sed -n 's/.*Successful connections: \([0-9]\+\).*/\1/p' "$1" | tail -n 1; }
in_peer nping --tcp-connect -p 80 -c "$NPING" --delay 100ms "$SYNX_V4" >"$TMP/tool-nping4.txt" 2>&1 ||
  fail "nping (IPv4) exited non-zero"
expect_eq "nping --tcp-connect $SYNX_V4: successful connections" \
  "$(nping_ok "$TMP/tool-nping4.txt")" "$NPING"
in_peer nping -6 --tcp-connect -p 80 -c "$NPING" --delay 100ms "$SYNX_V6" >"$TMP/tool-nping6.txt" 2>&1 ||
  fail "nping -6 exited non-zero"
expect_eq "nping -6 --tcp-connect $SYNX_V6: successful connections" \
  "$(nping_ok "$TMP/tool-nping6.txt")" "$NPING"

# hping3 prints "200 packets transmitted, 200 packets received, 0% packet loss".
in_peer hping3 -S -p 80 -c "$HPING" -i u1000 -n -q "$SYNX_V4" >"$TMP/tool-hping3.txt" 2>&1 || true
hp_tx="$(sed -n 's/^\([0-9]\+\) packets transmitted.*/\1/p' "$TMP/tool-hping3.txt")"
hp_rx="$(sed -n 's/.* \([0-9]\+\) packets received.*/\1/p' "$TMP/tool-hping3.txt")"
expect_eq "hping3: SYNs sent" "$hp_tx" "$HPING"
expect_eq "hping3: SYN+ACKs received" "$hp_rx" "$HPING"

sleep 0.5
synx_stop
capture_stop
J="$SYNX_JSON"
# nping's connections are the only ones that complete: hping3's half-open
# entries die by the kernel's RST.
expect_eq "synx established (nping only)" "$(json_get "$J" established)" "$((2 * NPING))"
expect_ge "synx syn_rx (nping + hping3)" "$(json_get "$J" syn_rx)" "$((2 * NPING + HPING))"
expect_ge "synx synack_tx (nping + hping3)" "$(json_get "$J" synack_tx)" "$((2 * NPING + HPING))"
# The namespace's kernel owns none of hping3's connections: it answers each
# SYN+ACK with a RST.
expect_ge "synx rst_rx (the kernel's RSTs to hping3's SYN+ACKs)" "$(json_get "$J" rst_rx)" "$HPING"
expect_eq "synx mempool_in_use_at_exit" "$(json_get "$J" mempool_in_use_at_exit)" 0
capture_check "$((2 * NPING + HPING))"
capture_matches_counters
it_log "non-zero drops: $(json_nonzero "$J" drops)"
it_log "PASS in $((SECONDS - IT_T0)) s"
