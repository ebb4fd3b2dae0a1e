// SYN-SENT (RFC 9293 §3.10.7.3): every rule, with smoltcp's and FreeBSD's
// cases (handshake-rules.md §C), plus segments for no entry (§3.10.7.1).

#include <gtest/gtest.h>

#include "initiator_test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class SynSentTest : public InitiatorFixture {
 protected:
  void SetUp() override {
    eng_.cfg.close = Close::kNone;  // the handshake alone
    OpenNow();
    eng_.now_us += 20'000;  // an RTT later
  }
};

// ---- first: the ACK bit ---------------------------------------------------

// smoltcp test_syn_sent_bad_ack (and FreeBSD's edges): SEG.ACK =< ISS or
// SEG.ACK > SND.NXT → <SEQ=SEG.ACK><CTL=RST>, the entry left as it was (a
// stale or forged segment must not kill the open).
TEST_F(SynSentTest, UnacceptableAckGetsRstAtSegAckAndKeepsTheEntry) {
  const uint32_t offsets[] = {0, 2, 0xffffffff, 1000, 0x40000000, 0x80000000};
  for (uint32_t off : offsets) {
    for (uint8_t flags : {uint8_t{kAck}, uint8_t{kSyn | kAck},
                          uint8_t{kAck | kFin}, uint8_t{kAck | kPsh}}) {
      SCOPED_TRACE(::testing::Message() << "ACK=ISS+" << off << " flags "
                                        << int{flags});
      const Tcb before = *eng_.tcb;
      const std::optional<uint64_t> timer = eng_.TimerIn();
      const Action a = Send(Seg(flags).Seq(kTargetIsn).Ack(iss_ + off));
      ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
      EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
      EXPECT_EQ(a.reply.seq, iss_ + off);
      EXPECT_EQ(a.reply.ack, SeqNum(0));
      EXPECT_FALSE(a.reply.timestamps);
      EXPECT_EQ(a.events, Bit(Event::kRstTx));
      EXPECT_EQ(a.tcb_op, TcbOp::kNone);
      EXPECT_EQ(a.timer_op, TimerOp::kNone);
      EXPECT_EQ(*eng_.tcb, before);
      EXPECT_EQ(eng_.TimerIn(), timer);
    }
  }
}

TEST_F(SynSentTest, RstsToBadAcksAreRateLimitedPerCore) {
  eng_.cfg.rst_rate_per_s = 1;
  eng_.cfg.rst_burst = 2;
  const Tcb entry = *eng_.tcb;
  InitiatorContext ctx(eng_.cfg, InitiatorEngine::Secrets());
  const wire::TcpSegment bad = Seg(kSyn | kAck).Seq(kTargetIsn).Ack(iss_);
  for (int i = 0; i < 2; ++i) {
    const Action a =
        OnSegment(eng_.cfg, ctx, ClientV4(), &entry, bad, eng_.now_us);
    EXPECT_EQ(a.verdict, Verdict::kReply) << i;
  }
  const Action a =
      OnSegment(eng_.cfg, ctx, ClientV4(), &entry, bad, eng_.now_us);
  EXPECT_DROP(a, DropReason::kTcpRstRateLimited);
  EXPECT_EQ(a.events, 0u);
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
}

// ---- second: the RST bit --------------------------------------------------

// smoltcp test_syn_sent_rst_no_ack: a RST without ACK is ignored.
TEST_F(SynSentTest, RstWithoutAckIsIgnored) {
  const Tcb before = *eng_.tcb;
  for (uint32_t seq : {kTargetIsn, 0u, 0x80000000u}) {
    const Action a = Send(Seg(kRst).Seq(seq));
    EXPECT_DROP(a, DropReason::kTcpSynSentRstNoAck);
    EXPECT_EQ(a.events, 0u);
    EXPECT_EQ(a.tcb_op, TcbOp::kNone);
    EXPECT_EQ(*eng_.tcb, before);
  }
}

