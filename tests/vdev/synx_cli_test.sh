#!/usr/bin/env bash
# synx_cli_test.sh SYNX CASE — the synx binary as a user meets it: --help,
# bad flags, runs on virtual ports (EAL --no-huge, no NIC, no root), and the
# failures a user hits first. One CASE per meson test; exit 0 = pass.
set -euo pipefail

SYNX="$1"
CASE="$2"
source "$(dirname "${BASH_SOURCE[0]}")/lib/cli.sh"

PY=/usr/bin/python3
cli_init synx-cli

EAL=(--no-huge -m 512 --no-pci "--file-prefix=$PREFIX")

# check_json FILE PYTHON-EXPR... — each expression over `j` must be true.
check_json() {
  local file="$1"
  shift
  "$PY" -m json.tool "$file" >/dev/null || fail "$file is not valid JSON"
  "$PY" - "$file" "$@" <<'EOF' || fail "JSON check failed"
import json, sys
j = json.load(open(sys.argv[1]))
for key in ("role", "duration_s", "rx_packets", "tx_packets", "port", "mempool_in_use_at_exit"):
    assert key in j, f"missing key {key}"
for key in ("driver", "mac", "rx_queues", "tx_queues", "link"):
    assert key in j["port"], f"missing key port.{key}"
for expr in sys.argv[2:]:
    if not eval(expr):
        sys.exit(f"false: {expr}   (json: {json.dumps(j)})")
EOF
}

bad_flag() {
  run "${EAL[@]}" -- "$@"
  expect_rc 2
  expect_one_stderr_line
  [[ ! -s "$TMP/out" ]] || fail "a flag error printed on stdout"
  expect_eal_untouched
}

