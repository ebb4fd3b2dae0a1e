// The initiator's flag × state sweep: every combination of FIN SYN RST PSH
// ACK URG (2^6) for no entry, SYN-SENT (acceptable ACK, unacceptable ACK)
// and every state an initiator's entry reaches, with and without agreed
// timestamps: no crash, a RST is never answered with a RST, and the outcome
// is exactly the one the table below writes down (--close=none, so that
// only the flags decide).
//
// The segment sits at RCV.NXT (for SYN-SENT: anywhere, nothing is known),
// carries no payload and, when ACK is set, acknowledges everything we sent
// (SYN-SENT's bad row: ACK = ISS). Other positions are swept for the
// invariants alone.

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "initiator_test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

enum class Where : uint8_t {
  kClosed,          // no entry
  kSynSentGoodAck,  // SYN-SENT; ACK field ISS+1 when the bit is set
  kSynSentBadAck,   // SYN-SENT; ACK field ISS when the bit is set
  kSynReceived,     // active (simultaneous open)
  kEstablished,
  kFinWait1,
  kFinWait2,
  kClosing,
  kTimeWait,
  kCloseWait,
  kLastAck,
};

constexpr Where kAllWhere[] = {
    Where::kClosed,      Where::kSynSentGoodAck, Where::kSynSentBadAck,
    Where::kSynReceived, Where::kEstablished,    Where::kFinWait1,
    Where::kFinWait2,    Where::kClosing,        Where::kTimeWait,
    Where::kCloseWait,   Where::kLastAck,
};

std::string WhereName(Where w) {
  switch (w) {
    case Where::kClosed: return "Closed";
    case Where::kSynSentGoodAck: return "SynSentGoodAck";
    case Where::kSynSentBadAck: return "SynSentBadAck";
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
    case Where::kSynSentGoodAck:
    case Where::kSynSentBadAck: return State::kSynSent;
    case Where::kSynReceived: return State::kSynReceived;
    case Where::kEstablished: return State::kEstablished;
    case Where::kFinWait1: return State::kFinWait1;
    case Where::kFinWait2: return State::kFinWait2;
    case Where::kClosing: return State::kClosing;
    case Where::kTimeWait: return State::kTimeWait;
    case Where::kCloseWait: return State::kCloseWait;
    case Where::kLastAck: return State::kLastAck;
    case Where::kClosed: break;
  }
  return State::kClosed;
}

bool IsSynSent(Where w) {
  return w == Where::kSynSentGoodAck || w == Where::kSynSentBadAck;
}

struct Outcome {
  Verdict verdict;
  uint8_t reply_flags = 0;  // with kReply
  DropReason drop = DropReason::kNone;
  TcbOp tcb_op = TcbOp::kNone;
  uint32_t events = 0;  // exactly these
};

Outcome DropFor(DropReason r) { return {Verdict::kDrop, 0, r, TcbOp::kNone}; }
Outcome ReplyWith(uint8_t flags, TcbOp op, uint32_t events) {
  return {Verdict::kReply, flags, DropReason::kNone, op, events};
}
Outcome ConsumeWith(TcbOp op, uint32_t events) {
  return {Verdict::kConsume, 0, DropReason::kNone, op, events};
}

struct Row {
  uint8_t mask;
  uint8_t want;
  Outcome outcome;
};

