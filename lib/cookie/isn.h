// isn.h — RFC 6528 initial sequence numbers and per-flow timestamp offsets for
// the stateful path.
//
//   ISN   = M + F(localip, localport, remoteip, remoteport, secretkey)
//           (RFC 6528 §3), M = a 4-µs clock (now_us >> 2), F = Fold32 of
//           SipHash-2-4 under a key derived with context "synx_isn";
//   TSval = TsOffset(tuple) + now_ms, TsOffset = Fold32 of SipHash-2-4 under
//           a key derived with context "synx_tso" (design.md §5: never one
//           host-wide offset, which leaks uptime and, with cookies, ports).
//
// Both keys come from the same MasterKey as the cookie keys, so appliances
// sharing a key file also agree on timestamp offsets: a flow that ECMP moves
// to a peer appliance keeps a monotonic TSval (RFC 7323 PAWS). Pure: the
// clock is an argument; nothing allocated, nothing read but the arguments.
#pragma once

#include <cstdint>
#include <string_view>

#include "cookie/flow_tuple.h"
#include "cookie/keys.h"
#include "cookie/siphash.h"
#include "wire/seq_num.h"

namespace synx::cookie {

inline constexpr std::string_view kIsnKdfContext = "synx_isn";
inline constexpr std::string_view kTsKdfContext = "synx_tso";

class FlowSecrets {
 public:
  FlowSecrets(const SipKey& isn_key, const SipKey& ts_key)
      : isn_key_(isn_key), ts_key_(ts_key) {}
  static FlowSecrets FromMaster(const MasterKey& master) {
    return FlowSecrets(DeriveKey(master, 0, kIsnKdfContext),
                       DeriveKey(master, 0, kTsKdfContext));
  }

  // RFC 6528 §3. `now_us` is any monotonic microsecond clock; only its
  // progress matters (M wraps every 2^32 * 4 µs ≈ 4.8 h, as RFC 6528 allows).
  wire::SeqNum Isn(const FlowTuple& t, uint64_t now_us) const {
    return wire::SeqNum(static_cast<uint32_t>(now_us >> 2) + Hash(isn_key_, t));
  }

  uint32_t TsOffset(const FlowTuple& t) const { return Hash(ts_key_, t); }
  // RFC 7323 §5.4: a 1 ms clock is within the 1 ms..1 s per tick it allows.
  uint32_t TsVal(const FlowTuple& t, uint64_t now_ms) const {
    return TsOffset(t) + static_cast<uint32_t>(now_ms);
  }

 private:
  static uint32_t Hash(const SipKey& key, const FlowTuple& t) {
    uint8_t in[kMaxPackedTupleBytes];
    const size_t n = PackTuple(t, in);
    return Fold32(SipHash24(key, in, n));
  }

  SipKey isn_key_;
  SipKey ts_key_;
};

}  // namespace synx::cookie
