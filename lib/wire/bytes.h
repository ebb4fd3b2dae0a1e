// bytes.h — byte-wise big-endian loads and stores.
//
// Wire fields may sit at any alignment (TCP options are unaligned by design,
// VLAN tags shift every later header by 4), so every access goes through
// memcpy, which the compiler turns into one load plus a byte swap.
// These helpers never check bounds: callers check lengths first.
#pragma once

#include <cstdint>
#include <cstring>

namespace synx::wire {

inline uint16_t Load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof(v));
  return __builtin_bswap16(v);
}

inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return __builtin_bswap32(v);
}

inline void Store16(uint8_t* p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, sizeof(v));
}

inline void Store32(uint8_t* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof(v));
}

}  // namespace synx::wire
