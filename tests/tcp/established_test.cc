// ESTABLISHED (--on-established=keep): data, RFC 5961 RST / SYN / ACK rules,
// timestamps, the peer's close, the idle timeout; and the reset policy.

#include <gtest/gtest.h>

#include "tcp/rules.h"
#include "test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class EstablishedTest : public ResponderFixture {
 protected:
  void SetUp() override {
    ResponderFixture::SetUp();
    Establish();
  }

  void Establish() {
    const Action syn = Send(LinuxSyn());
    ASSERT_EQ(syn.tcb_op, TcbOp::kCreate);
    iss_ = tcb_->iss;
    now_us_ += 20'000;
    peer_ts_ = kPeerTsval + 20;
    const Action ack = Send(Seg(kAck).Seq(kIrs + 1).Ack(iss_ + 1).Ts(
        peer_ts_, syn.reply.syn.ts_val));
    ASSERT_EQ(ack.events, Bit(Event::kEstablished));
    peer_nxt_ = SeqNum(kIrs + 1);
    now_us_ += 1'000'000;  // a fresh challenge-ACK epoch
  }

  // The peer's next segment at its send pointer, acknowledging our SYN.
  Seg Peer(uint8_t flags) {
    Seg s(flags);
    s.Seq(peer_nxt_).Ack(iss_ + 1).Ts(++peer_ts_, OurTsval());
    return s;
  }

  void ExpectAck(const Action& a, SeqNum want_ack) {
    ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
    EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
    EXPECT_EQ(a.reply.seq, iss_ + 1);
    EXPECT_EQ(a.reply.ack, want_ack);
    EXPECT_EQ(a.reply.window, 64240 >> 7);
    EXPECT_TRUE(a.reply.timestamps);
    EXPECT_EQ(a.reply.ts_val, OurTsval());
  }

  SeqNum iss_;
  SeqNum peer_nxt_;
  uint32_t peer_ts_ = 0;
};

TEST_F(EstablishedTest, PureAckIsConsumedAndRestartsTheIdleTimer) {
  now_us_ += 5'000'000;
  const Action a = Send(Peer(kAck));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.events, 0u);
  ASSERT_EQ(a.timer_op, TimerOp::kArm);
  EXPECT_EQ(a.timer_ms, 60'000u);
  EXPECT_EQ(tcb_->ts_recent, peer_ts_);
}

TEST_F(EstablishedTest, InOrderDataIsAcknowledgedCountedAndDiscarded) {
  const Action a = Send(Peer(kAck | kPsh).Payload(1000));
  ExpectAck(a, peer_nxt_ + 1000);
  EXPECT_EQ(a.events, Events({Event::kDataRx, Event::kAckTx}));
  EXPECT_EQ(a.data_bytes, 1000u);
  EXPECT_EQ(a.reply.ts_ecr, peer_ts_);  // TS.Recent updated first
  EXPECT_EQ(tcb_->rcv_nxt, peer_nxt_ + 1000);
}

TEST_F(EstablishedTest, OutOfOrderDataGetsADuplicateAck) {
  const Action a = Send(Peer(kAck).Seq(peer_nxt_ + 500).Payload(100));
  ExpectAck(a, peer_nxt_);
  EXPECT_EQ(a.events, Bit(Event::kAckTx));
  EXPECT_EQ(a.data_bytes, 0u);
  EXPECT_EQ(tcb_->rcv_nxt, peer_nxt_);
}

TEST_F(EstablishedTest, OverlappingDataTakesOnlyTheNewBytes) {
  Send(Peer(kAck).Payload(100));
  peer_nxt_ += 100;
  const Action a = Send(Peer(kAck).Seq(peer_nxt_ - 40).Payload(100));
  ExpectAck(a, peer_nxt_ + 60);
  EXPECT_EQ(a.data_bytes, 60u);
}

TEST_F(EstablishedTest, OldDataGetsAnAckAndChangesNothing) {
  Send(Peer(kAck).Payload(100));
  const Action a = Send(Peer(kAck).Seq(peer_nxt_).Payload(100));  // again
  ExpectAck(a, peer_nxt_ + 100);
  EXPECT_EQ(a.events, Bit(Event::kAckTx));
  EXPECT_EQ(a.data_bytes, 0u);
}

