// frame.cc — ParseFrame, the one parser of received bytes.
//
// Layout: one function per layer, each returning the DropReason it found
// (kNone to go on) and filling the Frame as it goes. Within a layer the
// checks run cheapest first: lengths and versions, then the checksum, then
// anything that reads content the checksum protects. Every length is checked
// against the bytes that remain before the bytes are read, and every loop is
// bounded by a header length that was checked first.
//
// Cost (docs/performance.md has the figures): everything on the TCP paths is
// inlined into ParseFrame and makes no calls; checksums are summed inline
// straight from the headers; addresses are read and written as words; the
// option list goes through tcp_options_internal::ParseCommonLayout before the
// general walk. Each of these gives the same Frame, field for field, as the
// plain version did.

#include "wire/frame.h"

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <type_traits>

#include "wire/bytes.h"

namespace synx::wire {
namespace {

using checksum_internal::FoldNative;
using checksum_internal::LoadNative32;
using checksum_internal::LoadNative64;
using checksum_internal::SumNative;

constexpr size_t kEthAddrsLen = 12;  // destination + source MAC
constexpr size_t kVlanTagLen = 4;
constexpr size_t kArpLen = 28;       // Ethernet/IPv4 ARP (RFC 826)
constexpr size_t kIpv4MinHeaderLen = 20;
constexpr uint8_t kIpv4VersionIhlNoOptions = 0x45;  // version 4, IHL 5
constexpr size_t kIpv6HeaderLen = 40;
constexpr size_t kTcpMinHeaderLen = 20;
constexpr size_t kIcmpEchoLen = 8;   // type, code, checksum, id, sequence
constexpr size_t kNdMinLen = 24;     // RFC 4861 §4.3/§4.4: header + target
constexpr size_t kIpv6ExtMinLen = 8; // RFC 8200 §4: in 8-octet units
// Source and destination sit side by side in both IP headers.
constexpr size_t kIpv4AddrsOffset = 12;
constexpr size_t kIpv4AddrsLen = 8;
constexpr size_t kIpv6AddrsOffset = 8;
constexpr size_t kIpv6AddrsLen = 32;

constexpr uint16_t kArpHtypeEthernet = 1;
constexpr uint8_t kArpHlenEthernet = 6;
constexpr uint8_t kArpPlenIpv4 = 4;

// IPv4 option types (RFC 791 §3.1).
constexpr uint8_t kIpOptEol = 0;
constexpr uint8_t kIpOptNop = 1;
constexpr uint8_t kIpOptLsrr = 131;
constexpr uint8_t kIpOptSsrr = 137;

// IPv4 flags/fragment-offset word: MF and the 13-bit offset. DF and the
// reserved bit say nothing about fragmentation.
constexpr uint16_t kIpv4FragmentMask = 0x3fff;

// IPv6 next-header values (RFC 8200 §4).
constexpr uint8_t kIpv6HopByHop = 0;
constexpr uint8_t kIpv6Routing = 43;
constexpr uint8_t kIpv6FragmentHeader = 44;
constexpr uint8_t kIpv6DestOpts = 60;

// RFC 8200 §4.2 option types and the two high-order "action" bits.
constexpr uint8_t kIpv6OptPad1 = 0;
constexpr uint8_t kIpv6OptActionMask = 0xc0;

constexpr uint8_t kIcmpTypeEchoRequest = 8;
constexpr uint8_t kIcmpv6TypeEchoRequest = 128;
constexpr uint8_t kIcmpv6TypeNeighborSolicit = 135;
constexpr uint8_t kIcmpv6TypeNeighborAdvert = 136;
constexpr uint8_t kNdHopLimit = 255;             // RFC 4861 §7.1.1/§7.1.2
constexpr uint8_t kNaFlagSolicited = 0x40;       // RFC 4861 §4.4
constexpr uint8_t kNdOptSourceLinkAddr = 1;      // RFC 4861 §4.6.1
constexpr uint8_t kNdOptTargetLinkAddr = 2;

inline std::span<const uint8_t> Span(const uint8_t* p, size_t n) { return {p, n}; }

// IpAddr values built with word moves (IpAddr::V4Bytes / V6Bytes are out of
// line and copy the IPv4-mapped prefix byte by byte); same result.
inline void SetV4(IpAddr& a, const uint8_t* p) {
  static constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0,
                                                  0, 0, 0, 0, 0xff, 0xff};
  a.family = Family::kV4;
  std::memcpy(a.b.data(), kV4MappedPrefix, sizeof(kV4MappedPrefix));
  std::memcpy(a.b.data() + 12, p, 4);
}

inline void SetV6(IpAddr& a, const uint8_t* p) {
  a.family = Family::kV6;
  std::memcpy(a.b.data(), p, 16);
}

// A 16-byte address as two native-order words, for whole-address compares.
struct Words128 {
  uint64_t hi;
  uint64_t lo;
};
inline Words128 LoadWords128(const uint8_t* p) {
  return {LoadNative64(p), LoadNative64(p + 8)};
}
template <size_t N>
constexpr uint64_t NativeBytes64(const uint8_t (&b)[N], size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    const size_t shift = std::endian::native == std::endian::little ? 8 * i : 56 - 8 * i;
    v |= uint64_t{b[at + i]} << shift;
  }
  return v;
}
constexpr uint8_t kIpv6LoopbackBytes[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 0, 0, 0, 0, 1};
constexpr uint8_t kV4MappedBytes[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                        0, 0, 0xff, 0xff, 0, 0, 0, 0};
constexpr uint64_t kIpv6LoopbackLo = NativeBytes64(kIpv6LoopbackBytes, 8);
constexpr uint64_t kV4MappedLo = NativeBytes64(kV4MappedBytes, 8);
constexpr uint64_t kV4MappedLoMask =
    NativeBytes64({0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, 0);

// The address tests below read words rather than call out (memcmp,
// IpAddr's predicates): a call anywhere in ParseFrame makes every value live
// across it a callee-saved register, pushed and popped on every frame.

// ff02::1:ffXX:XXXX (RFC 4291 §2.7.1), on a 16-byte address.
constexpr uint8_t kSolicitedNodeBytes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                             0,    0,    0, 1, 0xff, 0, 0, 0};
inline bool IsSolicitedNodeMulticast(const uint8_t* a) {
  constexpr uint64_t kLoMask = NativeBytes64({0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0}, 0);
  const Words128 w = LoadWords128(a);
  return w.hi == NativeBytes64(kSolicitedNodeBytes, 0) &&
         (w.lo & kLoMask) == NativeBytes64(kSolicitedNodeBytes, 8);
}

