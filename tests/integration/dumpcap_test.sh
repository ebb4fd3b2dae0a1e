#!/usr/bin/env bash
# dumpcap_test.sh SYNX — dpdk-dumpcap captures SYN+ACKs from a running synx
# (docs/monitoring.md). dpdk-dumpcap is a DPDK secondary process: it maps the
# primary's memory, so synx runs on hugepages here (not --no-huge) with a
# file prefix of its own, which dpdk-dumpcap is given too. SYNs come from
# net_pcap replaying 100 SYNs for as long as synx runs (no tx_pcap: net_pcap
# drops what synx sends; dpdk-dumpcap as a secondary failed to attach to a
# net_pcap port with a long rx_pcap,tx_pcap devargs string); the capture is
# bounded by a packet count and by timeout. tshark checks what it holds.
# Root only (hugepages); exit 77 otherwise. Cleans up processes, hugepage
# files and the runtime directory even on failure.
set -euo pipefail

SYNX="$1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/scripts/lib/common.sh"
PY=/usr/bin/python3
PREFIX="synx-dumpcap-$$"
TMP="$(mktemp -d)"
SYNX_PID=""
cleanup() {
  if [[ -n "$SYNX_PID" ]] && kill -0 "$SYNX_PID" 2>/dev/null; then
    kill -TERM "$SYNX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SYNX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SYNX_PID" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  remove_hugepage_files "$PREFIX"
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL [dumpcap]: $*" >&2
  for f in "$TMP"/synx.out "$TMP"/synx.err "$TMP"/dumpcap.txt; do
    [[ -f "$f" ]] && { echo "--- $(basename "$f"):" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

is_root || { echo "SKIP: needs root (hugepages for a DPDK primary that dpdk-dumpcap can attach to)"; exit 77; }
command -v dpdk-dumpcap >/dev/null || { echo "SKIP: dpdk-dumpcap not installed (Debian package dpdk)"; exit 77; }
free_pages="$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)"
[[ -n "$(hugetlbfs_mounts)" && "${free_pages:-0}" -ge 128 ]] ||
  { echo "SKIP: needs 128 free 2 MB hugepages on a hugetlbfs mount (free: ${free_pages:-0}; scripts/setup reserves them)"; exit 77; }

"$PY" - "$TMP/syn.pcap" <<'PYEOF' || fail "scapy could not write the input"
import sys
from scapy.all import IP, TCP, Ether, wrpcap
e = Ether(dst="02:70:63:61:70:00", src="02:00:00:00:00:02")
opts = [("MSS", 1460), ("SAckOK", b""), ("NOP", None), ("WScale", 7)]
wrpcap(sys.argv[1], [e / IP(src="198.18.0.2", dst="198.18.0.1") /
                     TCP(sport=40000 + i, dport=80, seq=1000 + i, flags="S", options=opts)
                     for i in range(100)])
PYEOF

"$SYNX" -l 0,1 -m 128 --no-pci "--file-prefix=$PREFIX" \
  "--vdev=net_pcap0,rx_pcap=$TMP/syn.pcap,infinite_rx=1" -- \
  --local=198.18.0.1 --listen=198.18.0.1:80 --cookies=always --max-conns=1024 --duration=40 \
  >"$TMP/synx.out" 2>"$TMP/synx.err" &
SYNX_PID=$!
for _ in $(seq 200); do
  kill -0 "$SYNX_PID" 2>/dev/null || fail "synx exited early"
  grep -q '^synx: responder:' "$TMP/synx.out" && break
  sleep 0.1
done
grep -q '^synx: responder:' "$TMP/synx.out" || fail "synx did not start within 20 s"

# 400 frames: at the replay's rate that is well under a second of traffic.
set +e
timeout 20 dpdk-dumpcap "--file-prefix=$PREFIX" -i 0 -c 400 -w "$TMP/dump.pcapng" >"$TMP/dumpcap.txt" 2>&1
rc=$?
set -e
[[ "$rc" == 0 ]] || fail "dpdk-dumpcap exited $rc"

tshark -r "$TMP/dump.pcapng" -T fields -e tcp.flags.syn -e tcp.flags.ack -e ip.src -e tcp.srcport \
  -e ip.dst -e tcp.dstport >"$TMP/frames.txt" 2>"$TMP/tshark.err" ||
  fail "tshark cannot read the capture: $(cat "$TMP/tshark.err")"
total="$(wc -l <"$TMP/frames.txt")"
synack="$(awk -F'\t' '$1 == "1" && $2 == "1" && $3 == "198.18.0.1" && $4 == "80" && $5 == "198.18.0.2"' "$TMP/frames.txt" | wc -l)"
syn="$(awk -F'\t' '$1 == "1" && $2 == "0" && $3 == "198.18.0.2" && $6 == "80"' "$TMP/frames.txt" | wc -l)"
echo "dpdk-dumpcap: $total frames, $syn SYN, $synack SYN+ACK"
# -c stops at the end of the burst that reaches the count.
(( total >= 400 && total <= 400 + 64 )) || fail "expected 400 frames (-c 400, a burst more at most), got $total"
(( synack >= 100 )) || fail "expected at least 100 SYN+ACKs from 198.18.0.1:80, got $synack"
(( syn + synack == total )) || fail "$((total - syn - synack)) frames are neither SYN in nor SYN+ACK out"

kill -TERM "$SYNX_PID"
rc=0
wait "$SYNX_PID" || rc=$?
SYNX_PID=""
[[ "$rc" == 0 ]] || fail "synx exited $rc after SIGTERM"
echo "PASS [dumpcap]"
