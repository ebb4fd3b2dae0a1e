// worker_bench — the responder's whole per-packet pipeline: one
// Worker::Poll over a burst of real mbufs on a net_ring port built from two
// rings (EAL --no-huge in this process, no NIC, no root), per kind of frame,
// next to the same ring round trip with no worker at all (ring_only: the
// PMD stubs' own cost).
//
//   ninja -C build bench/engine/bench_engine && build/bench/engine/bench_engine
//   build/bench/engine/bench_engine --benchmark_format=json   # machine-readable
//
// Each iteration fills the burst's mbufs from a template (a 54..98-byte
// memcpy and a few field stores, in ring_only too), enqueues them on the RX
// ring, calls PipelinePoll (= Worker::Poll: rx burst, parse, bulk lookup,
// rules, replies written in place, timers, tx burst, bulk free) and takes
// the replies off the TX ring. items_per_second is frames per second.
//
// Flows: a pool of kFlows distinct source ports, walked in order. Cases that
// need state (syn_stateful creates an entry per SYN, final_ack completes one
// per ACK) reset it with timing paused whenever the walk wraps: RSTs at
// RCV.NXT erase every entry, and final_ack's SYNs recreate them.
//
// Instructions per packet (callgrind; machine noise does not move them):
//   bench/instructions_per_call build/bench/engine/bench_engine
//       'BM_Pipeline/syn_cookie/burst:32$' PipelinePoll 32
#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cookie/keys.h"
#include "engine/listen_set.h"
#include "engine/worker.h"
#include "golden_frames.h"
#include "host/host_config.h"
#include "io/eal.h"
#include "io/port.h"
#include "tcp/config.h"
#include "wire/bytes.h"

