#!/usr/bin/env bash
# initiator_test.sh SYNX CASE — the initiator against the Linux TCP stack in a
# network namespace (veth, synx on net_af_packet, the kernel's own counters
# from nstat). One CASE per meson test, each in its own namespace:
#   listener_rst  5,000 connections at 2,000/s to a Linux listener, all
#                 established; TcpPassiveOpens grows by `established`; with
#                 --close=rst every connection is reset in ESTABLISHED
#                 (TcpEstabResets grows by as much);
#   listener_fin  the same with --close=fin: every connection closes by a FIN
#                 exchange each way, and the kernel counts no connection reset
#                 (TcpEstabResets) and no abort (TcpExtTCPAbortOn*);
#   refused       a port nobody listens on: every connection refused, none
#                 timed out, the kernel sent one RST each;
#   silent        a target whose answers are black-holed: every connection
#                 times out after --syn-retries, and a capture shows each
#                 SYN's retransmissions at --syn-rto-ms and 3x it (±20 %);
#   ipv6          IPv6 against a Linux listener;
#   flood         --mode=flood from spoofed 198.19.0.0/16 sources routed to
#                 synx: no connection, SYN+ACKs counted.
# Root only (exit 77 otherwise); cleans up on failure (tests/integration/lib).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/tests/integration/lib/netns.sh"
CASE="$2"
it_init "initiator_$CASE" "$1"

LISTENER="$ROOT/tests/integration/tcp_listener.py"
LISTENER_PID=""
LISTENER_OUT=""

# Also stop the listener when the test ends, however it ends.
trap 'listener_stop_quietly; it_cleanup' EXIT

listener_stop_quietly() {
  if [[ -n "$LISTENER_PID" ]] && kill -0 "$LISTENER_PID" 2>/dev/null; then
    kill -TERM "$LISTENER_PID" 2>/dev/null || true
    wait "$LISTENER_PID" 2>/dev/null || true
  fi
  LISTENER_PID=""
}

# listener_start HOST PORT — tcp_listener.py in the namespace.
listener_start() {
  LISTENER_OUT="$TMP/listener-$2.json"
  ip netns exec "$PEER_NS" "$IT_PY" "$LISTENER" --host "$1" --port "$2" \
    >"$LISTENER_OUT" 2>"$TMP/listener-$2.err" &
  LISTENER_PID=$!
  local i
  for i in $(seq 50); do
    grep -q listening "$TMP/listener-$2.err" 2>/dev/null && return 0
    kill -0 "$LISTENER_PID" 2>/dev/null || fail "listener exited: $(cat "$TMP/listener-$2.err")"
    sleep 0.1
  done
  fail "listener on $1:$2 did not start"
}

# listener_stop — SIGTERM; its counts land in $LISTENER_OUT.
listener_stop() {
  kill -TERM "$LISTENER_PID"
  wait "$LISTENER_PID" || fail "listener exited with an error: $(cat "$TMP"/listener-*.err)"
  LISTENER_PID=""
  it_log "listener: $(cat "$LISTENER_OUT")"
}

# kernel_counters FILE — the namespace's TCP counters, absolute.
kernel_counters() {
  ip netns exec "$PEER_NS" nstat -az >"$1" || fail "nstat in $PEER_NS"
}

# kernel_delta BEFORE AFTER NAME — how much NAME grew.
kernel_delta() {
  local a b
  a="$(awk -v n="$3" '$1 == n { print $2 }' "$1")"
  b="$(awk -v n="$3" '$1 == n { print $2 }' "$2")"
  [[ -n "$a" && -n "$b" ]] || fail "nstat has no counter $3"
  echo $((b - a))
}

# synx_wait_exit SECONDS — the run ends by itself (--connections); exit 0
# and a JSON summary required.
synx_wait_exit() {
  local i rc=0
  for i in $(seq $(($1 * 10))); do
    kill -0 "$SYNX_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SYNX_PID" 2>/dev/null; then
    fail "synx did not finish within $1 s"
  fi
  wait "$SYNX_PID" || rc=$?
  SYNX_PID=""
  (( rc == 0 )) || fail "synx exited $rc (expected 0)"
  [[ -s "$SYNX_JSON" ]] || fail "synx wrote no JSON summary"
  it_log "synx finished; summary: $(tr -d '\n' <"$SYNX_JSON" | tr -s ' ')"
}

# capture_tcp_from ADDR — dumpcap in the namespace, TCP from ADDR, into
# $CAPTURE_FILE (stopped by capture_stop or the cleanup).
capture_tcp_from() {
  CAPTURE_FILE="$TMP/syns.pcapng"
  ip netns exec "$PEER_NS" dumpcap -q -i "$PEER_NS_IF" -f "tcp and src host $1" \
    -w "$CAPTURE_FILE" >"$TMP/dumpcap.out" 2>"$TMP/dumpcap.err" &
  CAPTURE_PID=$!
  local i
  for i in $(seq 100); do
    grep -q "Capturing on" "$TMP/dumpcap.err" 2>/dev/null && [[ -s "$CAPTURE_FILE" ]] && return 0
    kill -0 "$CAPTURE_PID" 2>/dev/null || fail "dumpcap exited: $(cat "$TMP/dumpcap.err")"
    sleep 0.1
  done
  fail "dumpcap did not start within 10 s"
}

