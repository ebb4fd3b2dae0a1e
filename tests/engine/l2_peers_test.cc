// l2_peers_test.cc — the per-core table of link headers for timer-driven
// segments: as-sent byte order, one record per distinct header, full table.
#include "engine/l2_peers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace synx::engine {
namespace {

constexpr std::array<uint8_t, 6> kOurs = {0x02, 0, 0, 0, 0, 0x01};

// A received frame's link header: to us, from `peer`, with `tags` (TPID,
// TCI pairs), then an EtherType and a few bytes of "IP".
std::vector<uint8_t> Received(std::array<uint8_t, 6> peer,
                              std::vector<std::pair<uint16_t, uint16_t>> tags = {}) {
  std::vector<uint8_t> f(14 + 4 * tags.size() + 20, 0x45);
  std::copy(kOurs.begin(), kOurs.end(), f.begin());
  std::copy(peer.begin(), peer.end(), f.begin() + 6);
  size_t at = 12;
  for (auto [tpid, tci] : tags) {
    f[at++] = static_cast<uint8_t>(tpid >> 8);
    f[at++] = static_cast<uint8_t>(tpid);
    f[at++] = static_cast<uint8_t>(tci >> 8);
    f[at++] = static_cast<uint8_t>(tci);
  }
  f[at++] = 0x08;
  f[at++] = 0x00;
  return f;
}

uint16_t L3(size_t tags) { return static_cast<uint16_t>(14 + 4 * tags); }

TEST(L2PeersTest, HeaderIsAsSentPeerFirstTagsKept) {
  auto peers = std::make_unique<L2Peers>();
  const std::array<uint8_t, 6> peer = {0x02, 0, 0, 0, 0, 0x02};
  const auto f = Received(peer, {{0x88a8, 200}, {0x8100, 0xa064}});
  const uint16_t i = peers->Intern(f.data(), L3(2));
  ASSERT_NE(i, L2Peers::kNone);
  const std::vector<uint8_t> want = {
      0x02, 0, 0, 0, 0, 0x02,  // peer (destination)
      0x02, 0, 0, 0, 0, 0x01,  // ours (source)
      0x88, 0xa8, 0x00, 0xc8,  // outer tag
      0x81, 0x00, 0xa0, 0x64,  // inner tag
  };
  const auto h = peers->Header(i);
  EXPECT_EQ(std::vector<uint8_t>(h.begin(), h.end()), want);
}

TEST(L2PeersTest, SameHeaderSameIndexDistinctHeadersDistinctIndexes) {
  auto peers = std::make_unique<L2Peers>();
  const std::array<uint8_t, 6> a = {0x02, 0, 0, 0, 0, 0x0a};
  const std::array<uint8_t, 6> b = {0x02, 0, 0, 0, 0, 0x0b};
  const auto fa = Received(a);
  const auto fb = Received(b);
  const auto fa_vlan = Received(a, {{0x8100, 100}});
  const auto fa_vlan2 = Received(a, {{0x8100, 101}});
  const uint16_t ia = peers->Intern(fa.data(), L3(0));
  const uint16_t ib = peers->Intern(fb.data(), L3(0));
  const uint16_t iv = peers->Intern(fa_vlan.data(), L3(1));
  const uint16_t iv2 = peers->Intern(fa_vlan2.data(), L3(1));
  EXPECT_EQ(ia, 0);
  EXPECT_EQ(ib, 1);
  EXPECT_EQ(iv, 2);
  EXPECT_EQ(iv2, 3);
  // Again, in another order (past the last-hit shortcut).
  EXPECT_EQ(peers->Intern(fa_vlan.data(), L3(1)), iv);
  EXPECT_EQ(peers->Intern(fa.data(), L3(0)), ia);
  EXPECT_EQ(peers->Intern(fb.data(), L3(0)), ib);
  EXPECT_EQ(peers->Intern(fb.data(), L3(0)), ib);
  EXPECT_EQ(peers->size(), 4u);
}

TEST(L2PeersTest, RejectsLinkHeadersOfImpossibleLength) {
  auto peers = std::make_unique<L2Peers>();
  const auto f = Received({0x02, 0, 0, 0, 0, 0x02}, {{0x8100, 1}, {0x8100, 2}});
  for (uint16_t l3 : {0, 2, 12, 13, 15, 16, 17, 19, 26}) {
    EXPECT_EQ(peers->Intern(f.data(), l3), L2Peers::kNone) << l3;
  }
  EXPECT_EQ(peers->size(), 0u);
}

TEST(L2PeersTest, FullTableRefusesNewHeadersAndKeepsOldOnes) {
  auto peers = std::make_unique<L2Peers>();
  auto mac = [](uint32_t i) {
    return std::array<uint8_t, 6>{0x02, 0, static_cast<uint8_t>(i >> 24),
                                  static_cast<uint8_t>(i >> 16),
                                  static_cast<uint8_t>(i >> 8),
                                  static_cast<uint8_t>(i)};
  };
  for (uint32_t i = 0; i < L2Peers::kCapacity; ++i) {
    const auto f = Received(mac(i));
    ASSERT_EQ(peers->Intern(f.data(), L3(0)), i);
  }
  const auto extra = Received(mac(L2Peers::kCapacity));
  EXPECT_EQ(peers->Intern(extra.data(), L3(0)), L2Peers::kNone);
  EXPECT_EQ(peers->size(), L2Peers::kCapacity);
  for (uint32_t i = 0; i < L2Peers::kCapacity; i += 97) {
    const auto f = Received(mac(i));
    EXPECT_EQ(peers->Intern(f.data(), L3(0)), i);
  }
}

// The initiator's header toward its next hop is the one a reply to that hop's
// untagged frames would use: the same record, not a second one.
TEST(L2PeersTest, InternHeaderMatchesTheReplyHeaderOfTheSameHop) {
  auto peers = std::make_unique<L2Peers>();
  const std::array<uint8_t, 6> hop = {0x02, 0, 0, 0, 0, 0x07};
  const std::array<uint8_t, 6> own = {0x02, 0, 0, 0, 0, 0x01};
  const uint16_t i = peers->InternHeader(hop, own);
  ASSERT_EQ(i, 0u);
  const std::span<const uint8_t> h = peers->Header(i);
  ASSERT_EQ(h.size(), 12u);
  EXPECT_TRUE(std::equal(hop.begin(), hop.end(), h.begin()));
  EXPECT_TRUE(std::equal(own.begin(), own.end(), h.begin() + 6));
  // A frame from the hop to us: [dst = own][src = hop][EtherType].
  uint8_t frame[14] = {};
  std::copy(own.begin(), own.end(), frame);
  std::copy(hop.begin(), hop.end(), frame + 6);
  frame[12] = 0x08;
  EXPECT_EQ(peers->Intern(frame, 14), i);
  EXPECT_EQ(peers->InternHeader(own, hop), 1u);
  EXPECT_EQ(peers->size(), 2u);
}

}  // namespace
}  // namespace synx::engine
