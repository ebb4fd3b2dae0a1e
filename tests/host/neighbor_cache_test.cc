// neighbor_cache_test — fill, lookup, overwrite, capacity, and the
// "only update what is already there" rule.
#include "host/neighbor_cache.h"

#include <gtest/gtest.h>

#include "wire/addr.h"

namespace synx::host {
namespace {

using wire::IpAddr;
using wire::MacAddr;

MacAddr Mac(uint8_t last) { return MacAddr{{0x02, 0, 0, 0, 0, last}}; }
IpAddr V4(uint32_t i) { return IpAddr::V4(0xc6120000u + i); }  // 198.18.x.y

TEST(NeighborCache, EmptyKnowsNothing) {
  NeighborCache c;
  EXPECT_EQ(c.size(), 0);
  EXPECT_FALSE(c.Contains(V4(1)));
  EXPECT_EQ(c.Lookup(V4(1)), std::nullopt);
  EXPECT_EQ(c.Update(V4(1), Mac(1)), NeighborUpdate::kNotPresent);
  EXPECT_EQ(c.size(), 0);
  EXPECT_FALSE(c.Contains(V4(1)));
}

TEST(NeighborCache, ExpectThenLearnThenConfirmThenChange) {
  NeighborCache c;
  ASSERT_TRUE(c.Expect(V4(1)));
  EXPECT_TRUE(c.Contains(V4(1)));
  EXPECT_EQ(c.Lookup(V4(1)), std::nullopt);  // waiting: no MAC yet
  EXPECT_EQ(c.size(), 1);
  EXPECT_EQ(c.Update(V4(1), Mac(7)), NeighborUpdate::kLearned);
  EXPECT_EQ(c.Lookup(V4(1)), Mac(7));
  EXPECT_EQ(c.Update(V4(1), Mac(7)), NeighborUpdate::kConfirmed);
  EXPECT_EQ(c.Update(V4(1), Mac(8)), NeighborUpdate::kChanged);
  EXPECT_EQ(c.Lookup(V4(1)), Mac(8));
  // Expecting an address already resolved keeps its MAC.
  ASSERT_TRUE(c.Expect(V4(1)));
  EXPECT_EQ(c.Lookup(V4(1)), Mac(8));
  EXPECT_EQ(c.size(), 1);
}

TEST(NeighborCache, InsertOverwrites) {
  NeighborCache c;
  ASSERT_TRUE(c.Insert(V4(2), Mac(1)));
  ASSERT_TRUE(c.Insert(V4(2), Mac(2)));
  EXPECT_EQ(c.size(), 1);
  EXPECT_EQ(c.Lookup(V4(2)), Mac(2));
}

TEST(NeighborCache, FamiliesAreDistinct) {
  NeighborCache c;
  const IpAddr v6 = *IpAddr::Parse("2001:2::1");
  const IpAddr mapped = *IpAddr::Parse("::ffff:198.18.0.1");
  ASSERT_TRUE(c.Insert(v6, Mac(6)));
  ASSERT_TRUE(c.Insert(V4(1), Mac(4)));
  EXPECT_EQ(c.Lookup(v6), Mac(6));
  EXPECT_EQ(c.Lookup(V4(1)), Mac(4));
  // Same 16 bytes as the IPv4 entry, other family: not the same neighbour.
  EXPECT_EQ(c.Lookup(mapped), std::nullopt);
}

TEST(NeighborCache, CapacityIsFixed) {
  NeighborCache c;
  for (int i = 0; i < NeighborCache::kCapacity; ++i) {
    ASSERT_TRUE(i % 2 ? c.Insert(V4(i), Mac(i)) : c.Expect(V4(i))) << i;
  }
  EXPECT_EQ(c.size(), NeighborCache::kCapacity);
  EXPECT_FALSE(c.Expect(V4(1000)));
  EXPECT_FALSE(c.Insert(V4(1000), Mac(1)));
  EXPECT_FALSE(c.Contains(V4(1000)));
  // Full, but existing entries still update and overwrite.
  EXPECT_TRUE(c.Insert(V4(3), Mac(33)));
  EXPECT_EQ(c.Update(V4(4), Mac(44)), NeighborUpdate::kLearned);
  EXPECT_EQ(c.Lookup(V4(3)), Mac(33));
  EXPECT_EQ(c.Lookup(V4(4)), Mac(44));
  // Erasing one makes room for exactly one.
  ASSERT_TRUE(c.Erase(V4(10)));
  EXPECT_FALSE(c.Erase(V4(10)));
  EXPECT_FALSE(c.Contains(V4(10)));
  EXPECT_TRUE(c.Expect(V4(1000)));
  EXPECT_FALSE(c.Expect(V4(1001)));
  c.Clear();
  EXPECT_EQ(c.size(), 0);
  EXPECT_FALSE(c.Contains(V4(3)));
}

}  // namespace
}  // namespace synx::host
