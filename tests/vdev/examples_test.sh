#!/usr/bin/env bash
# examples_test.sh SYNX EXAMPLES_DIR CASE — the files in docs/examples/ do
# what docs/operations.md says they do.
#
#   flagfiles: the appliance flag file (responder.flags) runs as a net_memif
#     server and the load-test flag file (initiator.flags) as its client, two
#     processes, EAL --no-huge, one worker each. Only what a test machine
#     must change is overridden: the key file and JSON paths (no /etc/synx,
#     /var/lib/synx here) and the initiator's length (--duration=1 instead
#     of 100,000 connections). Each first passes --check-config; then both
#     exit 0 and their JSON summaries agree on every connection.
#   systemd_unit: `systemd-analyze verify` accepts synx-responder.service
#     (its synx path pointed at the built binary); skipped without systemd.
set -euo pipefail

SYNX="$(realpath "$1")"
EXAMPLES="$(realpath "$2")"
CASE="$3"
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

PY=/usr/bin/python3
TMP="$(mktemp -d)"
R_PREFIX="synx-ops-ex-r-$$"
I_PREFIX="synx-ops-ex-i-$$"
R_PID=""
cleanup() {
  if [[ -n "$R_PID" ]] && kill -0 "$R_PID" 2>/dev/null; then
    kill -KILL "$R_PID" 2>/dev/null || true
    wait "$R_PID" 2>/dev/null || true
  fi
  remove_hugepage_files "$R_PREFIX"
  remove_hugepage_files "$I_PREFIX"
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL [examples $CASE]: $*" >&2
  local f
  for f in "$TMP"/*.out "$TMP"/*.err "$TMP"/*.json; do
    [[ -s "$f" ]] && { echo "--- $(basename "$f"):" >&2; tail -n 30 "$f" >&2; }
  done
  exit 1
}

case "$CASE" in
  systemd_unit)
    command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
    sed "s#/usr/local/bin/synx#$SYNX#g" "$EXAMPLES/synx-responder.service" \
      >"$TMP/synx-responder.service"
    # verify checks every key and that each Exec* program exists.
    out="$(systemd-analyze verify "$TMP/synx-responder.service" 2>&1)" ||
      fail "systemd-analyze verify: $out"
    [[ -z "$out" ]] || fail "systemd-analyze verify: $out"
    grep -q -- '--flagfile=/etc/synx/responder.flags --check-config' \
      "$EXAMPLES/synx-responder.service" || fail "the unit does not check its configuration"
    echo "PASS [examples systemd_unit]"
    exit 0
    ;;
  flagfiles) ;;
  *) fail "unknown case" ;;
esac

# The shared cookie key, made as docs/operations.md says.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/cookie.key"
chmod 600 "$TMP/cookie.key"

SOCK="$TMP/memif.sock"
R_EAL=(-l 0 --no-huge -m 512 --no-pci "--file-prefix=$R_PREFIX"
  "--vdev=net_memif0,role=server,socket=$SOCK")
I_EAL=(-l 0 --no-huge -m 512 --no-pci "--file-prefix=$I_PREFIX"
  "--vdev=net_memif0,role=client,socket=$SOCK")
R_FLAGS=("--flagfile=$EXAMPLES/responder.flags" "--cookie-key-file=$TMP/cookie.key"
  "--json=$TMP/responder.json")
I_FLAGS=("--flagfile=$EXAMPLES/initiator.flags" --duration=1 "--json=$TMP/initiator.json")

"$SYNX" "${R_EAL[@]}" -- "${R_FLAGS[@]}" --check-config >"$TMP/r-check.out" 2>"$TMP/r-check.err" ||
  fail "responder.flags fails --check-config"
grep -q '^synx: config OK: responder' "$TMP/r-check.out" || fail "no OK line for responder.flags"
"$SYNX" "${I_EAL[@]}" -- "${I_FLAGS[@]}" --check-config >"$TMP/i-check.out" 2>"$TMP/i-check.err" ||
  fail "initiator.flags fails --check-config"
grep -q '^synx: config OK: initiator' "$TMP/i-check.out" || fail "no OK line for initiator.flags"
cat "$TMP/r-check.out" "$TMP/i-check.out"

"$SYNX" "${R_EAL[@]}" -- "${R_FLAGS[@]}" >"$TMP/responder.out" 2>"$TMP/responder.err" &
R_PID=$!
for _ in $(seq 100); do
  grep -q '^synx: responder' "$TMP/responder.out" 2>/dev/null && break
  kill -0 "$R_PID" 2>/dev/null || fail "the responder exited before it was ready"
  sleep 0.1
done
grep -q '^synx: responder' "$TMP/responder.out" || fail "the responder did not start within 10 s"

set +e
timeout 30 "$SYNX" "${I_EAL[@]}" -- "${I_FLAGS[@]}" >"$TMP/initiator.out" 2>"$TMP/initiator.err"
rc=$?
set -e
(( rc == 0 )) || fail "the initiator exited $rc"
kill -TERM "$R_PID"
wait "$R_PID" || fail "the responder exited non-zero after SIGTERM"
R_PID=""
grep -h '^synx: summary' "$TMP/responder.out" "$TMP/initiator.out"

"$PY" - "$TMP/responder.json" "$TMP/initiator.json" <<'EOF' || fail "the JSON summaries disagree"
import json, sys
r = json.load(open(sys.argv[1]))
i = json.load(open(sys.argv[2]))
def check(ok, what):
    if not ok:
        sys.exit(f"false: {what}\nresponder: {json.dumps(r)}\ninitiator: {json.dumps(i)}")
check(r["role"] == "responder" and i["role"] == "initiator", "roles")
# initiator.flags: 10,000/s for the overridden 1 s.
check(i["established"] >= 1000, "the initiator established at least 1,000 connections")
check(i["established"] == r["established"], "both sides count the same connections")
check(i["refused"] == 0 and i["timeouts"] == 0, "nothing refused or timed out")
check(i["rst_tx"] == i["established"], "--close=rst: one RST per connection")
check(r["syn_rx"] >= r["established"] and r["synack_tx"] >= r["established"], "SYN/SYN+ACK counts")
check(r["mempool_in_use_at_exit"] == 0 and i["mempool_in_use_at_exit"] == 0, "no mbuf kept")
check(0.9 <= i["duration_s"] <= 10, "the initiator ran about a second")
EOF
echo "PASS [examples flagfiles]"
