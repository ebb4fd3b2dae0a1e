// flow_plan_test.cc — --target / --src / --src-ports parsing, the RSS terms
// against rte_softrss over the whole tuple, and the per-worker tuple walk.
#include "engine/flow_plan.h"

#include <rte_thash.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace synx::engine {
namespace {

using ::testing::HasSubstr;

wire::IpAddr Ip(std::string_view s) { return *wire::IpAddr::Parse(s); }

TEST(ParseTargetsTest, ListsBothFamiliesAndExpandsPortRanges) {
  absl::StatusOr<std::vector<Target>> t =
      ParseTargets("198.18.0.2:80,[2001:2::2]:443,198.18.0.3:8000-8002");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, (std::vector<Target>{{Ip("198.18.0.2"), 80},
                                     {Ip("2001:2::2"), 443},
                                     {Ip("198.18.0.3"), 8000},
                                     {Ip("198.18.0.3"), 8001},
                                     {Ip("198.18.0.3"), 8002}}));
  EXPECT_EQ(FormatTarget((*t)[1]), "[2001:2::2]:443");
}

TEST(ParseTargetsTest, RejectsWithTheItemNamed) {
  const struct {
    const char* text;
    const char* why;
  } kCases[] = {
      {"198.18.0.2", "expected IP:PORT"},
      {"198.18.0.2:0", "not in 1..65535"},
      {"198.18.0.2:70000", "not in 1..65535"},
      {"2001:2::2:80", "brackets"},
      {"224.0.0.1:80", "not a unicast"},
      {"255.255.255.255:80", "not a unicast"},
      {"127.0.0.1:80", "not a unicast"},
      {"198.18.0.2:80,198.18.0.2:80", "listed twice"},
      {"198.18.0.2:80,", "empty item"},
      {"198.18.0.2:1-2000", "more than 1024 targets"},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<std::vector<Target>> t = ParseTargets(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr("--target item"))
        << c.text;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(c.why)) << c.text;
  }
}

TEST(AddrSetTest, ListRangeAndCidrInOrder) {
  absl::StatusOr<AddrSet> s =
      AddrSet::Parse("198.18.0.1,198.18.1.10-198.18.1.12,198.19.0.0/30,2001:2::5");
  ASSERT_TRUE(s.ok()) << s.status();
  // /30: network and broadcast left out.
  EXPECT_EQ(s->count(wire::Family::kV4), 1u + 3u + 2u);
  EXPECT_EQ(s->count(wire::Family::kV6), 1u);
  const char* kWant[] = {"198.18.0.1", "198.18.1.10", "198.18.1.11",
                         "198.18.1.12", "198.19.0.1", "198.19.0.2"};
  for (uint64_t i = 0; i < 6; ++i) {
    EXPECT_EQ(s->At(wire::Family::kV4, i), Ip(kWant[i])) << i;
    EXPECT_TRUE(s->Contains(Ip(kWant[i]))) << i;
  }
  EXPECT_EQ(s->At(wire::Family::kV6, 0), Ip("2001:2::5"));
  EXPECT_FALSE(s->Contains(Ip("198.19.0.0")));
  EXPECT_FALSE(s->Contains(Ip("198.19.0.3")));
  EXPECT_FALSE(s->Contains(Ip("198.18.1.13")));
  EXPECT_FALSE(s->Contains(Ip("2001:2::6")));
  // The same bytes in the other family are not the same address.
  EXPECT_FALSE(s->Contains(Ip("::c612:1")));
}

TEST(AddrSetTest, Slash16HasAllButNetworkAndBroadcast) {
  absl::StatusOr<AddrSet> s = AddrSet::Parse("198.19.0.0/16");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->count(wire::Family::kV4), 65534u);
  EXPECT_EQ(s->At(wire::Family::kV4, 0), Ip("198.19.0.1"));
  EXPECT_EQ(s->At(wire::Family::kV4, 65533), Ip("198.19.255.254"));
  EXPECT_EQ(s->ToString(), "198.19.0.1-198.19.255.254");
}

TEST(AddrSetTest, Ipv6BlockAndRangeCarryAcrossBytes) {
  absl::StatusOr<AddrSet> s = AddrSet::Parse("2001:2::ff-2001:2::101,2001:2:0:1::/120");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->count(wire::Family::kV6), 3u + 255u);
  EXPECT_EQ(s->At(wire::Family::kV6, 1), Ip("2001:2::100"));
  EXPECT_EQ(s->At(wire::Family::kV6, 3), Ip("2001:2:0:1::1"));
  EXPECT_TRUE(s->Contains(Ip("2001:2:0:1::ff")));
}

