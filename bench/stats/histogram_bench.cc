// histogram_bench.cc — what one LatencyHistogram::Record costs, per sample,
// on a realistic spread of handshake latencies (log-normal around 60 µs, so
// the samples hit many buckets and the index math is not predicted away),
// swept over how many samples are recorded back to back (a burst of SYN+ACKs).
// Also BM_CounterBlockAdd for the counter block's load+store increment, and
// the control-path operations (Percentile, MergeFrom) for scale.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "stats/counters.h"
#include "stats/histogram.h"

namespace synx::stats {
namespace {

std::vector<uint64_t> Samples(size_t n) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> d(11.0, 1.0);
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = static_cast<uint64_t>(d(rng));
  return v;
}

void BM_HistogramRecord(benchmark::State& state) {
  const auto burst = static_cast<size_t>(state.range(0));
  const std::vector<uint64_t> samples = Samples(4096);
  auto h = std::make_unique<LatencyHistogram>();
  size_t at = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < burst; ++i) {
      h->Record(samples[at]);
      at = (at + 1) & 4095;
    }
  }
  benchmark::DoNotOptimize(h->count());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * burst));
}
BENCHMARK(BM_HistogramRecord)->Arg(1)->Arg(8)->Arg(32)->Arg(64);

void BM_CounterBlockAdd(benchmark::State& state) {
  auto b = std::make_unique<CounterBlock>();
  for (auto _ : state) {
    b->Inc(Counter::kRxPackets);
    b->Add(Counter::kRxBytes, 60);
    b->Inc(Counter::kSynRx);
    b->Inc(Counter::kSynackTx);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CounterBlockAdd);

void BM_HistogramPercentile(benchmark::State& state) {
  auto h = std::make_unique<LatencyHistogram>();
  for (uint64_t v : Samples(100'000)) h->Record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h->Percentile(99.9));
}
BENCHMARK(BM_HistogramPercentile);

void BM_HistogramMerge(benchmark::State& state) {
  auto a = std::make_unique<LatencyHistogram>();
  auto b = std::make_unique<LatencyHistogram>();
  for (uint64_t v : Samples(100'000)) a->Record(v);
  for (auto _ : state) {
    b->MergeFrom(*a);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_HistogramMerge);

}  // namespace
}  // namespace synx::stats

BENCHMARK_MAIN();