// ff02::1, all nodes.
constexpr uint8_t kAllNodesBytes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                        0,    0,    0, 0, 0, 0, 0, 1};
inline bool IsAllNodesMulticast(const uint8_t* a) {
  const Words128 w = LoadWords128(a);
  return w.hi == NativeBytes64(kAllNodesBytes, 0) &&
         w.lo == NativeBytes64(kAllNodesBytes, 8);
}

// IpAddr::IsMulticast for an IPv6 address: ff00::/8.
inline bool IsV6Multicast(const uint8_t* a) { return a[0] == 0xff; }

// Whether the PMD's verdict settles the checksum; `bad` is set when it says
// the checksum is wrong.
inline bool NeedsSoftwareCheck(ChecksumStatus s, bool* bad) {
  *bad = s == ChecksumStatus::kBad;
  return s == ChecksumStatus::kUnknown;
}

// The native-order view of a big-endian 16-bit word, to add constants to a
// SumNative accumulator.
constexpr uint64_t NativeWord(uint16_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    return __builtin_bswap16(v);
  } else {
    return v;
  }
}

// RFC 1071: a received header or message is intact when its ones'-complement
// sum, checksum field included, is all ones. The sums run inline: the
// headers checked here are a few dozen bytes, where a call and two folds
// cost as much as the adding.
inline bool SumIsAllOnes(uint64_t acc) { return FoldNative(acc) == 0xffff; }

