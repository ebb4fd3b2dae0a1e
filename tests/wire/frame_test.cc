// frame_test.cc — ParseFrame: one test per wire-level row of
// handshake-rules.md §B (each asserting the exact DropReason), positive
// parses that check every field of Frame, PMD checksum verdicts, and a
// truncation / mutation sweep over every valid frame.
//
// Frames are built here by a small builder whose checksums come from
// wire/checksum.h (itself checked against scapy in checksum_test.cc).

#include "wire/frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "wire/bytes.h"

namespace synx::wire {

// Readable failure output for the value types.
void PrintTo(DropReason r, std::ostream* os) { *os << DropReasonName(r); }
void PrintTo(const IpAddr& a, std::ostream* os) { *os << a.ToString(); }
void PrintTo(const MacAddr& m, std::ostream* os) { *os << m.ToString(); }
void PrintTo(SeqNum s, std::ostream* os) { *os << s.value(); }
void PrintTo(TcpFlags f, std::ostream* os) { *os << "0x" << std::hex << int{f.bits()} << std::dec; }
void PrintTo(FrameKind k, std::ostream* os) { *os << "FrameKind(" << int(k) << ")"; }

namespace {

using Bytes = std::vector<uint8_t>;
using CS = ChecksumStatus;

const MacAddr kOurMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
const MacAddr kPeerMac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};

IpAddr Ip(const char* s) {
  auto a = IpAddr::Parse(s);
  EXPECT_TRUE(a.has_value()) << s;
  return a.value_or(IpAddr{});
}

void Put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Put32(Bytes& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}
void Append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
void AppendAddr(Bytes& b, const IpAddr& a) { b.insert(b.end(), a.data(), a.data() + a.size()); }

// ------------------------------------------------------------- L4 bytes --

struct Tcp {
  uint16_t sport = 40000;
  uint16_t dport = 80;
  uint32_t seq = 1000;
  uint32_t ack = 0;
  uint8_t flags = TcpFlags::kSyn;
  uint8_t low_nibble = 0;     // reserved bits and AE of byte 12
  uint16_t window = 64240;
  uint16_t urgent = 0;
  Bytes options;              // a multiple of 4
  Bytes payload;
  int data_offset = -1;       // words; -1: derived from options
};

Bytes TcpBytes(const Tcp& t) {
  Bytes b;
  Put16(b, t.sport);
  Put16(b, t.dport);
  Put32(b, t.seq);
  Put32(b, t.ack);
  const int doff = t.data_offset >= 0 ? t.data_offset
                                      : static_cast<int>(5 + t.options.size() / 4);
  b.push_back(static_cast<uint8_t>(doff << 4 | (t.low_nibble & 0x0f)));
  b.push_back(t.flags);
  Put16(b, t.window);
  Put16(b, 0);  // checksum, filled by Build
  Put16(b, t.urgent);
  Append(b, t.options);
  Append(b, t.payload);
  return b;
}

// ICMP / ICMPv6 echo: type, code, checksum, id, sequence, data.
Bytes EchoBytes(uint8_t type, uint16_t id, uint16_t seq, const Bytes& data,
                uint8_t code = 0) {
  Bytes b = {type, code, 0, 0};
  Put16(b, id);
  Put16(b, seq);
  Append(b, data);
  return b;
}

// NS/NA: type, code, checksum, flags+reserved (4), target (16), options.
Bytes NdBytes(uint8_t type, const IpAddr& target, const Bytes& options,
              uint8_t flags = 0, uint8_t code = 0) {
  Bytes b = {type, code, 0, 0, flags, 0, 0, 0};
  AppendAddr(b, target);
  Append(b, options);
  return b;
}

// A link-layer address option (RFC 4861 §4.6.1), 8 bytes.
Bytes LinkAddrOption(uint8_t type, const MacAddr& mac) {
  Bytes b = {type, 1};
  b.insert(b.end(), mac.b.begin(), mac.b.end());
  return b;
}

// ------------------------------------------------------------- framing --

// One IPv6 extension header; byte 0 (its next header) is filled by Build.
struct Ext {
  uint8_t type;
  Bytes bytes;
};

// Hop-by-hop / destination options with the given TLVs, padded with PadN /
// Pad1 to a multiple of 8.
Ext OptionsHeader(uint8_t type, Bytes tlvs) {
  Bytes b = {0, 0};
  Append(b, tlvs);
  const size_t pad = (8 - b.size() % 8) % 8;
  if (pad == 1) {
    b.push_back(0);
  } else if (pad >= 2) {
    b.push_back(1);
    b.push_back(static_cast<uint8_t>(pad - 2));
    b.insert(b.end(), pad - 2, 0);
  }
  b[1] = static_cast<uint8_t>(b.size() / 8 - 1);
  return {type, b};
}
Ext HopByHop(Bytes tlvs = {}) { return OptionsHeader(0, std::move(tlvs)); }
Ext DestOpts(Bytes tlvs = {}) { return OptionsHeader(60, std::move(tlvs)); }
Ext Routing(uint8_t segments_left) {
  // Type 4 (SRH) shell with one 16-byte segment: 24 bytes, hdr ext len 2.
  Bytes b = {0, 2, 4, segments_left, 0, 0, 0, 0};
  b.insert(b.end(), 16, 0x20);
  return {43, b};
}
Ext Fragment() { return {44, {0, 0, 0, 0, 0, 0, 0, 1}}; }

struct Spec {
  MacAddr dst_mac = kOurMac;
  MacAddr src_mac = kPeerMac;
  std::vector<std::pair<uint16_t, uint16_t>> tags;  // (TPID, TCI)
  int ethertype = -1;  // -1: from the family
  Family family = Family::kV4;
  IpAddr src;
  IpAddr dst;
  uint8_t ttl = 64;
  uint8_t proto = kProtoTcp;  // IPv4 protocol / last next header
  uint16_t ip_id = 0x1234;
  uint16_t frag = 0x4000;     // DF
  Bytes ip_options;           // IPv4, a multiple of 4
  std::vector<Ext> ext;       // IPv6
  Bytes l4;
  int checksum_at = -1;       // L4 checksum field offset, -1: none
  bool pseudo = true;         // false for ICMPv4
  size_t padding = 0;         // zero bytes after the IP packet
  bool break_ip_checksum = false;
  bool break_l4_checksum = false;
};

Bytes Build(const Spec& s) {
  Bytes f;
  f.insert(f.end(), s.dst_mac.b.begin(), s.dst_mac.b.end());
  f.insert(f.end(), s.src_mac.b.begin(), s.src_mac.b.end());
  for (const auto& [tpid, tci] : s.tags) {
    Put16(f, tpid);
    Put16(f, tci);
  }
  const bool v4 = s.family == Family::kV4;
  Put16(f, s.ethertype >= 0 ? static_cast<uint16_t>(s.ethertype)
                           : (v4 ? kEtherTypeIpv4 : kEtherTypeIpv6));
  const size_t l3 = f.size();

  Bytes l4 = s.l4;
  if (s.checksum_at >= 0) {
    const uint32_t pseudo =
        s.pseudo ? PseudoHeaderSum(s.src, s.dst, s.proto, static_cast<uint32_t>(l4.size()))
                 : 0;
    uint16_t c = L4Checksum(pseudo, l4, static_cast<size_t>(s.checksum_at));
    if (s.break_l4_checksum) c ^= 0x0001;
    Store16(l4.data() + s.checksum_at, c);
  }

  if (v4) {
    const size_t ihl = 20 + s.ip_options.size();
    f.push_back(static_cast<uint8_t>(0x40 | ihl / 4));
    f.push_back(0);  // DSCP/ECN
    Put16(f, static_cast<uint16_t>(ihl + l4.size()));
    Put16(f, s.ip_id);
    Put16(f, s.frag);
    f.push_back(s.ttl);
    f.push_back(s.proto);
    Put16(f, 0);
    AppendAddr(f, s.src);
    AppendAddr(f, s.dst);
    Append(f, s.ip_options);
    uint16_t c = Ipv4HeaderChecksum({f.data() + l3, ihl});
    if (s.break_ip_checksum) c ^= 0x0001;
    Store16(f.data() + l3 + 10, c);
  } else {
    size_t ext_len = 0;
    for (const Ext& e : s.ext) ext_len += e.bytes.size();
    Put32(f, 0x60000000);
    Put16(f, static_cast<uint16_t>(ext_len + l4.size()));
    f.push_back(s.ext.empty() ? s.proto : s.ext.front().type);
    f.push_back(s.ttl);
    AppendAddr(f, s.src);
    AppendAddr(f, s.dst);
    for (size_t i = 0; i < s.ext.size(); ++i) {
      Bytes e = s.ext[i].bytes;
      e[0] = i + 1 < s.ext.size() ? s.ext[i + 1].type : s.proto;
      Append(f, e);
    }
  }
  Append(f, l4);
  f.insert(f.end(), s.padding, 0);
  return f;
}

Spec V4(Bytes l4, uint8_t proto = kProtoTcp) {
  Spec s;
  s.family = Family::kV4;
  s.src = Ip("198.18.0.2");
  s.dst = Ip("198.18.0.1");
  s.proto = proto;
  s.l4 = std::move(l4);
  s.checksum_at = proto == kProtoTcp ? 16 : 2;
  s.pseudo = proto == kProtoTcp;
  return s;
}

Spec V6(Bytes l4, uint8_t proto = kProtoTcp) {
  Spec s;
  s.family = Family::kV6;
  s.src = Ip("2001:2::2");
  s.dst = Ip("2001:2::1");
  s.proto = proto;
  s.l4 = std::move(l4);
  s.checksum_at = proto == kProtoTcp ? 16 : 2;
  return s;
}

Spec V4Tcp(const Tcp& t = {}) { return V4(TcpBytes(t)); }
Spec V6Tcp(const Tcp& t = {}) { return V6(TcpBytes(t)); }
Spec V4Echo() { return V4(EchoBytes(8, 0x4242, 7, {'p', 'i', 'n', 'g'}), kProtoIcmp); }
Spec V6Echo() { return V6(EchoBytes(128, 0x4242, 7, {'p', 'i', 'n', 'g'}), kProtoIcmpv6); }

// NS from 2001:2::2 for 2001:2::1 to its solicited-node group.
Spec Ns(Bytes options = LinkAddrOption(1, kPeerMac)) {
  Spec s = V6(NdBytes(135, Ip("2001:2::1"), options), kProtoIcmpv6);
  s.dst = Ip("ff02::1:ff00:1");
  s.dst_mac = MacAddr{{0x33, 0x33, 0xff, 0x00, 0x00, 0x01}};
  s.ttl = 255;
  return s;
}

// Unsolicited NA (override) from 2001:2::2 to all nodes.
Spec Na(Bytes options = LinkAddrOption(2, kPeerMac), uint8_t flags = 0x20) {
  Spec s = V6(NdBytes(136, Ip("2001:2::2"), options, flags), kProtoIcmpv6);
  s.dst = Ip("ff02::1");
  s.dst_mac = MacAddr{{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}};
  s.ttl = 255;
  return s;
}

struct Arp {
  uint16_t htype = 1, ptype = 0x0800;
  uint8_t hlen = 6, plen = 4;
  uint16_t op = 1;
  MacAddr sha = kPeerMac;
  IpAddr spa = IpAddr::V4(0xc6120002);
  MacAddr tha{};
  IpAddr tpa = IpAddr::V4(0xc6120001);
  std::vector<std::pair<uint16_t, uint16_t>> tags;
  size_t padding = 18;  // to the 60-byte minimum
};

Bytes BuildArp(const Arp& a) {
  Bytes f;
  const MacAddr bcast = MacAddr::Broadcast();
  f.insert(f.end(), bcast.b.begin(), bcast.b.end());
  f.insert(f.end(), kPeerMac.b.begin(), kPeerMac.b.end());
  for (const auto& [tpid, tci] : a.tags) {
    Put16(f, tpid);
    Put16(f, tci);
  }
  Put16(f, kEtherTypeArp);
  Put16(f, a.htype);
  Put16(f, a.ptype);
  f.push_back(a.hlen);
  f.push_back(a.plen);
  Put16(f, a.op);
  f.insert(f.end(), a.sha.b.begin(), a.sha.b.end());
  AppendAddr(f, a.spa);
  f.insert(f.end(), a.tha.b.begin(), a.tha.b.end());
  AppendAddr(f, a.tpa);
  f.insert(f.end(), a.padding, 0);
  return f;
}

// --------------------------------------------------------- assertions ---

DropReason Verdict(const Bytes& b, CS ip = CS::kUnknown, CS l4 = CS::kUnknown) {
  const Frame f = ParseFrame(b, ip, l4);
  EXPECT_EQ(f.kind == FrameKind::kDrop, f.drop != DropReason::kNone);
  return f.drop;
}
DropReason Verdict(const Spec& s, CS ip = CS::kUnknown, CS l4 = CS::kUnknown) {
  return Verdict(Build(s), ip, l4);
}

// Every field of Frame.
void ExpectFrame(const Frame& got, const Frame& want) {
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.drop, want.drop);
  EXPECT_EQ(got.family, want.family);
  EXPECT_EQ(got.vlan_count, want.vlan_count);
  EXPECT_EQ(got.ttl, want.ttl);
  EXPECT_EQ(got.vlan_tci[0], want.vlan_tci[0]);
  EXPECT_EQ(got.vlan_tci[1], want.vlan_tci[1]);
  EXPECT_EQ(got.l3_offset, want.l3_offset);
  EXPECT_EQ(got.l4_offset, want.l4_offset);
  EXPECT_EQ(got.end, want.end);
  EXPECT_EQ(got.dst_mac, want.dst_mac);
  EXPECT_EQ(got.src_mac, want.src_mac);
  EXPECT_EQ(got.src, want.src);
  EXPECT_EQ(got.dst, want.dst);
  EXPECT_EQ(got.tcp.sport, want.tcp.sport);
  EXPECT_EQ(got.tcp.dport, want.tcp.dport);
  EXPECT_EQ(got.tcp.seq, want.tcp.seq);
  EXPECT_EQ(got.tcp.ack, want.tcp.ack);
  EXPECT_EQ(got.tcp.flags, want.tcp.flags);
  EXPECT_EQ(got.tcp.window, want.tcp.window);
  EXPECT_EQ(got.tcp.header_len, want.tcp.header_len);
  EXPECT_EQ(got.tcp.payload_len, want.tcp.payload_len);
  EXPECT_TRUE(got.tcp.options == want.tcp.options);
  EXPECT_EQ(got.arp.op, want.arp.op);
  EXPECT_EQ(got.arp.sha, want.arp.sha);
  EXPECT_EQ(got.arp.tha, want.arp.tha);
  EXPECT_EQ(got.arp.spa, want.arp.spa);
  EXPECT_EQ(got.arp.tpa, want.arp.tpa);
  EXPECT_EQ(got.icmp.type, want.icmp.type);
  EXPECT_EQ(got.icmp.code, want.icmp.code);
  EXPECT_EQ(got.icmp.id, want.icmp.id);
  EXPECT_EQ(got.icmp.sequence, want.icmp.sequence);
  EXPECT_EQ(got.icmp.target, want.icmp.target);
  EXPECT_EQ(got.icmp.link_addr, want.icmp.link_addr);
  EXPECT_EQ(got.icmp.has_link_addr, want.icmp.has_link_addr);
  EXPECT_EQ(got.ok(), want.kind != FrameKind::kDrop);
}

