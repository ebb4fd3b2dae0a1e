// summary.h — what a run did, as one JSON object and as one human line.
//
// The JSON keys are a contract with scripts and tests (tests/vdev,
// tests/integration): role, duration_s, rx_packets, tx_packets, port {...},
// mempool_in_use_at_exit. Keys may be added, never renamed.
#pragma once

#include <cstdint>
#include <string>

#include "config.h"
#include "io/port.h"

namespace synx::app {

struct Summary {
  Role role = Role::kResponder;
  double duration_s = 0;
  uint64_t rx_packets = 0;
  uint64_t tx_packets = 0;
  io::PortInfo port;
  io::LinkStatus link;
  uint32_t mempool_in_use_at_exit = 0;
};

std::string SummaryJson(const Summary& summary);
std::string SummaryLine(const Summary& summary);

// "port 0 net_af_packet0 (net_af_packet), mac ..., link up ..., ..."
std::string PortLine(const io::PortInfo& port, const io::LinkStatus& link);

}  // namespace synx::app
