// rte_pcapng is experimental in DPDK 22.11 (and what dpdk-dumpcap uses).
#define ALLOW_EXPERIMENTAL_API 1

#include "capture.h"

#include <fcntl.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/log.h"

namespace synx::app {
namespace {

// Per queue: frames copied but not yet written. At a million frames per
// second and a writer that wakes every millisecond, 4096 is four wake-ups
// of slack.
constexpr unsigned kRingSize = 4096;
constexpr uint16_t kDrainBurst = 64;
constexpr auto kWriterPeriod = std::chrono::milliseconds(1);

uint16_t OnRx(uint16_t /*port*/, uint16_t /*queue*/, rte_mbuf* pkts[], uint16_t n,
              uint16_t /*max*/, void* user) {
  auto* q = static_cast<PcapCapture::Queue*>(user);
  if (n != 0) q->owner->Copy(*q, pkts, n, RTE_PCAPNG_DIRECTION_IN);
  return n;
}

uint16_t OnTx(uint16_t /*port*/, uint16_t /*queue*/, rte_mbuf* pkts[], uint16_t n,
              void* user) {
  auto* q = static_cast<PcapCapture::Queue*>(user);
  if (n != 0) q->owner->Copy(*q, pkts, n, RTE_PCAPNG_DIRECTION_OUT);
  return n;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PcapCapture>> PcapCapture::Start(const std::string& path,
                                                                uint64_t max_packets,
                                                                uint16_t port_id,
                                                                uint16_t queues,
                                                                int socket_id) {
  std::unique_ptr<PcapCapture> c(new PcapCapture());
  c->path_ = path;
  c->max_packets_ = max_packets;
  c->fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (c->fd_ < 0) {
    return absl::UnavailableError(
        absl::StrFormat("--pcap=%s: cannot open for writing: %s", path, std::strerror(errno)));
  }
  c->pcapng_ = rte_pcapng_fdopen(c->fd_, nullptr, nullptr, "synx", nullptr);
  if (c->pcapng_ == nullptr) {
    close(c->fd_);
    c->fd_ = -1;
    return absl::InternalError(
        absl::StrCat("--pcap: rte_pcapng_fdopen: ", rte_strerror(rte_errno)));
  }
  const unsigned pool_size = kRingSize * queues + 1023;
  const std::string pool_name = absl::StrCat("synx_pcap_", port_id);
  c->pool_ = rte_pktmbuf_pool_create(pool_name.c_str(), pool_size, 64, 0,
                                     rte_pcapng_mbuf_size(kSnapLen), socket_id);
  if (c->pool_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "--pcap: rte_pktmbuf_pool_create (%u copies of %u bytes): %s", pool_size,
        rte_pcapng_mbuf_size(kSnapLen), rte_strerror(rte_errno)));
  }
  for (uint16_t i = 0; i < queues; ++i) {
    auto q = std::make_unique<Queue>();
    q->owner = c.get();
    q->port = port_id;
    q->queue = i;
    const std::string ring_name = absl::StrCat("synx_pcap_", port_id, "_", i);
    q->ring = rte_ring_create(ring_name.c_str(), kRingSize, socket_id,
                              RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (q->ring == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "--pcap: rte_ring_create ", ring_name, ": ", rte_strerror(rte_errno)));
    }
    c->queues_.push_back(std::move(q));
  }
  for (const std::unique_ptr<Queue>& q : c->queues_) {
    q->rx_cb = rte_eth_add_rx_callback(port_id, q->queue, OnRx, q.get());
    q->tx_cb = rte_eth_add_tx_callback(port_id, q->queue, OnTx, q.get());
    if (q->rx_cb == nullptr || q->tx_cb == nullptr) {
      return absl::UnavailableError(absl::StrFormat(
          "--pcap: cannot add an RX/TX callback on port %u queue %u: %s", port_id, q->queue,
          rte_strerror(rte_errno)));
    }
  }
  c->writer_ = std::thread([p = c.get()] { p->WriterLoop(); });
  SYNX_LOG(INFO, capture, "--pcap=%s: capturing port %u, %u queue pair%s, at most %" PRIu64
           " frames of up to %u bytes", path.c_str(), port_id, queues, queues == 1 ? "" : "s",
           max_packets, kSnapLen);
  return c;
}