namespace synx::engine {
namespace {

namespace g = wire::golden;

enum class Kind {
  kRingOnly,       // rx burst + tx burst, no worker: the PMD stubs' cost
  kSynCookie,      // SYN → SYN+ACK with a cookie, no state (--cookies=always)
  kSynStateful,    // SYN of a new flow → SYN-RECEIVED entry + SYN+ACK
  kFinalAck,       // final ACK → SYN-RECEIVED entry becomes ESTABLISHED
  kSynAgain,       // SYN of a flow in SYN-RECEIVED → SYN+ACK again (hit)
  kClosedPortRst,  // SYN to a closed port → RST+ACK
  kEcho,           // ICMP echo → echo reply
};

wire::IpAddr Ip(const char* s) { return *wire::IpAddr::Parse(s); }

// Flows per pool: enough that the table is not a toy (16 K entries, about
// 1 MB with the wheel), few enough that a reset pass stays short.
constexpr uint32_t kFlows = 16384;
constexpr uint16_t kFirstPort = 10000;
// Frame offsets (IPv4, no VLAN, no IP options).
constexpr size_t kSrcPortAt = 34;
constexpr size_t kSeqAt = 38;
constexpr size_t kAckAt = 42;

struct Rig {
  explicit Rig(Kind kind) {
    static int sequence = 0;
    const int n = sequence++;
    rx = rte_ring_create(absl::StrCat("wb_rx", n).c_str(), 1024, SOCKET_ID_ANY,
                         RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx = rte_ring_create(absl::StrCat("wb_tx", n).c_str(), 1024, SOCKET_ID_ANY,
                         RING_F_SP_ENQ | RING_F_SC_DEQ);
    rte_ring* rxs[] = {rx};
    rte_ring* txs[] = {tx};
    const int id = rte_eth_from_rings(absl::StrCat("net_ring_wb", n).c_str(),
                                      rxs, 1, txs, 1, SOCKET_ID_ANY);
    io::PortOptions options;
    options.port_id = static_cast<uint16_t>(id);
    port = io::Port::Open(options).value();

    std::copy(std::begin(g::kOwnMac), std::end(g::kOwnMac), host.mac.b.begin());
    host.AddAddress(Ip("198.18.0.1"));
    listen = std::make_unique<ListenSet>(host);
    if (kind != Kind::kClosedPortRst) listen->Add({Ip("198.18.0.1"), 80, 80}).IgnoreError();
    responder.cookies = cookie::PolicyConfig::ForTable(
        kind == Kind::kSynCookie ? cookie::CookieMode::kAlways : cookie::CookieMode::kNever,
        kMaxConns, 30);
    responder.rst_rate_per_s = 0;  // unlimited: measure the path, not the limiter
    responder.conn.rto_ms = responder.conn.max_rto_ms = 60'000;
    master.bytes.fill(0x42);
    keys = cookie::CookieKeys::Create(master, 30, 1'700'000'000).value();

    WorkerConfig c;
    c.port_id = port->id();
    c.mempool = port->mempool();
    c.max_conns = kMaxConns;
    c.seed.k = {11, 22, 33, 44, 55, 66};
    c.responder = &responder;
    c.keys = keys.get();
    c.secrets = cookie::FlowSecrets::FromMaster(master);
    c.host = &host;
    c.listen = listen.get();
    if (kind != Kind::kRingOnly) worker = Worker::Create(c).value();
  }
  ~Rig() {
    worker.reset();
    void* m;
    while (rte_ring_dequeue(tx, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    port.reset();
    rte_ring_free(rx);
    rte_ring_free(tx);
  }

  static constexpr uint32_t kMaxConns = 1 << 16;
  rte_ring* rx;
  rte_ring* tx;
  std::unique_ptr<io::Port> port;
  host::HostConfig host;
  std::unique_ptr<ListenSet> listen;
  tcp::ResponderConfig responder;
  cookie::MasterKey master;
  std::unique_ptr<cookie::CookieKeys> keys;
  Worker::Ptr worker;
};

// The calls the instruction counts are taken of (bench/instructions_per_call
// matches these names); out of line so that callgrind sees them as calls.
[[gnu::noinline]] uint16_t PipelinePoll(Worker& w) { return w.Poll(); }
[[gnu::noinline]] uint16_t RingOnlyPoll(uint16_t port, uint16_t burst) {
  rte_mbuf* rx[kBurst];
  const uint16_t n = rte_eth_rx_burst(port, 0, rx, burst);
  return rte_eth_tx_burst(port, 0, rx, n);
}

// Frames of flows [first, first + count) of the pool from `frame`, with the
// PMD's checksum verdicts GOOD (the TCP checksum is left stale on purpose, as
// a NIC with RX offload would vouch for it). `ack` (when set) is per flow.
void Fill(std::span<rte_mbuf* const> bufs, std::span<const uint8_t> frame,
          uint32_t first, bool tcp, const uint32_t* ack) {
  const uint64_t rx_good = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
  for (size_t i = 0; i < bufs.size(); ++i) {
    rte_mbuf* m = bufs[i];
    uint8_t* d = rte_pktmbuf_mtod(m, uint8_t*);
    std::memcpy(d, frame.data(), frame.size());
    const uint32_t flow = (first + static_cast<uint32_t>(i)) % kFlows;
    if (tcp) wire::Store16(d + kSrcPortAt, static_cast<uint16_t>(kFirstPort + flow));
    if (ack != nullptr) wire::Store32(d + kAckAt, ack[flow]);
    m->data_len = static_cast<uint16_t>(frame.size());
    m->pkt_len = m->data_len;
    m->ol_flags = rx_good;
  }
}

// Sends `frame` for every flow of the pool through Worker::Poll (not
// PipelinePoll: this is set-up, untimed and uncounted) and frees the
// replies; with `iss`, records each reply's sequence number (the ISS of a
// SYN+ACK) per flow.
bool SendPool(Rig& rig, std::span<const uint8_t> frame, uint32_t* iss) {
  rte_mbuf* bufs[kBurst];
  for (uint32_t first = 0; first < kFlows; first += kBurst) {
    if (rte_pktmbuf_alloc_bulk(rig.port->mempool(), bufs, kBurst) != 0) return false;
    Fill(bufs, frame, first, /*tcp=*/true, nullptr);
    rte_ring_enqueue_burst(rig.rx, reinterpret_cast<void**>(bufs), kBurst, nullptr);
    rig.worker->Poll();
    const unsigned got =
        rte_ring_dequeue_burst(rig.tx, reinterpret_cast<void**>(bufs), kBurst, nullptr);
    for (unsigned i = 0; i < got; ++i) {
      if (iss != nullptr) {
        const uint8_t* d = rte_pktmbuf_mtod(bufs[i], const uint8_t*);
        iss[wire::Load16(d + 36) - kFirstPort] = wire::Load32(d + kSeqAt);
      }
    }
    rte_pktmbuf_free_bulk(bufs, got);
    if (iss != nullptr && got != kBurst) return false;
  }
  return true;
}

void BM_Pipeline(benchmark::State& state, Kind kind) {
  const auto burst = static_cast<uint16_t>(state.range(0));
  Rig rig(kind);
  const bool tcp = kind != Kind::kEcho;
  std::span<const uint8_t> frame = g::kSynV4Linux;
  if (kind == Kind::kEcho) frame = g::kEchoV4;
  if (kind == Kind::kFinalAck) frame = g::kAckV4Ts;
  // Cases whose frames find an entry start with every pool flow in
  // SYN-RECEIVED; final_ack's ACKs acknowledge each flow's own ISS.
  std::vector<uint32_t> ack(kFlows);
  const bool needs_entries = kind == Kind::kFinalAck || kind == Kind::kSynAgain;
  if (needs_entries && !SendPool(rig, g::kSynV4Linux, ack.data())) {
    state.SkipWithError("set-up SYNs got no SYN+ACK");
    return;
  }
  for (uint32_t& a : ack) a += 1;
  const bool resets = kind == Kind::kSynStateful || kind == Kind::kFinalAck;

  std::vector<rte_mbuf*> bufs(burst);
  uint32_t next = 0;  // the pool flow the next burst starts with
  uint64_t replies = 0, resets_done = 0;
  for (auto _ : state) {
    if (resets && next + burst > kFlows) {
      state.PauseTiming();
      bool ok = SendPool(rig, g::kRstV4, nullptr);
      if (kind == Kind::kFinalAck) ok = ok && SendPool(rig, g::kSynV4Linux, ack.data());
      for (uint32_t& a : ack) a += kind == Kind::kFinalAck ? 1 : 0;
      next = 0;
      ++resets_done;
      state.ResumeTiming();
      if (!ok) {
        state.SkipWithError("reset pass failed");
        return;
      }
    }
    if (rte_pktmbuf_alloc_bulk(rig.port->mempool(), bufs.data(), burst) != 0) {
      state.SkipWithError("no mbufs");
      return;
    }
    Fill(bufs, frame, next, tcp, kind == Kind::kFinalAck ? ack.data() : nullptr);
    next += burst;  // a reset pass brings it back to 0
    if (!resets) next %= kFlows;
    rte_ring_enqueue_burst(rig.rx, reinterpret_cast<void**>(bufs.data()), burst, nullptr);
    if (kind == Kind::kRingOnly) {
      RingOnlyPoll(rig.port->id(), burst);
    } else {
      PipelinePoll(*rig.worker);
    }
    const unsigned got = rte_ring_dequeue_burst(
        rig.tx, reinterpret_cast<void**>(bufs.data()), burst, nullptr);
    replies += got;
    rte_pktmbuf_free_bulk(bufs.data(), got);
  }
  // Every frame of every case but final_ack gets a reply; a final ACK gets
  // none (kKeep: the entry stays ESTABLISHED, nothing to send).
  const uint64_t frames = static_cast<uint64_t>(state.iterations()) * burst;
  if (replies != (kind == Kind::kFinalAck ? 0 : frames)) {
    state.SkipWithError("a frame got the wrong answer");
  }
  if (kind == Kind::kFinalAck) {
    const uint64_t established = rig.worker->counters().Read().established();
    if (established != frames) state.SkipWithError("an ACK did not establish");
  }
  state.counters["resets"] = static_cast<double>(resets_done);
  state.SetItemsProcessed(static_cast<int64_t>(frames));
}

void Bursts(benchmark::internal::Benchmark* b) {
  for (int burst : {1, 4, 8, 16, 32}) b->Arg(burst);
  b->ArgName("burst");
}

BENCHMARK_CAPTURE(BM_Pipeline, ring_only, Kind::kRingOnly)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_Pipeline, syn_cookie, Kind::kSynCookie)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_Pipeline, syn_stateful, Kind::kSynStateful)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_Pipeline, final_ack, Kind::kFinalAck)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_Pipeline, syn_again, Kind::kSynAgain)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_Pipeline, closed_port_rst, Kind::kClosedPortRst)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_Pipeline, echo, Kind::kEcho)->Apply(Bursts);

}  // namespace
}  // namespace synx::engine

int main(int argc, char** argv) {
  const std::vector<std::string> eal = {
      "bench_engine", "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
      absl::StrCat("--file-prefix=synx-bench-", getpid()), "--log-level=lib.eal:warning",
  };
  if (absl::Status s = synx::io::InitEal(eal); !s.ok()) {
    std::fprintf(stderr, "bench_engine: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  const std::filesystem::path runtime_dir = rte_eal_get_runtime_dir();
  synx::io::CleanupEal().IgnoreError();
  std::error_code ignored;
  std::filesystem::remove_all(runtime_dir, ignored);
  return 0;
}
