// Every combination of FIN SYN RST PSH ACK URG (2^6) in every state, with and
// without agreed timestamps: no crash, a RST is never answered with a RST,
// and the outcome is exactly the one the table below writes down.
//
// The segment sits at RCV.NXT, carries no payload and (when ACK is set)
// acknowledges everything we sent, so only the flags decide. Two more positions (inside the window,
// and half the sequence space away) are swept for the invariants alone.

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

// No entry, nobody listening (CLOSED) and no entry, listening (LISTEN), then
// every state an entry can be in.
enum class Where : uint8_t {
  kClosed,
  kListen,
  kSynReceived,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kClosing,
  kTimeWait,
  kCloseWait,
  kLastAck,
};

constexpr Where kAllWhere[] = {
    Where::kClosed,   Where::kListen,   Where::kSynReceived, Where::kEstablished,
    Where::kFinWait1, Where::kFinWait2, Where::kClosing,     Where::kTimeWait,
    Where::kCloseWait, Where::kLastAck,
};

std::string WhereName(Where w) {
  switch (w) {
    case Where::kClosed: return "Closed";
    case Where::kListen: return "Listen";
    case Where::kSynReceived: return "SynReceived";
    case Where::kEstablished: return "Established";
    case Where::kFinWait1: return "FinWait1";
    case Where::kFinWait2: return "FinWait2";
    case Where::kClosing: return "Closing";
    case Where::kTimeWait: return "TimeWait";
    case Where::kCloseWait: return "CloseWait";
    case Where::kLastAck: return "LastAck";
  }
  return "?";
}

State StateOf(Where w) {
  switch (w) {
    case Where::kSynReceived: return State::kSynReceived;
    case Where::kEstablished: return State::kEstablished;
    case Where::kFinWait1: return State::kFinWait1;
    case Where::kFinWait2: return State::kFinWait2;
    case Where::kClosing: return State::kClosing;
    case Where::kTimeWait: return State::kTimeWait;
    case Where::kCloseWait: return State::kCloseWait;
    case Where::kLastAck: return State::kLastAck;
    default: return State::kClosed;
  }
}

struct Outcome {
  Verdict verdict;
  uint8_t reply_flags = 0;  // with kReply
  DropReason drop = DropReason::kNone;
  TcbOp tcb_op = TcbOp::kNone;
  uint32_t must_have = 0;   // events that must be among the action's
};

Outcome DropFor(DropReason r) { return {Verdict::kDrop, 0, r, TcbOp::kNone}; }
Outcome ReplyWith(uint8_t flags, TcbOp op, uint32_t events = 0) {
  return {Verdict::kReply, flags, DropReason::kNone, op, events};
}
Outcome ConsumeWith(TcbOp op, uint32_t events = 0) {
  return {Verdict::kConsume, 0, DropReason::kNone, op, events};
}

// One row: when (flags & mask) == want, the outcome. First match wins.
struct Row {
  uint8_t mask;
  uint8_t want;
  Outcome outcome;
};

