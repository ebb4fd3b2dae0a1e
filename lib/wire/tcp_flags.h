// tcp_flags.h — the TCP control bits as a small value type.
//
// Only the eight classic bits (CWR..FIN) are kept; the reserved bits and AE
// (RFC 3168 / AccECN) are ignored on input, as handshake-rules.md §B says.
#pragma once

#include <cstdint>

namespace synx::wire {

class TcpFlags {
 public:
  static constexpr uint8_t kFin = 0x01;
  static constexpr uint8_t kSyn = 0x02;
  static constexpr uint8_t kRst = 0x04;
  static constexpr uint8_t kPsh = 0x08;
  static constexpr uint8_t kAck = 0x10;
  static constexpr uint8_t kUrg = 0x20;
  static constexpr uint8_t kEce = 0x40;
  static constexpr uint8_t kCwr = 0x80;

  constexpr TcpFlags() = default;
  constexpr explicit TcpFlags(uint8_t bits) : bits_(bits) {}

  constexpr uint8_t bits() const { return bits_; }
  constexpr bool fin() const { return bits_ & kFin; }
  constexpr bool syn() const { return bits_ & kSyn; }
  constexpr bool rst() const { return bits_ & kRst; }
  constexpr bool psh() const { return bits_ & kPsh; }
  constexpr bool ack() const { return bits_ & kAck; }
  constexpr bool urg() const { return bits_ & kUrg; }
  // True when every bit of `mask` is set.
  constexpr bool Has(uint8_t mask) const { return (bits_ & mask) == mask; }
  // True when the bits selected by `mask` equal `want` exactly.
  constexpr bool Is(uint8_t mask, uint8_t want) const {
    return (bits_ & mask) == want;
  }
  constexpr bool operator==(const TcpFlags&) const = default;

 private:
  uint8_t bits_ = 0;
};

}  // namespace synx::wire
