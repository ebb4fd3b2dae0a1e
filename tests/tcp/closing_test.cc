// The FIN exchange both ways: we close first (--on-established=close:
// FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT) and the peer closes first
// (CLOSE-WAIT passed through, LAST-ACK), with their timers.

#include <gtest/gtest.h>

#include "test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

// Shared set-up: a handshake with timestamps; the peer's segments follow its
// send pointer.
class ClosingFixture : public ResponderFixture {
 protected:
  Action Handshake(uint16_t payload = 0, uint8_t extra_flags = 0) {
    const Action syn = Send(LinuxSyn());
    EXPECT_EQ(syn.tcb_op, TcbOp::kCreate);
    iss_ = tcb_->iss;
    now_us_ += 20'000;
    peer_ts_ = kPeerTsval + 20;
    peer_nxt_ = SeqNum(kIrs + 1);
    const Action a = Send(Seg(kAck | extra_flags)
                              .Seq(peer_nxt_)
                              .Ack(iss_ + 1)
                              .Payload(payload)
                              .Ts(peer_ts_, syn.reply.syn.ts_val));
    peer_nxt_ += payload;
    return a;
  }

  Seg Peer(uint8_t flags, SeqNum ack) {
    Seg s(flags);
    s.Seq(peer_nxt_).Ack(ack).Ts(++peer_ts_, OurTsval());
    return s;
  }

  void ExpectReply(const Action& a, uint8_t flags, SeqNum seq, SeqNum ack) {
    ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
    EXPECT_EQ(a.reply.flags, TcpFlags(flags));
    EXPECT_EQ(a.reply.seq, seq);
    EXPECT_EQ(a.reply.ack, ack);
    EXPECT_TRUE(a.reply.timestamps);
  }

  SeqNum iss_;
  SeqNum peer_nxt_;
  uint32_t peer_ts_ = 0;
};

// --- We close first.

class FinWait1Test : public ClosingFixture {
 protected:
  void SetUp() override {
    cfg_.on_established = OnEstablished::kClose;
    ClosingFixture::SetUp();
    const Action a = Handshake();
    ExpectReply(a, kFin | kAck, iss_ + 1, peer_nxt_);
    ASSERT_EQ(a.events, Events({Event::kEstablished, Event::kFinTx}));
    ASSERT_EQ(tcb_->state, State::kFinWait1);
    now_us_ += 10'000;
  }
};

TEST_F(FinWait1Test, EnteredWithTheFinRetransmissionTimer) {
  EXPECT_EQ(tcb_->SndUna(), iss_ + 1);
  EXPECT_EQ(tcb_->SndNxt(), iss_ + 2);
  EXPECT_EQ(TimerIn(), 990u);  // armed for 1000 ms, 10 ms ago
}

TEST_F(FinWait1Test, DataOnTheCompletingAckIsAcknowledgedByOurFin) {
  Rebuild();
  const Action a = Handshake(/*payload=*/25, kPsh);
  ExpectReply(a, kFin | kAck, iss_ + 1, SeqNum(kIrs + 26));
  EXPECT_EQ(a.events,
            Events({Event::kEstablished, Event::kDataRx, Event::kFinTx}));
}

TEST_F(FinWait1Test, AckOfOurFinMovesToFinWait2) {
  const Action a = Send(Peer(kAck, iss_ + 2));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.events, 0u);
  EXPECT_EQ(tcb_->state, State::kFinWait2);
  EXPECT_EQ(tcb_->SndUna(), iss_ + 2);
  EXPECT_EQ(TimerIn(), 60'000u);  // FIN-WAIT-2 lives as long as an idle one
}

TEST_F(FinWait1Test, PeerFinWithoutAckOfOursMovesToClosing) {
  const Action a = Send(Peer(kFin | kAck, iss_ + 1));
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_ + 1);
  EXPECT_EQ(a.events, Events({Event::kFinRx, Event::kAckTx}));
  EXPECT_EQ(tcb_->state, State::kClosing);
  EXPECT_EQ(a.timer_op, TimerOp::kNone);  // our FIN is still unacknowledged
  peer_nxt_ += 1;

  // CLOSING: the ACK of our FIN → TIME-WAIT.
  const Action b = Send(Peer(kAck, iss_ + 2));
  EXPECT_EQ(b.verdict, Verdict::kConsume) << Describe(b);
  EXPECT_EQ(tcb_->state, State::kTimeWait);
  EXPECT_EQ(TimerIn(), 60'000u);
}