# The namespace takes thousands of connections per second without dropping
# SYNs or sending cookies: a deep backlog, and cookies off so that a full
# queue would show as a drop (ListenDrops) rather than be hidden.
peer_tuning() {
  peer_sysctl net.core.somaxconn=8192
  peer_sysctl net.ipv4.tcp_max_syn_backlog=8192
  peer_sysctl net.ipv4.tcp_syncookies=0
}

INIT=(--role=initiator --local="$SYNX_V4,$SYNX_V6" --stats-interval=1)

case "$CASE" in
  listener_rst | listener_fin)
    mode="${CASE#listener_}"
    N=5000
    it_peer_up "i${mode:0:1}"
    peer_tuning
    listener_start "$PEER_V4" 80
    kernel_counters "$TMP/before"
    synx_start "${INIT[@]}" "--target=$PEER_V4:80" --rate=2000 "--connections=$N" "--close=$mode"
    synx_wait_exit 60
    sleep 0.5
    kernel_counters "$TMP/after"
    listener_stop
    json_expect "$SYNX_JSON" "synx ($mode)" role=initiator established="$N" synack_rx="$N" \
      refused=0 timeouts=0 latency_us.count="$N" drained=true mempool_in_use_at_exit=0
    passive="$(kernel_delta "$TMP/before" "$TMP/after" TcpPassiveOpens)"
    expect_eq "kernel TcpPassiveOpens delta = synx established" "$passive" \
      "$(json_get "$SYNX_JSON" established)"
    expect_eq "listener accepted" "$(json_get "$LISTENER_OUT" accepted)" "$N"
    expect_eq "kernel TcpExtListenDrops delta" \
      "$(kernel_delta "$TMP/before" "$TMP/after" TcpExtListenDrops)" 0
    resets="$(kernel_delta "$TMP/before" "$TMP/after" TcpEstabResets)"
    if [[ "$mode" == rst ]]; then
      expect_eq "synx rst_tx" "$(json_get "$SYNX_JSON" rst_tx)" "$N"
      expect_eq "kernel TcpEstabResets delta (a RST per connection)" "$resets" "$N"
      expect_eq "listener saw no clean close" "$(json_get "$LISTENER_OUT" eof)" 0
    else
      # Every connection ends by a FIN each way. (A stray RST may still come
      # back under load: when our ACK of the server's FIN is late, the
      # server retransmits the FIN, our second ACK finds its socket closed
      # and the kernel answers that ACK with a RST — TcpOutRsts, no
      # connection reset. rst_rx is therefore shown, not required to be 0.)
      json_expect "$SYNX_JSON" "synx clean closes" fin_tx="$N" fin_rx="$N" rst_tx=0 \
        close_timeouts=0 idle_timeouts=0
      it_log "synx rst_rx = $(json_get "$SYNX_JSON" rst_rx), kernel TcpOutRsts delta = $(
        kernel_delta "$TMP/before" "$TMP/after" TcpOutRsts) (stray ACKs after a close)"
      expect_eq "kernel TcpEstabResets delta" "$resets" 0
      for c in TcpExtTCPAbortOnData TcpExtTCPAbortOnClose TcpExtTCPAbortOnTimeout \
               TcpExtTCPAbortOnLinger TcpAttemptFails; do
        expect_eq "kernel $c delta" "$(kernel_delta "$TMP/before" "$TMP/after" "$c")" 0
      done
      expect_eq "listener clean closes" "$(json_get "$LISTENER_OUT" eof)" "$N"
      expect_eq "listener resets" "$(json_get "$LISTENER_OUT" reset)" 0
    fi
    ;;

  refused)
    N=1000
    it_peer_up ir
    peer_tuning
    kernel_counters "$TMP/before"
    synx_start "${INIT[@]}" "--target=$PEER_V4:81" --rate=2000 "--connections=$N"
    synx_wait_exit 60
    kernel_counters "$TMP/after"
    json_expect "$SYNX_JSON" "synx (closed port)" syn_tx="$N" refused="$N" rst_rx="$N" \
      timeouts=0 established=0 syn_retransmits=0 latency_us.count=0 drained=true \
      mempool_in_use_at_exit=0
    expect_eq "kernel TcpOutRsts delta" "$(kernel_delta "$TMP/before" "$TMP/after" TcpOutRsts)" "$N"
    expect_eq "kernel TcpPassiveOpens delta" \
      "$(kernel_delta "$TMP/before" "$TMP/after" TcpPassiveOpens)" 0
    ;;

  silent)
    # The target answers ARP but whatever it sends to our source address is
    # black-holed by its routing table: the SYNs go unanswered.
    N=10
    RTO=300
    SILENT_SRC=198.18.0.5
    it_peer_up is
    ip -n "$PEER_NS" route add blackhole "$SILENT_SRC/32" || fail "blackhole route"
    # The capture runs before synx starts, so that the first SYNs are in it.
    capture_tcp_from "$SILENT_SRC"
    synx_start "${INIT[@]}" "--src=$SILENT_SRC" "--target=$PEER_V4:82" --rate=20 \
      "--connections=$N" --syn-retries=2 "--syn-rto-ms=$RTO"
    synx_wait_exit 60
    capture_stop
    json_expect "$SYNX_JSON" "synx (silent target)" syn_tx="$((3 * N))" \
      syn_retransmits="$((2 * N))" timeouts="$N" refused=0 established=0 synack_rx=0 \
      latency_us.count=0 drained=true mempool_in_use_at_exit=0
    # The SYN+ACK-less schedule, per source port: first SYN at 0, then RTO
    # and RTO + 2 RTO later, each with the first SYN's sequence number.
    tshark -r "$CAPTURE_FILE" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0" \
      -T fields -e frame.time_epoch -e tcp.srcport -e tcp.seq_raw >"$TMP/syns.txt" ||
      fail "tshark could not read the capture"
    "$IT_PY" - "$TMP/syns.txt" "$RTO" "$N" <<'EOF' || fail "retransmission schedule"
