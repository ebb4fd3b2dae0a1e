// SYN-RECEIVED reached from LISTEN (stateful): the completing ACK and
// everything else that may arrive, plus the SYN+ACK retransmission timer.

#include <gtest/gtest.h>

#include "test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class SynReceivedTest : public ResponderFixture {
 protected:
  void SetUp() override {
    ResponderFixture::SetUp();
    const Action a = Send(LinuxSyn());
    ASSERT_EQ(a.tcb_op, TcbOp::kCreate);
    iss_ = tcb_->iss;
    synack_tsval_ = a.reply.syn.ts_val;
    now_us_ += 20'000;  // an RTT later
  }

  // The peer's next segment: SEQ = IRS+1, ACK = ISS+1, TS echoing ours.
  Seg Peer(uint8_t flags) {
    Seg s(flags);
    s.Seq(kIrs + 1).Ack(iss_ + 1).Ts(kPeerTsval + 20, synack_tsval_);
    return s;
  }

  SeqNum iss_;
  uint32_t synack_tsval_ = 0;
};

TEST_F(SynReceivedTest, AckCompletesTheHandshake) {
  const Action a = Send(Peer(kAck));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kEstablished));
  EXPECT_EQ(a.tcb_op, TcbOp::kUpdate);
  EXPECT_EQ(half_open_delta_, -1);
  ASSERT_EQ(a.timer_op, TimerOp::kArm);
  EXPECT_EQ(a.timer_ms, 60'000u);  // idle timeout replaces the RTO
  ASSERT_TRUE(tcb_.has_value());
  EXPECT_EQ(tcb_->state, State::kEstablished);
  EXPECT_EQ(tcb_->SndUna(), iss_ + 1);
  EXPECT_EQ(tcb_->SndNxt(), iss_ + 1);
  EXPECT_EQ(tcb_->rcv_nxt, SeqNum(kIrs + 1));
  EXPECT_EQ(tcb_->ts_recent, kPeerTsval + 20);
  EXPECT_EQ(tcb_->retransmits, 0);
}

// smoltcp test_syn_received_ack_too_low / _too_high: <SEQ=SEG.ACK><RST>, and
// the entry is left as it was.
TEST_F(SynReceivedTest, AckTooLowGetsRstAndKeepsTheEntry) {
  const Tcb before = *tcb_;
  const Action a = Send(Peer(kAck).Ack(iss_));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, iss_);
  EXPECT_EQ(a.events, Bit(Event::kRstTx));
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
  EXPECT_EQ(*tcb_, before);
}

TEST_F(SynReceivedTest, AckTooHighGetsRstAndKeepsTheEntry) {
  const Tcb before = *tcb_;
  const Action a = Send(Peer(kAck).Ack(iss_ + 2));
  ASSERT_EQ(a.verdict, Verdict::kReply);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, iss_ + 2);
  EXPECT_EQ(*tcb_, before);
}

TEST_F(SynReceivedTest, DataOnTheThirdSegmentIsAcknowledgedAndDiscarded) {
  const Action a = Send(Peer(kAck | kPsh).Payload(100));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kEstablished, Event::kDataRx,
                              Event::kAckTx}));
  EXPECT_EQ(a.data_bytes, 100u);
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 101));
  EXPECT_EQ(a.reply.window, 64240 >> 7);  // scaled from now on
  EXPECT_TRUE(a.reply.timestamps);
  EXPECT_EQ(a.reply.ts_val, OurTsval());
  EXPECT_EQ(a.reply.ts_ecr, kPeerTsval + 20);
  EXPECT_EQ(tcb_->state, State::kEstablished);
  EXPECT_EQ(tcb_->rcv_nxt, SeqNum(kIrs + 101));
}

TEST_F(SynReceivedTest, FinOnTheCompletingAckIsProcessedOnceEstablished) {
  const Action a = Send(Peer(kAck | kFin));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events,
            Events({Event::kEstablished, Event::kFinRx, Event::kFinTx}));
  // One segment acknowledges the FIN and carries ours (CLOSE-WAIT is passed
  // through at once: synx has nothing to send).
  EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 2));
  EXPECT_EQ(tcb_->state, State::kLastAck);
  ASSERT_EQ(a.timer_op, TimerOp::kArm);
  EXPECT_EQ(a.timer_ms, 1000u);
}

