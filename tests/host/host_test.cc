// host_test — Decide's verdict for every kind of ARP / echo / ND input, and
// Respond's replies to the golden scapy requests (byte for byte, re-parsed).
#include "host/host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "../wire/golden_frames.h"
#include "host/host_config.h"
#include "host/neighbor_cache.h"
#include "wire/checksum.h"
#include "wire/frame.h"

namespace synx::host {
namespace {

namespace g = wire::golden;
using wire::DropReason;
using wire::Family;
using wire::Frame;
using wire::FrameKind;
using wire::IpAddr;
using wire::MacAddr;

const MacAddr kOwnMac{{0x02, 0, 0, 0, 0, 0x01}};
const MacAddr kPeerMac{{0x02, 0, 0, 0, 0, 0x02}};
const MacAddr kThirdMac{{0x02, 0, 0, 0, 0, 0x03}};
const IpAddr kOwn4 = *IpAddr::Parse("198.18.0.1");
const IpAddr kOwn4b = *IpAddr::Parse("198.18.0.10");
const IpAddr kPeer4 = *IpAddr::Parse("198.18.0.2");
const IpAddr kOther4 = *IpAddr::Parse("198.18.0.99");
const IpAddr kZero4 = *IpAddr::Parse("0.0.0.0");
const IpAddr kOwn6 = *IpAddr::Parse("2001:2::1");
const IpAddr kOwn6b = *IpAddr::Parse("2001:2::10");
const IpAddr kPeer6 = *IpAddr::Parse("2001:2::2");
const IpAddr kOther6 = *IpAddr::Parse("2001:2::99");

HostConfig OwnConfig() {
  HostConfig c;
  c.mac = kOwnMac;
  c.ttl = g::kReplyTtl;
  for (const IpAddr& a : {kOwn4, kOwn4b, kOwn6, kOwn6b}) {
    EXPECT_EQ(c.AddAddress(a), AddResult::kOk) << a.ToString();
  }
  return c;
}

Frame Arp(uint16_t op, const MacAddr& sha, const IpAddr& spa,
          const IpAddr& tpa) {
  Frame f;
  f.kind = FrameKind::kArp;
  f.src_mac = sha;
  f.dst_mac = op == wire::kArpOpRequest ? MacAddr::Broadcast() : kOwnMac;
  f.arp.op = op;
  f.arp.sha = sha;
  f.arp.spa = spa;
  f.arp.tpa = tpa;
  return f;
}

Frame Ip(FrameKind kind, const IpAddr& src, const IpAddr& dst,
         const MacAddr& src_mac) {
  Frame f;
  f.kind = kind;
  f.family = src.family;
  f.src = src;
  f.dst = dst;
  f.src_mac = src_mac;
  f.dst_mac = kOwnMac;
  return f;
}

Frame Echo(const IpAddr& src, const IpAddr& dst,
           const MacAddr& src_mac = kPeerMac) {
  Frame f = Ip(FrameKind::kIcmpEchoRequest, src, dst, src_mac);
  f.icmp.type = src.is_v4() ? 8 : 128;
  return f;
}

Frame Nd(FrameKind kind, const IpAddr& src, const IpAddr& target,
         std::optional<MacAddr> link, const MacAddr& src_mac = kPeerMac) {
  Frame f =
      Ip(kind, src,
         kind == FrameKind::kNeighborSolicit ? SolicitedNode(target) : kOwn6,
         src_mac);
  f.ttl = 255;
  f.icmp.type = kind == FrameKind::kNeighborSolicit ? 135 : 136;
  f.icmp.target = target;
  f.icmp.has_link_addr = link.has_value();
  if (link) f.icmp.link_addr = *link;
  return f;
}

enum class Cache { kNone, kEmpty, kExpectsPeer, kKnowsPeer };

struct DecideCase {
  std::string name;
  Frame frame;
  Cache cache;
  HostVerdict verdict;
  DropReason drop;
  std::optional<std::pair<IpAddr, MacAddr>> learn;
};
void PrintTo(const DecideCase& c, std::ostream* os) { *os << c.name; }

std::vector<DecideCase> DecideCases() {
  const auto learn = [](const IpAddr& ip, const MacAddr& mac) {
    return std::optional<std::pair<IpAddr, MacAddr>>({ip, mac});
  };
  const auto none = std::nullopt;
  const MacAddr bcast = MacAddr::Broadcast();
  const MacAddr zero{};
  using V = HostVerdict;
  using D = DropReason;
  using wire::kArpOpReply;
  using wire::kArpOpRequest;
  std::vector<DecideCase> c = {
      // ARP requests.
      {"arp_request_for_us", Arp(kArpOpRequest, kPeerMac, kPeer4, kOwn4),
       Cache::kNone, V::kArpReply, D::kNone, none},
      {"arp_request_for_second_address",
       Arp(kArpOpRequest, kPeerMac, kPeer4, kOwn4b), Cache::kNone, V::kArpReply,
       D::kNone, none},
      {"arp_request_for_someone_else",
       Arp(kArpOpRequest, kPeerMac, kPeer4, kOther4), Cache::kNone, V::kDrop,
       D::kArpNotForUs, none},
      {"arp_probe_from_zero_answered",
       Arp(kArpOpRequest, kPeerMac, kZero4, kOwn4), Cache::kEmpty, V::kArpReply,
       D::kNone, none},
      {"arp_request_unknown_sender_not_learned",
       Arp(kArpOpRequest, kPeerMac, kPeer4, kOwn4), Cache::kEmpty, V::kArpReply,
       D::kNone, none},
      {"arp_request_known_sender_merged",
       Arp(kArpOpRequest, kThirdMac, kPeer4, kOwn4), Cache::kKnowsPeer,
       V::kArpReply, D::kNone, learn(kPeer4, kThirdMac)},
      {"arp_gratuitous_known_sender_merged",
       Arp(kArpOpRequest, kThirdMac, kPeer4, kPeer4), Cache::kKnowsPeer,
       V::kDrop, D::kArpNotForUs, learn(kPeer4, kThirdMac)},
      // ARP replies.
      {"arp_reply_no_cache", Arp(kArpOpReply, kPeerMac, kPeer4, kOwn4),
       Cache::kNone, V::kDrop, D::kArpReplyUnsolicited, none},
      {"arp_reply_not_asked", Arp(kArpOpReply, kPeerMac, kPeer4, kOwn4),
       Cache::kEmpty, V::kDrop, D::kArpReplyUnsolicited, none},
      {"arp_reply_asked", Arp(kArpOpReply, kPeerMac, kPeer4, kOwn4),
       Cache::kExpectsPeer, V::kConsumed, D::kNone, learn(kPeer4, kPeerMac)},
      {"arp_reply_to_someone_else", Arp(kArpOpReply, kPeerMac, kPeer4, kOther4),
       Cache::kEmpty, V::kDrop, D::kArpNotForUs, none},
      // ARP senders that cannot be right.
      {"arp_sender_uses_our_address",
       Arp(kArpOpRequest, kThirdMac, kOwn4, kOwn4b), Cache::kNone, V::kDrop,
       D::kAddressConflict, none},
      {"arp_gratuitous_for_our_address",
       Arp(kArpOpRequest, kThirdMac, kOwn4, kOwn4), Cache::kNone, V::kDrop,
       D::kAddressConflict, none},
      {"arp_our_own_request_looped", Arp(kArpOpRequest, kOwnMac, kOwn4, kPeer4),
       Cache::kExpectsPeer, V::kDrop, D::kOwnSource, none},
      {"arp_sender_mac_broadcast", Arp(kArpOpRequest, bcast, kPeer4, kOwn4),
       Cache::kKnowsPeer, V::kDrop, D::kBadSource, none},
      {"arp_sender_mac_zero", Arp(kArpOpReply, zero, kPeer4, kOwn4),
       Cache::kExpectsPeer, V::kDrop, D::kBadSource, none},
      {"arp_unknown_op", Arp(3, kPeerMac, kPeer4, kOwn4), Cache::kNone,
       V::kDrop, D::kArpUnsupportedOp, none},
      // ICMP echo.
      {"echo_v4_for_us", Echo(kPeer4, kOwn4), Cache::kNone, V::kEchoReply,
       D::kNone, none},
      {"echo_v4_second_address", Echo(kPeer4, kOwn4b), Cache::kNone,
       V::kEchoReply, D::kNone, none},
      {"echo_v4_not_for_us", Echo(kPeer4, kOther4), Cache::kNone, V::kDrop,
       D::kEchoNotForUs, none},
      {"echo_v6_for_us", Echo(kPeer6, kOwn6), Cache::kNone, V::kEchoReply,
       D::kNone, none},
      {"echo_v6_not_for_us", Echo(kPeer6, kOther6), Cache::kNone, V::kDrop,
       D::kEchoNotForUs, none},
      {"echo_from_our_address_looped", Echo(kOwn4b, kOwn4, kOwnMac),
       Cache::kNone, V::kDrop, D::kOwnSource, none},
      {"echo_from_our_address_spoofed", Echo(kOwn6b, kOwn6, kThirdMac),
       Cache::kNone, V::kDrop, D::kAddressConflict, none},
      {"echo_known_sender_not_learned", Echo(kPeer4, kOwn4), Cache::kKnowsPeer,
       V::kEchoReply, D::kNone, none},
      // Neighbour solicitations.
      {"ns_for_us", Nd(FrameKind::kNeighborSolicit, kPeer6, kOwn6, kPeerMac),
       Cache::kNone, V::kNeighborAdvert, D::kNone, none},
      {"ns_for_second_address_no_option",
       Nd(FrameKind::kNeighborSolicit, kPeer6, kOwn6b, std::nullopt),
       Cache::kNone, V::kNeighborAdvert, D::kNone, none},
      {"ns_not_for_us",
       Nd(FrameKind::kNeighborSolicit, kPeer6, kOther6, kPeerMac), Cache::kNone,
       V::kDrop, D::kNdNotForUs, none},
      {"ns_known_sender_merged",
       Nd(FrameKind::kNeighborSolicit, kPeer6, kOwn6, kThirdMac),
       Cache::kKnowsPeer, V::kNeighborAdvert, D::kNone,
       learn(kPeer6, kThirdMac)},
      {"ns_unknown_sender_not_learned",
       Nd(FrameKind::kNeighborSolicit, kPeer6, kOwn6, kPeerMac), Cache::kEmpty,
       V::kNeighborAdvert, D::kNone, none},
      {"ns_from_our_address",
       Nd(FrameKind::kNeighborSolicit, kOwn6b, kOwn6, kThirdMac, kThirdMac),
       Cache::kNone, V::kDrop, D::kAddressConflict, none},
      {"ns_our_own_looped",
       Nd(FrameKind::kNeighborSolicit, kOwn6, kOwn6b, kOwnMac, kOwnMac),
       Cache::kNone, V::kDrop, D::kOwnSource, none},
      // Neighbour advertisements.
      {"na_no_cache", Nd(FrameKind::kNeighborAdvert, kPeer6, kPeer6, kPeerMac),
       Cache::kNone, V::kDrop, D::kNdAdvertUnsolicited, none},
      {"na_not_asked", Nd(FrameKind::kNeighborAdvert, kPeer6, kPeer6, kPeerMac),
       Cache::kEmpty, V::kDrop, D::kNdAdvertUnsolicited, none},
      {"na_asked", Nd(FrameKind::kNeighborAdvert, kPeer6, kPeer6, kPeerMac),
       Cache::kExpectsPeer, V::kConsumed, D::kNone, learn(kPeer6, kPeerMac)},
      {"na_asked_from_other_source_uses_target",
       Nd(FrameKind::kNeighborAdvert, kOther6, kPeer6, kThirdMac),
       Cache::kKnowsPeer, V::kConsumed, D::kNone, learn(kPeer6, kThirdMac)},
      {"na_asked_without_link_option",
       Nd(FrameKind::kNeighborAdvert, kPeer6, kPeer6, std::nullopt),
       Cache::kExpectsPeer, V::kDrop, D::kNdAdvertNoLinkAddr, none},
      {"na_asked_multicast_link_option",
       Nd(FrameKind::kNeighborAdvert, kPeer6, kPeer6, bcast),
       Cache::kExpectsPeer, V::kDrop, D::kNdBadMessage, none},
      {"na_for_our_address",
       Nd(FrameKind::kNeighborAdvert, kPeer6, kOwn6, kThirdMac), Cache::kNone,
       V::kDrop, D::kAddressConflict, none},
      {"na_for_our_address_looped",
       Nd(FrameKind::kNeighborAdvert, kOwn6, kOwn6, kOwnMac, kOwnMac),
       Cache::kNone, V::kDrop, D::kOwnSource, none},
  };
  // Not host frames.
  Frame tcp;
  tcp.kind = FrameKind::kTcp;
  c.push_back(
      {"tcp_is_not_host", tcp, Cache::kKnowsPeer, V::kNotHost, D::kNone, none});
  Frame dropped;
  dropped.kind = FrameKind::kDrop;
  dropped.drop = D::kIcmpBadChecksum;
  c.push_back({"parser_drop_passes_through", dropped, Cache::kNone, V::kDrop,
               D::kIcmpBadChecksum, none});
  return c;
}

class DecideTest : public ::testing::TestWithParam<DecideCase> {};

TEST_P(DecideTest, ExactVerdictReasonAndLearning) {
  const DecideCase& c = GetParam();
  const HostConfig config = OwnConfig();
  NeighborCache cache;
  if (c.cache == Cache::kExpectsPeer) {
    ASSERT_TRUE(cache.Expect(kPeer4));
    ASSERT_TRUE(cache.Expect(kPeer6));
  } else if (c.cache == Cache::kKnowsPeer) {
    ASSERT_TRUE(cache.Insert(kPeer4, kPeerMac));
    ASSERT_TRUE(cache.Insert(kPeer6, kPeerMac));
  }
  const HostAction a =
      Decide(config, c.frame, c.cache == Cache::kNone ? nullptr : &cache);
  EXPECT_EQ(a.verdict, c.verdict);
  EXPECT_EQ(a.drop, c.drop) << wire::DropReasonName(a.drop);
  EXPECT_EQ(a.learn, c.learn.has_value());
  if (c.learn && a.learn) {
    EXPECT_EQ(a.neighbor_ip, c.learn->first) << a.neighbor_ip.ToString();
    EXPECT_EQ(a.neighbor_mac, c.learn->second) << a.neighbor_mac.ToString();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, DecideTest, ::testing::ValuesIn(DecideCases()),
                         [](const auto& info) { return info.param.name; });

TEST(HostConfig, AddressesAndSolicitedNodes) {
  HostConfig c = OwnConfig();
  EXPECT_EQ(c.v4().size(), 2u);
  EXPECT_EQ(c.v6().size(), 2u);
  EXPECT_TRUE(c.IsOwn(kOwn4));
  EXPECT_TRUE(c.IsOwn(kOwn6b));
  EXPECT_FALSE(c.IsOwn(kPeer4));
  EXPECT_FALSE(c.IsOwn(kPeer6));
  // An IPv6 address whose last 4 bytes spell an own IPv4 address is not ours.
  EXPECT_FALSE(c.IsOwn(*IpAddr::Parse("::ffff:198.18.0.1")));
  EXPECT_FALSE(c.IsOwn(*IpAddr::Parse("2001:2::c612:1")));

  ASSERT_EQ(c.solicited_nodes().size(), 2u);
  EXPECT_EQ(c.solicited_nodes()[0], *IpAddr::Parse("ff02::1:ff00:1"));
  EXPECT_EQ(c.solicited_nodes()[1], *IpAddr::Parse("ff02::1:ff00:10"));
  EXPECT_EQ(c.solicited_node_macs()[0],
            (MacAddr{{0x33, 0x33, 0xff, 0x00, 0x00, 0x01}}));
  EXPECT_EQ(c.solicited_node_macs()[1],
            (MacAddr{{0x33, 0x33, 0xff, 0x00, 0x00, 0x10}}));
  EXPECT_EQ(SolicitedNode(*IpAddr::Parse("2001:db8::abcd:ef12:3456")),
            *IpAddr::Parse("ff02::1:ff12:3456"));
  EXPECT_EQ(
      std::memcmp(c.solicited_nodes()[0].b.data(), g::kSolicitedNodeIp6, 16),
      0);
  EXPECT_EQ(
      std::memcmp(c.solicited_node_macs()[0].b.data(), g::kSolicitedNodeMac, 6),
      0);
}

TEST(HostConfig, AddAddressRejectsWithAReason) {
  HostConfig c;
  EXPECT_EQ(c.AddAddress(kOwn4), AddResult::kOk);
  EXPECT_EQ(c.AddAddress(kOwn4), AddResult::kDuplicate);
  for (const char* bad :
       {"0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1",
        "::", "::1", "ff02::1", "::ffff:198.18.0.5"}) {
    EXPECT_EQ(c.AddAddress(*IpAddr::Parse(bad)), AddResult::kNotUnicast) << bad;
  }
  for (int i = 1; i < kMaxAddrs; ++i) {
    EXPECT_EQ(c.AddAddress(IpAddr::V4(0xc6130000u + i)), AddResult::kOk) << i;
  }
  EXPECT_EQ(c.AddAddress(IpAddr::V4(0xc6130100u)), AddResult::kFull);
  EXPECT_EQ(c.v4().size(), size_t(kMaxAddrs));
  // The other family has its own room.
  EXPECT_EQ(c.AddAddress(kOwn6), AddResult::kOk);
}

// ---- Respond on the golden requests ----------------------------------------

constexpr size_t kRoom = 256;
constexpr uint8_t kPoison = 0xa5;

struct Golden {
  std::string name;
  std::span<const uint8_t> request;
  std::span<const uint8_t> reply;
  HostVerdict verdict;
};
void PrintTo(const Golden& g, std::ostream* os) { *os << g.name; }

std::vector<Golden> Goldens() {
  return {
      {"arp", g::kArpRequest, g::kArpReply, HostVerdict::kArpReply},
      {"echo_v4", g::kEchoV4, g::kEchoReplyV4, HostVerdict::kEchoReply},
      {"echo_v4_ip_options", g::kEchoV4IpOptions, g::kEchoReplyV4IpOptions,
       HostVerdict::kEchoReply},
      {"echo_v6", g::kEchoV6, g::kEchoReplyV6, HostVerdict::kEchoReply},
      {"echo_v6_hop_by_hop", g::kEchoV6Hbh, g::kEchoReplyV6Hbh,
       HostVerdict::kEchoReply},
      {"neighbor_solicit", g::kNsV6, g::kNaV6, HostVerdict::kNeighborAdvert},
  };
}

class RespondGolden : public ::testing::TestWithParam<Golden> {};

TEST_P(RespondGolden, ReplyIsTheGoldenFrame) {
  const Golden& gc = GetParam();
  const HostConfig config = OwnConfig();
  std::vector<uint8_t> buf(kRoom, kPoison);
  std::copy(gc.request.begin(), gc.request.end(), buf.begin());
  const Frame in =
      wire::ParseFrame(std::span<const uint8_t>(buf).first(gc.request.size()));
  ASSERT_TRUE(in.ok()) << wire::DropReasonName(in.drop);

  const HostAction a = Decide(config, in);
  ASSERT_EQ(a.verdict, gc.verdict);
  const size_t n = Respond(buf, in, config, a);
  ASSERT_EQ(n, gc.reply.size());
  EXPECT_TRUE(std::equal(gc.reply.begin(), gc.reply.end(), buf.begin()));
  // Nothing written past the reply (beyond what the request occupied).
  for (size_t i = std::max(n, gc.request.size()); i < kRoom; ++i) {
    ASSERT_EQ(buf[i], kPoison) << i;
  }
}

TEST_P(RespondGolden, TooSmallBufferWritesNothing) {
  const Golden& gc = GetParam();
  const HostConfig config = OwnConfig();
  std::vector<uint8_t> buf(gc.request.begin(), gc.request.end());
  const Frame in = wire::ParseFrame(buf);
  const HostAction a = Decide(config, in);
  const std::vector<uint8_t> before(buf.begin(),
                                    buf.begin() + gc.reply.size() - 1);
  EXPECT_EQ(Respond(std::span<uint8_t>(buf).first(gc.reply.size() - 1), in,
                    config, a),
            0u);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), buf.begin()));
}