TEST_F(EstablishedTest, DataBeyondTheWindowIsTrimmedAndItsFinIgnored) {
  const uint32_t wnd = (64240 >> 7) << 7;  // 64128: RCV.WND as advertised
  const Action a = Send(Peer(kAck | kFin).Payload(65000));
  ExpectAck(a, peer_nxt_ + wnd);
  EXPECT_EQ(a.data_bytes, wnd);
  EXPECT_FALSE(a.Has(Event::kFinRx));
  EXPECT_EQ(tcb_->state, State::kEstablished);
}

TEST_F(EstablishedTest, PeerFinIsAnsweredWithOurFinThenLastAckCloses) {
  const Action a = Send(Peer(kAck | kFin));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kFinRx, Event::kFinTx}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, peer_nxt_ + 1);
  EXPECT_EQ(tcb_->state, State::kLastAck);
  EXPECT_EQ(tcb_->SndNxt(), iss_ + 2);
  EXPECT_EQ(TimerIn(), 1000u);
  peer_nxt_ += 1;

  const Action last = Send(Peer(kAck).Ack(iss_ + 2));
  EXPECT_EQ(last.verdict, Verdict::kConsume);
  EXPECT_EQ(last.events, Bit(Event::kClosed));
  EXPECT_EQ(last.tcb_op, TcbOp::kErase);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(EstablishedTest, OutOfOrderFinIsNotProcessed) {
  const Action a = Send(Peer(kAck | kFin).Seq(peer_nxt_ + 10));
  ExpectAck(a, peer_nxt_);
  EXPECT_FALSE(a.Has(Event::kFinRx));
  EXPECT_EQ(tcb_->state, State::kEstablished);
}

// --- RFC 5961 §3: RST

TEST_F(EstablishedTest, RstAtRcvNxtResets) {
  const Action a = Send(Seg(kRst).Seq(peer_nxt_));
  EXPECT_EQ(a.verdict, Verdict::kConsume);
  EXPECT_EQ(a.events, Bit(Event::kRstRx));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
  EXPECT_EQ(a.timer_op, TimerOp::kCancel);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(EstablishedTest, RstWithoutTimestampsIsStillAccepted) {
  // RFC 7323 §3.2 exempts RSTs from the "TSopt on every segment" rule.
  EXPECT_EQ(Send(Seg(kRst | kAck).Seq(peer_nxt_).Ack(iss_ + 1)).events,
            Bit(Event::kRstRx));
}

TEST_F(EstablishedTest, RstInsideTheWindowGetsChallengeAck) {
  const Action a = Send(Seg(kRst).Seq(peer_nxt_ + 1));
  ExpectAck(a, peer_nxt_);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(tcb_->state, State::kEstablished);
}

// smoltcp test_established_bad_seq / "bad-sequence RST dropped silently".
TEST_F(EstablishedTest, RstOutsideTheWindowIsDroppedSilently) {
  const uint32_t wnd = (64240 >> 7) << 7;
  EXPECT_DROP(Send(Seg(kRst).Seq(peer_nxt_ + wnd)),
              DropReason::kTcpOutOfWindow);
  EXPECT_DROP(Send(Seg(kRst).Seq(peer_nxt_ - 1)),
              DropReason::kTcpOutOfWindow);
  EXPECT_EQ(Send(Seg(kRst).Seq(peer_nxt_ + wnd - 1)).events,
            Bit(Event::kChallengeAckTx));
  EXPECT_EQ(tcb_->state, State::kEstablished);
}

// RFC 5961 §7, per flow (CVE-2016-5696): 5 per second, then silence.
TEST_F(EstablishedTest, ChallengeAcksAreThrottledPerFlow) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Send(Seg(kRst).Seq(peer_nxt_ + 7)).events,
              Bit(Event::kChallengeAckTx))
        << i;
  }
  EXPECT_DROP(Send(Seg(kRst).Seq(peer_nxt_ + 7)),
              DropReason::kTcpAckRateLimited);
  // SYNs and out-of-window segments draw on the same budget.
  EXPECT_DROP(Send(LinuxSyn(kIrs + 99)), DropReason::kTcpAckRateLimited);

  // Another flow on the same core is unaffected: the budget lives in its TCB.
  Tcb other = *tcb_;
  other.challenge_count = 0;
  const Action b = OnSegment(cfg_, *ctx_, tuple_, &other, true,
                             Seg(kRst).Seq(peer_nxt_ + 7), now_us_);
  EXPECT_EQ(b.events, Bit(Event::kChallengeAckTx));

  // The next second restores this flow's budget.
  now_us_ += 1'000'000;
  EXPECT_EQ(Send(Seg(kRst).Seq(peer_nxt_ + 7)).events,
            Bit(Event::kChallengeAckTx));
}