TEST(AddrSetTest, RejectsWithTheItemNamed) {
  const struct {
    const char* text;
    const char* why;
  } kCases[] = {
      {"198.18.0.300", "not an IP address"},
      {"198.18.0.5-198.18.0.1", "runs backwards"},
      {"198.18.0.1-2001:2::1", "different families"},
      {"198.18.0.0/33", "prefix length"},
      {"2001:2::/48", "/64 or longer"},
      {"224.0.0.1", "not unicast"},
      {"126.255.255.254-128.0.0.1", "loopback"},
      {"198.18.0.1,198.18.0.0/24", "overlaps"},
      {"198.18.0.1,,198.18.0.2", "empty item"},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<AddrSet> s = AddrSet::Parse(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr("--src item"))
        << c.text;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.why)) << c.text;
  }
}

TEST(ParsePortRangeTest, RangesAndErrors) {
  absl::StatusOr<PortRange> r = ParsePortRange("10000-10999");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lo, 10000);
  EXPECT_EQ(r->hi, 10999);
  EXPECT_EQ(r->count(), 1000u);
  r = ParsePortRange("80");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->count(), 1u);
  for (const char* bad : {"0-10", "10-5", "1-65536", "x", "", "5-"}) {
    EXPECT_FALSE(ParsePortRange(bad).ok()) << bad;
  }
}

// The terms' XOR is rte_softrss over the whole tuple, as the NIC computes it
// for the SYN+ACK (source = the target), and with the symmetric key the
// SYN itself hashes the same.
TEST(RssPlacementTest, TermsAddUpToTheWholeHashBothWays) {
  std::vector<uint16_t> reta(128);
  for (size_t i = 0; i < reta.size(); ++i) reta[i] = static_cast<uint16_t>(i % 4);
  const RssPlacement rss(reta, true, true);
  std::mt19937_64 rng(7);
  uint8_t key[40];
  for (int i = 0; i < 40; ++i) key[i] = i % 2 == 0 ? 0x6d : 0x5a;
  for (int i = 0; i < 1000; ++i) {
    const bool v4 = i % 2 == 0;
    wire::IpAddr local, remote;
    if (v4) {
      local = wire::IpAddr::V4(static_cast<uint32_t>(rng()));
      remote = wire::IpAddr::V4(static_cast<uint32_t>(rng()));
    } else {
      uint8_t a[16], b[16];
      for (int k = 0; k < 16; ++k) {
        a[k] = static_cast<uint8_t>(rng());
        b[k] = static_cast<uint8_t>(rng());
      }
      local = wire::IpAddr::V6Bytes(a);
      remote = wire::IpAddr::V6Bytes(b);
    }
    const auto lport = static_cast<uint16_t>(rng());
    const auto rport = static_cast<uint16_t>(rng());
    const uint32_t whole = rss.Hash(local, lport, remote, rport);
    EXPECT_EQ(whole, rss.LocalAddrTerm(local) ^
                         rss.LocalPortTerm(local.family, lport) ^
                         rss.RemoteTerm(Target{remote, rport}));
    // Symmetric key: the other direction (our SYN) hashes the same.
    EXPECT_EQ(whole, rss.Hash(remote, rport, local, lport));
    // And it is rte_softrss of the tuple as rte_thash.h lays it out.
    if (v4) {
      rte_ipv4_tuple t;
      t.src_addr = remote.v4();
      t.dst_addr = local.v4();
      t.sport = rport;
      t.dport = lport;
      EXPECT_EQ(whole, rte_softrss(reinterpret_cast<uint32_t*>(&t),
                                   RTE_THASH_V4_L4_LEN, key));
    }
  }
}

TEST(RssPlacementTest, AddressOnlyHashIgnoresPorts) {
  const RssPlacement rss(std::vector<uint16_t>(64, 0), false, false);
  const wire::IpAddr a = Ip("198.18.0.1");
  const wire::IpAddr b = Ip("198.18.0.2");
  EXPECT_EQ(rss.Hash(a, 1, b, 2), rss.Hash(a, 3000, b, 80));
  EXPECT_EQ(rss.LocalPortTerm(wire::Family::kV4, 1234), 0u);
}

