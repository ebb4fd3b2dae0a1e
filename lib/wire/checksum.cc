// checksum.cc — RFC 1071 sums.
//
// ChecksumAdd runs the inline 64-bit end-around-carry loop of checksum.h
// (checksum_internal::SumNative) and turns its native-order 16-bit fold into
// the big-endian view with one byte swap (RFC 1071 §2(B)). The loop loads
// through memcpy, so unlike DPDK 22.11's rte_raw_cksum it makes no alignment
// assumption (that one dereferences uint16_t pointers, which UBSan reports on
// odd addresses), and it takes eight bytes per add.

#include "wire/checksum.h"

#include <bit>

#include "wire/bytes.h"

namespace synx::wire {

using checksum_internal::FoldNative;
using checksum_internal::SumNative;

uint32_t ChecksumAdd(std::span<const uint8_t> bytes, uint32_t sum) {
  uint16_t folded = FoldNative(SumNative(bytes.data(), bytes.size(), 0));
  if constexpr (std::endian::native == std::endian::little) {
    folded = __builtin_bswap16(folded);
  }
  // Keep the end-around carry should a caller's running sum be near 2^32.
  const uint64_t r = uint64_t{sum} + folded;
  return static_cast<uint32_t>(r) + static_cast<uint32_t>(r >> 32);
}

uint32_t PseudoHeaderSum(const IpAddr& src, const IpAddr& dst, uint8_t protocol,
                         uint32_t l4_length) {
  // The exact (unfolded) sum of the 16-bit words, as callers may fold it
  // themselves (the offload case of WriteTcpReply).
  uint32_t sum = 0;
  const uint8_t* s = src.data();
  const uint8_t* d = dst.data();
  if (src.is_v4()) {
    sum += Load16(s) + Load16(s + 2);
  } else {
    for (size_t i = 0; i < 16; i += 2) sum += Load16(s + i);
  }
  if (dst.is_v4()) {
    sum += Load16(d) + Load16(d + 2);
  } else {
    for (size_t i = 0; i < 16; i += 2) sum += Load16(d + i);
  }
  // IPv4 (RFC 9293 §3.1): zero, PTCL, TCP length (16 bits).
  // IPv6 (RFC 8200 §8.1): 32-bit upper-layer length, 24 zero bits, next
  // header. Both reduce to the same words for lengths below 2^16.
  sum += protocol;
  sum += l4_length >> 16;
  sum += l4_length & 0xffff;
  return sum;
}

// The checksum field sits at an even offset in every header that has one
// (IPv4 10, TCP 16, ICMP 2), so summing around it keeps word alignment.
uint16_t L4Checksum(uint32_t pseudo_sum, std::span<const uint8_t> l4,
                    size_t checksum_offset) {
  const uint8_t* p = l4.data();
  uint64_t acc = SumNative(p, checksum_offset, 0);
  acc = SumNative(p + checksum_offset + 2, l4.size() - checksum_offset - 2, acc);
  uint16_t folded = FoldNative(acc);
  if constexpr (std::endian::native == std::endian::little) {
    folded = __builtin_bswap16(folded);
  }
  const uint64_t r = uint64_t{pseudo_sum} + folded;
  const uint32_t sum = static_cast<uint32_t>(r) + static_cast<uint32_t>(r >> 32);
  return static_cast<uint16_t>(~FoldChecksum(sum));
}

uint16_t Ipv4HeaderChecksum(std::span<const uint8_t> header) {
  return L4Checksum(0, header, 10);
}

bool ChecksumVerifies(uint32_t pseudo_sum, std::span<const uint8_t> bytes) {
  return FoldChecksum(ChecksumAdd(bytes, pseudo_sum)) == 0xffff;
}

}  // namespace synx::wire
