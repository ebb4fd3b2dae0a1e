#!/usr/bin/env bash
# check_config_test.sh SYNX CASE — --check-config and --flagfile as an
# operator meets them. Each kind of bad configuration gets its own line and
# exit code 2 (flags and flag files before EAL starts; the port, the queues
# and the memory after it), a good one "config OK: ..." and exit 0 without a
# packet moving; a normal run refuses what --check-config refuses, with the
# same line. EAL --no-huge on net_null / net_pcap; no root, no NIC. One CASE
# per meson test; exit 0 = pass.
set -euo pipefail

SYNX="$(realpath "$1")"
CASE="$2"
source "$(dirname "${BASH_SOURCE[0]}")/lib/cli.sh"

PY=/usr/bin/python3
cli_init synx-ops-cc

EAL=(-l 0 --no-huge -m 512 --no-pci "--file-prefix=$PREFIX")
# 128 MB of EAL memory: the default mempool (about 33 MB with 4 KB pages)
# fits, a few hundred MB of table does not.
SMALL=(-l 0 --no-huge -m 128 --no-pci "--file-prefix=$PREFIX")
RESPONDER=(--local=198.18.0.1 --listen=198.18.0.1:80)

# refused ARGS... — exit 2, one line on stderr, nothing on stdout.
refused() {
  run "$@"
  expect_rc 2
  expect_one_stderr_line
  [[ ! -s "$TMP/out" ]] || fail "a refused configuration printed on stdout"
}
# The line --check-config gave must be the line a normal run gives.
same_line_from_a_run() {
  local checked
  checked="$(cat "$TMP/err")"
  local args=()
  local a
  for a in "$@"; do [[ "$a" == --check-config ]] || args+=("$a"); done
  run "${args[@]}" --duration=1 "--json=$TMP/run.json"
  expect_rc 2
  expect_one_stderr_line
  [[ "$(cat "$TMP/err")" == "$checked" ]] ||
    fail "a run said '$(cat "$TMP/err")', --check-config said '$checked'"
  [[ ! -e "$TMP/run.json" ]] || fail "a refused run left a JSON summary"
  ! grep -q 'synx: port' "$TMP/out" || fail "a refused run opened the port"
}

# pcap FILE — a capture holding one ARP request and one SYN for 198.18.0.1.
write_input_pcap() {
  "$PY" - "$1" <<'EOF' || fail "scapy could not write the input"
import sys
from scapy.all import ARP, IP, TCP, Ether, wrpcap
us, peer = "02:70:63:61:70:00", "02:00:00:00:00:02"
wrpcap(sys.argv[1], [
    Ether(dst="ff:ff:ff:ff:ff:ff", src=peer) / ARP(op=1, hwsrc=peer, psrc="198.18.0.2", pdst="198.18.0.1"),
    Ether(dst=us, src=peer) / IP(src="198.18.0.2", dst="198.18.0.1") / TCP(sport=40000, dport=80, flags="S"),
])
EOF
}
# frames_in FILE — frames in a pcap (0 when the file is missing or empty).
frames_in() {
  [[ -s "$1" ]] || { echo 0; return; }
  "$PY" -c 'import sys; from scapy.all import rdpcap; print(len(rdpcap(sys.argv[1])))' "$1"
}

