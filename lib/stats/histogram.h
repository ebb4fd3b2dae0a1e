// histogram.h — a log-linear latency histogram (HdrHistogram's layout).
//
// Values are unsigned 64-bit (nanoseconds in synx). Values 0..255 each get a
// bucket of their own; above that every power of two [2^h, 2^(h+1)) is split
// into 128 equal sub-buckets, so a bucket is never wider than 1/128 of the
// values in it. Percentile() answers with the bucket's midpoint, clamped to
// the recorded min and max: at most 1/256 (0.4 %) from the exact sample.
// The whole uint64 range is covered, so Record() has no range check:
// 58 × 128 buckets, 59 KB per histogram, fixed at construction.
//
// Record() is O(1): one count-leading-zeros, a shift and an add, no division,
// no branch on the value's magnitude, no allocation. It is for one writer
// (the owning lcore); it stores with relaxed atomics so that another thread
// may copy the histogram at any time (MergeFrom) without a data race, e.g.
// for the live per-second percentiles. Such a copy is approximate only in
// that a sample may land in count/min/max a moment before its bucket.
//
// Never allocates after construction, reads no clock, does no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace synx::stats {

class LatencyHistogram {
 public:
  // 2^7 sub-buckets per power of two: bucket width ≤ 1/128 of its values.
  static constexpr int kSubBucketBits = 7;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;  // 128
  // Values below 2^(kSubBucketBits + 1) = 256 are exact.
  static constexpr int kExactLimit = 2 * kSubBuckets;
  // Powers of two 2^8 .. 2^63 add 56 half-ranges of 128 buckets each.
  static constexpr int kBucketCount =
      kExactLimit + (63 - kSubBucketBits) * kSubBuckets;

  LatencyHistogram() = default;

  // Owner only. O(1), branch-free in the value.
  void Record(uint64_t value) {
    Bump(counts_[IndexOf(value)], 1);
    Bump(count_, 1);
    Bump(sum_, value);
    // Unconditional stores: cmov instead of a branch on every sample.
    Store(min_, value < Load(min_) ? value : Load(min_));
    Store(max_, value > Load(max_) ? value : Load(max_));
  }

  uint64_t count() const { return Load(count_); }
  // Sum of recorded values (wraps after 1.8e19: 584 years of nanoseconds).
  uint64_t sum() const { return Load(sum_); }
  // 0 when empty.
  uint64_t min() const { return count() == 0 ? 0 : Load(min_); }
  uint64_t max() const { return Load(max_); }
  double mean() const;

  // The value at percentile `p` in [0, 100] by nearest rank (the
  // ceil(p/100 · count)-th smallest sample, at least the first): the
  // midpoint of its bucket clamped to [min, max], so within 1/256 of the
  // exact sample. p = 0 gives min, p = 100 gives max; 0 when empty.
  uint64_t Percentile(double p) const;

  // Adds every sample of `other` (which may be written concurrently by its
  // owner: read with relaxed loads; the count is recomputed from the
  // buckets copied, and min/max are kept inside the first/last non-empty
  // bucket, so the result is self-consistent).
  void MergeFrom(const LatencyHistogram& other);

  // Sets this to the samples recorded in `later` but not in `earlier`, where
  // `earlier` is an older copy of the same histogram (per-interval
  // percentiles from two cumulative copies). min and max become the bounds
  // of the lowest and highest non-empty bucket; sum is later − earlier.
  void SetDelta(const LatencyHistogram& later, const LatencyHistogram& earlier);

  void Reset();

  // Bucket geometry, public for tests and renderers.
  static constexpr int IndexOf(uint64_t v) {
    // h = position of the highest set bit of max(v, 255); shift = h − 7
    // sub-bucket bits, 0 for the exact range. index = shift·128 + v>>shift
    // lands in [128·(shift+1), 128·(shift+2)) for shift ≥ 1.
    const int shift =
        63 - kSubBucketBits - __builtin_clzll(v | (kExactLimit - 1));
    return (shift << kSubBucketBits) + static_cast<int>(v >> shift);
  }
  static constexpr uint64_t BucketLow(int index) {
    if (index < kExactLimit) return static_cast<uint64_t>(index);
    const int shift = (index >> kSubBucketBits) - 1;
    return static_cast<uint64_t>(index - (shift << kSubBucketBits)) << shift;
  }
  static constexpr uint64_t BucketWidth(int index) {
    return index < kExactLimit ? 1
                               : uint64_t{1} << ((index >> kSubBucketBits) - 1);
  }
  uint64_t bucket_count(int index) const { return Load(counts_[index]); }

 private:
  static uint64_t Load(const uint64_t& slot) {
    return __atomic_load_n(&slot, __ATOMIC_RELAXED);
  }
  static void Store(uint64_t& slot, uint64_t v) {
    __atomic_store_n(&slot, v, __ATOMIC_RELAXED);
  }
  static void Bump(uint64_t& slot, uint64_t n) { Store(slot, Load(slot) + n); }

  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
  std::array<uint64_t, kBucketCount> counts_{};
};

static_assert(LatencyHistogram::IndexOf(0) == 0);
static_assert(LatencyHistogram::IndexOf(255) == 255);
static_assert(LatencyHistogram::IndexOf(256) == 256);
static_assert(LatencyHistogram::IndexOf(~uint64_t{0}) ==
              LatencyHistogram::kBucketCount - 1);
static_assert(
    LatencyHistogram::BucketLow(LatencyHistogram::kBucketCount - 1) +
        (LatencyHistogram::BucketWidth(LatencyHistogram::kBucketCount - 1) -
         1) ==
    ~uint64_t{0});

}  // namespace synx::stats
