// event_counters_test.cc — every tcp::Event bumps the stats::Counter of the
// same name, and each its own.
#include "engine/event_counters.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace synx::engine {
namespace {

TEST(EventCountersTest, EveryEventHasTheCounterOfItsName) {
  for (int e = 0; e < tcp::kEventCount; ++e) {
    const auto event = static_cast<tcp::Event>(e);
    const stats::Counter c = kEventCounters[e];
    ASSERT_NE(c, stats::Counter::kCount) << tcp::EventName(event);
    EXPECT_EQ(stats::CounterName(c), tcp::EventName(event));
  }
}

TEST(EventCountersTest, NoTwoEventsShareACounter) {
  std::set<stats::Counter> seen;
  for (stats::Counter c : kEventCounters) {
    EXPECT_TRUE(seen.insert(c).second) << stats::CounterName(c);
  }
}

// The JSON keys issue "Responder" promises come from these events.
TEST(EventCountersTest, SummaryKeysAreEventCounters) {
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kSynRx)],
            stats::Counter::kSynRx);
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kSynAckTx)],
            stats::Counter::kSynackTx);
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kCookieSent)],
            stats::Counter::kCookiesSent);
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kCookieValid)],
            stats::Counter::kCookiesValid);
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kCookieInvalid)],
            stats::Counter::kCookiesInvalid);
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kEstablished)],
            stats::Counter::kEstablished);
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kRstTx)],
            stats::Counter::kRstTx);
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kChallengeAckTx)],
            stats::Counter::kChallengeAcksTx);
  EXPECT_EQ(kEventCounters[static_cast<int>(tcp::Event::kDataRx)],
            stats::Counter::kDataSegmentsRx);
}

TEST(EventCountersTest, CountEventsBumpsExactlyTheSetBits) {
  stats::CounterBlock block;
  CountEvents(block, tcp::Bit(tcp::Event::kSynRx) |
                         tcp::Bit(tcp::Event::kSynAckTx) |
                         tcp::Bit(tcp::Event::kTimeWaitReused));
  CountEvents(block, tcp::Bit(tcp::Event::kSynRx));
  CountEvents(block, 0);
  const stats::Snapshot s = block.Read();
  for (int c = 0; c < stats::kCounterCount; ++c) {
    const auto counter = static_cast<stats::Counter>(c);
    uint64_t want = 0;
    if (counter == stats::Counter::kSynRx) want = 2;
    if (counter == stats::Counter::kSynackTx) want = 1;
    if (counter == stats::Counter::kTimeWaitReused) want = 1;
    EXPECT_EQ(s[counter], want) << stats::CounterName(counter);
  }
  EXPECT_EQ(s.DropsTotal(), 0u);
}

}  // namespace
}  // namespace synx::engine
