// initiator.h — the initiator role on one open port: the host configuration
// (--local), the next hops resolved by ARP / ND, the RSS placement read from
// the port, one engine::InitiatorWorker per queue pair with its share of the
// rate, the quota and the concurrency, and the control loop (stop,
// --duration, the end of a --connections run, the live line).
//
// A run ends on SIGINT/SIGTERM at once; at --duration, or once every
// worker has spent its --connections quota, no new SYN is opened and the run
// waits for what is still in progress (handshakes, --close=rst's RST, FIN
// exchanges) to finish — each bounded by its own retransmission schedule,
// and the wait as a whole by DrainLimitMs — then polls on for a moment so
// that the last segments leave before the port closes, and stops. No
// protocol logic here.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config.h"
#include "engine/flow_plan.h"
#include "engine/initiator_worker.h"
#include "host/host_config.h"
#include "io/port.h"
#include "live_source.h"
#include "stats/counters.h"
#include "stats/histogram.h"

namespace synx::app {

struct InitiatorResult {
  stats::Snapshot totals;          // every worker's counters, summed
  stats::LatencyHistogram latency;  // every worker's, merged (ns)
  // From the start to the moment nothing was left in progress (or to the
  // stop): the time `cps` divides by.
  double elapsed_s = 0;
  uint32_t workers = 0;
  uint64_t open_at_exit = 0;  // connections still held when stopped
  uint64_t busy_at_exit = 0;  // handshakes / closes cut short by the stop
  bool drained = true;        // false: the drain limit cut the wait short
};

// How long a run may wait, after its last SYN, for what is in progress:
// the SYN schedule (every retransmission and the last one's time-out), the
// FIN schedule for --close=fin, plus a second.
uint64_t DrainLimitMs(const tcp::InitiatorConfig& rules);

class Initiator : public LiveSource {
 public:
  // Builds everything on the control path and resolves the next hops (up to
  // --resolve-timeout seconds): a next hop that never answers, a port that
  // cannot place flows on several queues, or a worker that owns no tuple is
  // a Status with one line saying what to do. `port` must have
  // WorkerQueuePairs() queue pairs and stay open while Run runs.
  static absl::StatusOr<std::unique_ptr<Initiator>> Create(const Config& config,
                                                           const io::Port& port);
  ~Initiator() override;

  // One line: workers, lcores, targets and their next hops, sources, pace.
  std::string Describe() const;

  // Runs until `stop`, --duration or the end of a --connections run; prints
  // the live line to `out` every --stats-interval.
  InitiatorResult Run(const std::atomic<bool>& stop, FILE* out);

  // LiveSource (telemetry): any thread, while Run runs.
  stats::Role role() const override { return stats::Role::kInitiator; }
  uint64_t UptimeMs() const override;
  stats::Snapshot Totals() const override;
  std::vector<WorkerStatus> Workers() const override;
  CookieStatus Cookies() const override { return {}; }
  bool Latency(stats::LatencyHistogram* out) const override;

 private:
  Initiator(const Config& config, const io::Port& port);
  // False once the run is over.
  bool ControlTick(uint64_t now_tsc, FILE* out);
  void MergeLatency(stats::LatencyHistogram& into) const;

  const Config& config_;
  const InitiatorSettings& settings_;
  const io::Port& port_;
  host::HostConfig host_;
  stats::CounterBlock resolve_counters_;  // ARP / ND before the workers start
  engine::RssPlacement rss_;
  std::vector<wire::MacAddr> next_hops_;  // parallel to the targets
  std::vector<engine::InitiatorWorker::Ptr> workers_;
  std::vector<unsigned> lcores_;  // parallel to workers_; empty: main lcore
  std::unique_ptr<WorkerGauges[]> gauges_;  // parallel to workers_

  // Control loop state.
  uint64_t hz_ = 0;
  uint64_t start_tsc_ = 0;
  uint64_t end_tsc_ = UINT64_MAX;    // --duration: no new SYNs after it
  uint64_t drain_deadline_ = UINT64_MAX;
  uint64_t linger_until_ = UINT64_MAX;
  uint64_t finished_tsc_ = 0;  // when nothing was left in progress
  bool draining_ = false;
  bool drained_ = true;
  uint64_t next_stats_tsc_ = UINT64_MAX;
  uint64_t stats_period_tsc_ = 0;
  uint64_t last_stats_tsc_ = 0;
  stats::Snapshot last_stats_;
  std::unique_ptr<stats::LatencyHistogram> last_latency_;
  std::unique_ptr<stats::LatencyHistogram> now_latency_;
  std::unique_ptr<stats::LatencyHistogram> interval_latency_;
};

}  // namespace synx::app
