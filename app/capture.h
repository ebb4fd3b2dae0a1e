// capture.h — --pcap=FILE: a bounded pcapng capture of every frame a port
// receives and sends, without hugepages and without dpdk-dumpcap.
//
// When --pcap is set (and only then: without it nothing is installed and
// the burst loop is exactly as fast as before), an ethdev RX and a TX
// callback go on each queue. They run on the queue's own lcore, inside
// rte_eth_rx_burst / rte_eth_tx_burst, and copy each frame (rte_pcapng_copy,
// up to kSnapLen bytes, TSC timestamp, direction) into a single-producer
// ring of that queue; a copy that finds the ring or the copy pool full is
// counted and skipped, never waited for. A writer thread (control path)
// drains the rings into the file every millisecond and stops the capture
// once --pcap-max frames are written: from then on the callbacks return at
// their first check. TX frames are copied before the driver takes them, so
// a frame the TX ring refuses is in the capture too (as with dpdk-dumpcap).
//
// Start installs, Finish (after the workers stopped, before the port
// closes) removes the callbacks, writes what is left and closes the file.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

struct rte_mempool;
struct rte_pcapng;
struct rte_ring;
struct rte_eth_rxtx_callback;
struct rte_mbuf;

namespace synx::app {

// Bytes of each frame kept (synx's frames are at most 1518 bytes; a jumbo
// frame is cut here, with its original length recorded).
inline constexpr uint32_t kSnapLen = 2048;

struct CaptureResult {
  uint64_t written = 0;       // frames in the file
  uint64_t bytes = 0;         // file size
  uint64_t not_captured = 0;  // copies lost to a full ring or pool
  bool limit_reached = false; // --pcap-max frames written, the rest not captured
};

class PcapCapture {
 public:
  // Opens `path` (truncating it), installs the callbacks on `queues` queue
  // pairs of `port_id` and starts the writer. A Status names what failed.
  static absl::StatusOr<std::unique_ptr<PcapCapture>> Start(const std::string& path,
                                                            uint64_t max_packets,
                                                            uint16_t port_id,
                                                            uint16_t queues, int socket_id);
  ~PcapCapture();
  PcapCapture(const PcapCapture&) = delete;
  PcapCapture& operator=(const PcapCapture&) = delete;

  // The workers must have stopped. Removes the callbacks, drains, closes.
  CaptureResult Finish();

  // One queue's share, touched by its lcore (the producer) and the writer.
  struct alignas(64) Queue {
    PcapCapture* owner = nullptr;
    uint16_t port = 0;
    uint16_t queue = 0;
    rte_ring* ring = nullptr;
    const rte_eth_rxtx_callback* rx_cb = nullptr;
    const rte_eth_rxtx_callback* tx_cb = nullptr;
    std::atomic<uint64_t> lost{0};  // written by the queue's lcore only
  };
  // Called from the callbacks.
  void Copy(Queue& q, rte_mbuf** pkts, uint16_t n, int direction);

 private:
  PcapCapture() = default;
  void WriterLoop();
  // Writes what the rings hold; false once the limit is reached.
  bool DrainOnce();

  std::string path_;
  uint64_t max_packets_ = 0;
  int fd_ = -1;
  rte_pcapng* pcapng_ = nullptr;
  rte_mempool* pool_ = nullptr;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::atomic<bool> stopped_{false};  // no more copies: the limit or Finish
  std::atomic<bool> writer_stop_{false};
  std::thread writer_;
  uint64_t written_ = 0;  // writer thread only (then Finish)
  uint64_t bytes_ = 0;
  bool limit_reached_ = false;
  bool finished_ = false;
};

}  // namespace synx::app
