// histogram_test — bucket geometry, accuracy against exact percentiles,
// merge, delta, and fixed memory.
#include "stats/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

// Counts every allocation in this binary, so that a test can show Record(),
// Percentile(), MergeFrom(), SetDelta() and Reset() allocate nothing.
// GCC cannot see that new and delete below are a matched malloc/free pair
// once it inlines them into gtest's factories, hence the pragma.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<uint64_t> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace synx::stats {
namespace {

using H = LatencyHistogram;

TEST(HistogramGeometry, BucketsTileTheWholeRangeWithoutGaps) {
  EXPECT_EQ(H::kBucketCount, 7424);
  EXPECT_EQ(H::BucketLow(0), 0u);
  for (int i = 0; i < H::kBucketCount; ++i) {
    const uint64_t lo = H::BucketLow(i);
    const uint64_t hi = lo + (H::BucketWidth(i) - 1);
    ASSERT_EQ(H::IndexOf(lo), i) << i;
    ASSERT_EQ(H::IndexOf(hi), i) << i;
    if (i + 1 < H::kBucketCount) {
      ASSERT_EQ(H::BucketLow(i + 1), hi + 1) << i;
    }
    if (i >= H::kExactLimit) {
      // Width ≤ 1/128 of every value in the bucket.
      ASSERT_LE(H::BucketWidth(i) * 128, lo) << i;
    } else {
      ASSERT_EQ(H::BucketWidth(i), 1u) << i;
    }
  }
  EXPECT_EQ(H::BucketLow(H::kBucketCount - 1) +
                (H::BucketWidth(H::kBucketCount - 1) - 1),
            ~uint64_t{0});
}

TEST(HistogramGeometry, PowersOfTwoAndNeighbours) {
  for (int k = 8; k < 64; ++k) {
    const uint64_t p = uint64_t{1} << k;
    EXPECT_EQ(H::BucketLow(H::IndexOf(p)), p) << k;
    EXPECT_EQ(H::IndexOf(p - 1) + 1, H::IndexOf(p)) << k;
  }
}

// Exact nearest-rank percentile of `sorted`.
uint64_t ExactPercentile(const std::vector<uint64_t>& sorted, double p) {
  const auto n = static_cast<long double>(sorted.size());
  uint64_t rank = static_cast<uint64_t>(
      std::ceil(static_cast<long double>(p) / 100.0L * n));
  rank = std::clamp<uint64_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

constexpr double kPercentiles[] = {0,  0.1, 1,  5,    10,   25,    50, 75,
                                   90, 95,  99, 99.5, 99.9, 99.99, 100};

struct SampleSet {
  std::string name;
  std::vector<uint64_t> values;
};
void PrintTo(const SampleSet& s, std::ostream* os) { *os << s.name; }

std::vector<SampleSet> SampleSets() {
  std::mt19937_64 rng(20240601);
  std::vector<SampleSet> sets;
  {
    std::uniform_int_distribution<uint64_t> d(0, 60'000'000'000ull);  // 0..60 s
    SampleSet s{"uniform_0_60s", {}};
    for (int i = 0; i < 200'000; ++i) s.values.push_back(d(rng));
    sets.push_back(std::move(s));
  }
  {
    std::exponential_distribution<double> d(1.0 / 50'000.0);  // mean 50 µs
    SampleSet s{"exponential_50us", {}};
    for (int i = 0; i < 200'000; ++i)
      s.values.push_back(static_cast<uint64_t>(d(rng)));
    sets.push_back(std::move(s));
  }
  {
    std::normal_distribution<double> fast(20'000.0, 2'000.0);       // 20 µs
    std::normal_distribution<double> slow(3'000'000.0, 300'000.0);  // 3 ms
    std::bernoulli_distribution pick_slow(0.1);
    SampleSet s{"bimodal_20us_3ms", {}};
    for (int i = 0; i < 200'000; ++i) {
      const double v = pick_slow(rng) ? slow(rng) : fast(rng);
      s.values.push_back(static_cast<uint64_t>(std::max(0.0, v)));
    }
    sets.push_back(std::move(s));
  }
  sets.push_back({"single_value", std::vector<uint64_t>(1000, 123'456'789)});
  sets.push_back({"one_sample", {987'654}});
  sets.push_back({"zeros", std::vector<uint64_t>(500, 0)});
  {
    SampleSet s{"exact_range_0_255", {}};
    for (int r = 0; r < 3; ++r) {
      for (uint64_t v = 0; v < 256; ++v) s.values.push_back(v);
    }
    sets.push_back(std::move(s));
  }
  {
    std::uniform_int_distribution<uint64_t> d(uint64_t{1} << 62, ~uint64_t{0});
    SampleSet s{"huge_up_to_uint64_max", {~uint64_t{0}, uint64_t{1} << 63}};
    for (int i = 0; i < 10'000; ++i) s.values.push_back(d(rng));
    sets.push_back(std::move(s));
  }
  {
    // Every power of two and its neighbours: the bucket boundaries.
    SampleSet s{"bucket_edges", {}};
    for (int k = 0; k < 64; ++k) {
      const uint64_t p = uint64_t{1} << k;
      s.values.push_back(p - 1);
      s.values.push_back(p);
      s.values.push_back(p + 1);
    }
    sets.push_back(std::move(s));
  }
  return sets;
}

class HistogramAccuracy : public ::testing::TestWithParam<SampleSet> {};

TEST_P(HistogramAccuracy, EveryPercentileWithinOnePercentOfExact) {
  std::vector<uint64_t> sorted = GetParam().values;
  auto h = std::make_unique<H>();
  long double sum = 0;
  for (uint64_t v : sorted) {
    h->Record(v);
    sum += v;
  }
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(h->count(), sorted.size());
  EXPECT_EQ(h->min(), sorted.front());
  EXPECT_EQ(h->max(), sorted.back());
  for (double p : kPercentiles) {
    const uint64_t exact = ExactPercentile(sorted, p);
    const uint64_t got = h->Percentile(p);
    const long double err = std::fabs(static_cast<long double>(got) - exact);
    // The documented bound is half a bucket, 1/256 of the value; the
    // requirement is 1 %. Values below 256 are exact.
    EXPECT_LE(err, static_cast<long double>(exact) / 256.0L)
        << "p" << p << " exact " << exact << " got " << got;
    EXPECT_LE(err, static_cast<long double>(exact) / 100.0L) << "p" << p;
    if (exact < 256) {
      EXPECT_EQ(got, exact) << "p" << p;
    }
  }
  EXPECT_EQ(h->Percentile(0), sorted.front());
  EXPECT_EQ(h->Percentile(100), sorted.back());
  if (sorted.back() < (uint64_t{1} << 40)) {  // the sum does not wrap
    EXPECT_DOUBLE_EQ(h->mean(), static_cast<double>(sum / sorted.size()));
  }
}

INSTANTIATE_TEST_SUITE_P(SampleSets, HistogramAccuracy,
                         ::testing::ValuesIn(SampleSets()),
                         [](const auto& info) { return info.param.name; });

TEST(Histogram, EmptyAnswersZero) {
  auto h = std::make_unique<H>();
  EXPECT_EQ(h->count(), 0u);
  EXPECT_EQ(h->min(), 0u);
  EXPECT_EQ(h->max(), 0u);
  EXPECT_EQ(h->mean(), 0.0);
  EXPECT_EQ(h->Percentile(50), 0u);
  EXPECT_EQ(h->Percentile(100), 0u);
}

TEST(Histogram, PercentileOutOfRangeClamps) {
  auto h = std::make_unique<H>();
  for (uint64_t v : {1000u, 2000u, 3000u}) h->Record(v);
  EXPECT_EQ(h->Percentile(-5), 1000u);
  EXPECT_EQ(h->Percentile(std::nan("")), 1000u);
  EXPECT_EQ(h->Percentile(250), 3000u);
}

TEST(Histogram, NearestRankOnASmallSet) {
  auto h = std::make_unique<H>();
  for (uint64_t v = 1; v <= 10; ++v) h->Record(v * 10);  // 10..100, exact range
  EXPECT_EQ(h->Percentile(10), 10u);                     // rank 1
  EXPECT_EQ(h->Percentile(10.01), 20u);                  // rank 2
  EXPECT_EQ(h->Percentile(50), 50u);                     // rank 5
  EXPECT_EQ(h->Percentile(90), 90u);
  EXPECT_EQ(h->Percentile(99), 100u);
}

void ExpectSameHistogram(const H& a, const H& b) {
  ASSERT_EQ(a.count(), b.count());
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_EQ(a.sum(), b.sum());
  for (int i = 0; i < H::kBucketCount; ++i) {
    ASSERT_EQ(a.bucket_count(i), b.bucket_count(i)) << i;
  }
  for (double p : kPercentiles)
    EXPECT_EQ(a.Percentile(p), b.Percentile(p)) << p;
}

TEST(Histogram, MergeEqualsRecordingEverySampleIntoOne) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> d(11.0, 1.5);  // ~60 µs median, long tail
  auto all = std::make_unique<H>();
  std::vector<std::unique_ptr<H>> cores;
  for (int c = 0; c < 4; ++c) cores.push_back(std::make_unique<H>());
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<uint64_t>(d(rng));
    all->Record(v);
    cores[i % 3 == 0 ? 0 : (i % 7 == 0 ? 1 : 2)]->Record(
        v);  // core 3 stays empty
  }
  auto merged = std::make_unique<H>();
  for (const auto& c : cores) merged->MergeFrom(*c);
  ExpectSameHistogram(*merged, *all);
}

TEST(Histogram, MergeOfEmptyKeepsMinAndMax) {
  auto a = std::make_unique<H>();
  auto empty = std::make_unique<H>();
  a->Record(500);
  a->MergeFrom(*empty);
  EXPECT_EQ(a->count(), 1u);
  EXPECT_EQ(a->min(), 500u);
  EXPECT_EQ(a->max(), 500u);
  empty->MergeFrom(*a);
  EXPECT_EQ(empty->min(), 500u);
}

TEST(Histogram, SetDeltaHoldsOnlyTheNewSamples) {
  auto live = std::make_unique<H>();
  for (uint64_t v = 0; v < 10'000; ++v)
    live->Record(1'000'000 + v * 100);  // 1..2 ms
  auto before = std::make_unique<H>();
  before->MergeFrom(*live);
  std::vector<uint64_t> second;
  for (uint64_t v = 0; v < 5'000; ++v) {
    second.push_back(20'000 + v * 3);  // 20..35 µs
    live->Record(second.back());
  }
  auto now = std::make_unique<H>();
  now->MergeFrom(*live);

  auto delta = std::make_unique<H>();
  delta->SetDelta(*now, *before);
  auto expected = std::make_unique<H>();
  for (uint64_t v : second) expected->Record(v);
  EXPECT_EQ(delta->count(), 5'000u);
  EXPECT_EQ(delta->sum(), expected->sum());
  for (int i = 0; i < H::kBucketCount; ++i) {
    ASSERT_EQ(delta->bucket_count(i), expected->bucket_count(i)) << i;
  }
  // min/max are bucket bounds: within the bucket of the true extremes.
  EXPECT_EQ(H::IndexOf(delta->min()), H::IndexOf(20'000));
  EXPECT_EQ(H::IndexOf(delta->max()), H::IndexOf(second.back()));
  std::sort(second.begin(), second.end());
  for (double p : kPercentiles) {
    const uint64_t exact = ExactPercentile(second, p);
    EXPECT_LE(std::fabs(static_cast<double>(delta->Percentile(p)) - exact),
              exact / 100.0)
        << p;
  }

  // No new samples: an empty delta.
  delta->SetDelta(*now, *now);
  EXPECT_EQ(delta->count(), 0u);
  EXPECT_EQ(delta->Percentile(99), 0u);
}

// A reader copies the histogram while its owner records (the live line's
// per-second percentiles): each copy is self-consistent and never ahead of
// the writer. (Under -fsanitize=thread this also shows no data race.)
TEST(Histogram, CopyWhileTheOwnerRecords) {
  constexpr uint64_t kSamples = 200'000;
  auto live = std::make_unique<H>();
  std::atomic<bool> done{false};
  uint64_t bad = 0;
  std::thread reader([&] {
    auto copy = std::make_unique<H>();
    while (!done.load(std::memory_order_acquire)) {
      copy->Reset();
      copy->MergeFrom(*live);
      uint64_t in_buckets = 0;
      for (int i = 0; i < H::kBucketCount; ++i) {
        in_buckets += copy->bucket_count(i);
      }
      if (in_buckets != copy->count() || copy->count() > kSamples) ++bad;
      if (copy->count() > 0 && (copy->Percentile(50) < 1000 ||
                                copy->Percentile(50) > 1000 + kSamples)) {
        ++bad;
      }
    }
  });
  for (uint64_t i = 0; i < kSamples; ++i) live->Record(1000 + i);
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(live->count(), kSamples);
}

TEST(Histogram, ResetEmptiesEverything) {
  auto h = std::make_unique<H>();
  for (uint64_t v : {5u, 50'000u, 5'000'000u}) h->Record(v);
  h->Reset();
  auto fresh = std::make_unique<H>();
  ExpectSameHistogram(*h, *fresh);
  h->Record(77);
  EXPECT_EQ(h->min(), 77u);
  EXPECT_EQ(h->max(), 77u);
}

TEST(Histogram, FixedMemoryAndNoAllocation) {
  EXPECT_EQ(sizeof(H), (4 + H::kBucketCount) * sizeof(uint64_t));
  auto h = std::make_unique<H>();
  auto other = std::make_unique<H>();
  auto delta = std::make_unique<H>();
  const uint64_t before = g_allocations.load();
  uint64_t v = 1;
  for (int i = 0; i < 1'000'000; ++i) {
    v = v * 6364136223846793005ull + 1442695040888963407ull;
    h->Record(v >> (i % 64));
  }
  other->MergeFrom(*h);
  delta->SetDelta(*h, *other);
  volatile uint64_t sink = h->Percentile(99.9) + other->Percentile(50);
  (void)sink;
  h->Reset();
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_EQ(other->count(), 1'000'000u);
}

}  // namespace
}  // namespace synx::stats