void PcapCapture::Copy(Queue& q, rte_mbuf** pkts, uint16_t n, int direction) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  rte_mbuf* copies[RTE_MAX(32, 64)];
  const uint64_t now = rte_rdtsc();
  uint16_t lost = 0;
  uint16_t done = 0;
  while (done < n) {
    const uint16_t chunk = std::min<uint16_t>(n - done, RTE_DIM(copies));
    uint16_t made = 0;
    for (uint16_t i = 0; i < chunk; ++i) {
      rte_mbuf* c = rte_pcapng_copy(q.port, q.queue, pkts[done + i], pool_, kSnapLen, now,
                                    static_cast<rte_pcapng_direction>(direction));
      if (c == nullptr) {
        ++lost;
      } else {
        copies[made++] = c;
      }
    }
    const unsigned queued =
        rte_ring_enqueue_burst(q.ring, reinterpret_cast<void**>(copies), made, nullptr);
    if (queued < made) {
      rte_pktmbuf_free_bulk(copies + queued, made - queued);
      lost += made - queued;
    }
    done += chunk;
  }
  if (lost != 0) {
    q.lost.store(q.lost.load(std::memory_order_relaxed) + lost, std::memory_order_relaxed);
  }
}

bool PcapCapture::DrainOnce() {
  rte_mbuf* pkts[kDrainBurst];
  for (const std::unique_ptr<Queue>& q : queues_) {
    unsigned n;
    while ((n = rte_ring_dequeue_burst(q->ring, reinterpret_cast<void**>(pkts), kDrainBurst,
                                       nullptr)) != 0) {
      const uint64_t room = max_packets_ - written_;
      const uint16_t keep = static_cast<uint16_t>(std::min<uint64_t>(n, room));
      if (keep < n) rte_pktmbuf_free_bulk(pkts + keep, n - keep);
      if (keep != 0) {
        const ssize_t w = rte_pcapng_write_packets(pcapng_, pkts, keep);
        if (w < 0) {
          SYNX_LOG(ERR, capture, "--pcap=%s: write failed: %s; capture stopped",
                   path_.c_str(), std::strerror(errno));
          stopped_.store(true, std::memory_order_relaxed);
          return false;
        }
        written_ += keep;
        bytes_ += static_cast<uint64_t>(w);
      }
      if (written_ >= max_packets_) {
        if (!limit_reached_) {
          SYNX_LOG(INFO, capture, "--pcap=%s: %" PRIu64 " frames written, the limit: capture "
                   "stopped", path_.c_str(), written_);
        }
        limit_reached_ = true;
        stopped_.store(true, std::memory_order_relaxed);
      }
    }
  }
  return !limit_reached_;
}

void PcapCapture::WriterLoop() {
  while (!writer_stop_.load(std::memory_order_relaxed)) {
    DrainOnce();
    std::this_thread::sleep_for(kWriterPeriod);
  }
}

CaptureResult PcapCapture::Finish() {
  CaptureResult r;
  if (finished_) return r;
  finished_ = true;
  stopped_.store(true, std::memory_order_relaxed);
  writer_stop_.store(true, std::memory_order_relaxed);
  if (writer_.joinable()) writer_.join();
  // The workers have stopped, so no callback is running: removed, the
  // callbacks' memory can go (rte_eth_remove_rx_callback leaves it to us).
  for (const std::unique_ptr<Queue>& q : queues_) {
    if (q->rx_cb != nullptr && rte_eth_remove_rx_callback(q->port, q->queue, q->rx_cb) == 0) {
      rte_free(const_cast<rte_eth_rxtx_callback*>(q->rx_cb));
    }
    if (q->tx_cb != nullptr && rte_eth_remove_tx_callback(q->port, q->queue, q->tx_cb) == 0) {
      rte_free(const_cast<rte_eth_rxtx_callback*>(q->tx_cb));
    }
    q->rx_cb = q->tx_cb = nullptr;
  }
  if (pcapng_ != nullptr) DrainOnce();
  for (const std::unique_ptr<Queue>& q : queues_) {
    r.not_captured += q->lost.load(std::memory_order_relaxed);
    if (q->ring != nullptr) {
      rte_mbuf* pkts[kDrainBurst];
      unsigned n;
      while ((n = rte_ring_dequeue_burst(q->ring, reinterpret_cast<void**>(pkts),
                                         kDrainBurst, nullptr)) != 0) {
        rte_pktmbuf_free_bulk(pkts, n);
      }
      rte_ring_free(q->ring);
      q->ring = nullptr;
    }
  }
  if (pcapng_ != nullptr) {
    struct stat st = {};
    if (fstat(fd_, &st) == 0) bytes_ = static_cast<uint64_t>(st.st_size);
    rte_pcapng_close(pcapng_);  // closes fd_ too
    pcapng_ = nullptr;
    fd_ = -1;
  } else if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (pool_ != nullptr) {
    rte_mempool_free(pool_);
    pool_ = nullptr;
  }
  r.written = written_;
  r.bytes = bytes_;
  r.limit_reached = limit_reached_;
  return r;
}

PcapCapture::~PcapCapture() { Finish(); }

}  // namespace synx::app
