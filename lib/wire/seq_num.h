// seq_num.h — TCP sequence numbers with modulo-2^32 arithmetic (RFC 9293 §3.4).
//
// SeqNum is a distinct type so that sequence numbers are never compared with
// `<` on raw integers, which breaks at wrap-around. Comparison follows the
// RFC 1982 serial-number rule: a < b when (b - a) interpreted as signed 32-bit
// is positive.
#pragma once

#include <cstdint>

namespace synx::wire {

class SeqNum {
 public:
  constexpr SeqNum() = default;
  constexpr explicit SeqNum(uint32_t v) : v_(v) {}

  constexpr uint32_t value() const { return v_; }

  constexpr SeqNum operator+(uint32_t n) const { return SeqNum(v_ + n); }
  constexpr SeqNum operator-(uint32_t n) const { return SeqNum(v_ - n); }
  constexpr SeqNum& operator+=(uint32_t n) { v_ += n; return *this; }
  // Distance from `o` to this, modulo 2^32, as a signed value.
  constexpr int32_t operator-(SeqNum o) const {
    return static_cast<int32_t>(v_ - o.v_);
  }

  constexpr bool operator==(const SeqNum&) const = default;
  constexpr bool operator<(SeqNum o) const { return (*this - o) < 0; }
  constexpr bool operator<=(SeqNum o) const { return (*this - o) <= 0; }
  constexpr bool operator>(SeqNum o) const { return (*this - o) > 0; }
  constexpr bool operator>=(SeqNum o) const { return (*this - o) >= 0; }

  // lo < this <= hi, the form RFC 9293 uses for acceptable ACKs
  // (SND.UNA < SEG.ACK =< SND.NXT).
  constexpr bool InOpenClosed(SeqNum lo, SeqNum hi) const {
    return lo < *this && *this <= hi;
  }
  // lo <= this < hi, the form used for receive-window checks.
  constexpr bool InClosedOpen(SeqNum lo, SeqNum hi) const {
    return lo <= *this && *this < hi;
  }

 private:
  uint32_t v_ = 0;
};

}  // namespace synx::wire
