#!/usr/bin/env bash
# flood_load_test.sh SYNX [load|overload] — synx under a SYN flood from a
# second synx.
#
# Topology: one namespace with a bridge joining two veths. On the host ends:
#   - the responder (synx, net_af_packet, lcore 0); half-open entries given
#     up after one retransmission (0.5 s + 1 s);
#   - the flood (a second synx, --role=initiator --mode=flood --rate=0: SYNs
#     as fast as it can from spoofed 198.19.0.0/16 sources, lcore 1).
# In the namespace, on the bridge: Linux clients (tcp_client.py).
#
# load (default): --cookies=auto, --max-conns=2048 (half-open high-water
# mark 1024). While the flood runs, 1,000 connect()s: at least 99 % must
# succeed (each has 10 s, so a SYN the flood crowded out gets its 1 s and 3 s
# retransmissions). During the flood, /synx/workers (DPDK telemetry, read
# every 0.2 s, when the binary has it) must show the table at most
# --max-conns and half-open entries at most the high-water mark; after the
# flood the table must return to its starting fill (0) within 10 s; at exit
# half_open_at_exit, connections_at_exit and mempool_in_use_at_exit are 0.
#
# overload: every resource at its floor: the smallest mempool synx accepts
# (--mbufs=2816: one queue pair's rings + a burst + a cache; a smaller one is
# refused at start with exit 2, checked first), a 1,024-entry table and no
# cookies (--cookies=never), so the table is full within milliseconds. synx
# must drop and count (every SYN answered or counted as tcp_table_full),
# never stall (a live line every second all through the flood, SIGINT obeyed
# at once), answer 50 Linux connect()s once the flood is over, and exit 0
# with every mbuf back.
#
# Both print the flood rate (SYNs sent per second, what the responder got),
# tx_dropped, mbuf_alloc_failed and the port's imissed / rx_nombuf.
# Root only (exit 77 otherwise). About 25 s each.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tests/integration/lib/netns.sh"
MODE="${2:-load}"
[[ "$MODE" == load || "$MODE" == overload ]] || { echo "usage: $0 SYNX [load|overload]" >&2; exit 2; }
it_init "atk_$MODE" "$1"

MAX_CONNS=2048
if [[ "$MODE" == overload ]]; then
  MAX_CONNS=1024
fi
HIGH=$((MAX_CONNS / 2))  # half-open high-water mark (lib/cookie/policy.h)
# Without cookies nothing stops at the mark: the table itself is the bound.
[[ "$MODE" == overload ]] && HIGH=$MAX_CONNS
COUNT=1000
MIN_OK=$((COUNT * 99 / 100))
SAMPLER="$ROOT/tests/integration/telemetry_sample.py"

FLOOD_PID=""
SAMPLER_PID=""
FLOOD_PREFIX=""
atk_cleanup() {
  local rc=$? pid
  for pid in "$SAMPLER_PID" "$FLOOD_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  remove_hugepage_files "$FLOOD_PREFIX"
  # it_cleanup reads the exit status from $?: hand it over without set -e
  # ending this handler at the subshell's non-zero exit.
  set +e
  (exit "$rc")
  it_cleanup  # the namespace (and with it both veths), synx, EAL files, $TMP
}
trap atk_cleanup EXIT

it_peer_up atkf
FLOOD_PREFIX="$PREFIX-flood"
FLOOD_HOST_IF="sxatkg$$h"
FLOOD_NS_IF="sxatkg$$n"
# The flood's veth, and a bridge in the namespace joining both veths; the
# namespace's address moves to the bridge.
ip link add "$FLOOD_HOST_IF" type veth peer name "$FLOOD_NS_IF"
ip link set "$FLOOD_NS_IF" netns "$PEER_NS"
echo 1 >"/proc/sys/net/ipv6/conf/$FLOOD_HOST_IF/disable_ipv6"
ethtool -K "$FLOOD_HOST_IF" tx off >/dev/null
ip link set "$FLOOD_HOST_IF" up
ip -n "$PEER_NS" link add atkbr type bridge forward_delay 0
ip -n "$PEER_NS" addr flush dev "$PEER_NS_IF"
ip -n "$PEER_NS" link set "$PEER_NS_IF" master atkbr
ip -n "$PEER_NS" link set "$FLOOD_NS_IF" master atkbr up
ip -n "$PEER_NS" addr add "$PEER_V4/15" dev atkbr
in_peer ethtool -K atkbr tx off >/dev/null 2>&1 || true
ip -n "$PEER_NS" link set atkbr up
it_log "bridge atkbr in $PEER_NS: $PEER_NS_IF (responder) + $FLOOD_NS_IF (flood), $PEER_V4"