// --- RFC 5961 §4: SYN

TEST_F(EstablishedTest, SynGetsChallengeAckAndNeverResets) {
  for (uint32_t seq : {kIrs, kIrs + 1, kIrs + 1000, kIrs + 0x80000000u}) {
    now_us_ += 1'000'000;
    const Action a = Send(LinuxSyn(seq, ++peer_ts_));
    ExpectAck(a, peer_nxt_);
    EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx)) << seq;
    EXPECT_EQ(tcb_->state, State::kEstablished);
  }
}

// --- ACK field (step 5, RFC 5961 §5)

TEST_F(EstablishedTest, AckOfUnsentDataGetsAckAndDropsTheSegment) {
  const uint32_t ts_recent = tcb_->ts_recent;
  const Action a = Send(Peer(kAck).Ack(iss_ + 2).Payload(10));
  ExpectAck(a, peer_nxt_);
  EXPECT_EQ(a.events, Bit(Event::kAckTx));
  EXPECT_EQ(a.data_bytes, 0u);
  EXPECT_EQ(tcb_->rcv_nxt, peer_nxt_);
  // A segment dropped for its ACK does not move TS.Recent.
  EXPECT_EQ(tcb_->ts_recent, ts_recent);
  EXPECT_EQ(a.reply.ts_ecr, ts_recent);
}

TEST_F(EstablishedTest, AckBelowOurSynGetsChallengeAck) {
  const Action a = Send(Peer(kAck).Ack(iss_).Payload(10));
  ExpectAck(a, peer_nxt_);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(tcb_->rcv_nxt, peer_nxt_);
}

TEST_F(EstablishedTest, SegmentWithoutAckIsDropped) {
  EXPECT_DROP(Send(Peer(kPsh).Ack(0u).Payload(10)), DropReason::kTcpNoAck);
  EXPECT_DROP(Send(Peer(kFin).Ack(0u)), DropReason::kTcpNoAck);
  EXPECT_EQ(tcb_->rcv_nxt, peer_nxt_);
}

// --- Timestamps (RFC 7323)

TEST_F(EstablishedTest, SegmentWithoutTimestampsIsDropped) {
  EXPECT_DROP(Send(Peer(kAck).NoTs().Payload(10)), DropReason::kTcpTsMissing);
  EXPECT_EQ(tcb_->rcv_nxt, peer_nxt_);
}

TEST_F(EstablishedTest, PawsRejectsAnOldSegment) {
  const Action a = Send(Peer(kAck).Ts(peer_ts_ - 100, 0).Payload(10));
  ExpectAck(a, peer_nxt_);
  EXPECT_EQ(a.events, Events({Event::kAckTx, Event::kPawsRejected}));
  EXPECT_EQ(tcb_->rcv_nxt, peer_nxt_);
}

TEST_F(EstablishedTest, TsvalComparesModulo32Bits) {
  tcb_->ts_recent = 0xfffffff0u;
  const Action a = Send(Peer(kAck).Ts(5, 0).Payload(10));  // wrapped: newer
  EXPECT_EQ(a.data_bytes, 10u);
  EXPECT_EQ(tcb_->ts_recent, 5u);
}