// smoltcp test_syn_sent_rst_bad_ack: a RST whose ACK is unacceptable is
// dropped, never answered.
TEST_F(SynSentTest, RstWithBadAckIsIgnored) {
  const Tcb before = *eng_.tcb;
  for (uint32_t off : {0u, 2u, 0xffffffffu, 0x80000000u}) {
    const Action a = Send(Seg(kRst | kAck).Seq(0).Ack(iss_ + off));
    EXPECT_DROP(a, DropReason::kTcpSynSentRstBadAck);
    EXPECT_EQ(a.events, 0u);
    EXPECT_EQ(a.tcb_op, TcbOp::kNone);
    EXPECT_EQ(*eng_.tcb, before);
  }
}

// smoltcp test_syn_sent_rst: a RST with ACK = ISS+1 (what Linux sends for a
// closed port: <SEQ=0><ACK=ISS+1><RST,ACK>) refuses the connection, whatever
// its SEQ.
TEST_F(SynSentTest, RstWithGoodAckRefusesTheConnection) {
  const Action a = Send(Seg(kRst | kAck).Seq(0).Ack(iss_ + 1));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kRstRx, Event::kRefused}));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
  EXPECT_EQ(a.timer_op, TimerOp::kCancel);
  EXPECT_FALSE(eng_.tcb.has_value());
  EXPECT_FALSE(eng_.deadline_us.has_value());
}

TEST_F(SynSentTest, RstWithGoodAckAndDataRefusesToo) {  // SHLD-2
  const Action a = Send(Seg(kRst | kAck).Seq(7).Ack(iss_ + 1).Payload(30));
  EXPECT_EQ(a.events, Events({Event::kRstRx, Event::kRefused}));
  EXPECT_EQ(a.tcb_op, TcbOp::kErase);
}

// ---- fourth: the SYN bit --------------------------------------------------

TEST_F(SynSentTest, SynAckEstablishesAndIsAcknowledged) {
  const Action a = Send(LinuxSynAck());
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kSynAckRx, Event::kEstablished}));
  EXPECT_EQ(a.handshake_us, 20'000u);
  // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, window scaled by our shift (7),
  // timestamps echoing the peer's TSval.
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(a.reply.window, 64240 >> 7);
  EXPECT_TRUE(a.reply.timestamps);
  EXPECT_EQ(a.reply.ts_val, eng_.OurTsval());
  EXPECT_EQ(a.reply.ts_ecr, kTargetTsval);
  EXPECT_EQ(a.reply.ttl, 64);

  ASSERT_EQ(a.tcb_op, TcbOp::kUpdate);
  const Tcb& t = *eng_.tcb;
  EXPECT_EQ(t.state, State::kEstablished);
  EXPECT_EQ(t.iss, iss_);
  EXPECT_EQ(t.rcv_nxt, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(t.SndUna(), iss_ + 1);
  EXPECT_EQ(t.mss, 1460);
  EXPECT_EQ(t.flags, tcb_flag::kSackOk | tcb_flag::kTsOk | tcb_flag::kWsOk);
  EXPECT_EQ(t.snd_wscale(), 7);
  EXPECT_EQ(t.rcv_wscale(), 7);
  EXPECT_EQ(t.ts_recent, kTargetTsval);
  EXPECT_EQ(t.ts_offset, eng_.TsOffset());
  EXPECT_EQ(t.retransmits, 0);
  // --close=none: the SYN timer is cancelled and nothing replaces it.
  EXPECT_EQ(a.timer_op, TimerOp::kCancel);
  EXPECT_FALSE(eng_.deadline_us.has_value());
}

TEST_F(SynSentTest, TheAckParsesBackOnTheWire) {
  const Action a = Send(LinuxSynAck());
  const wire::TcpSegment s = OnTheWire(a.reply, ClientV4());
  EXPECT_EQ(s.flags, TcpFlags(kAck));
  EXPECT_EQ(s.seq, iss_ + 1);
  EXPECT_EQ(s.ack, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(s.window, 64240 >> 7);
  EXPECT_TRUE(s.options.has_timestamps);
  EXPECT_EQ(s.options.ts_ecr, kTargetTsval);
  EXPECT_EQ(s.payload_len, 0);
}

// smoltcp test_syn_sent_syn_ack / FreeBSD: a SYN+ACK carrying text: the text
// is acknowledged (and discarded), RCV.NXT moves past it.
TEST_F(SynSentTest, SynAckWithDataAcknowledgesTheData) {
  const Action a = Send(LinuxSynAck().Payload(100));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kSynAckRx, Event::kEstablished,
                              Event::kDataRx}));
  EXPECT_EQ(a.data_bytes, 100u);
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 101));
  EXPECT_EQ(eng_.tcb->rcv_nxt, SeqNum(kTargetIsn + 101));
}

