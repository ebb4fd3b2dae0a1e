# tests/integration/lib/netns.sh — what every integration test of the
# responder shares: a throw-away namespace peer on a veth pair, synx on the
# host end through net_af_packet, the Linux client, a capture of what synx
# sent, JSON assertions, and a cleanup that runs even when a test fails or is
# killed by meson's timeout. Sourced, never run.
#
# Usage in a test:
#   source "$ROOT/tests/integration/lib/netns.sh"
#   it_init NAME "$SYNX"        # exit 77 unless root; traps; $TMP, $PREFIX
#   it_peer_up T                # namespace synx-it-NAME-PID, veth sxTPIDh/sxTPIDn
#   synx_start --local=... --listen=...   # EAL options are added here
#   synx_wait_reachable         # ARP and ND answered: ping and ping -6 get replies
#   client_run OUT --host ... --port ...  # tcp_client.py in the namespace
#   synx_stop                   # SIGINT, exit 0, JSON read back
#   json_expect "$SYNX_JSON" "synx" established=2000 rst_tx=0   # exact, one line
#   expect_ge "what" "$(json_get "$SYNX_JSON" syn_rx)" 2000
#   capture_start / capture_stop / capture_check N / capture_matches_counters
#
# Addresses are only those of scripts/lib/netns.sh: synx 198.18.0.1 and
# 2001:2::1, the client 198.18.0.2 and 2001:2::2 in the namespace, no default
# route (tests that spoof a source pick it from 198.18.0.0/15 too). It never
# touches anything it did not create. SYNX_KEEP_TMP=1 keeps a failed test's
# scratch directory (synx output, JSON, client JSON, capture).

IT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
source "$IT_ROOT/scripts/lib/common.sh"
source "$IT_ROOT/scripts/lib/netns.sh"

IT_PY=/usr/bin/python3
IT_CLIENT="$IT_ROOT/tests/integration/tcp_client.py"
IT_CHECK_CAPTURE="$IT_ROOT/tests/integration/check_capture.py"

IT_NAME=""
SYNX=""
PREFIX=""
TMP=""
SYNX_PID=""
SYNX_MAC=""
SYNX_JSON=""
SYNX_OUT=""
SYNX_ERR=""
SYNX_RUNS=0
CAPTURE_PID=""
CAPTURE_FILE=""
IT_T0=0

# it_init NAME SYNX — refuse to run without root (exit 77: meson SKIP), set
# the globals, install the cleanup traps.
it_init() {
  IT_NAME="$1"
  SYNX="$2"
  if ! is_root; then
    echo "SKIP: $IT_NAME needs root (network namespaces, veth, AF_PACKET); run scripts/test as root" >&2
    exit 77
  fi
  if [[ ! -x "$SYNX" ]]; then
    echo "FAIL: synx binary '$SYNX' not found or not executable" >&2
    exit 1
  fi
  PREFIX="synx-it-$$"
  TMP="$(mktemp -d "/tmp/synx-it-${IT_NAME}.XXXXXX")"
  IT_T0=$SECONDS
  trap it_cleanup EXIT
  trap 'echo "$IT_NAME: interrupted" >&2; exit 1' INT TERM
}

# it_cleanup — kill what we started, remove the namespace, veth, EAL files
# and the scratch directory. Safe to run twice.
it_cleanup() {
  local rc=$?
  trap - EXIT
  if [[ -n "$CAPTURE_PID" ]] && kill -0 "$CAPTURE_PID" 2>/dev/null; then
    kill -TERM "$CAPTURE_PID" 2>/dev/null || true
    wait "$CAPTURE_PID" 2>/dev/null || true
  fi
  CAPTURE_PID=""
  if [[ -n "$SYNX_PID" ]] && kill -0 "$SYNX_PID" 2>/dev/null; then
    kill -KILL "$SYNX_PID" 2>/dev/null || true
    wait "$SYNX_PID" 2>/dev/null || true
  fi
  SYNX_PID=""
  peer_down
  remove_hugepage_files "$PREFIX"
  if [[ -n "$TMP" && -d "$TMP" ]]; then
    if (( rc != 0 )) && [[ -n "${SYNX_KEEP_TMP:-}" ]]; then
      echo "$IT_NAME: kept $TMP (SYNX_KEEP_TMP set)" >&2
    else
      rm -rf "$TMP"
    fi
  fi
  exit "$rc"
}

# it_log MESSAGE... — a progress line with the seconds since it_init.
it_log() {
  printf '[%3ds] %s: %s\n' "$((SECONDS - IT_T0))" "$IT_NAME" "$*"
}

