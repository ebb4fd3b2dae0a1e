#include "tcp/rate_limiter.h"

#include <algorithm>

namespace synx::tcp {

TokenBucket::TokenBucket(uint32_t rate_per_s, uint32_t burst)
    : rate_per_s_(rate_per_s),
      cap_(uint64_t{std::max<uint32_t>(burst, 1)} * kScale),
      tokens_(cap_) {}

bool TokenBucket::TryTake(uint64_t now_us) {
  if (rate_per_s_ == 0) return true;
  if (now_us > last_us_) {
    // Clamp the gap first: once it would fill the bucket the rest does not
    // matter, and the product below can then not overflow.
    const uint64_t full_after_us = cap_ / rate_per_s_ + 1;
    const uint64_t elapsed = std::min(now_us - last_us_, full_after_us);
    tokens_ = std::min(cap_, tokens_ + elapsed * rate_per_s_);
    last_us_ = now_us;
  }
  if (tokens_ < kScale) return false;
  tokens_ -= kScale;
  return true;
}

}  // namespace synx::tcp