case "$CASE" in
  # ---- good configurations ----
  ok_responder)
    # net_pcap feeds an ARP request and a SYN; with --check-config neither
    # is read nor answered: the port is never started.
    write_input_pcap "$TMP/in.pcap"
    run "${EAL[@]}" "--vdev=net_pcap0,rx_pcap=$TMP/in.pcap,tx_pcap=$TMP/out.pcap" -- \
      "${RESPONDER[@]}" --check-config "--json=$TMP/summary.json"
    expect_rc 0
    [[ ! -s "$TMP/err" ]] || fail "a good configuration printed on stderr"
    expect_stdout_has "synx: config OK: responder, 1 local address, 1 listen spec, cookies=auto"
    expect_stdout_has "port 0 (net_pcap0, net_pcap"
    expect_stdout_has "1 worker on the main lcore 0"
    expect_stdout_has "mempool 8191 mbufs = "
    expect_stdout_has "tables 1 x 65536 entries = "
    expect_stdout_has "no hugepages"
    [[ "$(wc -l <"$TMP/out")" == 1 ]] || fail "more than the OK line on stdout"
    ! grep -q 'summary' "$TMP/out" || fail "--check-config printed a run summary"
    [[ ! -e "$TMP/summary.json" ]] || fail "--check-config wrote (or truncated) the JSON file"
    [[ "$(frames_in "$TMP/out.pcap")" == 0 ]] || fail "--check-config sent a frame"
    # The same configuration runs: the ARP and the SYN get their answers.
    run "${EAL[@]}" "--vdev=net_pcap0,rx_pcap=$TMP/in.pcap,tx_pcap=$TMP/out.pcap" -- \
      "${RESPONDER[@]}" --synack-rto-ms=60000 --duration=1 "--json=$TMP/summary.json"
    expect_rc 0
    [[ "$(frames_in "$TMP/out.pcap")" == 2 ]] || fail "the run did not answer both frames"
    ;;
  ok_two_workers)
    run --lcores=0@0,1@0,2@0 --no-huge -m 512 --no-pci "--file-prefix=$PREFIX" \
      --vdev=net_null0 -- "${RESPONDER[@]}" --max-conns=100000 --check-config
    expect_rc 0
    expect_stdout_has "2 workers on lcores 1,2, 2 of "
    expect_stdout_has "tables 2 x 100000 entries = "
    ;;
  ok_initiator)
    # No ARP is sent: the next hop is resolved only by a real run.
    write_input_pcap "$TMP/in.pcap"
    run "${EAL[@]}" "--vdev=net_pcap0,rx_pcap=$TMP/in.pcap,tx_pcap=$TMP/out.pcap" -- \
      --role=initiator --local=198.18.0.2 --target=198.18.0.1:80 --rate=5000 --check-config
    expect_rc 0
    expect_stdout_has "synx: config OK: initiator (connect), 1 target, rate 5000/s"
    [[ "$(frames_in "$TMP/out.pcap")" == 0 ]] || fail "--check-config sent a frame (ARP?)"
    ;;
  ok_json_stdout)
    # --json=- keeps stdout for the JSON: the OK line goes to stderr.
    run "${EAL[@]}" --vdev=net_null0 -- "${RESPONDER[@]}" --json=- --check-config
    expect_rc 0
    [[ ! -s "$TMP/out" ]] || fail "stdout is not left to the JSON"
    expect_stderr_has "synx: config OK: "
    ;;

  # ---- each kind of bad configuration: its own line, exit 2 ----
  bad_address)
    refused "${EAL[@]}" --vdev=net_null0 -- --local=198.18.0.300 --check-config
    expect_stderr_has "--local=198.18.0.300: \"198.18.0.300\" is not an IP address"
    expect_eal_untouched
    ;;
  bad_listen_address)
    refused "${EAL[@]}" --vdev=net_null0 -- --local=198.18.0.1 --listen=198.18.0.2:80 \
      --check-config
    expect_stderr_has "198.18.0.2 is not one of the --local addresses"
    expect_eal_untouched
    ;;
  bad_flag_value)
    refused "${EAL[@]}" --vdev=net_null0 -- --burst=0x --check-config
    expect_stderr_has "--burst=0x: expected an integer"
    expect_eal_untouched
    ;;
  bad_json_dir)
    refused "${EAL[@]}" --vdev=net_null0 -- --json=/nonexistent-dir/summary.json --check-config
    expect_stderr_has "--json=/nonexistent-dir/summary.json: cannot open for writing"
    expect_eal_untouched
    ;;
  bad_pcap_dir)
    refused "${EAL[@]}" --vdev=net_null0 -- --pcap=/nonexistent-dir/x.pcapng --check-config
    expect_stderr_has "--pcap=/nonexistent-dir/x.pcapng: cannot"
    expect_eal_untouched
    ;;
  bad_eal)
    refused "${EAL[@]}" --vdev=net_nosuchdriver0 -- --check-config
    expect_stderr_has "EAL did not start"
    ;;
  port_not_found)
    refused "${EAL[@]}" --vdev=net_null0 -- --port=3 --check-config
    expect_stderr_has "port 3 does not exist: DPDK found 1 port; use --port=0"
    same_line_from_a_run "${EAL[@]}" --vdev=net_null0 -- --port=3 --check-config
    ;;
  no_port)
    refused "${EAL[@]}" -- --check-config
    expect_stderr_has "DPDK found no port"
    ;;
  device_not_found)
    refused "${EAL[@]}" --vdev=net_af_packet0,iface=synxopsnosuch0 -- --check-config
    expect_stderr_has "net_af_packet0"
    expect_stderr_has "likely fix"
    ;;
  more_workers_than_queues)
    # net_pcap has one queue pair; three lcores are two workers.
    write_input_pcap "$TMP/in.pcap"
    refused --lcores=0@0,1@0,2@0 --no-huge -m 512 --no-pci "--file-prefix=$PREFIX" \
      "--vdev=net_pcap0,rx_pcap=$TMP/in.pcap,tx_pcap=$TMP/out.pcap" -- --check-config
    expect_stderr_has "2 queue pairs asked (one worker per EAL worker lcore, one queue pair each), the device has 1 RX and 1 TX queues"
    same_line_from_a_run --lcores=0@0,1@0,2@0 --no-huge -m 512 --no-pci \
      "--file-prefix=$PREFIX" "--vdev=net_pcap0,rx_pcap=$TMP/in.pcap,tx_pcap=$TMP/out.pcap" \
      -- --check-config
    [[ "$(frames_in "$TMP/out.pcap")" == 0 ]] || fail "a refused run sent a frame"
    ;;
  table_bigger_than_memory)
    refused "${SMALL[@]}" --vdev=net_null0 -- --max-conns=2000000 --check-config
    expect_stderr_has "--max-conns=2000000: the connection tables need "
    expect_stderr_has "of EAL's 128.0 MiB (-m)"
    expect_stderr_has "likely fix: lower --max-conns"
    same_line_from_a_run "${SMALL[@]}" --vdev=net_null0 -- --max-conns=2000000 --check-config
    ;;
  tables_of_all_workers)
    # One worker's table fits, three do not: the check counts every worker.
    run --lcores=0@0,1@0 "${SMALL[@]:1}" --vdev=net_null0 -- --max-conns=500000 --check-config
    expect_rc 0
    refused --lcores=0@0,1@0,2@0,3@0 "${SMALL[@]:1}" --vdev=net_null0 -- --max-conns=500000 \
      --check-config
    expect_stderr_has "(3 workers x "
    ;;
  mempool_bigger_than_memory)
    refused "${SMALL[@]}" --vdev=net_null0 -- --mbufs=100000 --check-config
    expect_stderr_has "--mbufs=100000: the packet mempool needs "
    expect_stderr_has "likely fix: lower --mbufs"
    same_line_from_a_run "${SMALL[@]}" --vdev=net_null0 -- --mbufs=100000 --check-config
    ;;
  initiator_concurrency_below_workers)
    refused --lcores=0@0,1@0,2@0 --no-huge -m 512 --no-pci "--file-prefix=$PREFIX" \
      --vdev=net_null0 -- --role=initiator --local=198.18.0.2 --target=198.18.0.1:80 \
      --concurrency=1 --check-config
    expect_stderr_has "--concurrency=1 is less than the 2 workers"
    ;;

  # ---- flag files ----
  flagfile_ok)
    # Comments, blank lines, CRLF, a nested file named relative to its parent.
    mkdir "$TMP/etc"
    printf '# synx appliance\n\n  --local=198.18.0.1  \r\n--flagfile=listen.flags\n--cookies=never\n' \
      >"$TMP/etc/main.flags"
    printf -- '--listen=198.18.0.1:80,198.18.0.1:443\n' >"$TMP/etc/listen.flags"
    pushd / >/dev/null
    run "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/etc/main.flags" --check-config
    popd >/dev/null
    expect_rc 0
    expect_stdout_has "responder, 1 local address, 2 listen specs, cookies=never"
    ;;
  flagfile_command_line_wins)
    printf -- '--local=198.18.0.1\n--cookies=never\n--max-conns=1000\n' >"$TMP/a.flags"
    printf -- '--cookies=always\n' >"$TMP/b.flags"
    # Given before the file, the command line still wins.
    run "${EAL[@]}" --vdev=net_null0 -- --cookies=auto "--flagfile=$TMP/a.flags" --check-config
    expect_rc 0
    expect_stdout_has "cookies=auto"
    expect_stdout_has "tables 1 x 1000 entries"
    # Between files, the later one wins; --flagfile FILE works too.
    run "${EAL[@]}" --vdev=net_null0 -- --flagfile "$TMP/a.flags" "--flagfile=$TMP/b.flags" \
      --check-config
    expect_rc 0
    expect_stdout_has "cookies=always"
    # A bad value on the command line is the command line's, not the file's.
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/a.flags" --max-conns=0
    expect_stderr_has "synx: --max-conns=0: expected 1.."
    ;;
  flagfile_bad_line)
    printf -- '# appliance\n--local=198.18.0.1\nlisten 198.18.0.1:80\n' >"$TMP/bad.flags"
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/bad.flags" --check-config
    expect_stderr_has "synx: $TMP/bad.flags:3: 'listen 198.18.0.1:80' is not a flag"
    expect_eal_untouched
    ;;
  flagfile_two_flags_on_a_line)
    printf -- '--local=198.18.0.1 --listen=198.18.0.1:80\n' >"$TMP/bad.flags"
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/bad.flags"
    expect_stderr_has "$TMP/bad.flags:1: "
    expect_stderr_has "one flag per line"
    ;;
  flagfile_bad_value)
    printf -- '--local=198.18.0.1\n\n--burst=0x\n' >"$TMP/bad.flags"
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/bad.flags" --check-config
    expect_stderr_has "synx: $TMP/bad.flags:3: --burst=0x: expected an integer"
    ;;
  flagfile_unknown_flag)
    printf -- '--bogus=1\n' >"$TMP/bad.flags"
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/bad.flags"
    expect_stderr_has "synx: $TMP/bad.flags:1: unknown flag '--bogus=1'"
    ;;
  flagfile_bad_config)
    # Found by validation, after parsing: still the file and line.
    printf -- '--local=198.18.0.1\n--listen=198.18.0.2:80\n' >"$TMP/bad.flags"
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/bad.flags" --check-config
    expect_stderr_has "synx: $TMP/bad.flags:2: --listen=198.18.0.2:80: 198.18.0.2 is not one of"
    # The same flag overridden on the command line is the command line's.
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/bad.flags" --listen=198.18.0.3:80
    expect_stderr_has "synx: --listen=198.18.0.3:80: "
    ;;
  flagfile_missing)
    refused "${EAL[@]}" --vdev=net_null0 -- --flagfile=/nonexistent-dir/synx.flags
    expect_stderr_has "synx: --flagfile=/nonexistent-dir/synx.flags: cannot open: No such file"
    ;;
  flagfile_nested_missing)
    printf -- '--local=198.18.0.1\n--flagfile=other.flags\n' >"$TMP/main.flags"
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/main.flags"
    expect_stderr_has "synx: $TMP/main.flags:2: --flagfile=$TMP/other.flags: cannot open"
    ;;
  flagfile_cycle)
    printf -- '--flagfile=b.flags\n' >"$TMP/a.flags"
    printf -- '--local=198.18.0.1\n--flagfile=a.flags\n' >"$TMP/b.flags"
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/a.flags"
    expect_stderr_has "$TMP/b.flags:2: --flagfile=$TMP/a.flags: names itself"
    ;;
  flagfile_role_flag)
    # A responder file run as an initiator: the file's line is named.
    printf -- '--local=198.18.0.1\n--cookies=always\n' >"$TMP/r.flags"
    refused "${EAL[@]}" --vdev=net_null0 -- "--flagfile=$TMP/r.flags" --role=initiator \
      --target=198.18.0.2:80
    expect_stderr_has "--cookies is a flag of --role=responder"
    ;;

  list_counters)
    run --list-counters
    expect_rc 0
    grep -qP '^counter\trx_packets\tframes received$' "$TMP/out" || fail "no rx_packets row"
    grep -qP '^drop\ttcp_table_full\t' "$TMP/out" || fail "no tcp_table_full row"
    ! grep -qP '^drop\tnone\t' "$TMP/out" || fail "'none' is listed as a drop"
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$CASE]"
