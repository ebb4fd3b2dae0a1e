// responder_bench — cost of one OnSegment decision per kind of segment, the
// work the engine adds per packet on top of parsing and I/O.
//
//   ninja -C build bench/tcp/bench_tcp && build/bench/tcp/bench_tcp

#include <benchmark/benchmark.h>

#include <memory>

#include "cookie/isn.h"
#include "cookie/keys.h"
#include "cookie/policy.h"
#include "tcp/responder.h"

namespace synx::tcp {
namespace {

cookie::MasterKey Master() {
  cookie::MasterKey m;
  for (size_t i = 0; i < m.bytes.size(); ++i) m.bytes[i] = uint8_t(i * 7);
  return m;
}

struct Setup {
  explicit Setup(cookie::CookieMode mode) {
    config.cookies = cookie::PolicyConfig::ForTable(mode, 1 << 20, 30);
    config.rst_rate_per_s = 0;  // measure the decision, not the limiter
    keys = cookie::CookieKeys::Create(Master(), 30, 1'700'000'000).value();
    context = std::make_unique<ResponderContext>(
        config, keys.get(), cookie::FlowSecrets::FromMaster(Master()));
    tuple.local = *wire::IpAddr::Parse("198.18.0.1");
    tuple.remote = *wire::IpAddr::Parse("198.18.0.2");
    tuple.local_port = 80;
    tuple.remote_port = 40000;
    syn.flags = wire::TcpFlags(wire::TcpFlags::kSyn);
    syn.seq = wire::SeqNum(1000);
    syn.options.mss = 1460;
    syn.options.sack_permitted = true;
    syn.options.has_window_scale = true;
    syn.options.window_scale = 7;
    syn.options.has_timestamps = true;
    syn.options.ts_val = 5;
  }

  ResponderConfig config;
  std::unique_ptr<cookie::CookieKeys> keys;
  std::unique_ptr<ResponderContext> context;
  cookie::FlowTuple tuple;
  wire::TcpSegment syn;
  uint64_t now_us = 1'000'000'000;
};

void BM_ResponderSynStateful(benchmark::State& state) {
  Setup s(cookie::CookieMode::kNever);
  for (auto _ : state) {
    s.syn.seq += 1;
    s.now_us += 10;
    benchmark::DoNotOptimize(OnSegment(s.config, *s.context, s.tuple, nullptr,
                                       true, s.syn, s.now_us));
  }
}
BENCHMARK(BM_ResponderSynStateful);

void BM_ResponderSynCookie(benchmark::State& state) {
  Setup s(cookie::CookieMode::kAlways);
  for (auto _ : state) {
    s.syn.seq += 1;
    s.now_us += 10;
    benchmark::DoNotOptimize(OnSegment(s.config, *s.context, s.tuple, nullptr,
                                       true, s.syn, s.now_us));
  }
}
BENCHMARK(BM_ResponderSynCookie);

void BM_ResponderCookieAckValid(benchmark::State& state) {
  Setup s(cookie::CookieMode::kAlways);
  const Action syn_ack = OnSegment(s.config, *s.context, s.tuple, nullptr,
                                   true, s.syn, s.now_us);
  wire::TcpSegment ack;
  ack.flags = wire::TcpFlags(wire::TcpFlags::kAck);
  ack.seq = s.syn.seq + 1;
  ack.ack = syn_ack.reply.seq + 1;
  ack.options.has_timestamps = true;
  ack.options.ts_val = 6;
  ack.options.ts_ecr = syn_ack.reply.syn.ts_val;
  for (auto _ : state) {
    benchmark::DoNotOptimize(OnSegment(s.config, *s.context, s.tuple, nullptr,
                                       true, ack, s.now_us));
  }
}
BENCHMARK(BM_ResponderCookieAckValid);

// An ACK flood in auto mode with no cookie outstanding: no MAC, a RST.
void BM_ResponderStrayAckAutoNoCookies(benchmark::State& state) {
  Setup s(cookie::CookieMode::kAuto);
  wire::TcpSegment ack;
  ack.flags = wire::TcpFlags(wire::TcpFlags::kAck);
  for (auto _ : state) {
    ack.seq += 7;
    ack.ack += 13;
    benchmark::DoNotOptimize(OnSegment(s.config, *s.context, s.tuple, nullptr,
                                       true, ack, s.now_us));
  }
}
BENCHMARK(BM_ResponderStrayAckAutoNoCookies);

void BM_ResponderEstablishedData(benchmark::State& state) {
  Setup s(cookie::CookieMode::kNever);
  Action a = OnSegment(s.config, *s.context, s.tuple, nullptr, true, s.syn,
                       s.now_us);
  Tcb tcb = a.tcb;
  wire::TcpSegment data;
  data.flags = wire::TcpFlags(wire::TcpFlags::kAck | wire::TcpFlags::kPsh);
  data.seq = s.syn.seq + 1;
  data.ack = tcb.iss + 1;
  data.payload_len = 100;
  data.options.has_timestamps = true;
  data.options.ts_val = 6;
  a = OnSegment(s.config, *s.context, s.tuple, &tcb, true, data, s.now_us);
  tcb = a.tcb;
  for (auto _ : state) {
    data.seq = tcb.rcv_nxt;
    a = OnSegment(s.config, *s.context, s.tuple, &tcb, true, data, s.now_us);
    tcb = a.tcb;
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_ResponderEstablishedData);

}  // namespace
}  // namespace synx::tcp

BENCHMARK_MAIN();
