// Simultaneous open (RFC 9293 MUST-10, §3.5 figure 7): SYN in SYN-SENT →
// SYN-RECEIVED (active, MUST-11) → ESTABLISHED, rule by rule and end to end
// between two initiators over real frames.

#include <gtest/gtest.h>

#include "initiator_test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class SimultaneousOpenTest : public InitiatorFixture {
 protected:
  void SetUp() override {
    eng_.cfg.close = Close::kNone;
    OpenNow();
    eng_.now_us += 5'000;
  }

  // The peer's own SYN, crossing ours: Linux's options.
  Seg PeerSyn() const {
    Seg s(kSyn);
    s.Seq(kTargetIsn).Mss(1400).SackOk().Ts(kTargetTsval, 0).Ws(9);
    return s;
  }

  // Moves to SYN-RECEIVED; returns our SYN+ACK.
  Action Cross() {
    const Action a = Send(PeerSyn());
    EXPECT_EQ(eng_.tcb->state, State::kSynReceived);
    return a;
  }
};

TEST_F(SimultaneousOpenTest, SynInSynSentAnswersWithSynAck) {
  const Action a = Send(PeerSyn());
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events,
            Events({Event::kSimultaneousOpen, Event::kSynAckTx}));
  // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> with the options both SYNs agreed.
  EXPECT_EQ(a.reply.flags, TcpFlags(kSyn | kAck));
  EXPECT_EQ(a.reply.seq, iss_);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(a.reply.window, 64240);
  EXPECT_EQ(a.reply.syn.mss, 1460);  // ours, whatever the peer's
  EXPECT_TRUE(a.reply.syn.sack_permitted);
  EXPECT_TRUE(a.reply.syn.timestamps);
  EXPECT_EQ(a.reply.syn.ts_val, eng_.OurTsval());
  EXPECT_EQ(a.reply.syn.ts_ecr, kTargetTsval);
  EXPECT_TRUE(a.reply.syn.window_scale);
  EXPECT_EQ(a.reply.syn.window_shift, 7);

  ASSERT_EQ(a.tcb_op, TcbOp::kUpdate);
  const Tcb& t = *eng_.tcb;
  EXPECT_EQ(t.state, State::kSynReceived);
  EXPECT_FALSE(t.Has(tcb_flag::kPassive));  // MUST-11: active
  EXPECT_EQ(t.rcv_nxt, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(t.mss, 1400);
  EXPECT_EQ(t.snd_wscale(), 9);
  EXPECT_EQ(t.ts_recent, kTargetTsval);
  // The SYN timer runs on, now for the SYN+ACK.
  EXPECT_EQ(a.timer_op, TimerOp::kNone);
  EXPECT_EQ(eng_.TimerIn(), 995u);
}

TEST_F(SimultaneousOpenTest, TextOnTheCrossingSynIsNotAcknowledged) {
  const Action a = Send(PeerSyn().Payload(50));
  EXPECT_EQ(a.events, Events({Event::kSimultaneousOpen, Event::kSynAckTx,
                              Event::kSynDataIgnored}));
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
}

// Figure 7 line 6: the peer's SYN+ACK completes the handshake (its SYN lies
// before RCV.NXT and is trimmed).
TEST_F(SimultaneousOpenTest, PeerSynAckCompletesIt) {
  Cross();
  const Action a = Send(Seg(kSyn | kAck)
                            .Seq(kTargetIsn)
                            .Ack(iss_ + 1)
                            .Mss(1400)
                            .Ts(kTargetTsval + 3, eng_.OurTsval())
                            .Ws(9));
  // Our SYN+ACK already acknowledged the peer's SYN: nothing to send
  // (figure 7 sends nothing either).
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kEstablished));  // no synack_rx, no latency
  EXPECT_EQ(a.handshake_us, 0u);
  EXPECT_EQ(eng_.tcb->state, State::kEstablished);
  EXPECT_EQ(eng_.tcb->rcv_nxt, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(eng_.tcb->ts_recent, kTargetTsval + 3);
  EXPECT_FALSE(eng_.deadline_us.has_value());  // --close=none
}

TEST_F(SimultaneousOpenTest, PeerAckCompletesItAndCloseApplies) {
  eng_.cfg.close = Close::kFin;
  Cross();
  const Action a = Send(Seg(kAck).Seq(kTargetIsn + 1).Ack(iss_ + 1).Ts(
      kTargetTsval + 3, eng_.OurTsval()));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kEstablished, Event::kFinTx}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(eng_.tcb->state, State::kFinWait1);
}

// MUST-11: a RST in an active SYN-RECEIVED returns to CLOSED: refused.
TEST_F(SimultaneousOpenTest, RstReturnsToClosedAsRefused) {
  Cross();
  const Action a = Send(Seg(kRst).Seq(kTargetIsn + 1));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kRstRx, Event::kRefused}));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
}

