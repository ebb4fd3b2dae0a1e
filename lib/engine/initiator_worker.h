// initiator_worker.h — InitiatorWorker: one lcore's share of the initiator,
// the burst loop of design.md §3 on the active side.
//
// An InitiatorWorker owns one RX/TX queue pair, its Connections (flow table,
// timer wheel, link headers: connect mode only), a counter block, a latency
// histogram, the per-core rule state (tcp::InitiatorContext), a pacer and a
// TupleCursor over the flow plan. It shares, read-only, the rules'
// configuration, the host configuration, the flow plan and the RSS placement.
// Everything is allocated once in Create on the port's NUMA socket.
//
// Poll() is one loop: receive a burst; parse every frame once; answer ARP,
// echo and ND through lib/host; for TCP segments to one of our source
// addresses, look the flows up in bulk and let tcp::OnSegment decide (the
// SYN+ACK is acknowledged in place, its latency recorded); advance the
// timer wheel (SYN retransmissions, --close's RST, FIN exchange, TIME-WAIT);
// then open as many new connections as the pacer, the quota (--connections)
// and --concurrency allow: each is a free tuple this queue owns (the
// SYN+ACK hashes back here), a SYN-SENT entry (tcp::Open) and a SYN in a
// fresh mbuf from the port's mempool; one tx burst for everything. In flood
// mode no state is kept: spoofed SYNs (tcp::FloodSyn) go out at the rate and
// SYN+ACKs and RSTs that come back are counted (tcp::OnFloodSegment).
//
// Never: allocation other than mbufs from the mempool, a lock or a syscall
// in Poll; a protocol decision of its own (lib/tcp and lib/host decide);
// holding an mbuf between polls. Single thread: only the polling lcore may
// call anything but counters(), latency() and progress().
#pragma once

#include <rte_mbuf.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "absl/status/statusor.h"
#include "cookie/isn.h"
#include "engine/connections.h"
#include "engine/datapath.h"
#include "engine/flow_plan.h"
#include "engine/pacer.h"
#include "engine/tsc_clock.h"
#include "host/host_config.h"
#include "stats/counters.h"
#include "stats/histogram.h"
#include "tcp/initiator.h"
#include "tcp/state.h"
#include "wire/addr.h"
#include "wire/frame.h"

struct rte_mempool;

namespace synx::engine {

struct InitiatorWorkerConfig {
  uint16_t port_id = 0;
  uint16_t queue_id = 0;
  uint16_t burst = kBurst;  // 1..kBurst frames per rx burst
  rte_mempool* mempool = nullptr;  // fresh mbufs: SYNs and timer segments
  int socket_id = -1;              // SOCKET_ID_ANY: DPDK chooses
  bool tx_tcp_checksum_offload = false;
  uint32_t max_conns = 0;  // table entries (connect mode)
  flow::HashSeed seed;     // secret, from getrandom() (tests: fixed)

  InitiatorMode mode = InitiatorMode::kConnect;
  const tcp::InitiatorConfig* rules = nullptr;
  cookie::FlowSecrets secrets{cookie::SipKey{}};
  const host::HostConfig* host = nullptr;
  const FlowPlan* plan = nullptr;
  const RssPlacement* rss = nullptr;  // connect mode
  // The MAC each target's frames go to (its own, or --gateway's), parallel
  // to plan->targets.
  std::span<const wire::MacAddr> next_hops;

  uint64_t rate = 0;         // this worker's SYNs (new connections) per s; 0: no limit
  // This worker's opens (flood: SYNs): its share of --connections, or of
  // the rate (a worker whose share is 0 opens nothing); kNoLimit: no limit.
  uint64_t connections = UINT64_MAX;
  uint32_t concurrency = 0;  // open connections at most; 0: the table's size
  uint64_t flood_seed = 0;   // ISNs and TSvals of flood SYNs (from getrandom())
  uint64_t start_us = 0;     // the clock's start; 0: now, from the TSC
};

// What the control thread reads while the worker runs (relaxed atomics,
// written once per Poll).
struct InitiatorProgress {
  // Entries not in TIME-WAIT: the connections this worker holds open.
  std::atomic<uint64_t> open{0};
  // Entries that still have something to do before the run may end: a
  // handshake, --close=rst's RST, or a FIN exchange.
  std::atomic<uint64_t> busy{0};
  // The quota (--connections) is spent: no more SYNs will be opened.
  std::atomic<bool> quota_done{false};
};

class InitiatorWorker {
 public:
  struct Deleter {
    void operator()(InitiatorWorker* w) const;
  };
  using Ptr = std::unique_ptr<InitiatorWorker, Deleter>;

  // SYNs opened per Poll at most (a burst: the pacer's burst is at most this).
  static constexpr uint32_t kMaxOpensPerPoll = kBurst;
  // Tuples looked at per Poll at most when looking for free ones.
  static constexpr uint32_t kCandidateBudget = 1024;

