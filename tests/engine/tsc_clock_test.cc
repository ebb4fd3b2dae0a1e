// tsc_clock_test.cc — TSC ticks to microseconds by multiply and shift.
#include "engine/tsc_clock.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace synx::engine {
namespace {

TEST(TscClockTest, ExactForWholeMegahertz) {
  const TscClock c(2'000'000'000);
  EXPECT_EQ(c.ToUs(0), 0u);
  EXPECT_EQ(c.ToUs(2'000), 1u);
  EXPECT_EQ(c.ToUs(2'000'000'000), 1'000'000u);
}

TEST(TscClockTest, WithinOnePartPerMillionOverYears) {
  for (uint64_t hz : {1'000'000ull, 1'234'567'891ull, 2'899'999'000ull,
                      3'700'000'000ull, 5'000'000'003ull}) {
    const TscClock c(hz);
    // Ten years of ticks: the 128-bit product never overflows.
    const uint64_t seconds = 10ull * 365 * 24 * 3600;
    const uint64_t tsc = seconds * hz;
    const double want = static_cast<double>(seconds) * 1e6;
    const double got = static_cast<double>(c.ToUs(tsc));
    EXPECT_NEAR(got / want, 1.0, 1e-6) << hz;
  }
}

TEST(TscClockTest, Monotonic) {
  const TscClock c(2'899'999'000);
  uint64_t last = 0;
  for (uint64_t t = 0; t < 10'000'000; t += 997) {
    const uint64_t us = c.ToUs(t);
    ASSERT_GE(us, last);
    last = us;
  }
}

TEST(TscClockTest, NanosecondClockWithinOnePartPerMillion) {
  for (uint64_t hz : {1'000'000ull, 2'899'999'000ull, 5'000'000'003ull}) {
    const TscClock ns(hz, TscClock::kNanoseconds);
    // One day of ticks.
    const uint64_t tsc = 86'400ull * hz;
    EXPECT_NEAR(static_cast<double>(ns.ToNs(tsc)) / (86'400 * 1e9), 1.0, 1e-6) << hz;
  }
  EXPECT_EQ(TscClock(2'000'000'000, TscClock::kNanoseconds).ToNs(2'000), 1'000u);
}

}  // namespace
}  // namespace synx::engine
