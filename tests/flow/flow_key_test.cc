#include "flow/flow_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "flow_test_util.h"

namespace synx::flow {
namespace {

using testing::Mix;
using testing::TestSeed;
using testing::V4Addr;
using testing::V4Key;
using testing::V6Addr;
using testing::V6Key;

TEST(FlowKeyTest, MakeStoresEveryFieldAndRoundTrips) {
  const wire::IpAddr local = V4Addr(0xc6120001);
  const wire::IpAddr remote = V4Addr(0xc6130102);
  const FlowKey k = FlowKey::Make(local, 80, remote, 40000);
  EXPECT_EQ(k.family, wire::Family::kV4);
  EXPECT_EQ(k.local_port, 80);
  EXPECT_EQ(k.remote_port, 40000);
  EXPECT_EQ(k.reserved, 0);
  EXPECT_EQ(k.local(), local);
  EXPECT_EQ(k.remote(), remote);
  EXPECT_TRUE(k.is_v4());

  const FlowKey k6 = FlowKey::Make(V6Addr(0, 1), 443, V6Addr(7, 9), 1234);
  EXPECT_EQ(k6.family, wire::Family::kV6);
  EXPECT_EQ(k6.local(), V6Addr(0, 1));
  EXPECT_EQ(k6.remote(), V6Addr(7, 9));
  EXPECT_FALSE(k6.is_v4());
}

TEST(FlowKeyTest, Ipv4IsCanonicalisedWhateverFillsTheUnusedBytes) {
  wire::IpAddr dirty = V4Addr(0xc6130102);
  dirty.b[0] = 0xaa;
  dirty.b[9] = 0x55;
  dirty.b[10] = 0x00;
  const FlowKey a = FlowKey::Make(V4Addr(0xc6120001), 80, dirty, 9);
  const FlowKey b = FlowKey::Make(V4Addr(0xc6120001), 80, V4Addr(0xc6130102), 9);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.remote_addr,
            (std::array<uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                                     0xc6, 0x13, 0x01, 0x02}));
  const HashSeed seed = TestSeed(1);
  EXPECT_EQ(FlowHash(a, seed), FlowHash(b, seed));
}

// An IPv6 peer using the IPv4-mapped form of an IPv4 peer's address has the
// same 16 address bytes; only the family tells them apart.
TEST(FlowKeyTest, V4AndMappedV6KeysNeverEqual) {
  const FlowKey v4 = V4Key(0x0102, 5555);
  FlowKey v6 = v4;
  v6.family = wire::Family::kV6;
  EXPECT_EQ(v4.local_addr, v6.local_addr);
  EXPECT_EQ(v4.remote_addr, v6.remote_addr);
  EXPECT_NE(v4, v6);
  const HashSeed seed = TestSeed(2);
  EXPECT_NE(FlowHash(v4, seed), FlowHash(v6, seed));
}

// Every byte of the key takes part in equality and in the hash.
TEST(FlowKeyTest, EveryByteMatters) {
  const FlowKey base = V6Key(0x1122334455667788ULL, 1000, 443);
  const HashSeed seed = TestSeed(3);
  for (size_t i = 0; i < sizeof(FlowKey); ++i) {
    FlowKey k = base;
    reinterpret_cast<uint8_t*>(&k)[i] ^= 0x01;
    EXPECT_NE(k, base) << "byte " << i;
    EXPECT_NE(FlowHash(k, seed), FlowHash(base, seed)) << "byte " << i;
  }
}

TEST(FlowKeyTest, HashDependsOnEverySeedWord) {
  const FlowKey k = V4Key(7, 7);
  const HashSeed seed = TestSeed(4);
  const uint64_t h = FlowHash(k, seed);
  for (size_t i = 0; i < seed.k.size(); ++i) {
    HashSeed s = seed;
    s.k[i] ^= uint64_t{1} << 17;
    EXPECT_NE(FlowHash(k, s), h) << "seed word " << i;
  }
}

