// siphash_test — the inline SipHash24 against libsodium's
// crypto_shorthash_siphash24 (the reference implementation synx used before)
// and the paper's own test vector.

#include "cookie/siphash.h"

#include <gtest/gtest.h>
#include <sodium/crypto_shorthash_siphash24.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace synx::cookie {
namespace {

uint64_t Reference(const SipKey& key, const uint8_t* in, size_t n) {
  uint8_t out[crypto_shorthash_siphash24_BYTES];
  crypto_shorthash_siphash24(out, in, n, key.data());
  uint64_t h = 0;
  for (int i = 7; i >= 0; --i) h = h << 8 | out[i];  // little-endian
  return h;
}

// SipHash paper, Appendix A: key 00..0f, message 00..0e (15 bytes).
TEST(SipHash24, PaperVector) {
  SipKey key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  uint8_t in[15];
  for (size_t i = 0; i < sizeof(in); ++i) in[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(SipHash24(key, in, sizeof(in)), 0xa129ca6149be45e5ULL);
}

// Every length 0..80 (all eight tail cases, zero to ten whole blocks), each
// with 2,000 random keys and messages: 162,000 vectors.
TEST(SipHash24, MatchesLibsodiumOnRandomVectors) {
  std::mt19937_64 rng(20261121);
  std::vector<uint8_t> in(80);
  SipKey key;
  for (size_t n = 0; n <= in.size(); ++n) {
    for (int trial = 0; trial < 2000; ++trial) {
      for (uint8_t& b : key) b = static_cast<uint8_t>(rng());
      for (uint8_t& b : in) b = static_cast<uint8_t>(rng());
      ASSERT_EQ(SipHash24(key, in.data(), n), Reference(key, in.data(), n))
          << "length " << n << " trial " << trial;
    }
  }
}

// The inputs the per-packet path really hashes: packed IPv4 / IPv6 tuples
// (13 / 37 bytes), with a cookie's ISN and option byte (18 / 42 bytes).
TEST(SipHash24, MatchesLibsodiumOnPackedTuples) {
  std::mt19937_64 rng(6528);
  SipKey key;
  for (int trial = 0; trial < 20000; ++trial) {
    for (uint8_t& b : key) b = static_cast<uint8_t>(rng());
    std::array<uint8_t, 16> local{}, remote{};
    for (uint8_t& b : local) b = static_cast<uint8_t>(rng());
    for (uint8_t& b : remote) b = static_cast<uint8_t>(rng());
    FlowTuple t;
    if (trial % 2 == 0) {
      t.local = wire::IpAddr::V4Bytes(local.data());
      t.remote = wire::IpAddr::V4Bytes(remote.data());
    } else {
      t.local = wire::IpAddr::V6Bytes(local.data());
      t.remote = wire::IpAddr::V6Bytes(remote.data());
    }
    t.local_port = static_cast<uint16_t>(rng());
    t.remote_port = static_cast<uint16_t>(rng());
    uint8_t buf[kMaxPackedTupleBytes + 5];
    size_t n = PackTuple(t, buf);
    ASSERT_EQ(SipHash24(key, buf, n), Reference(key, buf, n));
    wire::Store32(buf + n, static_cast<uint32_t>(rng()));
    buf[n + 4] = static_cast<uint8_t>(rng());
    n += 5;
    ASSERT_EQ(SipHash24(key, buf, n), Reference(key, buf, n));
  }
}

}  // namespace
}  // namespace synx::cookie
