#include "io/port.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace synx::io {
namespace {

// The checksum offloads synx can use; which of them a device has is
// recorded in ChecksumOffloads.
constexpr uint64_t kRxChecksumOffloads =
    RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
constexpr uint64_t kTxChecksumOffloads =
    RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM;

// "port 0 (net_af_packet0)": taken before any failure, since a closed port
// has no name any more.
std::string Describe(uint16_t port_id) {
  const std::string name = PortName(port_id);
  return name.empty() ? absl::StrFormat("port %u", port_id)
                      : absl::StrFormat("port %u (%s)", port_id, name);
}

// A DPDK call on the port described by `what` that returned `rc` (a negative
// errno) as a Status.
absl::Status CallError(const std::string& what, const char* call, int rc) {
  const int err = rc < 0 ? -rc : rc;
  const std::string text = absl::StrFormat("%s: %s: %s", what, call, rte_strerror(err));
  switch (err) {
    case EINVAL:
      return absl::InvalidArgumentError(text);
    case ENOTSUP:
      return absl::UnimplementedError(text);
    case ENOMEM:
    case ENOSPC:
      return absl::ResourceExhaustedError(text);
    case ENODEV:
      return absl::NotFoundError(text);
    case EPERM:
    case EACCES:
      return absl::PermissionDeniedError(text);
    default:
      return absl::InternalError(text);
  }
}

std::string NextMempoolName(uint16_t port_id) {
  // Unique per process: a port id may be reused after a close while the old
  // Port (and its pool) still exists. Mempool names stop at 25 characters.
  static std::atomic<uint32_t> sequence{0};
  return absl::StrFormat("synx_p%u_%u", port_id, sequence.fetch_add(1));
}

enum class Stage { kNothing, kConfigured, kStarted };

// Undoes a half-finished Open: the device's queues point into the pool, so
// the device goes first.
void Abandon(uint16_t port_id, rte_mempool* pool, Stage stage) {
  if (stage == Stage::kStarted) rte_eth_dev_stop(port_id);
  if (stage != Stage::kNothing) rte_eth_dev_close(port_id);
  rte_mempool_free(pool);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Port>> Port::Open(const PortOptions& options) {
  const uint16_t port_id = options.port_id;
  if (!rte_eth_dev_is_valid_port(port_id)) {
    return absl::NotFoundError(absl::StrFormat(
        "port %u does not exist (DPDK found %u port%s)", port_id,
        rte_eth_dev_count_avail(), rte_eth_dev_count_avail() == 1 ? "" : "s"));
  }
  const std::string what = Describe(port_id);
  if (options.queue_pairs == 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: 0 queue pairs asked, need at least 1", what));
  }
  const uint32_t min_mbufs = kMinMbufsPerQueuePair * options.queue_pairs;
  if (options.mbufs < min_mbufs || options.mbufs > kMaxMbufs) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %u mbufs asked, need %u..%u for %u queue pair(s)", what,
        options.mbufs, min_mbufs, kMaxMbufs, options.queue_pairs));
  }

  rte_eth_dev_info dev_info;
  if (int rc = rte_eth_dev_info_get(port_id, &dev_info); rc != 0) {
    return CallError(what, "rte_eth_dev_info_get", rc);
  }
  if (dev_info.max_rx_queues < options.queue_pairs ||
      dev_info.max_tx_queues < options.queue_pairs) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %u queue pairs asked, the device has %u RX and %u TX queues",
        what, options.queue_pairs, dev_info.max_rx_queues,
        dev_info.max_tx_queues));
  }

  PortInfo info;
  info.port_id = port_id;
  info.name = PortName(port_id);
  info.driver = dev_info.driver_name != nullptr ? dev_info.driver_name : "";
  info.socket_id = rte_eth_dev_socket_id(port_id);

  // Virtual devices have no socket; SOCKET_ID_ANY lets EAL pick.
  const int pool_socket = info.socket_id >= 0 ? info.socket_id : SOCKET_ID_ANY;
  rte_mempool* pool = rte_pktmbuf_pool_create(
      NextMempoolName(port_id).c_str(), options.mbufs, kMempoolCache, /*priv_size=*/0,
      RTE_MBUF_DEFAULT_BUF_SIZE, pool_socket);
  if (pool == nullptr) {
    return CallError(what, "rte_pktmbuf_pool_create", rte_errno);
  }

  const uint64_t rx_offloads = dev_info.rx_offload_capa & kRxChecksumOffloads;
  const uint64_t tx_offloads = dev_info.tx_offload_capa & kTxChecksumOffloads;
  info.offloads.rx_ipv4 = (rx_offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
  info.offloads.rx_tcp = (rx_offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) != 0;
  info.offloads.tx_ipv4 = (tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
  info.offloads.tx_tcp = (tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0;

  rte_eth_conf conf{};
  conf.rxmode.offloads = rx_offloads;
  conf.txmode.offloads = tx_offloads;
  // Symmetric RSS over IP addresses and TCP ports, when there is more than
  // one queue to spread over and the device can hash those fields.
  const uint64_t rss_types =
      dev_info.flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP);
  std::vector<uint8_t> rss_key(
      dev_info.hash_key_size != 0 ? dev_info.hash_key_size : kDefaultRssKeyLength);
  for (size_t i = 0; i < rss_key.size(); ++i) rss_key[i] = kSymmetricRssKeyBytes[i % 2];
  if (options.queue_pairs > 1 && rss_types != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = rss_key.data();
    conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(rss_key.size());
    conf.rx_adv_conf.rss_conf.rss_hf = rss_types;
    info.rss = true;
    info.rss_hash_types = rss_types;
  }
  if (int rc = rte_eth_dev_configure(port_id, options.queue_pairs, options.queue_pairs, &conf);
      rc != 0) {
    Abandon(port_id, pool, Stage::kNothing);
    return CallError(what, "rte_eth_dev_configure", rc);
  }

  uint16_t rx_descriptors = kRxDescriptors;
  uint16_t tx_descriptors = kTxDescriptors;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_descriptors, &tx_descriptors);
      rc != 0) {
    Abandon(port_id, pool, Stage::kConfigured);
    return CallError(what, "rte_eth_dev_adjust_nb_rx_tx_desc", rc);
  }
  info.rx_descriptors = rx_descriptors;
  info.tx_descriptors = tx_descriptors;

  rte_eth_rxconf rxconf = dev_info.default_rxconf;
  rxconf.offloads = rx_offloads;
  rte_eth_txconf txconf = dev_info.default_txconf;
  txconf.offloads = tx_offloads;
  for (uint16_t q = 0; q < options.queue_pairs; ++q) {
    if (int rc = rte_eth_rx_queue_setup(port_id, q, rx_descriptors, pool_socket, &rxconf, pool);
        rc != 0) {
      Abandon(port_id, pool, Stage::kConfigured);
      return CallError(what, "rte_eth_rx_queue_setup", rc);
    }
    if (int rc = rte_eth_tx_queue_setup(port_id, q, tx_descriptors, pool_socket, &txconf);
        rc != 0) {
      Abandon(port_id, pool, Stage::kConfigured);
      return CallError(what, "rte_eth_tx_queue_setup", rc);
    }
  }
  info.rx_queues = options.queue_pairs;
  info.tx_queues = options.queue_pairs;

  if (int rc = rte_eth_dev_start(port_id); rc != 0) {
    Abandon(port_id, pool, Stage::kConfigured);
    return CallError(what, "rte_eth_dev_start", rc);
  }
  if (info.rss) {
    // Some PMDs (net_null among them) take the key only through this call,
    // not from the configuration: set it again so every device hashes with
    // the symmetric key.
    rte_eth_rss_conf rss = conf.rx_adv_conf.rss_conf;
    if (int rc = rte_eth_dev_rss_hash_update(port_id, &rss); rc != 0 && rc != -ENOTSUP) {
      Abandon(port_id, pool, Stage::kStarted);
      return CallError(what, "rte_eth_dev_rss_hash_update", rc);
    }
  }

  // synx answers for addresses it owns whatever MAC the sender aimed at (a
  // peer may still hold an old neighbour entry); devices without the mode
  // (net_null, net_ring) deliver everything anyway.
  rte_eth_promiscuous_enable(port_id);
  info.promiscuous = rte_eth_promiscuous_get(port_id) == 1;

  rte_ether_addr mac;
  if (int rc = rte_eth_macaddr_get(port_id, &mac); rc != 0) {
    Abandon(port_id, pool, Stage::kStarted);
    return CallError(what, "rte_eth_macaddr_get", rc);
  }
  std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), info.mac.begin());

  return std::unique_ptr<Port>(new Port(std::move(info), pool));
}

