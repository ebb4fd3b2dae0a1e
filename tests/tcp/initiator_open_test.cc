// The initiator's active OPEN (CLOSED → SYN-SENT), its configuration, and the
// stateless flood SYN.

#include <gtest/gtest.h>

#include "initiator_test_util.h"
#include "wire/tcp_options.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class OpenTest : public InitiatorFixture {};

TEST_F(OpenTest, SendsTheSynAndCreatesTheSynSentEntry) {
  const Action a = OpenNow();
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Bit(Event::kSynTx));
  EXPECT_EQ(a.drop, DropReason::kNone);
  // RFC 6528: ISS is the keyed PRF of the tuple plus the 4 µs clock.
  const SeqNum want_iss = InitiatorEngine::Secrets().Isn(ClientV4(), kT0);
  EXPECT_EQ(a.reply.seq, want_iss);
  EXPECT_EQ(a.reply.ack, SeqNum(0));
  EXPECT_EQ(a.reply.flags, TcpFlags(kSyn));
  EXPECT_EQ(a.reply.window, 64240);  // unscaled in a SYN (RFC 7323 §2.2)
  EXPECT_EQ(a.reply.ttl, 64);
  EXPECT_EQ(a.reply.syn.mss, 1460);
  EXPECT_TRUE(a.reply.syn.sack_permitted);
  EXPECT_TRUE(a.reply.syn.timestamps);
  EXPECT_EQ(a.reply.syn.ts_val, eng_.OurTsval());
  EXPECT_EQ(a.reply.syn.ts_ecr, 0u);
  EXPECT_TRUE(a.reply.syn.window_scale);
  EXPECT_EQ(a.reply.syn.window_shift, 7);

  ASSERT_EQ(a.tcb_op, TcbOp::kCreate);
  EXPECT_EQ(a.tcb.state, State::kSynSent);
  EXPECT_EQ(a.tcb.iss, want_iss);
  EXPECT_EQ(a.tcb.SndUna(), want_iss);
  EXPECT_EQ(a.tcb.SndNxt(), want_iss + 1);
  EXPECT_EQ(a.tcb.flags, 0);  // active, IPv4, nothing agreed yet
  EXPECT_EQ(a.tcb.retransmits, 0);
  EXPECT_EQ(a.tcb.ts_offset, eng_.TsOffset());
  EXPECT_EQ(FirstSynUs(a.tcb), kT0);
  ASSERT_EQ(a.timer_op, TimerOp::kArm);
  EXPECT_EQ(a.timer_ms, 1000u);
}

TEST_F(OpenTest, FirstSynTimeKeepsAll64Bits) {
  eng_.now_us = 0x123456789abcdefull;
  const Action a = OpenNow();
  EXPECT_EQ(FirstSynUs(a.tcb), 0x123456789abcdefull);
}

TEST_F(OpenTest, TheSynParsesBackWithEveryOption) {
  const Action a = OpenNow();
  const wire::TcpSegment s = OnTheWire(a.reply, ClientV4());
  EXPECT_EQ(s.sport, 40000);
  EXPECT_EQ(s.dport, 80);
  EXPECT_EQ(s.seq, iss_);
  EXPECT_EQ(s.flags, TcpFlags(kSyn));
  EXPECT_EQ(s.options.mss, 1460);
  EXPECT_TRUE(s.options.sack_permitted);
  EXPECT_TRUE(s.options.has_timestamps);
  EXPECT_EQ(s.options.ts_val, syn_tsval_);
  EXPECT_TRUE(s.options.has_window_scale);
  EXPECT_EQ(s.options.window_scale, 7);
  EXPECT_FALSE(s.options.malformed);
}

// Each option can be left out on its own (FreeBSD snd-syn's option sets).
TEST_F(OpenTest, EachOptionIsConfigurable) {
  struct Row {
    bool mss, ws, sack, ts;
  };
  const Row rows[] = {
      {false, true, true, true}, {true, false, true, true},
      {true, true, false, true}, {true, true, true, false},
      {false, false, false, false},
  };
  for (const Row& r : rows) {
    eng_.cfg.offer_mss = r.mss;
    eng_.cfg.conn.offer_window_scale = r.ws;
    eng_.cfg.conn.offer_sack = r.sack;
    eng_.cfg.conn.offer_timestamps = r.ts;
    const Action a = OpenNow();
    const wire::TcpSegment s = OnTheWire(a.reply, ClientV4());
    SCOPED_TRACE(::testing::Message() << r.mss << r.ws << r.sack << r.ts);
    EXPECT_EQ(s.options.mss, r.mss ? 1460 : 0);
    EXPECT_EQ(s.options.has_window_scale, r.ws);
    EXPECT_EQ(s.options.sack_permitted, r.sack);
    EXPECT_EQ(s.options.has_timestamps, r.ts);
    EXPECT_EQ(a.tcb.ts_offset, r.ts ? eng_.TsOffset() : 0u);
    // The header is 20 bytes plus the options, padded to 4.
    EXPECT_EQ(s.header_len,
              20 + wire::SynOptionsLength(a.reply.syn));
  }
}

// FreeBSD snd-syn: MSS from MTU 1280 / 9000 / 65535, WS limits, window and
// TTL as configured.
TEST_F(OpenTest, MssShiftWindowAndTtlAreTheConfiguredOnes) {
  eng_.cfg.conn.mss_v4 = 8960;
  eng_.cfg.conn.window_shift = 14;
  eng_.cfg.conn.window = 1u << 20;
  eng_.cfg.conn.ttl = 3;
  const Action a = OpenNow();
  EXPECT_EQ(a.reply.syn.mss, 8960);
  EXPECT_EQ(a.reply.syn.window_shift, 14);
  EXPECT_EQ(a.reply.window, 65535);  // never scaled in a SYN: capped
  EXPECT_EQ(a.reply.ttl, 3);
}

