// pacer_test.cc — the initiator's token bucket: the long-run rate, the burst
// cap after a gap, the first token at once, rate 0 unlimited.
#include "engine/pacer.h"

#include "gtest/gtest.h"

namespace synx::engine {
namespace {

// Polls every `step_us` for `seconds` and spends whatever is available.
uint64_t SpendFor(Pacer& p, uint64_t start, uint64_t step_us, uint64_t seconds,
                  uint32_t want, uint32_t* largest = nullptr) {
  uint64_t spent = 0;
  for (uint64_t t = start; t < start + seconds * 1'000'000; t += step_us) {
    const uint32_t n = p.Available(t, want);
    p.Take(n);
    spent += n;
    if (largest != nullptr && n > *largest) *largest = n;
  }
  return spent;
}

TEST(PacerTest, HoldsTheRateOverTime) {
  const struct {
    uint64_t rate;
    uint64_t step_us;
  } kCases[] = {{2000, 1}, {2000, 37}, {1, 1000}, {999'983, 3}, {100'000, 100}};
  for (const auto& c : kCases) {
    Pacer p(c.rate, 32, 0);
    const uint64_t spent = SpendFor(p, 0, c.step_us, 10, 32);
    // Polls at 0, step, ... up to 10 s - step: the tokens of that span plus
    // the one it starts with; integer credit loses nothing, so the count is
    // exact up to the last partial token.
    const uint64_t last_poll_us = 10'000'000 - c.step_us;
    EXPECT_GE(spent, c.rate * last_poll_us / 1'000'000)
        << c.rate << " every " << c.step_us;
    EXPECT_LE(spent, c.rate * 10 + 1) << c.rate << " every " << c.step_us;
  }
}

TEST(PacerTest, FirstTokenAtOnceThenOnePerPeriod) {
  Pacer p(1000, 4, 5'000'000);
  EXPECT_EQ(p.Available(5'000'000, 32), 1u);
  p.Take(1);
  EXPECT_EQ(p.Available(5'000'999, 32), 0u);
  EXPECT_EQ(p.Available(5'001'000, 32), 1u);
}

TEST(PacerTest, AGapYieldsAtMostTheBurst) {
  Pacer p(1'000'000, 8, 0);
  p.Take(p.Available(0, 32));
  // 10 ms of silence would be 10,000 tokens; the bucket holds 8.
  EXPECT_EQ(p.Available(10'000, 32), 8u);
  p.Take(8);
  EXPECT_EQ(p.Available(10'000, 32), 0u);
  // Never more than asked.
  EXPECT_EQ(p.Available(20'000, 3), 3u);
}

TEST(PacerTest, SmallBurstsUnderSteadyPolling) {
  Pacer p(2000, 2, 0);
  uint32_t largest = 0;
  SpendFor(p, 0, 100, 2, 32, &largest);
  EXPECT_EQ(largest, 1u);  // polled often enough, one SYN at a time
}

TEST(PacerTest, RateZeroGrantsEverything) {
  Pacer p(0, 1, 0);
  EXPECT_EQ(p.Available(0, 32), 32u);
  p.Take(32);
  EXPECT_EQ(p.Available(0, 32), 32u);
}

TEST(PacerTest, TakeNeverUnderflows) {
  Pacer p(10, 1, 0);
  p.Take(5);
  EXPECT_EQ(p.Available(0, 32), 0u);
  EXPECT_EQ(p.Available(100'000, 32), 1u);
}

}  // namespace
}  // namespace synx::engine
