// summary.h — what a run did, as one JSON object and as one human line.
//
// The JSON keys are a contract with scripts and tests (tests/vdev,
// tests/integration): role, duration_s, every stats counter (rx_packets,
// tx_packets, syn_rx, synack_tx, cookies_sent, cookies_valid,
// cookies_invalid, established, rst_tx, ...), drops {one key per reason},
// port {...}, mempool_in_use_at_exit. Keys may be added, never renamed.
#pragma once

#include <cstdint>
#include <string>

#include "config.h"
#include "io/port.h"
#include "stats/counters.h"

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
};

std::string SummaryJson(const Summary& summary);
std::string SummaryLine(const Summary& summary);

// "port 0 net_af_packet0 (net_af_packet), mac ..., link up ..., ..."
std::string PortLine(const io::PortInfo& port, const io::LinkStatus& link);

}  // namespace synx::app
