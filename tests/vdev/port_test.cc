// port_test.cc — lib/io on real mbufs and real ethdev ports, no NIC, no root:
// EAL runs in this process with --no-huge and virtual ports (net_ring loops
// every transmitted frame back to its receive side; net_null invents a frame
// on every receive).
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_thash.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "io/dpdk_log.h"
#include "io/eal.h"
#include "io/port.h"

namespace synx::io {
namespace {

using ::testing::HasSubstr;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::vector<std::string> args = {
        "vdev_port_test", "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
        absl::StrCat("--file-prefix=synx-vdev-", getpid()), "--vdev=net_ring0",
        // Keeps EAL's start-up chatter out of the test log; errors still show.
        "--log-level=lib.eal:warning",
    };
    const absl::Status status = InitEal(args);
    ASSERT_TRUE(status.ok()) << status;
  }
  void TearDown() override {
    const std::filesystem::path runtime_dir = rte_eal_get_runtime_dir();
    EXPECT_TRUE(CleanupEal().ok());
    // EAL leaves its runtime directory behind even on a clean exit.
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir, ignored);
  }
};

[[maybe_unused]] const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new EalEnvironment);

// A fresh virtual port for one test: closing a port releases its device, so
// tests do not share one.
uint16_t NewVdev(const std::string& driver) {
  static std::atomic<int> sequence{100};
  const std::string name = absl::StrCat(driver, sequence.fetch_add(1));
  EXPECT_EQ(rte_dev_probe(name.c_str()), 0) << name;
  uint16_t port_id = RTE_MAX_ETHPORTS;
  EXPECT_EQ(rte_eth_dev_get_port_by_name(name.c_str(), &port_id), 0) << name;
  return port_id;
}

uint16_t PortByName(const char* name) {
  uint16_t port_id = RTE_MAX_ETHPORTS;
  EXPECT_EQ(rte_eth_dev_get_port_by_name(name, &port_id), 0) << name;
  return port_id;
}

std::unique_ptr<Port> OpenOrDie(uint16_t port_id, uint32_t mbufs = 8191) {
  PortOptions options;
  options.port_id = port_id;
  options.mbufs = mbufs;
  absl::StatusOr<std::unique_ptr<Port>> port = Port::Open(options);
  EXPECT_TRUE(port.ok()) << port.status();
  return port.ok() ? std::move(port).value() : nullptr;
}