# fail MESSAGE... — say what went wrong, show everything that helps to see
# why (synx's output and JSON, every client JSON), exit 1.
fail() {
  echo "FAIL: $IT_NAME: $*" >&2
  local f
  for f in "$SYNX_ERR" "$SYNX_OUT"; do
    if [[ -n "$f" && -s "$f" ]]; then
      echo "--- $(basename "$f") (last 40 lines):" >&2
      tail -n 40 "$f" >&2
    fi
  done
  if [[ -n "$SYNX_JSON" && -s "$SYNX_JSON" ]]; then
    echo "--- synx JSON summary:" >&2
    cat "$SYNX_JSON" >&2
  fi
  if [[ -n "$TMP" ]]; then
    for f in "$TMP"/client-*.json "$TMP"/tool-*.txt; do
      [[ -s "$f" ]] || continue
      echo "--- $(basename "$f"):" >&2
      cat "$f" >&2
    done
  fi
  exit 1
}

# it_peer_up TAG — the namespace synx-it-NAME-PID with veth sxTAG<PID>h
# (host, synx's port) / sxTAG<PID>n (namespace). TAG is one or two letters
# telling the tests apart in `ip link`. Also widens the namespace's
# ephemeral port range so thousands of connect()s in one run never reuse a
# 4-tuple that synx still holds.
it_peer_up() {
  local tag="$1"
  peer_up "synx-it-${IT_NAME}-$$" "sx${tag}$$" || fail "could not create the namespace peer"
  in_peer sysctl -qw net.ipv4.ip_local_port_range="1024 65535" >/dev/null
  it_log "namespace $PEER_NS: $PEER_NS_IF $PEER_V4 $PEER_V6 <-> host $PEER_HOST_IF (no address, IPv6 off)"
}

# peer_sysctl NAME=VALUE... — set per-namespace sysctls in the client
# namespace (net.ipv4.tcp_* are per network namespace and also govern TCP
# over IPv6).
peer_sysctl() {
  in_peer sysctl -qw "$@" >/dev/null || fail "sysctl -w $* in $PEER_NS"
}

# synx_start SYNX_FLAG... — run synx on net_af_packet over the host-side
# veth, in the background, with its JSON summary to $SYNX_JSON, and wait for
# its "synx: port" line (fail after 20 s). Sets SYNX_PID and SYNX_MAC.
synx_start() {
  SYNX_RUNS=$((SYNX_RUNS + 1))
  SYNX_OUT="$TMP/synx-$SYNX_RUNS.out"
  SYNX_ERR="$TMP/synx-$SYNX_RUNS.err"
  SYNX_JSON="$TMP/synx-$SYNX_RUNS.json"
  local eal=(--no-huge -m 512 --no-pci "--file-prefix=$PREFIX" -l 0
             "--vdev=net_af_packet0,iface=$PEER_HOST_IF")
  it_log "synx ${eal[*]} -- $* --json=$SYNX_JSON"
  "$SYNX" "${eal[@]}" -- "$@" "--json=$SYNX_JSON" >"$SYNX_OUT" 2>"$SYNX_ERR" &
  SYNX_PID=$!
  local i line=""
  for i in $(seq 200); do
    line="$(grep -h -m1 '^synx: port' "$SYNX_OUT" "$SYNX_ERR" 2>/dev/null || true)"
    [[ -n "$line" ]] && break
    if ! kill -0 "$SYNX_PID" 2>/dev/null; then
      wait "$SYNX_PID" 2>/dev/null
      local rc=$?
      SYNX_PID=""
      fail "synx exited with code $rc before its port came up"
    fi
    sleep 0.1
  done
  [[ -n "$line" ]] || fail "synx's port did not come up within 20 s"
  SYNX_MAC="$(sed -n 's/.* mac \([0-9a-fA-F:]\{17\}\).*/\1/p' <<<"$line" | tr 'A-F' 'a-f')"
  [[ -n "$SYNX_MAC" ]] || SYNX_MAC="$(cat "/sys/class/net/$PEER_HOST_IF/address")"
  it_log "$line"
}

# synx_wait_reachable — wait (≤ 10 s) until synx answers ARP and ND, seen as
# one answered ping to each of its addresses.
synx_wait_reachable() {
  local i ok4=0 ok6=0
  for i in $(seq 20); do
    (( ok4 )) || { in_peer ping -q -c 1 -W 0.5 "$SYNX_V4" >/dev/null 2>&1 && ok4=1; }
    (( ok6 )) || { in_peer ping -6 -q -c 1 -W 0.5 "$SYNX_V6" >/dev/null 2>&1 && ok6=1; }
    (( ok4 && ok6 )) && return 0
    kill -0 "$SYNX_PID" 2>/dev/null || fail "synx exited while waiting for it to answer ping"
  done
  fail "synx did not answer ping ($SYNX_V4: $ok4) and ping -6 ($SYNX_V6: $ok6) within 10 s"
}

