#include "rx_loop.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <cinttypes>

#include "io/port.h"

namespace synx::app {

RxLoopResult RunRxLoop(const RxLoopOptions& options, const std::atomic<bool>& stop) {
  RxLoopResult result;
  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t start = rte_get_tsc_cycles();
  const uint64_t end = options.duration_s > 0 ? start + options.duration_s * hz : UINT64_MAX;
  const uint64_t stats_period = options.stats_interval_s * hz;
  uint64_t next_stats = stats_period > 0 ? start + stats_period : UINT64_MAX;
  uint64_t last_stats = start;
  uint64_t rx_at_last_stats = 0;

  rte_mbuf* burst[io::kMaxBurst];
  uint64_t now = start;
  // The stop flag is written by a signal handler; relaxed is enough, the
  // loop only needs to see it eventually.
  while (!stop.load(std::memory_order_relaxed)) {
    const uint16_t n = rte_eth_rx_burst(options.port_id, options.queue_id, burst, options.burst);
    if (n > 0) {
      result.rx_packets += n;
      rte_pktmbuf_free_bulk(burst, n);
    }
    now = rte_get_tsc_cycles();
    if (now >= next_stats) [[unlikely]] {
      const double seconds = static_cast<double>(now - last_stats) / static_cast<double>(hz);
      const double pps =
          seconds > 0 ? static_cast<double>(result.rx_packets - rx_at_last_stats) / seconds : 0;
      std::fprintf(options.stats_out,
                   "synx: t=%.0fs rx_pps=%.0f rx_total=%" PRIu64 " tx_total=%" PRIu64 "\n",
                   static_cast<double>(now - start) / static_cast<double>(hz), pps,
                   result.rx_packets, result.tx_packets);
      std::fflush(options.stats_out);
      last_stats = now;
      rx_at_last_stats = result.rx_packets;
      next_stats += stats_period;
    }
    if (now >= end) break;
  }
  result.elapsed_s = static_cast<double>(now - start) / static_cast<double>(hz);
  return result;
}

}  // namespace synx::app
