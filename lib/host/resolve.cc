#include "host/resolve.h"

#include <cstring>

#include "host/host_config.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/frame.h"

namespace synx::host {
namespace {

constexpr size_t kEthHeaderLen = 14;
constexpr size_t kArpLen = 28;
constexpr size_t kIpv6HeaderLen = 40;
constexpr size_t kNsLen = 24 + 8;  // header + target, then one 8-byte option
constexpr uint16_t kArpHardwareEthernet = 1;
constexpr uint8_t kIcmpv6NeighborSolicit = 135;
constexpr uint8_t kNdOptSourceLinkAddr = 1;
constexpr uint8_t kNdHopLimit = 255;  // RFC 4861 §7.1.1: receivers check it
constexpr size_t kIcmpChecksumOffset = 2;

void WriteEthernet(uint8_t* p, const wire::MacAddr& dst,
                   const wire::MacAddr& src, uint16_t ether_type) {
  std::memcpy(p, dst.b.data(), 6);
  std::memcpy(p + 6, src.b.data(), 6);
  wire::Store16(p + 12, ether_type);
}

}  // namespace

size_t WriteArpRequest(std::span<uint8_t> buf, const wire::MacAddr& own_mac,
                       const wire::IpAddr& own_ip, const wire::IpAddr& target) {
  if (!own_ip.is_v4() || !target.is_v4() || buf.size() < kArpRequestLength)
    return 0;
  uint8_t* const p = buf.data();
  std::memset(p, 0, kArpRequestLength);
  WriteEthernet(p, wire::MacAddr::Broadcast(), own_mac, wire::kEtherTypeArp);
  uint8_t* const arp = p + kEthHeaderLen;
  wire::Store16(arp, kArpHardwareEthernet);
  wire::Store16(arp + 2, wire::kEtherTypeIpv4);
  arp[4] = 6;
  arp[5] = 4;
  wire::Store16(arp + 6, wire::kArpOpRequest);
  std::memcpy(arp + 8, own_mac.b.data(), 6);
  std::memcpy(arp + 14, own_ip.data(), 4);
  // Target hardware address stays zero: it is what we ask for.
  std::memcpy(arp + 24, target.data(), 4);
  static_assert(kEthHeaderLen + kArpLen <= kArpRequestLength);
  return kArpRequestLength;
}

size_t WriteNeighborSolicit(std::span<uint8_t> buf,
                            const wire::MacAddr& own_mac,
                            const wire::IpAddr& own_ip,
                            const wire::IpAddr& target) {
  if (own_ip.is_v4() || target.is_v4() || buf.size() < kNeighborSolicitLength)
    return 0;
  static_assert(kEthHeaderLen + kIpv6HeaderLen + kNsLen ==
                kNeighborSolicitLength);
  const wire::IpAddr group = SolicitedNode(target);
  uint8_t* const p = buf.data();
  WriteEthernet(p, Ipv6MulticastMac(group), own_mac, wire::kEtherTypeIpv6);

  uint8_t* const ip = p + kEthHeaderLen;
  wire::Store32(ip, 0x60000000u);  // version 6, traffic class 0, flow label 0
  wire::Store16(ip + 4, kNsLen);
  ip[6] = wire::kProtoIcmpv6;
  ip[7] = kNdHopLimit;
  std::memcpy(ip + 8, own_ip.b.data(), 16);
  std::memcpy(ip + 24, group.b.data(), 16);

  // RFC 4861 §4.3: type, code, checksum, 4 reserved bytes, target, options.
  uint8_t* const ns = ip + kIpv6HeaderLen;
  std::memset(ns, 0, kNsLen);
  ns[0] = kIcmpv6NeighborSolicit;
  std::memcpy(ns + 8, target.b.data(), 16);
  ns[24] = kNdOptSourceLinkAddr;
  ns[25] = 1;  // length in units of 8 bytes
  std::memcpy(ns + 26, own_mac.b.data(), 6);
  const uint32_t pseudo =
      wire::PseudoHeaderSum(own_ip, group, wire::kProtoIcmpv6, kNsLen);
  wire::Store16(ns + kIcmpChecksumOffset,
                wire::L4Checksum(pseudo, {ns, kNsLen}, kIcmpChecksumOffset));
  return kNeighborSolicitLength;
}

}  // namespace synx::host