TEST(EalTest, SecondInitIsRefused) {
  const std::vector<std::string> args = {"again", "--no-huge"};
  const absl::Status status = InitEal(args);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST(PortTest, RingPortReportsWhatItIs) {
  const uint16_t port_id = PortByName("net_ring0");
  std::unique_ptr<Port> port = OpenOrDie(port_id);
  ASSERT_NE(port, nullptr);
  const PortInfo& info = port->info();
  EXPECT_EQ(info.port_id, port_id);
  EXPECT_EQ(info.name, "net_ring0");
  EXPECT_EQ(info.driver, "net_ring");
  EXPECT_EQ(info.rx_queues, 1);
  EXPECT_EQ(info.tx_queues, 1);
  EXPECT_EQ(info.rx_descriptors, kRxDescriptors);
  EXPECT_EQ(info.tx_descriptors, kTxDescriptors);
  // net_ring advertises no checksum offload, so none may be switched on.
  EXPECT_FALSE(info.offloads.rx_ipv4);
  EXPECT_FALSE(info.offloads.rx_tcp);
  EXPECT_FALSE(info.offloads.tx_ipv4);
  EXPECT_FALSE(info.offloads.tx_tcp);
  // net_ring's link is up once started.
  EXPECT_TRUE(port->Link().up);
  EXPECT_NE(port->mempool(), nullptr);
  EXPECT_EQ(MempoolInUse(port->mempool()), 0u);
}

TEST(PortTest, RingLoopsFramesBackAndEveryMbufReturns) {
  const uint16_t port_id = NewVdev("net_ring");
  std::unique_ptr<Port> port = OpenOrDie(port_id);
  ASSERT_NE(port, nullptr);
  rte_mempool* pool = port->mempool();
  const uint32_t in_use_at_start = MempoolInUse(pool);

  constexpr uint16_t kFrames = 48;
  constexpr uint16_t kFrameLen = 64;
  rte_mbuf* tx[kFrames];
  for (uint16_t i = 0; i < kFrames; ++i) {
    tx[i] = rte_pktmbuf_alloc(pool);
    ASSERT_NE(tx[i], nullptr);
    auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(tx[i], kFrameLen));
    ASSERT_NE(data, nullptr);
    for (uint16_t b = 0; b < kFrameLen; ++b) data[b] = static_cast<uint8_t>(i * 7 + b);
  }
  EXPECT_EQ(MempoolInUse(pool), in_use_at_start + kFrames);

  ASSERT_EQ(rte_eth_tx_burst(port_id, 0, tx, kFrames), kFrames);
  // The frames now sit in the ring, still out of the pool.
  EXPECT_EQ(MempoolInUse(pool), in_use_at_start + kFrames);

  rte_mbuf* rx[kMaxBurst];
  const uint16_t n = rte_eth_rx_burst(port_id, 0, rx, kMaxBurst);
  ASSERT_EQ(n, kFrames);
  for (uint16_t i = 0; i < n; ++i) {
    ASSERT_EQ(rte_pktmbuf_pkt_len(rx[i]), kFrameLen) << "frame " << i;
    const auto* data = rte_pktmbuf_mtod(rx[i], const uint8_t*);
    for (uint16_t b = 0; b < kFrameLen; ++b) {
      ASSERT_EQ(data[b], static_cast<uint8_t>(i * 7 + b)) << "frame " << i << " byte " << b;
    }
  }
  EXPECT_EQ(rte_eth_rx_burst(port_id, 0, rx, kMaxBurst), 0);
  rte_pktmbuf_free_bulk(rx, n);
  EXPECT_EQ(MempoolInUse(pool), in_use_at_start);

  ASSERT_TRUE(port->Close().ok());
  EXPECT_EQ(MempoolInUse(pool), in_use_at_start);
}

TEST(PortTest, NullPortFramesGoBackToThePoolWhenFreed) {
  const uint16_t port_id = NewVdev("net_null");
  std::unique_ptr<Port> port = OpenOrDie(port_id);
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->info().driver, "net_null");
  rte_mempool* pool = port->mempool();
  ASSERT_EQ(MempoolInUse(pool), 0u);

  rte_mbuf* rx[32];
  const uint16_t n = rte_eth_rx_burst(port_id, 0, rx, 32);
  ASSERT_EQ(n, 32);  // net_null fills every burst
  EXPECT_EQ(MempoolInUse(pool), 32u);
  rte_pktmbuf_free_bulk(rx, n);
  EXPECT_EQ(MempoolInUse(pool), 0u);
}

TEST(PortTest, CloseIsIdempotentAndKeepsThePool) {
  const uint16_t port_id = NewVdev("net_null");
  std::unique_ptr<Port> port = OpenOrDie(port_id);
  ASSERT_NE(port, nullptr);
  EXPECT_TRUE(port->is_open());
  EXPECT_TRUE(port->Close().ok());
  EXPECT_FALSE(port->is_open());
  EXPECT_TRUE(port->Close().ok());
  EXPECT_FALSE(port->Link().up);
  ASSERT_NE(port->mempool(), nullptr);
  EXPECT_EQ(MempoolInUse(port->mempool()), 0u);
  // Closing released the device: its id is no longer a port.
  EXPECT_FALSE(rte_eth_dev_is_valid_port(port_id));
}

TEST(PortTest, PortNameIsTheEthdevNameOrEmpty) {
  const uint16_t port_id = NewVdev("net_null");
  EXPECT_EQ(PortName(port_id).substr(0, 8), "net_null");
  EXPECT_EQ(PortName(RTE_MAX_ETHPORTS - 1), "");
}

TEST(PortTest, MissingPortIsNotFound) {
  PortOptions options;
  options.port_id = RTE_MAX_ETHPORTS - 1;
  absl::StatusOr<std::unique_ptr<Port>> port = Port::Open(options);
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(port.status().message()),
              HasSubstr(absl::StrCat("port ", RTE_MAX_ETHPORTS - 1, " does not exist")));
}

