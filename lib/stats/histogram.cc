#include "stats/histogram.h"

#include <algorithm>
#include <cmath>

namespace synx::stats {

double LatencyHistogram::mean() const {
  const uint64_t n = count();
  return n == 0 ? 0.0 : static_cast<double>(sum()) / static_cast<double>(n);
}

uint64_t LatencyHistogram::Percentile(double p) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  const uint64_t lo = min();
  const uint64_t hi = max();
  if (!(p > 0)) return lo;  // also NaN
  if (p >= 100) return hi;
  // Nearest rank: the ceil(p/100 · n)-th smallest sample. The product is
  // formed in long double so that n up to 2^64 keeps its integer precision.
  const long double exact = static_cast<long double>(p) / 100.0L * n;
  uint64_t rank = static_cast<uint64_t>(std::ceil(exact));
  rank = std::clamp<uint64_t>(rank, 1, n);
  uint64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += Load(counts_[i]);
    if (seen >= rank) {
      const uint64_t mid = BucketLow(i) + BucketWidth(i) / 2;
      return std::clamp(mid, lo, hi);
    }
  }
  return hi;  // count ran ahead of the buckets (a concurrent copy)
}

void LatencyHistogram::MergeFrom(const LatencyHistogram& other) {
  uint64_t added = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    const uint64_t c = Load(other.counts_[i]);
    if (c == 0) continue;
    Bump(counts_[i], c);
    added += c;
  }
  if (added == 0) return;
  Bump(count_, added);
  Bump(sum_, Load(other.sum_));
  Store(min_, std::min(Load(min_), Load(other.min_)));
  Store(max_, std::max(Load(max_), Load(other.max_)));
}

void LatencyHistogram::SetDelta(const LatencyHistogram& later,
                                const LatencyHistogram& earlier) {
  Reset();
  int first = -1;
  int last = -1;
  uint64_t total = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    const uint64_t a = Load(later.counts_[i]);
    const uint64_t b = Load(earlier.counts_[i]);
    const uint64_t c = a > b ? a - b : 0;
    if (c == 0) continue;
    Store(counts_[i], c);
    total += c;
    if (first < 0) first = i;
    last = i;
  }
  if (total == 0) return;
  Store(count_, total);
  const uint64_t ls = Load(later.sum_);
  const uint64_t es = Load(earlier.sum_);
  Store(sum_, ls > es ? ls - es : 0);
  // The exact extremes of the interval are not known; the bucket bounds are,
  // tightened by the cumulative extremes where those fall inside them.
  Store(min_, std::max(BucketLow(first), Load(later.min_)));
  Store(max_,
        std::min(BucketLow(last) + (BucketWidth(last) - 1), Load(later.max_)));
}

void LatencyHistogram::Reset() {
  for (auto& c : counts_) Store(c, 0);
  Store(count_, 0);
  Store(sum_, 0);
  Store(min_, std::numeric_limits<uint64_t>::max());
  Store(max_, 0);
}

}  // namespace synx::stats
