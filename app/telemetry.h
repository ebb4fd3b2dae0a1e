// telemetry.h — synx's commands in DPDK telemetry, so that
// `dpdk-telemetry.py -f <file-prefix>` and scripts/synx-exporter read a
// running synx:
//   /synx/stats    role, uptime_ms, every counter of the JSON summary, drops_total
//   /synx/drops    drops_total and one key per drop reason (zeros included)
//   /synx/cookies  mode, rotate_s, key_epoch, shared_key, cookies_sent/valid/
//                  invalid, cores {lcore: "cookies" | "stateful"}
//   /synx/workers  {lcore: {queue, rx_packets, tx_packets, established,
//                   drops_total, table_entries, table_capacity, table_fill_pct,
//                   half_open, cookies_active | open, busy}}
//   /synx/latency  the initiator's handshake latency in ns: count, min, max,
//                  mean, p50, p90, p99, p999, sum and cumulative buckets
//   /synx/help     {counters: {key: meaning}, drops: {reason: meaning}}
// docs/monitoring.md lists every key.
//
// The callbacks run on DPDK's telemetry thread. They read the published
// LiveSource, whose reads are relaxed atomic loads (live_source.h): no lock
// is ever taken by a worker. A mutex guards only the publication itself,
// so that a callback never reads a role that is being torn down.
// Control path only; allocates per request.
#pragma once

#include "live_source.h"

namespace synx::app {

// Registers the /synx/ commands with DPDK telemetry. Call once, after
// rte_eal_init; without a published source they answer {"running": 0}.
void RegisterTelemetry();

// While alive, the /synx/ commands read `source`. The destructor waits for
// a callback in progress to finish.
class TelemetryPublication {
 public:
  explicit TelemetryPublication(const LiveSource* source);
  ~TelemetryPublication();
  TelemetryPublication(const TelemetryPublication&) = delete;
  TelemetryPublication& operator=(const TelemetryPublication&) = delete;
};

}  // namespace synx::app
