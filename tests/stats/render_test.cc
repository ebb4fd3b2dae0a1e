// render_test — the JSON summary (parsed back, every key and value checked)
// and the live line (exact text).
#include "stats/render.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>
#include <string>

#include "json_checker.h"

namespace synx::stats {
namespace {

using testing::JsonChecker;
using testing::JsonValue;
using wire::DropReason;

JsonValue ParseOrDie(const std::string& text) {
  std::string error;
  auto v = JsonChecker::Parse(text, &error);
  EXPECT_TRUE(v.has_value()) << error << "\n" << text;
  return v.value_or(JsonValue{});
}

// Every counter i holds 1000 + i, every drop reason i holds 10 + i.
Snapshot DistinctSnapshot() {
  Snapshot s;
  for (int i = 0; i < kCounterCount; ++i) s.values[i] = 1000 + i;
  for (int i = 0; i < kDropCount; ++i) s.drops[i] = 10 + i;
  return s;
}

TEST(SummaryJson, EveryCounterAndDropReasonWithItsValue) {
  const Snapshot s = DistinctSnapshot();
  const ExtraField extra[] = {{"mempool_in_use_at_exit", 0}, {"workers", 2}};
  const JsonValue v =
      ParseOrDie(SummaryJson(Role::kResponder, 4.0, s, nullptr, extra));
  ASSERT_EQ(v.type, JsonValue::Type::kObject);

  ASSERT_NE(v.Find("role"), nullptr);
  EXPECT_EQ(v.Find("role")->string, "responder");
  EXPECT_EQ(v.Find("duration_s")->number, "4.000");
  EXPECT_EQ(v.Find("rx_pps")->AsDouble(), s.rx_packets() / 4.0);
  EXPECT_EQ(v.Find("tx_pps")->AsDouble(), s.tx_packets() / 4.0);
  EXPECT_EQ(v.Find("cps")->AsDouble(), s.established() / 4.0);
  for (int i = 0; i < kCounterCount; ++i) {
    const std::string key(CounterName(static_cast<Counter>(i)));
    const JsonValue* c = v.Find(key);
    ASSERT_NE(c, nullptr) << key;
    EXPECT_EQ(c->type, JsonValue::Type::kNumber) << key;
    EXPECT_EQ(c->AsUint(), uint64_t(1000 + i)) << key;
  }
  EXPECT_EQ(v.Find("drops_total")->AsUint(), s.DropsTotal());
  const JsonValue* drops = v.Find("drops");
  ASSERT_NE(drops, nullptr);
  ASSERT_EQ(drops->type, JsonValue::Type::kObject);
  EXPECT_EQ(drops->object.size(), size_t(kDropCount - 1));  // all but "none"
  EXPECT_EQ(drops->Find("none"), nullptr);
  for (int i = 1; i < kDropCount; ++i) {
    const std::string key(wire::DropReasonName(static_cast<DropReason>(i)));
    const JsonValue* d = drops->Find(key);
    ASSERT_NE(d, nullptr) << key;
    EXPECT_EQ(d->AsUint(), uint64_t(10 + i)) << key;
  }
  EXPECT_EQ(v.Find("mempool_in_use_at_exit")->AsUint(), 0u);
  EXPECT_EQ(v.Find("workers")->AsUint(), 2u);
  EXPECT_EQ(v.Find("latency_us"), nullptr);

  // Nothing else, and no key twice.
  std::set<std::string> keys;
  for (const auto& [k, unused] : v.object)
    EXPECT_TRUE(keys.insert(k).second) << k;
  EXPECT_EQ(keys.size(), size_t(5 + kCounterCount + 2 + 2));
}

TEST(SummaryJson, ZerosAreRenderedSoKeysAreStable) {
  const JsonValue v =
      ParseOrDie(SummaryJson(Role::kInitiator, 0.0, Snapshot{}, nullptr));
  EXPECT_EQ(v.Find("role")->string, "initiator");
  EXPECT_EQ(v.Find("cps")->number, "0.000");  // no division by zero
  EXPECT_EQ(v.Find("syn_tx")->number, "0");
  EXPECT_EQ(v.Find("drops")->object.size(), size_t(kDropCount - 1));
  EXPECT_EQ(v.Find("drops")->Find("tcp_bad_checksum")->number, "0");
}

TEST(SummaryJson, LatencyInMicroseconds) {
  auto h = std::make_unique<LatencyHistogram>();
  for (uint64_t v = 1; v <= 100; ++v) h->Record(v);  // exact range, in ns
  h->Record(2'000'000);                              // 2 ms
  Snapshot s;
  s.values[static_cast<int>(Counter::kEstablished)] = 101;
  const std::string text = SummaryJson(Role::kInitiator, 2.0, s, h.get());
  const JsonValue v = ParseOrDie(text);
  EXPECT_EQ(v.Find("cps")->number, "50.500");
  const JsonValue* l = v.Find("latency_us");
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->Find("p50")->number, "0.051");
  EXPECT_EQ(l->Find("p90")->number, "0.091");
  EXPECT_EQ(l->Find("p99")->number, "0.100");
  EXPECT_EQ(l->Find("p999")->number, "2000.000");
  EXPECT_EQ(l->Find("min")->number, "0.001");
  EXPECT_EQ(l->Find("max")->number, "2000.000");
  EXPECT_EQ(l->Find("count")->number, "101");
  EXPECT_EQ(l->Find("mean")->number, "19.852");  // 2005050 ns / 101
  // The last key, after the drops and any extra keys.
  EXPECT_EQ(v.object.back().first, "latency_us");
  EXPECT_EQ(text.back(), '\n');
}

TEST(SummaryJson, CompactWhenIndentIsZero) {
  const std::string text =
      SummaryJson(Role::kResponder, 1.0, Snapshot{}, nullptr, {}, 0);
  EXPECT_EQ(text.find('\n'), text.size() - 1);
  EXPECT_EQ(text.rfind(
                R"({"role":"responder","duration_s":1.000,"rx_pps":0.000,)", 0),
            0u);
}

TEST(FormatSi, ThreeSignificantDigitsInSixColumns) {
  struct Case {
    double in;
    const char* out;
  };
  const Case cases[] = {
      {0, "     0"},      {7, "     7"},
      {999, "   999"},    {999.4, "   999"},
      {999.5, " 1.00k"},  {1234, " 1.23k"},
      {9994, " 9.99k"},   {9995, " 10.0k"},
      {12345, " 12.3k"},  {99949, " 99.9k"},
      {99950, "  100k"},  {123456, "  123k"},
      {999499, "  999k"}, {999500, " 1.00M"},
      {1.2e6, " 1.20M"},  {14.88e6, " 14.9M"},
      {2.5e9, " 2.50G"},  {1e18, " 1.00E"},
      {-3, "     0"},     {std::nan(""), "     0"},
  };
  for (const Case& c : cases) EXPECT_EQ(FormatSi(c.in), c.out) << c.in;
}

TEST(FormatNanos, SevenColumns) {
  struct Case {
    double in;
    const char* out;
  };
  const Case cases[] = {
      {0, "    0ns"},      {250, "  250ns"},    {999.4, "  999ns"},
      {999.5, "  1.0us"},  {123456, "123.5us"}, {999949, "999.9us"},
      {999950, "  1.0ms"}, {12.3e6, " 12.3ms"}, {1.5e9, "  1.50s"},
      {75e9, " 75.00s"},   {-1, "    0ns"},
  };
  for (const Case& c : cases) EXPECT_EQ(FormatNanos(c.in), c.out) << c.in;
}

TEST(LiveLine, Responder) {
  LiveInput in;
  in.role = Role::kResponder;
  in.elapsed_s = 12;
  in.interval_s = 1;
  auto set = [&](Counter c, uint64_t v) {
    in.delta.values[static_cast<int>(c)] = v;
  };
  set(Counter::kRxPackets, 1'200'000);
  set(Counter::kTxPackets, 1'190'000);
  set(Counter::kSynRx, 1'000'000);
  set(Counter::kSynackTx, 1'000'000);
  set(Counter::kCookiesSent, 1'000'000);
  set(Counter::kCookiesValid, 180'000);
  set(Counter::kCookiesInvalid, 3);
  set(Counter::kEstablished, 180'000);
  set(Counter::kRstTx, 12);
  in.delta.drops[static_cast<int>(DropReason::kTcpBadChecksum)] = 9;
  in.delta.drops[static_cast<int>(DropReason::kArpNotForUs)] = 3;
  EXPECT_EQ(LiveLine(in),
            "    12s rx  1.20Mpps tx  1.19Mpps syn  1.00M synack  1.00M "
            "cookie  1.00M/  180k/     3 est   180k rst     12 drop     12 "
            "tcp_bad_checksum");
}

TEST(LiveLine, RatesArePerSecondOfTheInterval) {
  LiveInput in;
  in.elapsed_s = 3600;
  in.interval_s = 2;
  in.delta.values[static_cast<int>(Counter::kRxPackets)] = 3000;
  const std::string line = LiveLine(in);
  EXPECT_EQ(line,
            "  3600s rx  1.50kpps tx      0pps syn      0 synack      0 "
            "cookie      0/     0/     0 est      0 rst      0 drop      0");
}

TEST(LiveLine, InitiatorWithLatency) {
  auto h = std::make_unique<LatencyHistogram>();
  for (int i = 0; i < 99; ++i) h->Record(120'000);  // 120 µs
  h->Record(3'000'000);                             // 3 ms
  LiveInput in;
  in.role = Role::kInitiator;
  in.elapsed_s = 5;
  in.delta.values[static_cast<int>(Counter::kSynTx)] = 50'000;
  in.delta.values[static_cast<int>(Counter::kSynackRx)] = 49'990;
  in.delta.values[static_cast<int>(Counter::kEstablished)] = 49'990;
  in.delta.values[static_cast<int>(Counter::kRefused)] = 4;
  in.delta.values[static_cast<int>(Counter::kTimeouts)] = 6;
  in.total.values[static_cast<int>(Counter::kEstablished)] = 249'950;
  in.open_connections = 1234;
  in.interval_latency = h.get();
  // 120 000 ns falls in the bucket [119 808, 120 320): its midpoint 120 064
  // prints as 120.1us (0.05 % high, within the histogram's 1/256).
  EXPECT_EQ(
      LiveLine(in),
      "     5s syn  50.0k synack  50.0k est   250k cps  50.0k open  1.23k "
      "refused      4 timeout      6 p50 120.1us p99 120.1us drop      0");
  h->Record(3'000'000);  // now 2 of 101 above p99's rank
  EXPECT_NE(LiveLine(in).find("p99   3.0ms"), std::string::npos)
      << LiveLine(in);

  in.interval_latency = nullptr;
  EXPECT_NE(LiveLine(in).find("p50       - p99       -"), std::string::npos)
      << LiveLine(in);
}

}  // namespace
}  // namespace synx::stats