INSTANTIATE_TEST_SUITE_P(Golden, RespondGolden, ::testing::ValuesIn(Goldens()),
                         [](const auto& info) { return info.param.name; });

TEST(Respond, ArpReplyReparses) {
  const HostConfig config = OwnConfig();
  std::vector<uint8_t> buf(g::kArpRequest,
                           g::kArpRequest + sizeof(g::kArpRequest));
  const Frame in = wire::ParseFrame(buf);
  const size_t n = Respond(buf, in, config, Decide(config, in));
  const Frame out = wire::ParseFrame(std::span<const uint8_t>(buf).first(n));
  ASSERT_EQ(out.kind, FrameKind::kArp) << wire::DropReasonName(out.drop);
  EXPECT_EQ(out.arp.op, wire::kArpOpReply);
  EXPECT_EQ(out.dst_mac, kPeerMac);
  EXPECT_EQ(out.src_mac, kOwnMac);
  EXPECT_EQ(out.arp.sha, kOwnMac);
  EXPECT_EQ(out.arp.spa, kOwn4);
  EXPECT_EQ(out.arp.tha, kPeerMac);
  EXPECT_EQ(out.arp.tpa, kPeer4);
}

TEST(Respond, NeighborAdvertReparses) {
  const HostConfig config = OwnConfig();
  std::vector<uint8_t> buf(g::kNsV6, g::kNsV6 + sizeof(g::kNsV6));
  const Frame in = wire::ParseFrame(buf);
  const size_t n = Respond(buf, in, config, Decide(config, in));
  const Frame out = wire::ParseFrame(std::span<const uint8_t>(buf).first(n));
  ASSERT_EQ(out.kind, FrameKind::kNeighborAdvert)
      << wire::DropReasonName(out.drop);
  EXPECT_EQ(out.src, kOwn6);
  EXPECT_EQ(out.dst, kPeer6);
  EXPECT_EQ(out.ttl, 255);
  EXPECT_EQ(out.dst_mac, kPeerMac);
  EXPECT_EQ(out.src_mac, kOwnMac);
  EXPECT_EQ(out.icmp.target, kOwn6);
  EXPECT_TRUE(out.icmp.has_link_addr);
  EXPECT_EQ(out.icmp.link_addr, kOwnMac);
}

