// listen_set.h — the engine's own addresses and the ports it listens on,
// asked per packet in constant time.
//
// Built once on the control path from --local (through host::HostConfig, so
// that ARP/ND and TCP agree on what "ours" means) and --listen, then shared
// read-only by every worker. Each own address gets an index (IPv4 first, then
// IPv6, in HostConfig order) and a 65,536-bit port bitmap (8 KB): LocalIndex
// is a scan of at most host::kMaxAddrs words of one family, Listening one
// bit test. Never allocates after construction, reads no clock, no DPDK.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "host/host_config.h"
#include "wire/addr.h"

namespace synx::engine {

// One --listen item: an address and an inclusive port range.
struct ListenSpec {
  wire::IpAddr addr;
  uint16_t lo = 0;
  uint16_t hi = 0;
  bool operator==(const ListenSpec&) const = default;
};

// "198.18.0.1:80", "198.18.0.1:8000-8099", "[2001:2::1]:443",
// "[2001:2::1]:1-1024". Ports 1..65535, lo <= hi; an IPv6 address must be in
// brackets (its colons would otherwise swallow the port). Errors say what is
// wrong and quote `s` as an item of --`flag` (--listen, or the initiator's
// --target, which has the same grammar).
absl::StatusOr<ListenSpec> ParseListenSpec(std::string_view s,
                                           std::string_view flag = "listen");
// A comma-separated list of the above (empty items rejected).
absl::StatusOr<std::vector<ListenSpec>> ParseListenList(
    std::string_view s, std::string_view flag = "listen");
// "198.18.0.1:80" / "[2001:2::1]:1-1024": what ParseListenSpec reads.
std::string FormatListenSpec(const ListenSpec& spec);

class ListenSet {
 public:
  static constexpr int kMaxLocal = 2 * host::kMaxAddrs;

  // The own addresses are `host`'s, fixed from here on.
  explicit ListenSet(const host::HostConfig& host);
  ListenSet(ListenSet&&) = default;
  ListenSet& operator=(ListenSet&&) = default;

  // Control path. FailedPrecondition when spec.addr is not an own address.
  absl::Status Add(const ListenSpec& spec);

  // Index of own address `a` in [0, local_count()), or -1 if not ours.
  int LocalIndex(const wire::IpAddr& a) const {
    if (a.is_v4()) {
      const uint32_t w = Word32(a.b.data() + 12);
      for (int i = 0; i < v4_count_; ++i) {
        if (v4_[i] == w) return i;
      }
      return -1;
    }
    const uint64_t hi = Word64(a.b.data());
    const uint64_t lo = Word64(a.b.data() + 8);
    for (int i = 0; i < v6_count_; ++i) {
      if (v6_[i][0] == hi && v6_[i][1] == lo) return v4_count_ + i;
    }
    return -1;
  }

  // Precondition: 0 <= local_index < local_count().
  bool Listening(int local_index, uint16_t port) const {
    const uint64_t* bits = bitmaps_[local_index].data();
    return (bits[port >> 6] >> (port & 63)) & 1;
  }

  int local_count() const { return v4_count_ + v6_count_; }
  // Number of (address, port) pairs listened on.
  uint64_t listening_count() const { return listening_count_; }

 private:
  static uint32_t Word32(const uint8_t* p) {
    uint32_t w;
    __builtin_memcpy(&w, p, sizeof(w));
    return w;
  }
  static uint64_t Word64(const uint8_t* p) {
    uint64_t w;
    __builtin_memcpy(&w, p, sizeof(w));
    return w;
  }

  std::array<uint32_t, host::kMaxAddrs> v4_{};  // address bytes as loaded
  std::array<std::array<uint64_t, 2>, host::kMaxAddrs> v6_{};
  int v4_count_ = 0;
  int v6_count_ = 0;
  uint64_t listening_count_ = 0;
  // One bit per port, per own address.
  std::unique_ptr<std::array<uint64_t, 1024>[]> bitmaps_;
};

}  // namespace synx::engine
