#!/usr/bin/env bash
# af_packet_veth_test.sh SYNX — synx on net_af_packet over a veth whose other
# end sits in a throw-away network namespace, with the Linux kernel as the
# sender. Proves frames from a real stack reach synx through a real PMD, are
# all counted, and every mbuf goes back to the pool.
#
# Needs root (namespaces, veth, AF_PACKET): exits 77 (meson: SKIP) otherwise.
# Cleans up namespace, veth, synx and EAL files even when it fails.
set -euo pipefail

SYNX="$1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib/common.sh"
source "$ROOT/scripts/lib/netns.sh"

if ! is_root; then
  echo "SKIP: needs root (network namespaces, veth, AF_PACKET); run scripts/test as root" >&2
  exit 77
fi

PY=/usr/bin/python3
PREFIX="synx-it-$$"
TMP="$(mktemp -d)"
SYNX_PID=""
PINGS=10
PINGS6=5
SYNS=20

cleanup() {
  if [[ -n "$SYNX_PID" ]] && kill -0 "$SYNX_PID" 2>/dev/null; then
    kill -KILL "$SYNX_PID" 2>/dev/null || true
    wait "$SYNX_PID" 2>/dev/null || true
  fi
  peer_down
  remove_hugepage_files "$PREFIX"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
  echo "FAIL: $*" >&2
  for f in synx.out synx.err; do
    [[ -f "$TMP/$f" ]] && { echo "--- $f:" >&2; cat "$TMP/$f" >&2; }
  done
  exit 1
}

peer_up "synx-it-$$" "sxi$$"
echo "namespace $PEER_NS: $PEER_NS_IF $PEER_V4 $PEER_V6 <-> host $PEER_HOST_IF (no address)"

"$SYNX" --no-huge -m 512 --no-pci "--file-prefix=$PREFIX" \
  "--vdev=net_af_packet0,iface=$PEER_HOST_IF" -- \
  --duration=0 --stats-interval=1 "--json=$TMP/summary.json" \
  >"$TMP/synx.out" 2>"$TMP/synx.err" &
SYNX_PID=$!

for _ in $(seq 150); do
  grep -q '^synx: port' "$TMP/synx.out" 2>/dev/null && break
  kill -0 "$SYNX_PID" 2>/dev/null || fail "synx exited before the port came up"
  sleep 0.1
done
grep -q '^synx: port' "$TMP/synx.out" || fail "the port did not come up within 15 s"

# Nothing answers yet (the responder is issue 3), so the peer is told the
# MAC to use: otherwise it would send ARP/ND and never the echo requests.
SYNX_MAC="$(cat "/sys/class/net/$PEER_HOST_IF/address")"
in_peer ip neigh replace "$SYNX_V4" lladdr "$SYNX_MAC" dev "$PEER_NS_IF" nud permanent
in_peer ip -6 neigh replace "$SYNX_V6" lladdr "$SYNX_MAC" dev "$PEER_NS_IF" nud permanent

in_peer ping -q -c "$PINGS" -i 0.05 -W 0.2 "$SYNX_V4" >/dev/null 2>&1 || true
in_peer ping -6 -q -c "$PINGS6" -i 0.05 -W 0.2 "$SYNX_V6" >/dev/null 2>&1 || true
# SYNs from scapy: an exact count, over IPv4 and IPv6.
in_peer "$PY" - "$PEER_NS_IF" "$SYNX_MAC" "$PEER_V4" "$SYNX_V4" "$PEER_V6" "$SYNX_V6" "$SYNS" <<'EOF'
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
kill -INT "$SYNX_PID"
set +e
wait "$SYNX_PID"
RC=$?
set -e
SYNX_PID=""
[[ "$RC" == 0 ]] || fail "synx exited $RC after SIGINT (expected 0)"
grep -q 'rx_pps=' "$TMP/synx.out" || fail "no live stats line"

SENT=$((PINGS + PINGS6 + SYNS))
"$PY" - "$TMP/summary.json" "$SENT" <<'EOF' || fail "summary check failed"
import json, sys
j = json.load(open(sys.argv[1]))
sent = int(sys.argv[2])
print(f"synx counted rx_packets={j['rx_packets']} (peer sent {sent} echo requests and SYNs, "
      f"plus whatever else its kernel says), mempool_in_use_at_exit={j['mempool_in_use_at_exit']}")
assert j["rx_packets"] >= sent, f"rx_packets {j['rx_packets']} < {sent} sent"
assert j["mempool_in_use_at_exit"] == 0, "mbufs leaked"
assert j["port"]["driver"] == "net_af_packet", j["port"]["driver"]
assert j["port"]["link"]["up"] is True, "link down"
assert j["tx_packets"] == 0
EOF
echo "PASS"