// The same for an L4 message with its pseudo-header, summed straight from
// the IP header: `addrs` is source then destination as they sit there (8
// bytes for IPv4, 32 for IPv6). RFC 9293 §3.1 (IPv4: zero, protocol, 16-bit
// length) and RFC 8200 §8.1 (IPv6: 32-bit length, 24 zero bits, next header)
// give the same two words for lengths below 2^16, which `len` always is.
inline bool L4SumIsAllOnes(const uint8_t* addrs, size_t addrs_len, uint8_t proto,
                           const uint8_t* m, size_t len) {
  uint64_t acc = NativeWord(proto) + NativeWord(static_cast<uint16_t>(len));
  acc = SumNative(addrs, addrs_len, acc);
  return SumIsAllOnes(SumNative(m, len, acc));
}

// ---------------------------------------------------------------- L4 ----

// `t`/`len`: the segment (f.l4_offset to f.end), passed in registers rather
// than read back from the Frame. `addrs`/`addrs_len`: the addresses in the IP
// header, for the pseudo-header.
[[gnu::always_inline]] inline DropReason ParseTcp(const uint8_t* t, size_t len,
                                                  ChecksumStatus cs, const uint8_t* addrs,
                                                  size_t addrs_len, Frame& f) {
  if (len < kTcpMinHeaderLen) return DropReason::kTcpTruncated;
  const size_t header_len = (size_t{t[12]} >> 4) << 2;
  if (header_len < kTcpMinHeaderLen || header_len > len) {
    return DropReason::kTcpBadOffset;
  }
  if (cs != ChecksumStatus::kGood) {
    // MUST-2/3: the pseudo-header is part of the checksum.
    if (cs == ChecksumStatus::kBad ||
        (cs == ChecksumStatus::kUnknown &&
         !L4SumIsAllOnes(addrs, addrs_len, kProtoTcp, t, len))) {
      return DropReason::kTcpBadChecksum;
    }
  }

  TcpSegment& s = f.tcp;
  s.sport = Load16(t);
  s.dport = Load16(t + 2);
  if (s.sport == 0 || s.dport == 0) return DropReason::kTcpZeroPort;
  // Byte 13 holds CWR..FIN; the reserved bits and AE (byte 12's low nibble)
  // are ignored on input.
  s.flags = TcpFlags(t[13]);
  if (s.flags.bits() == 0) return DropReason::kTcpNoFlags;
  // One test for both illegal pairs; SYN+FIN wins when all three are set.
  if (s.flags.syn() && (s.flags.bits() & (TcpFlags::kFin | TcpFlags::kRst))) {
    return s.flags.fin() ? DropReason::kTcpSynFin : DropReason::kTcpSynRst;
  }
  s.seq = SeqNum(Load32(t + 4));
  // RFC 9293 §3.1: the acknowledgment field is meaningful only with ACK.
  s.ack = SeqNum(s.flags.ack() ? Load32(t + 8) : 0);
  s.window = Load16(t + 14);
  s.header_len = static_cast<uint16_t>(header_len);
  s.payload_len = static_cast<uint16_t>(len - header_len);
  const uint8_t* const opts = t + kTcpMinHeaderLen;
  const size_t opts_len = header_len - kTcpMinHeaderLen;
  if (!tcp_options_internal::ParseCommonLayout(opts, opts_len, s.flags.syn(), &s.options)) {
    s.options = ParseTcpOptions(Span(opts, opts_len), s.flags.syn());
  }
  f.kind = FrameKind::kTcp;
  return DropReason::kNone;
}