// The written table (RFC 9293 §3.10.7, RFC 5961 §3/§4, synx's close-at-once
// choice for CLOSE-WAIT). PSH and URG never matter.
std::vector<Row> Table(Where w, bool ts) {
  const Outcome reset = ConsumeWith(TcbOp::kErase, Bit(Event::kRstRx));
  const Outcome challenge =
      ReplyWith(kAck, TcbOp::kUpdate, Bit(Event::kChallengeAckTx));
  const Outcome no_ack = DropFor(DropReason::kTcpNoAck);
  switch (w) {
    case Where::kClosed:
      return {{kRst, kRst, DropFor(DropReason::kTcpRstNoConnection)},
              {kAck, kAck, ReplyWith(kRst, TcbOp::kNone, Bit(Event::kRstTx))},
              {0, 0, ReplyWith(kRst | kAck, TcbOp::kNone, Bit(Event::kRstTx))}};
    case Where::kListen:
      return {{kRst, kRst, DropFor(DropReason::kTcpRstToListener)},
              {kAck, kAck, ReplyWith(kRst, TcbOp::kNone, Bit(Event::kRstTx))},
              {kSyn, kSyn,
               ReplyWith(kSyn | kAck, TcbOp::kCreate, Bit(Event::kSynRx))},
              {0, 0, DropFor(DropReason::kTcpListenNoSynAck)}};
    case Where::kSynReceived:
      // A SYN at RCV.NXT is not the peer's SYN again (that sits at IRS).
      return {{kRst, kRst, reset},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              {kFin, kFin,
               ReplyWith(kFin | kAck, TcbOp::kUpdate,
                         Bit(Event::kEstablished) | Bit(Event::kFinRx))},
              {0, 0, ConsumeWith(TcbOp::kUpdate, Bit(Event::kEstablished))}};
    case Where::kEstablished:
    case Where::kCloseWait:  // not stored by the responder; closes at once
      return {{kRst, kRst, reset},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              {kFin, kFin, ReplyWith(kFin | kAck, TcbOp::kUpdate)},
              {0, 0,
               w == Where::kEstablished
                   ? ConsumeWith(TcbOp::kUpdate)
                   : ReplyWith(kFin | kAck, TcbOp::kUpdate,
                               Bit(Event::kFinTx))}};
    case Where::kFinWait1:
    case Where::kFinWait2:
      // The ACK acknowledges our FIN; a FIN then leads to TIME-WAIT.
      return {{kRst, kRst, reset},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              {kFin, kFin,
               ReplyWith(kAck, TcbOp::kUpdate, Bit(Event::kFinRx))},
              {0, 0, ConsumeWith(TcbOp::kUpdate)}};
    case Where::kTimeWait:
      if (ts) {
        // RFC 6191: a SYN whose TSval is above TS.Recent reopens the
        // connection (without timestamps it would need SEG.SEQ > RCV.NXT,
        // and this one sits at RCV.NXT).
        return {{kRst, kRst, reset},
                {kSyn | kAck, kSyn,
                 ReplyWith(kSyn | kAck, TcbOp::kUpdate,
                           Bit(Event::kTimeWaitReused))},
                {kSyn, kSyn, challenge},
                {kAck, 0, no_ack},
                {0, 0, ConsumeWith(TcbOp::kUpdate)}};
      }
      [[fallthrough]];
    case Where::kClosing:
      // CLOSING's ACK of our FIN → TIME-WAIT; nothing after the peer's FIN
      // is text (a second FIN included).
      return {{kRst, kRst, reset},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              {0, 0, ConsumeWith(TcbOp::kUpdate)}};
    case Where::kLastAck:
      return {{kRst, kRst, reset},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              {0, 0, ConsumeWith(TcbOp::kErase, Bit(Event::kClosed))}};
  }
  return {};
}

constexpr uint32_t kIss = 0xabc00000;

Tcb EntryFor(Where w, bool ts) {
  Tcb t;
  t.iss = SeqNum(kIss);
  t.rcv_nxt = SeqNum(kIrs + 1);
  t.state = StateOf(w);
  t.flags = tcb_flag::kPassive;
  t.mss = 1460;
  if (ts) {
    t.flags |= tcb_flag::kTsOk;
    t.ts_recent = kPeerTsval;
    t.ts_offset = 4242;
  }
  return t;
}

using Param = std::tuple<Where, int /*flags*/, bool /*ts*/>;

class FlagSweepTest : public ResponderFixture,
                      public ::testing::WithParamInterface<Param> {
 protected:
  // The segment at `seq_offset` from RCV.NXT.
  Action Run(uint32_t seq_offset) {
    const auto [where, flags, ts] = GetParam();
    tcb_.reset();
    deadline_us_.reset();
    listening_ = where != Where::kClosed;
    SeqNum ack;
    if (where != Where::kClosed && where != Where::kListen) {
      tcb_ = EntryFor(where, ts);
      ack = tcb_->SndNxt();
    } else {
      ack = SeqNum(kIss + 1);
    }
    Seg s(static_cast<uint8_t>(flags));
    s.Seq(SeqNum(kIrs + 1) + seq_offset);
    if (flags & kAck) s.Ack(ack);  // the parser zeroes it otherwise
    if (ts) s.Ts(kPeerTsval + 1, 1);
    return Send(s);
  }
};