TEST(PortTest, TooFewMbufsIsRefusedBeforeTouchingTheDevice) {
  const uint16_t port_id = NewVdev("net_null");
  PortOptions options;
  options.port_id = port_id;
  options.mbufs = kMinMbufsPerQueuePair - 1;
  absl::StatusOr<std::unique_ptr<Port>> port = Port::Open(options);
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  // The device was left alone: it opens with a sane size afterwards.
  options.mbufs = kMinMbufsPerQueuePair;
  EXPECT_TRUE(Port::Open(options).ok());
}

TEST(PortTest, SeveralQueuePairsSpreadBySymmetricRss) {
  const uint16_t port_id = NewVdev("net_null");
  PortOptions options;
  options.port_id = port_id;
  options.queue_pairs = 2;
  options.mbufs = 2 * kMinMbufsPerQueuePair;
  absl::StatusOr<std::unique_ptr<Port>> port = Port::Open(options);
  ASSERT_TRUE(port.ok()) << port.status();
  const PortInfo& info = (*port)->info();
  EXPECT_EQ(info.rx_queues, 2);
  EXPECT_EQ(info.tx_queues, 2);
  // net_null hashes (it advertises RSS): the device holds the symmetric key.
  ASSERT_TRUE(info.rss);
  EXPECT_NE(info.rss_hash_types & RTE_ETH_RSS_IP, 0u);
  uint8_t key[64] = {};
  rte_eth_rss_conf conf{};
  conf.rss_key = key;
  conf.rss_key_len = sizeof(key);
  ASSERT_EQ(rte_eth_dev_rss_hash_conf_get(port_id, &conf), 0);
  rte_eth_dev_info dev_info;
  ASSERT_EQ(rte_eth_dev_info_get(port_id, &dev_info), 0);
  // A device that names no key size gets kDefaultRssKeyLength bytes.
  const size_t key_len =
      dev_info.hash_key_size != 0 ? dev_info.hash_key_size : kDefaultRssKeyLength;
  for (size_t i = 0; i < key_len; ++i) {
    EXPECT_EQ(key[i], kSymmetricRssKeyBytes[i % 2]) << "key byte " << i;
  }
  // Both queues deliver.
  rte_mbuf* rx[8];
  for (uint16_t q = 0; q < 2; ++q) {
    const uint16_t n = rte_eth_rx_burst(port_id, q, rx, 8);
    EXPECT_EQ(n, 8) << "queue " << q;
    rte_pktmbuf_free_bulk(rx, n);
  }
}

TEST(PortTest, OneQueuePairHasNoRss) {
  const uint16_t port_id = NewVdev("net_null");
  std::unique_ptr<Port> port = OpenOrDie(port_id);
  ASSERT_NE(port, nullptr);
  EXPECT_FALSE(port->info().rss);
  EXPECT_EQ(port->info().rss_hash_types, 0u);
}

TEST(PortTest, ZeroOrTooManyQueuePairsAreRefused) {
  PortOptions options;
  options.port_id = NewVdev("net_ring");
  options.queue_pairs = 0;
  absl::StatusOr<std::unique_ptr<Port>> port = Port::Open(options);
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  // One more than the device has.
  rte_eth_dev_info dev_info;
  ASSERT_EQ(rte_eth_dev_info_get(options.port_id, &dev_info), 0);
  options.queue_pairs = static_cast<uint16_t>(dev_info.max_rx_queues + 1);
  options.mbufs = options.queue_pairs * kMinMbufsPerQueuePair;
  port = Port::Open(options);
  EXPECT_EQ(port.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(port.status().message()),
              HasSubstr(absl::StrCat(options.queue_pairs, " queue pairs asked")));
}