case "$CASE" in
  help)
    run --help
    expect_rc 0
    for flag in --role --port --duration --stats-interval --json --mbufs --burst; do
      grep -qF -- "$flag" "$TMP/out" || fail "--help does not list $flag"
    done
    grep -qF -- "--vdev" "$TMP/out" || fail "--help gives no EAL hint"
    # Anywhere after --, even after other flags, and before EAL starts.
    run "${EAL[@]}" -- --duration=5 --help
    expect_rc 0
    grep -qF -- "--role" "$TMP/out" || fail "--help after -- does not list --role"
    expect_eal_untouched
    ;;
  bad_unknown_flag) bad_flag --bogus=1; expect_stderr_has "--bogus" ;;
  bad_burst_zero) bad_flag --burst=0; expect_stderr_has "--burst=0" ;;
  bad_burst_big) bad_flag --burst=513; expect_stderr_has "--burst=513" ;;
  bad_role) bad_flag --role=foo; expect_stderr_has "--role=foo" ;;
  bad_duration) bad_flag --duration=-1; expect_stderr_has "--duration=-1" ;;
  bad_port_text) bad_flag --port=x; expect_stderr_has "--port=x" ;;
  bad_port_range) bad_flag --port=65536; expect_stderr_has "--port=65536" ;;
  bad_mbufs) bad_flag --mbufs=100; expect_stderr_has "--mbufs=100" ;;
  bad_missing_value) bad_flag --json; expect_stderr_has "--json" ;;
  bad_empty_value) bad_flag --json=; expect_stderr_has "--json" ;;
  bad_positional) bad_flag oops; expect_stderr_has "oops" ;;
  bad_json_path) bad_flag --json=/nonexistent-dir/out.json; expect_stderr_has "/nonexistent-dir" ;;

  run_null_json)
    # net_null invents a frame on every receive: the count must move.
    run "${EAL[@]}" --vdev=net_null0 -- --duration=1 "--json=$TMP/summary.json"
    expect_rc 0
    check_json "$TMP/summary.json" \
      'j["role"] == "responder"' \
      '0.9 <= j["duration_s"] <= 5' \
      'j["rx_packets"] > 0' \
      'j["tx_packets"] == 0' \
      'j["port"]["driver"] == "net_null"' \
      'j["port"]["rx_queues"] == 1 and j["port"]["tx_queues"] == 1' \
      'j["mempool_in_use_at_exit"] == 0'
    grep -q 'synx: summary: role=responder' "$TMP/out" || fail "no summary line on stdout"
    ;;

  run_ring_json_stdout)
    # --json=- : stdout is the JSON alone; live lines and the rest go to stderr.
    run "${EAL[@]}" --vdev=net_ring0 -- --duration=2 --stats-interval=1 --json=- --burst=16
    expect_rc 0
    check_json "$TMP/out" \
      'j["role"] == "responder"' \
      'j["rx_packets"] == 0' \
      'j["port"]["driver"] == "net_ring"' \
      'j["mempool_in_use_at_exit"] == 0'
    live="$(grep -c 'pps' "$TMP/err" || true)"
    (( live >= 1 )) || fail "expected live stats lines on stderr, got $live"
    ;;

  sigterm_stops_cleanly)
    set +e
    "$SYNX" "${EAL[@]}" --vdev=net_null0 -- --duration=0 "--json=$TMP/summary.json" \
      >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    # Wait for the port line, then stop it the way an operator would.
    for _ in $(seq 100); do
      grep -q '^synx: port' "$TMP/out" 2>/dev/null && break
      sleep 0.1
    done
    kill -TERM "$pid"
    wait "$pid"
    RC=$?
    set -e
    expect_rc 0
    check_json "$TMP/summary.json" 'j["rx_packets"] > 0' 'j["mempool_in_use_at_exit"] == 0'
    ;;

  # ---- responder flags: each bad value is one line and exit 2, before EAL ----
  bad_local) bad_flag --local=198.18.0.256; expect_stderr_has "--local=198.18.0.256" ;;
  bad_local_multicast) bad_flag --local=224.0.0.1; expect_stderr_has "not a unicast" ;;
  bad_local_duplicate) bad_flag --local=198.18.0.1,198.18.0.1; expect_stderr_has "twice" ;;
  bad_listen_port)
    bad_flag --local=198.18.0.1 --listen=198.18.0.1:0
    expect_stderr_has "--listen=198.18.0.1:0"
    ;;
  bad_listen_range)
    bad_flag --local=198.18.0.1 --listen=198.18.0.1:90-80
    expect_stderr_has "runs backwards"
    ;;
  bad_listen_v6_brackets)
    bad_flag --local=2001:2::1 --listen=2001:2::1:80
    expect_stderr_has "brackets"
    ;;
  bad_listen_not_local)
    bad_flag --local=198.18.0.1 --listen=198.18.0.1:80,198.18.0.2:80
    expect_stderr_has "198.18.0.2 is not one of the --local addresses"
    ;;
  bad_cookies) bad_flag --cookies=sometimes; expect_stderr_has "--cookies=sometimes" ;;
  bad_cookie_rotate) bad_flag --cookie-rotate=0; expect_stderr_has "--cookie-rotate=0" ;;
  bad_cookie_key_file_missing)
    bad_flag --cookie-key-file=/nonexistent-dir/key
    expect_stderr_has "--cookie-key-file=/nonexistent-dir/key: cannot open"
    ;;
  bad_cookie_key_file_content)
    printf '# synx key\nnot-hex\n' >"$TMP/key"
    bad_flag "--cookie-key-file=$TMP/key"
    expect_stderr_has "line 2"
    ;;
  bad_on_established) bad_flag --on-established=maybe; expect_stderr_has "--on-established=maybe" ;;
  bad_closed_port) bad_flag --closed-port=ignore; expect_stderr_has "--closed-port=ignore" ;;
  bad_max_conns_zero) bad_flag --max-conns=0; expect_stderr_has "--max-conns=0" ;;
  bad_max_conns_huge) bad_flag --max-conns=1000000000; expect_stderr_has "--max-conns=1000000000" ;;
  bad_mss) bad_flag --mss=100; expect_stderr_has "--mss=100" ;;
  bad_ttl) bad_flag --ttl=256; expect_stderr_has "--ttl=256" ;;
  bad_wscale) bad_flag --wscale=15; expect_stderr_has "--wscale=15" ;;
  bad_window) bad_flag --window=0; expect_stderr_has "--window=0" ;;
  bad_idle_timeout) bad_flag --idle-timeout=0; expect_stderr_has "--idle-timeout=0" ;;
  bad_synack_retries) bad_flag --synack-retries=256; expect_stderr_has "--synack-retries=256" ;;
  bad_synack_rto) bad_flag --synack-rto-ms=0; expect_stderr_has "--synack-rto-ms=0" ;;
  bad_rst_rate) bad_flag --rst-rate=-1; expect_stderr_has "--rst-rate=-1" ;;
  bad_responder_burst) bad_flag --burst=64; expect_stderr_has "--burst=64" ;;

  run_responder_ring_one_lcore)
    # -l 0: the main lcore runs the worker and the control loop in turns.
    printf '# shared by the appliances behind one ECMP group\n%s\n' \
      "$(printf '0123456789abcdef%.0s' 1 2 3 4)" >"$TMP/key"
    run -l 0 "${EAL[@]}" --vdev=net_ring0 -- --local=198.18.0.1,2001:2::1 \
      --listen=198.18.0.1:80,198.18.0.1:8000-8099,[2001:2::1]:443 --cookies=always \
      --cookie-rotate=20 "--cookie-key-file=$TMP/key" --on-established=close \
      --closed-port=drop --max-conns=4096 --mss=1400 --ttl=63 --window=65535 --wscale=9 \
      --idle-timeout=30 --synack-retries=3 --synack-rto-ms=500 --rst-rate=100 \
      --duration=2 --stats-interval=1 "--json=$TMP/summary.json"
    expect_rc 0
    # The keys issue "Responder" promises, with exactly these names.
    check_json "$TMP/summary.json" \
      'all(k in j for k in ("role", "duration_s", "rx_packets", "tx_packets", "syn_rx", "synack_tx", "cookies_sent", "cookies_valid", "cookies_invalid", "established", "rst_tx", "drops", "mempool_in_use_at_exit"))' \
      'j["role"] == "responder"' \
      'isinstance(j["drops"], dict) and "tcp_table_full" in j["drops"] and "none" not in j["drops"]' \
      'j["workers"] == 1' \
      'j["mempool_in_use_at_exit"] == 0'
    grep -q 'worker on the main lcore' "$TMP/out" || fail "no single-lcore responder line"
    grep -q ' syn .* synack .* cookie .* est .* rst .* drop ' "$TMP/out" || fail "no live line"
    ;;

  run_responder_null_two_lcores)
    # -l 0,1: lcore 1 polls, lcore 0 prints; net_null's frames are not for us.
    run -l 0,1 "${EAL[@]}" --vdev=net_null0 -- --local=198.18.0.1 --listen=198.18.0.1:80 \
      --duration=2 --stats-interval=1 --json=-
    expect_rc 0
    check_json "$TMP/out" \
      'j["workers"] == 1' \
      'j["rx_packets"] > 0' \
      'j["drops"]["l2_not_for_us"] == j["rx_packets"]' \
      'j["drops_total"] == j["rx_packets"]' \
      'j["tx_packets"] == 0' \
      'j["mempool_in_use_at_exit"] == 0'
    grep -q 'worker on lcore 1' "$TMP/err" || fail "the worker is not on lcore 1"
    grep -q 'l2_not_for_us' "$TMP/err" || fail "the live line does not name the top drop"
    ;;

  responder_answers_pcap)
    # A black-box round trip through the binary: scapy writes what a peer
    # sends into a pcap, net_pcap feeds it to synx, synx's replies land in
    # another pcap, and scapy and tshark read them. net_pcap's MAC is fixed
    # (02:70:63:61:70:00, "\x02pcap\x00"). The RTO outlasts the run, so no
    # SYN+ACK is retransmitted whatever the machine's load.
    "$PY" - "$TMP/in.pcap" <<'EOF' || fail "scapy could not write the input"
