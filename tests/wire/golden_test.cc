// golden_test.cc — ParseFrame on every golden input, every field checked.
//
// The inputs are built by scapy (scripts/golden_frames.py); the expected
// Frames here are written by hand from the named values of golden_frames.h,
// so the parser, the script and this table each check the others.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "golden_frames.h"
#include "wire/addr.h"
#include "wire/drop_reason.h"
#include "wire/frame.h"
#include "wire/tcp_flags.h"
#include "wire/tcp_options.h"

namespace synx::wire {
namespace {

namespace g = golden;

constexpr uint16_t kEthLen = 14;
constexpr uint16_t kVlanLen = 4;
constexpr uint16_t kIpv4Len = 20;
constexpr uint16_t kIpv4OptionsLen = 8;  // NOP + router alert, padded
constexpr uint16_t kIpv6Len = 40;
constexpr uint16_t kHopByHopLen = 8;  // router alert, padded
constexpr uint16_t kArpLen = 28;
constexpr uint16_t kIcmpEchoHeaderLen = 8;
constexpr uint16_t kNsLen = 32;  // header, target, source LL option

MacAddr Mac(const uint8_t (&b)[6]) {
  MacAddr m;
  std::copy(std::begin(b), std::end(b), m.b.begin());
  return m;
}

// An input from the peer to us.
Frame From(Family family, FrameKind kind) {
  Frame f;
  f.kind = kind;
  f.family = family;
  f.ttl = g::kPeerTtl;
  f.l3_offset = kEthLen;
  f.l4_offset = kEthLen + (family == Family::kV4 ? kIpv4Len : kIpv6Len);
  f.dst_mac = Mac(g::kOwnMac);
  f.src_mac = Mac(g::kPeerMac);
  if (family == Family::kV4) {
    f.src = IpAddr::V4Bytes(g::kPeerIp4);
    f.dst = IpAddr::V4Bytes(g::kOwnIp4);
  } else {
    f.src = IpAddr::V6Bytes(g::kPeerIp6);
    f.dst = IpAddr::V6Bytes(g::kOwnIp6);
  }
  return f;
}

// Shifts everything after L2 by `n` bytes (VLAN tags) or everything after
// the fixed IP header (IPv4 options / IPv6 extension headers).
void ShiftL3(Frame& f, uint16_t n) {
  f.l3_offset += n;
  f.l4_offset += n;
  f.end += n;
}
void ShiftL4(Frame& f, uint16_t n) {
  f.l4_offset += n;
  f.end += n;
}

void SetTcp(Frame& f, TcpSegment s) {
  f.tcp = s;
  f.end = f.l4_offset + s.header_len + s.payload_len;
}

TcpSegment Segment(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window,
                   uint16_t header_len, uint16_t payload_len = 0) {
  TcpSegment s;
  s.sport = g::kPeerPort;
  s.dport = g::kOwnPort;
  s.seq = SeqNum(seq);
  s.ack = SeqNum(ack);
  s.flags = TcpFlags(flags);
  s.window = window;
  s.header_len = header_len;
  s.payload_len = payload_len;
  return s;
}

// MSS, SACK_PERM, TS, NOP, WS 7: a Linux client's SYN (40-byte header).
TcpSegment LinuxSyn(uint16_t mss) {
  TcpSegment s = Segment(TcpFlags::kSyn, g::kPeerIsn, 0, g::kPeerSynWindow, 40);
  s.options.mss = mss;
  s.options.sack_permitted = true;
  s.options.has_timestamps = true;
  s.options.ts_val = g::kPeerTsValSyn;
  s.options.ts_ecr = 0;
  s.options.has_window_scale = true;
  s.options.window_scale = g::kPeerWindowShift;
  return s;
}

TcpSegment PlainSyn() {
  return Segment(TcpFlags::kSyn, g::kPeerIsn, 0, 1024, 20);
}

// Segments after the handshake: NOP NOP TS (32-byte header).
TcpSegment Established(uint8_t flags, uint16_t payload_len = 0) {
  TcpSegment s = Segment(flags, g::kPeerIsn + 1, g::kIss + 1, g::kPeerAckWindow,
                         32, payload_len);
  s.options.has_timestamps = true;
  s.options.ts_val = g::kPeerTsValAck;
  s.options.ts_ecr = g::kOwnTsVal;
  return s;
}

Frame TcpV4(TcpSegment s) {
  Frame f = From(Family::kV4, FrameKind::kTcp);
  SetTcp(f, s);
  return f;
}

Frame TcpV6(TcpSegment s) {
  Frame f = From(Family::kV6, FrameKind::kTcp);
  SetTcp(f, s);
  return f;
}

Frame Echo(Family family, uint16_t id, uint16_t seq) {
  Frame f = From(family, FrameKind::kIcmpEchoRequest);
  f.icmp.type = family == Family::kV4 ? 8 : 128;
  f.icmp.code = 0;
  f.icmp.id = id;
  f.icmp.sequence = seq;
  f.end = f.l4_offset + kIcmpEchoHeaderLen + g::kEchoDataLen;
  return f;
}

struct GoldenCase {
  std::string_view name;  // in kGoldenFrames
  Frame want;
};

std::vector<GoldenCase> Cases() {
  std::vector<GoldenCase> cases;
  cases.push_back({"syn_v4_linux", TcpV4(LinuxSyn(g::kPeerMssV4))});
  cases.push_back({"syn_v4_no_options", TcpV4(PlainSyn())});
  {
    TcpSegment s = Segment(TcpFlags::kSyn, g::kPeerIsn, 0, g::kPeerSynWindow,
                           24, g::kSynDataLen);
    s.options.mss = g::kPeerMssV4;
    cases.push_back({"syn_v4_data", TcpV4(s)});
  }
  {
    Frame f = TcpV4(LinuxSyn(g::kPeerMssV4));
    ShiftL3(f, kVlanLen);
    f.vlan_count = 1;
    f.vlan_tci[0] = g::kVlanTci;
    cases.push_back({"syn_v4_vlan", f});
  }
  {
    // Outer (802.1ad S-tag) first, as on the wire.
    Frame f = TcpV4(LinuxSyn(g::kPeerMssV4));
    ShiftL3(f, 2 * kVlanLen);
    f.vlan_count = 2;
    f.vlan_tci[0] = g::kOuterVlanTci;
    f.vlan_tci[1] = g::kVlanTci;
    cases.push_back({"syn_v4_qinq", f});
  }
  {
    Frame f = TcpV4(LinuxSyn(g::kPeerMssV4));
    ShiftL4(f, kIpv4OptionsLen);
    cases.push_back({"syn_v4_ip_options", f});
  }
  // Padding trimmed: `end` is the IP datagram's end, not the frame's.
  cases.push_back({"syn_v4_padded", TcpV4(PlainSyn())});
  cases.push_back({"syn_v6_linux", TcpV6(LinuxSyn(g::kPeerMssV6))});
  {
    Frame f = TcpV6(LinuxSyn(g::kPeerMssV6));
    ShiftL4(f, kHopByHopLen);
    cases.push_back({"syn_v6_hbh", f});
  }
  cases.push_back({"ack_v4_ts", TcpV4(Established(TcpFlags::kAck))});
  cases.push_back(
      {"ack_v4_data",
       TcpV4(Established(TcpFlags::kPsh | TcpFlags::kAck, g::kAckDataLen))});
  // The ACK field of a segment without ACK reads as zero (frame.h).
  cases.push_back(
      {"rst_v4", TcpV4(Segment(TcpFlags::kRst, g::kPeerIsn + 1, 0, 0, 20))});
  cases.push_back(
      {"fin_ack_v4", TcpV4(Established(TcpFlags::kFin | TcpFlags::kAck))});
  {
    Frame f;
    f.kind = FrameKind::kArp;
    f.family = Family::kV4;
    f.l3_offset = kEthLen;
    f.l4_offset = kEthLen + kArpLen;
    f.end = kEthLen + kArpLen;
    f.dst_mac = MacAddr::Broadcast();
    f.src_mac = Mac(g::kPeerMac);
    // ARP carries its addresses in `arp`; src/dst stay unset (frame.h).
    f.arp.op = kArpOpRequest;
    f.arp.sha = Mac(g::kPeerMac);
    f.arp.tha = MacAddr{};
    f.arp.spa = IpAddr::V4Bytes(g::kPeerIp4);
    f.arp.tpa = IpAddr::V4Bytes(g::kOwnIp4);
    cases.push_back({"arp_request", f});
  }
  cases.push_back({"echo_v4", Echo(Family::kV4, g::kEchoIdV4, g::kEchoSeqV4)});
  {
    Frame f = Echo(Family::kV4, g::kEchoIdV4, g::kEchoSeqV4);
    ShiftL4(f, kIpv4OptionsLen);
    cases.push_back({"echo_v4_ip_options", f});
  }
  cases.push_back({"echo_v6", Echo(Family::kV6, g::kEchoIdV6, g::kEchoSeqV6)});
  {
    Frame f = Echo(Family::kV6, g::kEchoIdV6, g::kEchoSeqV6);
    ShiftL4(f, kHopByHopLen);
    cases.push_back({"echo_v6_hbh", f});
  }
  {
    Frame f = From(Family::kV6, FrameKind::kNeighborSolicit);
    f.ttl = 255;
    f.dst_mac = Mac(g::kSolicitedNodeMac);
    f.dst = IpAddr::V6Bytes(g::kSolicitedNodeIp6);
    f.end = f.l4_offset + kNsLen;
    f.icmp.type = 135;
    f.icmp.code = 0;
    f.icmp.target = IpAddr::V6Bytes(g::kOwnIp6);
    f.icmp.link_addr = Mac(g::kPeerMac);
    f.icmp.has_link_addr = true;
    cases.push_back({"ns_v6", f});
  }
  return cases;
}

std::string Describe(const TcpOptions& o) {
  return "mss=" + std::to_string(o.mss) +
         " ws=" + (o.has_window_scale ? std::to_string(o.window_scale) : "-") +
         " sack=" + std::to_string(o.sack_permitted) + " ts=" +
         (o.has_timestamps
              ? std::to_string(o.ts_val) + "/" + std::to_string(o.ts_ecr)
              : "-") +
         " tfo=" + std::to_string(o.has_fast_open) + "/" +
         std::to_string(o.fast_open_cookie_len) +
         " malformed=" + std::to_string(o.malformed);
}

void ExpectFrameEq(const Frame& got, const Frame& want) {
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.drop, want.drop) << DropReasonName(got.drop);
  EXPECT_EQ(got.family, want.family);
  EXPECT_EQ(got.vlan_count, want.vlan_count);
  EXPECT_EQ(got.vlan_tci[0], want.vlan_tci[0]);
  EXPECT_EQ(got.vlan_tci[1], want.vlan_tci[1]);
  EXPECT_EQ(got.ttl, want.ttl);
  EXPECT_EQ(got.l3_offset, want.l3_offset);
  EXPECT_EQ(got.l4_offset, want.l4_offset);
  EXPECT_EQ(got.end, want.end);
  EXPECT_EQ(got.dst_mac, want.dst_mac) << got.dst_mac.ToString();
  EXPECT_EQ(got.src_mac, want.src_mac) << got.src_mac.ToString();
  EXPECT_EQ(got.src, want.src) << got.src.ToString();
  EXPECT_EQ(got.dst, want.dst) << got.dst.ToString();

