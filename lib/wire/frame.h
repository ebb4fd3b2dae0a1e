// frame.h — ParseFrame: one received Ethernet frame in, one compact Frame out.
//
// The only parser of received bytes in synx. It reads only inside `bytes`,
// never writes, never allocates and always terminates (every loop is bounded
// by a constant). The result is either a frame the engine can act on (TCP
// segment, ARP, ICMP echo request, IPv6 neighbour solicitation/advertisement)
// or kind == kDrop with a named DropReason (drop_reason.h).
//
// Policy (handshake-rules.md §B, wire rows):
//   - L2: none, one or two 802.1Q / 802.1ad tags; a third tag is dropped.
//   - IPv4: version, IHL, total length and (unless the PMD vouched for it) the
//     header checksum are checked; Ethernet padding after the total length is
//     trimmed; fragments are dropped; options are walked only to find source
//     routes (dropped) and malformed lists (dropped), never trusted or echoed.
//   - IPv6: hop-by-hop, destination-options and routing (segments left 0)
//     headers are walked, at most kMaxIpv6ExtHeaders of them; fragments and
//     routing headers with segments left are dropped.
//   - Sources that are multicast, broadcast, unspecified, loopback or class E,
//     and LAND (source = destination), are dropped. Own-address sources are
//     the engine's check: the parser does not know the engine's addresses.
//   - TCP/ICMP checksums are verified in software unless the PMD says kGood
//     or kValidNoChecksum; kBad drops at once.
//   - TCP: header length, ports, no-flags, SYN+FIN and SYN+RST are checked;
//     reserved bits and AE are ignored; the ACK field is zeroed when ACK is
//     clear (RFC 9293: the field is then meaningless).
#pragma once

#include <cstdint>
#include <span>

#include "wire/addr.h"
#include "wire/checksum.h"
#include "wire/drop_reason.h"
#include "wire/seq_num.h"
#include "wire/tcp_flags.h"
#include "wire/tcp_options.h"

namespace synx::wire {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;   // 802.1Q
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;   // 802.1ad
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr int kMaxVlanTags = 2;
// A legitimate IPv6 packet to a handshake engine has at most a few extension
// headers; a bound keeps the walk O(1) per frame (RFC 8200 §4.1 ordering
// allows at most 8 distinct ones).
inline constexpr int kMaxIpv6ExtHeaders = 8;

enum class FrameKind : uint8_t {
  kDrop,
  kTcp,
  kArp,
  kIcmpEchoRequest,    // ICMPv4 type 8 or ICMPv6 type 128
  kNeighborSolicit,    // ICMPv6 type 135
  kNeighborAdvert,     // ICMPv6 type 136
};

struct TcpSegment {
  uint16_t sport = 0;
  uint16_t dport = 0;
  SeqNum seq;
  SeqNum ack;             // zero when the ACK bit is clear
  TcpFlags flags;
  uint16_t window = 0;    // as on the wire (unscaled)
  uint16_t header_len = 0;   // data offset × 4
  uint16_t payload_len = 0;  // bytes after the TCP header, padding excluded
  TcpOptions options;

  // SEG.LEN of RFC 9293 §3.4: payload plus one for SYN and one for FIN.
  uint32_t SegLen() const {
    return payload_len + (flags.syn() ? 1u : 0u) + (flags.fin() ? 1u : 0u);
  }
};

struct ArpMessage {
  uint16_t op = 0;  // 1 request, 2 reply
  MacAddr sha;      // sender hardware address
  MacAddr tha;
  IpAddr spa;       // sender protocol address
  IpAddr tpa;
};

inline constexpr uint16_t kArpOpRequest = 1;
inline constexpr uint16_t kArpOpReply = 2;

struct IcmpMessage {
  uint8_t type = 0;
  uint8_t code = 0;
  uint16_t id = 0;         // echo only
  uint16_t sequence = 0;   // echo only
  IpAddr target;           // NS/NA only
  MacAddr link_addr;       // NS: source link-layer option; NA: target option
  bool has_link_addr = false;
};

struct Frame {
  FrameKind kind = FrameKind::kDrop;
  DropReason drop = DropReason::kNone;
  Family family = Family::kV4;
  uint8_t vlan_count = 0;
  uint8_t ttl = 0;               // IPv4 TTL or IPv6 hop limit
  uint16_t vlan_tci[kMaxVlanTags] = {0, 0};
  uint16_t l3_offset = 0;        // start of ARP / IP header
  uint16_t l4_offset = 0;        // start of TCP / ICMP header
  uint16_t end = 0;              // frame length with Ethernet padding trimmed
  MacAddr dst_mac;
  MacAddr src_mac;
  IpAddr src;
  IpAddr dst;
  TcpSegment tcp;                // kind == kTcp
  ArpMessage arp;                // kind == kArp
  IcmpMessage icmp;              // echo / NS / NA

  bool ok() const { return kind != FrameKind::kDrop; }
  uint16_t l4_len() const { return end - l4_offset; }
};

// `ip_checksum` and `l4_checksum` come from the PMD's RX offload flags;
// pass kUnknown when there are none.
Frame ParseFrame(std::span<const uint8_t> bytes,
                 ChecksumStatus ip_checksum = ChecksumStatus::kUnknown,
                 ChecksumStatus l4_checksum = ChecksumStatus::kUnknown);

}  // namespace synx::wire