// The common part of an expected TCP frame; tests adjust the rest.
Frame WantV4Tcp(const Tcp& t, uint16_t l3 = 14) {
  Frame w;
  w.kind = FrameKind::kTcp;
  w.family = Family::kV4;
  w.ttl = 64;
  w.l3_offset = l3;
  w.l4_offset = l3 + 20;
  w.end = static_cast<uint16_t>(l3 + 20 + TcpBytes(t).size());
  w.dst_mac = kOurMac;
  w.src_mac = kPeerMac;
  w.src = Ip("198.18.0.2");
  w.dst = Ip("198.18.0.1");
  w.tcp.sport = t.sport;
  w.tcp.dport = t.dport;
  w.tcp.seq = SeqNum(t.seq);
  w.tcp.ack = SeqNum(t.flags & TcpFlags::kAck ? t.ack : 0);
  w.tcp.flags = TcpFlags(t.flags);
  w.tcp.window = t.window;
  w.tcp.header_len = static_cast<uint16_t>(20 + t.options.size());
  w.tcp.payload_len = static_cast<uint16_t>(t.payload.size());
  return w;
}

// Linux's SYN options: MSS 1460, SACK-permitted, TS(0x01020304, 0), NOP, WS 7.
const Bytes kLinuxSynOptions = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4,
                                0, 0, 0, 0, 1, 3, 3, 7};
TcpOptions LinuxSynParsed() {
  TcpOptions o;
  o.mss = 1460;
  o.sack_permitted = true;
  o.has_timestamps = true;
  o.ts_val = 0x01020304;
  o.has_window_scale = true;
  o.window_scale = 7;
  return o;
}

// ======================================================= positive parses ==

TEST(ParseFramePositiveTest, Ipv4SynWithOptions) {
  Tcp t;
  t.options = kLinuxSynOptions;
  const Frame f = ParseFrame(Build(V4Tcp(t)));
  Frame w = WantV4Tcp(t);
  w.tcp.options = LinuxSynParsed();
  ASSERT_EQ(w.end, 74);
  ExpectFrame(f, w);
  EXPECT_EQ(f.l4_len(), 40);
  EXPECT_EQ(f.tcp.SegLen(), 1u);
}

