#include "flow/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "flow_test_util.h"

namespace synx::flow {
namespace {

using testing::AlignedMemory;
using testing::AllocAligned;

constexpr uint32_t kNoBudget = UINT32_MAX;

struct TestWheel {
  explicit TestWheel(uint32_t num_ids, uint32_t num_slots,
                     uint64_t start_tick = 0)
      : options{num_ids, num_slots, start_tick},
        mem(AllocAligned(TimerWheel::MemoryBytes(options))),
        wheel(std::move(TimerWheel::Create(options, mem.get(),
                                           TimerWheel::MemoryBytes(options))
                            .value())) {}

  // Advance with room for every id and no visit budget; returns the ids fired.
  std::vector<uint32_t> Fire(uint64_t now) {
    std::vector<FlowHandle> out(options.num_ids);
    const AdvanceResult r = wheel.Advance(now, out, kNoBudget);
    EXPECT_TRUE(r.caught_up);
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < r.fired; ++i) ids.push_back(out[i].index);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  TimerWheelOptions options;
  AlignedMemory mem;
  TimerWheel wheel;
};

using Ids = std::vector<uint32_t>;

TEST(TimerWheelTest, CreateRejectsBadOptionsAndMemory) {
  alignas(64) static uint8_t buf[1 << 12];
  EXPECT_EQ(TimerWheel::Create({0, 8, 0}, buf, sizeof(buf)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TimerWheel::Create({8, 0, 0}, buf, sizeof(buf)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TimerWheel::Create({8, 12, 0}, buf, sizeof(buf)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TimerWheel::Create({8, 8, 0}, buf + 8, 1000).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TimerWheel::Create({8, 8, 0}, buf, 100).status().code(),
            absl::StatusCode::kInvalidArgument);
  // 16 + 4 bytes per id (each array rounded to a line) plus 8 per slot.
  EXPECT_EQ(TimerWheel::MemoryBytes({8, 8, 0}), 128u + 64u + 64u);
  EXPECT_EQ(TimerWheel::MemoryBytes({5, 16, 0}), 128u + 64u + 128u);
  EXPECT_TRUE(TimerWheel::Create({8, 8, 0}, buf, sizeof(buf)).ok());
}

TEST(TimerWheelTest, FiresAtExactlyTheArmedTick) {
  TestWheel w(16, 64, /*start_tick=*/1000);
  w.wheel.Arm(FlowHandle{3}, 1010);
  EXPECT_TRUE(w.wheel.IsArmed(FlowHandle{3}));
  EXPECT_EQ(w.wheel.expiry(FlowHandle{3}), 1010u);
  EXPECT_EQ(w.wheel.armed(), 1u);
  for (uint64_t now = 1001; now < 1010; ++now) {
    EXPECT_EQ(w.Fire(now), Ids{}) << now;
  }
  EXPECT_EQ(w.Fire(1010), Ids{3});
  EXPECT_FALSE(w.wheel.IsArmed(FlowHandle{3}));
  EXPECT_EQ(w.wheel.expiry(FlowHandle{3}), TimerWheel::kUnarmed);
  EXPECT_EQ(w.wheel.armed(), 0u);
  EXPECT_EQ(w.Fire(1011), Ids{});
  EXPECT_EQ(w.wheel.done_tick(), 1011u);
}

TEST(TimerWheelTest, CancelStopsATimer) {
  TestWheel w(16, 64);
  w.wheel.Arm(FlowHandle{1}, 5);
  w.wheel.Arm(FlowHandle{2}, 5);
  EXPECT_TRUE(w.wheel.Cancel(FlowHandle{1}));
  EXPECT_FALSE(w.wheel.Cancel(FlowHandle{1}));
  EXPECT_FALSE(w.wheel.Cancel(FlowHandle{9}));
  EXPECT_EQ(w.wheel.armed(), 1u);
  EXPECT_EQ(w.Fire(10), Ids{2});
  EXPECT_EQ(w.wheel.armed(), 0u);
}

TEST(TimerWheelTest, RearmReplacesTheExpiry) {
  TestWheel w(16, 64);
  w.wheel.Arm(FlowHandle{4}, 10);
  w.wheel.Arm(FlowHandle{4}, 20);  // later: SYN+ACK retransmission back-off
  EXPECT_EQ(w.wheel.armed(), 1u);
  EXPECT_EQ(w.Fire(19), Ids{});
  EXPECT_EQ(w.Fire(20), Ids{4});
  w.wheel.Arm(FlowHandle{4}, 40);
  w.wheel.Arm(FlowHandle{4}, 25);  // earlier
  EXPECT_EQ(w.Fire(24), Ids{});
  EXPECT_EQ(w.Fire(25), Ids{4});
  EXPECT_EQ(w.Fire(40), Ids{});
}

// The idle timer of a connection: every segment re-arms it later, which is
// lazy (one store). A connection active since the timer was linked must not
// expire when the old tick comes; it fires at the tick of its last re-arm,
// as an eager re-link would; a connection idle since its arm fires on time.
TEST(TimerWheelTest, LazyRearmLaterFiresAtTheLastArmNotTheFirst) {
  TestWheel w(16, 64);
  w.wheel.Arm(FlowHandle{1}, 100);  // active: re-armed by segments
  w.wheel.Arm(FlowHandle{2}, 100);  // idle: never re-armed
  EXPECT_EQ(w.Fire(30), Ids{});
  w.wheel.Arm(FlowHandle{1}, 130);  // a segment at 30, timeout 100
  EXPECT_EQ(w.wheel.expiry(FlowHandle{1}), 130u);
  EXPECT_EQ(w.Fire(90), Ids{});
  w.wheel.Arm(FlowHandle{1}, 190);  // a segment at 90
  EXPECT_EQ(w.wheel.expiry(FlowHandle{1}), 190u);
  EXPECT_EQ(w.Fire(99), Ids{});
  EXPECT_EQ(w.Fire(100), Ids{2});  // the idle one, at its tick
  EXPECT_EQ(w.wheel.armed(), 1u);
  EXPECT_EQ(w.wheel.expiry(FlowHandle{1}), 190u);
  for (uint64_t now = 101; now < 190; ++now) {
    EXPECT_EQ(w.Fire(now), Ids{}) << now;  // re-linked, not fired
  }
  EXPECT_EQ(w.Fire(190), Ids{1});
  EXPECT_EQ(w.wheel.armed(), 0u);
}

// Lazy re-arms mixed with the other operations: an earlier re-arm after a
// lazy one, Cancel of a lazily extended timer, an extension that lands in
// the bucket being walked, and one re-armed again after its re-link.
TEST(TimerWheelTest, LazyRearmThenEarlierThenCancel) {
  TestWheel w(16, 8);
  w.wheel.Arm(FlowHandle{3}, 10);
  w.wheel.Arm(FlowHandle{3}, 50);  // lazy
  w.wheel.Arm(FlowHandle{3}, 20);  // still later than 10: lazy, shorter
  EXPECT_EQ(w.wheel.expiry(FlowHandle{3}), 20u);
  w.wheel.Arm(FlowHandle{3}, 5);   // earlier than linked: re-linked now
  EXPECT_EQ(w.Fire(5), Ids{3});
  w.wheel.Arm(FlowHandle{4}, 6);
  w.wheel.Arm(FlowHandle{4}, 6 + 8);  // one revolution: the same bucket
  EXPECT_EQ(w.Fire(6), Ids{});
  EXPECT_EQ(w.Fire(13), Ids{});
  w.wheel.Arm(FlowHandle{4}, 30);  // lazy again after the re-link
  EXPECT_EQ(w.Fire(14), Ids{});
  EXPECT_EQ(w.Fire(29), Ids{});
  EXPECT_EQ(w.Fire(30), Ids{4});
  w.wheel.Arm(FlowHandle{5}, 40);
  w.wheel.Arm(FlowHandle{5}, 45);
  EXPECT_TRUE(w.wheel.Cancel(FlowHandle{5}));
  EXPECT_EQ(w.wheel.expiry(FlowHandle{5}), TimerWheel::kUnarmed);
  EXPECT_EQ(w.Fire(60), Ids{});
  w.wheel.Arm(FlowHandle{5}, 70);  // armed afresh: no stale extension
  EXPECT_EQ(w.wheel.expiry(FlowHandle{5}), 70u);
  EXPECT_EQ(w.Fire(70), Ids{5});
  EXPECT_EQ(w.wheel.armed(), 0u);
}

// A timer several revolutions out shares its bucket with nearer ticks; it
// must be skipped each time round and fire at its own tick.
TEST(TimerWheelTest, FarFutureTimerFiresAtItsTickNotARevolutionEarly) {
  TestWheel w(16, 8);
  w.wheel.Arm(FlowHandle{7}, 3 + 8 * 5);
  w.wheel.Arm(FlowHandle{8}, 3);
  w.wheel.Arm(FlowHandle{9}, 3 + 8);
  for (uint64_t now = 1; now <= 60; ++now) {
    const Ids fired = w.Fire(now);
    if (now == 3) {
      EXPECT_EQ(fired, Ids{8});
    } else if (now == 11) {
      EXPECT_EQ(fired, Ids{9});
    } else if (now == 43) {
      EXPECT_EQ(fired, Ids{7});
    } else {
      EXPECT_EQ(fired, Ids{}) << now;
    }
  }
}

TEST(TimerWheelTest, OverdueArmFiresOnTheNextTick) {
  TestWheel w(16, 8, /*start_tick=*/100);
  w.wheel.Arm(FlowHandle{1}, 50);
  w.wheel.Arm(FlowHandle{2}, 100);
  EXPECT_EQ(w.wheel.expiry(FlowHandle{1}), 101u);
  EXPECT_EQ(w.wheel.expiry(FlowHandle{2}), 101u);
  EXPECT_EQ(w.Fire(100), Ids{});  // time did not move
  EXPECT_EQ(w.Fire(101), (Ids{1, 2}));
}

// A poll that comes late (a jump of many revolutions) fires everything due,
// visits each bucket once, and leaves later timers armed.
TEST(TimerWheelTest, JumpFiresEverythingDueAndNothingElse) {
  TestWheel w(64, 8);
  for (uint32_t id = 0; id < 64; ++id) w.wheel.Arm(FlowHandle{id}, 1 + id * 3);
  Ids due;
  for (uint32_t id = 0; id < 64; ++id) {
    if (1 + id * 3 <= 100) due.push_back(id);
  }
  EXPECT_EQ(w.Fire(100), due);
  EXPECT_EQ(w.wheel.armed(), 64u - due.size());
  EXPECT_EQ(w.wheel.done_tick(), 100u);
  EXPECT_EQ(w.Fire(103), Ids{34});
  // With a budget the jump still costs at most num_slots bucket visits.
  TestWheel v(4, 8);
  v.wheel.Arm(FlowHandle{0}, 1'000'000);
  std::vector<FlowHandle> out(4);
  const AdvanceResult r = v.wheel.Advance(999'999, out, /*max_visits=*/9);
  EXPECT_TRUE(r.caught_up);
  EXPECT_EQ(r.fired, 0u);
  EXPECT_EQ(v.Fire(1'000'000), Ids{0});
}

TEST(TimerWheelTest, ManyTimersInOneSlot) {
  constexpr uint32_t kN = 10000;
  TestWheel w(kN, 16);
  for (uint32_t id = 0; id < kN; ++id) {
    // Half due at tick 5, half at 5 + 16 * k: all in bucket 5.
    w.wheel.Arm(FlowHandle{id}, id % 2 == 0 ? 5 : 5 + 16 * (1 + id % 7));
  }
  const Ids fired = w.Fire(5);
  ASSERT_EQ(fired.size(), kN / 2);
  for (uint32_t i = 0; i < fired.size(); ++i) EXPECT_EQ(fired[i], 2 * i);
  EXPECT_EQ(w.wheel.armed(), kN / 2);
  EXPECT_EQ(w.Fire(21).size(), 714u);  // odd ids with id % 7 == 0: k = 1
}

// Advance never fires more than its output holds; the rest fire in the
// following calls, each exactly once.
TEST(TimerWheelTest, OutputSizeBoundsEachAdvance) {
  TestWheel w(100, 16);
  for (uint32_t id = 0; id < 100; ++id) w.wheel.Arm(FlowHandle{id}, 7);
  std::set<uint32_t> seen;
  std::vector<FlowHandle> out(10);
  int calls = 0;
  for (;;) {
    const AdvanceResult r = w.wheel.Advance(7, out, kNoBudget);
    ++calls;
    ASSERT_LE(r.fired, 10u);
    for (uint32_t i = 0; i < r.fired; ++i) {
      EXPECT_TRUE(seen.insert(out[i].index).second) << "fired twice";
    }
    if (r.caught_up) break;
    ASSERT_LT(calls, 20);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(calls, 10);  // the tenth empties the bucket and catches up
}

// The visit budget bounds the work of one call even when a bucket is full
// of timers that are not due; the walk resumes where it stopped.
TEST(TimerWheelTest, VisitBudgetBoundsEachAdvanceAndResumes) {
  TestWheel w(40, 8);
  for (uint32_t id = 0; id < 30; ++id) w.wheel.Arm(FlowHandle{id}, 2 + 8 * 10);
  for (uint32_t id = 30; id < 40; ++id) w.wheel.Arm(FlowHandle{id}, 2);
  std::vector<FlowHandle> out(40);
  Ids fired;
  int calls = 0;
  for (;;) {
    const AdvanceResult r = w.wheel.Advance(2, out, /*max_visits=*/5);
    ++calls;
    for (uint32_t i = 0; i < r.fired; ++i) fired.push_back(out[i].index);
    if (r.caught_up) break;
    ASSERT_LT(calls, 100);
  }
  std::sort(fired.begin(), fired.end());
  EXPECT_EQ(fired, (Ids{30, 31, 32, 33, 34, 35, 36, 37, 38, 39}));
  // 2 bucket visits + 40 node visits at 5 per call: at least 9 calls; had a
  // call restarted its bucket from the head it would never get past the 30
  // timers that are not due.
  EXPECT_GE(calls, 9);
  EXPECT_LE(calls, 10);
  EXPECT_EQ(w.wheel.armed(), 30u);
}

// Cancelling (or re-arming) the very timer a suspended walk would visit next,
// and arming a timer for the tick being walked, keep the walk correct.
TEST(TimerWheelTest, ChangesDuringASuspendedWalk) {
  TestWheel w(16, 8);
  for (uint32_t id = 0; id < 6; ++id) w.wheel.Arm(FlowHandle{id}, 3);
  std::vector<FlowHandle> two(2);
  AdvanceResult r = w.wheel.Advance(3, two, kNoBudget);
  ASSERT_EQ(r.fired, 2u);
  ASSERT_FALSE(r.caught_up);
  EXPECT_EQ(two[0].index, 0u);
  EXPECT_EQ(two[1].index, 1u);
  EXPECT_TRUE(w.wheel.Cancel(FlowHandle{2}));  // the walk's next node
  w.wheel.Arm(FlowHandle{3}, 9);                // moved away
  w.wheel.Arm(FlowHandle{10}, 3);               // joins the walked bucket
  w.wheel.Arm(FlowHandle{0}, 3);                // fired, re-armed at once
  EXPECT_EQ(w.Fire(3), (Ids{0, 4, 5, 10}));
  EXPECT_EQ(w.Fire(9), Ids{3});

  // The walk's cursor at the end of the list: a timer armed then is found.
  TestWheel v(16, 8);
  v.wheel.Arm(FlowHandle{1}, 4);
  v.wheel.Arm(FlowHandle{2}, 4);
  std::vector<FlowHandle> one(1);
  r = v.wheel.Advance(4, one, kNoBudget);
  ASSERT_EQ(r.fired, 1u);
  EXPECT_TRUE(v.wheel.Cancel(FlowHandle{2}));
  v.wheel.Arm(FlowHandle{3}, 4);
  EXPECT_EQ(v.Fire(4), Ids{3});
}

// Random arms, re-arms, cancels and advances (with random budgets and output
// sizes) against a model: a timer fires once, never before its tick, and
// never later than the first caught-up Advance at or after its tick.
TEST(TimerWheelTest, RandomOperationsMatchAModel) {
  constexpr uint32_t kIds = 512;
  TestWheel w(kIds, 32);
  std::map<uint32_t, uint64_t> model;  // id → expiry
  uint64_t now = 0, rng = 5;
  std::vector<FlowHandle> out(kIds);
  for (int op = 0; op < 200'000; ++op) {
    rng = testing::Mix(rng);
    const uint32_t id = rng % kIds;
    switch ((rng >> 20) % 6) {
      case 0:
      case 1: {
        // Up to ~6 revolutions out, sometimes already overdue.
        const uint64_t ahead = now + (rng >> 30) % 200;
        const uint64_t expiry = ahead >= 10 ? ahead - 10 : 0;
        w.wheel.Arm(FlowHandle{id}, expiry);
        model[id] = std::max(expiry, w.wheel.done_tick() + 1);
        ASSERT_EQ(w.wheel.expiry(FlowHandle{id}), model[id]);
        break;
      }
      case 2:
        ASSERT_EQ(w.wheel.Cancel(FlowHandle{id}), model.erase(id) == 1);
        break;
      default: {
        now += (rng >> 40) % 4;
        const uint32_t room = 1 + (rng >> 44) % 64;
        const uint32_t budget = (rng >> 52) % 2 ? kNoBudget : 1 + (rng >> 54) % 64;
        const AdvanceResult r =
            w.wheel.Advance(now, std::span(out).first(room), budget);
        ASSERT_LE(r.fired, room);
        for (uint32_t i = 0; i < r.fired; ++i) {
          const auto it = model.find(out[i].index);
          ASSERT_NE(it, model.end()) << "fired an unarmed timer";
          ASSERT_LE(it->second, now) << "fired early";
          model.erase(it);
        }
        if (r.caught_up) {
          for (const auto& [mid, expiry] : model) {
            ASSERT_GT(expiry, now) << "id " << mid << " overdue after catch-up";
          }
        }
      }
    }
    ASSERT_EQ(w.wheel.armed(), model.size());
  }
}

}  // namespace
}  // namespace synx::flow