TEST(OpenV6Test, UsesTheV6MssAndMarksTheEntry) {
  InitiatorEngine eng(ClientV6());
  eng.cfg.conn.mss_v6 = 1220;  // MTU 1280
  eng.Reset();
  const Action a = eng.Open();
  EXPECT_EQ(a.reply.syn.mss, 1220);
  EXPECT_EQ(a.tcb.flags, tcb_flag::kIpv6);
  EXPECT_EQ(a.reply.seq, InitiatorEngine::Secrets().Isn(ClientV6(), kT0));
  const wire::TcpSegment s = OnTheWire(a.reply, ClientV6());
  EXPECT_EQ(s.options.mss, 1220);
  EXPECT_EQ(s.sport, 50000);
}

TEST_F(OpenTest, IssDiffersPerTupleAndAdvancesWithTheClock) {
  const SeqNum a = OpenNow().reply.seq;
  eng_.now_us += 4000;  // 1000 ticks of RFC 6528's 4 µs clock
  const SeqNum b = OpenNow().reply.seq;
  EXPECT_EQ(b - a, 1000);
  InitiatorEngine other([] {
    cookie::FlowTuple t = ClientV4();
    t.local_port = 40001;
    return t;
  }());
  other.Reset();
  EXPECT_NE(other.Open().reply.seq, a);
}

TEST(InitiatorConfigTest, DefaultsAreValid) {
  const InitiatorConfig c;
  EXPECT_TRUE(c.Validate().ok()) << c.Validate();
  EXPECT_EQ(c.syn_retries, 3);
  EXPECT_EQ(c.syn_rto_ms, 1000u);
  EXPECT_EQ(c.close, Close::kRst);
}

TEST(InitiatorConfigTest, RejectsBadValues) {
  InitiatorConfig c;
  c.syn_rto_ms = 0;
  EXPECT_EQ(c.Validate().code(), absl::StatusCode::kInvalidArgument);
  c.syn_rto_ms = c.conn.max_rto_ms + 1;
  EXPECT_EQ(c.Validate().code(), absl::StatusCode::kInvalidArgument);
  c.syn_rto_ms = c.conn.max_rto_ms;
  EXPECT_TRUE(c.Validate().ok());
  c.conn.window_shift = 15;  // the shared ConnectionConfig is checked too
  EXPECT_EQ(c.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CloseTest, NamesRoundTrip) {
  for (Close v : {Close::kRst, Close::kFin, Close::kNone}) {
    EXPECT_EQ(ParseClose(CloseName(v)), v);
  }
  EXPECT_EQ(CloseName(Close::kRst), "rst");
  EXPECT_EQ(CloseName(Close::kFin), "fin");
  EXPECT_EQ(CloseName(Close::kNone), "none");
  EXPECT_EQ(ParseClose("reset"), std::nullopt);
  EXPECT_EQ(ParseClose(""), std::nullopt);
}

TEST(FloodTest, SynCarriesTheGivenIsnAndTsvalAndKeepsNoState) {
  InitiatorConfig cfg;
  const Action a =
      FloodSyn(cfg, wire::Family::kV4, SeqNum(0xdeadbeef), 4242);
  ASSERT_EQ(a.verdict, Verdict::kReply);
  EXPECT_EQ(a.events, Bit(Event::kSynTx));
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
  EXPECT_EQ(a.timer_op, TimerOp::kNone);
  EXPECT_EQ(a.reply.flags, TcpFlags(kSyn));
  EXPECT_EQ(a.reply.seq, SeqNum(0xdeadbeef));
  EXPECT_EQ(a.reply.syn.mss, 1460);
  EXPECT_EQ(a.reply.syn.ts_val, 4242u);
  EXPECT_EQ(FloodSyn(cfg, wire::Family::kV6, SeqNum(1), 0).reply.syn.mss,
            1440);
}

TEST(FloodTest, CountsWhatComesBackAndAnswersNothing) {
  struct Row {
    uint8_t flags;
    Verdict verdict;
    uint32_t events;
    DropReason drop;
  };
  const Row rows[] = {
      {kSyn | kAck, Verdict::kConsume, Bit(Event::kSynAckRx), DropReason::kNone},
      {kRst, Verdict::kConsume, Bit(Event::kRstRx), DropReason::kNone},
      {kRst | kAck, Verdict::kConsume, Bit(Event::kRstRx), DropReason::kNone},
      {kAck, Verdict::kDrop, 0, DropReason::kTcpFloodOther},
      {kSyn, Verdict::kDrop, 0, DropReason::kTcpFloodOther},
      {kFin | kAck, Verdict::kDrop, 0, DropReason::kTcpFloodOther},
  };
  for (const Row& r : rows) {
    const Action a = OnFloodSegment(Seg(r.flags).Seq(1).Ack(2));
    EXPECT_EQ(a.verdict, r.verdict) << int{r.flags};
    EXPECT_EQ(a.events, r.events) << int{r.flags};
    EXPECT_EQ(wire::DropReasonName(a.drop), wire::DropReasonName(r.drop));
    EXPECT_EQ(a.tcb_op, TcbOp::kNone);
  }
}

}  // namespace
}  // namespace synx::tcp::testing
