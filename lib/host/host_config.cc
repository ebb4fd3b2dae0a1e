#include "host/host_config.h"

#include <algorithm>

namespace synx::host {

wire::IpAddr SolicitedNode(const wire::IpAddr& a) {
  wire::IpAddr g;
  g.family = wire::Family::kV6;
  g.b = {0xff, 0x02, 0, 0,    0,    0,       0,       0,
         0,    0,    0, 0x01, 0xff, a.b[13], a.b[14], a.b[15]};
  return g;
}

wire::MacAddr Ipv6MulticastMac(const wire::IpAddr& group) {
  return wire::MacAddr{
      {0x33, 0x33, group.b[12], group.b[13], group.b[14], group.b[15]}};
}

AddResult HostConfig::AddAddress(const wire::IpAddr& a) {
  if (a.IsMulticast() || a.IsLimitedBroadcast() || a.IsUnspecified() ||
      a.IsLoopback() || a.IsReservedClassE() || a.IsV4MappedV6()) {
    return AddResult::kNotUnicast;
  }
  if (IsOwn(a)) return AddResult::kDuplicate;
  if (a.is_v4()) {
    if (v4_count_ == kMaxAddrs) return AddResult::kFull;
    v4_[v4_count_++] = a;
    return AddResult::kOk;
  }
  if (v6_count_ == kMaxAddrs) return AddResult::kFull;
  v6_[v6_count_] = a;
  solicited_[v6_count_] = SolicitedNode(a);
  solicited_mac_[v6_count_] = Ipv6MulticastMac(solicited_[v6_count_]);
  ++v6_count_;
  return AddResult::kOk;
}

bool HostConfig::IsOwn(const wire::IpAddr& a) const {
  const auto own = a.is_v4() ? v4() : v6();
  return std::find(own.begin(), own.end(), a) != own.end();
}

}  // namespace synx::host