TEST(ParseFramePositiveTest, Ipv6Syn) {
  Tcp t;
  t.options = {2, 4, 0x05, 0xa0};  // MSS 1440
  const Frame f = ParseFrame(Build(V6Tcp(t)));
  Frame w;
  w.kind = FrameKind::kTcp;
  w.family = Family::kV6;
  w.ttl = 64;
  w.l3_offset = 14;
  w.l4_offset = 54;
  w.end = 54 + 24;
  w.dst_mac = kOurMac;
  w.src_mac = kPeerMac;
  w.src = Ip("2001:2::2");
  w.dst = Ip("2001:2::1");
  w.tcp.sport = 40000;
  w.tcp.dport = 80;
  w.tcp.seq = SeqNum(1000);
  w.tcp.flags = TcpFlags(TcpFlags::kSyn);
  w.tcp.window = 64240;
  w.tcp.header_len = 24;
  w.tcp.options.mss = 1440;
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, OneVlanTag) {
  Tcp t;
  Spec s = V4Tcp(t);
  s.tags = {{kEtherTypeVlan, 0x2064}};  // PCP 1, VID 100
  const Frame f = ParseFrame(Build(s));
  Frame w = WantV4Tcp(t, 18);
  w.vlan_count = 1;
  w.vlan_tci[0] = 0x2064;
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, TwoVlanTags) {
  Tcp t;
  t.flags = TcpFlags::kAck;
  t.ack = 0x11223344;
  Spec s = V4Tcp(t);
  s.tags = {{kEtherTypeQinQ, 0x0010}, {kEtherTypeVlan, 0xe0c8}};
  const Frame f = ParseFrame(Build(s));
  Frame w = WantV4Tcp(t, 22);
  w.vlan_count = 2;
  w.vlan_tci[0] = 0x0010;
  w.vlan_tci[1] = 0xe0c8;
  ExpectFrame(f, w);
  EXPECT_EQ(f.tcp.ack, SeqNum(0x11223344));
}

TEST(ParseFramePositiveTest, TwoVlanTagsIpv6) {
  Spec s = V6Tcp();
  s.tags = {{kEtherTypeVlan, 1}, {kEtherTypeVlan, 2}};
  const Frame f = ParseFrame(Build(s));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.l3_offset, 22);
  EXPECT_EQ(f.l4_offset, 62);
  EXPECT_EQ(f.vlan_count, 2);
}

// §B IPv4 "Ethernet padding after total length": trimmed; not payload.
TEST(ParseFramePositiveTest, PaddedFrameEndTrimmed) {
  Tcp t;
  t.flags = TcpFlags::kAck | TcpFlags::kPsh;
  t.ack = 5;
  t.payload = {'h', 'i'};
  Spec s = V4Tcp(t);
  s.padding = 4;  // 14 + 20 + 22 = 56, padded to 60
  const Bytes b = Build(s);
  ASSERT_EQ(b.size(), 60u);
  const Frame f = ParseFrame(b);
  Frame w = WantV4Tcp(t);
  ASSERT_EQ(w.end, 56);
  ExpectFrame(f, w);
  EXPECT_EQ(f.tcp.payload_len, 2);
  EXPECT_EQ(f.l4_len(), 22);
  EXPECT_EQ(f.tcp.SegLen(), 2u);
}

// Padding that is not zero is still padding, and the checksum covers only
// the IP packet.
TEST(ParseFramePositiveTest, NonZeroPaddingIgnored) {
  Bytes b = Build(V4Tcp());
  const size_t end = b.size();
  b.insert(b.end(), 6, 0xa5);
  const Frame f = ParseFrame(b);
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.end, end);
  EXPECT_EQ(f.tcp.payload_len, 0);
}

TEST(ParseFramePositiveTest, Ipv6PaddedFrameEndTrimmed) {
  Spec s = V6Echo();
  s.padding = 8;
  const Bytes b = Build(s);
  const Frame f = ParseFrame(b);
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.end, b.size() - 8);
  EXPECT_EQ(f.l4_len(), 12);
}

// §B IPv4 "options: ignored; never echoed". NOP, NOP, then a record-route
// style option (type 7, length 7) and an RFC 791 timestamp (68), EOL.
TEST(ParseFramePositiveTest, Ipv4HarmlessOptionsIgnored) {
  Tcp t;
  Spec s = V4Tcp(t);
  s.ip_options = {1, 1, 7, 7, 4, 0, 0, 0, 0, 68, 8, 5, 0, 0, 0, 0, 0, 0, 0, 0};
  ASSERT_EQ(s.ip_options.size() % 4, 0u);
  const Frame f = ParseFrame(Build(s));
  Frame w = WantV4Tcp(t);
  w.l4_offset = 14 + 40;
  w.end = static_cast<uint16_t>(w.l4_offset + 20);
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, Ipv4OptionsBytesAfterEolIgnored) {
  Spec s = V4Tcp();
  s.ip_options = {1, 0, 131, 0};  // NOP, EOL, then what would be an LSRR
  const Frame f = ParseFrame(Build(s));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.l4_offset, 14 + 24);
}

TEST(ParseFramePositiveTest, Ipv6HopByHopAndDestOpts) {
  Tcp t;
  t.flags = TcpFlags::kSyn;
  Spec s = V6Tcp(t);
  // Router alert (type 5, action 00) in hop-by-hop; an unknown skippable
  // option (type 0x1e, action 00) in destination options.
  s.ext = {HopByHop({5, 2, 0, 0}), DestOpts({0x1e, 3, 1, 2, 3})};
  const Frame f = ParseFrame(Build(s));
  Frame w;
  w.kind = FrameKind::kTcp;
  w.family = Family::kV6;
  w.ttl = 64;
  w.l3_offset = 14;
  w.l4_offset = 14 + 40 + 8 + 8;
  w.end = w.l4_offset + 20;
  w.dst_mac = kOurMac;
  w.src_mac = kPeerMac;
  w.src = Ip("2001:2::2");
  w.dst = Ip("2001:2::1");
  w.tcp.sport = 40000;
  w.tcp.dport = 80;
  w.tcp.seq = SeqNum(1000);
  w.tcp.flags = TcpFlags(TcpFlags::kSyn);
  w.tcp.window = 64240;
  w.tcp.header_len = 20;
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, Ipv6RoutingHeaderSegmentsLeftZeroSkipped) {
  Spec s = V6Tcp();
  s.ext = {Routing(0)};
  const Frame f = ParseFrame(Build(s));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.l4_offset, 14 + 40 + 24);
}

TEST(ParseFramePositiveTest, Ipv6EightExtensionHeadersAllowed) {
  Spec s = V6Tcp();
  s.ext.assign(kMaxIpv6ExtHeaders, DestOpts());
  const Frame f = ParseFrame(Build(s));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.l4_offset, 14 + 40 + 8 * kMaxIpv6ExtHeaders);
}

TEST(ParseFramePositiveTest, ArpRequest) {
  Arp a;
  const Frame f = ParseFrame(BuildArp(a));
  Frame w;
  w.kind = FrameKind::kArp;
  w.family = Family::kV4;
  w.l3_offset = 14;
  w.l4_offset = 42;
  w.end = 42;  // the 18 bytes of padding trimmed
  w.dst_mac = MacAddr::Broadcast();
  w.src_mac = kPeerMac;
  w.arp.op = kArpOpRequest;
  w.arp.sha = kPeerMac;
  w.arp.spa = Ip("198.18.0.2");
  w.arp.tha = MacAddr{};
  w.arp.tpa = Ip("198.18.0.1");
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, ArpReplyWithVlanUnpadded) {
  Arp a;
  a.op = kArpOpReply;
  a.tha = kOurMac;
  a.tags = {{kEtherTypeVlan, 7}};
  a.padding = 0;
  const Frame f = ParseFrame(BuildArp(a));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.kind, FrameKind::kArp);
  EXPECT_EQ(f.arp.op, kArpOpReply);
  EXPECT_EQ(f.arp.tha, kOurMac);
  EXPECT_EQ(f.l3_offset, 18);
  EXPECT_EQ(f.end, 46);
  EXPECT_EQ(f.vlan_tci[0], 7);
}

// ARP probes (spa 0.0.0.0, RFC 5227) are legitimate: address policy for
// ARP belongs to the host layer.
TEST(ParseFramePositiveTest, ArpProbeFromZeroAccepted) {
  Arp a;
  a.spa = IpAddr::V4(0);
  const Frame f = ParseFrame(BuildArp(a));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.arp.spa, IpAddr::V4(0));
}