TEST(Respond, EchoRepliesCarryValidChecksumsAndTheConfiguredTtl) {
  for (const bool v4 : {true, false}) {
    HostConfig config = OwnConfig();
    config.ttl = 17;
    const std::span<const uint8_t> req =
        v4 ? std::span<const uint8_t>(g::kEchoV4)
           : std::span<const uint8_t>(g::kEchoV6);
    std::vector<uint8_t> buf(req.begin(), req.end());
    const Frame in = wire::ParseFrame(buf);
    const size_t n = Respond(buf, in, config, Decide(config, in));
    ASSERT_EQ(n, req.size());
    const size_t l3 = 14;
    const size_t l4 = l3 + (v4 ? 20 : 40);
    EXPECT_EQ(buf[l3 + (v4 ? 8 : 7)], 17) << v4;  // TTL / hop limit
    EXPECT_EQ(buf[l4], v4 ? 0 : 129) << v4;       // echo reply type
    const uint32_t pseudo =
        v4 ? 0
           : wire::PseudoHeaderSum(kOwn6, kPeer6, wire::kProtoIcmpv6, n - l4);
    EXPECT_TRUE(wire::ChecksumVerifies(
        pseudo, std::span<const uint8_t>(buf).subspan(l4, n - l4)));
    if (v4) {
      EXPECT_TRUE(wire::ChecksumVerifies(
          0, std::span<const uint8_t>(buf).subspan(l3, 20)));
    }
  }
}

TEST(Respond, NoReplyVerdictsWriteNothing) {
  const HostConfig config = OwnConfig();
  std::vector<uint8_t> buf(g::kArpRequest,
                           g::kArpRequest + sizeof(g::kArpRequest));
  const std::vector<uint8_t> before = buf;
  const Frame in = wire::ParseFrame(buf);
  for (HostVerdict v :
       {HostVerdict::kNotHost, HostVerdict::kDrop, HostVerdict::kConsumed}) {
    HostAction a;
    a.verdict = v;
    EXPECT_EQ(Respond(buf, in, config, a), 0u);
    EXPECT_EQ(buf, before);
  }
}

}  // namespace
}  // namespace synx::host