TEST_P(FlagSweepTest, OutcomeMatchesTheTable) {
  const auto [where, flags, ts] = GetParam();
  const Action a = Run(0);
  const Outcome* want = nullptr;
  const std::vector<Row> table = Table(where, ts);
  for (const Row& row : table) {
    if ((flags & row.mask) == row.want) {
      want = &row.outcome;
      break;
    }
  }
  ASSERT_NE(want, nullptr);
  EXPECT_EQ(a.verdict, want->verdict) << Describe(a);
  if (want->verdict == Verdict::kReply) {
    EXPECT_EQ(a.reply.flags, TcpFlags(want->reply_flags)) << Describe(a);
  }
  EXPECT_EQ(wire::DropReasonName(a.drop), wire::DropReasonName(want->drop));
  EXPECT_EQ(a.tcb_op, want->tcb_op) << Describe(a);
  EXPECT_EQ(a.events & want->must_have, want->must_have) << Describe(a);
}

TEST_P(FlagSweepTest, RstIsNeverAnsweredWithRst) {
  const int flags = std::get<1>(GetParam());
  for (uint32_t offset : {0u, 100u, 0x80000000u, 0xffffff00u}) {
    const Action a = Run(offset);
    if (a.verdict == Verdict::kReply && (flags & kRst)) {
      EXPECT_FALSE(a.reply.flags.rst()) << offset << " " << Describe(a);
    }
    // Every outcome is one of the three, a drop always names its reason and
    // nothing else carries one.
    EXPECT_EQ(a.verdict == Verdict::kDrop, a.drop != DropReason::kNone)
        << offset << " " << Describe(a);
    if (a.tcb_op == TcbOp::kCreate || a.tcb_op == TcbOp::kUpdate) {
      EXPECT_GE(static_cast<int>(a.tcb.state),
                static_cast<int>(State::kSynReceived));
    }
  }
}

TEST_P(FlagSweepTest, SegmentsFarOutsideTheWindowNeverChangeTheConnection) {
  const auto [where, flags, ts] = GetParam();
  if (where == Where::kClosed || where == Where::kListen) return;
  const Tcb before = EntryFor(where, ts);
  const Action a = Run(0x80000000u);
  // A challenge / out-of-window ACK may only spend the throttle budget; a
  // reused TIME-WAIT is a new connection (allowed when the SYN is newer).
  if (a.Has(Event::kTimeWaitReused)) return;
  if (a.tcb_op == TcbOp::kUpdate) {
    Tcb expect = before;
    expect.challenge_epoch = a.tcb.challenge_epoch;
    expect.challenge_count = a.tcb.challenge_count;
    EXPECT_EQ(a.tcb, expect) << Describe(a);
  } else {
    EXPECT_EQ(a.tcb_op, TcbOp::kNone) << Describe(a);
  }
}

std::string ParamName(const ::testing::TestParamInfo<Param>& info) {
  const auto [where, flags, ts] = info.param;
  std::string name = WhereName(where) + "_";
  const char* bits[] = {"F", "S", "R", "P", "A", "U"};
  for (int i = 0; i < 6; ++i) {
    if (flags & (1 << i)) name += bits[i];
  }
  if (flags == 0) name += "none";
  return name + (ts ? "_ts" : "");
}

INSTANTIATE_TEST_SUITE_P(
    AllFlagsAllStates, FlagSweepTest,
    ::testing::Combine(::testing::ValuesIn(kAllWhere), ::testing::Range(0, 64),
                       ::testing::Bool()),
    ParamName);

}  // namespace
}  // namespace synx::tcp::testing