DropReason ParseIcmpv4(const uint8_t* p, ChecksumStatus cs, Frame& f) {
  const size_t len = f.end - f.l4_offset;
  if (len < kIcmpEchoLen) return DropReason::kIcmpTruncated;
  const uint8_t* m = p + f.l4_offset;
  bool bad = false;
  // RFC 792: over the ICMP message only, no pseudo-header.
  if (NeedsSoftwareCheck(cs, &bad)) bad = !SumIsAllOnes(SumNative(m, len, 0));
  if (bad) return DropReason::kIcmpBadChecksum;
  IcmpMessage& icmp = f.icmp;
  icmp.type = m[0];
  icmp.code = m[1];
  if (icmp.type != kIcmpTypeEchoRequest || icmp.code != 0) {
    return DropReason::kIcmpUnsupportedType;
  }
  icmp.id = Load16(m + 4);
  icmp.sequence = Load16(m + 6);
  f.kind = FrameKind::kIcmpEchoRequest;
  return DropReason::kNone;
}

// RFC 4861 §7.1.1 (NS) / §7.1.2 (NA) validity checks; the checksum is
// already verified.
DropReason ParseNeighborDiscovery(const uint8_t* m, size_t len, Frame& f) {
  IcmpMessage& icmp = f.icmp;
  const bool solicit = icmp.type == kIcmpv6TypeNeighborSolicit;
  // Hop limit 255 proves the sender is on-link: a router would have
  // decremented it.
  if (f.ttl != kNdHopLimit) return DropReason::kNdBadHopLimit;
  if (icmp.code != 0) return DropReason::kNdBadMessage;
  if (len < kNdMinLen) return DropReason::kIcmpTruncated;
  SetV6(icmp.target, m + 8);
  if (IsV6Multicast(m + 8)) return DropReason::kNdBadMessage;
  if (!solicit && (m[4] & kNaFlagSolicited) && IsV6Multicast(f.dst.b.data())) {
    return DropReason::kNdBadMessage;  // §7.1.2: solicited NA is unicast
  }
  const uint8_t want = solicit ? kNdOptSourceLinkAddr : kNdOptTargetLinkAddr;
  // Each option is at least 8 bytes, so this runs at most len / 8 times.
  size_t i = kNdMinLen;
  while (i < len) {
    if (len - i < 2) return DropReason::kNdBadMessage;
    const size_t opt_len = size_t{m[i + 1]} << 3;
    if (opt_len == 0 || opt_len > len - i) return DropReason::kNdBadMessage;
    // An Ethernet link-layer address option is 8 bytes; a longer one still
    // starts with the 6-byte address. The last one wins.
    if (m[i] == want) {
      std::memcpy(icmp.link_addr.b.data(), m + i + 2, 6);
      icmp.has_link_addr = true;
    }
    i += opt_len;
  }
  f.kind = solicit ? FrameKind::kNeighborSolicit : FrameKind::kNeighborAdvert;
  return DropReason::kNone;
}

// `ip`: the IPv6 header, for the pseudo-header.
DropReason ParseIcmpv6(const uint8_t* p, const uint8_t* ip, ChecksumStatus cs,
                       Frame& f) {
  const size_t len = f.end - f.l4_offset;
  if (len < kIcmpEchoLen) return DropReason::kIcmpTruncated;
  const uint8_t* m = p + f.l4_offset;
  bool bad = false;
  if (NeedsSoftwareCheck(cs, &bad)) {
    // RFC 4443 §2.3: ICMPv6 includes the pseudo-header.
    bad = !L4SumIsAllOnes(ip + kIpv6AddrsOffset, kIpv6AddrsLen, kProtoIcmpv6, m, len);
  }
  if (bad) return DropReason::kIcmpBadChecksum;
  IcmpMessage& icmp = f.icmp;
  icmp.type = m[0];
  icmp.code = m[1];
  switch (icmp.type) {
    case kIcmpv6TypeEchoRequest:
      if (icmp.code != 0) return DropReason::kIcmpUnsupportedType;
      icmp.id = Load16(m + 4);
      icmp.sequence = Load16(m + 6);
      f.kind = FrameKind::kIcmpEchoRequest;
      return DropReason::kNone;
    case kIcmpv6TypeNeighborSolicit:
    case kIcmpv6TypeNeighborAdvert:
      return ParseNeighborDiscovery(m, len, f);
    default:
      return DropReason::kIcmpUnsupportedType;
  }
}