Port::~Port() {
  Close().IgnoreError();
  rte_mempool_free(mempool_);
}

absl::Status Port::Close() {
  if (!open_) return absl::OkStatus();
  open_ = false;
  // Close even when stop fails: a half-stopped port is worse than a closed one.
  const int stop_rc = rte_eth_dev_stop(info_.port_id);
  const int close_rc = rte_eth_dev_close(info_.port_id);
  const std::string what = absl::StrFormat("port %u (%s)", info_.port_id, info_.name);
  if (stop_rc != 0) return CallError(what, "rte_eth_dev_stop", stop_rc);
  if (close_rc != 0) return CallError(what, "rte_eth_dev_close", close_rc);
  return absl::OkStatus();
}

LinkStatus Port::Link() const {
  LinkStatus status;
  if (!open_) return status;
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(info_.port_id, &link) != 0) return status;
  status.up = link.link_status == RTE_ETH_LINK_UP;
  status.speed_mbps =
      link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
  status.full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
  return status;
}

std::string PortName(uint16_t port_id) {
  if (!rte_eth_dev_is_valid_port(port_id)) return {};
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  if (rte_eth_dev_get_name_by_port(port_id, name) != 0) return {};
  return name;
}

uint32_t MempoolInUse(const rte_mempool* pool) {
  return pool == nullptr ? 0 : rte_mempool_in_use_count(pool);
}

std::string FormatMac(const std::array<uint8_t, 6>& mac) {
  return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                         mac[4], mac[5]);
}

}  // namespace synx::io
