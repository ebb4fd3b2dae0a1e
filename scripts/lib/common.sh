# common.sh — small helpers shared by scripts/setup, scripts/test, scripts/demo.
# Sourced, never run. Sets nothing but functions and SYNX_ROOT.

SYNX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# say TAG MESSAGE... — one line on stdout, prefixed so interleaved output stays readable.
say() {
  local tag="$1"
  shift
  printf '%s: %s\n' "$tag" "$*"
}

# die TAG MESSAGE... — one line on stderr, exit 1.
die() {
  local tag="$1"
  shift
  printf '%s: %s\n' "$tag" "$*" >&2
  exit 1
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# hugetlbfs_mounts — every hugetlbfs mount point, one per line.
hugetlbfs_mounts() {
  awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts 2>/dev/null || true
}

# remove_hugepage_files PREFIX — delete the hugepage backing files a DPDK
# process with --file-prefix=PREFIX left behind (it does so when killed by a
# signal). Also removes its runtime directory.
remove_hugepage_files() {
  local prefix="$1" mnt
  [[ -n "$prefix" ]] || return 0
  while read -r mnt; do
    [[ -n "$mnt" ]] || continue
    rm -f "$mnt/${prefix}map_"* 2>/dev/null || true
  done < <(hugetlbfs_mounts)
  rm -rf "/var/run/dpdk/${prefix}" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/${prefix}" \
    "/tmp/dpdk/${prefix}" 2>/dev/null || true
}
