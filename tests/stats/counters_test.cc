// counters_test — the counter list, the block, snapshots, sums and deltas.
#include "stats/counters.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <string_view>
#include <thread>

namespace synx::stats {
namespace {

using wire::DropReason;

bool IsSnakeCase(std::string_view s) {
  if (s.empty() || s.front() == '_' || s.back() == '_') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

TEST(CounterList, NamesAreUniqueSnakeCaseAndHaveHelp) {
  std::set<std::string_view> names;
  for (int i = 0; i < kCounterCount; ++i) {
    const auto c = static_cast<Counter>(i);
    const std::string_view name = CounterName(c);
    EXPECT_TRUE(IsSnakeCase(name)) << name;
    EXPECT_FALSE(CounterHelp(c).empty()) << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
  }
  // The summary's own top-level keys must not collide with a counter.
  for (std::string_view k :
       {"role", "duration_s", "rx_pps", "tx_pps", "cps", "drops", "drops_total",
        "latency_us", "mempool_in_use_at_exit"}) {
    EXPECT_EQ(names.count(k), 0u) << k;
  }
  EXPECT_EQ(CounterName(Counter::kCount), "invalid");
}

// The keys issues 3 and 4 name as interfaces.
TEST(CounterList, HasEveryKeyTheIssuesName) {
  std::set<std::string_view> names;
  for (int i = 0; i < kCounterCount; ++i)
    names.insert(CounterName(static_cast<Counter>(i)));
  for (std::string_view k : {"rx_packets",
                             "tx_packets",
                             "rx_bytes",
                             "tx_bytes",
                             "syn_rx",
                             "synack_tx",
                             "synack_retransmits",
                             "cookies_sent",
                             "cookies_valid",
                             "cookies_invalid",
                             "cookie_macs_computed",
                             "established",
                             "rst_tx",
                             "rst_rx",
                             "challenge_acks_tx",
                             "data_segments_rx",
                             "data_bytes_rx",
                             "fin_rx",
                             "fin_tx",
                             "closed",
                             "arp_replies_tx",
                             "icmp_echo_replies_tx",
                             "nd_adverts_tx",
                             "tx_dropped",
                             "mbuf_alloc_failed",
                             "syn_tx",
                             "syn_retransmits",
                             "synack_rx",
                             "refused",
                             "timeouts"}) {
    EXPECT_EQ(names.count(k), 1u) << k;
  }
}

TEST(CounterList, GettersMatchTheEnum) {
  Snapshot s;
  for (int i = 0; i < kCounterCount; ++i) s.values[i] = 100 + i;
  EXPECT_EQ(s.rx_packets(), s[Counter::kRxPackets]);
  EXPECT_EQ(s.syn_rx(), 100u + static_cast<int>(Counter::kSynRx));
  EXPECT_EQ(s.timeouts(), 100u + static_cast<int>(Counter::kTimeouts));
  EXPECT_EQ(s.neighbors_learned(),
            100u + static_cast<int>(Counter::kNeighborsLearned));
}

TEST(CounterBlock, AlignedToACacheLineAndPlain) {
  EXPECT_EQ(alignof(CounterBlock), 64u);
  EXPECT_EQ(sizeof(CounterBlock) % 64, 0u);
  EXPECT_EQ(sizeof(CounterBlock),
            (((kCounterCount + kDropCount) * sizeof(uint64_t) + 63) / 64) * 64);
}

TEST(CounterBlock, AddIncDropReadReset) {
  CounterBlock b;
  EXPECT_EQ(b.Read(), Snapshot{});
  b.Inc(Counter::kSynRx);
  b.Inc(Counter::kSynRx);
  b.Add(Counter::kRxBytes, 1500);
  b.Add(Counter::kRxBytes, 60);
  b.Drop(DropReason::kTcpBadChecksum);
  b.Drop(DropReason::kArpNotForUs, 3);
  const Snapshot s = b.Read();
  EXPECT_EQ(s.syn_rx(), 2u);
  EXPECT_EQ(s.rx_bytes(), 1560u);
  EXPECT_EQ(s.rx_packets(), 0u);
  EXPECT_EQ(s.drop(DropReason::kTcpBadChecksum), 1u);
  EXPECT_EQ(s.drop(DropReason::kArpNotForUs), 3u);
  EXPECT_EQ(s.DropsTotal(), 4u);
  b.Reset();
  EXPECT_EQ(b.Read(), Snapshot{});
}

TEST(Snapshot, DropsTotalIgnoresNone) {
  Snapshot s;
  s.drops[static_cast<int>(DropReason::kNone)] = 1000;
  s.drops[static_cast<int>(DropReason::kLand)] = 7;
  s.drops[kDropCount - 1] = 5;
  EXPECT_EQ(s.DropsTotal(), 12u);
}

TEST(Snapshot, MergeSumsEveryCounterAndDrop) {
  CounterBlock cores[3];
  for (int core = 0; core < 3; ++core) {
    for (int i = 0; i < kCounterCount; ++i) {
      cores[core].Add(static_cast<Counter>(i), (core + 1) * 1000 + i);
    }
    for (int i = 0; i < kDropCount; ++i) {
      cores[core].Drop(static_cast<DropReason>(i), (core + 1) * 10 + i);
    }
  }
  Snapshot sum;
  for (const CounterBlock& c : cores) sum += c.Read();
  for (int i = 0; i < kCounterCount; ++i) {
    EXPECT_EQ(sum.values[i], uint64_t(6000 + 3 * i))
        << CounterName(static_cast<Counter>(i));
  }
  for (int i = 0; i < kDropCount; ++i) {
    EXPECT_EQ(sum.drops[i], uint64_t(60 + 3 * i)) << i;
  }
}

TEST(Snapshot, DeltaIsPerCounterAndSaturates) {
  CounterBlock b;
  b.Add(Counter::kRxPackets, 10);
  b.Drop(DropReason::kIpv4BadChecksum, 2);
  const Snapshot before = b.Read();
  b.Add(Counter::kRxPackets, 1'000'000);
  b.Inc(Counter::kEstablished);
  b.Drop(DropReason::kIpv4BadChecksum, 5);
  const Snapshot after = b.Read();

  const Snapshot d = Delta(after, before);
  EXPECT_EQ(d.rx_packets(), 1'000'000u);
  EXPECT_EQ(d.established(), 1u);
  EXPECT_EQ(d.tx_packets(), 0u);
  EXPECT_EQ(d.drop(DropReason::kIpv4BadChecksum), 5u);
  EXPECT_EQ(d.DropsTotal(), 5u);

  // A restarted block reads lower than the previous snapshot: 0, not a wrap.
  const Snapshot backwards = Delta(before, after);
  EXPECT_EQ(backwards.rx_packets(), 0u);
  EXPECT_EQ(backwards.drop(DropReason::kIpv4BadChecksum), 0u);
}

// The owner writes while another thread reads: every read sees whole values
// that never go backwards, and no increment is lost. (Run under
// -fsanitize=thread this also shows the accesses are race-free.)
TEST(CounterBlock, ReadersSeeMonotonicValuesWhileTheOwnerWrites) {
  constexpr uint64_t kWrites = 200'000;
  CounterBlock b;
  std::atomic<bool> done{false};
  uint64_t backwards = 0;
  std::thread reader([&] {
    uint64_t last = 0;
    while (!done.load(std::memory_order_acquire)) {
      const Snapshot s = b.Read();
      if (s.rx_packets() < last) ++backwards;
      if (s.rx_bytes() > 60 * kWrites) ++backwards;
      last = s.rx_packets();
    }
  });
  for (uint64_t i = 0; i < kWrites; ++i) {
    b.Inc(Counter::kRxPackets);
    b.Add(Counter::kRxBytes, 60);
  }
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_EQ(backwards, 0u);
  EXPECT_EQ(b.Read().rx_packets(), kWrites);
  EXPECT_EQ(b.Read().rx_bytes(), 60 * kWrites);
}

}  // namespace
}  // namespace synx::stats