# synx_alive WHEN — fail at once, saying so, if synx is no longer running:
# nothing after that could pass, and waiting for clients to time out only
# hides the cause.
synx_alive() {
  [[ -n "$SYNX_PID" ]] || return 0
  kill -0 "$SYNX_PID" 2>/dev/null && return 0
  local rc=0
  wait "$SYNX_PID" 2>/dev/null || rc=$?
  SYNX_PID=""
  fail "synx is no longer running ($1): it exited with code $rc"
}

# synx_stop — SIGINT, wait (≤ 15 s), require exit 0 and a JSON summary.
synx_stop() {
  [[ -n "$SYNX_PID" ]] || fail "synx_stop: synx is not running"
  kill -INT "$SYNX_PID" 2>/dev/null || true
  local i
  for i in $(seq 150); do
    kill -0 "$SYNX_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SYNX_PID" 2>/dev/null; then
    kill -KILL "$SYNX_PID" 2>/dev/null || true
    wait "$SYNX_PID" 2>/dev/null || true
    SYNX_PID=""
    fail "synx did not stop within 15 s of SIGINT"
  fi
  local rc=0
  wait "$SYNX_PID" || rc=$?
  SYNX_PID=""
  (( rc == 0 )) || fail "synx exited $rc after SIGINT (expected 0)"
  [[ -s "$SYNX_JSON" ]] || fail "synx wrote no JSON summary to $SYNX_JSON"
  "$IT_PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$SYNX_JSON" 2>/dev/null ||
    fail "synx's JSON summary does not parse"
  it_log "synx stopped; summary: $(tr -d '\n' <"$SYNX_JSON" | tr -s ' ')"
}

# json_get FILE KEY[.KEY...] — print one value of a JSON file (objects and
# lists as compact JSON); fails the test if the key is missing.
json_get() {
  "$IT_PY" - "$1" "$2" <<'EOF' || fail "no key '$2' in $(basename "$1")"
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
if isinstance(v, bool):
    print("true" if v else "false")
elif isinstance(v, (dict, list)):
    print(json.dumps(v, sort_keys=True, separators=(",", ":")))
else:
    print(v)
EOF
}

# expect_eq WHAT ACTUAL EXPECTED / expect_ge WHAT ACTUAL MIN — one checked
# number, printed either way.
expect_eq() {
  if [[ "$2" == "$3" ]]; then
    it_log "ok: $1 = $2"
  else
    fail "$1 = $2, expected $3"
  fi
}
expect_ge() {
  if [[ "$2" =~ ^-?[0-9]+$ ]] && (( $2 >= $3 )); then
    it_log "ok: $1 = $2 (>= $3)"
  else
    fail "$1 = $2, expected at least $3"
  fi
}

# json_expect FILE WHAT KEY=VALUE... — every KEY of FILE equals VALUE
# (objects compared as compact JSON with sorted keys, as json_get prints
# them); one "ok" line, or a failure naming every mismatch.
json_expect() {
  local file="$1" what="$2" res
  shift 2
  res="$("$IT_PY" - "$file" "$@" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
bad, good = [], []
for pair in sys.argv[2:]:
    key, want = pair.split("=", 1)
    v = j
    try:
        for k in key.split("."):
            v = v[k]
    except (KeyError, TypeError):
        bad.append(f"{key} missing (expected {want})")
        continue
    if isinstance(v, bool):
        got = "true" if v else "false"
    elif isinstance(v, (dict, list)):
        got = json.dumps(v, sort_keys=True, separators=(",", ":"))
    else:
        got = str(v)
    if got == want:
        good.append(f"{key}={got}")
    else:
        bad.append(f"{key} = {got}, expected {want}")
print(("BAD " + "; ".join(bad)) if bad else ("OK " + " ".join(good)))
EOF
)" || fail "$what: cannot read $(basename "$file")"
  if [[ "$res" == OK* ]]; then
    it_log "ok: $what: ${res#OK }"
  else
    fail "$what: ${res#BAD }"
  fi
}

# json_nonzero FILE KEY — the non-zero members of an object of counters.
json_nonzero() {
  "$IT_PY" - "$1" "$2" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(json.dumps({k: n for k, n in sorted(v.items()) if n}, separators=(",", ":")))
EOF
}

