// responder.h — the responder role on one open port: the shared read-only
// state (cookie keys, host configuration, listen set, rules), one
// engine::Worker per queue pair, the lcores they run on, and the control
// loop (stop, --duration, the live line, cookie key rotation).
//
// Workers run on the EAL worker lcores, one queue pair each. When EAL was
// given a single lcore, the main lcore polls the one worker itself and does
// the control work between bursts. The control loop never touches a
// worker's table: it reads counters (relaxed atomics) and rotates the
// cookie keys, which the workers read lock-free. No protocol logic here.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "config.h"
#include "cookie/keys.h"
#include "engine/listen_set.h"
#include "engine/worker.h"
#include "host/host_config.h"
#include "io/port.h"
#include "lcores.h"
#include "live_source.h"
#include "stats/counters.h"

namespace synx::app {

struct ResponderResult {
  stats::Snapshot totals;         // every worker's counters, summed
  double elapsed_s = 0;
  uint32_t workers = 0;
  uint64_t connections_at_exit = 0;  // table entries left when stopped
  uint64_t half_open_at_exit = 0;
};

class Responder : public LiveSource {
 public:
  // Builds everything on the control path: a bad combination of port and
  // settings (memory for the tables, a key that cannot be read) is a Status.
  // `port` must have WorkerQueuePairs() queue pairs and stay open while
  // Run runs.
  static absl::StatusOr<std::unique_ptr<Responder>> Create(const Config& config,
                                                           const io::Port& port);
  ~Responder() override;

  // One line: workers, lcores, queues, addresses, listeners, cookie mode.
  std::string Describe() const;

  // Runs until `stop` or --duration; prints the live line to `out` every
  // --stats-interval. Returns once every worker has stopped.
  ResponderResult Run(const std::atomic<bool>& stop, FILE* out);

  // LiveSource (telemetry): any thread, while Run runs.
  stats::Role role() const override { return stats::Role::kResponder; }
  uint64_t UptimeMs() const override;
  stats::Snapshot Totals() const override;
  std::vector<WorkerStatus> Workers() const override;
  CookieStatus Cookies() const override;
  bool Latency(stats::LatencyHistogram*) const override { return false; }

 private:
  Responder(const Config& config, const io::Port& port);
  void ControlTick(uint64_t now_tsc, FILE* out);

  const Config& config_;
  const io::Port& port_;
  std::unique_ptr<cookie::CookieKeys> keys_;
  host::HostConfig host_;
  std::unique_ptr<engine::ListenSet> listen_;
  std::vector<engine::Worker::Ptr> workers_;
  std::vector<unsigned> lcores_;  // parallel to workers_; empty: main lcore
  std::unique_ptr<WorkerGauges[]> gauges_;  // parallel to workers_

  // Control loop state.
  uint64_t hz_ = 0;
  uint64_t start_tsc_ = 0;
  uint64_t next_rotate_tsc_ = 0;
  uint64_t next_stats_tsc_ = UINT64_MAX;
  uint64_t stats_period_tsc_ = 0;
  uint64_t last_stats_tsc_ = 0;
  stats::Snapshot last_stats_;
};

}  // namespace synx::app