  EXPECT_EQ(got.tcp.sport, want.tcp.sport);
  EXPECT_EQ(got.tcp.dport, want.tcp.dport);
  EXPECT_EQ(got.tcp.seq.value(), want.tcp.seq.value());
  EXPECT_EQ(got.tcp.ack.value(), want.tcp.ack.value());
  EXPECT_EQ(got.tcp.flags.bits(), want.tcp.flags.bits());
  EXPECT_EQ(got.tcp.window, want.tcp.window);
  EXPECT_EQ(got.tcp.header_len, want.tcp.header_len);
  EXPECT_EQ(got.tcp.payload_len, want.tcp.payload_len);
  EXPECT_TRUE(got.tcp.options == want.tcp.options)
      << Describe(got.tcp.options) << "\n  want " << Describe(want.tcp.options);

  EXPECT_EQ(got.arp.op, want.arp.op);
  EXPECT_EQ(got.arp.sha, want.arp.sha) << got.arp.sha.ToString();
  EXPECT_EQ(got.arp.tha, want.arp.tha) << got.arp.tha.ToString();
  EXPECT_EQ(got.arp.spa, want.arp.spa) << got.arp.spa.ToString();
  EXPECT_EQ(got.arp.tpa, want.arp.tpa) << got.arp.tpa.ToString();

