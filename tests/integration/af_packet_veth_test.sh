#!/usr/bin/env bash
# af_packet_veth_test.sh SYNX — synx on net_af_packet over a veth whose other
# end sits in a throw-away network namespace, with the Linux kernel and
# scapy as senders. Proves frames from a real stack reach synx through a real
# PMD, are all counted, get answered on the same port, the live line runs,
# and every mbuf goes back to the pool.
#
# No static neighbour entries: the kernel resolves synx's addresses through
# synx's own ARP and ND answers.
#
# Needs root (namespaces, veth, AF_PACKET): exits 77 (meson: SKIP) otherwise.
# Cleans up namespace, veth, synx and EAL files even when it fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tests/integration/lib/netns.sh"
it_init af_packet "$1"

PINGS=10
PINGS6=5
SYNS=20

it_peer_up i
synx_start "--local=$SYNX_V4,$SYNX_V6" "--listen=$SYNX_V4:80,[$SYNX_V6]:80" \
  --duration=0 --stats-interval=1

# The kernel's echo requests (its ARP request and neighbour solicitation
# first), then SYNs from scapy: an exact count, over IPv4 and IPv6.
in_peer ping -q -c "$PINGS" -i 0.05 -W 1 "$SYNX_V4" >"$TMP/tool-ping4.txt" 2>&1 || true
in_peer ping -6 -q -c "$PINGS6" -i 0.05 -W 1 "$SYNX_V6" >"$TMP/tool-ping6.txt" 2>&1 || true
received() { sed -n 's/.* \([0-9]\+\) received.*/\1/p' "$1"; }
expect_eq "ping: replies" "$(received "$TMP/tool-ping4.txt")" "$PINGS"
expect_eq "ping -6: replies" "$(received "$TMP/tool-ping6.txt")" "$PINGS6"
in_peer "$IT_PY" - "$PEER_NS_IF" "$SYNX_MAC" "$PEER_V4" "$SYNX_V4" "$PEER_V6" "$SYNX_V6" "$SYNS" <<'EOF'
import sys
from scapy.all import Ether, IP, IPv6, TCP, sendp, conf
conf.verb = 0
iface, mac, src4, dst4, src6, dst6, n = sys.argv[1:8]
n = int(n)
frames = []
for i in range(n):
    l3 = IP(src=src4, dst=dst4) if i % 2 == 0 else IPv6(src=src6, dst=dst6)
    frames.append(Ether(dst=mac) / l3 / TCP(sport=40000 + i, dport=80, flags="S", seq=1000 * i,
                                            options=[("MSS", 1460), ("SAckOK", b""),
                                                     ("WScale", 7)]))
sendp(frames, iface=iface)
EOF

sleep 1.2  # at least one live line, and time for the last frames to land
synx_stop
grep -qE ' rx +[0-9]+ ?pps' "$SYNX_OUT" || fail "no live stats line in synx's output"

J="$SYNX_JSON"
SENT=$((PINGS + PINGS6 + SYNS))
# rx also holds the kernel's ARP/ND and its RSTs to scapy's SYN+ACKs.
expect_ge "synx rx_packets (peer sent $SENT echo requests and SYNs, and more)" \
  "$(json_get "$J" rx_packets)" "$SENT"
expect_ge "synx tx_packets (every echo request and SYN answered)" \
  "$(json_get "$J" tx_packets)" "$SENT"
json_expect "$J" "synx summary" syn_rx="$SYNS" synack_tx="$SYNS" mempool_in_use_at_exit=0 \
  port.driver=net_af_packet port.link.up=true
it_log "PASS in $((SECONDS - IT_T0)) s"