TEST(ParseFramePositiveTest, Icmpv4EchoRequest) {
  const Frame f = ParseFrame(Build(V4Echo()));
  Frame w;
  w.kind = FrameKind::kIcmpEchoRequest;
  w.family = Family::kV4;
  w.ttl = 64;
  w.l3_offset = 14;
  w.l4_offset = 34;
  w.end = 34 + 12;
  w.dst_mac = kOurMac;
  w.src_mac = kPeerMac;
  w.src = Ip("198.18.0.2");
  w.dst = Ip("198.18.0.1");
  w.icmp.type = 8;
  w.icmp.code = 0;
  w.icmp.id = 0x4242;
  w.icmp.sequence = 7;
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, Icmpv6EchoRequest) {
  const Frame f = ParseFrame(Build(V6Echo()));
  Frame w;
  w.kind = FrameKind::kIcmpEchoRequest;
  w.family = Family::kV6;
  w.ttl = 64;
  w.l3_offset = 14;
  w.l4_offset = 54;
  w.end = 54 + 12;
  w.dst_mac = kOurMac;
  w.src_mac = kPeerMac;
  w.src = Ip("2001:2::2");
  w.dst = Ip("2001:2::1");
  w.icmp.type = 128;
  w.icmp.id = 0x4242;
  w.icmp.sequence = 7;
  ExpectFrame(f, w);
}

Frame WantNs() {
  Frame w;
  w.kind = FrameKind::kNeighborSolicit;
  w.family = Family::kV6;
  w.ttl = 255;
  w.l3_offset = 14;
  w.l4_offset = 54;
  w.dst_mac = MacAddr{{0x33, 0x33, 0xff, 0x00, 0x00, 0x01}};
  w.src_mac = kPeerMac;
  w.src = Ip("2001:2::2");
  w.dst = Ip("ff02::1:ff00:1");
  w.icmp.type = 135;
  w.icmp.target = Ip("2001:2::1");
  return w;
}

TEST(ParseFramePositiveTest, NeighborSolicitWithSourceLinkAddr) {
  const Frame f = ParseFrame(Build(Ns()));
  Frame w = WantNs();
  w.end = 54 + 32;
  w.icmp.link_addr = kPeerMac;
  w.icmp.has_link_addr = true;
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, NeighborSolicitWithoutOptions) {
  // Unicast NUD probe: no SLLA needed (RFC 4861 §7.2.2).
  Spec s = Ns({});
  s.dst = Ip("2001:2::1");
  s.dst_mac = kOurMac;
  const Frame f = ParseFrame(Build(s));
  Frame w = WantNs();
  w.end = 54 + 24;
  w.dst = Ip("2001:2::1");
  w.dst_mac = kOurMac;
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, NeighborSolicitUnknownOptionSkipped) {
  // A nonce option (type 14, RFC 3971) before the SLLA.
  Bytes opts = {14, 1, 1, 2, 3, 4, 5, 6};
  Append(opts, LinkAddrOption(1, kPeerMac));
  const Frame f = ParseFrame(Build(Ns(opts)));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_TRUE(f.icmp.has_link_addr);
  EXPECT_EQ(f.icmp.link_addr, kPeerMac);
}

TEST(ParseFramePositiveTest, NeighborAdvert) {
  const Frame f = ParseFrame(Build(Na()));
  Frame w;
  w.kind = FrameKind::kNeighborAdvert;
  w.family = Family::kV6;
  w.ttl = 255;
  w.l3_offset = 14;
  w.l4_offset = 54;
  w.end = 54 + 32;
  w.dst_mac = MacAddr{{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}};
  w.src_mac = kPeerMac;
  w.src = Ip("2001:2::2");
  w.dst = Ip("ff02::1");
  w.icmp.type = 136;
  w.icmp.target = Ip("2001:2::2");
  w.icmp.link_addr = kPeerMac;
  w.icmp.has_link_addr = true;
  ExpectFrame(f, w);
}

TEST(ParseFramePositiveTest, NeighborAdvertSolicitedUnicast) {
  Spec s = Na(LinkAddrOption(2, kPeerMac), 0x60);  // S and O
  s.dst = Ip("2001:2::1");
  s.dst_mac = kOurMac;
  const Frame f = ParseFrame(Build(s));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.kind, FrameKind::kNeighborAdvert);
}

// An NA's link-layer option is the *target* one; a source option is skipped.
TEST(ParseFramePositiveTest, NeighborAdvertIgnoresSourceLinkAddrOption) {
  const Frame f = ParseFrame(Build(Na(LinkAddrOption(1, kPeerMac))));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_FALSE(f.icmp.has_link_addr);
}

// ================================================== §B rows: L2 ==========

TEST(ParseFrameL2Test, ThirdVlanTagDropped) {
  Spec s = V4Tcp();
  s.tags = {{kEtherTypeQinQ, 1}, {kEtherTypeVlan, 2}, {kEtherTypeVlan, 3}};
  EXPECT_EQ(Verdict(s), DropReason::kVlanTooDeep);
}

TEST(ParseFrameL2Test, UnknownEtherTypeDropped) {
  for (uint16_t type : {0x88cc /*LLDP*/, 0x8847 /*MPLS*/, 0x9100 /*old QinQ*/,
                        0x0040 /*802.3 length*/, 0x0000}) {
    Spec s = V4Tcp();
    s.ethertype = type;
    EXPECT_EQ(Verdict(s), DropReason::kUnknownEtherType) << type;
  }
  // Inside a tag too: a tag is never a bypass.
  Spec s = V4Tcp();
  s.tags = {{kEtherTypeVlan, 1}};
  s.ethertype = 0x88cc;
  EXPECT_EQ(Verdict(s), DropReason::kUnknownEtherType);
}

// §B L2 "frame shorter than the headers it claims": truncated.
TEST(ParseFrameL2Test, ShorterThanClaimedHeadersIsTruncated) {
  const Bytes v4 = Build(V4Tcp());
  EXPECT_EQ(Verdict(Bytes(v4.begin(), v4.begin() + 13)), DropReason::kTruncated);
  EXPECT_EQ(Verdict(Bytes(v4.begin(), v4.begin() + 14 + 19)), DropReason::kTruncated);
  const Bytes v6 = Build(V6Tcp());
  EXPECT_EQ(Verdict(Bytes(v6.begin(), v6.begin() + 14 + 39)), DropReason::kTruncated);
  const Bytes arp = BuildArp(Arp{});
  EXPECT_EQ(Verdict(Bytes(arp.begin(), arp.begin() + 14 + 27)), DropReason::kTruncated);
  Spec tagged = V4Tcp();
  tagged.tags = {{kEtherTypeVlan, 1}};
  const Bytes t = Build(tagged);
  EXPECT_EQ(Verdict(Bytes(t.begin(), t.begin() + 16)), DropReason::kTruncated);
  EXPECT_EQ(Verdict(Bytes(t.begin(), t.begin() + 17)), DropReason::kTruncated);
  EXPECT_EQ(Verdict(Bytes{}), DropReason::kTruncated);
}

// ================================================== §B rows: IPv4 ========

TEST(ParseFrameIpv4Test, VersionNot4) {
  Bytes b = Build(V4Tcp());
  b[14] = 0x65;  // version 6 under EtherType IPv4
  EXPECT_EQ(Verdict(b), DropReason::kIpv4BadVersion);
}

TEST(ParseFrameIpv4Test, IhlBelow5) {
  Bytes b = Build(V4Tcp());
  b[14] = 0x44;
  EXPECT_EQ(Verdict(b), DropReason::kIpv4BadIhl);
}

TEST(ParseFrameIpv4Test, IhlBeyondTotalLength) {
  Bytes b = Build(V4Tcp());  // total length 40
  b[14] = 0x4f;              // 60-byte header
  EXPECT_EQ(Verdict(b), DropReason::kIpv4BadIhl);
}

TEST(ParseFrameIpv4Test, TotalLengthBeyondFrame) {
  Bytes b = Build(V4Tcp());
  Store16(b.data() + 16, static_cast<uint16_t>(b.size() - 14 + 1));
  EXPECT_EQ(Verdict(b), DropReason::kIpv4BadLength);
  Store16(b.data() + 16, 0xffff);
  EXPECT_EQ(Verdict(b), DropReason::kIpv4BadLength);
}

TEST(ParseFrameIpv4Test, TotalLengthBelowMinimumHeader) {
  Bytes b = Build(V4Tcp());
  Store16(b.data() + 16, 19);
  EXPECT_EQ(Verdict(b), DropReason::kIpv4BadLength);
  Store16(b.data() + 16, 0);
  EXPECT_EQ(Verdict(b), DropReason::kIpv4BadLength);
}

