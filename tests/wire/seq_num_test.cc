// seq_num_test.cc — modulo-2^32 sequence arithmetic (RFC 9293 §3.4,
// RFC 1982 serial-number comparison).

#include "wire/seq_num.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace synx::wire {
namespace {

TEST(SeqNumTest, AdditionWraps) {
  EXPECT_EQ((SeqNum(0xffffffffu) + 1).value(), 0u);
  EXPECT_EQ((SeqNum(0xfffffff0u) + 0x20).value(), 0x10u);
  EXPECT_EQ((SeqNum(5) - 10).value(), 0xfffffffbu);
  SeqNum s(0xfffffffeu);
  s += 3;
  EXPECT_EQ(s.value(), 1u);
}

TEST(SeqNumTest, SignedDistance) {
  EXPECT_EQ(SeqNum(10) - SeqNum(3), 7);
  EXPECT_EQ(SeqNum(3) - SeqNum(10), -7);
  EXPECT_EQ(SeqNum(2) - SeqNum(0xfffffffeu), 4);
  EXPECT_EQ(SeqNum(0xfffffffeu) - SeqNum(2), -4);
}

TEST(SeqNumTest, ComparisonAcrossWrap) {
  const SeqNum before(0xfffffff0u);
  const SeqNum after(0x10);
  EXPECT_TRUE(before < after);
  EXPECT_TRUE(before <= after);
  EXPECT_FALSE(before > after);
  EXPECT_FALSE(before >= after);
  EXPECT_TRUE(after > before);
  EXPECT_TRUE(after >= before);
  EXPECT_FALSE(after < before);
  // Raw integers would say the opposite; that is the point of the type.
  EXPECT_GT(before.value(), after.value());
}

TEST(SeqNumTest, EqualIsNeitherLessNorGreater) {
  const SeqNum a(12345);
  EXPECT_TRUE(a == SeqNum(12345));
  EXPECT_FALSE(a < a);
  EXPECT_FALSE(a > a);
  EXPECT_TRUE(a <= a);
  EXPECT_TRUE(a >= a);
}

// The largest forward distance that still compares as "after" is 2^31 - 1.
// Exactly 2^31 apart is undefined in RFC 1982 §3.2; here the difference is
// INT32_MIN either way, so each compares below the other. Pinned so that a
// change of that corner is noticed.
TEST(SeqNumTest, HalfSpaceBoundary) {
  const SeqNum a(100);
  EXPECT_TRUE(a < a + 0x7fffffffu);
  EXPECT_TRUE(a + 0x7fffffffu > a);
  EXPECT_TRUE(a + 0x80000000u < a);
  EXPECT_TRUE(a < a + 0x80000000u);
  EXPECT_TRUE(a > a + 0x80000001u);
}

struct RangeCase {
  uint32_t lo, hi, x;
  bool open_closed;  // lo < x <= hi
  bool closed_open;  // lo <= x < hi
};

class SeqNumRangeTest : public ::testing::TestWithParam<RangeCase> {};

TEST_P(SeqNumRangeTest, Ranges) {
  const RangeCase& c = GetParam();
  EXPECT_EQ(SeqNum(c.x).InOpenClosed(SeqNum(c.lo), SeqNum(c.hi)), c.open_closed);
  EXPECT_EQ(SeqNum(c.x).InClosedOpen(SeqNum(c.lo), SeqNum(c.hi)), c.closed_open);
}

INSTANTIATE_TEST_SUITE_P(
    Edges, SeqNumRangeTest,
    ::testing::Values(
        // Plain range (100, 200].
        RangeCase{100, 200, 99, false, false},
        RangeCase{100, 200, 100, false, true},   // lo itself
        RangeCase{100, 200, 101, true, true},
        RangeCase{100, 200, 199, true, true},
        RangeCase{100, 200, 200, true, false},   // hi itself
        RangeCase{100, 200, 201, false, false},
        // Range straddling the wrap: (0xfffffff0, 0x10].
        RangeCase{0xfffffff0u, 0x10, 0xffffffefu, false, false},
        RangeCase{0xfffffff0u, 0x10, 0xfffffff0u, false, true},
        RangeCase{0xfffffff0u, 0x10, 0xffffffffu, true, true},
        RangeCase{0xfffffff0u, 0x10, 0x0, true, true},
        RangeCase{0xfffffff0u, 0x10, 0x10, true, false},
        RangeCase{0xfffffff0u, 0x10, 0x11, false, false},
        // Empty ranges: lo == hi holds nothing either way.
        RangeCase{7, 7, 7, false, false},
        RangeCase{7, 7, 8, false, false},
        // One-element ranges: (ISS, ISS+1] is exactly ISS+1, the only
        // acceptable ACK of a SYN (RFC 9293 §3.10.7.3).
        RangeCase{0xffffffffu, 0, 0, true, false},
        RangeCase{0xffffffffu, 0, 0xffffffffu, false, true},
        RangeCase{0xffffffffu, 0, 1, false, false}));

}  // namespace
}  // namespace synx::wire
