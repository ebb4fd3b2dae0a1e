#!/usr/bin/env bash
# monitoring_test.sh SYNX EXPORTER CASE — synx as monitoring tools see it
# (docs/monitoring.md), on virtual ports with EAL --no-huge, no root needed:
#   telemetry     dpdk-telemetry.py reads every /synx/ command of a running
#                 synx; counters move between two reads while SYNs flow
#   telemetry_initiator  the same for an initiator connecting to a synx
#                 responder over net_memif: /synx/latency's percentiles and
#                 buckets, /synx/workers' open/busy, the exporter's histogram
#   pcap          --pcap=FILE holds every SYN in and SYN+ACK out (tshark)
#   pcap_bound    --pcap-max=N: exactly N frames, and synx says so
#   bad_pcap_max  --pcap-max=0 is a configuration error (exit 2)
#   bad_pcap_path --pcap in a directory that cannot take it: exit 2, no EAL
#   exporter      scripts/synx-exporter's /metrics parses as Prometheus text
#                 and equals /synx/stats and /synx/drops of a quiesced synx;
#                 synx_up 0 once synx is gone
#   log_level     --log-level=synx.*:debug shows synx.* lines on stderr and
#                 keeps --json=- clean; without it synx logs nothing of them
# Each case cleans up its processes, runtime directory and files on exit.
set -euo pipefail

SYNX="$1"
EXPORTER="$2"
CASE="$3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../../scripts/lib/common.sh"

PY=/usr/bin/python3
TELEMETRY="$(command -v dpdk-telemetry.py || true)"
PREFIX="synx-mon-$$"
TMP="$(mktemp -d)"
SYNX_PID=""
EXPORTER_PID=""
PEER_PID=""  # telemetry_initiator: the responder it connects to
cleanup() {
  [[ -n "$EXPORTER_PID" ]] && kill "$EXPORTER_PID" 2>/dev/null || true
  [[ -n "$PEER_PID" ]] && kill -KILL "$PEER_PID" 2>/dev/null || true
  if [[ -n "$SYNX_PID" ]] && kill -0 "$SYNX_PID" 2>/dev/null; then
    kill -TERM "$SYNX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SYNX_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SYNX_PID" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  remove_hugepage_files "$PREFIX"
  remove_hugepage_files "$PREFIX-peer"
  rm -rf "$TMP"
}
trap cleanup EXIT

EAL=(--no-huge -m 512 --no-pci "--file-prefix=$PREFIX")
LISTEN=(--local=198.18.0.1 --listen=198.18.0.1:80 --cookies=always --max-conns=1024)

