// host_config.h — who the engine is on the link: its MAC, its own IPv4 and
// IPv6 addresses, and what follows from them.
//
// Built once on the control path from --local, then shared read-only by every
// worker. Fixed size (at most kMaxAddrs per family), no allocation. For each
// IPv6 address it also keeps the solicited-node multicast group (RFC 4291
// §2.7.1) and that group's Ethernet address (RFC 2464 §7): neighbour
// solicitations arrive there, so the port must accept those MACs
// (rte_eth_dev_set_mc_addr_list, or all-multicast).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "wire/addr.h"

namespace synx::host {

// Enough for any appliance we can imagine on one port; a linear scan of 16
// addresses costs less than one cache miss.
inline constexpr int kMaxAddrs = 16;

// ff02::1:ffXX:XXXX with the low 24 bits of `a` (RFC 4291 §2.7.1).
wire::IpAddr SolicitedNode(const wire::IpAddr& a);
// 33:33 followed by the low 32 bits of an IPv6 multicast address (RFC 2464 §7).
wire::MacAddr Ipv6MulticastMac(const wire::IpAddr& group);

enum class AddResult : uint8_t {
  kOk,
  kDuplicate,   // already present: nothing changed
  kFull,        // kMaxAddrs of that family already
  kNotUnicast,  // multicast, broadcast, unspecified, loopback or class E
};

class HostConfig {
 public:
  wire::MacAddr mac;
  uint8_t ttl = 64;  // IPv4 TTL / IPv6 hop limit of echo replies (MUST-49)

  // Control path.
  AddResult AddAddress(const wire::IpAddr& a);

  // True when `a` is one of our addresses (either family).
  bool IsOwn(const wire::IpAddr& a) const;

  std::span<const wire::IpAddr> v4() const { return {v4_.data(), v4_count_}; }
  std::span<const wire::IpAddr> v6() const { return {v6_.data(), v6_count_}; }
  // Parallel to v6(): the solicited-node group of each and its MAC.
  std::span<const wire::IpAddr> solicited_nodes() const {
    return {solicited_.data(), v6_count_};
  }
  std::span<const wire::MacAddr> solicited_node_macs() const {
    return {solicited_mac_.data(), v6_count_};
  }

 private:
  std::array<wire::IpAddr, kMaxAddrs> v4_{};
  std::array<wire::IpAddr, kMaxAddrs> v6_{};
  std::array<wire::IpAddr, kMaxAddrs> solicited_{};
  std::array<wire::MacAddr, kMaxAddrs> solicited_mac_{};
  uint8_t v4_count_ = 0;
  uint8_t v6_count_ = 0;
};

}  // namespace synx::host