// No options at all: MSS defaults to 536 / 1220 (MUST-15, RFC 6691), no WS
// (both shifts 0, the ACK's window unscaled), no SACK, no TS.
TEST_F(SynSentTest, SynAckWithoutOptionsGivesTheDefaults) {
  const Action a = Send(Seg(kSyn | kAck).Seq(kTargetIsn).Ack(iss_ + 1));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  const Tcb& t = *eng_.tcb;
  EXPECT_EQ(t.mss, 536);
  EXPECT_EQ(t.flags, 0);
  EXPECT_EQ(t.wscale, 0);
  EXPECT_EQ(t.ts_recent, 0u);
  EXPECT_EQ(a.reply.window, 64240);
  EXPECT_FALSE(a.reply.timestamps);
}

TEST(SynSentV6Test, SynAckWithoutOptionsGivesTheV6Default) {
  InitiatorEngine eng(ClientV6());
  eng.cfg.close = Close::kNone;
  eng.Reset();
  const SeqNum iss = eng.Open().reply.seq;
  const Action a = eng.Send(Seg(kSyn | kAck).Seq(kTargetIsn).Ack(iss + 1));
  ASSERT_EQ(a.tcb_op, TcbOp::kUpdate) << Describe(a);
  EXPECT_EQ(eng.tcb->mss, 1220);
  EXPECT_EQ(eng.tcb->flags, tcb_flag::kIpv6);
}

TEST_F(SynSentTest, EffectiveMssIsTheSmallerOneAndTinyMssIsClamped) {
  struct Row {
    uint16_t peer;
    uint16_t want;
  };
  // Ours is 1460; the floor is 216 (handshake-rules.md §B "MSS tiny").
  for (const Row r : {Row{9000, 1460}, Row{1400, 1400}, Row{536, 536},
                      Row{100, 216}, Row{1, 216}}) {
    OpenNow();
    Send(LinuxSynAck().Mss(r.peer));
    ASSERT_TRUE(eng_.tcb.has_value());
    EXPECT_EQ(eng_.tcb->mss, r.want) << r.peer;
  }
}

// RFC 7323 §2.3: a shift above 14 is used as 14 (the parser clamps too; the
// rules do not rely on it).
TEST_F(SynSentTest, WindowScaleAbove14IsClamped) {
  Send(LinuxSynAck().Ws(15));
  ASSERT_TRUE(eng_.tcb.has_value());
  EXPECT_EQ(eng_.tcb->snd_wscale(), 14);
  OpenNow();
  Send(LinuxSynAck().Ws(255));
  EXPECT_EQ(eng_.tcb->snd_wscale(), 14);
}

// RFC 7323 §1.3 / RFC 2018: an option is used only if both SYNs carried it.
TEST_F(SynSentTest, OptionsWeDidNotOfferAreNotUsed) {
  eng_.cfg.conn.offer_window_scale = false;
  eng_.cfg.conn.offer_sack = false;
  eng_.cfg.conn.offer_timestamps = false;
  OpenNow();
  const Action a = Send(LinuxSynAck());
  ASSERT_EQ(a.tcb_op, TcbOp::kUpdate);
  EXPECT_EQ(eng_.tcb->flags, 0);
  EXPECT_EQ(eng_.tcb->wscale, 0);
  EXPECT_EQ(a.reply.window, 64240);  // unscaled
  EXPECT_FALSE(a.reply.timestamps);
}