// §B "total length < IHL·4 + 20": no room for a TCP header. Counted as
// tcp_truncated (for ICMP the floor is 8 bytes: icmp_truncated).
TEST(ParseFrameIpv4Test, TotalLengthBelowHeaderPlusTcp) {
  Bytes tcp = TcpBytes({});
  tcp.resize(19);
  Spec s = V4(tcp);
  s.checksum_at = -1;
  EXPECT_EQ(Verdict(s), DropReason::kTcpTruncated);
  Spec empty = V4({});
  empty.checksum_at = -1;
  EXPECT_EQ(Verdict(empty), DropReason::kTcpTruncated);
  Spec icmp = V4({8, 0, 0xf7, 0xff, 0, 0, 0}, kProtoIcmp);
  icmp.checksum_at = -1;
  EXPECT_EQ(Verdict(icmp), DropReason::kIcmpTruncated);
}

TEST(ParseFrameIpv4Test, BadHeaderChecksum) {
  Spec s = V4Tcp();
  s.break_ip_checksum = true;
  EXPECT_EQ(Verdict(s), DropReason::kIpv4BadChecksum);
  // Any single-bit error in the header is caught.
  const Bytes good = Build(V4Tcp());
  for (size_t bit = 0; bit < 20 * 8; ++bit) {
    const size_t at = 14 + bit / 8;
    if (at == 14 || at == 16 || at == 17) continue;  // version/IHL/length fail earlier
    Bytes b = good;
    b[at] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_EQ(Verdict(b), DropReason::kIpv4BadChecksum) << "bit " << bit;
  }
}

TEST(ParseFrameIpv4Test, FragmentDropped) {
  Spec mf = V4Tcp();
  mf.frag = 0x2000;  // MF
  EXPECT_EQ(Verdict(mf), DropReason::kIpv4Fragment);
  Spec off = V4Tcp();
  off.frag = 0x0001;  // offset 8
  EXPECT_EQ(Verdict(off), DropReason::kIpv4Fragment);
  Spec last = V4Tcp();
  last.frag = 0x4000 | 0x1fff;
  EXPECT_EQ(Verdict(last), DropReason::kIpv4Fragment);
  // DF alone, or no flags at all, or the reserved bit, is not a fragment.
  for (uint16_t frag : {0x0000, 0x4000, 0x8000}) {
    Spec s = V4Tcp();
    s.frag = frag;
    EXPECT_EQ(Verdict(s), DropReason::kNone) << frag;
  }
}

TEST(ParseFrameIpv4Test, SourceRouteDropped) {
  for (uint8_t type : {131 /*LSRR*/, 137 /*SSRR*/}) {
    Spec s = V4Tcp();
    s.ip_options = {1, type, 7, 4, 198, 18, 0, 9};
    EXPECT_EQ(Verdict(s), DropReason::kIpv4SourceRoute) << int{type};
  }
}

TEST(ParseFrameIpv4Test, MalformedOptionsDropped) {
  const std::vector<Bytes> cases = {
      {7, 0, 0, 0},         // length 0
      {7, 1, 0, 0},         // length 1
      {1, 1, 1, 7},         // kind in the last byte
      {7, 5, 0, 0},         // length beyond the header
      {1, 68, 12, 5, 0, 0, 0, 0},  // beyond, after a NOP
  };
  for (const Bytes& opts : cases) {
    Spec s = V4Tcp();
    s.ip_options = opts;
    EXPECT_EQ(Verdict(s), DropReason::kIpv4BadOptions) << int{opts[1]};
  }
}

// ============================================ §B rows: addresses =========

struct AddrCase {
  const char* name;
  const char* src;
  const char* dst;
  DropReason want;
};

void PrintTo(const AddrCase& c, std::ostream* os) { *os << c.name; }

class ParseFrameAddressTest : public ::testing::TestWithParam<AddrCase> {};

