#!/usr/bin/env bash
# bad_inputs_test.sh SYNX — every row of handshake-rules.md §B sent for real:
# bad_inputs.py crafts each bad frame in the namespace and sends it over the
# veth to a running synx (net_af_packet), checks the reply or the silence of
# each row as it goes, and afterwards every per-reason drop counter of
# synx's JSON summary must equal the number of rows that should hit it
# (reasons no row names must stay at 0), as must the counters rows name
# (syn_rx, rst_tx, established, cookies_valid/invalid, ...).
#
# Three synx runs, one per phase (see bad_inputs.py): stateful, cookies,
# ackflood. The namespace side has IPv6 off and never talks itself (the
# rows use spoofed sources nobody owns, synx's MAC comes from its port line),
# so nothing but the rows reaches synx and the counts are exact.
# Root only (exit 77 otherwise). About 40 s.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tests/integration/lib/netns.sh"
it_init atk_bad_inputs "$1"
ROWS="$ROOT/tests/integration/bad_inputs.py"
FAILED_PHASES=()

it_peer_up atkb
# Keep the namespace kernel silent: no IPv6 (no MLD, RS, ND of its own).
peer_sysctl "net.ipv6.conf.$PEER_NS_IF.disable_ipv6=1"

# synx_ready — the responder line is printed once the workers are about to
# run; a little slack for the first poll.
synx_ready() {
  local i
  for i in $(seq 100); do
    grep -q '^synx: responder' "$SYNX_OUT" 2>/dev/null && { sleep 0.3; return 0; }
    synx_alive "waiting for the responder line"
    sleep 0.1
  done
  fail "no 'synx: responder' line within 10 s"
}

# phase NAME SYNX_FLAG... — one synx run, the rows of NAME, the counters.
phase() {
  local name="$1" rc=0
  shift
  synx_start "--local=$SYNX_V4,198.18.0.3,$SYNX_V6" "--listen=$SYNX_V4:80,[$SYNX_V6]:80" \
    --on-established=keep --synack-rto-ms=60000 --duration=0 "$@"
  synx_ready
  it_log "phase $name: rows"
  in_peer "$IT_PY" "$ROWS" run "$name" ${ATK_ONLY:+--only "$ATK_ONLY"} --iface "$PEER_NS_IF" --synx-mac "$SYNX_MAC" \
    --expected "$TMP/expected-$name.json" || rc=$?
  synx_alive "after the rows of phase $name"
  synx_stop
  it_log "phase $name: counters"
  "$IT_PY" "$ROWS" check --expected "$TMP/expected-$name.json" --json "$SYNX_JSON" || rc=1
  (( rc == 0 )) || FAILED_PHASES+=("$name")
}

phase stateful --cookies=auto --rst-rate=0
phase cookies --cookies=always --cookie-rotate=2 --rst-rate=0
phase ackflood --cookies=auto --rst-rate=10

(( ${#FAILED_PHASES[@]} == 0 )) || fail "phases with a failed row or counter: ${FAILED_PHASES[*]}"
it_log "PASS in $((SECONDS - IT_T0)) s"
