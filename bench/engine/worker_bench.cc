// worker_bench — one Worker::Poll over a burst of real mbufs on a net_ring
// port built from two rings (EAL --no-huge in this process, no NIC, no
// root), per kind of frame, next to the same ring round trip with no worker
// at all: the ratio is what the engine adds per frame on top of the PMD.
//
//   ninja -C build bench/engine/bench_engine && build/bench/engine/bench_engine
//
// Each iteration refills the burst's mbufs from a template (a 54..98-byte
// memcpy, in the baseline too), enqueues them on the RX ring, polls once and
// takes the replies off the TX ring.
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
  kRingOnly,       // rx burst + tx burst, no worker: the PMD's own cost
  kSynCookie,      // SYN → SYN+ACK with a cookie, no state
  kSynStateful,    // SYN of a flow in SYN-RECEIVED → SYN+ACK again (lookup hit)
  kClosedPortRst,  // SYN to a closed port → RST+ACK
  kEcho,           // ICMP echo → echo reply
};

wire::IpAddr Ip(const char* s) { return *wire::IpAddr::Parse(s); }

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

void BM_WorkerPoll(benchmark::State& state, Kind kind) {
  const auto burst = static_cast<uint16_t>(state.range(0));
  Rig rig(kind);
  const std::span<const uint8_t> frame =
      kind == Kind::kEcho ? std::span<const uint8_t>(g::kEchoV4)
                          : std::span<const uint8_t>(g::kSynV4Linux);
  std::vector<rte_mbuf*> bufs(burst);
  if (rte_pktmbuf_alloc_bulk(rig.port->mempool(), bufs.data(), burst) != 0) {
    state.SkipWithError("no mbufs");
    return;
  }
  // One flow per slot (source port 10000 + i): the stateful case creates
  // them in the first poll and finds them in every later one. The TCP
  // checksum is left stale on purpose and vouched for below (kGood), as a
  // NIC with RX offload would.
  std::vector<std::vector<uint8_t>> templates(burst);
  for (uint16_t i = 0; i < burst; ++i) {
    templates[i].assign(frame.begin(), frame.end());
    if (kind != Kind::kEcho) wire::Store16(templates[i].data() + 34, 10000 + i);
  }
  const uint64_t rx_good = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
  uint64_t replies = 0;
  for (auto _ : state) {
    for (uint16_t i = 0; i < burst; ++i) {
      rte_mbuf* m = bufs[i];
      std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), templates[i].data(), templates[i].size());
      m->data_len = static_cast<uint16_t>(templates[i].size());
      m->pkt_len = m->data_len;
      m->ol_flags = rx_good;
    }
    rte_ring_enqueue_burst(rig.rx, reinterpret_cast<void**>(bufs.data()), burst, nullptr);
    if (kind == Kind::kRingOnly) {
      rte_mbuf* rx[kBurst];
      const uint16_t n = rte_eth_rx_burst(rig.port->id(), 0, rx, burst);
      rte_eth_tx_burst(rig.port->id(), 0, rx, n);
    } else {
      rig.worker->Poll();
    }
    replies += rte_ring_dequeue_burst(rig.tx, reinterpret_cast<void**>(bufs.data()),
                                      burst, nullptr);
  }
  if (replies != static_cast<uint64_t>(state.iterations()) * burst) {
    state.SkipWithError("a frame got no reply");
  }
  rte_pktmbuf_free_bulk(bufs.data(), burst);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * burst);
}

void Bursts(benchmark::internal::Benchmark* b) {
  for (int burst : {1, 8, 32}) b->Arg(burst);
}

BENCHMARK_CAPTURE(BM_WorkerPoll, ring_only, Kind::kRingOnly)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_WorkerPoll, syn_cookie, Kind::kSynCookie)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_WorkerPoll, syn_stateful, Kind::kSynStateful)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_WorkerPoll, closed_port_rst, Kind::kClosedPortRst)->Apply(Bursts);
BENCHMARK_CAPTURE(BM_WorkerPoll, echo, Kind::kEcho)->Apply(Bursts);

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
