#include "stats/histogram.h"

#include <algorithm>
#include <cmath>

namespace synx::stats {
namespace {

uint64_t BucketHigh(int index) {
  return LatencyHistogram::BucketLow(index) +
         (LatencyHistogram::BucketWidth(index) - 1);
}

// `v` when it lies in bucket `index`, else `fallback`. A histogram copied
// while its owner records may show a sample in a bucket before its min/max
// stores land (or the reverse); the bucket bounds are then the best answer
// and keep min ≤ max. For a quiescent source the extremes always lie in the
// first / last non-empty bucket, so they are kept exactly.
uint64_t InBucketOr(uint64_t v, int index, uint64_t fallback) {
  return LatencyHistogram::IndexOf(v) == index ? v : fallback;
}

}  // namespace

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
      return lo <= hi ? std::clamp(mid, lo, hi) : mid;
    }
  }
  return hi;  // count ran ahead of the buckets (a concurrent copy)
}

void LatencyHistogram::MergeFrom(const LatencyHistogram& other) {
  int first = -1;
  int last = -1;
  uint64_t added = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    const uint64_t c = Load(other.counts_[i]);
    if (c == 0) continue;
    Bump(counts_[i], c);
    added += c;
    if (first < 0) first = i;
    last = i;
  }
  if (added == 0) return;
  Bump(count_, added);
  Bump(sum_, Load(other.sum_));
  const uint64_t other_min =
      InBucketOr(Load(other.min_), first, BucketLow(first));
  const uint64_t other_max =
      InBucketOr(Load(other.max_), last, BucketHigh(last));
  Store(min_, std::min(Load(min_), other_min));
  Store(max_, std::max(Load(max_), other_max));
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
  Store(min_, InBucketOr(Load(later.min_), first, BucketLow(first)));
  Store(max_, InBucketOr(Load(later.max_), last, BucketHigh(last)));
}

void LatencyHistogram::Reset() {
  for (auto& c : counts_) Store(c, 0);
  Store(count_, 0);
  Store(sum_, 0);
  Store(min_, std::numeric_limits<uint64_t>::max());
  Store(max_, 0);
}

}  // namespace synx::stats