TEST_F(SimultaneousOpenTest, PeerSynAgainGetsOurSynAckAgain) {
  const Action first = Cross();
  const Action a = Send(PeerSyn());
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kSynAckTx, Event::kSynAckRetransmit}));
  EXPECT_EQ(a.reply.seq, first.reply.seq);
  EXPECT_EQ(a.reply.ack, first.reply.ack);
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
}

TEST_F(SimultaneousOpenTest, BadAckInSynReceivedGetsRst) {
  Cross();
  const Action a =
      Send(Seg(kAck).Seq(kTargetIsn + 1).Ack(iss_ + 9).Ts(kTargetTsval, 0));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, iss_ + 9);
  EXPECT_EQ(eng_.tcb->state, State::kSynReceived);
}

// The SYN's budget carries over: one SYN retransmission already spent, two
// SYN+ACK retransmissions are left, then the open is given up.
TEST_F(SimultaneousOpenTest, SynAckIsRetransmittedOnTheSynBudget) {
  eng_.cfg.syn_retries = 3;
  eng_.now_us = kT0;
  OpenNow();
  FireTimer();  // the SYN again at +1 s
  Cross();
  Action a = FireTimer();  // +3 s
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kSynAckTx, Event::kSynAckRetransmit}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kSyn | kAck));
  EXPECT_EQ(a.reply.seq, iss_);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  EXPECT_EQ((eng_.now_us - kT0) / 1000, 3000u);
  a = FireTimer();  // +7 s
  EXPECT_EQ(a.reply.flags, TcpFlags(kSyn | kAck));
  a = FireTimer();  // +15 s
  EXPECT_EQ(a.events, Bit(Event::kSynTimeout));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
  EXPECT_EQ((eng_.now_us - kT0) / 1000, 15000u);
}

// Two synx initiators opening to each other with the same ports, their
// segments carried as real frames (written, then parsed back).
TEST(SimultaneousOpenEndToEnd, TwoInitiatorsMeetInEstablished) {
  for (bool ts : {true, false}) {
    SCOPED_TRACE(ts ? "timestamps" : "no timestamps");
    InitiatorEngine a(ClientV4());
    InitiatorEngine b(Mirror(ClientV4()));
    for (InitiatorEngine* e : {&a, &b}) {
      e->cfg.close = Close::kNone;
      e->cfg.conn.offer_timestamps = ts;
      e->Reset();
    }
    b.now_us += 300;
    const Action syn_a = a.Open();
    const Action syn_b = b.Open();
    a.now_us += 1000;
    b.now_us += 1000;
    // The SYNs cross.
    const Action synack_b = b.Send(OnTheWire(syn_a.reply, a.tuple()));
    const Action synack_a = a.Send(OnTheWire(syn_b.reply, b.tuple()));
    ASSERT_EQ(synack_a.reply.flags, TcpFlags(kSyn | kAck));
    ASSERT_EQ(synack_b.reply.flags, TcpFlags(kSyn | kAck));
    EXPECT_EQ(a.tcb->state, State::kSynReceived);
    EXPECT_EQ(b.tcb->state, State::kSynReceived);
    // Each SYN+ACK completes the other side; nothing more needs sending.
    a.now_us += 1000;
    b.now_us += 1000;
    const Action est_b = b.Send(OnTheWire(synack_a.reply, a.tuple()));
    const Action est_a = a.Send(OnTheWire(synack_b.reply, b.tuple()));
    EXPECT_EQ(est_a.verdict, Verdict::kConsume) << Describe(est_a);
    EXPECT_EQ(est_b.verdict, Verdict::kConsume) << Describe(est_b);
    EXPECT_EQ(est_a.events, Bit(Event::kEstablished));
    EXPECT_EQ(est_b.events, Bit(Event::kEstablished));
    ASSERT_TRUE(a.tcb && b.tcb);
    EXPECT_EQ(a.tcb->state, State::kEstablished);
    EXPECT_EQ(b.tcb->state, State::kEstablished);
    EXPECT_EQ(a.tcb->rcv_nxt, b.tcb->iss + 1);
    EXPECT_EQ(b.tcb->rcv_nxt, a.tcb->iss + 1);
    EXPECT_EQ(a.tcb->Has(tcb_flag::kTsOk), ts);
    EXPECT_EQ(a.tcb->flags, b.tcb->flags);
    EXPECT_FALSE(a.deadline_us.has_value());
    EXPECT_FALSE(b.deadline_us.has_value());
    // B's SYN+ACK again (as if A's had been lost and B retransmitted) gets
    // an ACK from A, which B, established, accepts as an ordinary ACK.
    b.now_us += 1000;
    a.now_us += 1000;
    const Action again = a.Send(OnTheWire(synack_b.reply, b.tuple()));
    ASSERT_EQ(again.verdict, Verdict::kReply) << Describe(again);
    EXPECT_EQ(again.events, Bit(Event::kAckTx));
    const Action end_b = b.Send(OnTheWire(again.reply, a.tuple()));
    EXPECT_EQ(end_b.verdict, Verdict::kConsume) << Describe(end_b);
    EXPECT_EQ(b.tcb->state, State::kEstablished);
  }
}

}  // namespace
}  // namespace synx::tcp::testing
