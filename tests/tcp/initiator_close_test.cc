// After ESTABLISHED: each --close mode's segments (exact SEQ, ACK, flags),
// the FIN exchange to TIME-WAIT and its expiry, the peer closing first, FIN
// retransmission, and RFC 5961 RST/SYN handling on an initiator's
// connection.

#include <gtest/gtest.h>

#include "initiator_test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class CloseTest : public InitiatorFixture {
 protected:
  // Opens with `mode`, an RTT passes, the SYN+ACK arrives.
  Action Establish(Close mode) {
    eng_.cfg.close = mode;
    OpenNow();
    eng_.now_us += 20'000;
    return Send(LinuxSynAck());
  }
};

// --close=rst: ACK <SEQ=ISS+1><ACK=IRS+1><ACK> now, RST at the next tick
// <SEQ=ISS+1><ACK=IRS+1><RST,ACK>, entry gone.
TEST_F(CloseTest, RstModeSendsTheAckThenTheRst) {
  const Action a = Establish(Close::kRst);
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kSynAckRx, Event::kEstablished}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  ASSERT_EQ(a.timer_op, TimerOp::kArm);
  EXPECT_EQ(a.timer_ms, 0u);
  EXPECT_EQ(eng_.tcb->state, State::kEstablished);

  const Action r = FireTimer();
  ASSERT_EQ(r.verdict, Verdict::kReply) << Describe(r);
  EXPECT_EQ(r.events, Bit(Event::kRstTx));
  EXPECT_EQ(r.reply.flags, TcpFlags(kRst | kAck));
  EXPECT_EQ(r.reply.seq, iss_ + 1);
  EXPECT_EQ(r.reply.ack, SeqNum(kTargetIsn + 1));
  EXPECT_TRUE(r.reply.timestamps);
  EXPECT_EQ(r.reply.ts_ecr, kTargetTsval);
  EXPECT_EQ(r.tcb_op, TcbOp::kErase);
  EXPECT_FALSE(eng_.tcb.has_value());
}

// Data (a server banner) before the RST's tick is acknowledged and does not
// push the RST back.
TEST_F(CloseTest, RstModeDataBeforeTheTickKeepsTheRstDue) {
  Establish(Close::kRst);
  const Action a = Send(Peer(kAck | kPsh, iss_ + 1).Payload(20));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kDataRx, Event::kAckTx}));
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 21));
  EXPECT_EQ(a.timer_op, TimerOp::kNone);
  EXPECT_EQ(eng_.TimerIn(), 0u);
  const Action r = FireTimer();
  EXPECT_EQ(r.reply.flags, TcpFlags(kRst | kAck));
  EXPECT_EQ(r.reply.ack, SeqNum(kTargetIsn + 21));
}

