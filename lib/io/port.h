// port.h — one DPDK ethdev port, set up for synx and torn down again.
//
// Port::Open gives a started port: a packet mempool on the port's NUMA
// socket, `queue_pairs` RX/TX queue pairs, IPv4 and TCP checksum offloads
// enabled where the device advertises them (and recorded, so the data path
// knows when to verify or compute checksums in software), promiscuous mode on
// where supported. Every failure is a Status naming the port and the DPDK call
// with rte_strerror of its result. This unit decides nothing about packets.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct rte_mempool;

namespace synx::io {

// Descriptor ring sizes asked of the device (it may round them); 1024 is
// DPDK's usual default: deep enough for a burst gap of ~100 us at 10 Mpps.
inline constexpr uint16_t kRxDescriptors = 1024;
inline constexpr uint16_t kTxDescriptors = 1024;
// Per-lcore mempool cache: bulk get/put stay off the shared ring.
inline constexpr uint32_t kMempoolCache = 256;
// The largest rx/tx burst any caller may ask for.
inline constexpr uint16_t kMaxBurst = 512;
// Enough mbufs that one queue pair cannot starve: a full RX ring, a full TX
// ring, one burst in hand and one lcore cache.
inline constexpr uint32_t kMinMbufsPerQueuePair =
    kRxDescriptors + kTxDescriptors + kMaxBurst + kMempoolCache;
// Mempool sizes beyond this are a typo, not a plan (16 M mbufs ≈ 36 GB).
inline constexpr uint32_t kMaxMbufs = (1u << 24) - 1;

// RSS key of the symmetric Toeplitz hash (design.md §4): 0x6d, 0x5a
// repeated. A key with a 16-bit period makes hash(src, dst) = hash(dst, src)
// for addresses and ports alike, so both directions of a flow reach the same
// queue. Devices with longer keys (52 bytes on i40e) get the same pattern.
inline constexpr uint8_t kSymmetricRssKeyBytes[2] = {0x6d, 0x5a};
inline constexpr size_t kDefaultRssKeyLength = 40;

struct PortOptions {
  uint16_t port_id = 0;
  // One per worker lcore. Above 1, RSS spreads flows with the symmetric key
  // where the device offers it; a device without RSS (af_packet fans out by
  // flow in the kernel; net_null, net_ring) gets its queues as they are.
  uint16_t queue_pairs = 1;
  // Mempool size; 2^n - 1 fits the mempool ring best.
  uint32_t mbufs = 8191;
};

// What the device can do and what Open turned on: the same here, since Open
// enables every checksum offload the device advertises.
struct ChecksumOffloads {
  bool rx_ipv4 = false;
  bool rx_tcp = false;
  bool tx_ipv4 = false;
  bool tx_tcp = false;
};

struct PortInfo {
  uint16_t port_id = 0;
  std::string name;    // the ethdev name, e.g. "net_af_packet0" or a PCI address
  std::string driver;  // e.g. "net_af_packet", "net_ice"
  std::array<uint8_t, 6> mac{};
  int socket_id = -1;  // NUMA socket of the device; -1 when the device has none
  uint16_t rx_queues = 0;
  uint16_t tx_queues = 0;
  uint16_t rx_descriptors = 0;
  uint16_t tx_descriptors = 0;
  bool promiscuous = false;
  ChecksumOffloads offloads;
  // RSS across the queues with the symmetric key: on only with more than one
  // queue pair on a device that has it. rss_hash_types: RTE_ETH_RSS_* in use.
  bool rss = false;
  uint64_t rss_hash_types = 0;
};

struct LinkStatus {
  bool up = false;
  uint32_t speed_mbps = 0;  // 0 when the device does not know
  bool full_duplex = false;
};

class Port {
 public:
  static absl::StatusOr<std::unique_ptr<Port>> Open(const PortOptions& options);

  // Closes the port if still open, then frees the mempool.
  ~Port();
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  // Stops and closes the device; the mempool stays so that MempoolInUse can
  // still be read. Calling it again does nothing.
  absl::Status Close();

  uint16_t id() const { return info_.port_id; }
  const PortInfo& info() const { return info_; }
  rte_mempool* mempool() const { return mempool_; }
  bool is_open() const { return open_; }

  // Reads the link without waiting for it to settle.
  LinkStatus Link() const;

 private:
  Port(PortInfo info, rte_mempool* mempool) : info_(std::move(info)), mempool_(mempool) {}

  PortInfo info_;
  rte_mempool* mempool_;
  bool open_ = true;
};

// The ethdev name of `port_id` ("net_af_packet0", "0000:01:00.0"); empty when
// there is no such port.
std::string PortName(uint16_t port_id);

// Mbufs of `pool` currently taken (not in the pool nor in any lcore cache).
uint32_t MempoolInUse(const rte_mempool* pool);

// "aa:bb:cc:dd:ee:ff".
std::string FormatMac(const std::array<uint8_t, 6>& mac);

}  // namespace synx::io
