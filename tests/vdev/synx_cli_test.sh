#!/usr/bin/env bash
# synx_cli_test.sh SYNX CASE — the synx binary as a user meets it: --help,
# bad flags, runs on virtual ports (EAL --no-huge, no NIC, no root), and the
# failures a user hits first. One CASE per meson test; exit 0 = pass.
set -euo pipefail

SYNX="$1"
CASE="$2"
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

PY=/usr/bin/python3
PREFIX="synx-cli-$$"
TMP="$(mktemp -d)"
cleanup() {
  remove_hugepage_files "$PREFIX"
  rm -rf "$TMP"
}
trap cleanup EXIT

EAL=(--no-huge -m 512 --no-pci "--file-prefix=$PREFIX")

fail() {
  echo "FAIL [$CASE]: $*" >&2
  for f in "$TMP"/out "$TMP"/err; do
    [[ -f "$f" ]] && { echo "--- $(basename "$f"):" >&2; cat "$f" >&2; }
  done
  exit 1
}

# run ARGS... — runs synx, leaves stdout/stderr in $TMP/out, $TMP/err and the
# exit code in $RC.
run() {
  set +e
  timeout 60 "$SYNX" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  set -e
  echo "ran: synx $* -> exit $RC"
}

expect_rc() {
  [[ "$RC" == "$1" ]] || fail "expected exit $1, got $RC"
}

expect_one_stderr_line() {
  local lines
  lines="$(wc -l <"$TMP/err")"
  [[ "$lines" == 1 ]] || fail "expected exactly one line on stderr, got $lines"
  grep -q '^synx: ' "$TMP/err" || fail "the stderr line does not start with 'synx: '"
}

expect_stderr_has() {
  grep -qF -- "$1" "$TMP/err" || fail "stderr lacks '$1'"
}

# EAL leaves its runtime directory behind once started; a flag error must
# never get that far.
expect_eal_untouched() {
  [[ ! -e "/var/run/dpdk/$PREFIX" && ! -e "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$PREFIX" &&
     ! -e "/tmp/dpdk/$PREFIX" ]] ||
    fail "EAL was started (runtime directory for $PREFIX exists)"
}

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
    run "${EAL[@]}" --vdev=net_ring0 -- --role=initiator --duration=2 --stats-interval=1 --json=- --burst=64
    expect_rc 0
    check_json "$TMP/out" \
      'j["role"] == "initiator"' \
      'j["rx_packets"] == 0' \
      'j["port"]["driver"] == "net_ring"' \
      'j["mempool_in_use_at_exit"] == 0'
    live="$(grep -c 'rx_pps=' "$TMP/err" || true)"
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

  missing_vdev)
    run "${EAL[@]}" --vdev=net_af_packet0,iface=synxnosuchif0 -- --duration=1
    expect_rc 1
    expect_one_stderr_line
    expect_stderr_has "net_af_packet0"
    expect_stderr_has "likely fix"
    ;;
  bad_port_id)
    run "${EAL[@]}" --vdev=net_null0 -- --port=5 --duration=1 "--json=$TMP/summary.json"
    expect_rc 1
    expect_one_stderr_line
    expect_stderr_has "port 5 does not exist"
    [[ ! -e "$TMP/summary.json" ]] || fail "a failed run left a JSON file behind"
    ;;
  no_port)
    run "${EAL[@]}" -- --duration=1
    expect_rc 1
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