TEST_F(SynSentTest, PeerWithoutWindowScaleMeansNoScalingEitherWay) {
  const Action a = Send(Seg(kSyn | kAck)
                            .Seq(kTargetIsn)
                            .Ack(iss_ + 1)
                            .Mss(1460)
                            .Ts(kTargetTsval, syn_tsval_));
  EXPECT_EQ(eng_.tcb->flags, tcb_flag::kTsOk);
  EXPECT_EQ(eng_.tcb->wscale, 0);
  EXPECT_EQ(a.reply.window, 64240);
  EXPECT_TRUE(a.reply.timestamps);
}

// smoltcp test_syn_sent_syn_ack_not_incremented / FreeBSD "ACK only" in
// SYN-SENT: fifth — neither SYN nor RST → drop, entry untouched.
TEST_F(SynSentTest, NeitherSynNorRstIsDropped) {
  const Tcb before = *eng_.tcb;
  const wire::TcpSegment segs[] = {
      Seg(kAck).Seq(kTargetIsn).Ack(iss_ + 1),
      Seg(kAck | kPsh).Seq(kTargetIsn).Ack(iss_ + 1).Payload(10),
      Seg(kFin | kAck).Seq(kTargetIsn).Ack(iss_ + 1),
      Seg(kFin).Seq(kTargetIsn),
      Seg(kPsh).Seq(kTargetIsn).Payload(1),
      Seg(kUrg).Seq(kTargetIsn),
  };
  for (const wire::TcpSegment& s : segs) {
    const Action a = Send(s);
    EXPECT_DROP(a, DropReason::kTcpSynSentNoSyn);
    EXPECT_EQ(a.events, 0u);
    EXPECT_EQ(a.tcb_op, TcbOp::kNone);
    EXPECT_EQ(a.timer_op, TimerOp::kNone);
    EXPECT_EQ(*eng_.tcb, before);
  }
}

// A cookie server (or a lost ACK) repeats its SYN+ACK, same ISN, after we
// established: ACK it again.
TEST_F(SynSentTest, RepeatedSynAckAfterEstablishedIsAcknowledgedAgain) {
  const Action first = Send(LinuxSynAck());
  ASSERT_EQ(eng_.tcb->state, State::kEstablished);
  eng_.now_us += 1'000'000;
  const Action a = Send(LinuxSynAck().Ts(kTargetTsval + 1000, syn_tsval_));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kAckTx));
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(a.reply.window, first.reply.window);
  EXPECT_EQ(eng_.tcb->state, State::kEstablished);
  EXPECT_EQ(eng_.tcb->rcv_nxt, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(a.handshake_us, 0u);  // measured once
}

// A SYN+ACK with another ISN after we established is a SYN in a synchronized
// state (RFC 5961 §4): challenge ACK, connection untouched.
TEST_F(SynSentTest, SynAckWithAnotherIsnAfterEstablishedIsChallenged) {
  Send(LinuxSynAck());
  const Action a = Send(LinuxSynAck().Seq(kTargetIsn + 5000));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kChallengeAckTx));
  EXPECT_EQ(a.reply.seq, iss_ + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  EXPECT_EQ(eng_.tcb->rcv_nxt, SeqNum(kTargetIsn + 1));
}

// ---- no entry (§3.10.7.1) -------------------------------------------------

TEST(InitiatorClosedTest, SegmentsForNoEntryGetTheClosedStateReset) {
  InitiatorEngine eng(ClientV4());
  eng.Reset();
  // A SYN+ACK after the open was given up: <SEQ=SEG.ACK><CTL=RST>.
  Action a = eng.Send(Seg(kSyn | kAck).Seq(kTargetIsn).Ack(1234));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, SeqNum(1234));
  EXPECT_EQ(a.events, Bit(Event::kRstTx));
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
  // No ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  a = eng.Send(Seg(kSyn).Seq(kTargetIsn));
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst | kAck));
  EXPECT_EQ(a.reply.seq, SeqNum(0));
  EXPECT_EQ(a.reply.ack, SeqNum(kTargetIsn + 1));
  // A RST is never answered.
  EXPECT_DROP(eng.Send(Seg(kRst | kAck).Seq(1).Ack(2)),
              DropReason::kTcpRstNoConnection);
}

}  // namespace
}  // namespace synx::tcp::testing
