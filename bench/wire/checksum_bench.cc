// checksum_bench.cc — BM_ChecksumAdd / BM_ChecksumVerifies: the RFC 1071 sum
// over the lengths a handshake engine meets (an IPv4 header, a SYN with
// options, an ACK with data, a full-size frame), at an odd address as well
// as an aligned one (the loop must not care).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "wire/checksum.h"

namespace synx::wire {
namespace {

void SumBench(benchmark::State& state, size_t offset) {
  const size_t len = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> buf(len + 8);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<uint8_t>(i * 37 + 11);
  const std::span<const uint8_t> bytes(buf.data() + offset, len);
  uint32_t sum = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bytes.data());
    sum = ChecksumAdd(bytes, sum);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(len));
}

void BM_ChecksumAdd(benchmark::State& s) { SumBench(s, 0); }
void BM_ChecksumAddOddAddress(benchmark::State& s) { SumBench(s, 1); }

BENCHMARK(BM_ChecksumAdd)->Arg(20)->Arg(40)->Arg(60)->Arg(1500);
BENCHMARK(BM_ChecksumAddOddAddress)->Arg(20)->Arg(40)->Arg(1500);

}  // namespace
}  // namespace synx::wire