// ---------------------------------------------------------------- L3 ----

// RFC 791 §3.1 option list. Only walked to find source routes and malformed
// lists; nothing in it is kept.
DropReason CheckIpv4Options(const uint8_t* o, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t kind = o[i];
    if (kind == kIpOptEol) break;
    if (kind == kIpOptNop) {
      ++i;
      continue;
    }
    if (n - i < 2) return DropReason::kIpv4BadOptions;
    const uint8_t len = o[i + 1];
    if (len < 2 || len > n - i) return DropReason::kIpv4BadOptions;
    // MUST-50/53 allow source-routed SYNs; a handshake engine on the open
    // network gains nothing from them and they invite spoofing, so they are
    // dropped (documented deviation, handshake-rules.md §A "IP options").
    if (kind == kIpOptLsrr || kind == kIpOptSsrr) return DropReason::kIpv4SourceRoute;
    i += len;
  }
  return DropReason::kNone;
}

// MUST-46/57/63 and RFC 1812 §5.3.7 martians: the rules of IpAddr's
// predicates (IsMulticast 224/4, IsReservedClassE 240/4 but the broadcast,
// IsLimitedBroadcast, IsUnspecified 0/8, IsLoopback 127/8), which are out of
// line and one call each. As a source everything from 224 up is refused; as
// a destination 224/4, 0/8, 127/8 and 255.255.255.255. All but the last
// depend on the first octet only: one table lookup per address.
constexpr uint8_t kBadV4Source = 1;
constexpr uint8_t kBadV4Destination = 2;
constexpr std::array<uint8_t, 256> kV4FirstOctet = [] {
  std::array<uint8_t, 256> t{};
  for (int i = 0; i < 256; ++i) {
    if (i == 0 || i == 127 || i >= 0xe0) t[i] |= kBadV4Source;
    if (i == 0 || i == 127 || (i & 0xf0) == 0xe0) t[i] |= kBadV4Destination;
  }
  return t;
}();

// `a`: the header's source then destination address.
DropReason CheckIpv4Addresses(const uint8_t* a) {
  if (kV4FirstOctet[a[0]] & kBadV4Source) return DropReason::kBadSource;
  const uint32_t d = LoadNative32(a + 4);
  if (LoadNative32(a) == d) return DropReason::kLand;
  if ((kV4FirstOctet[a[4]] & kBadV4Destination) || d == 0xffffffffu) {
    return DropReason::kBadDestination;
  }
  return DropReason::kNone;
}

