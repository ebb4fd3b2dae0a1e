// No entry: CLOSED (nobody listens, RFC 9293 §3.10.7.1) and LISTEN
// (§3.10.7.2), stateful mode. Cookie mode has its own file.

#include <gtest/gtest.h>

#include "test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class ClosedTest : public ResponderFixture {
 protected:
  void SetUp() override {
    ResponderFixture::SetUp();
    listening_ = false;
  }
};

TEST_F(ClosedTest, AckGetsRstAtSegAck) {
  const Action a = Send(Seg(kAck).Seq(100).Ack(5000));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, SeqNum(5000));
  EXPECT_EQ(a.reply.ack, SeqNum(0));
  EXPECT_EQ(a.reply.window, 0);
  EXPECT_FALSE(a.reply.timestamps);
  EXPECT_EQ(a.reply.ttl, 64);
  EXPECT_EQ(a.events, Bit(Event::kRstTx));
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
  EXPECT_EQ(a.timer_op, TimerOp::kNone);
}

TEST_F(ClosedTest, SynGetsRstAckCountingTheSyn) {
  const Action a = Send(LinuxSyn(100));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst | kAck));
  EXPECT_EQ(a.reply.seq, SeqNum(0));
  EXPECT_EQ(a.reply.ack, SeqNum(101));
  EXPECT_FALSE(a.reply.timestamps);
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
}

TEST_F(ClosedTest, SegLenCountsPayloadSynAndFin) {
  struct Row {
    uint8_t flags;
    uint16_t payload;
    uint32_t want_ack;
  };
  const Row rows[] = {
      {kSyn, 10, 111},        // SYN + 10 bytes
      {kFin, 0, 101},         // FIN alone
      {kFin | kPsh, 5, 106},  // 5 bytes + FIN
      {kPsh, 7, 107},         // data, no control
      {kUrg, 0, 100},         // nothing that occupies sequence space
  };
  for (const Row& r : rows) {
    const Action a = Send(Seg(r.flags).Seq(100).Payload(r.payload));
    ASSERT_EQ(a.verdict, Verdict::kReply) << int{r.flags};
    EXPECT_EQ(a.reply.flags, TcpFlags(kRst | kAck)) << int{r.flags};
    EXPECT_EQ(a.reply.seq, SeqNum(0)) << int{r.flags};
    EXPECT_EQ(a.reply.ack, SeqNum(r.want_ack)) << int{r.flags};
  }
}

TEST_F(ClosedTest, AckFieldWrapsModulo32Bits) {
  const Action a = Send(Seg(kSyn).Seq(0xffffffff));
  EXPECT_EQ(a.reply.ack, SeqNum(0));
}

TEST_F(ClosedTest, FinAckGetsRstAtSegAck) {
  const Action a = Send(Seg(kFin | kAck).Seq(100).Ack(77));
  ASSERT_EQ(a.verdict, Verdict::kReply);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, SeqNum(77));
}

TEST_F(ClosedTest, RstIsNeverAnswered) {
  EXPECT_DROP(Send(Seg(kRst).Seq(100)), DropReason::kTcpRstNoConnection);
  EXPECT_DROP(Send(Seg(kRst | kAck).Seq(100).Ack(5)),
              DropReason::kTcpRstNoConnection);
  EXPECT_DROP(Send(Seg(kRst | kFin | kPsh).Seq(100).Payload(3)),
              DropReason::kTcpRstNoConnection);
}

TEST_F(ClosedTest, ClosedPortDropIsSilentAndCounted) {
  cfg_.closed_port = ClosedPort::kDrop;
  Rebuild();
  listening_ = false;
  EXPECT_DROP(Send(LinuxSyn()), DropReason::kTcpClosedPort);
  EXPECT_DROP(Send(Seg(kAck).Ack(1)), DropReason::kTcpClosedPort);
  // A RST keeps its own reason: it would not have been answered anyway.
  EXPECT_DROP(Send(Seg(kRst)), DropReason::kTcpRstNoConnection);
}

TEST_F(ClosedTest, RstsAreRateLimitedPerCore) {
  cfg_.rst_rate_per_s = 10;
  cfg_.rst_burst = 2;
  Rebuild();
  listening_ = false;
  EXPECT_EQ(Send(LinuxSyn()).verdict, Verdict::kReply);
  EXPECT_EQ(Send(LinuxSyn()).verdict, Verdict::kReply);
  EXPECT_DROP(Send(LinuxSyn()), DropReason::kTcpRstRateLimited);
  now_us_ += 99'000;
  EXPECT_DROP(Send(Seg(kAck).Ack(5)), DropReason::kTcpRstRateLimited);
  now_us_ += 1'000;  // 100 ms: one token at 10/s
  EXPECT_EQ(Send(Seg(kAck).Ack(5)).verdict, Verdict::kReply);
  EXPECT_DROP(Send(Seg(kAck).Ack(5)), DropReason::kTcpRstRateLimited);
}

