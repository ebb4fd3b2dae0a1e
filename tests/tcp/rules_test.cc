// The shared rules (rules.h), the TCB's derived send variables, names.

#include "tcp/rules.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tcp/action.h"
#include "tcp/responder.h"
#include "tcp/state.h"
#include "tcp/tcb.h"
#include "wire/drop_reason.h"

namespace synx::tcp {
namespace {

using wire::SeqNum;
using wire::TcpFlags;

// §3.10.7.4's acceptability table, every cell, at a wrap-around.
TEST(SegmentAcceptableTest, TheFourCasesOfTheTable) {
  struct Row {
    uint32_t seq;
    uint32_t len;
    uint32_t wnd;
    bool want;
  };
  const uint32_t nxt = 0xfffffff0u;  // the window [nxt, nxt+100) wraps
  const Row rows[] = {
      // SEG.LEN = 0, RCV.WND = 0: only SEG.SEQ = RCV.NXT.
      {nxt, 0, 0, true},
      {nxt + 1, 0, 0, false},
      {nxt - 1, 0, 0, false},
      // SEG.LEN = 0, RCV.WND > 0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND.
      {nxt, 0, 100, true},
      {nxt + 99, 0, 100, true},
      {nxt + 100, 0, 100, false},
      {nxt - 1, 0, 100, false},
      // SEG.LEN > 0, RCV.WND = 0: never.
      {nxt, 1, 0, false},
      {nxt - 1, 5, 0, false},
      // SEG.LEN > 0, RCV.WND > 0: first or last byte in the window.
      {nxt, 10, 100, true},
      {nxt - 5, 10, 100, true},    // starts before, ends inside
      {nxt - 10, 10, 100, false},  // ends at RCV.NXT-1
      {nxt + 99, 10, 100, true},   // starts at the last byte
      {nxt + 100, 1, 100, false},
      {nxt - 10, 200, 100, false},  // covers the window: neither end inside
  };
  for (const Row& r : rows) {
    EXPECT_EQ(SegmentAcceptable(SeqNum(r.seq), r.len, SeqNum(nxt), r.wnd),
              r.want)
        << "seq=nxt" << static_cast<int32_t>(r.seq - nxt) << " len=" << r.len
        << " wnd=" << r.wnd;
  }
}

TEST(CheckRstTest, ExactInWindowOutside) {
  const SeqNum nxt(1000);
  EXPECT_EQ(CheckRst(SeqNum(1000), nxt, 100), RstCheck::kReset);
  EXPECT_EQ(CheckRst(SeqNum(1001), nxt, 100), RstCheck::kChallenge);
  EXPECT_EQ(CheckRst(SeqNum(1099), nxt, 100), RstCheck::kChallenge);
  EXPECT_EQ(CheckRst(SeqNum(1100), nxt, 100), RstCheck::kOutside);
  EXPECT_EQ(CheckRst(SeqNum(999), nxt, 100), RstCheck::kOutside);
  EXPECT_EQ(CheckRst(SeqNum(1000), nxt, 0), RstCheck::kReset);
  EXPECT_EQ(CheckRst(SeqNum(1001), nxt, 0), RstCheck::kOutside);
}

TEST(ResetForTest, AckSetUsesSegAck) {
  wire::TcpSegment seg;
  seg.flags = TcpFlags(TcpFlags::kAck | TcpFlags::kPsh);
  seg.seq = SeqNum(5);
  seg.ack = SeqNum(0xdeadbeef);
  seg.payload_len = 100;
  const wire::TcpReply r = ResetFor(seg, 33);
  EXPECT_EQ(r.flags, TcpFlags(TcpFlags::kRst));
  EXPECT_EQ(r.seq, SeqNum(0xdeadbeef));
  EXPECT_EQ(r.ack, SeqNum(0));
  EXPECT_EQ(r.window, 0);
  EXPECT_FALSE(r.timestamps);
  EXPECT_EQ(r.ttl, 33);
}

TEST(ResetForTest, AckClearAcknowledgesSegLen) {
  wire::TcpSegment seg;
  seg.flags = TcpFlags(TcpFlags::kSyn | TcpFlags::kFin);
  seg.seq = SeqNum(0xfffffffe);
  seg.payload_len = 3;
  const wire::TcpReply r = ResetFor(seg, 64);
  EXPECT_EQ(r.flags, TcpFlags(TcpFlags::kRst | TcpFlags::kAck));
  EXPECT_EQ(r.seq, SeqNum(0));
  EXPECT_EQ(r.ack, SeqNum(3));  // 0xfffffffe + 3 + SYN + FIN, wrapped
}

TEST(BackoffTest, DoublesAndCaps) {
  EXPECT_EQ(Backoff(1000, 60'000, 0), 1000u);
  EXPECT_EQ(Backoff(1000, 60'000, 1), 2000u);
  EXPECT_EQ(Backoff(1000, 60'000, 5), 32'000u);
  EXPECT_EQ(Backoff(1000, 60'000, 6), 60'000u);
  EXPECT_EQ(Backoff(1000, 60'000, 200), 60'000u);  // no shift overflow
  EXPECT_EQ(Backoff(0xffffffffu, 0xffffffffu, 40), 0xffffffffu);
}

TEST(ChallengeTokenTest, PerSecondEpochs) {
  Tcb t;
  const uint64_t s = 5'000'000;
  EXPECT_TRUE(TakeChallengeToken(t, s, 2));
  EXPECT_TRUE(TakeChallengeToken(t, s + 999'999, 2));
  EXPECT_FALSE(TakeChallengeToken(t, s + 999'999, 2));
  EXPECT_EQ(t.challenge_count, 2);
  EXPECT_TRUE(TakeChallengeToken(t, s + 1'000'000, 2));
  EXPECT_EQ(t.challenge_count, 1);
  EXPECT_EQ(t.challenge_epoch, 6);
}

TEST(ChallengeTokenTest, EpochCounterWrapsAt256Seconds) {
  Tcb t;
  ASSERT_TRUE(TakeChallengeToken(t, 3'000'000, 1));
  EXPECT_FALSE(TakeChallengeToken(t, 3'500'000, 1));
  // 256 s later the epoch byte is the same again: the documented cost is
  // one suppressed challenge, not a stuck flow.
  EXPECT_FALSE(TakeChallengeToken(t, 259'000'000, 1));
  EXPECT_TRUE(TakeChallengeToken(t, 260'000'000, 1));
}

TEST(TcbTest, FitsTheBudget) {
  EXPECT_LE(sizeof(Tcb), 24u);
  // With an IPv6 key (two addresses, two ports) one entry is a cache line.
  EXPECT_LE(sizeof(Tcb) + 16 + 16 + 2 + 2, 64u);
}

TEST(TcbTest, SendVariablesFollowTheState) {
  struct Row {
    State state;
    uint32_t una;
    uint32_t nxt;
  };
  const Row rows[] = {
      {State::kSynSent, 0, 1},     {State::kSynReceived, 0, 1},
      {State::kEstablished, 1, 1}, {State::kCloseWait, 1, 1},
      {State::kFinWait1, 1, 2},    {State::kClosing, 1, 2},
      {State::kLastAck, 1, 2},     {State::kFinWait2, 2, 2},
      {State::kTimeWait, 2, 2},
  };
  for (const Row& r : rows) {
    Tcb t;
    t.iss = SeqNum(0xffffffffu);
    t.state = r.state;
    EXPECT_EQ(t.SndUna(), t.iss + r.una) << StateName(r.state);
    EXPECT_EQ(t.SndNxt(), t.iss + r.nxt) << StateName(r.state);
  }
}

TEST(TcbTest, WindowScalesShareOneByte) {
  Tcb t;
  t.SetWindowScales(14, 7);
  EXPECT_EQ(t.snd_wscale(), 14);
  EXPECT_EQ(t.rcv_wscale(), 7);
}

TEST(HalfOpenDeltaTest, CountsSynReceivedEntries) {
  Tcb syn_rcvd;
  syn_rcvd.state = State::kSynReceived;
  Tcb est;
  est.state = State::kEstablished;
  Action a;
  a.tcb_op = TcbOp::kCreate;
  a.tcb = syn_rcvd;
  EXPECT_EQ(HalfOpenDelta(nullptr, a), 1);
  a.tcb = est;
  EXPECT_EQ(HalfOpenDelta(nullptr, a), 0);
  a.tcb_op = TcbOp::kUpdate;
  EXPECT_EQ(HalfOpenDelta(&syn_rcvd, a), -1);
  a.tcb = syn_rcvd;
  EXPECT_EQ(HalfOpenDelta(&est, a), 1);  // TIME-WAIT reuse and the like
  EXPECT_EQ(HalfOpenDelta(&syn_rcvd, a), 0);
  a.tcb_op = TcbOp::kErase;
  EXPECT_EQ(HalfOpenDelta(&syn_rcvd, a), -1);
  EXPECT_EQ(HalfOpenDelta(&est, a), 0);
  a.tcb_op = TcbOp::kNone;
  EXPECT_EQ(HalfOpenDelta(&syn_rcvd, a), 0);
  EXPECT_EQ(HalfOpenDelta(nullptr, a), 0);
}

TEST(InboundTupleTest, LocalIsTheDestination) {
  wire::Frame f;
  f.kind = wire::FrameKind::kTcp;
  f.src = *wire::IpAddr::Parse("198.18.0.2");
  f.dst = *wire::IpAddr::Parse("198.18.0.1");
  f.tcp.sport = 40000;
  f.tcp.dport = 80;
  const cookie::FlowTuple t = InboundTuple(f);
  EXPECT_EQ(t.local, f.dst);
  EXPECT_EQ(t.remote, f.src);
  EXPECT_EQ(t.local_port, 80);
  EXPECT_EQ(t.remote_port, 40000);
}

TEST(NamesTest, EventNamesAreDistinctSnakeCase) {
  std::set<std::string> seen;
  for (int i = 0; i < kEventCount; ++i) {
    const std::string name(EventName(static_cast<Event>(i)));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"),
              std::string::npos)
        << name;
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_FALSE(EventHelp(static_cast<Event>(i)).empty());
  }
  EXPECT_EQ(EventName(Event::kCount), "invalid");
}

TEST(NamesTest, DropReasonNamesStayDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < wire::kDropReasonCount; ++i) {
    const std::string name(
        wire::DropReasonName(static_cast<wire::DropReason>(i)));
    EXPECT_TRUE(seen.insert(name).second) << name;
  }
  EXPECT_EQ(wire::DropReasonName(wire::DropReason::kTcpOutOfWindow),
            "tcp_out_of_window");
}

TEST(NamesTest, StateNamesAreTheRfcs) {
  EXPECT_EQ(StateName(State::kSynReceived), "SYN-RECEIVED");
  EXPECT_EQ(StateName(State::kFinWait1), "FIN-WAIT-1");
  EXPECT_EQ(StateName(State::kLastAck), "LAST-ACK");
  EXPECT_FALSE(IsSynchronized(State::kSynReceived));
  EXPECT_TRUE(IsSynchronized(State::kEstablished));
  EXPECT_TRUE(IsSynchronized(State::kTimeWait));
}

}  // namespace
}  // namespace synx::tcp
