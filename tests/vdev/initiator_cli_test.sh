#!/usr/bin/env bash
# initiator_cli_test.sh SYNX CASE — the initiator's flags as a user meets
# them: every bad value is exit 2 and one line on stderr naming the flag,
# before EAL starts; a flag of the other role is refused; a next hop that
# never answers ARP is exit 1 and one line. No root, no NIC (EAL --no-huge on
# net_ring). One CASE per meson test; exit 0 = pass.
set -euo pipefail

SYNX="$1"
CASE="$2"
source "$(dirname "${BASH_SOURCE[0]}")/lib/cli.sh"
cli_init synx-icli

EAL=(--no-huge -m 512 --no-pci "--file-prefix=$PREFIX")
# The least an initiator run needs; each case adds or overrides one flag.
BASE=(--role=initiator --local=198.18.0.1 --target=198.18.0.2:80)

# bad ARGS... — exit 2, one line, nothing on stdout, EAL never started.
bad() {
  run "${EAL[@]}" --vdev=net_ring0 -- "$@"
  expect_rc 2
  expect_one_stderr_line
  [[ ! -s "$TMP/out" ]] || fail "a flag error printed on stdout"
  expect_eal_untouched
}

case "$CASE" in
  help)
    run --help
    expect_rc 0
    for flag in --target --src --src-ports --rate --connections --concurrency --mode \
                --gateway --close --syn-retries --syn-rto-ms --syn-options --resolve-timeout \
                --time-wait; do
      grep -qF -- "$flag" "$TMP/out" || fail "--help does not list $flag"
    done
    ;;
  no_target) bad --role=initiator --local=198.18.0.1; expect_stderr_has "--target is needed" ;;
  bad_target) bad "${BASE[@]}" --target=198.18.0.2; expect_stderr_has '--target item "198.18.0.2"' ;;
  bad_target_port) bad "${BASE[@]}" --target=198.18.0.2:0; expect_stderr_has "not in 1..65535" ;;
  bad_target_v6_brackets) bad "${BASE[@]}" --target=2001:2::2:80; expect_stderr_has "brackets" ;;
  bad_target_multicast) bad "${BASE[@]}" --target=224.0.0.1:80; expect_stderr_has "not a unicast" ;;
  bad_target_twice)
    bad "${BASE[@]}" --target=198.18.0.2:80,198.18.0.2:80; expect_stderr_has "listed twice" ;;
  bad_local_family)
    bad "${BASE[@]}" "--target=[2001:2::2]:80"; expect_stderr_has "no IPv6 address" ;;
  bad_src) bad "${BASE[@]}" --src=198.18.0.9-198.18.0.1; expect_stderr_has '--src item' ;;
  bad_src_prefix) bad "${BASE[@]}" --src=198.19.0.0/33; expect_stderr_has "prefix length" ;;
  bad_src_overlap)
    bad "${BASE[@]}" --src=198.19.0.0/24,198.19.0.7; expect_stderr_has "overlaps" ;;
  bad_src_family)
    bad --role=initiator --local=198.18.0.1,2001:2::1 "--target=[2001:2::2]:80" \
      --src=198.18.0.1
    expect_stderr_has "no IPv6 source address" ;;
  bad_src_ports) bad "${BASE[@]}" --src-ports=2000-1000; expect_stderr_has "--src-ports item" ;;
  bad_src_ports_zero) bad "${BASE[@]}" --src-ports=0-10; expect_stderr_has "1..65535" ;;
  bad_rate) bad "${BASE[@]}" --rate=-1; expect_stderr_has "--rate=-1" ;;
  bad_rate_text) bad "${BASE[@]}" --rate=fast; expect_stderr_has "--rate=fast" ;;
  bad_connections) bad "${BASE[@]}" --connections=-1; expect_stderr_has "--connections=-1" ;;
  bad_concurrency) bad "${BASE[@]}" --concurrency=-5; expect_stderr_has "--concurrency=-5" ;;
  bad_mode) bad "${BASE[@]}" --mode=spray; expect_stderr_has "--mode=spray" ;;
  bad_gateway) bad "${BASE[@]}" --gateway=router; expect_stderr_has "--gateway=router" ;;
  bad_gateway_two)
    bad "${BASE[@]}" --gateway=198.18.0.9,198.18.0.10; expect_stderr_has "one per family" ;;
  bad_gateway_family) bad "${BASE[@]}" --gateway=2001:2::9; expect_stderr_has "no IPv6" ;;
  bad_close) bad "${BASE[@]}" --close=maybe; expect_stderr_has "--close=maybe" ;;
  bad_syn_retries) bad "${BASE[@]}" --syn-retries=256; expect_stderr_has "--syn-retries=256" ;;
  bad_syn_rto) bad "${BASE[@]}" --syn-rto-ms=0; expect_stderr_has "--syn-rto-ms=0" ;;
  bad_syn_options) bad "${BASE[@]}" --syn-options=mss,foo; expect_stderr_has '"foo"' ;;
  bad_syn_options_twice) bad "${BASE[@]}" --syn-options=ts,ts; expect_stderr_has "twice" ;;
  bad_resolve_timeout)
    bad "${BASE[@]}" --resolve-timeout=0; expect_stderr_has "--resolve-timeout=0" ;;
  bad_time_wait) bad "${BASE[@]}" --time-wait=0; expect_stderr_has "--time-wait=0" ;;
  bad_max_conns) bad "${BASE[@]}" --max-conns=0; expect_stderr_has "--max-conns=0" ;;
  bad_burst) bad "${BASE[@]}" --burst=64; expect_stderr_has "--burst=64" ;;
  initiator_flag_to_responder)
    bad --rate=5; expect_stderr_has "--rate is a flag of --role=initiator" ;;
  responder_flag_to_initiator)
    bad "${BASE[@]}" --cookies=never; expect_stderr_has "--cookies is a flag of --role=responder" ;;

  no_next_hop)
    # net_ring hands our ARP request back to us and nobody else answers.
    run "${EAL[@]}" --vdev=net_ring0 -- "${BASE[@]}" --resolve-timeout=1 "--json=$TMP/s.json"
    expect_rc 1
    expect_one_stderr_line
    expect_stderr_has "next hop 198.18.0.2 did not answer ARP requests within 1 s"
    expect_stderr_has "--gateway"
    [[ ! -e "$TMP/s.json" ]] || fail "a failed run left a JSON file behind"
    ;;
  no_next_hop_v6)
    run "${EAL[@]}" --vdev=net_ring0 -- --role=initiator --local=2001:2::1 \
      "--target=[2001:2::2]:80" --resolve-timeout=1
    expect_rc 1
    expect_one_stderr_line
    expect_stderr_has "next hop 2001:2::2 did not answer neighbour solicitations"
    ;;
  no_next_hop_gateway)
    run "${EAL[@]}" --vdev=net_ring0 -- "${BASE[@]}" --target=198.19.5.5:80 \
      --gateway=198.18.0.254 --resolve-timeout=1
    expect_rc 1
    expect_one_stderr_line
    expect_stderr_has "next hop 198.18.0.254 did not answer"
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$CASE]"
