#!/usr/bin/env bash
# on_established_test.sh SYNX — what a Linux client sees after the handshake
# under each --on-established, and --closed-port=drop. Three synx runs:
#   keep  + --closed-port=drop: the connection stays open and silent (the
#         client waits 0.3 s and hears nothing); connect()s to a port nobody
#         listens on time out instead of being refused, and synx sends no RST;
#   reset: the client's next read fails with ECONNRESET;
#   close: the 16 bytes sent right after connect() are acknowledged, then
#         the client reads end-of-file (synx's FIN); the client closes too.
# Over IPv4 and IPv6, with no mbuf leaked in any run.
# Root only (exit 77 otherwise).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tests/integration/lib/netns.sh"
it_init on_established "$1"

N=100        # connections per family and mode
DROPPED=5    # connect()s per family to a closed port under --closed-port=drop

it_peer_up oe
LISTEN=("--local=$SYNX_V4,$SYNX_V6" "--listen=$SYNX_V4:80,[$SYNX_V6]:80" --cookies=never
        --duration=0 --stats-interval=1)

# keep, and --closed-port=drop.
synx_start "${LISTEN[@]}" --on-established=keep --closed-port=drop
synx_wait_reachable
for host in "$SYNX_V4" "$SYNX_V6"; do
  fam=v4; [[ "$host" == *:* ]] && fam=v6
  client_run "keep-$fam" --host "$host" --port 80 --count "$N" --send 16 --expect-peer 0.3 \
    --concurrency 50
  json_expect "$CLIENT_JSON" "keep $fam" connected="$N" data_acked="$N" \
    peer="{\"data\":0,\"fin\":0,\"rst\":0,\"silent\":$N}"
  # Linux resends its SYN after 1 s; 1.5 s sees two SYNs go unanswered.
  client_run "drop-$fam" --host "$host" --port 81 --count "$DROPPED" --concurrency "$DROPPED" \
    --timeout 1.5
  json_expect "$CLIENT_JSON" "closed port 81 $fam under --closed-port=drop" \
    timeouts="$DROPPED" refused=0 connected=0
done
sleep 0.5
synx_stop
json_expect "$SYNX_JSON" "synx (keep, closed-port=drop)" established="$((2 * N))" rst_tx=0 \
  mempool_in_use_at_exit=0
expect_ge "synx drops.tcp_closed_port" "$(json_get "$SYNX_JSON" drops.tcp_closed_port)" \
  "$((2 * DROPPED))"

# reset: no data, so what the client meets is synx's RST and nothing else.
synx_start "${LISTEN[@]}" --on-established=reset
synx_wait_reachable
for host in "$SYNX_V4" "$SYNX_V6"; do
  fam=v4; [[ "$host" == *:* ]] && fam=v6
  client_run "reset-$fam" --host "$host" --port 80 --count "$N" --expect-peer 1 --concurrency 50
  json_expect "$CLIENT_JSON" "reset $fam" connected="$N" \
    peer="{\"data\":0,\"fin\":0,\"rst\":$N,\"silent\":0}"
done
sleep 0.5
synx_stop
json_expect "$SYNX_JSON" "synx (reset)" established="$((2 * N))" rst_tx="$((2 * N))" \
  mempool_in_use_at_exit=0

# close: synx's FIN right after the handshake; the data still gets its ACK.
synx_start "${LISTEN[@]}" --on-established=close
synx_wait_reachable
for host in "$SYNX_V4" "$SYNX_V6"; do
  fam=v4; [[ "$host" == *:* ]] && fam=v6
  client_run "close-$fam" --host "$host" --port 80 --count "$N" --send 16 --expect-peer 1 \
    --concurrency 50
  json_expect "$CLIENT_JSON" "close $fam" connected="$N" data_acked="$N" \
    peer="{\"data\":0,\"fin\":$N,\"rst\":0,\"silent\":0}"
done
sleep 0.5
synx_stop
json_expect "$SYNX_JSON" "synx (close)" established="$((2 * N))" fin_tx="$((2 * N))" rst_tx=0 \
  mempool_in_use_at_exit=0
it_log "PASS in $((SECONDS - IT_T0)) s"
