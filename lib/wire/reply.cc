// reply.cc — the in-place reply writers of reply.h.
//
// Every field of a reply comes from the parsed Frame (or the writer's
// arguments), never from re-reading the request's headers, so the writers can
// overwrite the buffer front to back. The only request bytes reused are the
// L2 tags (left where they are) and the ICMP echo body (moved up when the
// request carried IPv4 options or IPv6 extension headers).
#include "wire/reply.h"

#include <cstring>

#include "wire/bytes.h"
#include "wire/checksum.h"

namespace synx::wire {
namespace {

constexpr size_t kEthHeaderLen = 14;
constexpr size_t kIpv4HeaderLen = 20;
constexpr size_t kIpv6HeaderLen = 40;
constexpr size_t kTcpHeaderLen = 20;
constexpr size_t kTcpChecksumOffset = 16;
constexpr size_t kIcmpChecksumOffset = 2;
constexpr size_t kIcmpEchoHeaderLen = 8;
constexpr size_t kArpLen = 28;  // Ethernet / IPv4 ARP (RFC 826)

constexpr uint8_t kIcmpEchoReply = 0;      // RFC 792
constexpr uint8_t kIcmpv6EchoReply = 129;  // RFC 4443 §4.2
constexpr uint8_t kIcmpv6NeighborAdvert = 136;
constexpr uint16_t kIpv4DontFragment = 0x4000;
constexpr uint16_t kArpHardwareEthernet = 1;

// RFC 4861 §4.4: NA header (8) + target (16) + target link-layer option (8).
constexpr size_t kNaLen = 32;
constexpr size_t kNaTargetOffset = 8;
constexpr size_t kNaOptionOffset = 24;
constexpr uint8_t kNdOptTargetLinkAddr = 2;
constexpr uint8_t kNdOptMacLen8 = 1;  // option length in units of 8 bytes
// Solicited and Override; Router clear: synx never routes (RFC 4861 §4.4).
constexpr uint32_t kNaFlagsSolicitedOverride = 0x60000000;
// RFC 4861 §7.1.2: receivers drop ND messages with any other hop limit.
constexpr uint8_t kNdHopLimit = 255;

void WriteMacs(uint8_t* frame, const MacAddr& dst, const MacAddr& src) {
  std::memcpy(frame, dst.b.data(), dst.b.size());
  std::memcpy(frame + dst.b.size(), src.b.data(), src.b.size());
}

// A fresh 20-byte header: ToS 0, DF set, no options (reply.h).
void WriteIpv4Header(uint8_t* ip, size_t total_len, uint16_t id, uint8_t ttl,
                     uint8_t protocol, const IpAddr& src, const IpAddr& dst) {
  ip[0] = 0x45;  // version 4, IHL 5
  ip[1] = 0;
  Store16(ip + 2, static_cast<uint16_t>(total_len));
  Store16(ip + 4, id);
  Store16(ip + 6, kIpv4DontFragment);
  ip[8] = ttl;
  ip[9] = protocol;
  Store16(ip + 10, 0);
  std::memcpy(ip + 12, src.data(), 4);
  std::memcpy(ip + 16, dst.data(), 4);
  Store16(ip + 10, ChecksumOfZeroed(0, {ip, kIpv4HeaderLen}));
}

// A fresh 40-byte header: traffic class 0, flow label 0, no extension headers.
void WriteIpv6Header(uint8_t* ip, size_t payload_len, uint8_t next_header,
                     uint8_t hop_limit, const IpAddr& src, const IpAddr& dst) {
  Store32(ip, 0x60000000);
  Store16(ip + 4, static_cast<uint16_t>(payload_len));
  ip[6] = next_header;
  ip[7] = hop_limit;
  std::memcpy(ip + 8, src.data(), 16);
  std::memcpy(ip + 24, dst.data(), 16);
}

size_t IpHeaderLen(const Frame& in) {
  return in.family == Family::kV4 ? kIpv4HeaderLen : kIpv6HeaderLen;
}

// The addresses of `in` agree with its family (ParseFrame guarantees it; a
// hand-made Frame might not, and would otherwise make a half-v4 header).
bool FamilyConsistent(const Frame& in) {
  return in.src.family == in.family && in.dst.family == in.family;
}

}  // namespace

size_t WriteTcpReply(std::span<uint8_t> buf, const Frame& in, const TcpReply& r,
                     L4ChecksumMode mode) {
  if (in.kind != FrameKind::kTcp || in.l3_offset < kEthHeaderLen ||
      !FamilyConsistent(in)) {
    return 0;
  }
  const size_t ip_len = IpHeaderLen(in);
  const size_t options_len = r.flags.syn()  ? SynOptionsLength(r.syn)
                             : r.timestamps ? kTimestampOptionLength
                                            : 0;
  const size_t tcp_len = kTcpHeaderLen + options_len;
  const size_t total = in.l3_offset + ip_len + tcp_len;
  if (total > buf.size()) return 0;

  uint8_t* const frame = buf.data();
  uint8_t* const ip = frame + in.l3_offset;
  uint8_t* const tcp = ip + ip_len;
  WriteMacs(frame, in.src_mac, in.dst_mac);
  if (in.family == Family::kV4) {
    WriteIpv4Header(ip, ip_len + tcp_len, r.ip_id, r.ttl, kProtoTcp, in.dst,
                    in.src);
  } else {
    WriteIpv6Header(ip, tcp_len, kProtoTcp, r.ttl, in.dst, in.src);
  }

  Store16(tcp, in.tcp.dport);
  Store16(tcp + 2, in.tcp.sport);
  Store32(tcp + 4, r.seq.value());
  // RFC 9293 §3.1: the acknowledgment field means something only with ACK;
  // without it the field is sent as zero, whatever `r.ack` holds.
  Store32(tcp + 8, r.flags.ack() ? r.ack.value() : 0);
  // Data offset in 32-bit words, high nibble: (tcp_len / 4) << 4.
  tcp[12] = static_cast<uint8_t>(tcp_len << 2);
  tcp[13] = r.flags.bits();
  Store16(tcp + 14, r.window);
  Store16(tcp + 16, 0);
  Store16(tcp + 18, 0);  // urgent pointer
  if (r.flags.syn()) {
    WriteSynOptions(r.syn, tcp + kTcpHeaderLen);
  } else if (r.timestamps) {
    WriteTimestampOption(r.ts_val, r.ts_ecr, tcp + kTcpHeaderLen);
  }

  const uint32_t pseudo = PseudoHeaderSum(in.dst, in.src, kProtoTcp, tcp_len);
  const uint16_t checksum =
      mode == L4ChecksumMode::kSoftware
          ? ChecksumOfZeroed(pseudo, {tcp, tcp_len})  // field stored 0 above
          : FoldChecksum(pseudo);
  Store16(tcp + kTcpChecksumOffset, checksum);
  return total;
}

size_t WriteTcpSegment(std::span<uint8_t> buf, std::span<const uint8_t> l2,
                       const IpAddr& local, uint16_t local_port,
                       const IpAddr& remote, uint16_t remote_port,
                       const TcpReply& r, L4ChecksumMode mode) {
  constexpr size_t kMacsLen = 12;
  constexpr size_t kTagLen = 4;
  if ((l2.size() != kMacsLen && l2.size() != kMacsLen + kTagLen &&
       l2.size() != kMacsLen + 2 * kTagLen) ||
      local.family != remote.family) {
    return 0;
  }
  // The segment is the reply to a segment `remote` would have sent us, so
  // WriteTcpReply writes it from a Frame describing that segment; it leaves
  // the bytes between the MACs and the IP header (the tags) alone.
  Frame in;
  in.kind = FrameKind::kTcp;
  in.family = local.family;
  in.l3_offset = static_cast<uint16_t>(l2.size() + 2);
  std::memcpy(in.src_mac.b.data(), l2.data(), 6);
  std::memcpy(in.dst_mac.b.data(), l2.data() + 6, 6);
  in.src = remote;
  in.dst = local;
  in.tcp.sport = remote_port;
  in.tcp.dport = local_port;
  const size_t n = WriteTcpReply(buf, in, r, mode);
  if (n == 0) return 0;
  std::memcpy(buf.data() + kMacsLen, l2.data() + kMacsLen,
              l2.size() - kMacsLen);
  Store16(buf.data() + l2.size(), local.family == Family::kV4 ? kEtherTypeIpv4
                                                              : kEtherTypeIpv6);
  return n;
}

size_t WriteArpReply(std::span<uint8_t> buf, const Frame& in,
                     const MacAddr& own_mac) {
  if (in.kind != FrameKind::kArp || in.arp.op != kArpOpRequest ||
      in.l3_offset < kEthHeaderLen || !in.arp.spa.is_v4() ||
      !in.arp.tpa.is_v4()) {
    return 0;
  }
  const size_t total = in.l3_offset + kArpLen;
  if (total > buf.size()) return 0;

  uint8_t* const frame = buf.data();
  uint8_t* const arp = frame + in.l3_offset;
  WriteMacs(frame, in.src_mac, own_mac);
  // RFC 826 "Packet Reception": swap sender and target, put our hardware
  // address in as sender, opcode reply.
  Store16(arp, kArpHardwareEthernet);
  Store16(arp + 2, kEtherTypeIpv4);
  arp[4] = 6;
  arp[5] = 4;
  Store16(arp + 6, kArpOpReply);
  std::memcpy(arp + 8, own_mac.b.data(), 6);
  std::memcpy(arp + 14, in.arp.tpa.data(), 4);
  std::memcpy(arp + 18, in.arp.sha.b.data(), 6);
  std::memcpy(arp + 24, in.arp.spa.data(), 4);
  return total;
}

size_t WriteEchoReply(std::span<uint8_t> buf, const Frame& in, uint8_t ttl) {
  if (in.kind != FrameKind::kIcmpEchoRequest || in.l3_offset < kEthHeaderLen ||
      in.l4_offset > in.end || in.end > buf.size() || !FamilyConsistent(in)) {
    return 0;
  }
  const size_t icmp_len = in.l4_len();
  const size_t ip_len = IpHeaderLen(in);
  const size_t total = in.l3_offset + ip_len + icmp_len;
  if (icmp_len < kIcmpEchoHeaderLen || total > buf.size()) return 0;

  uint8_t* const frame = buf.data();
  uint8_t* const ip = frame + in.l3_offset;
  uint8_t* const icmp = ip + ip_len;
  const uint8_t* const request = frame + in.l4_offset;
  const uint16_t old_type_code = Load16(request);
  const uint16_t old_checksum = Load16(request + kIcmpChecksumOffset);
  // Request options / extension headers are not echoed: the body moves up.
  if (icmp != request) std::memmove(icmp, request, icmp_len);

  const bool v4 = in.family == Family::kV4;
  icmp[0] = v4 ? kIcmpEchoReply : kIcmpv6EchoReply;
  // RFC 1624 eqn. 3 over the type/code word. For ICMPv6 the pseudo-header
  // (RFC 8200 §8.1) only swaps source and destination, which leaves its
  // ones'-complement sum unchanged, so the same update is exact.
  Store16(icmp + kIcmpChecksumOffset,
          ChecksumAdjust(old_checksum, old_type_code, Load16(icmp)));

  WriteMacs(frame, in.src_mac, in.dst_mac);
  if (v4) {
    // No ip_id parameter: 0 is fine on an atomic datagram (RFC 6864 §4.1).
    WriteIpv4Header(ip, ip_len + icmp_len, 0, ttl, kProtoIcmp, in.dst, in.src);
  } else {
    WriteIpv6Header(ip, icmp_len, kProtoIcmpv6, ttl, in.dst, in.src);
  }
  return total;
}

size_t WriteNeighborAdvert(std::span<uint8_t> buf, const Frame& in,
                           const MacAddr& own_mac) {
  if (in.kind != FrameKind::kNeighborSolicit || in.family != Family::kV6 ||
      in.l3_offset < kEthHeaderLen || !FamilyConsistent(in) ||
      in.icmp.target.is_v4()) {
    return 0;
  }
  const size_t total = in.l3_offset + kIpv6HeaderLen + kNaLen;
  if (total > buf.size()) return 0;

  uint8_t* const frame = buf.data();
  uint8_t* const ip = frame + in.l3_offset;
  uint8_t* const na = ip + kIpv6HeaderLen;
  WriteMacs(frame, in.src_mac, own_mac);
  // RFC 4861 §7.2.4: from the target address, to the solicitation's source
  // (ParseFrame drops NS from :: — DAD — so the source is always unicast).
  WriteIpv6Header(ip, kNaLen, kProtoIcmpv6, kNdHopLimit, in.icmp.target,
                  in.src);
  na[0] = kIcmpv6NeighborAdvert;
  na[1] = 0;
  Store16(na + kIcmpChecksumOffset, 0);
  Store32(na + 4, kNaFlagsSolicitedOverride);
  std::memcpy(na + kNaTargetOffset, in.icmp.target.data(), 16);
  na[kNaOptionOffset] = kNdOptTargetLinkAddr;
  na[kNaOptionOffset + 1] = kNdOptMacLen8;
  std::memcpy(na + kNaOptionOffset + 2, own_mac.b.data(), 6);
  const uint32_t pseudo =
      PseudoHeaderSum(in.icmp.target, in.src, kProtoIcmpv6, kNaLen);
  Store16(na + kIcmpChecksumOffset,
          L4Checksum(pseudo, {na, kNaLen}, kIcmpChecksumOffset));
  return total;
}

}  // namespace synx::wire