  static constexpr uint64_t kNoLimit = UINT64_MAX;

  // Control path: validates `config`, allocates everything on its socket.
  static absl::StatusOr<Ptr> Create(const InitiatorWorkerConfig& config);

  InitiatorWorker(const InitiatorWorker&) = delete;
  InitiatorWorker& operator=(const InitiatorWorker&) = delete;

  // One loop iteration at the TSC's time (one read, in microseconds for the
  // rules and in nanoseconds for handshake latency).
  uint16_t Poll();
  // The same at `now_us` (tests drive time by hand; it must not go back);
  // latencies are then whole microseconds.
  uint16_t Poll(uint64_t now_us) { return PollAt(now_us, now_us * 1000); }
  // Polls until `stop` becomes true.
  void Run(const std::atomic<bool>& stop);
  uint64_t NowUs() const;

  // Any thread.
  const stats::CounterBlock& counters() const { return counters_; }
  // First SYN sent → SYN+ACK received, in nanoseconds of the TSC (the time
  // of the polls that sent and received them).
  const stats::LatencyHistogram& latency() const { return latency_; }
  const InitiatorProgress& progress() const { return progress_; }
  // No more new SYNs from the next Poll on (--duration is over); what is in
  // progress carries on.
  void StopOpening() { stop_opening_.store(true, std::memory_order_relaxed); }

  // Owner only (or once the owner has stopped).
  uint32_t entries() const { return conns_ ? conns_->table().size() : 0; }
  uint32_t in_state(tcp::State s) const {
    return state_count_[static_cast<int>(s)];
  }
  uint64_t opened() const { return opened_; }
  uint16_t queue_id() const { return config_.queue_id; }

 private:
  using PollFn = void (InitiatorWorker::*)(rte_mbuf** rx, uint16_t n,
                                           uint64_t now_us);

  InitiatorWorker(const InitiatorWorkerConfig& config,
                  std::optional<Connections> conns, uint64_t* syn_ns);
  ~InitiatorWorker();

  uint16_t PollAt(uint64_t now_us, uint64_t now_ns);
  template <bool kL4Offload, bool kFlood>
  void Step(rte_mbuf** rx, uint16_t n, uint64_t now_us);
  template <bool kL4Offload, bool kFlood>
  void ProcessBurst(rte_mbuf** rx, uint16_t n, uint64_t now_us);
  template <bool kL4Offload>
  void ApplySegmentAction(rte_mbuf* m, const wire::Frame& f, uint32_t j,
                          uint64_t now_us);
  template <bool kL4Offload>
  void OpenConnections(uint64_t now_us);
  template <bool kL4Offload>
  void FloodSyns(uint64_t now_us);
  // How many new SYNs this Poll may send: quota, concurrency, pacer.
  uint32_t OpensWanted(uint64_t now_us);
  // The per-state population after `a` is applied to `before` (null: none).
  void Track(const tcp::Tcb* before, const tcp::Action& a);
  void Publish();

  void Drop(rte_mbuf* m, wire::DropReason reason) {
    batch_.Drop(counters_, m, reason);
  }
  static uint64_t NextRandom(uint64_t& state);

  // Hot.
  const InitiatorWorkerConfig config_;
  const tcp::InitiatorConfig& rules_;
  const host::HostConfig& host_;
  const FlowPlan& plan_;
  const PollFn step_;
  const TscClock clock_;
  const TscClock ns_clock_;
  uint64_t now_ns_ = 0;  // this Poll's time in nanoseconds
  std::optional<Connections> conns_;
  tcp::InitiatorContext context_;
  Pacer pacer_;
  std::optional<TupleCursor> cursor_;
  stats::CounterBlock counters_;
  uint64_t opened_ = 0;
  uint32_t concurrency_;
  std::array<uint32_t, tcp::kStateCount> state_count_{};

  // Flood: where the walk over sources, ports and targets stands.
  uint64_t rng_;
  uint64_t flood_src_v4_ = 0, flood_src_v6_ = 0;
  uint32_t flood_port_ = 0;
  uint32_t flood_target_ = 0;

  // Per burst.
  uint32_t n_tcp_ = 0;
  TxBatch batch_;
  wire::Frame frames_[kBurst];
  uint8_t tcp_frame_[kBurst];
  flow::FlowKey keys_[kBurst];
  uint64_t hashes_[kBurst];
  flow::FlowHandle handles_[kBurst];

  // Cold.
  // Per FlowHandle index: when the entry's first SYN went out (ns); connect
  // mode only.
  uint64_t* syn_ns_;
  // Per target: its link header in L2Peers (connect) and as bytes (flood).
  std::array<uint16_t, kMaxTargets> target_peer_{};
  std::array<std::array<uint8_t, 12>, kMaxTargets> target_l2_{};
  stats::LatencyHistogram latency_;
  InitiatorProgress progress_;
  std::atomic<bool> stop_opening_{false};
};

}  // namespace synx::engine