TEST_F(SynReceivedTest, DataAndFinOnTheCompletingAck) {
  const Action a = Send(Peer(kAck | kPsh | kFin).Payload(10));
  EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck));
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 12));
  EXPECT_EQ(a.data_bytes, 10u);
  EXPECT_EQ(tcb_->state, State::kLastAck);
}

TEST_F(SynReceivedTest, RetransmittedSynGetsTheSameSynAck) {
  const Tcb before = *tcb_;
  const std::optional<uint64_t> timer = TimerIn();
  const Action a = Send(LinuxSyn());
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kSynRx, Event::kSynAckTx,
                              Event::kSynAckRetransmit}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kSyn | kAck));
  EXPECT_EQ(a.reply.seq, iss_);
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(a.reply.syn.mss, 1460);
  EXPECT_EQ(a.reply.syn.ts_val, OurTsval());
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
  EXPECT_EQ(a.timer_op, TimerOp::kNone);  // the back-off schedule runs on
  EXPECT_EQ(*tcb_, before);
  EXPECT_EQ(TimerIn(), timer);
}

// The documented choice: RFC 5961 §4 challenge ACK rather than §3.10.7.4's
// return to LISTEN, so a blind SYN cannot erase the half-open entry.
TEST_F(SynReceivedTest, SynWithAnotherIsnGetsChallengeAck) {
  const Action a = Send(LinuxSyn(kIrs + 5000));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(tcb_->state, State::kSynReceived);
  // ... and the restarted peer's answer, <SEQ=SEG.ACK><RST>, resets exactly.
  const Action rst = Send(Seg(kRst).Seq(a.reply.ack));
  EXPECT_EQ(rst.events, Bit(Event::kRstRx));
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(SynReceivedTest, SynAckGetsChallengeAck) {
  const Action a = Send(Seg(kSyn | kAck).Seq(kIrs).Ack(iss_ + 1));
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(tcb_->state, State::kSynReceived);
}

TEST_F(SynReceivedTest, RstAtRcvNxtReturnsToListen) {
  const Action a = Send(Seg(kRst).Seq(kIrs + 1));
  EXPECT_EQ(a.verdict, Verdict::kConsume);
  EXPECT_EQ(a.events, Bit(Event::kRstRx));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
  EXPECT_EQ(a.timer_op, TimerOp::kCancel);
  EXPECT_EQ(half_open_delta_, -1);
  EXPECT_FALSE(tcb_.has_value());
  // LISTEN again: the next SYN starts afresh.
  EXPECT_EQ(Send(LinuxSyn()).tcb_op, TcbOp::kCreate);
}

TEST_F(SynReceivedTest, RstWithAckAndDataAtRcvNxtIsAccepted) {
  // SHLD-2: a RST may carry data (the reason text); it still resets.
  const Action a = Send(Seg(kRst | kAck).Seq(kIrs + 1).Ack(iss_ + 1).Payload(20));
  EXPECT_EQ(a.events, Bit(Event::kRstRx));
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(SynReceivedTest, RstInsideTheWindowGetsChallengeAck) {
  const Action a = Send(Seg(kRst).Seq(kIrs + 100));
  ASSERT_EQ(a.verdict, Verdict::kReply);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(tcb_->state, State::kSynReceived);
}

// The window in SYN-RECEIVED is the SYN+ACK's, unscaled (RFC 7323 §2.2).
TEST_F(SynReceivedTest, RstWindowEdgesUseTheUnscaledSynAckWindow) {
  EXPECT_EQ(Send(Seg(kRst).Seq(kIrs + 1 + 64239)).events,
            Bit(Event::kChallengeAckTx));
  EXPECT_DROP(Send(Seg(kRst).Seq(kIrs + 1 + 64240)),
              DropReason::kTcpOutOfWindow);
  EXPECT_DROP(Send(Seg(kRst).Seq(kIrs)), DropReason::kTcpOutOfWindow);
  EXPECT_EQ(tcb_->state, State::kSynReceived);
}

TEST_F(SynReceivedTest, SegmentOutsideTheWindowGetsAckNotEstablished) {
  const Action a = Send(Peer(kAck).Seq(kIrs + 1 + 100'000));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kAckTx));
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(tcb_->state, State::kSynReceived);
}

TEST_F(SynReceivedTest, SegmentWithoutAckIsDropped) {
  EXPECT_DROP(Send(Peer(kPsh).Ack(0u).Payload(10)), DropReason::kTcpNoAck);
  EXPECT_DROP(Send(Peer(kFin).Ack(0u)), DropReason::kTcpNoAck);
  EXPECT_EQ(tcb_->state, State::kSynReceived);
}

TEST_F(SynReceivedTest, AckWithoutAgreedTimestampsIsDropped) {
  EXPECT_DROP(Send(Peer(kAck).NoTs()), DropReason::kTcpTsMissing);
  EXPECT_EQ(tcb_->state, State::kSynReceived);
}

TEST_F(SynReceivedTest, PawsRejectsAnOlderTsval) {
  const Action a = Send(Peer(kAck).Ts(kPeerTsval - 1, synack_tsval_));
  ASSERT_EQ(a.verdict, Verdict::kReply);
  EXPECT_EQ(a.events, Events({Event::kAckTx, Event::kPawsRejected}));
  EXPECT_EQ(tcb_->state, State::kSynReceived);
  EXPECT_EQ(tcb_->ts_recent, kPeerTsval);
}

// --- SYN+ACK retransmission (MUST-20..23, RFC 6298) with an injected clock.

TEST_F(SynReceivedTest, SynAckRetransmitsWithExponentialBackOffThenGivesUp) {
  now_us_ = kT0;  // undo SetUp's RTT so deadlines count from the SYN
  const uint64_t syn_at = kT0;
  const uint64_t want_at_s[] = {1, 3, 7, 15, 31};
  for (int i = 0; i < 5; ++i) {
    const Action a = FireTimer();
    EXPECT_EQ(now_us_ - syn_at, want_at_s[i] * 1'000'000) << i;
    ASSERT_EQ(a.verdict, Verdict::kReply) << i;
    EXPECT_EQ(a.events, Events({Event::kSynAckTx, Event::kSynAckRetransmit}));
    EXPECT_EQ(a.reply.flags, TcpFlags(kSyn | kAck));
    EXPECT_EQ(a.reply.seq, iss_);
    EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
    EXPECT_EQ(a.reply.syn.ts_val, OurTsval()) << "TSval follows the clock";
    EXPECT_EQ(a.reply.syn.ts_ecr, kPeerTsval);
    EXPECT_EQ(a.reply.syn.mss, 1460);
    EXPECT_EQ(tcb_->retransmits, i + 1);
    EXPECT_EQ(a.timer_ms, 2000u << i);
  }
  const Action last = FireTimer();
  EXPECT_EQ(now_us_ - syn_at, 63'000'000u);
  EXPECT_EQ(last.verdict, Verdict::kConsume);
  EXPECT_EQ(last.events, Bit(Event::kHandshakeTimeout));
  EXPECT_EQ(last.tcb_op, TcbOp::kErase);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(SynReceivedTest, BackOffIsCappedAtTheMaximumRto) {
  cfg_.conn.max_rto_ms = 3000;
  cfg_.conn.synack_retries = 4;
  Rebuild();
  Send(LinuxSyn());
  EXPECT_EQ(TimerIn(), 1000u);
  const uint32_t want[] = {2000, 3000, 3000, 3000};
  for (uint32_t w : want) {
    const Action a = FireTimer();
    EXPECT_EQ(a.timer_ms, w);
  }
  EXPECT_EQ(FireTimer().events, Bit(Event::kHandshakeTimeout));
}

TEST_F(SynReceivedTest, AckAfterARetransmissionStillCompletes) {
  FireTimer();
  FireTimer();
  const Action a = Send(Peer(kAck).Ts(kPeerTsval + 3000, OurTsval()));
  EXPECT_EQ(a.events, Bit(Event::kEstablished));
  EXPECT_EQ(tcb_->retransmits, 0);
  EXPECT_EQ(TimerIn(), 60'000u);
}

TEST_F(SynReceivedTest, Ipv6SynAckRetransmissionCarriesTheIpv6Mss) {
  tuple_ = V6Tuple();
  tcb_.reset();
  Send(LinuxSyn());
  EXPECT_EQ(FireTimer().reply.syn.mss, 1440);
}

}  // namespace
}  // namespace synx::tcp::testing
