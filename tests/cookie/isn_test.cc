// isn_test.cc — RFC 6528 ISNs and per-flow timestamp offsets.

#include "cookie/isn.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace synx::cookie {
namespace {

using testing::CountingMaster;
using testing::MasterFilledWith;
using testing::TupleV4;
using testing::TupleV6;
using testing::V4;
using wire::SeqNum;

std::vector<FlowTuple> NeighbourTuples() {
  // The base tuple and one change of each field.
  std::vector<FlowTuple> v = {TupleV4(), TupleV6()};
  FlowTuple t = TupleV4();
  t.local = V4(198, 19, 0, 2);
  v.push_back(t);
  t = TupleV4();
  t.remote = V4(198, 18, 0, 2);
  v.push_back(t);
  t = TupleV4();
  t.local_port = 81;
  v.push_back(t);
  t = TupleV4();
  t.remote_port = 40001;
  v.push_back(t);
  t = TupleV4();
  std::swap(t.local, t.remote);
  std::swap(t.local_port, t.remote_port);
  v.push_back(t);
  return v;
}

TEST(Isn, AdvancesByOnePerFourMicroseconds) {
  const FlowSecrets s = FlowSecrets::FromMaster(CountingMaster());
  const FlowTuple t = TupleV4();
  const uint64_t t0 = 1'000'000'000'000;  // divisible by 4
  const SeqNum base = s.Isn(t, t0);
  EXPECT_EQ(s.Isn(t, t0 + 3), base);
  EXPECT_EQ(s.Isn(t, t0 + 4), base + 1);
  EXPECT_EQ(s.Isn(t, t0 + 4'000'000), base + 1'000'000);
  // Monotonic (RFC 1982 order) over any span shorter than half the wrap,
  // 2^31 ticks of 4 µs ≈ 2.4 h.
  SeqNum prev = base;
  for (uint64_t us = t0 + 4; us < t0 + 8'000'000'000; us += 123'456'789) {
    const SeqNum isn = s.Isn(t, us);
    EXPECT_GT(isn, prev) << us;
    EXPECT_EQ(isn - base, static_cast<int32_t>((us - t0) >> 2)) << us;
    prev = isn;
  }
}

TEST(Isn, DiffersAcrossTuplesAtTheSameInstant) {
  const FlowSecrets s = FlowSecrets::FromMaster(CountingMaster());
  std::set<uint32_t> seen;
  for (const FlowTuple& t : NeighbourTuples()) {
    seen.insert(s.Isn(t, 4'000'000).value());
  }
  EXPECT_EQ(seen.size(), NeighbourTuples().size());
}

TEST(Isn, DependsOnTheSecret) {
  const FlowSecrets a = FlowSecrets::FromMaster(MasterFilledWith(1));
  const FlowSecrets b = FlowSecrets::FromMaster(MasterFilledWith(2));
  EXPECT_NE(a.Isn(TupleV4(), 0), b.Isn(TupleV4(), 0));
  EXPECT_EQ(a.Isn(TupleV4(), 0),
            FlowSecrets::FromMaster(MasterFilledWith(1)).Isn(TupleV4(), 0));
}

TEST(TsOffset, DiffersAcrossTuplesAndIsStableForOne) {
  const FlowSecrets s = FlowSecrets::FromMaster(CountingMaster());
  const FlowSecrets same = FlowSecrets::FromMaster(CountingMaster());
  std::set<uint32_t> seen;
  for (const FlowTuple& t : NeighbourTuples()) {
    seen.insert(s.TsOffset(t));
    EXPECT_EQ(s.TsOffset(t), s.TsOffset(t));
    EXPECT_EQ(s.TsOffset(t), same.TsOffset(t));  // another appliance, one file
  }
  EXPECT_EQ(seen.size(), NeighbourTuples().size());
}

TEST(TsOffset, TsValIsOffsetPlusMillisecondsAndWraps) {
  const FlowSecrets s = FlowSecrets::FromMaster(CountingMaster());
  const uint32_t off = s.TsOffset(TupleV6());
  EXPECT_EQ(s.TsVal(TupleV6(), 0), off);
  EXPECT_EQ(s.TsVal(TupleV6(), 1234), off + 1234u);
  EXPECT_EQ(s.TsVal(TupleV6(), (uint64_t{1} << 32) + 5), off + 5u);
}

TEST(TsOffset, IsTheOtherHalfOfTheIsnHash) {
  // With M = 0 the ISN is the bare keyed hash's low half; the TS offset of
  // the same tuple is the high half, not equal to it (a host leaking one
  // must not leak the other: the halves of a PRF output are independent).
  // ForConnection gives both from one SipHash, equal to the separate calls.
  const FlowSecrets s = FlowSecrets::FromMaster(CountingMaster());
  for (const FlowTuple& t : NeighbourTuples()) {
    EXPECT_NE(s.TsOffset(t), s.Isn(t, 0).value());
    const IsnAndTsOffset both = s.ForConnection(t, 4'000'000);
    EXPECT_EQ(both.isn, s.Isn(t, 4'000'000));
    EXPECT_EQ(both.ts_offset, s.TsOffset(t));
  }
}

}  // namespace
}  // namespace synx::cookie