DropReason ParseIpv4(const uint8_t* p, size_t n, ChecksumStatus ip_cs,
                     ChecksumStatus l4_cs, Frame& f) {
  const size_t l3 = f.l3_offset;
  const size_t avail = n - l3;
  if (avail < kIpv4MinHeaderLen) return DropReason::kTruncated;
  const uint8_t* ip = p + l3;
  const uint8_t version_ihl = ip[0];
  const size_t ihl = size_t{version_ihl & 0x0fu} << 2;
  // Version 4 without options is nearly every packet; one compare clears
  // both fields.
  if (version_ihl != kIpv4VersionIhlNoOptions) {
    if ((version_ihl >> 4) != 4) return DropReason::kIpv4BadVersion;
    if (ihl < kIpv4MinHeaderLen) return DropReason::kIpv4BadIhl;
  }
  const size_t total = Load16(ip + 2);
  if (total > avail || total < kIpv4MinHeaderLen) return DropReason::kIpv4BadLength;
  if (ihl > total) return DropReason::kIpv4BadIhl;
  bool bad = false;
  if (NeedsSoftwareCheck(ip_cs, &bad)) {
    // A constant length for the usual header lets the sum unroll to three
    // loads.
    const uint64_t sum = ihl == kIpv4MinHeaderLen ? SumNative(ip, kIpv4MinHeaderLen, 0)
                                                  : SumNative(ip, ihl, 0);
    bad = !SumIsAllOnes(sum);
  }
  if (bad) return DropReason::kIpv4BadChecksum;
  // A handshake engine never needs reassembly; fragments of a SYN are an
  // evasion technique, not a use case.
  if (Load16(ip + 6) & kIpv4FragmentMask) return DropReason::kIpv4Fragment;
  if (ihl > kIpv4MinHeaderLen) {
    const DropReason r = CheckIpv4Options(ip + kIpv4MinHeaderLen, ihl - kIpv4MinHeaderLen);
    if (r != DropReason::kNone) return r;
  }

  f.family = Family::kV4;
  f.ttl = ip[8];
  f.end = static_cast<uint16_t>(l3 + total);  // Ethernet padding trimmed
  f.l4_offset = static_cast<uint16_t>(l3 + ihl);
  SetV4(f.src, ip + kIpv4AddrsOffset);
  SetV4(f.dst, ip + kIpv4AddrsOffset + 4);
  const uint8_t proto = ip[9];
  if (proto != kProtoTcp && proto != kProtoIcmp) return DropReason::kUnsupportedProtocol;
  const DropReason r = CheckIpv4Addresses(ip + kIpv4AddrsOffset);
  if (r != DropReason::kNone) return r;
  return proto == kProtoTcp ? ParseTcp(ip + ihl, total - ihl, l4_cs, ip + kIpv4AddrsOffset,
                                       kIpv4AddrsLen, f)
                            : ParseIcmpv4(p, l4_cs, f);
}

// RFC 8200 §4.2 TLV options of a hop-by-hop or destination-options header.
// synx implements none of them, so every type is "unrecognized": types whose
// two high-order bits are 00 are skipped, all others mean "discard".
DropReason CheckIpv6Options(const uint8_t* o, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t type = o[i];
    if (type == kIpv6OptPad1) {
      ++i;
      continue;
    }
    if (n - i < 2) return DropReason::kIpv6BadExtHeader;
    const size_t len = 2 + size_t{o[i + 1]};
    if (len > n - i) return DropReason::kIpv6BadExtHeader;
    if (type & kIpv6OptActionMask) return DropReason::kIpv6UnknownOption;
    i += len;
  }
  return DropReason::kNone;
}

// MUST-46/57/63 for IPv6, with the two ND exceptions: DAD probes come from
// ::, and NS/NA travel to multicast groups (RFC 4861 §7.2.2, §7.2.6).
// `a` is the header's source then destination; the checks are IpAddr's
// IsUnspecified / IsMulticast / IsLoopback / IsV4MappedV6 done on two words
// per address instead of out-of-line calls.
DropReason CheckIpv6Addresses(const uint8_t* a, int icmp_type) {
  const Words128 s = LoadWords128(a);
  if ((s.hi | s.lo) == 0) {
    return icmp_type == kIcmpv6TypeNeighborSolicit
               ? DropReason::kNdDuplicateAddressDetection
               : DropReason::kBadSource;
  }
  // RFC 4291 §2.5.5.2: ::ffff:0:0/96 never appears on the wire; Linux drops
  // such sources as well (ip6_rcv_core).
  if (a[0] == 0xff || (s.hi == 0 && (s.lo == kIpv6LoopbackLo ||
                                     (s.lo & kV4MappedLoMask) == kV4MappedLo))) {
    return DropReason::kBadSource;
  }
  const Words128 d = LoadWords128(a + 16);
  if (s.hi == d.hi && s.lo == d.lo) return DropReason::kLand;
  if (a[16] == 0xff) {
    const bool nd_group =
        (icmp_type == kIcmpv6TypeNeighborSolicit && IsSolicitedNodeMulticast(a + 16)) ||
        (icmp_type == kIcmpv6TypeNeighborAdvert && IsAllNodesMulticast(a + 16));
    if (!nd_group) return DropReason::kBadDestination;
  }
  if (d.hi == 0 && (d.lo == 0 || d.lo == kIpv6LoopbackLo)) {
    return DropReason::kBadDestination;
  }
  return DropReason::kNone;
}