// --close=fin, we close first: FIN+ACK <SEQ=ISS+1><ACK=IRS+1> on the
// handshake's ACK → FIN-WAIT-1; ACK of it → FIN-WAIT-2; the peer's FIN
// <SEQ=IRS+1> → TIME-WAIT and <SEQ=ISS+2><ACK=IRS+2><ACK>; expiry → closed.
TEST_F(CloseTest, FinModeFullExchangeThroughTimeWait) {
  eng_.cfg.conn.time_wait_ms = 2000;
  const Action a = Establish(Close::kFin);
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events,
            Events({Event::kSynAckRx, Event::kEstablished, Event::kFinTx}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(eng_.tcb->state, State::kFinWait1);
  EXPECT_EQ(eng_.TimerIn(), 1000u);  // conn.rto_ms for our FIN

  Action b = Send(Peer(kAck, iss_ + 2));
  EXPECT_EQ(b.verdict, Verdict::kConsume) << Describe(b);
  EXPECT_EQ(b.events, 0u);
  EXPECT_EQ(eng_.tcb->state, State::kFinWait2);
  EXPECT_EQ(eng_.TimerIn(), 60'000u);  // FIN-WAIT-2 idle limit

  Action c = Send(Peer(kFin | kAck, iss_ + 2));
  ASSERT_EQ(c.verdict, Verdict::kReply) << Describe(c);
  EXPECT_EQ(c.events, Events({Event::kFinRx, Event::kAckTx}));
  EXPECT_EQ(c.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(c.reply.seq, iss_ + 2);
  EXPECT_EQ(c.reply.ack, SeqNum(kTargetIsn + 2));
  EXPECT_EQ(eng_.tcb->state, State::kTimeWait);
  EXPECT_EQ(eng_.TimerIn(), 2000u);

  const Action d = FireTimer();
  EXPECT_EQ(d.verdict, Verdict::kConsume);
  EXPECT_EQ(d.events, Bit(Event::kClosed));
  EXPECT_EQ(d.tcb_op, TcbOp::kErase);
  EXPECT_FALSE(eng_.tcb.has_value());
}

// Linux acknowledges our FIN and sends its own in one segment when its
// application closes at once.
TEST_F(CloseTest, FinModePeerFinAckInOneSegment) {
  Establish(Close::kFin);
  const Action a = Send(Peer(kFin | kAck, iss_ + 2));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 2);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 2));
  EXPECT_EQ(eng_.tcb->state, State::kTimeWait);
  EXPECT_EQ(eng_.TimerIn(), 60'000u);  // ConnectionConfig::time_wait_ms
}

// Both FINs cross: FIN-WAIT-1 + the peer's FIN (not acking ours) → CLOSING;
// then the ACK of our FIN → TIME-WAIT.
TEST_F(CloseTest, FinModeSimultaneousClose) {
  Establish(Close::kFin);
  Action a = Send(Peer(kFin | kAck, iss_ + 1));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 2);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 2));
  EXPECT_EQ(eng_.tcb->state, State::kClosing);
  a = Send(Peer(kAck, iss_ + 2).Seq(kTargetIsn + 2));
  EXPECT_EQ(eng_.tcb->state, State::kTimeWait);
}

TEST_F(CloseTest, FinModeRetransmitsTheFinThenResets) {
  eng_.cfg.conn.fin_retries = 2;
  Establish(Close::kFin);
  for (int i = 1; i <= 2; ++i) {
    const Action a = FireTimer();
    ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
    EXPECT_EQ(a.events, Events({Event::kFinTx, Event::kFinRetransmit}));
    EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck));
    EXPECT_EQ(a.reply.seq, iss_ + 1);
    EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
    EXPECT_EQ(eng_.TimerIn(), 1000u << i);
  }
  const Action r = FireTimer();
  EXPECT_EQ(r.events, Events({Event::kRstTx, Event::kCloseTimeout}));
  EXPECT_EQ(r.reply.flags, TcpFlags(kRst | kAck));
  EXPECT_EQ(r.reply.seq, iss_ + 2);
  EXPECT_FALSE(eng_.tcb.has_value());
}

TEST_F(CloseTest, FinModeTimeWaitAcksARetransmittedFinAndRestarts) {
  Establish(Close::kFin);
  Send(Peer(kFin | kAck, iss_ + 2));
  eng_.now_us += 5'000'000;
  const Action a = Send(Peer(kFin | kAck, iss_ + 2));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kAckTx));
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 2));
  EXPECT_EQ(eng_.TimerIn(), 60'000u);
}

// An initiator listens nowhere: a SYN in TIME-WAIT is challenged, never a
// new connection (RFC 6191 reuse is the passive side's).
TEST_F(CloseTest, TimeWaitNeverReopensOnASyn) {
  Establish(Close::kFin);
  Send(Peer(kFin | kAck, iss_ + 2));
  const Action a =
      Send(Seg(kSyn).Seq(kTargetIsn + 100000).Ts(kTargetTsval + 99, 0));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(eng_.tcb->state, State::kTimeWait);
}

