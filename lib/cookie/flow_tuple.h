// flow_tuple.h — the connection's two endpoints as the cookie layer sees them.
//
// FlowTuple names the endpoints from synx's side: `local` is the address and
// port a SYN was sent to, `remote` the peer that sent it. Every keyed hash in
// lib/cookie (cookie MAC, RFC 6528 ISN, timestamp offset) covers exactly these
// four fields plus both families. It is a plain value: the tcp layer fills it
// from a parsed Segment; lib/cookie never depends on lib/flow's FlowKey.
#pragma once

#include <cstdint>

#include "wire/addr.h"

namespace synx::cookie {

struct FlowTuple {
  wire::IpAddr local;
  wire::IpAddr remote;
  uint16_t local_port = 0;   // host order
  uint16_t remote_port = 0;  // host order

  wire::Family family() const { return remote.family; }
  bool operator==(const FlowTuple&) const = default;
};

}  // namespace synx::cookie