TEST_P(ParseFrameAddressTest, TcpSegment) {
  const AddrCase& c = GetParam();
  const IpAddr src = Ip(c.src);
  Spec s = src.is_v4() ? V4Tcp() : V6Tcp();
  s.src = src;
  s.dst = Ip(c.dst);
  EXPECT_EQ(Verdict(s), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ParseFrameAddressTest,
    ::testing::Values(
        AddrCase{"V4Ok", "198.18.0.2", "198.18.0.1", DropReason::kNone},
        AddrCase{"V4SrcMulticast", "224.0.0.1", "198.18.0.1", DropReason::kBadSource},
        AddrCase{"V4SrcBroadcast", "255.255.255.255", "198.18.0.1", DropReason::kBadSource},
        AddrCase{"V4SrcZero", "0.0.0.0", "198.18.0.1", DropReason::kBadSource},
        AddrCase{"V4SrcThisNetwork", "0.1.2.3", "198.18.0.1", DropReason::kBadSource},
        AddrCase{"V4SrcLoopback", "127.0.0.1", "198.18.0.1", DropReason::kBadSource},
        AddrCase{"V4SrcClassE", "240.0.0.1", "198.18.0.1", DropReason::kBadSource},
        AddrCase{"V4Land", "198.18.0.1", "198.18.0.1", DropReason::kLand},
        AddrCase{"V4DstMulticast", "198.18.0.2", "239.1.1.1", DropReason::kBadDestination},
        AddrCase{"V4DstBroadcast", "198.18.0.2", "255.255.255.255", DropReason::kBadDestination},
        AddrCase{"V4DstZero", "198.18.0.2", "0.0.0.0", DropReason::kBadDestination},
        AddrCase{"V4DstLoopback", "198.18.0.2", "127.0.0.1", DropReason::kBadDestination},
        AddrCase{"V6Ok", "2001:2::2", "2001:2::1", DropReason::kNone},
        AddrCase{"V6LinkLocalOk", "fe80::2", "fe80::1", DropReason::kNone},
        AddrCase{"V6SrcMulticast", "ff02::1", "2001:2::1", DropReason::kBadSource},
        AddrCase{"V6SrcUnspecified", "::", "2001:2::1", DropReason::kBadSource},
        AddrCase{"V6SrcLoopback", "::1", "2001:2::1", DropReason::kBadSource},
        AddrCase{"V6SrcV4Mapped", "::ffff:198.18.0.2", "2001:2::1", DropReason::kBadSource},
        AddrCase{"V6Land", "2001:2::1", "2001:2::1", DropReason::kLand},
        AddrCase{"V6DstMulticast", "2001:2::2", "ff02::1", DropReason::kBadDestination},
        AddrCase{"V6DstSolicitedNode", "2001:2::2", "ff02::1:ff00:1", DropReason::kBadDestination},
        AddrCase{"V6DstUnspecified", "2001:2::2", "::", DropReason::kBadDestination},
        AddrCase{"V6DstLoopback", "2001:2::2", "::1", DropReason::kBadDestination}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ParseFrameAddressNdTest, NsFromUnspecifiedIsDad) {
  Spec s = Ns({});  // RFC 4861 §7.1.1: DAD carries no SLLA
  s.src = Ip("::");
  EXPECT_EQ(Verdict(s), DropReason::kNdDuplicateAddressDetection);
}

TEST(ParseFrameAddressNdTest, EchoFromUnspecifiedIsBadSource) {
  Spec s = V6Echo();
  s.src = Ip("::");
  EXPECT_EQ(Verdict(s), DropReason::kBadSource);
}

TEST(ParseFrameAddressNdTest, NsOnlyToItsMulticastGroup) {
  Spec all_nodes = Ns();
  all_nodes.dst = Ip("ff02::1");
  EXPECT_EQ(Verdict(all_nodes), DropReason::kBadDestination);
  Spec other_group = Ns();
  other_group.dst = Ip("ff02::1:fe00:1");  // not ff02::1:ff00:0/104
  EXPECT_EQ(Verdict(other_group), DropReason::kBadDestination);
  Spec site = Ns();
  site.dst = Ip("ff05::1:ff00:1");
  EXPECT_EQ(Verdict(site), DropReason::kBadDestination);
}

TEST(ParseFrameAddressNdTest, NaOnlyToAllNodes) {
  Spec s = Na();
  s.dst = Ip("ff02::1:ff00:2");
  EXPECT_EQ(Verdict(s), DropReason::kBadDestination);
  Spec routers = Na();
  routers.dst = Ip("ff02::2");
  EXPECT_EQ(Verdict(routers), DropReason::kBadDestination);
}

TEST(ParseFrameAddressNdTest, EchoToMulticastDropped) {
  Spec s = V6Echo();
  s.dst = Ip("ff02::1");
  EXPECT_EQ(Verdict(s), DropReason::kBadDestination);
  Spec v4 = V4Echo();
  v4.dst = Ip("224.0.0.1");
  EXPECT_EQ(Verdict(v4), DropReason::kBadDestination);
  Spec bcast = V4Echo();
  bcast.dst = Ip("255.255.255.255");
  EXPECT_EQ(Verdict(bcast), DropReason::kBadDestination);
}

// ================================================== §B rows: IPv6 ========

TEST(ParseFrameIpv6Test, VersionNot6) {
  Bytes b = Build(V6Tcp());
  b[14] = 0x40;
  EXPECT_EQ(Verdict(b), DropReason::kIpv6BadVersion);
}

TEST(ParseFrameIpv6Test, PayloadLengthZeroJumbogram) {
  Bytes b = Build(V6Tcp());
  Store16(b.data() + 18, 0);
  EXPECT_EQ(Verdict(b), DropReason::kIpv6BadLength);
}

TEST(ParseFrameIpv6Test, PayloadLengthBeyondFrame) {
  Bytes b = Build(V6Tcp());
  Store16(b.data() + 18, static_cast<uint16_t>(b.size() - 54 + 1));
  EXPECT_EQ(Verdict(b), DropReason::kIpv6BadLength);
}

TEST(ParseFrameIpv6Test, FragmentHeaderDropped) {
  Spec s = V6Tcp();
  s.ext = {Fragment()};
  EXPECT_EQ(Verdict(s), DropReason::kIpv6Fragment);
  Spec later = V6Tcp();
  later.ext = {HopByHop(), DestOpts(), Fragment()};
  EXPECT_EQ(Verdict(later), DropReason::kIpv6Fragment);
}

TEST(ParseFrameIpv6Test, RoutingHeaderWithSegmentsLeftDropped) {
  Spec s = V6Tcp();
  s.ext = {Routing(1)};
  EXPECT_EQ(Verdict(s), DropReason::kIpv6RoutingHeader);
}

TEST(ParseFrameIpv6Test, NoNextHeaderIsUnsupported) {
  Spec s = V6({}, 59);
  s.checksum_at = -1;
  s.ext = {DestOpts()};
  EXPECT_EQ(Verdict(s), DropReason::kUnsupportedProtocol);
}

TEST(ParseFrameIpv6Test, TooManyExtensionHeaders) {
  Spec s = V6Tcp();
  s.ext.assign(kMaxIpv6ExtHeaders + 1, DestOpts());
  EXPECT_EQ(Verdict(s), DropReason::kIpv6ExtHeaderLimit);
}

TEST(ParseFrameIpv6Test, ExtensionHeaderTruncatedOrTooLong) {
  // Only 4 bytes of an extension header before the payload ends.
  Spec short_hdr = V6({0, 0, 0, 0}, kProtoTcp);
  short_hdr.checksum_at = -1;
  Bytes b = Build(short_hdr);
  b[20] = 60;  // IPv6 next header: destination options
  EXPECT_EQ(Verdict(b), DropReason::kIpv6BadExtHeader);
  // A destination-options header claiming 16 bytes with 8 + 20 present
  // would swallow the TCP header; claiming more than the payload fails.
  Spec s = V6Tcp();
  s.ext = {DestOpts()};
  Bytes c = Build(s);
  c[54 + 1] = 3;  // 32 bytes > 28 left
  EXPECT_EQ(Verdict(c), DropReason::kIpv6BadExtHeader);
}

TEST(ParseFrameIpv6Test, HopByHopNotFirst) {
  Spec s = V6Tcp();
  s.ext = {DestOpts(), HopByHop()};
  EXPECT_EQ(Verdict(s), DropReason::kIpv6BadExtHeader);
}

TEST(ParseFrameIpv6Test, MalformedOptionInsideExtensionHeader) {
  Spec s = V6Tcp();
  Ext e = DestOpts();
  e.bytes = {0, 0, 1, 5, 0, 0, 0, 0};  // PadN claiming 5 bytes, 4 left
  s.ext = {e};
  EXPECT_EQ(Verdict(s), DropReason::kIpv6BadExtHeader);
}

// RFC 8200 §4.2: an unrecognized option whose two high bits are not 00 means
// "discard the packet". Jumbo payload (0xc2) in hop-by-hop, and a made-up
// 01/10/11 type in destination options.
TEST(ParseFrameIpv6Test, UnknownOptionWithDiscardActionDropped) {
  for (uint8_t type : {0x42, 0x82, 0xc2}) {
    Spec s = V6Tcp();
    s.ext = {HopByHop({type, 4, 0, 0, 0, 0})};
    EXPECT_EQ(Verdict(s), DropReason::kIpv6UnknownOption) << int{type};
    Spec d = V6Tcp();
    d.ext = {DestOpts({type, 0})};
    EXPECT_EQ(Verdict(d), DropReason::kIpv6UnknownOption) << int{type};
  }
}

TEST(ParseFrameIpv6Test, OtherNextHeadersUnsupported) {
  for (uint8_t nh : {17 /*UDP*/, 50 /*ESP*/, 51 /*AH*/, 135 /*mobility*/, 1 /*ICMPv4*/}) {
    Spec s = V6({0, 1, 0, 2, 0, 8, 0, 0}, nh);
    s.checksum_at = -1;
    EXPECT_EQ(Verdict(s), DropReason::kUnsupportedProtocol) << int{nh};
  }
}

TEST(ParseFrameIpv4Test, OtherProtocolsUnsupported) {
  for (uint8_t proto : {17 /*UDP*/, 58 /*ICMPv6 over v4*/, 47 /*GRE*/, 4 /*IPIP*/}) {
    Spec s = V4({0, 1, 0, 2, 0, 8, 0, 0}, proto);
    s.checksum_at = -1;
    EXPECT_EQ(Verdict(s), DropReason::kUnsupportedProtocol) << int{proto};
  }
}

// =================================================== §B rows: TCP ========

TEST(ParseFrameTcpTest, DataOffsetBelow5) {
  for (int doff : {0, 1, 4}) {
    Tcp t;
    t.data_offset = doff;
    EXPECT_EQ(Verdict(V4Tcp(t)), DropReason::kTcpBadOffset) << doff;
  }
}

TEST(ParseFrameTcpTest, DataOffsetBeyondSegment) {
  Tcp t;
  t.data_offset = 6;  // 24 bytes claimed, 20 present
  EXPECT_EQ(Verdict(V4Tcp(t)), DropReason::kTcpBadOffset);
  t.data_offset = 15;
  EXPECT_EQ(Verdict(V6Tcp(t)), DropReason::kTcpBadOffset);
  // Exactly to the end is fine.
  t.data_offset = 6;
  t.payload = {1, 1, 1, 1};
  EXPECT_EQ(Verdict(V4Tcp(t)), DropReason::kNone);
}

TEST(ParseFrameTcpTest, FewerThan20Bytes) {
  Bytes tcp = TcpBytes({});
  tcp.resize(12);
  Spec s = V6(tcp);
  s.checksum_at = -1;
  EXPECT_EQ(Verdict(s), DropReason::kTcpTruncated);
}

TEST(ParseFrameTcpTest, BadChecksum) {
  Spec s = V4Tcp();
  s.break_l4_checksum = true;
  EXPECT_EQ(Verdict(s), DropReason::kTcpBadChecksum);
  Spec v6 = V6Tcp();
  v6.break_l4_checksum = true;
  EXPECT_EQ(Verdict(v6), DropReason::kTcpBadChecksum);
  // The pseudo-header counts: the same segment with another source fails.
  Bytes b = Build(V4Tcp());
  b[14 + 15] ^= 0x01;                       // source address
  Store16(b.data() + 24, 0);                // fix the IP header checksum
  Store16(b.data() + 24, Ipv4HeaderChecksum({b.data() + 14, 20}));
  EXPECT_EQ(Verdict(b), DropReason::kTcpBadChecksum);
  // Payload is covered too, and Ethernet padding is not.
  Tcp t;
  t.flags = TcpFlags::kAck;
  t.payload = {1, 2, 3};
  Spec p = V4Tcp(t);
  p.padding = 10;
  Bytes pb = Build(p);
  pb.back() = 0x77;
  EXPECT_EQ(Verdict(pb), DropReason::kNone);
  pb[pb.size() - 11] ^= 0x10;
  EXPECT_EQ(Verdict(pb), DropReason::kTcpBadChecksum);
}

TEST(ParseFrameTcpTest, ZeroPorts) {
  Tcp sport;
  sport.sport = 0;
  EXPECT_EQ(Verdict(V4Tcp(sport)), DropReason::kTcpZeroPort);
  Tcp dport;
  dport.dport = 0;
  EXPECT_EQ(Verdict(V6Tcp(dport)), DropReason::kTcpZeroPort);
}

TEST(ParseFrameTcpTest, NoFlags) {
  Tcp t;
  t.flags = 0;
  EXPECT_EQ(Verdict(V4Tcp(t)), DropReason::kTcpNoFlags);
  // Reserved / AE bits do not count as flags.
  t.low_nibble = 0x0f;
  EXPECT_EQ(Verdict(V4Tcp(t)), DropReason::kTcpNoFlags);
}

TEST(ParseFrameTcpTest, SynFin) {
  Tcp t;
  t.flags = TcpFlags::kSyn | TcpFlags::kFin;
  EXPECT_EQ(Verdict(V4Tcp(t)), DropReason::kTcpSynFin);
  t.flags = TcpFlags::kSyn | TcpFlags::kFin | TcpFlags::kAck | TcpFlags::kPsh |
            TcpFlags::kUrg;  // Christmas tree
  EXPECT_EQ(Verdict(V6Tcp(t)), DropReason::kTcpSynFin);
}

TEST(ParseFrameTcpTest, SynRst) {
  Tcp t;
  t.flags = TcpFlags::kSyn | TcpFlags::kRst;
  EXPECT_EQ(Verdict(V4Tcp(t)), DropReason::kTcpSynRst);
  t.flags |= TcpFlags::kAck;
  EXPECT_EQ(Verdict(V6Tcp(t)), DropReason::kTcpSynRst);
}

// "SYN+ACK sent to a listener" is the tcp layer's call: the parser passes
// it through intact.
TEST(ParseFrameTcpTest, SynAckPassedToTcpLayer) {
  Tcp t;
  t.flags = TcpFlags::kSyn | TcpFlags::kAck;
  t.ack = 77;
  const Frame f = ParseFrame(Build(V4Tcp(t)));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.tcp.flags, TcpFlags(TcpFlags::kSyn | TcpFlags::kAck));
  EXPECT_EQ(f.tcp.ack, SeqNum(77));
}

TEST(ParseFrameTcpTest, ReservedAndAeBitsIgnored) {
  Tcp t;
  t.low_nibble = 0x0f;  // three reserved bits and AE
  t.flags = TcpFlags::kSyn | TcpFlags::kEce | TcpFlags::kCwr;  // ECN setup SYN
  const Frame f = ParseFrame(Build(V4Tcp(t)));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.tcp.flags.bits(), TcpFlags::kSyn | TcpFlags::kEce | TcpFlags::kCwr);
  EXPECT_EQ(f.tcp.header_len, 20);
}