FlowPlan Plan(const char* targets, const char* src, uint16_t lo, uint16_t hi) {
  FlowPlan p;
  p.targets = *ParseTargets(targets);
  p.sources = *AddrSet::Parse(src);
  p.ports = PortRange{lo, hi};
  return p;
}

TEST(TupleCursorTest, OneQueueWalksTargetsThenSourcesThenPorts) {
  const FlowPlan plan =
      Plan("198.18.0.2:80,[2001:2::2]:80", "198.18.0.1,198.18.0.3,2001:2::1", 1000, 1001);
  const RssPlacement rss;
  TupleCursor c(plan, rss, 0);
  // 2 targets x 2 source slots (v4 has 2, v6 has 1) x 2 ports.
  EXPECT_EQ(c.cycle_length(), 8u);
  std::vector<std::string> got;
  for (int i = 0; i < 9; ++i) {
    std::optional<TupleCursor::Candidate> n = c.Next(1);
    ASSERT_TRUE(n.has_value());
    got.push_back(absl::StrCat(n->key.local().ToString(), ":", n->key.local_port,
                               ">", n->key.remote().ToString(), ":",
                               n->key.remote_port, "#", n->target));
  }
  EXPECT_THAT(got, ::testing::ElementsAre(
                       "198.18.0.1:1000>198.18.0.2:80#0",
                       "2001:2::1:1000>2001:2::2:80#1",
                       "198.18.0.3:1000>198.18.0.2:80#0",
                       "2001:2::1:1000>2001:2::2:80#1",
                       "198.18.0.1:1001>198.18.0.2:80#0",
                       "2001:2::1:1001>2001:2::2:80#1",
                       "198.18.0.3:1001>198.18.0.2:80#0",
                       "2001:2::1:1001>2001:2::2:80#1",
                       "198.18.0.1:1000>198.18.0.2:80#0"));
}

// Four queues: each cursor yields only tuples whose SYN+ACK hashes to its
// own queue, the four together cover every tuple once per cycle, and the
// split is about even.
TEST(TupleCursorTest, EveryQueueGetsOnlyItsOwnTuplesAndTogetherAll) {
  std::vector<uint16_t> reta(512);
  for (size_t i = 0; i < reta.size(); ++i) reta[i] = static_cast<uint16_t>(i % 4);
  const RssPlacement rss(reta, true, true);
  const FlowPlan plan = Plan("198.18.0.2:80,198.18.0.4:443,[2001:2::2]:80",
                             "198.18.0.1,198.18.0.3,2001:2::1,2001:2::3", 20000,
                             20999);
  const uint64_t cycle = plan.targets.size() * 2 * 1000;
  std::set<std::string> all;
  for (uint16_t q = 0; q < 4; ++q) {
    TupleCursor c(plan, rss, q);
    ASSERT_EQ(c.cycle_length(), cycle);
    std::set<std::string> mine;
    // One full cycle: at most `cycle` candidates looked at in all.
    uint64_t looked = 0;
    while (looked < cycle) {
      std::optional<TupleCursor::Candidate> n = c.Next(1);
      ++looked;
      if (!n) continue;
      const flow::FlowKey& k = n->key;
      // The NIC's view of the SYN+ACK: from the target to us.
      EXPECT_EQ(rss.QueueOfHash(rss.Hash(k.local(), k.local_port, k.remote(),
                                         k.remote_port)),
                q);
      mine.insert(absl::StrCat(k.local().ToString(), k.local_port,
                               k.remote().ToString(), k.remote_port));
    }
    EXPECT_GT(mine.size(), cycle / 4 * 8 / 10) << "queue " << q;
    EXPECT_LT(mine.size(), cycle / 4 * 12 / 10) << "queue " << q;
    all.insert(mine.begin(), mine.end());
  }
  EXPECT_EQ(all.size(), cycle);
}

TEST(TupleCursorTest, NextGivesUpAfterItsBudget) {
  // Every hash maps to queue 0: queue 1 owns nothing.
  const RssPlacement rss(std::vector<uint16_t>(8, 0), true, true);
  const FlowPlan plan = Plan("198.18.0.2:80", "198.18.0.1", 1000, 1999);
  TupleCursor c(plan, rss, 1);
  EXPECT_FALSE(c.Next(5000).has_value());
  TupleCursor c0(plan, rss, 0);
  EXPECT_TRUE(c0.Next(1).has_value());
}

}  // namespace
}  // namespace synx::engine
