// rx_loop.h — the stand-in worker until the engine exists: receive a burst,
// count it, free it in bulk, repeat.
//
// RunRxLoop polls one RX queue on the calling lcore until `duration_s` has
// passed or `stop` turns true, printing a live line every
// `stats_interval_s`. It sends nothing and decides nothing; issue
// "Responder" replaces it with lib/engine's Worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>

namespace synx::app {

struct RxLoopOptions {
  uint16_t port_id = 0;
  uint16_t queue_id = 0;
  uint16_t burst = 32;
  uint64_t duration_s = 0;        // 0: until `stop`
  uint64_t stats_interval_s = 0;  // 0: no live line
  FILE* stats_out = stdout;
};

struct RxLoopResult {
  uint64_t rx_packets = 0;
  uint64_t tx_packets = 0;
  double elapsed_s = 0;
};

RxLoopResult RunRxLoop(const RxLoopOptions& options, const std::atomic<bool>& stop);

}  // namespace synx::app