TEST_F(ClosedTest, RstCarriesConfiguredTtl) {
  cfg_.conn.ttl = 99;
  Rebuild();
  listening_ = false;
  EXPECT_EQ(Send(LinuxSyn()).reply.ttl, 99);
}

class ListenTest : public ResponderFixture {};

TEST_F(ListenTest, RstIsIgnored) {
  EXPECT_DROP(Send(Seg(kRst).Seq(5)), DropReason::kTcpRstToListener);
  EXPECT_DROP(Send(Seg(kRst | kAck).Seq(5).Ack(9)),
              DropReason::kTcpRstToListener);
  EXPECT_FALSE(tcb_.has_value());
}

// smoltcp test_listen_rst... / "listen rejects a bare ACK".
TEST_F(ListenTest, BareAckGetsRstAtSegAck) {
  const Action a = Send(Seg(kAck).Seq(kIrs + 1).Ack(123456));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, SeqNum(123456));
  EXPECT_EQ(a.events, Bit(Event::kRstTx));
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
  EXPECT_EQ(ctx_->cookie_counters.macs, 0u);  // cookies off: no MAC
}

TEST_F(ListenTest, SynAckGetsRstAtSegAck) {
  const Action a = Send(Seg(kSyn | kAck).Seq(kIrs).Ack(4242));
  ASSERT_EQ(a.verdict, Verdict::kReply);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, SeqNum(4242));
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(ListenTest, FinAckGetsRst) {
  const Action a = Send(Seg(kFin | kAck).Seq(kIrs).Ack(31));
  ASSERT_EQ(a.verdict, Verdict::kReply);
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, SeqNum(31));
}

TEST_F(ListenTest, SegmentsWithoutSynAckRstAreDropped) {
  // A lone FIN is never processed in LISTEN (§3.10.7.4 eighth).
  for (uint8_t flags : {kFin, kPsh, kUrg, uint8_t(kFin | kPsh | kUrg)}) {
    EXPECT_DROP(Send(Seg(flags).Seq(kIrs).Payload(4)),
                DropReason::kTcpListenNoSynAck);
  }
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(ListenTest, SynCreatesSynReceivedAndAnswersSynAck) {
  const Action a = Send(LinuxSyn());
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kSynRx, Event::kSynAckTx}));
  EXPECT_EQ(a.tcb_op, TcbOp::kCreate);
  EXPECT_EQ(half_open_delta_, 1);
  ASSERT_EQ(a.timer_op, TimerOp::kArm);
  EXPECT_EQ(a.timer_ms, 1000u);

  const SeqNum iss = Secrets().Isn(tuple_, now_us_);  // RFC 6528
  const wire::TcpReply& r = a.reply;
  EXPECT_EQ(r.flags, TcpFlags(kSyn | kAck));
  EXPECT_EQ(r.seq, iss);
  EXPECT_EQ(r.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(r.window, 64240);
  EXPECT_EQ(r.ttl, 64);
  EXPECT_EQ(r.syn.mss, 1460);
  EXPECT_TRUE(r.syn.sack_permitted);
  EXPECT_TRUE(r.syn.timestamps);
  EXPECT_EQ(r.syn.ts_val, OurTsval());
  EXPECT_EQ(r.syn.ts_ecr, kPeerTsval);
  EXPECT_TRUE(r.syn.window_scale);
  EXPECT_EQ(r.syn.window_shift, 7);

  ASSERT_TRUE(tcb_.has_value());
  const Tcb& t = *tcb_;
  EXPECT_EQ(t.state, State::kSynReceived);
  EXPECT_EQ(t.iss, iss);
  EXPECT_EQ(t.rcv_nxt, SeqNum(kIrs + 1));
  EXPECT_EQ(t.SndUna(), iss);
  EXPECT_EQ(t.SndNxt(), iss + 1);
  EXPECT_EQ(t.flags, tcb_flag::kPassive | tcb_flag::kSackOk |
                         tcb_flag::kTsOk | tcb_flag::kWsOk);
  EXPECT_EQ(t.snd_wscale(), 7);
  EXPECT_EQ(t.rcv_wscale(), 7);
  EXPECT_EQ(t.mss, 1460);
  EXPECT_EQ(t.ts_recent, kPeerTsval);
  EXPECT_EQ(t.ts_offset, TsOffset());
  EXPECT_EQ(t.retransmits, 0);
}

