// checksum.h — the Internet checksum (RFC 1071) and its incremental update
// (RFC 1624).
//
// All values are in host order as read by Load16() from the wire, and results
// are written back with Store16(): the ones'-complement sum is byte-order
// independent, so one convention throughout keeps it simple. Full sums use
// our own 8-bytes-at-a-time loop rather than DPDK's rte_raw_cksum: the 22.11
// helper reads through uint16_t* (undefined behaviour on odd addresses, which
// UBSan reports) and measured slower (10.7 vs 12.2 ns at 20 bytes, 39.8 vs
// 50.4 ns at 1500). Nothing here touches an mbuf.
//
// The `checksum_internal` namespace at the end holds the inline loop itself,
// shared by ChecksumAdd and by ParseFrame (which inlines it for the short
// headers it verifies); it is not part of the contract.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "wire/addr.h"

namespace synx::wire {

// Partial 32-bit sum of `bytes` (big-endian 16-bit words; an odd trailing byte
// is padded with zero), added to `sum`. Fold with FoldChecksum().
uint32_t ChecksumAdd(std::span<const uint8_t> bytes, uint32_t sum = 0);

// Folds a partial sum to 16 bits (no complement).
constexpr uint16_t FoldChecksum(uint32_t sum) {
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// Partial sum of the TCP/UDP/ICMPv6 pseudo-header (RFC 9293 §3.1 for IPv4,
// RFC 8200 §8.1 for IPv6).
uint32_t PseudoHeaderSum(const IpAddr& src, const IpAddr& dst, uint8_t protocol,
                         uint32_t l4_length);

// The value to store in an IPv4 header checksum field for `header`, computed
// with the checksum field itself read as zero.
uint16_t Ipv4HeaderChecksum(std::span<const uint8_t> header);

// The value to store in the checksum field of an L4 message (`l4` covers the
// header and payload; its checksum field is read as zero). ICMPv4 passes
// `pseudo_sum` = 0.
uint16_t L4Checksum(uint32_t pseudo_sum, std::span<const uint8_t> l4,
                    size_t checksum_offset);

// True when `bytes` (checksum field included) sum to 0xffff with `pseudo_sum`.
bool ChecksumVerifies(uint32_t pseudo_sum, std::span<const uint8_t> bytes);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word changing from
// `old_word` to `new_word` under checksum `old_checksum`.
constexpr uint16_t ChecksumAdjust(uint16_t old_checksum, uint16_t old_word,
                                  uint16_t new_word) {
  uint32_t sum = static_cast<uint16_t>(~old_checksum);
  sum += static_cast<uint16_t>(~old_word);
  sum += new_word;
  return static_cast<uint16_t>(~FoldChecksum(sum));
}

// The same for a 32-bit field (two words).
constexpr uint16_t ChecksumAdjust32(uint16_t old_checksum, uint32_t old_value,
                                    uint32_t new_value) {
  uint16_t c = ChecksumAdjust(old_checksum, static_cast<uint16_t>(old_value >> 16),
                              static_cast<uint16_t>(new_value >> 16));
  return ChecksumAdjust(c, static_cast<uint16_t>(old_value),
                        static_cast<uint16_t>(new_value));
}

// How far the PMD vouched for a checksum (from the mbuf's RX offload flags).
enum class ChecksumStatus : uint8_t {
  kUnknown,  // not checked: verify in software
  kGood,     // hardware verified it
  kBad,      // hardware found it wrong: drop before any state work
  kValidNoChecksum,  // data integrity known good but the field is not filled
                     // (virtio / veth partial checksums): treat as good
};

namespace checksum_internal {

// RFC 1071 §2: the sum may be taken in native byte order (§2(B)) and in words
// wider than 16 bits (§2(C)) as long as every carry out of the top is added
// back in. These helpers sum 64-bit native words with that end-around carry
// and fold once at the end; the result, read as 16 bits, is the native-order
// view of the big-endian ones'-complement sum.

inline uint64_t LoadNative64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline uint32_t LoadNative32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline uint16_t LoadNative16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// a + b with the carry out of bit 63 added back: compiles to add, adc $0.
inline uint64_t AddCarry(uint64_t a, uint64_t b) {
  uint64_t s;
  const bool carry = __builtin_add_overflow(a, b, &s);
  return s + carry;
}

// Adds `n` bytes at `p` to `acc` as native-order 16-bit words; an odd last
// byte is the high-order half of a word padded with zero (RFC 1071 §4.1).
// Every load starts at an even offset from `p`, so each stays a whole number
// of 16-bit words and `p` itself may have any alignment.
inline uint64_t SumNative(const uint8_t* p, size_t n, uint64_t acc) {
  if (n >= 64) {
    // Four independent carry chains: one chain is a serial add/adc pair per
    // 8 bytes; four keep the loads, not the adder, the limit on long buffers.
    uint64_t a1 = 0, a2 = 0, a3 = 0;
    do {
      acc = AddCarry(acc, LoadNative64(p));
      a1 = AddCarry(a1, LoadNative64(p + 8));
      a2 = AddCarry(a2, LoadNative64(p + 16));
      a3 = AddCarry(a3, LoadNative64(p + 24));
      acc = AddCarry(acc, LoadNative64(p + 32));
      a1 = AddCarry(a1, LoadNative64(p + 40));
      a2 = AddCarry(a2, LoadNative64(p + 48));
      a3 = AddCarry(a3, LoadNative64(p + 56));
      p += 64;
      n -= 64;
    } while (n >= 64);
    acc = AddCarry(AddCarry(acc, a1), AddCarry(a2, a3));
  }
  // What is left (below 64 bytes, the whole of most headers) takes each
  // power of two at most once: straight-line code, no loop.
  if (n & 32) {
    acc = AddCarry(acc, LoadNative64(p));
    acc = AddCarry(acc, LoadNative64(p + 8));
    acc = AddCarry(acc, LoadNative64(p + 16));
    acc = AddCarry(acc, LoadNative64(p + 24));
    p += 32;
  }
  if (n & 16) {
    acc = AddCarry(acc, LoadNative64(p));
    acc = AddCarry(acc, LoadNative64(p + 8));
    p += 16;
  }
  if (n & 8) {
    acc = AddCarry(acc, LoadNative64(p));
    p += 8;
  }
  if (n & 4) {
    acc = AddCarry(acc, LoadNative32(p));
    p += 4;
  }
  if (n & 2) {
    acc = AddCarry(acc, LoadNative16(p));
    p += 2;
  }
  if (n & 1) {
    if constexpr (std::endian::native == std::endian::little) {
      acc = AddCarry(acc, p[0]);
    } else {
      acc = AddCarry(acc, uint64_t{p[0]} << 8);
    }
  }
  return acc;
}

// Folds a 64-bit end-around sum to 16 bits (native order, no complement).
// Adding a word to its own rotation puts the end-around sum of its halves in
// the upper half. Zero only when `acc` is zero, as with 16-bit arithmetic.
inline uint16_t FoldNative(uint64_t acc) {
  const uint32_t s32 = static_cast<uint32_t>((acc + ((acc >> 32) | (acc << 32))) >> 32);
  return static_cast<uint16_t>((s32 + ((s32 >> 16) | (s32 << 16))) >> 16);
}

}  // namespace checksum_internal

// The checksum for a header or segment whose checksum field already holds
// zero, as every one the reply writers build does: one inline sum over all
// of `bytes` (no summing around the field, no call). With a constant length
// (the 20-byte IPv4 header) the compiler unrolls it to three adds and the
// fold. Same result as L4Checksum / Ipv4HeaderChecksum on such input.
inline uint16_t ChecksumOfZeroed(uint32_t pseudo_sum,
                                 std::span<const uint8_t> bytes) {
  uint16_t folded = checksum_internal::FoldNative(
      checksum_internal::SumNative(bytes.data(), bytes.size(), 0));
  if constexpr (std::endian::native == std::endian::little) {
    folded = __builtin_bswap16(folded);
  }
  const uint64_t r = uint64_t{pseudo_sum} + folded;
  const uint32_t sum = static_cast<uint32_t>(r) + static_cast<uint32_t>(r >> 32);
  return static_cast<uint16_t>(~FoldChecksum(sum));
}

}  // namespace synx::wire
