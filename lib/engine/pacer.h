// pacer.h — the initiator's rate: a token bucket on the worker's microsecond
// clock.
//
// `rate` tokens per second accrue continuously and at most `burst` are held,
// so a worker that was busy (or a poll that came late) catches up by at most
// `burst` SYNs at once: a receiver's queue sees small bursts, never a flood
// of saved-up tokens. rate = 0 means no limit: every ask is granted. The
// bucket starts with one token, so the first SYN goes out at once.
//
// Integer arithmetic only: credit is kept in token-microseconds (one token =
// 10^6 of them). Pure: the caller passes the time; no allocation, no DPDK.
#pragma once

#include <algorithm>
#include <cstdint>

namespace synx::engine {

class Pacer {
 public:
  static constexpr uint64_t kScale = 1'000'000;  // token-µs per token
  // A gap between two polls longer than this accrues no more (a second of
  // credit is far beyond any burst; it also keeps the product in range).
  static constexpr uint64_t kMaxGapUs = 1'000'000;

  Pacer(uint64_t rate_per_s, uint32_t burst, uint64_t start_us)
      : rate_(rate_per_s),
        cap_(uint64_t{std::max<uint32_t>(burst, 1)} * kScale),
        credit_(kScale),
        last_us_(start_us) {}

  // How many of `want` tokens may be spent at `now_us` (not yet taken).
  uint32_t Available(uint64_t now_us, uint32_t want) {
    if (rate_ == 0) return want;
    if (now_us > last_us_) {
      const uint64_t gap = std::min(now_us - last_us_, kMaxGapUs);
      credit_ = std::min(cap_, credit_ + gap * rate_);
      last_us_ = now_us;
    }
    if (credit_ < kScale) return 0;  // the common case between two SYNs
    return static_cast<uint32_t>(std::min<uint64_t>(want, credit_ / kScale));
  }

  // Spends `n` tokens (at most what Available returned).
  void Take(uint32_t n) {
    if (rate_ != 0) credit_ -= std::min(credit_, uint64_t{n} * kScale);
  }

  uint64_t rate() const { return rate_; }

 private:
  uint64_t rate_;
  uint64_t cap_;
  uint64_t credit_;
  uint64_t last_us_;
};

}  // namespace synx::engine
