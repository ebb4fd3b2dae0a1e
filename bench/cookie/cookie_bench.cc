// cookie_bench.cc — cost of one SYN cookie (make) and one cookie-ACK check,
// per family, plus the stateful path's ISN and TS offset. Each is one
// SipHash-2-4 over 18..42 bytes; the tuples vary per iteration so that
// nothing is constant-folded.
//
// BM_CheckCookieForged doubles as the measurement of the forgery odds that
// docs/cookies.md reports: its "accepted" counter over N blind guesses
// (expected N / 2^24). Run with a large --benchmark_min_time for that.

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <memory>

#include "cookie/isn.h"
#include "cookie/keys.h"
#include "cookie/syn_cookie.h"

namespace synx::cookie {
namespace {

using wire::Family;
using wire::SeqNum;

constexpr size_t kTuples = 1024;  // a power of two: index by mask

MasterKey BenchMaster() {
  MasterKey m;
  for (size_t i = 0; i < m.bytes.size(); ++i) m.bytes[i] = uint8_t(i * 7 + 1);
  return m;
}

std::unique_ptr<CookieKeys> BenchKeys() {
  return *CookieKeys::Create(BenchMaster(), 30, 30 * 1000);
}

std::array<FlowTuple, kTuples> Tuples(Family f) {
  std::array<FlowTuple, kTuples> ts;
  for (size_t i = 0; i < kTuples; ++i) {
    FlowTuple& t = ts[i];
    t.local.family = t.remote.family = f;
    if (f == Family::kV4) {
      t.local.b = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 19, 0, 1};
      t.remote.b = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18,
                    uint8_t(i >> 8), uint8_t(i)};
    } else {
      t.local.b = {0x20, 0x01, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
      t.remote.b = {0x20, 0x01, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                    uint8_t(i >> 8), uint8_t(i)};
    }
    t.local_port = 80;
    t.remote_port = static_cast<uint16_t>(32768 + i);
  }
  return ts;
}

wire::TcpOptions LinuxSyn() {
  wire::TcpOptions o;
  o.mss = 1460;
  o.has_window_scale = true;
  o.window_scale = 7;
  o.sack_permitted = true;
  o.has_timestamps = true;
  return o;
}

Family FamilyArg(const benchmark::State& state) {
  return state.range(0) == 4 ? Family::kV4 : Family::kV6;
}

void BM_MakeCookie(benchmark::State& state) {
  auto keys = BenchKeys();
  const auto tuples = Tuples(FamilyArg(state));
  const wire::TcpOptions opts = LinuxSyn();
  CookieCounters c;
  uint32_t i = 0;
  for (auto _ : state) {
    const MakeResult r =
        MakeCookie(*keys, tuples[i & (kTuples - 1)], SeqNum(i), opts, &c);
    benchmark::DoNotOptimize(r);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MakeCookie)->Arg(4)->Arg(6)->ArgName("family");

void BM_CheckCookie(benchmark::State& state) {
  auto keys = BenchKeys();
  const auto tuples = Tuples(FamilyArg(state));
  CookieCounters c;
  // Valid ACKs, prepared outside the timed loop.
  std::array<SeqNum, kTuples> acks;
  for (size_t i = 0; i < kTuples; ++i) {
    acks[i] = MakeCookie(*keys, tuples[i], SeqNum(uint32_t(i)), LinuxSyn(), &c)
                  .iss + 1;
  }
  uint64_t ok = 0;
  size_t i = 0;
  for (auto _ : state) {
    const size_t j = i & (kTuples - 1);
    const CheckResult r = CheckCookie(*keys, tuples[j], SeqNum(uint32_t(j)) + 1,
                                      acks[j], &c);
    ok += r.ok();
    ++i;
  }
  if (ok != static_cast<uint64_t>(state.iterations()))
    state.SkipWithError("a valid cookie failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckCookie)->Arg(4)->Arg(6)->ArgName("family");

void BM_CheckCookieForged(benchmark::State& state) {
  auto keys = BenchKeys();
  const auto tuples = Tuples(FamilyArg(state));
  CookieCounters c;
  uint64_t x = 0x9e3779b97f4a7c15u;  // splitmix64 stream of (SEQ, ACK) guesses
  uint64_t accepted = 0;
  size_t i = 0;
  for (auto _ : state) {
    x += 0x9e3779b97f4a7c15u;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    accepted += CheckCookie(*keys, tuples[i++ & (kTuples - 1)],
                            SeqNum(uint32_t(z)), SeqNum(uint32_t(z >> 32)), &c)
                    .ok();
  }
  state.counters["guesses"] = static_cast<double>(state.iterations());
  state.counters["accepted"] = static_cast<double>(accepted);
  state.counters["expected"] =
      static_cast<double>(state.iterations()) / double(1 << 24);
}
BENCHMARK(BM_CheckCookieForged)->Arg(4)->Arg(6)->ArgName("family");

void BM_Isn(benchmark::State& state) {
  const FlowSecrets s = FlowSecrets::FromMaster(BenchMaster());
  const auto tuples = Tuples(FamilyArg(state));
  uint64_t now_us = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.Isn(tuples[now_us & (kTuples - 1)], now_us));
    ++now_us;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Isn)->Arg(4)->Arg(6)->ArgName("family");

void BM_TsOffset(benchmark::State& state) {
  const FlowSecrets s = FlowSecrets::FromMaster(BenchMaster());
  const auto tuples = Tuples(FamilyArg(state));
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.TsOffset(tuples[i++ & (kTuples - 1)]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TsOffset)->Arg(4)->Arg(6)->ArgName("family");

// Control path, once per rotation: deriving one 16-byte key (BLAKE2b).
void BM_DeriveCookieKey(benchmark::State& state) {
  const MasterKey m = BenchMaster();
  uint64_t epoch = 0;
  for (auto _ : state) benchmark::DoNotOptimize(DeriveCookieKey(m, epoch++));
}
BENCHMARK(BM_DeriveCookieKey);

}  // namespace
}  // namespace synx::cookie

BENCHMARK_MAIN();