// §B "SYN carrying data": the parser reports it; SegLen counts it.
TEST(ParseFrameTcpTest, SynCarryingData) {
  Tcp t;
  t.payload = {'G', 'E', 'T', ' '};
  const Frame f = ParseFrame(Build(V6Tcp(t)));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.tcp.payload_len, 4);
  EXPECT_EQ(f.tcp.SegLen(), 5u);
}

TEST(ParseFrameTcpTest, AckFieldIgnoredWithoutAckBit) {
  Tcp t;
  t.ack = 0xdeadbeef;
  for (uint8_t flags : {TcpFlags::kSyn, TcpFlags::kRst, TcpFlags::kFin, TcpFlags::kPsh}) {
    t.flags = flags;
    const Frame f = ParseFrame(Build(V4Tcp(t)));
    ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
    EXPECT_EQ(f.tcp.ack, SeqNum(0)) << int{flags};
  }
}

// Options are parsed with syn = flags.syn(): SYN-only options on a non-SYN
// segment are ignored, timestamps are kept.
TEST(ParseFrameTcpTest, OptionsParsedWithSynFlag) {
  Tcp t;
  t.options = kLinuxSynOptions;
  t.flags = TcpFlags::kAck;
  t.ack = 1;
  const Frame f = ParseFrame(Build(V4Tcp(t)));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  TcpOptions want;
  want.has_timestamps = true;
  want.ts_val = 0x01020304;
  EXPECT_TRUE(f.tcp.options == want);
}

TEST(ParseFrameTcpTest, MalformedOptionsDoNotDropTheSegment) {
  Tcp t;
  t.options = {2, 4, 0x05, 0xb4, 8, 0, 0, 0};  // MSS, then length 0
  const Frame f = ParseFrame(Build(V4Tcp(t)));
  ASSERT_TRUE(f.ok()) << DropReasonName(f.drop);
  EXPECT_EQ(f.tcp.options.mss, 1460);
  EXPECT_TRUE(f.tcp.options.malformed);
}

// ============================================ §B rows: ICMP / ND =========

TEST(ParseFrameIcmpTest, V4OtherTypesUnsupported) {
  for (uint8_t type : {0 /*echo reply*/, 3 /*unreachable*/, 11 /*time exceeded*/,
                       13 /*timestamp*/}) {
    EXPECT_EQ(Verdict(V4(EchoBytes(type, 1, 1, {}), kProtoIcmp)),
              DropReason::kIcmpUnsupportedType)
        << int{type};
  }
  EXPECT_EQ(Verdict(V4(EchoBytes(8, 1, 1, {}, /*code=*/1), kProtoIcmp)),
            DropReason::kIcmpUnsupportedType);
}

TEST(ParseFrameIcmpTest, V6OtherTypesUnsupported) {
  for (uint8_t type : {1, 2, 3, 4, 129, 133, 134, 137, 143}) {
    EXPECT_EQ(Verdict(V6(EchoBytes(type, 1, 1, {}), kProtoIcmpv6)),
              DropReason::kIcmpUnsupportedType)
        << int{type};
  }
  EXPECT_EQ(Verdict(V6(EchoBytes(128, 1, 1, {}, /*code=*/1), kProtoIcmpv6)),
            DropReason::kIcmpUnsupportedType);
}

