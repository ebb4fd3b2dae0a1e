#include "tcp/rate_limiter.h"

#include <gtest/gtest.h>

namespace synx::tcp {
namespace {

TEST(TokenBucketTest, StartsFullAndEmptiesAfterBurst) {
  TokenBucket b(/*rate_per_s=*/10, /*burst=*/3);
  EXPECT_TRUE(b.TryTake(1'000'000));
  EXPECT_TRUE(b.TryTake(1'000'000));
  EXPECT_TRUE(b.TryTake(1'000'000));
  EXPECT_FALSE(b.TryTake(1'000'000));
}

TEST(TokenBucketTest, RefillsAtTheRate) {
  TokenBucket b(10, 1);  // one token per 100 ms
  EXPECT_TRUE(b.TryTake(5'000'000));
  EXPECT_FALSE(b.TryTake(5'099'999));
  EXPECT_TRUE(b.TryTake(5'100'000));
  EXPECT_FALSE(b.TryTake(5'100'000));
}

TEST(TokenBucketTest, PartialRefillsAccumulateWithoutDrift) {
  // 333,333.3 µs per token: not a whole number. A burst of 2 keeps the cap
  // from clipping the 1 ms probes' overshoot, so only rounding could lose.
  TokenBucket b(3, 2);
  ASSERT_TRUE(b.TryTake(0));
  ASSERT_TRUE(b.TryTake(0));
  int taken = 0;
  // Probe every millisecond for 10 s: exactly 30 tokens, no rounding loss.
  for (uint64_t t = 1000; t <= 10'000'000; t += 1000) taken += b.TryTake(t);
  EXPECT_EQ(taken, 30);
}

TEST(TokenBucketTest, NeverHoldsMoreThanTheBurst) {
  TokenBucket b(1000, 5);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(b.TryTake(0));
  // An hour idle refills only to the burst, and the huge gap cannot overflow.
  const uint64_t later = 3600ull * 1'000'000;
  int taken = 0;
  for (int i = 0; i < 10; ++i) taken += b.TryTake(later);
  EXPECT_EQ(taken, 5);
  const uint64_t far = ~uint64_t{0} - 1;
  taken = 0;
  for (int i = 0; i < 10; ++i) taken += b.TryTake(far);
  EXPECT_EQ(taken, 5);
}

TEST(TokenBucketTest, TimeGoingBackwardsRefillsNothing) {
  TokenBucket b(10, 1);
  ASSERT_TRUE(b.TryTake(10'000'000));
  EXPECT_FALSE(b.TryTake(1'000'000));
  // The earlier reading did not move the reference point either.
  EXPECT_FALSE(b.TryTake(10'099'999));
  EXPECT_TRUE(b.TryTake(10'100'000));
}

TEST(TokenBucketTest, ZeroRateIsUnlimited) {
  TokenBucket b(0, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(b.TryTake(0));
}

TEST(TokenBucketTest, ZeroBurstMeansOne) {
  TokenBucket b(10, 0);
  EXPECT_EQ(b.burst(), 1u);
  EXPECT_TRUE(b.TryTake(0));
  EXPECT_FALSE(b.TryTake(0));
}

}  // namespace
}  // namespace synx::tcp