// The key's 16-bit period is what makes the Toeplitz hash symmetric:
// swapping source and destination (addresses and ports) keeps the hash.
TEST(RssKeyTest, SymmetricKeyHashesBothDirectionsAlike) {
  uint8_t key[kDefaultRssKeyLength];
  for (size_t i = 0; i < sizeof(key); ++i) key[i] = kSymmetricRssKeyBytes[i % 2];
  for (uint32_t i = 0; i < 1000; ++i) {
    rte_ipv4_tuple fwd{};
    fwd.src_addr = 0xc6120000u + i * 7919;
    fwd.dst_addr = 0xc6130000u + i * 104729;
    fwd.sport = static_cast<uint16_t>(1024 + i * 31);
    fwd.dport = static_cast<uint16_t>(80 + i);
    rte_ipv4_tuple rev{};
    rev.src_addr = fwd.dst_addr;
    rev.dst_addr = fwd.src_addr;
    rev.sport = fwd.dport;
    rev.dport = fwd.sport;
    ASSERT_EQ(rte_softrss(reinterpret_cast<uint32_t*>(&fwd), RTE_THASH_V4_L4_LEN, key),
              rte_softrss(reinterpret_cast<uint32_t*>(&rev), RTE_THASH_V4_L4_LEN, key))
        << i;
  }
}

TEST(DpdkLogTest, CaptureKeepsDpdkLinesUntilReleased) {
  {
    DpdkLogCapture capture;
    RTE_LOG(ERR, USER1, "synx-capture-probe: first\n");
    EXPECT_THAT(capture.Text(), HasSubstr("synx-capture-probe: first"));
  }
  DpdkLogCapture capture;
  RTE_LOG(ERR, USER1, "synx-capture-probe: second\n");
  const std::string text = capture.Text();
  EXPECT_THAT(text, HasSubstr("synx-capture-probe: second"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("synx-capture-probe: first")));
}

TEST(DpdkLogTest, FirstLineMentioningDropsTheFunctionPrefix) {
  const std::string log =
      "EAL: Detected CPU lcores: 2\n"
      "rte_pmd_init_internals(): net_af_packet0: ioctl failed (SIOCGIFINDEX):No such device\n"
      "vdev_probe(): failed to initialize net_af_packet0 device\n"
      "EAL: Bus (vdev) probe failed.\n";
  EXPECT_EQ(FirstLineMentioning(log, "net_af_packet0"),
            "net_af_packet0: ioctl failed (SIOCGIFINDEX):No such device");
  EXPECT_EQ(FirstLineMentioning(log, "net_tap0"), "");
  EXPECT_EQ(FirstLineMentioning(log, ""), "");
  EXPECT_EQ(LastLine(log), "EAL: Bus (vdev) probe failed.");
  EXPECT_EQ(LastLine("only line"), "only line");
  EXPECT_EQ(LastLine("\n\n"), "");
}

TEST(DpdkLogTest, LikelyCausePrefersTheDeviceThenTheFirstDriverLine) {
  // net_af_packet names itself in its error.
  const std::string af_packet =
      "EAL: Selected IOVA mode 'VA'\n"
      "rte_pmd_init_internals(): net_af_packet0: ioctl failed (SIOCGIFINDEX):No such device\n"
      "vdev_probe(): failed to initialize net_af_packet0 device\n"
      "EAL: Bus (vdev) probe failed.\n";
  EXPECT_EQ(LikelyCause(af_packet, "net_af_packet0"),
            "net_af_packet0: ioctl failed (SIOCGIFINDEX):No such device");
  // net_pcap does not: the first driver line is the cause, not EAL's echo.
  const std::string pcap =
      "EAL: Selected IOVA mode 'VA'\n"
      "open_single_rx_pcap(): Couldn't open /x.pcap: /x.pcap: No such file or directory\n"
      "vdev_probe(): failed to initialize net_pcap0 device\n"
      "EAL: Bus (vdev) probe failed.\n"
      "TELEMETRY: No legacy callbacks, legacy socket not created\n";
  EXPECT_EQ(LikelyCause(pcap, "net_pcap0"),
            "Couldn't open /x.pcap: /x.pcap: No such file or directory");
  EXPECT_EQ(LikelyCause("EAL: Bus (vdev) probe failed.\n", "net_pcap0"), "");
}

TEST(FormatMacTest, LowerCaseColonSeparated) {
  EXPECT_EQ(FormatMac({0x02, 0x00, 0xab, 0xCD, 0x0e, 0xff}), "02:00:ab:cd:0e:ff");
}

}  // namespace
}  // namespace synx::io