TEST(ParseFrameIcmpTest, Truncated) {
  Spec v4 = V4({8, 0, 0, 0}, kProtoIcmp);
  v4.checksum_at = -1;
  EXPECT_EQ(Verdict(v4), DropReason::kIcmpTruncated);
  Spec v6 = V6({128, 0, 0, 0, 0, 0, 0}, kProtoIcmpv6);
  v6.checksum_at = -1;
  EXPECT_EQ(Verdict(v6), DropReason::kIcmpTruncated);
  // NS/NA need 24 bytes.
  Spec ns = V6({135, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, kProtoIcmpv6);
  ns.ttl = 255;
  EXPECT_EQ(Verdict(ns), DropReason::kIcmpTruncated);
}

TEST(ParseFrameIcmpTest, BadChecksum) {
  Spec v4 = V4Echo();
  v4.break_l4_checksum = true;
  EXPECT_EQ(Verdict(v4), DropReason::kIcmpBadChecksum);
  Spec v6 = V6Echo();
  v6.break_l4_checksum = true;
  EXPECT_EQ(Verdict(v6), DropReason::kIcmpBadChecksum);
  // ICMPv6 needs the pseudo-header: an ICMPv4-style checksum fails.
  Spec nopseudo = V6Echo();
  nopseudo.pseudo = false;
  EXPECT_EQ(Verdict(nopseudo), DropReason::kIcmpBadChecksum);
  Spec ns = Ns();
  ns.break_l4_checksum = true;
  EXPECT_EQ(Verdict(ns), DropReason::kIcmpBadChecksum);
}

TEST(ParseFrameNdTest, HopLimitNot255) {
  for (uint8_t hl : {0, 1, 64, 254}) {
    Spec ns = Ns();
    ns.ttl = hl;
    EXPECT_EQ(Verdict(ns), DropReason::kNdBadHopLimit) << int{hl};
    Spec na = Na();
    na.ttl = hl;
    EXPECT_EQ(Verdict(na), DropReason::kNdBadHopLimit) << int{hl};
  }
}

TEST(ParseFrameNdTest, CodeNotZero) {
  Spec ns = V6(NdBytes(135, Ip("2001:2::1"), {}, 0, /*code=*/1), kProtoIcmpv6);
  ns.ttl = 255;
  EXPECT_EQ(Verdict(ns), DropReason::kNdBadMessage);
  Spec na = V6(NdBytes(136, Ip("2001:2::2"), {}, 0x20, /*code=*/3), kProtoIcmpv6);
  na.ttl = 255;
  EXPECT_EQ(Verdict(na), DropReason::kNdBadMessage);
}

TEST(ParseFrameNdTest, MulticastTarget) {
  Spec ns = V6(NdBytes(135, Ip("ff02::1"), {}), kProtoIcmpv6);
  ns.ttl = 255;
  EXPECT_EQ(Verdict(ns), DropReason::kNdBadMessage);
  Spec na = Na();
  na.l4 = NdBytes(136, Ip("ff02::2"), LinkAddrOption(2, kPeerMac), 0x20);
  EXPECT_EQ(Verdict(na), DropReason::kNdBadMessage);
}

TEST(ParseFrameNdTest, OptionLengthZero) {
  Bytes opts = LinkAddrOption(1, kPeerMac);
  opts[1] = 0;
  EXPECT_EQ(Verdict(Ns(opts)), DropReason::kNdBadMessage);
  // After a valid option as well.
  Bytes two = LinkAddrOption(1, kPeerMac);
  Append(two, {14, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(Verdict(Ns(two)), DropReason::kNdBadMessage);
}

TEST(ParseFrameNdTest, OptionBeyondMessage) {
  Bytes opts = LinkAddrOption(2, kPeerMac);
  opts[1] = 2;  // 16 bytes claimed, 8 present
  EXPECT_EQ(Verdict(Na(opts)), DropReason::kNdBadMessage);
  // A lone trailing byte cannot hold a type and a length.
  Bytes odd = LinkAddrOption(1, kPeerMac);
  odd.push_back(1);
  EXPECT_EQ(Verdict(Ns(odd)), DropReason::kNdBadMessage);
}

TEST(ParseFrameNdTest, SolicitedAdvertToMulticast) {
  // RFC 4861 §7.1.2: S set with a multicast destination is invalid.
  EXPECT_EQ(Verdict(Na(LinkAddrOption(2, kPeerMac), 0x40)), DropReason::kNdBadMessage);
}

// ================================================== §B rows: ARP =========

TEST(ParseFrameArpTest, BadHeader) {
  Arp htype;
  htype.htype = 6;  // IEEE 802
  EXPECT_EQ(Verdict(BuildArp(htype)), DropReason::kArpBadHeader);
  Arp ptype;
  ptype.ptype = 0x86dd;
  EXPECT_EQ(Verdict(BuildArp(ptype)), DropReason::kArpBadHeader);
  Arp hlen;
  hlen.hlen = 8;
  EXPECT_EQ(Verdict(BuildArp(hlen)), DropReason::kArpBadHeader);
  Arp plen;
  plen.plen = 16;
  EXPECT_EQ(Verdict(BuildArp(plen)), DropReason::kArpBadHeader);
}

TEST(ParseFrameArpTest, UnsupportedOp) {
  for (uint16_t op : {0, 3 /*RARP request*/, 4, 8 /*InARP*/, 0xffff}) {
    Arp a;
    a.op = op;
    EXPECT_EQ(Verdict(BuildArp(a)), DropReason::kArpUnsupportedOp) << op;
  }
}

// ===================================== checksum verdicts from the PMD ====

TEST(ParseFrameChecksumStatusTest, IpGoodSkipsVerification) {
  Spec s = V4Tcp();
  s.break_ip_checksum = true;
  EXPECT_EQ(Verdict(s, CS::kGood), DropReason::kNone);
  EXPECT_EQ(Verdict(s, CS::kValidNoChecksum), DropReason::kNone);
  EXPECT_EQ(Verdict(s, CS::kUnknown), DropReason::kIpv4BadChecksum);
}

TEST(ParseFrameChecksumStatusTest, IpBadDrops) {
  EXPECT_EQ(Verdict(V4Tcp(), CS::kBad), DropReason::kIpv4BadChecksum);
  // IPv6 has no header checksum: the IP verdict is meaningless there.
  EXPECT_EQ(Verdict(V6Tcp(), CS::kBad), DropReason::kNone);
}

TEST(ParseFrameChecksumStatusTest, L4GoodSkipsVerification) {
  for (Spec s : {V4Tcp(), V6Tcp(), V4Echo(), V6Echo(), Ns()}) {
    s.break_l4_checksum = true;
    EXPECT_EQ(Verdict(s, CS::kUnknown, CS::kGood), DropReason::kNone);
    EXPECT_EQ(Verdict(s, CS::kUnknown, CS::kValidNoChecksum), DropReason::kNone);
  }
}

TEST(ParseFrameChecksumStatusTest, L4BadDrops) {
  EXPECT_EQ(Verdict(V4Tcp(), CS::kGood, CS::kBad), DropReason::kTcpBadChecksum);
  EXPECT_EQ(Verdict(V6Tcp(), CS::kUnknown, CS::kBad), DropReason::kTcpBadChecksum);
  EXPECT_EQ(Verdict(V4Echo(), CS::kUnknown, CS::kBad), DropReason::kIcmpBadChecksum);
  EXPECT_EQ(Verdict(Na(), CS::kUnknown, CS::kBad), DropReason::kIcmpBadChecksum);
}

// ARP carries no checksum: a PMD verdict does not change it.
TEST(ParseFrameChecksumStatusTest, ArpIgnoresVerdicts) {
  EXPECT_EQ(Verdict(BuildArp(Arp{}), CS::kBad, CS::kBad), DropReason::kNone);
}

// ============================================= truncation and mutation ===

std::vector<std::pair<std::string, Bytes>> ValidFrames() {
  Tcp syn;
  syn.options = kLinuxSynOptions;
  Tcp data;
  data.flags = TcpFlags::kAck | TcpFlags::kPsh;
  data.ack = 9;
  data.payload = {1, 2, 3, 4, 5};
  Spec tagged = V4Tcp(syn);
  tagged.tags = {{kEtherTypeQinQ, 1}, {kEtherTypeVlan, 2}};
  Spec padded = V4Tcp(data);
  padded.padding = 6;
  Spec v4opts = V4Tcp();
  v4opts.ip_options = {1, 1, 7, 7, 4, 0, 0, 0, 0, 1, 1, 1};
  Spec v6ext = V6Tcp(syn);
  v6ext.ext = {HopByHop({5, 2, 0, 0}), DestOpts(), Routing(0)};
  Spec v6tagged = V6Echo();
  v6tagged.tags = {{kEtherTypeVlan, 5}};
  Arp tagged_arp;
  tagged_arp.tags = {{kEtherTypeVlan, 9}};
  return {
      {"v4_syn", Build(V4Tcp(syn))},   {"v6_syn", Build(V6Tcp(syn))},
      {"v4_qinq", Build(tagged)},      {"v4_padded", Build(padded)},
      {"v4_options", Build(v4opts)},   {"v6_ext", Build(v6ext)},
      {"v4_echo", Build(V4Echo())},    {"v6_echo_vlan", Build(v6tagged)},
      {"ns", Build(Ns())},             {"ns_bare", Build(Ns({}))},
      {"na", Build(Na())},             {"arp", BuildArp(Arp{})},
      {"arp_vlan", BuildArp(tagged_arp)},
  };
}

// Every prefix of every valid frame: a prefix that cuts into the IP packet
// (or ARP body) is dropped for its length; one that only loses padding
// parses the same. Each prefix sits in its own exact-size heap buffer so
// that ASan sees any over-read.
TEST(ParseFrameFuzzTest, EveryTruncation) {
  for (const auto& [name, full] : ValidFrames()) {
    const Frame whole = ParseFrame(full);
    ASSERT_TRUE(whole.ok()) << name << ": " << DropReasonName(whole.drop);
    for (size_t len = 0; len < full.size(); ++len) {
      const std::unique_ptr<uint8_t[]> buf(new uint8_t[len > 0 ? len : 1]);
      std::copy(full.begin(), full.begin() + len, buf.get());
      const Frame f = ParseFrame({buf.get(), len});
      if (len < whole.end) {
        EXPECT_FALSE(f.ok()) << name << " len " << len;
        EXPECT_TRUE(f.drop == DropReason::kTruncated ||
                    f.drop == DropReason::kIpv4BadLength ||
                    f.drop == DropReason::kIpv6BadLength)
            << name << " len " << len << ": " << DropReasonName(f.drop);
      } else {
        EXPECT_TRUE(f.ok()) << name << " len " << len;
        EXPECT_EQ(f.end, whole.end) << name << " len " << len;
      }
    }
  }
}

// Random byte flips over the valid frames: whatever comes out is either a
// drop with a named reason or a frame whose offsets lie inside the input.
TEST(ParseFrameFuzzTest, RandomMutations) {
  std::mt19937 rng(20240601);
  const auto frames = ValidFrames();
  for (int iter = 0; iter < 40000; ++iter) {
    const Bytes& base = frames[iter % frames.size()].second;
    const size_t len = base.size() - (rng() % 4 == 0 ? rng() % base.size() : 0);
    const std::unique_ptr<uint8_t[]> buf(new uint8_t[len > 0 ? len : 1]);
    std::copy(base.begin(), base.begin() + len, buf.get());
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips && len > 0; ++i) {
      buf[rng() % len] ^= static_cast<uint8_t>(1 + rng() % 255);
    }
    for (CS cs : {CS::kUnknown, CS::kGood}) {
      const Frame f = ParseFrame({buf.get(), len}, cs, cs);
      const int reason = static_cast<int>(f.drop);
      ASSERT_LT(reason, kDropReasonCount);
      if (f.ok()) {
        ASSERT_EQ(f.drop, DropReason::kNone);
        ASSERT_LE(f.l3_offset, f.l4_offset);
        ASSERT_LE(f.l4_offset, f.end);
        ASSERT_LE(f.end, len);
        if (f.kind == FrameKind::kTcp) {
          ASSERT_EQ(f.tcp.header_len + f.tcp.payload_len, f.l4_len());
        }
      } else {
        ASSERT_NE(f.drop, DropReason::kNone);
      }
    }
  }
}

}  // namespace
}  // namespace synx::wire
