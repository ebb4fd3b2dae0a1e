// summary.h — what a run did, as one JSON object and as one human line.
//
// The JSON keys are a contract with scripts and tests (tests/vdev,
// tests/integration): role, duration_s, cps, every stats counter
// (rx_packets, tx_packets, syn_rx, synack_tx, cookies_sent, cookies_valid,
// cookies_invalid, established, rst_tx, syn_tx, syn_retransmits, synack_rx,
// refused, timeouts, rst_rx, ...), drops_total, drops {one key per reason},
// the initiator's latency_us {p50, p90, p99, p999, min, max, mean, count},
// port {...}, mempool_in_use_at_exit. Keys may be added, never renamed.
#pragma once

#include <cstdint>
#include <string>

#include "config.h"
#include "io/port.h"
#include "stats/counters.h"
#include "stats/histogram.h"

namespace synx::app {

struct Summary {
  Role role = Role::kResponder;
  double duration_s = 0;
  stats::Snapshot counters;  // summed over the workers
  io::PortInfo port;
  io::LinkStatus link;
  uint32_t mempool_in_use_at_exit = 0;
  // Responder.
  uint32_t workers = 0;
  uint64_t connections_at_exit = 0;  // table entries when the workers stopped
  uint64_t half_open_at_exit = 0;
  // Initiator.
  std::string mode;                                // connect / flood
  std::string targets;                             // as --target lists them
  uint64_t rate = 0;                               // asked for (0: unlimited)
  uint64_t connections = 0;                        // asked for (0: unlimited)
  const stats::LatencyHistogram* latency = nullptr;  // SYN → SYN+ACK, ns
  uint64_t open_at_exit = 0;
  uint64_t busy_at_exit = 0;
  bool drained = true;
};

std::string SummaryJson(const Summary& summary);
std::string SummaryLine(const Summary& summary);

// "port 0 net_af_packet0 (net_af_packet), mac ..., link up ..., ..."
std::string PortLine(const io::PortInfo& port, const io::LinkStatus& link);

}  // namespace synx::app
