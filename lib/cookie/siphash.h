// siphash.h — SipHash-2-4 (inline; libsodium's is the reference the tests
// compare with) over a canonical packing of a FlowTuple.
//
// Every keyed hash of lib/cookie goes through here. The packing is fixed-width
// per family and starts with a byte naming both families, so no two distinct
// inputs can serialize to the same bytes (no padding, no separators to
// confuse). Packing writes into a caller-provided stack buffer: nothing is
// allocated, nothing is read but the arguments.
#pragma once

#include <sodium/crypto_shorthash_siphash24.h>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "cookie/flow_tuple.h"
#include "wire/bytes.h"

namespace synx::cookie {

using SipKey = std::array<uint8_t, crypto_shorthash_siphash24_KEYBYTES>;
static_assert(sizeof(SipKey) == 16);

namespace siphash_internal {

inline uint64_t Load64Le(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big) {
    v = __builtin_bswap64(v);
  }
  return v;
}

struct State {
  uint64_t v0, v1, v2, v3;

  constexpr void Round() {
    v0 += v1; v1 = std::rotl(v1, 13); v1 ^= v0; v0 = std::rotl(v0, 32);
    v2 += v3; v3 = std::rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = std::rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = std::rotl(v1, 17); v1 ^= v2; v2 = std::rotl(v2, 32);
  }
  constexpr void Compress(uint64_t m) {
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }
};

}  // namespace siphash_internal

// SipHash-2-4 (Aumasson & Bernstein 2012) of `n` bytes at `in`, as the
// little-endian 64-bit value the paper defines. Inline and call-free: the
// per-packet path hashes 13..42 bytes, where libsodium's out-of-line,
// length-generic crypto_shorthash_siphash24 cost about twice as many
// instructions. Bit for bit the same function (tests/cookie/siphash_test
// compares them on many random keys and inputs).
inline uint64_t SipHash24(const SipKey& key, const uint8_t* in, size_t n) {
  using siphash_internal::Load64Le;
  const uint64_t k0 = Load64Le(key.data());
  const uint64_t k1 = Load64Le(key.data() + 8);
  siphash_internal::State s{k0 ^ 0x736f6d6570736575ULL,
                            k1 ^ 0x646f72616e646f6dULL,
                            k0 ^ 0x6c7967656e657261ULL,
                            k1 ^ 0x7465646279746573ULL};
  const uint8_t* const end = in + (n & ~size_t{7});
  for (; in != end; in += 8) s.Compress(Load64Le(in));
  // The last block: the 0..7 bytes left, and n mod 256 in the top byte.
  uint64_t b = uint64_t{n} << 56;
  switch (n & 7) {
    case 7: b |= uint64_t{in[6]} << 48; [[fallthrough]];
    case 6: b |= uint64_t{in[5]} << 40; [[fallthrough]];
    case 5: b |= uint64_t{in[4]} << 32; [[fallthrough]];
    case 4: b |= uint64_t{in[3]} << 24; [[fallthrough]];
    case 3: b |= uint64_t{in[2]} << 16; [[fallthrough]];
    case 2: b |= uint64_t{in[1]} << 8; [[fallthrough]];
    case 1: b |= uint64_t{in[0]}; break;
    case 0: break;
  }
  s.Compress(b);
  s.v2 ^= 0xff;
  s.Round();
  s.Round();
  s.Round();
  s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

// design.md §5: fold32 = hi xor lo, so all 64 output bits contribute.
constexpr uint32_t Fold32(uint64_t h) {
  return static_cast<uint32_t>(h >> 32) ^ static_cast<uint32_t>(h);
}

// Packed 4-tuple: [families][remote port][local port][remote addr][local addr]
// = 13 bytes for IPv4, 37 for IPv6. Ports big-endian, addresses in network
// order. The first byte is remote.family << 4 | local.family (0x44 or 0x66).
inline constexpr size_t kMaxPackedTupleBytes = 1 + 2 + 2 + 16 + 16;

inline size_t PackTuple(const FlowTuple& t, uint8_t* out) {
  out[0] = static_cast<uint8_t>(static_cast<uint8_t>(t.remote.family) << 4 |
                                static_cast<uint8_t>(t.local.family));
  wire::Store16(out + 1, t.remote_port);
  wire::Store16(out + 3, t.local_port);
  size_t n = 5;
  std::memcpy(out + n, t.remote.data(), t.remote.size());
  n += t.remote.size();
  std::memcpy(out + n, t.local.data(), t.local.size());
  n += t.local.size();
  return n;
}

}  // namespace synx::cookie
