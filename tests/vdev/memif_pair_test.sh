#!/usr/bin/env bash
# memif_pair_test.sh SYNX COOKIES — two synx processes joined by net_memif
# (shared memory, no kernel, no root, EAL --no-huge): a responder (memif
# server, --cookies=COOKIES) and an initiator (memif client), one worker
# each, for 20 s of connections at 5,000/s. Passes when every connection the
# initiator counts as established is one the responder counts too (the
# final ACK arrived: with cookies that is the only way the responder learns
# of it), nothing is refused or timed out, cookies are used exactly as
# asked, and both return every mbuf. The whole test stays under 30 s.
set -euo pipefail

SYNX="$1"
COOKIES="$2"
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

PY=/usr/bin/python3
TMP="$(mktemp -d)"
R_PREFIX="synx-memif-r-$$"
I_PREFIX="synx-memif-i-$$"
R_PID=""
I_PID=""
cleanup() {
  local pid
  for pid in "$I_PID" "$R_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  remove_hugepage_files "$R_PREFIX"
  remove_hugepage_files "$I_PREFIX"
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL [memif $COOKIES]: $*" >&2
  local f
  for f in "$TMP"/*.out "$TMP"/*.err "$TMP"/*.json; do
    [[ -s "$f" ]] && { echo "--- $(basename "$f"):" >&2; tail -n 30 "$f" >&2; }
  done
  exit 1
}

# get FILE KEY — one value of a JSON file.
get() {
  "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"
}

SOCK="$TMP/memif.sock"
EAL=(--no-huge -m 512 --no-pci -l 0)

"$SYNX" "${EAL[@]}" "--file-prefix=$R_PREFIX" "--vdev=net_memif0,role=server,socket=$SOCK" -- \
  --local=198.18.0.1 --listen=198.18.0.1:80 "--cookies=$COOKIES" --on-established=keep \
  --stats-interval=5 "--json=$TMP/responder.json" >"$TMP/responder.out" 2>"$TMP/responder.err" &
R_PID=$!
for _ in $(seq 100); do
  grep -q '^synx: responder' "$TMP/responder.out" 2>/dev/null && break
  kill -0 "$R_PID" 2>/dev/null || fail "the responder exited before it was ready"
  sleep 0.1
done
grep -q '^synx: responder' "$TMP/responder.out" || fail "the responder did not start within 10 s"

set +e
timeout 28 "$SYNX" "${EAL[@]}" "--file-prefix=$I_PREFIX" \
  "--vdev=net_memif0,role=client,socket=$SOCK" -- \
  --role=initiator --local=198.18.0.2 --target=198.18.0.1:80 --rate=5000 --duration=20 \
  --stats-interval=5 "--json=$TMP/initiator.json" >"$TMP/initiator.out" 2>"$TMP/initiator.err"
rc=$?
set -e
(( rc == 0 )) || fail "the initiator exited $rc"

kill -INT "$R_PID"
wait "$R_PID" || fail "the responder exited non-zero after SIGINT"
R_PID=""
cat "$TMP/initiator.out"
grep -h '^synx: summary' "$TMP/responder.out"

i_est="$(get "$TMP/initiator.json" established)"
r_est="$(get "$TMP/responder.json" established)"
echo "initiator established=$i_est responder established=$r_est"
(( i_est > 10000 )) || fail "only $i_est connections in 20 s at 5,000/s"
[[ "$i_est" == "$r_est" ]] || fail "initiator established $i_est != responder established $r_est"
for key in refused timeouts mempool_in_use_at_exit busy_at_exit; do
  [[ "$(get "$TMP/initiator.json" "$key")" == 0 ]] || fail "initiator $key != 0"
done
[[ "$(get "$TMP/initiator.json" drained)" == True ]] || fail "initiator did not drain"
[[ "$(get "$TMP/responder.json" mempool_in_use_at_exit)" == 0 ]] || fail "responder leaked mbufs"
sent="$(get "$TMP/responder.json" cookies_sent)"
valid="$(get "$TMP/responder.json" cookies_valid)"
if [[ "$COOKIES" == always ]]; then
  [[ "$valid" == "$r_est" ]] || fail "cookies_valid $valid != established $r_est"
  (( sent >= r_est )) || fail "cookies_sent $sent < established $r_est"
else
  [[ "$sent" == 0 && "$valid" == 0 ]] || fail "cookies used with --cookies=never"
fi
echo "PASS [memif $COOKIES]: $i_est connections, established on both sides"
