// rate_limiter.h — a token bucket refilled from the time it is given.
//
// Used per core to bound the RSTs synx sends to segments that match nothing
// (closed ports, stray or forged ACKs, RFC 9293 §3.10.7.1 and RFC 5961 §7's
// concern about being turned into a reflector). Pure: no clock read, no
// allocation; integer arithmetic only, in micro-tokens so that low rates
// refill smoothly without drifting.
#pragma once

#include <cstdint>

namespace synx::tcp {

class TokenBucket {
 public:
  // `rate_per_s` tokens per second, at most `burst` saved up (at least 1).
  // A rate of 0 means unlimited: TryTake always succeeds.
  TokenBucket(uint32_t rate_per_s = 0, uint32_t burst = 1);

  // Takes one token if there is one at `now_us` (a monotonic microsecond
  // clock; a time earlier than the last one seen refills nothing).
  bool TryTake(uint64_t now_us);

  uint32_t rate_per_s() const { return rate_per_s_; }
  uint32_t burst() const { return static_cast<uint32_t>(cap_ / kScale); }

 private:
  static constexpr uint64_t kScale = 1'000'000;  // micro-tokens per token

  uint32_t rate_per_s_;
  uint64_t cap_;      // burst × kScale
  uint64_t tokens_;   // micro-tokens
  uint64_t last_us_ = 0;
};

}  // namespace synx::tcp