# client_run NAME TCP_CLIENT_ARGS... — run tcp_client.py in the namespace;
# its JSON goes to $TMP/client-NAME.json, whose path is left in CLIENT_JSON.
CLIENT_JSON=""
client_run() {
  local name="$1"
  shift
  CLIENT_JSON="$TMP/client-$name.json"
  synx_alive "before client $name"
  in_peer "$IT_PY" "$IT_CLIENT" "$@" >"$CLIENT_JSON" 2>"$TMP/client-$name.err" ||
    fail "client $name failed: $(cat "$TMP/client-$name.err")"
  it_log "client $name: $(cat "$CLIENT_JSON")"
  synx_alive "after client $name"
}

# capture_start — capture, in the namespace, every frame whose source MAC is
# synx's port (so: everything synx sent) into $CAPTURE_FILE.
capture_start() {
  CAPTURE_FILE="$TMP/synx-tx.pcapng"
  ip netns exec "$PEER_NS" dumpcap -q -i "$PEER_NS_IF" -f "ether src $SYNX_MAC" \
    -w "$CAPTURE_FILE" >"$TMP/dumpcap.out" 2>"$TMP/dumpcap.err" &
  CAPTURE_PID=$!
  local i
  for i in $(seq 100); do
    grep -q "Capturing on" "$TMP/dumpcap.err" 2>/dev/null && [[ -s "$CAPTURE_FILE" ]] && {
      it_log "capturing frames from $SYNX_MAC on $PEER_NS_IF"
      return 0
    }
    kill -0 "$CAPTURE_PID" 2>/dev/null || fail "dumpcap exited: $(cat "$TMP/dumpcap.err")"
    sleep 0.1
  done
  fail "dumpcap did not start within 10 s: $(cat "$TMP/dumpcap.err")"
}

# capture_stop — let the last frames land, stop dumpcap (it flushes on TERM).
capture_stop() {
  [[ -n "$CAPTURE_PID" ]] || return 0
  sleep 0.5
  kill -TERM "$CAPTURE_PID" 2>/dev/null || true
  wait "$CAPTURE_PID" 2>/dev/null || true
  CAPTURE_PID=""
  grep -i "drop" "$TMP/dumpcap.err" | sed "s/^/dumpcap: /" || true
}

# capture_check MIN_SYNACKS — tshark with checksum validation on over the
# capture: zero bad checksums, zero malformed frames, zero expert errors,
# every frame from synx's MAC, at least MIN_SYNACKS SYN+ACKs. The per-kind
# counts land in $TMP/capture.json.
capture_check() {
  local min_synack="$1" out="$TMP/capture.json"
  "$IT_PY" "$IT_CHECK_CAPTURE" "$CAPTURE_FILE" --src-mac "$SYNX_MAC" >"$out" 2>"$TMP/capture.err" ||
    fail "check_capture.py failed: $(cat "$TMP/capture.err")"
  it_log "capture: $(cat "$out")"
  expect_eq "capture: frames with a bad checksum, malformed, or an expert error" \
    "$(json_get "$out" bad)" 0
  expect_eq "capture: frames not from synx's MAC" "$(json_get "$out" foreign_src)" 0
  expect_ge "capture: SYN+ACKs" "$(json_get "$out" synack)" "$min_synack"
}

# capture_matches_counters — when dumpcap lost nothing, the capture holds
# exactly what synx says it sent: frames = tx_packets, SYN+ACKs = synack_tx,
# RSTs = rst_tx. Call after synx_stop, capture_stop and capture_check.
capture_matches_counters() {
  local cap="$TMP/capture.json" dropped
  dropped="$(sed -n "s|.*Packets received/dropped on interface '[^']*': [0-9]*/\([0-9]*\).*|\1|p" \
    "$TMP/dumpcap.err" | head -n 1)"
  if [[ "$dropped" != 0 ]]; then
    it_log "dumpcap reports '${dropped:-no count}' dropped: capture not compared with synx's counters"
    return 0
  fi
  expect_eq "capture frames = synx tx_packets" "$(json_get "$cap" frames)" "$(json_get "$SYNX_JSON" tx_packets)"
  expect_eq "capture SYN+ACKs = synx synack_tx" "$(json_get "$cap" synack)" "$(json_get "$SYNX_JSON" synack_tx)"
  expect_eq "capture RSTs = synx rst_tx" "$(json_get "$cap" rst)" "$(json_get "$SYNX_JSON" rst_tx)"
}
