# tests/vdev/lib/cli.sh — what the CLI tests share: a scratch directory and an
# EAL file prefix removed on exit, one synx run captured, and the checks a
# user's eye makes on it. Source after setting CASE; then `cli_init STEM`.
# shellcheck shell=bash

source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lib/common.sh"

# cli_init STEM — PREFIX (EAL --file-prefix, unique per process) and TMP
# (scratch directory), both removed on exit, whatever ends the test.
cli_init() {
  PREFIX="$1-$$"
  TMP="$(mktemp -d)"
  trap cli_cleanup EXIT
}

cli_cleanup() {
  remove_hugepage_files "$PREFIX"
  rm -rf "$TMP"
}

# fail MESSAGE — the case fails, showing what synx printed last.
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

expect_rc() { [[ "$RC" == "$1" ]] || fail "expected exit $1, got $RC"; }
expect_stderr_has() { grep -qF -- "$1" "$TMP/err" || fail "stderr lacks '$1'"; }
expect_stdout_has() { grep -qF -- "$1" "$TMP/out" || fail "stdout lacks '$1'"; }

# A configuration error is one line, starting "synx: ".
expect_one_stderr_line() {
  local lines
  lines="$(wc -l <"$TMP/err")"
  [[ "$lines" == 1 ]] || fail "expected exactly one line on stderr, got $lines"
  grep -q '^synx: ' "$TMP/err" || fail "the stderr line does not start with 'synx: '"
}

# EAL leaves its runtime directory behind once started; a flag error must
# never get that far.
expect_eal_untouched() {
  [[ ! -e "/var/run/dpdk/$PREFIX" && ! -e "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$PREFIX" &&
     ! -e "/tmp/dpdk/$PREFIX" ]] ||
    fail "EAL was started (runtime directory for $PREFIX exists)"
}