import collections, sys
path, rto, n = sys.argv[1], float(sys.argv[2]) / 1000, int(sys.argv[3])
syns = collections.defaultdict(list)
for line in open(path):
    t, port, seq = line.split()
    syns[port].append((float(t), seq))
assert len(syns) == n, f"{len(syns)} source ports in the capture, expected {n}"
want = [rto, 3 * rto]
worst = 0.0
for port, s in sorted(syns.items()):
    assert len(s) == 3, f"port {port}: {len(s)} SYNs, expected 3"
    assert len({seq for _, seq in s}) == 1, f"port {port}: sequence numbers differ"
    got = [s[1][0] - s[0][0], s[2][0] - s[0][0]]
    for g, w in zip(got, want):
        err = abs(g - w) / w
        worst = max(worst, err)
        assert err <= 0.20, f"port {port}: retransmission at {g:.3f} s, expected {w:.3f} s ±20 %"
print(f"{n} ports x 3 SYNs, retransmissions at {want[0]:.3f} s and {want[1]:.3f} s, "
      f"worst deviation {worst * 100:.1f} %")
EOF
    it_log "ok: capture shows the retransmission schedule"
    ;;

  ipv6)
    N=2000
    it_peer_up i6
    peer_tuning
    listener_start "$PEER_V6" 80
    kernel_counters "$TMP/before"
    synx_start "${INIT[@]}" "--target=[$PEER_V6]:80" --rate=2000 "--connections=$N"
    synx_wait_exit 60
    sleep 0.5
    kernel_counters "$TMP/after"
    listener_stop
    json_expect "$SYNX_JSON" "synx (IPv6)" established="$N" synack_rx="$N" refused=0 timeouts=0 \
      latency_us.count="$N" neighbors_learned=1 arp_requests_tx=0 drained=true \
      mempool_in_use_at_exit=0
    expect_ge "synx nd_solicits_tx" "$(json_get "$SYNX_JSON" nd_solicits_tx)" 1
    expect_eq "kernel TcpPassiveOpens delta = synx established" \
      "$(kernel_delta "$TMP/before" "$TMP/after" TcpPassiveOpens)" "$N"
    expect_eq "listener accepted" "$(json_get "$LISTENER_OUT" accepted)" "$N"
    ;;

  flood)
    # A router would send the answers to the spoofed range back to synx;
    # here the namespace's route does.
    N=3000
    it_peer_up if
    peer_sysctl net.ipv4.tcp_syncookies=1
    ip -n "$PEER_NS" route add 198.19.0.0/16 via "$SYNX_V4" || fail "route to the flood range"
    listener_start "$PEER_V4" 80
    kernel_counters "$TMP/before"
    synx_start "${INIT[@]}" --mode=flood --src=198.19.0.0/16 "--target=$PEER_V4:80" \
      --rate=3000 "--connections=$N"
    synx_wait_exit 60
    kernel_counters "$TMP/after"
    listener_stop
    json_expect "$SYNX_JSON" "synx (flood)" syn_tx="$N" established=0 rst_tx=0 \
      mempool_in_use_at_exit=0
    expect_ge "synx synack_rx (retransmitted SYN+ACKs count too)" \
      "$(json_get "$SYNX_JSON" synack_rx)" "$N"
    expect_eq "kernel TcpPassiveOpens delta" \
      "$(kernel_delta "$TMP/before" "$TMP/after" TcpPassiveOpens)" 0
    expect_eq "listener accepted" "$(json_get "$LISTENER_OUT" accepted)" 0
    ;;
  *)
    fail "unknown case"
    ;;
esac
it_log "PASS in $((SECONDS - IT_T0)) s"
