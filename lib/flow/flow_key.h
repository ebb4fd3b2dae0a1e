// flow_key.h — the connection table's key (a TCP 4-tuple of either family)
// and its keyed hash.
//
// FlowKey is 38 bytes with no padding: both addresses in 16-byte form (IPv4
// canonically IPv4-mapped, ::ffff:a.b.c.d), both ports in host order, the
// family, and a reserved byte that is always zero. Equality and hashing are
// over those 38 bytes, so an IPv4 key and an IPv6 key whose address bytes are
// equal (a peer using ::ffff:a.b.c.d over IPv6) never compare equal: the
// family byte differs. A key with family byte 0 (FlowKey{}) is the "no key"
// value; the table uses it to mark free slots and never stores it.
//
// FlowHash is a keyed multiply-mix hash; the seed is per table and secret
// (the engine draws it from getrandom()). It is not a cryptographic PRF: its
// only job is to make the slot a key lands in unpredictable to a remote
// sender. The table's probe limit is the hard bound on work either way.
//
// Pure values: no allocation, no I/O, no DPDK types.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "wire/addr.h"

namespace synx::flow {

struct FlowKey {
  std::array<uint8_t, 16> local_addr{};   // network order; IPv4 mapped
  std::array<uint8_t, 16> remote_addr{};  // network order; IPv4 mapped
  uint16_t local_port = 0;                // host order
  uint16_t remote_port = 0;               // host order
  wire::Family family{0};                 // 0 only in FlowKey{} (no key)
  uint8_t reserved = 0;                   // always 0: keeps bytewise == exact

  // `local` is synx's own address (the SYN's destination on the responder),
  // `remote` the peer's. Both must have the same family. An IPv4 address is
  // rewritten to its canonical mapped form, whatever filled b[0..11].
  static FlowKey Make(const wire::IpAddr& local, uint16_t local_port,
                      const wire::IpAddr& remote, uint16_t remote_port) {
    FlowKey k;
    k.family = remote.family;
    k.local_port = local_port;
    k.remote_port = remote_port;
    CopyAddr(local, k.local_addr);
    CopyAddr(remote, k.remote_addr);
    return k;
  }

  bool is_v4() const { return family == wire::Family::kV4; }
  wire::IpAddr local() const { return wire::IpAddr{family, local_addr}; }
  wire::IpAddr remote() const { return wire::IpAddr{family, remote_addr}; }

  // Word-wise: four aligned 8-byte loads plus one overlapping load of bytes
  // 30..37 (ports, family, reserved). Cheaper than memcmp's generic path.
  bool operator==(const FlowKey& o) const {
    const auto* a = reinterpret_cast<const uint8_t*>(this);
    const auto* b = reinterpret_cast<const uint8_t*>(&o);
    return ((Word(a, 0) ^ Word(b, 0)) | (Word(a, 8) ^ Word(b, 8)) |
            (Word(a, 16) ^ Word(b, 16)) | (Word(a, 24) ^ Word(b, 24)) |
            (Word(a, 30) ^ Word(b, 30))) == 0;
  }

  static uint64_t Word(const uint8_t* p, size_t offset) {
    uint64_t w;
    std::memcpy(&w, p + offset, sizeof(w));
    return w;
  }

 private:
  static void CopyAddr(const wire::IpAddr& a, std::array<uint8_t, 16>& out) {
    if (a.is_v4()) {
      out = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
             a.b[12], a.b[13], a.b[14], a.b[15]};
    } else {
      out = a.b;
    }
  }
};

static_assert(sizeof(FlowKey) == 38, "FlowKey must have no padding bytes");
static_assert(alignof(FlowKey) == 2);

// 384 bits of secret per table. Zero seeds are legal (tests use fixed seeds)
// but the engine must fill it from getrandom().
struct HashSeed {
  std::array<uint64_t, 6> k{};
};

namespace internal {

// 64x64 → 128-bit multiply folded to 64 bits (the "mum" of wyhash/rapidhash).
inline uint64_t FoldedMultiply(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

}  // namespace internal

// FlowHash: the key's five 8-byte words are each XORed with a secret seed
// word before a non-linear 64x64→128 multiply, and the products are mixed by
// a final multiply. Why not CRC32 (rte_hash's default) or another unkeyed or
// linearly-seeded hash: CRC is linear over GF(2), so crc(a)^crc(b)^crc(c) =
// crc(a^b^c) for equal-length inputs and the seed cancels out; a set of
// colliding 4-tuples found once collides in every table on every appliance,
// and an attacker can flood one probe sequence from precomputed lists. Here
// the seed enters before the multiply, so which keys collide depends on the
// secret: a flood must be aimed blind and looks like random keys to the table.
// (The one degenerate case of a folded multiply, an operand of zero, needs a
// key word equal to the secret seed word: a 2^-64 guess per word.)
inline uint64_t FlowHash(const FlowKey& key, const HashSeed& seed) {
  const auto* p = reinterpret_cast<const uint8_t*>(&key);
  const uint64_t a = internal::FoldedMultiply(FlowKey::Word(p, 0) ^ seed.k[0],
                                              FlowKey::Word(p, 8) ^ seed.k[1]);
  const uint64_t b = internal::FoldedMultiply(FlowKey::Word(p, 16) ^ seed.k[2],
                                              FlowKey::Word(p, 24) ^ seed.k[3]);
  // The last word (ports, family) goes through two multiplies as well: many
  // keys differ only in the remote port, and one multiply by a constant
  // leaves the top bits (the table's tag) visibly structured.
  const uint64_t c =
      internal::FoldedMultiply(FlowKey::Word(p, 30) ^ seed.k[4], a ^ seed.k[5]);
  return internal::FoldedMultiply(c ^ 0x9e3779b97f4a7c15ULL, b);
}

}  // namespace synx::flow