import sys
from scapy.all import ARP, ICMP, IP, TCP, Ether, IPv6, wrpcap
us, peer = "02:70:63:61:70:00", "02:00:00:00:00:02"
e = Ether(dst=us, src=peer)
opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (3000000000, 0)), ("NOP", None), ("WScale", 7)]
wrpcap(sys.argv[1], [
    Ether(dst="ff:ff:ff:ff:ff:ff", src=peer) / ARP(op=1, hwsrc=peer, psrc="198.18.0.2", pdst="198.18.0.1"),
    e / IP(src="198.18.0.2", dst="198.18.0.1") / ICMP(type=8, id=7, seq=1) / (b"x" * 32),
    e / IP(src="198.18.0.2", dst="198.18.0.1") / TCP(sport=40000, dport=80, seq=1000, flags="S", options=opts),
    e / IPv6(src="2001:2::2", dst="2001:2::1") / TCP(sport=40001, dport=80, seq=2000, flags="S", options=opts),
    e / IP(src="198.18.0.2", dst="198.18.0.1") / TCP(sport=40002, dport=81, seq=3000, flags="S"),
])
EOF
    run -l 0 "${EAL[@]}" "--vdev=net_pcap0,rx_pcap=$TMP/in.pcap,tx_pcap=$TMP/out.pcap" -- \
      --local=198.18.0.1,2001:2::1 --listen=198.18.0.1:80,[2001:2::1]:80 --cookies=never \
      --synack-rto-ms=60000 --duration=1 "--json=$TMP/summary.json"
    expect_rc 0
    check_json "$TMP/summary.json" \
      'j["rx_packets"] == 5' 'j["tx_packets"] == 5' 'j["syn_rx"] == 2' 'j["synack_tx"] == 2' \
      'j["rst_tx"] == 1' 'j["arp_replies_tx"] == 1' 'j["icmp_echo_replies_tx"] == 1' \
      'j["drops_total"] == 0' 'j["connections_at_exit"] == 2' 'j["mempool_in_use_at_exit"] == 0'
    "$PY" - "$TMP/out.pcap" <<'EOF' || fail "the replies are not what a peer must get"
