// tsc_clock.h — TSC ticks to microseconds (or nanoseconds) with one
// multiply and one shift.
//
// The worker reads the TSC once per loop and needs microseconds for the
// rules (ISNs, TSval, timers); a 64-bit division costs tens of cycles, a
// 64x64→128 multiply a few. mult = round(2^32 · 10^6 / hz), so the relative
// error is at most hz / (2^33 · 10^6): 3.5·10^-7 at 3 GHz, 0.03 s a day. The
// rules only need a monotonic clock that is roughly right. The initiator
// also times handshakes in nanoseconds: the same with 10^9 units per second
// (ToNs on a clock built for nanoseconds). Pure: the caller reads the TSC.
#pragma once

#include <cstdint>

namespace synx::engine {

class TscClock {
 public:
  static constexpr int kShift = 32;

  static constexpr uint64_t kMicroseconds = 1'000'000;
  static constexpr uint64_t kNanoseconds = 1'000'000'000;

  // Precondition: hz >= 10^6 (every TSC is far above).
  explicit TscClock(uint64_t hz, uint64_t units_per_s = kMicroseconds)
      : mult_(static_cast<uint64_t>(
            ((static_cast<unsigned __int128>(units_per_s) << kShift) + hz / 2) /
            hz)) {}

  // TSC ticks to the clock's units (microseconds unless built otherwise).
  uint64_t ToUs(uint64_t tsc) const { return Convert(tsc); }
  uint64_t ToNs(uint64_t tsc) const { return Convert(tsc); }
  uint64_t mult() const { return mult_; }

 private:
  uint64_t Convert(uint64_t tsc) const {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(tsc) * mult_) >> kShift);
  }

  uint64_t mult_;
};

}  // namespace synx::engine