  EXPECT_EQ(got.icmp.type, want.icmp.type);
  EXPECT_EQ(got.icmp.code, want.icmp.code);
  EXPECT_EQ(got.icmp.id, want.icmp.id);
  EXPECT_EQ(got.icmp.sequence, want.icmp.sequence);
  EXPECT_EQ(got.icmp.target, want.icmp.target) << got.icmp.target.ToString();
  EXPECT_EQ(got.icmp.link_addr, want.icmp.link_addr)
      << got.icmp.link_addr.ToString();
  EXPECT_EQ(got.icmp.has_link_addr, want.icmp.has_link_addr);
}

const g::GoldenFrame* FindGolden(std::string_view name) {
  for (const g::GoldenFrame& f : g::kGoldenFrames) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

class GoldenFrameTest : public testing::TestWithParam<GoldenCase> {};

// Checksums verified in software (no PMD flags), as on a PMD without RX
// checksum offload.
TEST_P(GoldenFrameTest, ParsesEveryField) {
  const g::GoldenFrame* golden = FindGolden(GetParam().name);
  ASSERT_NE(golden, nullptr) << GetParam().name;
  ExpectFrameEq(ParseFrame(golden->bytes, ChecksumStatus::kUnknown,
                           ChecksumStatus::kUnknown),
                GetParam().want);
}

// The same frame vouched for by the PMD parses to the same Frame.
TEST_P(GoldenFrameTest, PmdVouchedChecksumsGiveTheSameFrame) {
  const g::GoldenFrame* golden = FindGolden(GetParam().name);
  ASSERT_NE(golden, nullptr) << GetParam().name;
  ExpectFrameEq(
      ParseFrame(golden->bytes, ChecksumStatus::kGood, ChecksumStatus::kGood),
      GetParam().want);
}

// Offsets scapy computed (the script's table) agree with the hand-written
// ones, so the two descriptions of each frame cannot drift apart.
TEST_P(GoldenFrameTest, ScriptLayoutAgrees) {
  const g::GoldenFrame* golden = FindGolden(GetParam().name);
  ASSERT_NE(golden, nullptr) << GetParam().name;
  const Frame& want = GetParam().want;
  EXPECT_EQ(golden->l3_offset, want.l3_offset);
  EXPECT_EQ(golden->l4_offset, want.l4_offset);
  EXPECT_EQ(golden->end, want.end);
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenFrameTest, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<GoldenCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(GoldenFrameCoverageTest, EveryGoldenInputHasACase) {
  const std::vector<GoldenCase> cases = Cases();
  for (const g::GoldenFrame& f : g::kGoldenFrames) {
    EXPECT_TRUE(
        std::any_of(cases.begin(), cases.end(),
                    [&](const GoldenCase& c) { return c.name == f.name; }))
        << f.name;
  }
  EXPECT_EQ(cases.size(), std::size(g::kGoldenFrames));
}

TEST(GoldenPaddingTest, PaddedSynIsPaddedOnTheWire) {
  const g::GoldenFrame* golden = FindGolden("syn_v4_padded");
  ASSERT_NE(golden, nullptr);
  EXPECT_EQ(golden->bytes.size(), 60u);
  EXPECT_EQ(golden->bytes.size() - golden->end, g::kPaddedSynPadLen);
}

}  // namespace
}  // namespace synx::wire
