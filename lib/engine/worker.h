// worker.h — Worker: one lcore's share of the responder, the burst loop of
// design.md §3 that glues wire, tcp, host, flow and stats together (the
// initiator's is InitiatorWorker; both share datapath.h and connections.h).
//
// A Worker owns one RX/TX queue pair of one port, its Connections (flow
// table, timer wheel, peers' link headers), a counter block and the
// per-core rule state (tcp::ResponderContext); all of it allocated once in
// Create, on the port's NUMA socket, sized from --max-conns. It shares, read-only, the cookie keys, the host
// configuration, the listen set and the responder configuration.
//
// Poll() is one loop: receive a burst; parse every frame once; answer ARP,
// echo and ND through lib/host; look every TCP segment's flow up in bulk and
// let tcp::OnSegment decide; carry the Action out (table, timer, counters);
// write each reply in place into the mbuf it answers; then advance the
// timer wheel a bounded step and send what tcp::OnTimer asks for in fresh
// mbufs; one tx burst on the same queue; free what was dropped or refused in
// bulk. Every received mbuf is transmitted or freed within the Poll that
// received it: a Worker never holds an mbuf between polls.
//
// Never: allocation (other than fresh mbufs for timer-driven segments), a
// lock or a syscall on the per-packet path, nor a division in its own
// per-packet code; a protocol decision of its own (lib/tcp and lib/host
// decide). Single thread: only the lcore that polls may call anything but
// counters().
#pragma once

#include <rte_mbuf.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "cookie/isn.h"
#include "cookie/keys.h"
#include "engine/connections.h"
#include "engine/datapath.h"
#include "engine/l2_peers.h"
#include "engine/listen_set.h"
#include "engine/tsc_clock.h"
#include "flow/flow_key.h"
#include "flow/flow_table.h"
#include "flow/timer_wheel.h"
#include "host/host_config.h"
#include "stats/counters.h"
#include "tcp/config.h"
#include "tcp/responder.h"
#include "tcp/tcb.h"
#include "wire/frame.h"

struct rte_mempool;

namespace synx::engine {

static_assert(kBurst <= flow::FlowTable<tcp::Tcb>::kBulkMax);

struct WorkerConfig {
  uint16_t port_id = 0;
  uint16_t queue_id = 0;
  // Frames asked of each rx burst, 1..kBurst (--burst; smaller bursts trade
  // throughput for latency under light load).
  uint16_t burst = kBurst;
  // Fresh mbufs for timer-driven segments (the port's pool).
  rte_mempool* mempool = nullptr;
  // NUMA socket for the table, wheel and the Worker itself; SOCKET_ID_ANY
  // (-1) lets DPDK choose.
  int socket_id = -1;
  // The port computes TCP checksums on transmit (RTE_MBUF_F_TX_TCP_CKSUM):
  // replies carry the pseudo-header sum only.
  bool tx_tcp_checksum_offload = false;
  // Connection table entries (--max-conns, per core).
  uint32_t max_conns = 0;
  flow::HashSeed seed;  // secret, from getrandom() (tests: fixed)

  const tcp::ResponderConfig* responder = nullptr;
  // Null only with --cookies=never.
  const cookie::CookieKeys* keys = nullptr;
  cookie::FlowSecrets secrets{cookie::SipKey{}};
  const host::HostConfig* host = nullptr;
  const ListenSet* listen = nullptr;

  // The clock's start, in the microseconds Poll(now_us) is given; 0: now,
  // from the TSC.
  uint64_t start_us = 0;
};

class Worker {
 public:
  struct Deleter {
    void operator()(Worker* w) const;
  };
  using Ptr = std::unique_ptr<Worker, Deleter>;

  // Control path: validates `config`, allocates everything on its socket.
  static absl::StatusOr<Ptr> Create(const WorkerConfig& config);

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // One loop iteration (design.md §3) at the TSC's time. Returns the number
  // of frames received.
  uint16_t Poll() { return Poll(NowUs()); }
  // The same at `now_us` (tests drive time by hand; it must not go back).
  uint16_t Poll(uint64_t now_us);
  // Polls until `stop` becomes true.
  void Run(const std::atomic<bool>& stop);

  // Microseconds from the TSC, in the clock Poll() uses.
  uint64_t NowUs() const;

  // Any thread (relaxed reads).
  const stats::CounterBlock& counters() const { return counters_; }

  // Owner only (or once the owner has stopped).
  uint32_t entries() const { return conns_.table().size(); }
  uint32_t half_open() const { return context_.half_open; }
  uint32_t timers_armed() const { return conns_.wheel().armed(); }
  uint32_t l2_peers() const { return conns_.peers().size(); }
  bool cookies_active() const { return context_.policy.cookies_active(); }
  uint16_t queue_id() const { return config_.queue_id; }

 private:
  // The TX checksum mode is fixed per port: chosen once, by function
  // pointer, instead of a branch per packet.
  using BurstFn = void (Worker::*)(rte_mbuf** rx, uint16_t n, uint64_t now_us);
  using TimerFn = void (Worker::*)(uint64_t now_us);

  Worker(const WorkerConfig& config, Connections conns);
  ~Worker() = default;

  template <bool kL4Offload>
  void ProcessBurst(rte_mbuf** rx, uint16_t n, uint64_t now_us);
  template <bool kL4Offload>
  void ApplySegmentAction(rte_mbuf* m, const wire::Frame& frame, uint32_t j,
                          uint64_t now_us);
  template <bool kL4Offload>
  void RunTimers(uint64_t now_us);

  void Drop(rte_mbuf* m, wire::DropReason reason) {
    batch_.Drop(counters_, m, reason);
  }

  // Hot: read per packet.
  const WorkerConfig config_;
  const tcp::ResponderConfig& responder_;
  const host::HostConfig& host_;
  const ListenSet& listen_;
  const BurstFn process_;
  const TimerFn timers_;
  const TscClock clock_;
  Connections conns_;
  tcp::ResponderContext context_;
  uint64_t macs_counted_ = 0;  // context_.cookie_counters.macs already added
  stats::CounterBlock counters_;

  // Per burst.
  uint32_t n_tcp_ = 0;
  TxBatch batch_;
  wire::Frame frames_[kBurst];
  // TCP segments of the burst: which frame, its key, hash, handle, listener.
  uint8_t tcp_frame_[kBurst];
  bool tcp_listening_[kBurst];
  flow::FlowKey keys_[kBurst];
  uint64_t hashes_[kBurst];
  flow::FlowHandle handles_[kBurst];
};

}  // namespace synx::engine
