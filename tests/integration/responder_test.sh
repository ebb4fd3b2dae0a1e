#!/usr/bin/env bash
# responder_test.sh SYNX — one responder run (cookies auto) with a capture of
# everything synx sent, and the basic promises to a Linux peer:
#   - ping and ping -6 to synx's addresses answer (3 of 3 each);
#   - data sent right after connect() is acknowledged (IPv4 and IPv6);
#   - a listened port range IP:LO-HI accepts its first and last port and
#     refuses the port after it;
#   - a port nobody listens on gives the client ECONNREFUSED, every one of
#     them counted in rst_tx (exactly: nothing else here earns a RST);
#   - tshark, with checksum validation on, finds zero bad checksums and zero
#     malformed frames among all synx sent, and the SYN+ACKs are there;
#   - no mbuf leaked.
# Root only (exit 77 otherwise).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tests/integration/lib/netns.sh"
it_init responder "$1"

DATA_COUNT=200
PAYLOAD=1000       # below either family's MSS: one segment
CLOSED=20          # connect()s per family to a port nobody listens on

it_peer_up r
synx_start "--local=$SYNX_V4,$SYNX_V6" \
  "--listen=$SYNX_V4:80,[$SYNX_V6]:80,$SYNX_V4:8000-8009" \
  --cookies=auto --on-established=keep --closed-port=rst --max-conns=16384 \
  --duration=0 --stats-interval=1
capture_start
synx_wait_reachable

# 4. ping and ping -6 (after synx_wait_reachable's one ping each).
in_peer ping -c 3 -i 0.2 -W 1 "$SYNX_V4" >"$TMP/tool-ping4.txt" 2>&1 || true
in_peer ping -6 -c 3 -i 0.2 -W 1 "$SYNX_V6" >"$TMP/tool-ping6.txt" 2>&1 || true
received() { sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$1"; }
expect_eq "ping $SYNX_V4: replies" "$(received "$TMP/tool-ping4.txt")" 3
expect_eq "ping -6 $SYNX_V6: replies" "$(received "$TMP/tool-ping6.txt")" 3

# 2. Data right after connect() is acknowledged.
connected=0
for host in "$SYNX_V4" "$SYNX_V6"; do
  fam=v4; [[ "$host" == *:* ]] && fam=v6
  client_run "data-$fam" --host "$host" --port 80 --count "$DATA_COUNT" --send "$PAYLOAD" \
    --concurrency 16 --timeout 4 --ack-timeout 3 \
    --max-failures 32
  json_expect "$CLIENT_JSON" "data-$fam" connected="$DATA_COUNT" data_sent="$DATA_COUNT" \
    data_acked="$DATA_COUNT" data_unacked=0
  connected=$((connected + DATA_COUNT))
done

# A range: its first and last ports listen, the next one does not.
for port in 8000 8009; do
  client_run "range-$port" --host "$SYNX_V4" --port "$port" --count 5 --send 10
  json_expect "$CLIENT_JSON" "range port $port" connected=5 data_acked=5
  connected=$((connected + 5))
done
client_run "range-8010" --host "$SYNX_V4" --port 8010 --count 1
json_expect "$CLIENT_JSON" "port 8010 (after the range)" refused=1 connected=0
refused=1

# 3. A port nobody listens on: ECONNREFUSED, not a timeout. Sequential and
# few, so the RST rate limit never applies.
for host in "$SYNX_V4" "$SYNX_V6"; do
  fam=v4; [[ "$host" == *:* ]] && fam=v6
  client_run "closed-$fam" --host "$host" --port 81 --count "$CLOSED" --concurrency 1 --timeout 3
  json_expect "$CLIENT_JSON" "closed port 81 $fam" refused="$CLOSED" connected=0 timeouts=0 \
    errors="{}"
  refused=$((refused + CLOSED))
done

sleep 0.5
synx_stop
capture_stop
J="$SYNX_JSON"
# Every RST synx sent answered a refused connect(): rst_tx = refused.
json_expect "$J" "synx summary" established="$connected" rst_tx="$refused" \
  mempool_in_use_at_exit=0

# 5. Everything synx sent, read back by tshark with checksum validation on.
capture_check "$connected"
capture_matches_counters
C="$TMP/capture.json"
expect_eq "capture: RSTs = connections refused" "$(json_get "$C" rst)" "$refused"
expect_ge "capture: ICMP echo replies" "$(json_get "$C" icmp_echo_reply)" 4
expect_ge "capture: ICMPv6 echo replies" "$(json_get "$C" icmpv6_echo_reply)" 4
expect_ge "capture: ARP replies" "$(json_get "$C" arp_reply)" 1
expect_ge "capture: neighbour advertisements" "$(json_get "$C" nd_na)" 1
expect_ge "capture: TCP over IPv6" "$(json_get "$C" tcp_v6)" "$DATA_COUNT"
it_log "non-zero drops: $(json_nonzero "$J" drops)"
it_log "PASS in $((SECONDS - IT_T0)) s"