fail() {
  echo "FAIL [$CASE]: $*" >&2
  for f in "$TMP"/synx.out "$TMP"/synx.err "$TMP"/exporter.err; do
    [[ -f "$f" ]] && { echo "--- $(basename "$f"):" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

[[ -n "$TELEMETRY" ]] || { echo "SKIP: dpdk-telemetry.py not installed (Debian package dpdk-dev)"; exit 77; }
command -v tshark >/dev/null || { echo "SKIP: tshark not installed"; exit 77; }

# 100 SYNs from 198.18.0.2:40000-40099 to 198.18.0.1:80, to net_pcap's MAC.
"$PY" - "$TMP/syn.pcap" <<'PYEOF' || fail "scapy could not write the input"
import sys
from scapy.all import IP, TCP, Ether, wrpcap
e = Ether(dst="02:70:63:61:70:00", src="02:00:00:00:00:02")
opts = [("MSS", 1460), ("SAckOK", b""), ("NOP", None), ("WScale", 7)]
wrpcap(sys.argv[1], [e / IP(src="198.18.0.2", dst="198.18.0.1") /
                     TCP(sport=40000 + i, dport=80, seq=1000 + i, flags="S", options=opts)
                     for i in range(100)])
PYEOF

runtime_dir() {
  if [[ -n "${RUNTIME_DIRECTORY:-}" ]]; then echo "$RUNTIME_DIRECTORY/dpdk/$PREFIX"
  elif [[ "$(id -u)" == 0 ]]; then echo "/var/run/dpdk/$PREFIX"
  else echo "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$PREFIX"; fi
}

# start_synx EAL-AND-SYNX-ARGS... — synx in the background.
start_synx() {
  "$SYNX" "$@" >"$TMP/synx.out" 2>"$TMP/synx.err" &
  SYNX_PID=$!
  echo "started: synx $* (pid $SYNX_PID)"
}

# tel COMMAND... — each command's reply, one JSON object per line, through
# dpdk-telemetry.py itself.
tel() {
  printf '%s\n' "$@" | "$PY" "$TELEMETRY" -f "$PREFIX"
}

# wait_running — until /synx/stats answers with a role (the workers run).
wait_running() {
  local sock
  sock="$(runtime_dir)/dpdk_telemetry.v2"
  for _ in $(seq 200); do
    kill -0 "$SYNX_PID" 2>/dev/null || fail "synx exited before telemetry answered"
    if [[ -S "$sock" ]] && tel /synx/stats 2>/dev/null | grep -q '"role"'; then return 0; fi
    sleep 0.1
  done
  fail "no telemetry socket answering at $sock after 20 s"
}

stop_synx() {
  kill -TERM "$SYNX_PID"
  local rc=0
  wait "$SYNX_PID" || rc=$?
  SYNX_PID=""
  [[ "$rc" == 0 ]] || fail "synx exited $rc after SIGTERM"
}

case "$CASE" in
  telemetry)
    # infinite_rx replays the 100 SYNs for as long as synx runs.
    start_synx -l 0,1 "${EAL[@]}" \
      "--vdev=net_pcap0,rx_pcap=$TMP/syn.pcap,tx_pcap=/dev/null,infinite_rx=1" -- \
      "${LISTEN[@]}" --duration=30
    wait_running
    tel /synx/stats /synx/drops /synx/cookies /synx/workers /synx/latency /synx/help \
      >"$TMP/first.json" || fail "dpdk-telemetry.py failed"
    sleep 0.5
    tel /synx/stats >"$TMP/second.json" || fail "dpdk-telemetry.py failed"
    "$PY" - "$TMP/first.json" "$TMP/second.json" <<'PYEOF' || fail "telemetry replies are wrong"
import json, sys
first = {}
for line in open(sys.argv[1]):
    first.update(json.loads(line))
second = json.loads(open(sys.argv[2]).read())["/synx/stats"]
stats, drops = first["/synx/stats"], first["/synx/drops"]
cookies, workers = first["/synx/cookies"], first["/synx/workers"]
latency, help_ = first["/synx/latency"], first["/synx/help"]
summary_keys = ["rx_packets", "tx_packets", "syn_rx", "synack_tx", "cookies_sent",
                "cookies_valid", "cookies_invalid", "established", "rst_tx", "syn_tx",
                "syn_retransmits", "synack_rx", "refused", "timeouts", "rst_rx"]
for k in summary_keys + ["role", "uptime_ms", "drops_total"]:
    assert k in stats, f"/synx/stats lacks {k}"
assert stats["role"] == "responder", stats["role"]
assert set(help_["counters"]) == set(stats) - {"role", "uptime_ms", "drops_total"}, \
    "/synx/help and /synx/stats name different counters"
for k in ("rx_packets", "syn_rx", "synack_tx", "cookies_sent", "uptime_ms"):
    assert second[k] > stats[k] > 0, f"{k} did not move: {stats[k]} -> {second[k]}"
# Every SYN gets a cookie SYN+ACK; the two reads are a moment apart.
assert abs(stats["syn_rx"] - stats["synack_tx"]) < 1024, stats
assert stats["established"] == 0 and stats["drops_total"] == 0, stats
assert set(drops) == set(help_["drops"]) | {"drops_total"}, "drops and help differ"
assert len(drops) > 60 and "none" not in drops, sorted(drops)
for r in ("tcp_bad_checksum", "l2_not_for_us", "tcp_table_full", "ipv4_fragment"):
    assert drops[r] == 0, (r, drops[r])
assert cookies["mode"] == "always" and cookies["rotate_s"] == 30, cookies
assert cookies["key_epoch"] > 0 and cookies["cookies_sent"] > 0, cookies
assert cookies["cores"] == {"1": "cookies"}, cookies["cores"]
assert list(workers) == ["1"], workers
w = workers["1"]
assert w["queue"] == 0 and w["table_capacity"] == 1024 and w["table_entries"] == 0, w
assert w["rx_packets"] > 0 and w["syn_rx"] > 0 and w["cookies_active"] == 1, w
assert latency == {"role": "responder", "measured": 0}, latency
print("telemetry ok: syn_rx %d -> %d" % (stats["syn_rx"], second["syn_rx"]))
PYEOF
    stop_synx
    ;;

  telemetry_initiator)
    "$SYNX" -l 0 "${EAL[@]/--file-prefix=$PREFIX/--file-prefix=$PREFIX-peer}" \
      "--vdev=net_memif0,role=server,socket=$TMP/memif.sock" -- \
      --local=198.18.0.1 --listen=198.18.0.1:80 --cookies=always --duration=30 \
      >"$TMP/peer.out" 2>"$TMP/peer.err" &
    PEER_PID=$!
    for _ in $(seq 100); do
      grep -q '^synx: responder' "$TMP/peer.out" 2>/dev/null && break
      kill -0 "$PEER_PID" 2>/dev/null || fail "the responder exited before it was ready"
      sleep 0.1
    done
    start_synx -l 0 "${EAL[@]}" "--vdev=net_memif0,role=client,socket=$TMP/memif.sock" -- \
      --role=initiator --local=198.18.0.2 --target=198.18.0.1:80 --rate=1000 --duration=20
    wait_running
    for _ in $(seq 100); do
      tel /synx/latency | grep -q '"count": [1-9]' && break
      sleep 0.1
    done
    tel /synx/stats /synx/latency /synx/workers /synx/cookies >"$TMP/first.json" ||
      fail "dpdk-telemetry.py failed"
    "$PY" "$EXPORTER" -f "$PREFIX" --once >"$TMP/metrics.txt" || fail "synx-exporter --once failed"
    "$PY" - "$TMP/first.json" <<'PYEOF' || fail "initiator telemetry is wrong"