// The written table: RFC 9293 §3.10.7.1 / .3 / .4, RFC 5961 §3/§4, and
// synx's choices (close at once in CLOSE-WAIT, no reuse of TIME-WAIT by an
// initiator, no ACK to an ACK that completes a simultaneous open). PSH and
// URG never matter.
std::vector<Row> Table(Where w) {
  const Outcome reset = ConsumeWith(TcbOp::kErase, Bit(Event::kRstRx));
  const Outcome challenge =
      ReplyWith(kAck, TcbOp::kUpdate, Bit(Event::kChallengeAckTx));
  const Outcome no_ack = DropFor(DropReason::kTcpNoAck);
  const Outcome simultaneous =
      ReplyWith(kSyn | kAck, TcbOp::kUpdate,
                Events({Event::kSimultaneousOpen, Event::kSynAckTx}));
  const Outcome no_syn = DropFor(DropReason::kTcpSynSentNoSyn);
  switch (w) {
    case Where::kClosed:
      return {{kRst, kRst, DropFor(DropReason::kTcpRstNoConnection)},
              {kAck, kAck, ReplyWith(kRst, TcbOp::kNone, Bit(Event::kRstTx))},
              {0, 0, ReplyWith(kRst | kAck, TcbOp::kNone, Bit(Event::kRstTx))}};
    case Where::kSynSentGoodAck:
      return {{kRst | kAck, kRst | kAck,
               ConsumeWith(TcbOp::kErase,
                           Events({Event::kRstRx, Event::kRefused}))},
              {kRst, kRst, DropFor(DropReason::kTcpSynSentRstNoAck)},
              // A FIN on the SYN+ACK: established, the peer closed first.
              {kSyn | kAck | kFin, kSyn | kAck | kFin,
               ReplyWith(kFin | kAck, TcbOp::kUpdate,
                         Events({Event::kSynAckRx, Event::kEstablished,
                                 Event::kFinRx, Event::kFinTx}))},
              {kSyn | kAck, kSyn | kAck,
               ReplyWith(kAck, TcbOp::kUpdate,
                         Events({Event::kSynAckRx, Event::kEstablished}))},
              {kSyn, kSyn, simultaneous},
              {0, 0, no_syn}};
    case Where::kSynSentBadAck:
      return {{kRst | kAck, kRst | kAck,
               DropFor(DropReason::kTcpSynSentRstBadAck)},
              {kAck, kAck, ReplyWith(kRst, TcbOp::kNone, Bit(Event::kRstTx))},
              {kRst, kRst, DropFor(DropReason::kTcpSynSentRstNoAck)},
              {kSyn, kSyn, simultaneous},
              {0, 0, no_syn}};
    case Where::kSynReceived:
      // A SYN at RCV.NXT is not the peer's SYN again (that sits at IRS).
      return {{kRst, kRst,
               ConsumeWith(TcbOp::kErase,
                           Events({Event::kRstRx, Event::kRefused}))},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              {kFin, kFin,
               ReplyWith(kFin | kAck, TcbOp::kUpdate,
                         Events({Event::kEstablished, Event::kFinRx,
                                 Event::kFinTx}))},
              {0, 0, ConsumeWith(TcbOp::kUpdate, Bit(Event::kEstablished))}};
    case Where::kEstablished:
    case Where::kCloseWait:  // never stored: closes at once
      return {{kRst, kRst, reset},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              // CLOSE-WAIT has had the peer's FIN: a second one is ignored.
              {kFin, kFin,
               ReplyWith(kFin | kAck, TcbOp::kUpdate,
                         w == Where::kEstablished
                             ? Events({Event::kFinRx, Event::kFinTx})
                             : Bit(Event::kFinTx))},
              {0, 0,
               w == Where::kEstablished
                   ? ConsumeWith(TcbOp::kUpdate, 0)
                   : ReplyWith(kFin | kAck, TcbOp::kUpdate,
                               Bit(Event::kFinTx))}};
    case Where::kFinWait1:
    case Where::kFinWait2:
      return {{kRst, kRst, reset},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              {kFin, kFin,
               ReplyWith(kAck, TcbOp::kUpdate,
                         Events({Event::kFinRx, Event::kAckTx}))},
              {0, 0, ConsumeWith(TcbOp::kUpdate, 0)}};
    case Where::kTimeWait:  // an initiator never reopens it on a SYN
    case Where::kClosing:
      return {{kRst, kRst, reset},
              {kSyn, kSyn, challenge},
              {kAck, 0, no_ack},
              {0, 0, ConsumeWith(TcbOp::kUpdate, 0)}};
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
  t.state = StateOf(w);
  if (IsSynSent(w)) {
    t.rcv_nxt = SeqNum(static_cast<uint32_t>(kT0));  // the first SYN's time
    t.ts_recent = static_cast<uint32_t>(kT0 >> 32);
    if (ts) t.ts_offset = 4242;
    return t;
  }
  t.rcv_nxt = SeqNum(kIrs + 1);
  t.mss = 1460;
  if (ts) {
    t.flags |= tcb_flag::kTsOk;
    t.ts_recent = kPeerTsval;
    t.ts_offset = 4242;
  }
  return t;
}

using Param = std::tuple<Where, int /*flags*/, bool /*ts*/>;

class InitiatorFlagSweepTest : public ::testing::TestWithParam<Param> {
 protected:
  InitiatorFlagSweepTest() : eng_(ClientV4()) {
    eng_.cfg.close = Close::kNone;
    eng_.Reset();
  }

  // The segment at `seq_offset` from RCV.NXT.
  Action Run(uint32_t seq_offset) {
    const auto [where, flags, ts] = GetParam();
    eng_.tcb.reset();
    eng_.deadline_us.reset();
    SeqNum ack(kIss + 1);
    if (where != Where::kClosed) {
      eng_.tcb = EntryFor(where, ts);
      ack = where == Where::kSynSentBadAck ? SeqNum(kIss)
                                           : eng_.tcb->SndNxt();
    }
    Seg s(static_cast<uint8_t>(flags));
    s.Seq(SeqNum(kIrs + 1) + seq_offset);
    if (flags & kAck) s.Ack(ack);  // the parser zeroes it otherwise
    if (ts) s.Ts(kPeerTsval + 1, 1);
    return eng_.Send(s);
  }

  InitiatorEngine eng_;
};

TEST_P(InitiatorFlagSweepTest, OutcomeMatchesTheTable) {
  const auto [where, flags, ts] = GetParam();
  const Action a = Run(0);
  const Outcome* want = nullptr;
  const std::vector<Row> table = Table(where);
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
  EXPECT_EQ(a.events, want->events) << Describe(a);
}

TEST_P(InitiatorFlagSweepTest, InvariantsHoldAtEverySequencePosition) {
  const auto [where, flags, ts] = GetParam();
  for (uint32_t offset : {0u, 100u, 0x80000000u, 0xffffff00u}) {
    const Action a = Run(offset);
    if (a.verdict == Verdict::kReply && (flags & kRst)) {
      EXPECT_FALSE(a.reply.flags.rst()) << offset << " " << Describe(a);
    }
    EXPECT_EQ(a.verdict == Verdict::kDrop, a.drop != DropReason::kNone)
        << offset << " " << Describe(a);
    // Only Open creates entries.
    EXPECT_NE(a.tcb_op, TcbOp::kCreate) << offset << " " << Describe(a);
    if (a.tcb_op == TcbOp::kUpdate) {
      EXPECT_GE(static_cast<int>(a.tcb.state),
                static_cast<int>(State::kSynReceived));
      EXPECT_EQ(a.tcb.iss, SeqNum(kIss));  // ISS never changes
    }
    // SYN-SENT: only an acceptable ACK (or a SYN without ACK) may touch the
    // entry.
    if (where == Where::kSynSentBadAck && (flags & kAck)) {
      EXPECT_EQ(a.tcb_op, TcbOp::kNone) << offset << " " << Describe(a);
    }
  }
}

TEST_P(InitiatorFlagSweepTest, FarOutsideTheWindowNeverChangesAConnection) {
  const auto [where, flags, ts] = GetParam();
  if (where == Where::kClosed || IsSynSent(where)) return;
  const Tcb before = EntryFor(where, ts);
  const Action a = Run(0x80000000u);
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
    AllFlagsAllStates, InitiatorFlagSweepTest,
    ::testing::Combine(::testing::ValuesIn(kAllWhere), ::testing::Range(0, 64),
                       ::testing::Bool()),
    ParamName);

// SYN-SENT × every flag × every --close × ACK at ISS-1, ISS, ISS+1, ISS+2 and
// half the space away: the entry survives everything but a RST with ACK =
// ISS+1, and is established only by a SYN with ACK = ISS+1.
TEST(InitiatorSynSentSweep, OnlyIssPlusOneIsAcceptable) {
  for (Close mode : {Close::kRst, Close::kFin, Close::kNone}) {
    for (uint32_t off : {0xffffffffu, 0u, 1u, 2u, 0x80000000u}) {
      for (int flags = 0; flags < 64; ++flags) {
        InitiatorEngine eng(ClientV4());
        eng.cfg.close = mode;
        eng.Reset();
        const SeqNum iss = eng.Open().reply.seq;
        Seg s(static_cast<uint8_t>(flags));
        s.Seq(kTargetIsn);
        if (flags & kAck) s.Ack(iss + off);
        const Action a = eng.Send(s);
        SCOPED_TRACE(::testing::Message()
                     << CloseName(mode) << " ACK=ISS+" << off << " flags "
                     << flags << " " << Describe(a));
        const bool good_ack = (flags & kAck) && off == 1;
        const bool erased = a.tcb_op == TcbOp::kErase;
        EXPECT_EQ(erased, good_ack && (flags & kRst));
        EXPECT_EQ(a.Has(Event::kRefused), good_ack && (flags & kRst));
        const bool established = a.Has(Event::kEstablished);
        EXPECT_EQ(established,
                  good_ack && (flags & kSyn) && !(flags & kRst));
        EXPECT_EQ(a.Has(Event::kSimultaneousOpen),
                  !(flags & kAck) && (flags & kSyn) && !(flags & kRst));
        if (established) {
          EXPECT_EQ(a.handshake_us, 0u);  // same instant
          EXPECT_EQ(a.reply.seq, iss + 1);
          EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1 + ((flags & kFin) ? 1 : 0)));
        }
      }
    }
  }
}

}  // namespace
}  // namespace synx::tcp::testing