import sys
from scapy.all import ARP, ICMP, IP, TCP, IPv6, rdpcap
out = rdpcap(sys.argv[1])
assert len(out) == 5, f"{len(out)} replies"
for p in out:
    assert p.src == "02:70:63:61:70:00" and p.dst == "02:00:00:00:00:02", p.summary()
arp = [p for p in out if ARP in p]
assert len(arp) == 1 and arp[0][ARP].op == 2 and arp[0][ARP].psrc == "198.18.0.1", arp
echo = [p for p in out if ICMP in p]
assert len(echo) == 1 and echo[0][ICMP].type == 0 and echo[0][ICMP].id == 7, echo
synacks = {p[TCP].dport: p for p in out if TCP in p and p[TCP].flags == "SA"}
assert set(synacks) == {40000, 40001}, synacks
for port, isn in ((40000, 1000), (40001, 2000)):
    t = synacks[port][TCP]
    assert t.ack == isn + 1, (port, t.ack)
    o = dict(t.options)
    assert o["MSS"] == (1460 if port == 40000 else 1440), o
    assert o["WScale"] == 7 and "SAckOK" in o and o["Timestamp"][1] == 3000000000, o
assert IPv6 in synacks[40001] and synacks[40001][IPv6].src == "2001:2::1"
rst = [p for p in out if TCP in p and p[TCP].flags == "RA"]
assert len(rst) == 1 and rst[0][TCP].sport == 81 and rst[0][TCP].ack == 3001 and rst[0][TCP].seq == 0, rst
EOF
    # tshark with checksum validation: nothing bad, nothing malformed.
    bad="$(tshark -r "$TMP/out.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
      -Y 'ip.checksum.status == "Bad" || tcp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || icmpv6.checksum.status == "Bad" || _ws.malformed' \
      2>"$TMP/tshark.err" | wc -l)"
    # (A filter tshark cannot compile is an error line; its root warning is not.)
    ! grep -v 'Running as user' "$TMP/tshark.err" | grep -q . ||
      fail "tshark: $(cat "$TMP/tshark.err")"
    [[ "$bad" == 0 ]] || fail "tshark finds $bad bad or malformed frames"
    good="$(tshark -r "$TMP/out.pcap" -o tcp.check_checksum:TRUE \
      -Y 'tcp.checksum.status == "Good"' 2>/dev/null | wc -l)"
    [[ "$good" == 3 ]] || fail "tshark verified $good TCP checksums, expected 3"
    ;;

  responder_sigterm_one_lcore)
    # SIGTERM stops the single-lcore loop too (the handler only sets a flag).
    set +e
    "$SYNX" -l 0 "${EAL[@]}" --vdev=net_null0 -- --local=198.18.0.1 --duration=0 \
      "--json=$TMP/summary.json" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    for _ in $(seq 100); do
      grep -q '^synx: responder' "$TMP/out" 2>/dev/null && break
      sleep 0.1
    done
    kill -TERM "$pid"
    wait "$pid"
    RC=$?
    set -e
    expect_rc 0
    check_json "$TMP/summary.json" 'j["rx_packets"] > 0' 'j["mempool_in_use_at_exit"] == 0'
    grep -q 'synx: summary: role=responder' "$TMP/out" || fail "no summary line"
    ;;

  run_responder_two_workers)
    # Three lcores (all on CPU 0, so any machine has them): two workers, one
    # queue pair each, spread by symmetric RSS where the device hashes.
    run --lcores=0@0,1@0,2@0 "${EAL[@]}" --vdev=net_null0 -- --local=198.18.0.1 \
      --listen=198.18.0.1:80 --duration=1 "--json=$TMP/summary.json"
    expect_rc 0
    check_json "$TMP/summary.json" \
      'j["workers"] == 2' \
      'j["port"]["rx_queues"] == 2 and j["port"]["tx_queues"] == 2' \
      'j["port"]["rss"] is True' \
      'j["rx_packets"] > 0' \
      'j["mempool_in_use_at_exit"] == 0'
    grep -q '2 workers on lcores 1,2' "$TMP/out" || fail "not two workers on lcores 1,2"
    ;;

  too_few_queues)
    # Two worker lcores on a device with one queue: one line that says why.
    "$PY" -c 'import struct, sys; open(sys.argv[1], "wb").write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))' \
      "$TMP/empty.pcap"
    run --lcores=0@0,1@0,2@0 "${EAL[@]}" "--vdev=net_pcap0,rx_pcap=$TMP/empty.pcap,tx_pcap=$TMP/out.pcap" \
      -- --duration=1
    expect_rc 2  # bad configuration: refused before the port starts
    expect_one_stderr_line
    expect_stderr_has "2 queue pairs asked"
    expect_stderr_has "one worker per EAL worker lcore"
    ;;

  missing_vdev)
    run "${EAL[@]}" --vdev=net_af_packet0,iface=synxnosuchif0 -- --duration=1
    expect_rc 2  # bad configuration: refused before the port starts
    expect_one_stderr_line
    expect_stderr_has "net_af_packet0"
    expect_stderr_has "likely fix"
    ;;
  bad_port_id)
    run "${EAL[@]}" --vdev=net_null0 -- --port=5 --duration=1 "--json=$TMP/summary.json"
    expect_rc 2  # bad configuration: refused before the port starts
    expect_one_stderr_line
    expect_stderr_has "port 5 does not exist"
    [[ ! -e "$TMP/summary.json" ]] || fail "a failed run left a JSON file behind"
    ;;
  no_port)
    run "${EAL[@]}" -- --duration=1
    expect_rc 2  # bad configuration: refused before the port starts
    expect_one_stderr_line
    expect_stderr_has "DPDK found no port"
    ;;
  bad_eal_device)
    run "${EAL[@]}" --vdev=net_nosuchdriver0 -- --duration=1
    expect_rc 1
    expect_one_stderr_line
    expect_stderr_has "EAL did not start"
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$CASE]"