import json, sys
r = {}
for line in open(sys.argv[1]):
    r.update(json.loads(line))
stats, lat, workers, cookies = (r["/synx/stats"], r["/synx/latency"], r["/synx/workers"],
                                r["/synx/cookies"])
assert stats["role"] == "initiator" and stats["syn_tx"] > 0 and stats["synack_rx"] > 0, stats
assert lat["role"] == "initiator" and lat["measured"] == 1 and lat["count"] > 0, lat
assert lat["min_ns"] <= lat["p50_ns"] <= lat["p90_ns"] <= lat["p99_ns"] <= lat["p999_ns"] <= lat["max_ns"], lat
assert lat["min_ns"] > 0 and lat["sum_ns"] >= lat["count"] * lat["min_ns"], lat
b = [v for _, v in sorted(lat["buckets_le_ns"].items(), key=lambda kv: int(kv[0]))]
assert len(b) == 27 and b == sorted(b) and b[-1] <= lat["count"], b
assert list(workers) == ["0"], workers
w = workers["0"]
for k in ("queue", "syn_tx", "synack_rx", "open", "busy", "table_entries", "table_capacity"):
    assert k in w, f"workers.0 lacks {k}"
assert w["syn_tx"] > 0 and w["table_capacity"] == 65536, w
assert cookies["mode"] == "off" and cookies["cores"] == {"0": "off"}, cookies
print("initiator telemetry ok: %d handshakes, p50 %d ns" % (lat["count"], lat["p50_ns"]))
PYEOF
    "$PY" "$HERE/check_metrics.py" parse "$TMP/metrics.txt" || fail "exporter text does not parse"
    grep -q '^synx_handshake_latency_seconds_bucket{le="+Inf"} [1-9]' "$TMP/metrics.txt" ||
      fail "no latency histogram in /metrics"
    grep -qx 'synx_info{role="initiator"} 1' "$TMP/metrics.txt" || fail "synx_info is not initiator"
    stop_synx
    kill -TERM "$PEER_PID"
    wait "$PEER_PID" || fail "the responder exited non-zero"
    PEER_PID=""
    ;;

  pcap | pcap_bound)
    max=1000
    [[ "$CASE" == pcap_bound ]] && max=30
    set +e
    timeout 60 "$SYNX" -l 0 "${EAL[@]}" \
      "--vdev=net_pcap0,rx_pcap=$TMP/syn.pcap,tx_pcap=/dev/null" -- \
      "${LISTEN[@]}" --duration=1 "--pcap=$TMP/cap.pcapng" "--pcap-max=$max" \
      >"$TMP/synx.out" 2>"$TMP/synx.err"
    rc=$?
    set -e
    [[ "$rc" == 0 ]] || fail "synx exited $rc"
    tshark -r "$TMP/cap.pcapng" -T fields -e frame.packet_flags_direction \
      -e tcp.flags.syn -e tcp.flags.ack -e ip.src -e tcp.srcport \
      >"$TMP/frames.txt" 2>"$TMP/tshark.err" || fail "tshark cannot read the capture: $(cat "$TMP/tshark.err")"
    total="$(wc -l <"$TMP/frames.txt")"
    # Direction: 0x00000001 inbound, 0x00000002 outbound (pcapng EPB flags).
    syn_in="$(awk -F'\t' '$1 ~ /1$/ && $2 == "1" && $3 == "0" && $4 == "198.18.0.2"' "$TMP/frames.txt" | wc -l)"
    synack_out="$(awk -F'\t' '$1 ~ /2$/ && $2 == "1" && $3 == "1" && $4 == "198.18.0.1" && $5 == "80"' "$TMP/frames.txt" | wc -l)"
    echo "capture: $total frames, $syn_in SYN in, $synack_out SYN+ACK out"
    if [[ "$CASE" == pcap ]]; then
      [[ "$total" == 200 && "$syn_in" == 100 && "$synack_out" == 100 ]] ||
        fail "expected 100 SYNs in and 100 SYN+ACKs out, got $total frames: $syn_in SYN, $synack_out SYN+ACK"
      grep -q "synx: pcap: 200 frames" "$TMP/synx.out" || fail "no 'pcap: 200 frames' line"
      grep -q "pcap-max reached" "$TMP/synx.out" && fail "claims the limit was reached"
    else
      [[ "$total" == 30 ]] || fail "--pcap-max=30 wrote $total frames"
      grep -q "synx: pcap: 30 frames .*--pcap-max reached" "$TMP/synx.out" ||
        fail "synx does not say the limit was reached"
    fi
    ;;

  bad_pcap_max)
    set +e
    "$SYNX" "${EAL[@]}" -- --pcap=/tmp/x.pcapng --pcap-max=0 >"$TMP/synx.out" 2>"$TMP/synx.err"
    rc=$?
    set -e
    [[ "$rc" == 2 ]] || fail "expected exit 2, got $rc"
    grep -q -- "--pcap-max=0" "$TMP/synx.err" || fail "the error does not name --pcap-max=0"
    [[ ! -e /tmp/x.pcapng ]] || fail "a bad flag still created the capture file"
    ;;

  bad_pcap_path)
    set +e
    "$SYNX" "${EAL[@]}" -- --pcap=/nonexistent-dir/x.pcapng >"$TMP/synx.out" 2>"$TMP/synx.err"
    rc=$?
    set -e
    [[ "$rc" == 2 ]] || fail "expected exit 2, got $rc"
    [[ "$(wc -l <"$TMP/synx.err")" == 1 ]] || fail "expected one line on stderr"
    grep -q -- "--pcap=/nonexistent-dir/x.pcapng: cannot create a file in /nonexistent-dir/" \
      "$TMP/synx.err" || fail "the error does not name the directory"
    [[ ! -e "$(runtime_dir)" ]] || fail "EAL was started for a bad --pcap"
    ;;

  exporter)
    start_synx -l 0,1 "${EAL[@]}" "--vdev=net_pcap0,rx_pcap=$TMP/syn.pcap,tx_pcap=/dev/null" \
      -- "${LISTEN[@]}" --duration=60
    wait_running
    # Quiesced: all 100 SYNs answered, cookies (no retransmission timer).
    for _ in $(seq 100); do
      tel /synx/stats | grep -q '"synack_tx": 100,' && break
      sleep 0.1
    done
    "$PY" "$EXPORTER" -f "$PREFIX" --port=0 2>"$TMP/exporter.err" &
    EXPORTER_PID=$!
    port=""
    for _ in $(seq 100); do
      port="$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$TMP/exporter.err")"
      [[ -n "$port" ]] && break
      sleep 0.1
    done
    [[ -n "$port" ]] || fail "the exporter did not start"
    fetch() {
      "$PY" -c 'import sys, urllib.request as u; r = u.urlopen(sys.argv[1], timeout=10); assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers["Content-Type"]; sys.stdout.write(r.read().decode())' "http://127.0.0.1:$port/metrics"
    }
    fetch >"$TMP/metrics.txt" || fail "GET /metrics failed"
    tel /synx/stats | "$PY" -c 'import json,sys; json.dump(json.load(sys.stdin)["/synx/stats"], sys.stdout)' >"$TMP/stats.json"
    tel /synx/drops | "$PY" -c 'import json,sys; json.dump(json.load(sys.stdin)["/synx/drops"], sys.stdout)' >"$TMP/drops.json"
    "$PY" "$HERE/check_metrics.py" compare "$TMP/metrics.txt" "$TMP/stats.json" "$TMP/drops.json" ||
      fail "the exporter's numbers differ from /synx/stats"
    for line in 'synx_syn_received_total 100' 'synx_synack_sent_total 100' \
                'synx_received_packets_total 100' 'synx_cookies_sent_total 100' \
                'synx_worker_received_packets_total{lcore="1",queue="0"} 100' \
                'synx_worker_table_capacity{lcore="1",queue="0"} 1024' \
                'synx_cookie_mode{mode="always"} 1' 'synx_info{role="responder"} 1' \
                'synx_drops_total{reason="tcp_bad_checksum"} 0'; do
      grep -qxF "$line" "$TMP/metrics.txt" || fail "/metrics lacks the line: $line"
    done
    stop_synx
    fetch >"$TMP/metrics_down.txt" || fail "GET /metrics failed with synx gone"
    "$PY" "$HERE/check_metrics.py" parse "$TMP/metrics_down.txt" || fail "synx_up 0 text does not parse"
    grep -qx 'synx_up 0' "$TMP/metrics_down.txt" || fail "synx_up is not 0 with synx gone"
    ;;

  log_level)
    run_log() {
      set +e
      timeout 60 "$SYNX" -l 0 "${EAL[@]}" "$@" \
        "--vdev=net_pcap0,rx_pcap=$TMP/syn.pcap,tx_pcap=/dev/null" -- \
        "${LISTEN[@]}" --duration=1 --json=- >"$TMP/synx.out" 2>"$TMP/synx.err"
      rc=$?
      set -e
      [[ "$rc" == 0 ]] || fail "synx exited $rc"
      "$PY" -m json.tool "$TMP/synx.out" >/dev/null || fail "--json=- is not JSON alone on stdout"
    }
    run_log
    if grep -q '^synx\.[a-z]*: ' "$TMP/synx.err"; then fail "synx.* lines without --log-level"; fi
    run_log '--log-level=synx.*:debug'
    for want in 'synx.port: port 0 (net_pcap0)' 'synx.engine: responder worker 0: queue 0 on lcore 0' \
                'synx.engine: lcore 0 queue 0: rx 100 tx 100'; do
      grep -qF "$want" "$TMP/synx.err" || fail "stderr lacks '$want'"
    done
    run_log '--log-level=synx.engine:info'
    grep -qF 'synx.engine: lcore 0 queue 0: rx 100' "$TMP/synx.err" || fail "synx.engine:info shows no totals"
    if grep -q '^synx\.\(port\|capture\|telemetry\): ' "$TMP/synx.err"; then
      fail "synx.engine:info let other types through"
    fi
    ;;

  *) fail "unknown case $CASE" ;;
esac
echo "PASS [$CASE]"