TEST_F(FinWait1Test, PeerFinAckingOursGoesStraightToTimeWait) {
  const Action a = Send(Peer(kFin | kAck, iss_ + 2));
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_ + 1);
  EXPECT_EQ(a.events, Events({Event::kFinRx, Event::kAckTx}));
  EXPECT_EQ(tcb_->state, State::kTimeWait);
  EXPECT_EQ(TimerIn(), 60'000u);
}

TEST_F(FinWait1Test, DataIsStillAcceptedWhileOurFinIsOutstanding) {
  const Action a = Send(Peer(kAck | kPsh, iss_ + 1).Payload(50));
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_ + 50);
  EXPECT_EQ(a.data_bytes, 50u);
  EXPECT_EQ(tcb_->state, State::kFinWait1);
}

TEST_F(FinWait1Test, FinIsRetransmittedWithBackOffThenReset) {
  const uint32_t want_ms[] = {2000, 4000, 8000, 16000, 32000};
  for (int i = 0; i < 5; ++i) {
    const Action a = FireTimer();
    ExpectReply(a, kFin | kAck, iss_ + 1, peer_nxt_);
    EXPECT_EQ(a.events, Events({Event::kFinTx, Event::kFinRetransmit}));
    EXPECT_EQ(a.timer_ms, want_ms[i]);
    EXPECT_EQ(a.reply.ts_val, OurTsval());
  }
  const Action a = FireTimer();
  ExpectReply(a, kRst | kAck, iss_ + 2, peer_nxt_);
  EXPECT_EQ(a.events, Events({Event::kRstTx, Event::kCloseTimeout}));
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(FinWait1Test, RstAtRcvNxtResets) {
  EXPECT_EQ(Send(Seg(kRst).Seq(peer_nxt_)).events, Bit(Event::kRstRx));
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(FinWait1Test, SynGetsChallengeAck) {
  const Action a = Send(LinuxSyn(kIrs + 7, ++peer_ts_));
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(tcb_->state, State::kFinWait1);
}

class FinWait2Test : public FinWait1Test {
 protected:
  void SetUp() override {
    FinWait1Test::SetUp();
    Send(Peer(kAck, iss_ + 2));
    ASSERT_EQ(tcb_->state, State::kFinWait2);
  }
};

TEST_F(FinWait2Test, PeerFinMovesToTimeWait) {
  const Action a = Send(Peer(kFin | kAck, iss_ + 2));
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_ + 1);
  EXPECT_EQ(a.events, Events({Event::kFinRx, Event::kAckTx}));
  EXPECT_EQ(tcb_->state, State::kTimeWait);
  ASSERT_EQ(a.timer_op, TimerOp::kArm);
  EXPECT_EQ(a.timer_ms, 60'000u);
}

TEST_F(FinWait2Test, HalfCloseStillTakesData) {
  const Action a = Send(Peer(kAck | kPsh, iss_ + 2).Payload(10));
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_ + 10);
  EXPECT_EQ(a.data_bytes, 10u);
  EXPECT_EQ(TimerIn(), 60'000u);
}

TEST_F(FinWait2Test, DuplicateAckOfOurSynIsHarmless) {
  // Sent before our FIN reached the peer, delivered late.
  const Action a = Send(Peer(kAck | kPsh, iss_ + 1).Payload(10));
  EXPECT_EQ(a.data_bytes, 10u);
  EXPECT_EQ(tcb_->state, State::kFinWait2);
}

TEST_F(FinWait2Test, PeerThatNeverClosesIsResetAfterTheIdleTimeout) {
  const Action a = FireTimer();
  ExpectReply(a, kRst | kAck, iss_ + 2, peer_nxt_);
  EXPECT_EQ(a.events, Events({Event::kRstTx, Event::kIdleTimeout}));
  EXPECT_FALSE(tcb_.has_value());
}

class TimeWaitTest : public FinWait2Test {
 protected:
  void SetUp() override {
    FinWait2Test::SetUp();
    Send(Peer(kFin | kAck, iss_ + 2));
    peer_nxt_ += 1;
    ASSERT_EQ(tcb_->state, State::kTimeWait);
    now_us_ += 5'000'000;
  }
};

TEST_F(TimeWaitTest, ExpiryErasesTheEntry) {
  const Action a = FireTimer();
  EXPECT_EQ(a.verdict, Verdict::kConsume);
  EXPECT_EQ(a.events, Bit(Event::kClosed));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(TimeWaitTest, RetransmittedFinIsAcknowledgedAndRestartsTheTimer) {
  EXPECT_EQ(TimerIn(), 55'000u);
  Seg fin(kFin | kAck);
  fin.Seq(peer_nxt_ - 1).Ack(iss_ + 2).Ts(++peer_ts_, OurTsval());
  const Action a = Send(fin);
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_);
  EXPECT_EQ(a.events, Bit(Event::kAckTx));
  EXPECT_EQ(TimerIn(), 60'000u);
  EXPECT_EQ(tcb_->state, State::kTimeWait);
}

TEST_F(TimeWaitTest, PureAckIsConsumed) {
  const Action a = Send(Peer(kAck, iss_ + 2));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(tcb_->state, State::kTimeWait);
  EXPECT_EQ(TimerIn(), 55'000u);  // only a FIN restarts the 2 MSL wait
}

TEST_F(TimeWaitTest, NewerSynReopensTheConnection) {
  const SeqNum old_iss = iss_;
  const Action a = Send(LinuxSyn(kIrs + 100'000, peer_ts_ + 1000));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events,
            Events({Event::kSynRx, Event::kSynAckTx, Event::kTimeWaitReused,
                    Event::kClosed}));
  EXPECT_EQ(a.tcb_op, TcbOp::kUpdate);
  EXPECT_EQ(half_open_delta_, 1);
  EXPECT_EQ(a.reply.flags, TcpFlags(kSyn | kAck));
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 100'001));
  EXPECT_EQ(tcb_->state, State::kSynReceived);
  EXPECT_NE(tcb_->iss, old_iss);
  EXPECT_EQ(TimerIn(), 1000u);
}

TEST_F(TimeWaitTest, NewerSynUnderCookiesErasesTheEntry) {
  cfg_.cookies.mode = cookie::CookieMode::kAlways;
  ctx_->policy = cookie::CookiePolicy(cfg_.cookies);
  const Action a = Send(LinuxSyn(kIrs + 100'000, peer_ts_ + 1000));
  EXPECT_TRUE(a.Has(Event::kCookieSent));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(TimeWaitTest, OlderSynGetsChallengeAck) {
  const Action a = Send(LinuxSyn(kIrs + 100'000, peer_ts_ - 1));
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(tcb_->state, State::kTimeWait);
}

TEST_F(TimeWaitTest, SynIsNotReusedWhenNobodyListensAnyMore) {
  listening_ = false;
  const Action a = Send(LinuxSyn(kIrs + 100'000, peer_ts_ + 1000));
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(tcb_->state, State::kTimeWait);
}

TEST_F(TimeWaitTest, RstAtRcvNxtFreesTheEntry) {
  EXPECT_EQ(Send(Seg(kRst).Seq(peer_nxt_)).events, Bit(Event::kRstRx));
  EXPECT_FALSE(tcb_.has_value());
}

// Without timestamps RFC 6191 falls back to the sequence number.
class TimeWaitNoTsTest : public ClosingFixture {
 protected:
  void SetUp() override {
    cfg_.conn.offer_timestamps = false;
    cfg_.on_established = OnEstablished::kClose;
    ClosingFixture::SetUp();
    Send(Seg(kSyn).Seq(kIrs));
    iss_ = tcb_->iss;
    Send(Seg(kAck).Seq(kIrs + 1).Ack(iss_ + 1));
    Send(Seg(kFin | kAck).Seq(kIrs + 1).Ack(iss_ + 2));
    ASSERT_EQ(tcb_->state, State::kTimeWait);
    ASSERT_EQ(tcb_->rcv_nxt, SeqNum(kIrs + 2));
  }
};

TEST_F(TimeWaitNoTsTest, OnlyASynAboveRcvNxtReopens) {
  EXPECT_EQ(Send(Seg(kSyn).Seq(kIrs + 2)).events,
            Bit(Event::kChallengeAckTx));  // = RCV.NXT: not newer
  EXPECT_EQ(tcb_->state, State::kTimeWait);
  const Action a = Send(Seg(kSyn).Seq(kIrs + 3));
  EXPECT_TRUE(a.Has(Event::kTimeWaitReused)) << Describe(a);
  EXPECT_EQ(tcb_->state, State::kSynReceived);
  EXPECT_EQ(tcb_->rcv_nxt, SeqNum(kIrs + 4));
}

// --- The peer closes first (keep).

class LastAckTest : public ClosingFixture {
 protected:
  void SetUp() override {
    ClosingFixture::SetUp();
    Handshake();
    const Action a = Send(Peer(kFin | kAck, iss_ + 1));
    ExpectReply(a, kFin | kAck, iss_ + 1, peer_nxt_ + 1);
    peer_nxt_ += 1;
    ASSERT_EQ(tcb_->state, State::kLastAck);
    now_us_ += 10'000;
  }
};

TEST_F(LastAckTest, AckOfOurFinCloses) {
  const Action a = Send(Peer(kAck, iss_ + 2));
  EXPECT_EQ(a.verdict, Verdict::kConsume);
  EXPECT_EQ(a.events, Bit(Event::kClosed));
  EXPECT_EQ(a.timer_op, TimerOp::kCancel);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(LastAckTest, AckOfOnlyOurSynKeepsWaiting) {
  const Action a = Send(Peer(kAck, iss_ + 1));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(tcb_->state, State::kLastAck);
}

TEST_F(LastAckTest, RetransmittedFinGetsAnAck) {
  Seg fin(kFin | kAck);
  fin.Seq(peer_nxt_ - 1).Ack(iss_ + 1).Ts(++peer_ts_, OurTsval());
  const Action a = Send(fin);
  ExpectReply(a, kAck, iss_ + 2, peer_nxt_);
  EXPECT_EQ(tcb_->state, State::kLastAck);
}

TEST_F(LastAckTest, TextAfterTheFinIsIgnored) {
  const Action a = Send(Peer(kAck | kPsh, iss_ + 1).Payload(10));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.data_bytes, 0u);
  EXPECT_EQ(tcb_->rcv_nxt, peer_nxt_);
}

TEST_F(LastAckTest, FinIsRetransmittedThenReset) {
  const Action a = FireTimer();
  ExpectReply(a, kFin | kAck, iss_ + 1, peer_nxt_);
  EXPECT_EQ(a.events, Events({Event::kFinTx, Event::kFinRetransmit}));
  for (int i = 0; i < 4; ++i) FireTimer();
  const Action rst = FireTimer();
  ExpectReply(rst, kRst | kAck, iss_ + 2, peer_nxt_);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(LastAckTest, SynGetsChallengeAck) {
  EXPECT_EQ(Send(LinuxSyn(kIrs + 50, ++peer_ts_)).events,
            Bit(Event::kChallengeAckTx));
  EXPECT_EQ(tcb_->state, State::kLastAck);
}

// A CLOSE-WAIT entry is never stored by the responder (it sends its FIN at
// once), but one handed in is closed on its next acceptable segment.
TEST_F(LastAckTest, StoredCloseWaitSendsItsFin) {
  tcb_->state = State::kCloseWait;
  const Action a = Send(Peer(kAck, iss_ + 1));
  ExpectReply(a, kFin | kAck, iss_ + 1, peer_nxt_);
  EXPECT_EQ(tcb_->state, State::kLastAck);
}

}  // namespace
}  // namespace synx::tcp::testing