DropReason ParseIpv6(const uint8_t* p, size_t n, ChecksumStatus l4_cs, Frame& f) {
  const size_t l3 = f.l3_offset;
  const size_t avail = n - l3;
  if (avail < kIpv6HeaderLen) return DropReason::kTruncated;
  const uint8_t* ip = p + l3;
  if ((ip[0] >> 4) != 6) return DropReason::kIpv6BadVersion;
  const size_t payload = Load16(ip + 4);
  // 0 announces a jumbogram (RFC 2675), which an Ethernet frame cannot be.
  if (payload == 0 || payload > avail - kIpv6HeaderLen) return DropReason::kIpv6BadLength;

  f.family = Family::kV6;
  f.ttl = ip[7];
  f.end = static_cast<uint16_t>(l3 + kIpv6HeaderLen + payload);
  SetV6(f.src, ip + kIpv6AddrsOffset);
  SetV6(f.dst, ip + kIpv6AddrsOffset + 16);

  const size_t end = f.end;
  size_t off = l3 + kIpv6HeaderLen;
  uint8_t next = ip[6];
  for (int count = 0;; ++count) {
    if (next == kProtoTcp || next == kProtoIcmpv6) break;
    if (next == kIpv6FragmentHeader) return DropReason::kIpv6Fragment;
    // Anything else that is not walked (no-next-header 59, AH, ESP,
    // mobility, UDP, ...) ends here.
    if (next != kIpv6HopByHop && next != kIpv6DestOpts && next != kIpv6Routing) {
      return DropReason::kUnsupportedProtocol;
    }
    if (count == kMaxIpv6ExtHeaders) return DropReason::kIpv6ExtHeaderLimit;
    // RFC 8200 §4.1: hop-by-hop only immediately after the IPv6 header.
    if (next == kIpv6HopByHop && count != 0) return DropReason::kIpv6BadExtHeader;
    if (end - off < kIpv6ExtMinLen) return DropReason::kIpv6BadExtHeader;
    const uint8_t* h = p + off;
    const size_t len = (size_t{h[1]} + 1) << 3;
    if (len > end - off) return DropReason::kIpv6BadExtHeader;
    if (next == kIpv6Routing) {
      // RFC 8200 §4.4: with segments left 0 the header is ignored; with
      // more we would be an intermediate hop, which a handshake engine
      // never is (and RH0 is deprecated, RFC 5095).
      if (h[3] != 0) return DropReason::kIpv6RoutingHeader;
    } else {
      const DropReason r = CheckIpv6Options(h + 2, len - 2);
      if (r != DropReason::kNone) return r;
    }
    next = h[0];
    off += len;
  }
  f.l4_offset = static_cast<uint16_t>(off);

  // The ICMPv6 type decides the ND address exceptions; it is only a peek,
  // the checksum that covers it is verified before the message is used.
  const int icmp_type = (next == kProtoIcmpv6 && off < end) ? p[off] : -1;
  const DropReason r = CheckIpv6Addresses(ip + kIpv6AddrsOffset, icmp_type);
  if (r != DropReason::kNone) return r;
  return next == kProtoTcp ? ParseTcp(p + off, end - off, l4_cs, ip + kIpv6AddrsOffset,
                                      kIpv6AddrsLen, f)
                           : ParseIcmpv6(p, ip, l4_cs, f);
}

