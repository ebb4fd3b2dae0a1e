// tcp_segment_test.cc — WriteTcpSegment (a TCP segment in a fresh frame)
// against the same scapy-built golden replies WriteTcpReply must produce:
// a timer-driven SYN+ACK, RST or ACK is byte for byte the segment the
// received frame would have been turned into.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>
#include <vector>

#include "golden_frames.h"
#include "wire/addr.h"
#include "wire/bytes.h"
#include "wire/reply.h"

namespace synx::wire {
namespace {

namespace g = golden;

constexpr size_t kBufSize = 512;
constexpr uint8_t kPoison = 0xa5;
constexpr size_t kTcpChecksumOffset = 16;

// Destination MAC (the peer), source MAC (ours), then each tag's TPID + TCI.
std::vector<uint8_t> L2(std::initializer_list<std::pair<uint16_t, uint16_t>> tags) {
  std::vector<uint8_t> l2(12 + 4 * tags.size());
  std::copy(std::begin(g::kPeerMac), std::end(g::kPeerMac), l2.begin());
  std::copy(std::begin(g::kOwnMac), std::end(g::kOwnMac), l2.begin() + 6);
  size_t at = 12;
  for (const auto& [tpid, tci] : tags) {
    Store16(l2.data() + at, tpid);
    Store16(l2.data() + at + 2, tci);
    at += 4;
  }
  return l2;
}

const IpAddr kOwn4 = IpAddr::V4Bytes(g::kOwnIp4);
const IpAddr kPeer4 = IpAddr::V4Bytes(g::kPeerIp4);
const IpAddr kOwn6 = IpAddr::V6Bytes(g::kOwnIp6);
const IpAddr kPeer6 = IpAddr::V6Bytes(g::kPeerIp6);

TcpReply FullSynAck(uint16_t mss) {
  TcpReply r;
  r.flags = TcpFlags(TcpFlags::kSyn | TcpFlags::kAck);
  r.seq = SeqNum(g::kIss);
  r.ack = SeqNum(g::kPeerIsn + 1);
  r.window = g::kOwnSynAckWindow;
  r.ttl = g::kReplyTtl;
  r.ip_id = g::kReplyIpId;
  r.syn.mss = mss;
  r.syn.sack_permitted = true;
  r.syn.timestamps = true;
  r.syn.ts_val = g::kOwnTsVal;
  r.syn.ts_ecr = g::kPeerTsValSyn;
  r.syn.window_scale = true;
  r.syn.window_shift = g::kOwnWindowShift;
  return r;
}

struct SegmentCase {
  std::string_view name;
  std::vector<uint8_t> l2;
  bool v6;
  TcpReply reply;
  std::span<const uint8_t> golden;
};

std::vector<SegmentCase> Cases() {
  TcpReply rst;
  rst.flags = TcpFlags(TcpFlags::kRst);
  rst.seq = SeqNum(g::kIss + 1);
  rst.ttl = g::kReplyTtl;
  rst.ip_id = g::kReplyIpId;

  TcpReply ack;
  ack.flags = TcpFlags(TcpFlags::kAck);
  ack.seq = SeqNum(g::kIss + 1);
  ack.ack = SeqNum(g::kPeerIsn + 2);
  ack.window = g::kOwnAckWindow;
  ack.ttl = g::kReplyTtl;
  ack.ip_id = g::kReplyIpId;
  ack.timestamps = true;
  ack.ts_val = g::kOwnTsValAck;
  ack.ts_ecr = g::kPeerTsValAck;

  return {
      {"synack_v4_untagged", L2({}), false, FullSynAck(g::kOwnMssV4),
       g::kSynackV4Linux},
      {"synack_v4_vlan", L2({{kEtherTypeVlan, g::kVlanTci}}), false,
       FullSynAck(g::kOwnMssV4), g::kSynackV4Vlan},
      {"synack_v4_qinq",
       L2({{kEtherTypeQinQ, g::kOuterVlanTci}, {kEtherTypeVlan, g::kVlanTci}}),
       false, FullSynAck(g::kOwnMssV4), g::kSynackV4Qinq},
      {"synack_v6", L2({}), true, FullSynAck(g::kOwnMssV6), g::kSynackV6Linux},
      {"rst_v4", L2({}), false, rst, g::kRstV4Ack},
      {"ack_v4_timestamps", L2({}), false, ack, g::kAckV4Fin},
  };
}

TEST(WriteTcpSegmentTest, MatchesGoldenRepliesByteForByte) {
  for (const SegmentCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    std::array<uint8_t, kBufSize> buf;
    buf.fill(kPoison);
    const size_t n = WriteTcpSegment(
        buf, c.l2, c.v6 ? kOwn6 : kOwn4, g::kOwnPort, c.v6 ? kPeer6 : kPeer4,
        g::kPeerPort, c.reply);
    ASSERT_EQ(n, c.golden.size());
    EXPECT_TRUE(std::equal(c.golden.begin(), c.golden.end(), buf.begin()));
    // Nothing beyond the frame was written.
    EXPECT_TRUE(std::all_of(buf.begin() + n, buf.end(),
                            [](uint8_t b) { return b == kPoison; }));
  }
}

TEST(WriteTcpSegmentTest, OffloadStoresThePseudoHeaderSum) {
  std::array<uint8_t, kBufSize> buf;
  buf.fill(kPoison);
  const size_t n =
      WriteTcpSegment(buf, L2({}), kOwn4, g::kOwnPort, kPeer4, g::kPeerPort,
                      FullSynAck(g::kOwnMssV4), L4ChecksumMode::kOffload);
  ASSERT_EQ(n, sizeof(g::kSynackV4Linux));
  const size_t tcp = 14 + 20;
  EXPECT_EQ(Load16(buf.data() + tcp + kTcpChecksumOffset),
            g::kSynackV4LinuxPseudoSum);
  // Every other byte is the software-checksummed golden frame's.
  for (size_t i = 0; i < n; ++i) {
    if (i == tcp + kTcpChecksumOffset || i == tcp + kTcpChecksumOffset + 1) {
      continue;
    }
    EXPECT_EQ(buf[i], g::kSynackV4Linux[i]) << "byte " << i;
  }
}

TEST(WriteTcpSegmentTest, BufferOneByteShortWritesNothing) {
  for (const SegmentCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    std::vector<uint8_t> buf(c.golden.size() - 1, kPoison);
    EXPECT_EQ(WriteTcpSegment(buf, c.l2, c.v6 ? kOwn6 : kOwn4, g::kOwnPort,
                              c.v6 ? kPeer6 : kPeer4, g::kPeerPort, c.reply),
              0u);
    EXPECT_TRUE(std::all_of(buf.begin(), buf.end(),
                            [](uint8_t b) { return b == kPoison; }));
  }
}

TEST(WriteTcpSegmentTest, RejectsBadL2LengthAndMixedFamilies) {
  std::array<uint8_t, kBufSize> buf;
  buf.fill(kPoison);
  const TcpReply r = FullSynAck(g::kOwnMssV4);
  for (size_t len : {0u, 6u, 11u, 13u, 14u, 18u, 24u}) {
    const std::vector<uint8_t> l2(len, 0x02);
    EXPECT_EQ(WriteTcpSegment(buf, l2, kOwn4, g::kOwnPort, kPeer4,
                              g::kPeerPort, r),
              0u)
        << "l2 length " << len;
  }
  EXPECT_EQ(WriteTcpSegment(buf, L2({}), kOwn4, g::kOwnPort, kPeer6,
                            g::kPeerPort, r),
            0u);
  EXPECT_EQ(WriteTcpSegment(buf, L2({}), kOwn6, g::kOwnPort, kPeer4,
                            g::kPeerPort, r),
            0u);
  EXPECT_TRUE(std::all_of(buf.begin(), buf.end(),
                          [](uint8_t b) { return b == kPoison; }));
}

}  // namespace
}  // namespace synx::wire