TEST_F(ListenTest, SynWithoutOptionsGetsOnlyOurMss) {
  const Action a = Send(Seg(kSyn).Seq(kIrs));
  ASSERT_EQ(a.verdict, Verdict::kReply);
  EXPECT_EQ(a.reply.syn.mss, 1460);
  EXPECT_FALSE(a.reply.syn.sack_permitted);
  EXPECT_FALSE(a.reply.syn.timestamps);
  EXPECT_FALSE(a.reply.syn.window_scale);
  ASSERT_TRUE(tcb_.has_value());
  EXPECT_EQ(tcb_->flags, tcb_flag::kPassive);
  EXPECT_EQ(tcb_->mss, 536);  // MUST-15: no option means 536 for IPv4
  EXPECT_EQ(tcb_->wscale, 0);
}

TEST_F(ListenTest, Ipv6DefaultsAndOurIpv6Mss) {
  tuple_ = V6Tuple();
  const Action a = Send(Seg(kSyn).Seq(kIrs));
  EXPECT_EQ(a.reply.syn.mss, 1440);
  ASSERT_TRUE(tcb_.has_value());
  EXPECT_EQ(tcb_->mss, 1220);  // RFC 8200 minimum MTU 1280 - 60
  EXPECT_TRUE(tcb_->Has(tcb_flag::kIpv6));
  EXPECT_EQ(a.reply.seq, Secrets().Isn(V6Tuple(), now_us_));
}

TEST_F(ListenTest, EffectiveMssIsTheSmallerOfPeersAndOurs) {
  Send(Seg(kSyn).Seq(kIrs).Mss(9000));
  EXPECT_EQ(tcb_->mss, 1460);
  tcb_.reset();
  Send(Seg(kSyn).Seq(kIrs).Mss(1300));
  EXPECT_EQ(tcb_->mss, 1300);
}

// smoltcp's MSS zero / tiny cases; handshake-rules.md §B "MSS tiny".
TEST_F(ListenTest, MssZeroIsAbsentAndTinyMssIsClampedToTheFloor) {
  Send(Seg(kSyn).Seq(kIrs).Mss(0));  // the parser reports MSS 0 as 0 = absent
  EXPECT_EQ(tcb_->mss, 536);
  tcb_.reset();
  Send(Seg(kSyn).Seq(kIrs).Mss(1));
  EXPECT_EQ(tcb_->mss, 216);
  tcb_.reset();
  Send(Seg(kSyn).Seq(kIrs).Mss(215));
  EXPECT_EQ(tcb_->mss, 216);
}

TEST_F(ListenTest, PeerWindowScaleAbove14IsClamped) {
  Send(Seg(kSyn).Seq(kIrs).Ws(14));
  EXPECT_EQ(tcb_->snd_wscale(), 14);
  tcb_.reset();
  Send(Seg(kSyn).Seq(kIrs).Ws(15));  // what a parser without the clamp would pass
  EXPECT_EQ(tcb_->snd_wscale(), 14);
}

TEST_F(ListenTest, OptionsNotOfferedWhenConfiguredOff) {
  cfg_.conn.offer_sack = false;
  cfg_.conn.offer_timestamps = false;
  cfg_.conn.offer_window_scale = false;
  Rebuild();
  const Action a = Send(LinuxSyn());
  EXPECT_FALSE(a.reply.syn.sack_permitted);
  EXPECT_FALSE(a.reply.syn.timestamps);
  EXPECT_FALSE(a.reply.syn.window_scale);
  EXPECT_EQ(tcb_->flags, tcb_flag::kPassive);
}

TEST_F(ListenTest, SynAckWindowIsNeverScaled) {
  cfg_.conn.window = 1 << 20;
  cfg_.conn.window_shift = 7;
  Rebuild();
  const Action a = Send(LinuxSyn());
  EXPECT_EQ(a.reply.window, 65535);  // RFC 7323 §2.2
  EXPECT_EQ(a.reply.syn.window_shift, 7);
}

TEST_F(ListenTest, SynDataIsNotAcknowledged) {
  const Action a = Send(LinuxSyn().Payload(100));
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(tcb_->rcv_nxt, SeqNum(kIrs + 1));
  EXPECT_EQ(a.events,
            Events({Event::kSynRx, Event::kSynAckTx, Event::kSynDataIgnored}));
}

// RFC 7413 without a valid cookie: acknowledge only the SYN (packetdrill
// fastopen server pure-syn-data).
TEST_F(ListenTest, FastOpenSynIsTreatedAsPlainSyn) {
  const Action a = Send(LinuxSyn().FastOpen().Payload(50));
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
  EXPECT_TRUE(a.Has(Event::kSynDataIgnored));
}

TEST_F(ListenTest, IsnFollowsTheClock) {
  const Action a1 = Send(LinuxSyn());
  tcb_.reset();
  now_us_ += 4000;  // RFC 6528: M ticks every 4 µs
  const Action a2 = Send(LinuxSyn());
  EXPECT_EQ(a2.reply.seq - a1.reply.seq, 1000);
}

}  // namespace
}  // namespace synx::tcp::testing