DropReason ParseArp(const uint8_t* p, size_t n, Frame& f) {
  const size_t l3 = f.l3_offset;
  if (n - l3 < kArpLen) return DropReason::kTruncated;
  const uint8_t* a = p + l3;
  if (Load16(a) != kArpHtypeEthernet || Load16(a + 2) != kEtherTypeIpv4 ||
      a[4] != kArpHlenEthernet || a[5] != kArpPlenIpv4) {
    return DropReason::kArpBadHeader;
  }
  ArpMessage& arp = f.arp;
  arp.op = Load16(a + 6);
  if (arp.op != kArpOpRequest && arp.op != kArpOpReply) {
    return DropReason::kArpUnsupportedOp;
  }
  std::memcpy(arp.sha.b.data(), a + 8, 6);
  SetV4(arp.spa, a + 14);
  std::memcpy(arp.tha.b.data(), a + 18, 6);
  SetV4(arp.tpa, a + 24);
  // Address policy for ARP (probes from 0.0.0.0, gratuitous ARP with
  // spa == tpa) is the host layer's: both are legitimate here.
  f.family = Family::kV4;
  f.end = static_cast<uint16_t>(l3 + kArpLen);
  f.l4_offset = f.end;
  f.kind = FrameKind::kArp;
  return DropReason::kNone;
}

// ---------------------------------------------------------------- L2 ----

DropReason ParseEthernet(const uint8_t* p, size_t n, ChecksumStatus ip_cs,
                         ChecksumStatus l4_cs, Frame& f) {
  if (n < kEthAddrsLen + 2) return DropReason::kTruncated;
  // Destination and source MAC sit side by side in the frame and in Frame:
  // one 12-byte copy (an 8- and a 4-byte move) instead of two 6-byte ones.
  static_assert(offsetof(Frame, src_mac) == offsetof(Frame, dst_mac) + 6);
  std::memcpy(reinterpret_cast<uint8_t*>(&f) + offsetof(Frame, dst_mac), p, kEthAddrsLen);
  size_t type_at = kEthAddrsLen;
  uint16_t type = Load16(p + type_at);
  // 802.1Q inside 802.1ad, or either alone; the tag order is not policed.
  while (type == kEtherTypeVlan || type == kEtherTypeQinQ) {
    if (f.vlan_count == kMaxVlanTags) return DropReason::kVlanTooDeep;
    if (n - type_at < 2 + kVlanTagLen) return DropReason::kTruncated;
    f.vlan_tci[f.vlan_count++] = Load16(p + type_at + 2);
    type_at += kVlanTagLen;
    type = Load16(p + type_at);
  }
  f.l3_offset = static_cast<uint16_t>(type_at + 2);
  // Most frames first: a switch here compiled to ARP, IPv6, then IPv4.
  if (type == kEtherTypeIpv4) return ParseIpv4(p, n, ip_cs, l4_cs, f);
  if (type == kEtherTypeIpv6) return ParseIpv6(p, n, l4_cs, f);
  if (type == kEtherTypeArp) return ParseArp(p, n, f);
  return DropReason::kUnknownEtherType;
}

}  // namespace

Frame ParseFrame(std::span<const uint8_t> bytes, ChecksumStatus ip_checksum,
                 ChecksumStatus l4_checksum) {
  // Copying a constant default Frame lets the compiler drop the default
  // member initialisers and emit twelve 16-byte moves; `Frame f;` alone
  // becomes `rep stosq` plus six byte stores, slower to start than the whole
  // copy.
  static_assert(std::is_trivially_copyable_v<Frame>);
  static constexpr Frame kDefault{};
  Frame f;
  std::memcpy(&f, &kDefault, sizeof(Frame));
  // Offsets are 16-bit; a single mbuf segment never holds more, and a
  // longer span could only make an IP length check fail later.
  const size_t n = bytes.size() < 0xffff ? bytes.size() : 0xffff;
  f.drop = ParseEthernet(bytes.data(), n, ip_checksum, l4_checksum, f);
  if (f.drop != DropReason::kNone) f.kind = FrameKind::kDrop;
  return f;
}

}  // namespace synx::wire