// The property that makes CRC32 collisions seed-independent —
// H(a)^H(b)^H(c) == H(a^b^c) for equal-length inputs — must not hold.
TEST(FlowKeyTest, HashIsNotXorLinear) {
  const HashSeed seed = TestSeed(5);
  int linear = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    FlowKey a = V6Key(Mix(i), 1), b = V6Key(Mix(i + 7777), 2),
            c = V6Key(Mix(i + 99999), 3), x = a;
    for (int j = 0; j < 16; ++j) {
      x.remote_addr[j] = a.remote_addr[j] ^ b.remote_addr[j] ^ c.remote_addr[j];
    }
    x.remote_port = a.remote_port ^ b.remote_port ^ c.remote_port;
    linear += (FlowHash(a, seed) ^ FlowHash(b, seed) ^ FlowHash(c, seed)) ==
              FlowHash(x, seed);
  }
  EXPECT_EQ(linear, 0);
}

// Pairs that collide in a 1024-bucket table under one seed are no more
// likely than any pair to collide under another seed: a precomputed flood
// list is useless against a table with a fresh seed.
TEST(FlowKeyTest, CollisionsDependOnTheSeed) {
  constexpr uint64_t kMask = 1023;
  const HashSeed a = TestSeed(6), b = TestSeed(7);
  std::vector<std::vector<FlowKey>> by_bucket(kMask + 1);
  for (uint32_t i = 0; i < 32768; ++i) {
    const FlowKey k = V4Key(i & 0xffff, static_cast<uint16_t>(i * 7));
    by_bucket[FlowHash(k, a) & kMask].push_back(k);
  }
  int pairs = 0, still_colliding = 0;
  for (const auto& keys : by_bucket) {
    for (size_t i = 1; i < keys.size(); ++i) {
      ++pairs;
      still_colliding +=
          (FlowHash(keys[0], b) & kMask) == (FlowHash(keys[i], b) & kMask);
    }
  }
  ASSERT_GT(pairs, 30000);
  // Random pairs collide with probability 1/1024: ~30 expected.
  EXPECT_LT(still_colliding, 90);
}

// Structured keys (one client with consecutive source ports; a /16 of
// clients on one port; IPv6 clients counting in the low or the high half)
// hash like random ones, in the low bits (the bucket) and in the top 16 bits
// (the tag): chi-square over 8192 cells within 5 sigma of its 8191 degrees
// of freedom. (An earlier version mixed the ports through one multiply only;
// its tags failed this for consecutive ports, with chi-square anywhere from
// 350 to 59,000 depending on the seed.)
TEST(FlowKeyTest, StructuredKeysHashLikeRandomOnes) {
  const HashSeed seed = TestSeed(8);
  const std::vector<std::function<FlowKey(uint32_t)>> families = {
      [](uint32_t i) { return V4Key(1, static_cast<uint16_t>(i)); },
      [](uint32_t i) { return V4Key(i & 0xffff, 12345); },
      [](uint32_t i) { return V6Key(i, 80); },
      [](uint32_t i) { return V6Key(uint64_t{i} << 32, 80); },
  };
  for (size_t f = 0; f < families.size(); ++f) {
    std::vector<int> low(8192), top(8192);
    for (uint32_t i = 0; i < 65536; ++i) {
      const uint64_t h = FlowHash(families[f](i), seed);
      ++low[h & 8191];
      ++top[h >> 51];
    }
    const auto chi2 = [](const std::vector<int>& cells) {
      double c = 0;
      for (int x : cells) c += (x - 8.0) * (x - 8.0) / 8.0;
      return c;
    };
    EXPECT_NEAR(chi2(low), 8191, 5 * 128) << "family " << f;
    EXPECT_NEAR(chi2(top), 8191, 5 * 128) << "family " << f;
    // Poisson(8) reaches 28 in one of 8192 cells with odds below 1e-6.
    EXPECT_LT(*std::max_element(low.begin(), low.end()), 28) << "family " << f;
  }
}

}  // namespace
}  // namespace synx::flow
