// isn.h — RFC 6528 initial sequence numbers and per-flow timestamp offsets for
// the stateful path (and the initiator's tcp::Open).
//
//   H     = SipHash-2-4 under a key derived with context "synx_isn", of the
//           packed tuple; one evaluation gives both values below
//   ISN   = M + F(localip, localport, remoteip, remoteport, secretkey)
//           (RFC 6528 §3), M = a 4-µs clock (now_us >> 2), F = H[31:0];
//   TSval = TsOffset(tuple) + now_ms, TsOffset = H[63:32] (design.md §5:
//           never one host-wide offset, which leaks uptime and, with
//           cookies, ports).
//
// The two halves of a PRF output are independent, so one SipHash serves both
// (it used to be two, under two keys). Cookie mode takes its TS offset from
// the cookie MAC instead (syn_cookie.h). The key comes from the same
// MasterKey as the cookie keys, so appliances sharing a key file also agree
// on timestamp offsets: a flow that ECMP moves to a peer appliance keeps a
// monotonic TSval (RFC 7323 PAWS). Pure: the clock is an argument; nothing
// allocated, nothing read but the arguments.
#pragma once

#include <cstdint>
#include <string_view>

#include "cookie/flow_tuple.h"
#include "cookie/keys.h"
#include "cookie/siphash.h"
#include "wire/seq_num.h"

namespace synx::cookie {

inline constexpr std::string_view kIsnKdfContext = "synx_isn";

// What a new connection takes from FlowSecrets: its ISS and TS offset.
struct IsnAndTsOffset {
  wire::SeqNum isn;
  uint32_t ts_offset = 0;
};

class FlowSecrets {
 public:
  explicit FlowSecrets(const SipKey& key) : key_(key) {}
  static FlowSecrets FromMaster(const MasterKey& master) {
    return FlowSecrets(DeriveKey(master, 0, kIsnKdfContext));
  }

  // Both values of a new connection from one SipHash: the per-packet call.
  // RFC 6528 §3. `now_us` is any monotonic microsecond clock; only its
  // progress matters (M wraps every 2^32 * 4 µs ≈ 4.8 h, as RFC 6528 allows).
  IsnAndTsOffset ForConnection(const FlowTuple& t, uint64_t now_us) const {
    const uint64_t h = Hash(t);
    return {wire::SeqNum(static_cast<uint32_t>(now_us >> 2) +
                         static_cast<uint32_t>(h)),
            static_cast<uint32_t>(h >> 32)};
  }

  // One of the two, each costing the whole SipHash (tests, tools).
  wire::SeqNum Isn(const FlowTuple& t, uint64_t now_us) const {
    return ForConnection(t, now_us).isn;
  }
  uint32_t TsOffset(const FlowTuple& t) const {
    return static_cast<uint32_t>(Hash(t) >> 32);
  }
  // RFC 7323 §5.4: a 1 ms clock is within the 1 ms..1 s per tick it allows.
  uint32_t TsVal(const FlowTuple& t, uint64_t now_ms) const {
    return TsOffset(t) + static_cast<uint32_t>(now_ms);
  }

 private:
  uint64_t Hash(const FlowTuple& t) const {
    uint8_t in[kMaxPackedTupleBytes];
    const size_t n = PackTuple(t, in);
    return SipHash24(key_, in, n);
  }

  SipKey key_;
};

}  // namespace synx::cookie