TEST_F(EstablishedTest, TsRecentIsNotTakenFromOutOfOrderSegments) {
  const uint32_t before = tcb_->ts_recent;
  Send(Peer(kAck).Seq(peer_nxt_ + 100).Payload(10));
  EXPECT_EQ(tcb_->ts_recent, before);  // SEG.SEQ > Last.ACK.sent
}

// --- Zero window (§3.10.7.4's table, RCV.WND = 0)

TEST_F(EstablishedTest, ZeroWindowAcceptsOnlyEmptySegmentsAtRcvNxt) {
  cfg_.conn.window = 100;  // 100 >> 7 = 0: RCV.WND as advertised is 0
  const Action empty = Send(Peer(kAck));
  EXPECT_EQ(empty.verdict, Verdict::kConsume);
  const Action data = Send(Peer(kAck).Payload(1));
  ASSERT_EQ(data.verdict, Verdict::kReply);
  EXPECT_EQ(data.reply.window, 0);
  EXPECT_EQ(data.reply.ack, peer_nxt_);
  EXPECT_EQ(data.data_bytes, 0u);
  const Action ahead = Send(Peer(kAck).Seq(peer_nxt_ + 1));
  EXPECT_EQ(ahead.events, Bit(Event::kAckTx));
  // Only the exact sequence number resets.
  EXPECT_DROP(Send(Seg(kRst).Seq(peer_nxt_ + 1)), DropReason::kTcpOutOfWindow);
  EXPECT_EQ(Send(Seg(kRst).Seq(peer_nxt_)).events, Bit(Event::kRstRx));
}

// --- Idle timeout

TEST_F(EstablishedTest, IdleTimeoutResetsThePeer) {
  const Action a = FireTimer();
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kRstTx, Event::kIdleTimeout}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst | kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, peer_nxt_);
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(EstablishedTest, WithoutTimestampsNothingCarriesThem) {
  cfg_.conn.offer_timestamps = false;
  Rebuild();
  Establish();
  EXPECT_FALSE(tcb_->Has(tcb_flag::kTsOk));
  const Action a = Send(Peer(kAck).NoTs().Payload(5));
  EXPECT_EQ(a.data_bytes, 5u);
  EXPECT_FALSE(a.reply.timestamps);
}

TEST_F(EstablishedTest, WithoutWindowScalingTheWindowIsUnscaled) {
  Rebuild();
  Send(Seg(kSyn).Seq(kIrs).Mss(1460));  // no WS option
  iss_ = tcb_->iss;
  Send(Seg(kAck).Seq(kIrs + 1).Ack(iss_ + 1));
  const Action a = Send(Seg(kAck).Seq(kIrs + 1).Ack(iss_ + 1).Payload(1));
  EXPECT_EQ(a.reply.window, 64240);
}

// --- --on-established=reset

class ResetPolicyTest : public ResponderFixture {
 protected:
  void SetUp() override {
    cfg_.on_established = OnEstablished::kReset;
    ResponderFixture::SetUp();
  }
};

TEST_F(ResetPolicyTest, CompletingAckIsAnsweredWithRst) {
  const Action syn = Send(LinuxSyn());
  const SeqNum iss = tcb_->iss;
  const Action a = Send(Seg(kAck).Seq(kIrs + 1).Ack(iss + 1).Ts(
      kPeerTsval + 1, syn.reply.syn.ts_val));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kEstablished, Event::kRstTx}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst | kAck));
  EXPECT_EQ(a.reply.seq, iss + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
  EXPECT_EQ(half_open_delta_, -1);
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(ResetPolicyTest, DataOnTheCompletingAckIsAcknowledgedByTheRst) {
  const Action syn = Send(LinuxSyn());
  const SeqNum iss = tcb_->iss;
  const Action a = Send(Seg(kAck | kPsh).Seq(kIrs + 1).Ack(iss + 1).Payload(30).Ts(
      kPeerTsval + 1, syn.reply.syn.ts_val));
  EXPECT_EQ(a.events,
            Events({Event::kEstablished, Event::kDataRx, Event::kRstTx}));
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 31));
}

}  // namespace
}  // namespace synx::tcp::testing