// --close=none: the ACK, no timer; the peer closes first → one FIN+ACK
// acknowledges its FIN and carries ours (LAST-ACK), its ACK ends it.
TEST_F(CloseTest, NoneModeHoldsThenPeerClosesFirst) {
  const Action a = Establish(Close::kNone);
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.timer_op, TimerOp::kCancel);
  EXPECT_FALSE(eng_.deadline_us.has_value());

  eng_.now_us += 3'600'000'000ull;  // an hour: still there
  ASSERT_TRUE(eng_.tcb.has_value());
  const Action b = Send(Peer(kFin | kAck, iss_ + 1));
  ASSERT_EQ(b.verdict, Verdict::kReply) << Describe(b);
  EXPECT_EQ(b.events, Events({Event::kFinRx, Event::kFinTx}));
  EXPECT_EQ(b.reply.flags, TcpFlags(kFin | kAck));
  EXPECT_EQ(b.reply.seq, iss_ + 1);
  EXPECT_EQ(b.reply.ack, SeqNum(kTargetIsn + 2));
  EXPECT_EQ(eng_.tcb->state, State::kLastAck);
  EXPECT_EQ(eng_.TimerIn(), 1000u);

  const Action c = Send(Peer(kAck, iss_ + 2).Seq(kTargetIsn + 2));
  EXPECT_EQ(c.verdict, Verdict::kConsume) << Describe(c);
  EXPECT_EQ(c.events, Bit(Event::kClosed));
  EXPECT_EQ(c.tcb_op, TcbOp::kErase);
}

// A FIN on the SYN+ACK itself (only possible if the parser let SYN+FIN
// through, which it does not; the rules still close cleanly): LAST-ACK.
TEST_F(CloseTest, PeerFinOnTheSynAckLeadsToLastAckInEveryMode) {
  for (Close mode : {Close::kRst, Close::kFin, Close::kNone}) {
    eng_.cfg.close = mode;
    OpenNow();
    const Action a = Send(Seg(kSyn | kAck | kFin).Seq(kTargetIsn).Ack(iss_ + 1));
    ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
    EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck)) << CloseName(mode);
    EXPECT_EQ(a.reply.seq, iss_ + 1);
    EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 2));
    EXPECT_EQ(eng_.tcb->state, State::kLastAck);
  }
}

// ---- RFC 5961 on an initiator's connection -----------------------------

TEST_F(CloseTest, RstAtRcvNxtResetsTheConnection) {
  Establish(Close::kNone);
  const Action a = Send(Seg(kRst).Seq(kTargetIsn + 1));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kRstRx));  // reset, not refused
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
}

TEST_F(CloseTest, RstInsideTheWindowGetsAChallengeAck) {
  Establish(Close::kNone);
  const Action a = Send(Seg(kRst).Seq(kTargetIsn + 1000));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(eng_.tcb->state, State::kEstablished);
}

TEST_F(CloseTest, RstOutsideTheWindowIsDropped) {
  Establish(Close::kNone);
  EXPECT_DROP(Send(Seg(kRst).Seq(kTargetIsn)), DropReason::kTcpOutOfWindow);
  EXPECT_DROP(Send(Seg(kRst).Seq(kTargetIsn + 0x40000000)),
              DropReason::kTcpOutOfWindow);
  EXPECT_EQ(eng_.tcb->state, State::kEstablished);
}

TEST_F(CloseTest, ChallengeAcksAreThrottledPerFlow) {
  eng_.cfg.conn.challenge_acks_per_s = 2;
  Establish(Close::kNone);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Send(Seg(kSyn).Seq(kTargetIsn + 77)).verdict, Verdict::kReply);
  }
  EXPECT_DROP(Send(Seg(kSyn).Seq(kTargetIsn + 77)),
              DropReason::kTcpAckRateLimited);
  eng_.now_us += 1'000'000;
  EXPECT_EQ(Send(Seg(kSyn).Seq(kTargetIsn + 77)).verdict, Verdict::kReply);
}

TEST_F(CloseTest, TimestampsAreRequiredOnceAgreedAndPawsApplies) {
  Establish(Close::kNone);
  EXPECT_DROP(Send(Peer(kAck, iss_ + 1).NoTs()), DropReason::kTcpTsMissing);
  const Action a = Send(Peer(kAck, iss_ + 1).Ts(kTargetTsval - 1, 0));
  EXPECT_EQ(a.events, Events({Event::kAckTx, Event::kPawsRejected}));
}

}  // namespace
}  // namespace synx::tcp::testing
