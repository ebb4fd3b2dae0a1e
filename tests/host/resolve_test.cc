// resolve_test — the initiator's ARP request and neighbour solicitation:
// byte-exact against scapy, and a full resolution round trip through
// ParseFrame, the responder side's Decide/Respond, and back into the cache.
#include "host/resolve.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <vector>

#include "host/host.h"
#include "host/host_config.h"
#include "host/neighbor_cache.h"
#include "wire/frame.h"

namespace synx::host {
namespace {

using wire::FrameKind;
using wire::IpAddr;
using wire::MacAddr;

const MacAddr kMacA{{0x02, 0, 0, 0, 0, 0x01}};
const MacAddr kMacB{{0x02, 0, 0, 0, 0, 0x02}};
const IpAddr kA4 = *IpAddr::Parse("198.18.0.1");
const IpAddr kB4 = *IpAddr::Parse("198.18.0.2");
const IpAddr kA6 = *IpAddr::Parse("2001:2::1");
const IpAddr kB6 = *IpAddr::Parse("2001:2::2");

// Ether(dst='ff:ff:ff:ff:ff:ff', src='02:00:00:00:00:01') / ARP(op=1,
//     hwsrc='02:00:00:00:00:01', psrc='198.18.0.1', hwdst='00:00:00:00:00:00',
//     pdst='198.18.0.2') / Padding(load=b'\x00'*18)
constexpr uint8_t kArpRequestGolden[60] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00,
    0x00, 0x00, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xc6, 0x12, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

// Ether(dst='33:33:ff:00:00:02', src='02:00:00:00:00:01') /
//     IPv6(src='2001:2::1', dst='ff02::1:ff00:2', hlim=255) /
//     ICMPv6ND_NS(tgt='2001:2::2') /
//     ICMPv6NDOptSrcLLAddr(lladdr='02:00:00:00:00:01')
constexpr uint8_t kNsGolden[86] = {
    0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
    0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87,
    0x00, 0x37, 0x93, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

constexpr uint8_t kPoison = 0xa5;

TEST(WriteArpRequest, MatchesScapyByteForByte) {
  std::vector<uint8_t> buf(128, kPoison);
  ASSERT_EQ(WriteArpRequest(buf, kMacA, kA4, kB4), kArpRequestLength);
  EXPECT_TRUE(std::equal(std::begin(kArpRequestGolden),
                         std::end(kArpRequestGolden), buf.begin()));
  for (size_t i = kArpRequestLength; i < buf.size(); ++i)
    ASSERT_EQ(buf[i], kPoison) << i;
}

TEST(WriteNeighborSolicit, MatchesScapyByteForByte) {
  std::vector<uint8_t> buf(128, kPoison);
  ASSERT_EQ(WriteNeighborSolicit(buf, kMacA, kA6, kB6), kNeighborSolicitLength);
  EXPECT_TRUE(
      std::equal(std::begin(kNsGolden), std::end(kNsGolden), buf.begin()));
  for (size_t i = kNeighborSolicitLength; i < buf.size(); ++i)
    ASSERT_EQ(buf[i], kPoison) << i;
}

TEST(Resolve, RefusesSmallBuffersAndWrongFamilies) {
  std::vector<uint8_t> buf(128, kPoison);
  const std::vector<uint8_t> before = buf;
  EXPECT_EQ(
      WriteArpRequest(std::span<uint8_t>(buf).first(kArpRequestLength - 1),
                      kMacA, kA4, kB4),
      0u);
  EXPECT_EQ(WriteArpRequest(buf, kMacA, kA6, kB4), 0u);
  EXPECT_EQ(WriteArpRequest(buf, kMacA, kA4, kB6), 0u);
  EXPECT_EQ(WriteNeighborSolicit(
                std::span<uint8_t>(buf).first(kNeighborSolicitLength - 1),
                kMacA, kA6, kB6),
            0u);
  EXPECT_EQ(WriteNeighborSolicit(buf, kMacA, kA4, kB6), 0u);
  EXPECT_EQ(WriteNeighborSolicit(buf, kMacA, kA6, kB4), 0u);
  EXPECT_EQ(buf, before);
}

// A asks for B's MAC; B (a synx responder) answers; A learns it.
void RoundTrip(const IpAddr& a_ip, const IpAddr& b_ip) {
  HostConfig b;
  b.mac = kMacB;
  ASSERT_EQ(b.AddAddress(b_ip), AddResult::kOk);
  HostConfig a;
  a.mac = kMacA;
  ASSERT_EQ(a.AddAddress(a_ip), AddResult::kOk);
  NeighborCache cache;
  ASSERT_TRUE(cache.Expect(b_ip));

  std::vector<uint8_t> buf(256, 0);
  const size_t n = a_ip.is_v4() ? WriteArpRequest(buf, kMacA, a_ip, b_ip)
                                : WriteNeighborSolicit(buf, kMacA, a_ip, b_ip);
  ASSERT_GT(n, 0u);
  const wire::Frame request =
      wire::ParseFrame(std::span<const uint8_t>(buf).first(n));
  ASSERT_TRUE(request.ok()) << wire::DropReasonName(request.drop);
  EXPECT_EQ(request.kind,
            a_ip.is_v4() ? FrameKind::kArp : FrameKind::kNeighborSolicit);

  const HostAction at_b = Decide(b, request);
  ASSERT_EQ(at_b.verdict, a_ip.is_v4() ? HostVerdict::kArpReply
                                       : HostVerdict::kNeighborAdvert);
  const size_t m = Respond(buf, request, b, at_b);
  ASSERT_GT(m, 0u);

  const wire::Frame reply =
      wire::ParseFrame(std::span<const uint8_t>(buf).first(m));
  ASSERT_TRUE(reply.ok()) << wire::DropReasonName(reply.drop);
  EXPECT_EQ(reply.dst_mac, kMacA);
  const HostAction at_a = Decide(a, reply, &cache);
  ASSERT_EQ(at_a.verdict, HostVerdict::kConsumed)
      << wire::DropReasonName(at_a.drop);
  ASSERT_TRUE(at_a.learn);
  EXPECT_EQ(cache.Update(at_a.neighbor_ip, at_a.neighbor_mac),
            NeighborUpdate::kLearned);
  EXPECT_EQ(cache.Lookup(b_ip), kMacB);

  // Without having asked, the same reply is unsolicited.
  NeighborCache empty;
  const HostAction unasked = Decide(a, reply, &empty);
  EXPECT_EQ(unasked.verdict, HostVerdict::kDrop);
  EXPECT_EQ(unasked.drop, a_ip.is_v4()
                              ? wire::DropReason::kArpReplyUnsolicited
                              : wire::DropReason::kNdAdvertUnsolicited);
}

TEST(Resolve, ArpRoundTripFillsTheCache) { RoundTrip(kA4, kB4); }
TEST(Resolve, NeighborDiscoveryRoundTripFillsTheCache) { RoundTrip(kA6, kB6); }

}  // namespace
}  // namespace synx::host
