# netns.sh — a throw-away network namespace peer on a veth pair, for the demo
# and the integration tests. Sourced, never run. Needs root.
#
# Addresses come only from the benchmarking ranges 198.18.0.0/15 (RFC 2544)
# and 2001:2::/48 (RFC 5180), only inside the namespace, with no default route.
# The host side gets no address and no IPv6, so the host kernel never answers
# for synx; checksum offload is off on both ends because a Linux sender on a
# veth otherwise leaves TCP checksums partial.

# Filled by peer_up, read by peer_down and the caller.
PEER_NS=""
PEER_HOST_IF=""
PEER_NS_IF=""

# Addresses used by every caller: the namespace peer, and the address synx
# will own once the responder exists (issue 3).
PEER_V4="198.18.0.2"
SYNX_V4="198.18.0.1"
PEER_V6="2001:2::2"
SYNX_V6="2001:2::1"

# peer_up NAMESPACE STEM — create NAMESPACE with a veth pair STEMh (host
# side) / STEMn (namespace side). Interface names stop at 15 bytes.
peer_up() {
  PEER_NS="$1"
  PEER_HOST_IF="${2}h"
  PEER_NS_IF="${2}n"
  if (( ${#PEER_HOST_IF} > 15 )); then
    echo "netns: interface stem '$2' is too long (15 bytes at most)" >&2
    return 1
  fi
  ip netns add "$PEER_NS"
  ip link add "$PEER_HOST_IF" type veth peer name "$PEER_NS_IF"
  ip link set "$PEER_NS_IF" netns "$PEER_NS"
  # The host kernel must stay silent on this link: no IPv6 (no RS, no DAD, no
  # ND answers), no address.
  echo 1 > "/proc/sys/net/ipv6/conf/${PEER_HOST_IF}/disable_ipv6"
  ethtool -K "$PEER_HOST_IF" tx off >/dev/null
  ip link set "$PEER_HOST_IF" up
  ip -n "$PEER_NS" link set lo up
  ip netns exec "$PEER_NS" ethtool -K "$PEER_NS_IF" tx off >/dev/null
  ip -n "$PEER_NS" addr add "${PEER_V4}/15" dev "$PEER_NS_IF"
  ip -n "$PEER_NS" -6 addr add "${PEER_V6}/48" dev "$PEER_NS_IF" nodad
  ip -n "$PEER_NS" link set "$PEER_NS_IF" up
}

# peer_down — remove whatever peer_up created; safe to call twice or after a
# partial peer_up.
peer_down() {
  if [[ -n "$PEER_HOST_IF" ]] && ip link show "$PEER_HOST_IF" >/dev/null 2>&1; then
    ip link del "$PEER_HOST_IF" 2>/dev/null || true
  fi
  if [[ -n "$PEER_NS" && -e "/var/run/netns/${PEER_NS}" ]]; then
    ip netns del "$PEER_NS" 2>/dev/null || true
  fi
}

# in_peer CMD... — run a command inside the namespace.
in_peer() {
  ip netns exec "$PEER_NS" "$@"
}
