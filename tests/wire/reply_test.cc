// reply_test.cc — the reply writers against scapy-built golden replies.
//
// Each case parses a golden input with ParseFrame, copies it into a buffer
// poisoned with 0xA5 (an mbuf's data room stand-in, larger than any frame),
// runs the writer and compares the result byte for byte with the reply scapy
// built (tests/wire/golden_frames.h, scripts/golden_frames.py).
#include "wire/reply.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "golden_frames.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/drop_reason.h"
#include "wire/frame.h"

namespace synx::wire {
namespace {

namespace g = golden;

constexpr size_t kBufSize = 512;
constexpr uint8_t kPoison = 0xa5;
constexpr size_t kTcpChecksumOffset = 16;
constexpr size_t kIcmpChecksumOffset = 2;

MacAddr Mac(const uint8_t (&b)[6]) {
  MacAddr m;
  std::copy(std::begin(b), std::end(b), m.b.begin());
  return m;
}

const MacAddr kOwnMac = Mac(g::kOwnMac);

enum class Writer { kTcp, kArp, kEcho, kNeighborAdvert };

struct ReplyCase {
  std::string_view name;  // in kGoldenReplies
  Writer writer;
  TcpReply tcp;              // Writer::kTcp only
  uint16_t offload_sum = 0;  // Writer::kTcp: checksum field under kOffload
  FrameKind reparsed_kind;   // what ParseFrame makes of the reply
  DropReason reparsed_drop = DropReason::kNone;
};

TcpReply Reply(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window) {
  TcpReply r;
  r.flags = TcpFlags(flags);
  r.seq = SeqNum(seq);
  r.ack = SeqNum(ack);
  r.window = window;
  r.ttl = g::kReplyTtl;
  r.ip_id = g::kReplyIpId;
  return r;
}

TcpReply SynAck(uint16_t mss, bool all_options) {
  TcpReply r = Reply(TcpFlags::kSyn | TcpFlags::kAck, g::kIss, g::kPeerIsn + 1,
                     g::kOwnSynAckWindow);
  r.syn.mss = mss;
  if (all_options) {
    r.syn.sack_permitted = true;
    r.syn.timestamps = true;
    r.syn.ts_val = g::kOwnTsVal;
    r.syn.ts_ecr = g::kPeerTsValSyn;
    r.syn.window_scale = true;
    r.syn.window_shift = g::kOwnWindowShift;
  }
  return r;
}

// §3.10.7.1 for a segment without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>.
TcpReply RstAck(uint32_t ack) {
  return Reply(TcpFlags::kRst | TcpFlags::kAck, 0, ack, 0);
}

TcpReply AckOfFin() {
  TcpReply r =
      Reply(TcpFlags::kAck, g::kIss + 1, g::kPeerIsn + 2, g::kOwnAckWindow);
  r.timestamps = true;
  r.ts_val = g::kOwnTsValAck;
  r.ts_ecr = g::kPeerTsValAck;
  return r;
}

// §3.10.7.1 for a segment with ACK: <SEQ=SEG.ACK><CTL=RST>. The ack value
// given is junk on purpose: without the ACK bit the field must go out zero.
TcpReply RstForAck() {
  return Reply(TcpFlags::kRst, g::kIss + 1, 0xdeadbeef, 0);
}

void PrintTo(const ReplyCase& c, std::ostream* os) { *os << c.name; }

ReplyCase Tcp(std::string_view name, TcpReply r, uint16_t offload_sum) {
  return {name, Writer::kTcp, r, offload_sum, FrameKind::kTcp};
}

const std::vector<ReplyCase>& Cases() {
  static const std::vector<ReplyCase> cases = {
      Tcp("synack_v4_linux", SynAck(g::kOwnMssV4, true),
          g::kSynackV4LinuxPseudoSum),
      Tcp("synack_v4_mss_only", SynAck(g::kOwnMssV4, false),
          g::kSynackV4MssOnlyPseudoSum),
      Tcp("synack_v4_no_options", SynAck(0, false),
          g::kSynackV4NoOptionsPseudoSum),
      Tcp("synack_v4_data", SynAck(g::kOwnMssV4, false),
          g::kSynackV4DataPseudoSum),
      Tcp("synack_v4_vlan", SynAck(g::kOwnMssV4, true),
          g::kSynackV4VlanPseudoSum),
      Tcp("synack_v4_qinq", SynAck(g::kOwnMssV4, true),
          g::kSynackV4QinqPseudoSum),
      Tcp("synack_v4_ip_options", SynAck(g::kOwnMssV4, true),
          g::kSynackV4IpOptionsPseudoSum),
      Tcp("synack_v6_linux", SynAck(g::kOwnMssV6, true),
          g::kSynackV6LinuxPseudoSum),
      Tcp("synack_v6_hbh", SynAck(g::kOwnMssV6, true),
          g::kSynackV6HbhPseudoSum),
      Tcp("rst_ack_v4_syn", RstAck(g::kPeerIsn + 1), g::kRstAckV4SynPseudoSum),
      Tcp("rst_ack_v4_syn_data", RstAck(g::kPeerIsn + 1 + g::kSynDataLen),
          g::kRstAckV4SynDataPseudoSum),
      Tcp("rst_ack_v6_syn", RstAck(g::kPeerIsn + 1), g::kRstAckV6SynPseudoSum),
      Tcp("rst_v4_ack", RstForAck(), g::kRstV4AckPseudoSum),
      Tcp("ack_v4_fin", AckOfFin(), g::kAckV4FinPseudoSum),
      {"arp_reply", Writer::kArp, {}, 0, FrameKind::kArp},
      // ParseFrame answers only echo requests; an echo reply gets as far as
      // the type check, past the checksum check (verified directly below).
      {"echo_reply_v4",
       Writer::kEcho,
       {},
       0,
       FrameKind::kDrop,
       DropReason::kIcmpUnsupportedType},
      {"echo_reply_v4_ip_options",
       Writer::kEcho,
       {},
       0,
       FrameKind::kDrop,
       DropReason::kIcmpUnsupportedType},
      {"echo_reply_v6",
       Writer::kEcho,
       {},
       0,
       FrameKind::kDrop,
       DropReason::kIcmpUnsupportedType},
      {"echo_reply_v6_hbh",
       Writer::kEcho,
       {},
       0,
       FrameKind::kDrop,
       DropReason::kIcmpUnsupportedType},
      {"na_v6", Writer::kNeighborAdvert, {}, 0, FrameKind::kNeighborAdvert},
  };
  return cases;
}

const g::GoldenReply* FindGolden(std::string_view name) {
  for (const g::GoldenReply& r : g::kGoldenReplies) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

size_t RunWriter(const ReplyCase& c, std::span<uint8_t> buf, const Frame& in,
                 L4ChecksumMode mode = L4ChecksumMode::kSoftware) {
  switch (c.writer) {
    case Writer::kTcp:
      return WriteTcpReply(buf, in, c.tcp, mode);
    case Writer::kArp:
      return WriteArpReply(buf, in, kOwnMac);
    case Writer::kEcho:
      return WriteEchoReply(buf, in, g::kReplyTtl);
    case Writer::kNeighborAdvert:
      return WriteNeighborAdvert(buf, in, kOwnMac);
  }
  return 0;
}

std::vector<uint8_t> Bytes(std::span<const uint8_t> s) {
  return {s.begin(), s.end()};
}

std::string FirstDifference(std::span<const uint8_t> got,
                            std::span<const uint8_t> want) {
  const size_t n = std::min(got.size(), want.size());
  for (size_t i = 0; i < n; ++i) {
    if (got[i] != want[i]) {
      char line[64];
      std::snprintf(line, sizeof(line),
                    "first difference at byte %zu: %02x != %02x", i, got[i],
                    want[i]);
      return line;
    }
  }
  return got.size() == want.size() ? "equal" : "lengths differ";
}

class GoldenReplyTest : public testing::TestWithParam<ReplyCase> {
 protected:
  void SetUp() override {
    golden_ = FindGolden(GetParam().name);
    ASSERT_NE(golden_, nullptr) << GetParam().name;
    in_ = ParseFrame(golden_->input);
    ASSERT_TRUE(in_.ok()) << DropReasonName(in_.drop);
    buf_.fill(kPoison);
    std::copy(golden_->input.begin(), golden_->input.end(), buf_.begin());
  }

  std::span<const uint8_t> Written(size_t len) const {
    return std::span<const uint8_t>(buf_).first(len);
  }

  const g::GoldenReply* golden_ = nullptr;
  Frame in_;
  std::array<uint8_t, kBufSize> buf_;
};

TEST_P(GoldenReplyTest, MatchesGoldenByteForByte) {
  const size_t len = RunWriter(GetParam(), buf_, in_);
  ASSERT_EQ(len, golden_->bytes.size());
  EXPECT_EQ(Bytes(Written(len)), Bytes(golden_->bytes))
      << FirstDifference(Written(len), golden_->bytes);
  // Nothing written past the reply (or the request it overwrote).
  const size_t touched = std::max(len, golden_->input.size());
  for (size_t i = touched; i < buf_.size(); ++i) {
    ASSERT_EQ(buf_[i], kPoison) << "byte " << i;
  }
}

// The smallest buffer that works is the reply's length, except for echo,
// whose writer must also read the whole request (its body moves).
TEST_P(GoldenReplyTest, SmallestBufferFitsOneByteLessWritesNothing) {
  const size_t want = golden_->bytes.size();
  const size_t fit = GetParam().writer == Writer::kEcho
                         ? std::max<size_t>(want, in_.end)
                         : want;
  const std::array<uint8_t, kBufSize> before = buf_;
  EXPECT_EQ(RunWriter(GetParam(), std::span<uint8_t>(buf_).first(fit - 1), in_),
            0u);
  EXPECT_EQ(buf_, before);
  EXPECT_EQ(RunWriter(GetParam(), std::span<uint8_t>(buf_).first(fit), in_),
            want);
}

TEST_P(GoldenReplyTest, ReplyReparsesWithSoftwareChecksums) {
  const ReplyCase& c = GetParam();
  const size_t len = RunWriter(c, buf_, in_);
  ASSERT_EQ(len, golden_->bytes.size());
  const Frame out = ParseFrame(Written(len), ChecksumStatus::kUnknown,
                               ChecksumStatus::kUnknown);
  EXPECT_EQ(out.kind, c.reparsed_kind);
  EXPECT_EQ(out.drop, c.reparsed_drop)
      << DropReasonName(out.drop) << " != " << DropReasonName(c.reparsed_drop);
  if (!out.ok()) return;
  EXPECT_EQ(out.dst_mac, in_.src_mac);
  EXPECT_EQ(out.vlan_count, in_.vlan_count);
  EXPECT_EQ(out.vlan_tci[0], in_.vlan_tci[0]);
  EXPECT_EQ(out.vlan_tci[1], in_.vlan_tci[1]);
  EXPECT_EQ(out.l3_offset, in_.l3_offset);
  EXPECT_EQ(out.end, len);
  switch (c.writer) {
    case Writer::kTcp:
      EXPECT_EQ(out.src_mac, in_.dst_mac);
      EXPECT_EQ(out.src, in_.dst);
      EXPECT_EQ(out.dst, in_.src);
      EXPECT_EQ(out.ttl, c.tcp.ttl);
      EXPECT_EQ(out.tcp.sport, in_.tcp.dport);
      EXPECT_EQ(out.tcp.dport, in_.tcp.sport);
      EXPECT_EQ(out.tcp.seq, c.tcp.seq);
      EXPECT_EQ(out.tcp.ack, c.tcp.flags.ack() ? c.tcp.ack : SeqNum(0));
      EXPECT_EQ(out.tcp.flags, c.tcp.flags);
      EXPECT_EQ(out.tcp.window, c.tcp.window);
      EXPECT_EQ(out.tcp.payload_len, 0);
      EXPECT_FALSE(out.tcp.options.malformed);
      if (c.tcp.flags.syn()) {
        EXPECT_EQ(out.tcp.options.mss, c.tcp.syn.mss);
        EXPECT_EQ(out.tcp.options.sack_permitted, c.tcp.syn.sack_permitted);
        EXPECT_EQ(out.tcp.options.has_timestamps, c.tcp.syn.timestamps);
        EXPECT_EQ(out.tcp.options.has_window_scale, c.tcp.syn.window_scale);
      } else {
        EXPECT_EQ(out.tcp.options.has_timestamps, c.tcp.timestamps);
      }
      break;
    case Writer::kArp:
      EXPECT_EQ(out.src_mac, kOwnMac);
      EXPECT_EQ(out.arp.op, kArpOpReply);
      EXPECT_EQ(out.arp.sha, kOwnMac);
      EXPECT_EQ(out.arp.spa, in_.arp.tpa);
      EXPECT_EQ(out.arp.tha, in_.arp.sha);
      EXPECT_EQ(out.arp.tpa, in_.arp.spa);
      break;
    case Writer::kNeighborAdvert:
      EXPECT_EQ(out.src_mac, kOwnMac);
      EXPECT_EQ(out.src, in_.icmp.target);
      EXPECT_EQ(out.dst, in_.src);
      EXPECT_EQ(out.ttl, 255);
      EXPECT_EQ(out.icmp.type, 136);
      EXPECT_EQ(out.icmp.target, in_.icmp.target);
      EXPECT_TRUE(out.icmp.has_link_addr);
      EXPECT_EQ(out.icmp.link_addr, kOwnMac);
      break;
    case Writer::kEcho:
      ADD_FAILURE() << "ParseFrame accepted an echo reply";
      break;
  }
}

class GoldenTcpReplyTest : public GoldenReplyTest {};

TEST_P(GoldenTcpReplyTest, OffloadStoresPseudoHeaderSum) {
  const ReplyCase& c = GetParam();
  const size_t len = RunWriter(c, buf_, in_, L4ChecksumMode::kOffload);
  ASSERT_EQ(len, golden_->bytes.size());
  const size_t tcp = in_.l3_offset + (in_.family == Family::kV4 ? 20 : 40);
  const size_t field = tcp + kTcpChecksumOffset;
  EXPECT_EQ(Load16(&buf_[field]), c.offload_sum);
  // Every other byte is as in the software-checksum reply.
  std::vector<uint8_t> want = Bytes(golden_->bytes);
  std::vector<uint8_t> got = Bytes(Written(len));
  Store16(&want[field], 0);
  Store16(&got[field], 0);
  EXPECT_EQ(got, want) << FirstDifference(got, want);
  // What the NIC does with it: checksum the segment from the pseudo sum in
  // the field and store the complement; that must be the golden checksum.
  const std::span<const uint8_t> segment = Written(len).subspan(tcp);
  EXPECT_EQ(static_cast<uint16_t>(~FoldChecksum(ChecksumAdd(segment))),
            Load16(&golden_->bytes[field]));
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenReplyTest, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<ReplyCase>& info) {
                           return std::string(info.param.name);
                         });

std::vector<ReplyCase> TcpCases() {
  std::vector<ReplyCase> tcp;
  std::copy_if(Cases().begin(), Cases().end(), std::back_inserter(tcp),
               [](const ReplyCase& c) { return c.writer == Writer::kTcp; });
  return tcp;
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenTcpReplyTest,
                         testing::ValuesIn(TcpCases()),
                         [](const testing::TestParamInfo<ReplyCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(GoldenReplyCoverageTest, EveryGoldenReplyHasACase) {
  for (const g::GoldenReply& r : g::kGoldenReplies) {
    const auto& cases = Cases();
    EXPECT_TRUE(
        std::any_of(cases.begin(), cases.end(),
                    [&](const ReplyCase& c) { return c.name == r.name; }))
        << r.name;
  }
}

// The echo writers update the checksum incrementally (RFC 1624 eqn. 3). Sweep
// the identifier through all 2^16 values so that the request checksum and
// the reply's take every value a full computation can give (0x0000 to
// 0xfffe: the ±0 edge where eqn. 2 goes wrong), and compare with a full
// recomputation each time.
class EchoIncrementalTest : public testing::TestWithParam<std::string_view> {};

TEST_P(EchoIncrementalTest, EqualsFullRecomputation) {
  const g::GoldenReply* golden = FindGolden(GetParam());
  ASSERT_NE(golden, nullptr);
  const Frame request = ParseFrame(golden->input);
  ASSERT_EQ(request.kind, FrameKind::kIcmpEchoRequest);
  const bool v4 = request.family == Family::kV4;
  const size_t ip_len = v4 ? 20 : 40;
  const size_t icmp_len = request.l4_len();
  std::array<uint8_t, kBufSize> buf;
  int reply_sums_seen_zero = 0;
  for (uint32_t id = 0; id <= 0xffff; ++id) {
    buf.fill(kPoison);
    std::copy(golden->input.begin(), golden->input.end(), buf.begin());
    uint8_t* icmp_in = &buf[request.l4_offset];
    Store16(icmp_in + 4, static_cast<uint16_t>(id));
    const uint32_t pseudo_in =
        v4 ? 0
           : PseudoHeaderSum(request.src, request.dst, kProtoIcmpv6, icmp_len);
    Store16(icmp_in + kIcmpChecksumOffset,
            L4Checksum(pseudo_in, {icmp_in, icmp_len}, kIcmpChecksumOffset));
    const Frame in =
        ParseFrame(std::span<const uint8_t>(buf).first(request.end));
    ASSERT_EQ(in.kind, FrameKind::kIcmpEchoRequest) << id;
    ASSERT_EQ(WriteEchoReply(buf, in, g::kReplyTtl),
              request.l3_offset + ip_len + icmp_len);
    const uint8_t* icmp = &buf[request.l3_offset + ip_len];
    const uint32_t pseudo_out =
        v4 ? 0
           : PseudoHeaderSum(request.dst, request.src, kProtoIcmpv6, icmp_len);
    const uint16_t stored = Load16(icmp + kIcmpChecksumOffset);
    ASSERT_EQ(stored,
              L4Checksum(pseudo_out, {icmp, icmp_len}, kIcmpChecksumOffset))
        << "id " << id;
    ASSERT_EQ(Load16(icmp + 4), id);
    reply_sums_seen_zero += stored == 0;
  }
  EXPECT_GE(reply_sums_seen_zero, 1);  // the sweep did reach the ±0 edge
}

INSTANTIATE_TEST_SUITE_P(Golden, EchoIncrementalTest,
                         testing::Values("echo_reply_v4",
                                         "echo_reply_v4_ip_options",
                                         "echo_reply_v6", "echo_reply_v6_hbh"));

// A writer given a frame of another kind writes nothing.
struct WrongKindCase {
  std::string_view input;  // in kGoldenFrames
  Writer writer;
};

void PrintTo(const WrongKindCase& c, std::ostream* os) {
  *os << c.input << " to writer " << static_cast<int>(c.writer);
}

class WrongKindTest : public testing::TestWithParam<WrongKindCase> {};

TEST_P(WrongKindTest, ReturnsZeroAndLeavesBufferAlone) {
  const g::GoldenFrame* golden = nullptr;
  for (const g::GoldenFrame& f : g::kGoldenFrames) {
    if (f.name == GetParam().input) golden = &f;
  }
  ASSERT_NE(golden, nullptr);
  std::array<uint8_t, kBufSize> buf;
  buf.fill(kPoison);
  std::copy(golden->bytes.begin(), golden->bytes.end(), buf.begin());
  const std::array<uint8_t, kBufSize> before = buf;
  const Frame in = ParseFrame(golden->bytes);
  ASSERT_TRUE(in.ok()) << DropReasonName(in.drop);
  ReplyCase c{"", GetParam().writer, SynAck(g::kOwnMssV4, true), 0,
              FrameKind::kDrop};
  EXPECT_EQ(RunWriter(c, buf, in), 0u);
  EXPECT_EQ(buf, before);
  EXPECT_EQ(RunWriter(c, buf, Frame{}), 0u);  // kDrop
  EXPECT_EQ(buf, before);
}

const WrongKindCase kWrongKindCases[] = {
    {"arp_request", Writer::kTcp},
    {"echo_v4", Writer::kTcp},
    {"ns_v6", Writer::kTcp},
    {"syn_v4_linux", Writer::kArp},
    {"echo_v4", Writer::kArp},
    {"syn_v4_linux", Writer::kEcho},
    {"arp_request", Writer::kEcho},
    {"ns_v6", Writer::kEcho},
    {"echo_v6", Writer::kNeighborAdvert},
    {"syn_v6_linux", Writer::kNeighborAdvert},
    {"arp_request", Writer::kNeighborAdvert},
};

std::string WrongKindName(const testing::TestParamInfo<WrongKindCase>& info) {
  constexpr std::string_view kWriter[] = {"Tcp", "Arp", "Echo", "Na"};
  return std::string(kWriter[static_cast<int>(info.param.writer)]) + "_" +
         std::string(info.param.input);
}

INSTANTIATE_TEST_SUITE_P(Golden, WrongKindTest,
                         testing::ValuesIn(kWrongKindCases), WrongKindName);

// An ARP reply is not answered (RFC 826: only requests get replies).
TEST(ArpReplyTest, ArpReplyIsNotAnswered) {
  const g::GoldenReply* golden = FindGolden("arp_reply");
  ASSERT_NE(golden, nullptr);
  std::array<uint8_t, kBufSize> buf;
  buf.fill(kPoison);
  std::copy(golden->bytes.begin(), golden->bytes.end(), buf.begin());
  const std::array<uint8_t, kBufSize> before = buf;
  const Frame in = ParseFrame(golden->bytes);
  ASSERT_EQ(in.kind, FrameKind::kArp);
  ASSERT_EQ(in.arp.op, kArpOpReply);
  EXPECT_EQ(WriteArpReply(buf, in, kOwnMac), 0u);
  EXPECT_EQ(buf, before);
}

}  // namespace
}  // namespace synx::wire