if [[ "$MODE" == overload ]]; then
  # Below the floor is a configuration error, said before EAL starts.
  rc=0
  "$SYNX" --no-huge -m 64 --no-pci "--file-prefix=$PREFIX-small" -l 0 --vdev=net_null0 -- \
    --local="$SYNX_V4" --mbufs=100 >"$TMP/small.out" 2>&1 || rc=$?
  remove_hugepage_files "$PREFIX-small"
  expect_eq "exit code of --mbufs=100 ($(grep -m1 -o 'mbufs.*' "$TMP/small.out"))" "$rc" 2
  RESPONDER_FLAGS=(--cookies=never --mbufs=2816 --rst-rate=100)
else
  RESPONDER_FLAGS=(--cookies=auto)
fi
synx_start "--local=$SYNX_V4" "--listen=$SYNX_V4:80" "${RESPONDER_FLAGS[@]}" \
  --on-established=keep --max-conns="$MAX_CONNS" --synack-retries=1 --synack-rto-ms=500 \
  --duration=0 --stats-interval=1
for _ in $(seq 50); do
  in_peer ping -q -c 1 -W 0.5 "$SYNX_V4" >/dev/null 2>&1 && break
  synx_alive "waiting for it to answer ping"
done
TEL="/var/run/dpdk/$PREFIX/dpdk_telemetry.v2"
"$IT_PY" "$SAMPLER" "$TEL" "$TMP/samples.jsonl" &
SAMPLER_PID=$!
sleep 1
head -n 1 "$TMP/samples.jsonl" >"$TMP/sample-before.jsonl" || true
"$IT_PY" "$SAMPLER" summary "$TMP/sample-before.jsonl" >"$TMP/before.json"
it_log "before the flood: $(cat "$TMP/before.json")"

# The flood: flat out, until SIGINT.
FLOOD_JSON="$TMP/flood.json"
"$SYNX" --no-huge -m 512 --no-pci "--file-prefix=$FLOOD_PREFIX" -l 1 \
  "--vdev=net_af_packet1,iface=$FLOOD_HOST_IF" -- --role=initiator --mode=flood \
  --local=198.18.0.7 --target="$SYNX_V4:80" --src=198.19.0.0/16 --rate=0 --duration=0 \
  --stats-interval=1 "--json=$FLOOD_JSON" >"$TMP/flood.out" 2>"$TMP/flood.err" &
FLOOD_PID=$!
for _ in $(seq 100); do
  grep -q ' syn ' "$TMP/flood.out" 2>/dev/null && break
  kill -0 "$FLOOD_PID" 2>/dev/null || fail "the flood synx exited: $(tail -n 5 "$TMP/flood.err")"
  sleep 0.1
done
grep -q ' syn ' "$TMP/flood.out" || fail "the flood synx printed no live line within 10 s"
it_log "flood running: $(grep ' syn ' "$TMP/flood.out" | tail -n 1)"
sleep 1

live_before=$(grep -c '^ *[0-9]*s rx ' "$SYNX_OUT" || true)
t_flood=$SECONDS
if [[ "$MODE" == load ]]; then
  client_run flood --host "$SYNX_V4" --port 80 --count "$COUNT" --concurrency 50 \
    --timeout 10 --close fin
  connected="$(json_get "$CLIENT_JSON" connected)"
else
  sleep 6
  synx_alive "during the flood"
fi
kill -0 "$FLOOD_PID" 2>/dev/null || fail "the flood synx died during the flood"
live_during=$(( $(grep -c '^ *[0-9]*s rx ' "$SYNX_OUT" || true) - live_before ))
flood_s=$((SECONDS - t_flood))
it_log "flood at its end: $(grep ' syn ' "$TMP/flood.out" | tail -n 1)"
it_log "responder live lines during the $flood_s s of flood: $live_during; last: $(grep '^ *[0-9]*s rx ' "$SYNX_OUT" | tail -n 1)"

kill -INT "$FLOOD_PID"
frc=0
wait "$FLOOD_PID" || frc=$?
FLOOD_PID=""
(( frc == 0 )) || fail "the flood synx exited $frc after SIGINT"
flood_end=$SECONDS
"$IT_PY" "$SAMPLER" summary "$TMP/samples.jsonl" >"$TMP/during.json"
it_log "during the flood: $(cat "$TMP/during.json")"

