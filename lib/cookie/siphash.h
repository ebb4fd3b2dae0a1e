// siphash.h — SipHash-2-4 (libsodium) over a canonical packing of a FlowTuple.
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

// SipHash-2-4 of `n` bytes at `in`, read as the little-endian 64-bit value the
// SipHash paper defines (libsodium stores it LE).
inline uint64_t SipHash24(const SipKey& key, const uint8_t* in, size_t n) {
  uint8_t out[crypto_shorthash_siphash24_BYTES];
  crypto_shorthash_siphash24(out, in, n, key.data());
  uint64_t h;
  std::memcpy(&h, out, sizeof(h));
  if constexpr (std::endian::native == std::endian::big) {
    h = __builtin_bswap64(h);
  }
  return h;
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