# After the flood: the half-open entries expire (0.5 s + 1 s), the clients'
# entries closed with their FINs: the table goes back to its starting fill.
workers_cmd="$(json_get "$TMP/during.json" workers_command)"
back=""
if [[ "$workers_cmd" == true ]]; then
  for _ in $(seq 50); do
    sleep 0.2
    tail -n 1 "$TMP/samples.jsonl" >"$TMP/sample-now.jsonl"
    "$IT_PY" "$SAMPLER" summary "$TMP/sample-now.jsonl" >"$TMP/now.json"
    if [[ "$(json_get "$TMP/now.json" last_table_entries)" == 0 ]]; then
      back=$((SECONDS - flood_end))
      break
    fi
  done
else
  sleep 5  # no live figure: give the entries the same time before the exit check
fi
if [[ "$MODE" == overload ]]; then
  sleep 2  # the flood's half-open entries are given up (0.5 s + 1 s)
  client_run after --host "$SYNX_V4" --port 80 --count 50 --concurrency 10 --timeout 5 \
    --close fin
  connected="$(json_get "$CLIENT_JSON" connected)"
  sleep 1
fi
kill -TERM "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
t_stop=$SECONDS
synx_stop
it_log "synx stopped $((SECONDS - t_stop)) s after SIGINT"
J="$SYNX_JSON"

# The flood's rate.
f_syn="$(json_get "$FLOOD_JSON" syn_tx)"
f_dur="$(json_get "$FLOOD_JSON" duration_s)"
f_rate="$("$IT_PY" -c "print(round($f_syn / $f_dur))")"
r_rx="$(json_get "$J" syn_rx)"
r_dur="$(json_get "$J" duration_s)"
it_log "flood: $f_syn SYNs in $f_dur s = $f_rate SYN/s sent (tx_dropped $(json_get "$FLOOD_JSON" tx_dropped)); responder: syn_rx $r_rx, cookies_sent $(json_get "$J" cookies_sent), synack_tx $(json_get "$J" synack_tx), drops $(json_nonzero "$J" drops)"

it_log "resources: responder tx_dropped $(json_get "$J" tx_dropped), mbuf_alloc_failed $(json_get "$J" mbuf_alloc_failed); port max imissed $(json_get "$TMP/during.json" max_imissed), max rx_nombuf $(json_get "$TMP/during.json" max_rx_nombuf) (DPDK /ethdev/stats)"
expect_ge "flood SYNs sent" "$f_syn" 10000
expect_ge "responder live lines during the flood ($flood_s s: no stall)" "$live_during" \
  $((flood_s - 2))
json_expect "$J" "responder at exit" half_open_at_exit=0 connections_at_exit=0 \
  mempool_in_use_at_exit=0
if [[ "$MODE" == load ]]; then
  expect_ge "clients connected during the flood (of $COUNT)" "$connected" "$MIN_OK"
  expect_ge "responder cookies_sent (auto switched to cookies)" "$(json_get "$J" cookies_sent)" 1
  expect_eq "responder cookies_invalid" "$(json_get "$J" cookies_invalid)" 0
else
  expect_eq "clients connected after the flood (of 50)" "$connected" 50
  full="$(json_get "$J" drops.tcp_table_full)"
  expect_ge "SYNs dropped as tcp_table_full" "$full" 1
  first_synacks=$(( $(json_get "$J" synack_tx) - $(json_get "$J" synack_retransmits) ))
  expect_eq "SYNs answered ($first_synacks) + counted tcp_table_full ($full)" \
    "$((first_synacks + full))" "$(json_get "$J" syn_rx)"
fi
if [[ "$workers_cmd" == true ]]; then
  expect_eq "table entries before the flood" "$(json_get "$TMP/before.json" last_table_entries)" 0
  max_entries="$(json_get "$TMP/during.json" max_table_entries)"
  max_half="$(json_get "$TMP/during.json" max_half_open)"
  (( max_entries <= MAX_CONNS )) || fail "table entries reached $max_entries > --max-conns $MAX_CONNS"
  (( max_half <= HIGH )) || fail "half-open entries reached $max_half > their bound $HIGH"
  it_log "ok: during the flood at most $max_entries table entries (capacity $MAX_CONNS), $max_half half-open (bound $HIGH)"
  [[ -n "$back" ]] || fail "the table did not return to 0 entries within 10 s of the flood's end"
  it_log "ok: table back to 0 entries ${back} s after the flood"
else
  it_log "NOTE: this synx has no /synx/workers telemetry: table fill checked at exit only"
fi
it_log "NOTE: mbufs in use are reported only at exit (after the port closed); no live figure"
it_log "PASS ($MODE) in $((SECONDS - IT_T0)) s: $connected clients connected; flood $f_rate SYN/s"
