// SYN cookies through OnSegment: --cookies=always round trips over every
// option combination and family, the cookie-ACK rejections of
// handshake-rules.md §C, and --cookies=auto (switching, and no MAC at all
// while no cookie is outstanding).

#include <gtest/gtest.h>

#include <optional>
#include <tuple>

#include "cookie/syn_cookie.h"
#include "test_util.h"

namespace synx::tcp::testing {
namespace {

using wire::DropReason;

class CookieModeTest : public ResponderFixture {
 protected:
  void SetUp() override {
    ResponderFixture::SetUp();
    SetCookieMode(cookie::CookieMode::kAlways);
  }

  // SYN → SYN+ACK with a cookie; returns the reply.
  wire::TcpReply CookieSynAck(const Seg& syn) {
    const Action a = Send(syn);
    EXPECT_EQ(a.verdict, Verdict::kReply) << Describe(a);
    EXPECT_EQ(a.events, Events({Event::kSynRx, Event::kSynAckTx,
                                Event::kCookieSent}));
    EXPECT_EQ(a.tcb_op, TcbOp::kNone);
    EXPECT_EQ(a.timer_op, TimerOp::kNone);
    EXPECT_FALSE(tcb_.has_value());
    return a.reply;
  }


  // The ACK a peer sends for `synack`.
  Seg AckFor(const wire::TcpReply& synack, bool ts = true) {
    Seg s(kAck);
    s.Seq(synack.ack).Ack(synack.seq + 1);
    if (ts) s.Ts(kPeerTsval + 1, synack.syn.ts_val);
    return s;
  }
};

TEST_F(CookieModeTest, RoundTripEstablishesWithTheSynsOptions) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  EXPECT_EQ(r.flags, TcpFlags(kSyn | kAck));
  EXPECT_EQ(r.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(r.window, 64240);
  EXPECT_EQ(r.syn.mss, 1460);
  EXPECT_TRUE(r.syn.sack_permitted);
  EXPECT_TRUE(r.syn.window_scale);
  EXPECT_EQ(r.syn.window_shift, 7);
  EXPECT_TRUE(r.syn.timestamps);
  // The flow's own TS offset, per 4-tuple, the stateful path's too
  // (design.md §5): TSval stays monotonic whichever mode answers.
  const uint32_t offset = TsOffset();
  EXPECT_EQ(r.syn.ts_val, offset + static_cast<uint32_t>(now_us_ / 1000));
  EXPECT_EQ(r.syn.ts_ecr, kPeerTsval);
  EXPECT_EQ(ctx_->cookie_counters.macs, 1u);

  now_us_ += 30'000;
  const Action a = Send(AckFor(r));
  EXPECT_EQ(a.verdict, Verdict::kConsume) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kCookieValid, Event::kEstablished}));
  EXPECT_EQ(a.tcb_op, TcbOp::kCreate);
  EXPECT_EQ(half_open_delta_, 0);
  EXPECT_EQ(a.timer_op, TimerOp::kArm);
  EXPECT_EQ(a.timer_ms, 60'000u);
  EXPECT_EQ(ctx_->cookie_counters.macs, 2u);
  ASSERT_TRUE(tcb_.has_value());
  const Tcb& t = *tcb_;
  EXPECT_EQ(t.state, State::kEstablished);
  EXPECT_EQ(t.iss, r.seq);
  EXPECT_EQ(t.rcv_nxt, SeqNum(kIrs + 1));
  EXPECT_EQ(t.flags, tcb_flag::kPassive | tcb_flag::kCookie |
                         tcb_flag::kSackOk | tcb_flag::kWsOk |
                         tcb_flag::kTsOk);
  EXPECT_EQ(t.mss, 1460);
  EXPECT_EQ(t.snd_wscale(), 7);
  EXPECT_EQ(t.rcv_wscale(), 7);
  EXPECT_EQ(t.ts_recent, kPeerTsval + 1);
  // Recovered from the ACK alone: the SYN+ACK's offset.
  EXPECT_EQ(t.ts_offset, offset);
}

TEST_F(CookieModeTest, IdenticalSynsGetIdenticalCookies) {
  const wire::TcpReply a = CookieSynAck(LinuxSyn());
  const wire::TcpReply b = CookieSynAck(LinuxSyn());
  EXPECT_EQ(a.seq, b.seq);
  const wire::TcpReply c = CookieSynAck(LinuxSyn(kIrs + 1));
  EXPECT_NE(a.seq, c.seq);
}

TEST_F(CookieModeTest, SynDataIsNeverAcknowledged) {
  const Action a = Send(LinuxSyn().Payload(300).FastOpen());
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 1));
  EXPECT_EQ(a.events, Events({Event::kSynRx, Event::kSynAckTx,
                              Event::kCookieSent, Event::kSynDataIgnored}));
}

TEST_F(CookieModeTest, MssBelowTheFloorGetsNoCookie) {
  const Action a = Send(LinuxSyn().Mss(215));
  EXPECT_DROP(a, DropReason::kTcpCookieMssTooSmall);
  EXPECT_EQ(a.events, Bit(Event::kSynRx));
  EXPECT_EQ(ctx_->cookie_counters.macs, 0u);
  // The floor itself is fine, and MSS 0 means the 536 default.
  EXPECT_EQ(Send(LinuxSyn().Mss(216)).verdict, Verdict::kReply);
  EXPECT_EQ(Send(LinuxSyn().Mss(0)).verdict, Verdict::kReply);
}

TEST_F(CookieModeTest, SeqOtherThanIrsPlusOneIsRejected) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  const Action a = Send(AckFor(r).Seq(kIrs + 2));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kCookieInvalid, Event::kRstTx}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst));
  EXPECT_EQ(a.reply.seq, r.seq + 1);  // <SEQ=SEG.ACK>
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(CookieModeTest, TamperedCookieIsRejected) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  for (uint32_t bit : {0u, 1u, 5u, 8u, 20u, 31u}) {
    const Action a = Send(AckFor(r).Ack(SeqNum((r.seq + 1).value() ^ (1u << bit))));
    EXPECT_EQ(a.events, Events({Event::kCookieInvalid, Event::kRstTx})) << bit;
  }
  EXPECT_FALSE(tcb_.has_value());
}

TEST_F(CookieModeTest, CookieFromAnotherTupleIsRejected) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  tuple_.remote_port += 1;
  EXPECT_TRUE(Send(AckFor(r)).Has(Event::kCookieInvalid));
}

TEST_F(CookieModeTest, TamperedTsecrIsRejected) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  // In the future: we never sent that TSval.
  EXPECT_TRUE(Send(AckFor(r).Ts(kPeerTsval + 1, r.syn.ts_val + 1)).Has(
      Event::kCookieInvalid));
  // Older than the cookie can be (two key lifetimes = 60 s).
  EXPECT_TRUE(Send(AckFor(r).Ts(kPeerTsval + 1, r.syn.ts_val - 60'001)).Has(
      Event::kCookieInvalid));
  // Just inside: the MAC does not cover TSecr, only its age is checked.
  EXPECT_TRUE(Send(AckFor(r).Ts(kPeerTsval + 1, r.syn.ts_val - 60'000)).Has(
      Event::kCookieValid));
}

// handshake-rules.md §B: "cookie-ACK with RST or SYN set: no cookie check".
TEST_F(CookieModeTest, AckWithRstOrSynIsNeverCheckedAsACookie) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  const uint64_t macs = ctx_->cookie_counters.macs;
  Seg rst = AckFor(r);
  rst.s.flags = TcpFlags(kAck | kRst);
  EXPECT_DROP(Send(rst), DropReason::kTcpRstToListener);
  Seg synack = AckFor(r);
  synack.s.flags = TcpFlags(kAck | kSyn);
  const Action a = Send(synack);
  EXPECT_EQ(a.events, Bit(Event::kRstTx));
  EXPECT_EQ(a.reply.seq, r.seq + 1);
  EXPECT_EQ(ctx_->cookie_counters.macs, macs);
  EXPECT_FALSE(tcb_.has_value());
}

// handshake-rules.md §C: ACKs at the key-rotation edges (T, 2T, 2T+ε).
TEST_F(CookieModeTest, CookieLivesOneToTwoKeyLifetimes) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  const uint64_t epoch_start = kUnixNow / 30 * 30;
  // Next epoch: the cookie's slot is the previous one, still valid.
  keys_->Advance(epoch_start + 30);
  now_us_ += 30'000'000;
  EXPECT_TRUE(Send(AckFor(r)).Has(Event::kCookieValid));
  tcb_.reset();
  // Two epochs on: expired.
  keys_->Advance(epoch_start + 60);
  now_us_ += 30'000'000;
  const Action a = Send(AckFor(r));
  EXPECT_EQ(a.events, Events({Event::kCookieInvalid, Event::kRstTx}));
}

TEST_F(CookieModeTest, AckWithoutTimestampsMeansTimestampsAreOff) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  Send(AckFor(r, /*ts=*/false));
  ASSERT_TRUE(tcb_.has_value());
  EXPECT_FALSE(tcb_->Has(tcb_flag::kTsOk));
  EXPECT_EQ(tcb_->ts_offset, 0u);
}

TEST_F(CookieModeTest, DataOnTheCookieAckIsAcknowledged) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  const Action a = Send(AckFor(r).Payload(40));
  ASSERT_EQ(a.verdict, Verdict::kReply) << Describe(a);
  EXPECT_EQ(a.events, Events({Event::kCookieValid, Event::kEstablished,
                              Event::kDataRx, Event::kAckTx}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kAck));
  EXPECT_EQ(a.reply.seq, r.seq + 1);
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 41));
  EXPECT_EQ(a.tcb_op, TcbOp::kCreate);
}

TEST_F(CookieModeTest, FinOnTheCookieAckCloses) {
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  Seg ack = AckFor(r);
  ack.s.flags = TcpFlags(kAck | kFin);
  const Action a = Send(ack);
  EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck));
  EXPECT_EQ(a.reply.ack, SeqNum(kIrs + 2));
  EXPECT_EQ(tcb_->state, State::kLastAck);
}

TEST_F(CookieModeTest, ResetPolicyNeedsNoEntry) {
  cfg_.on_established = OnEstablished::kReset;
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  const Action a = Send(AckFor(r));
  EXPECT_EQ(a.events, Events({Event::kCookieValid, Event::kEstablished,
                              Event::kRstTx}));
  EXPECT_EQ(a.reply.flags, TcpFlags(kRst | kAck));
  EXPECT_EQ(a.reply.seq, r.seq + 1);
  EXPECT_EQ(a.tcb_op, TcbOp::kNone);
  EXPECT_EQ(a.timer_op, TimerOp::kNone);
}

TEST_F(CookieModeTest, ClosePolicyCreatesFinWait1) {
  cfg_.on_established = OnEstablished::kClose;
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  const Action a = Send(AckFor(r));
  EXPECT_EQ(a.reply.flags, TcpFlags(kFin | kAck));
  EXPECT_EQ(a.tcb_op, TcbOp::kCreate);
  EXPECT_EQ(tcb_->state, State::kFinWait1);
  EXPECT_EQ(TimerIn(), 1000u);
}

TEST_F(CookieModeTest, InvalidCookieRstsAreRateLimited) {
  cfg_.rst_rate_per_s = 1;
  cfg_.rst_burst = 1;
  SetCookieMode(cookie::CookieMode::kAlways);  // rebuilds the context
  EXPECT_EQ(Send(Seg(kAck).Seq(5).Ack(6)).events,
            Events({Event::kCookieInvalid, Event::kRstTx}));
  const Action a = Send(Seg(kAck).Seq(5).Ack(6));
  EXPECT_DROP(a, DropReason::kTcpRstRateLimited);
  EXPECT_EQ(a.events, Bit(Event::kCookieInvalid));
}

// --- Every MSS × WS × SACK × TS, both families.

using Combo = std::tuple<bool /*v6*/, int /*mss*/, int /*ws, -1 absent*/,
                         bool /*sack*/, bool /*ts*/>;

class CookieRoundTripTest : public CookieModeTest,
                            public ::testing::WithParamInterface<Combo> {};

TEST_P(CookieRoundTripTest, NegotiatesWhatTheTablesRemember) {
  const auto [v6, mss, ws, sack, ts] = GetParam();
  if (v6) tuple_ = V6Tuple();
  const wire::Family family = tuple_.family();
  Seg syn(kSyn);
  syn.Seq(kIrs);
  if (mss >= 0) syn.Mss(static_cast<uint16_t>(mss));
  if (ws >= 0) syn.Ws(static_cast<uint8_t>(ws));
  if (sack) syn.SackOk();
  if (ts) syn.Ts(kPeerTsval, 0);

  // What the cookie layer's tables make of the peer's MSS and shift.
  const auto& table = cookie::MssTable(family);
  const uint16_t peer_mss = mss > 0 ? mss : cookie::DefaultMss(family);
  if (peer_mss < table[0]) {
    EXPECT_DROP(Send(syn), DropReason::kTcpCookieMssTooSmall);
    return;
  }
  uint16_t rounded_mss = table[0];
  for (uint16_t m : table) {
    if (m <= peer_mss) rounded_mss = m;
  }
  uint8_t rounded_ws = 0;
  for (uint8_t w : cookie::kWindowScaleTable) {
    if (w <= std::min(ws, 14)) rounded_ws = w;
  }

  const wire::TcpReply r = CookieSynAck(syn);
  EXPECT_EQ(r.syn.mss, family == wire::Family::kV4 ? 1460 : 1440);
  EXPECT_EQ(r.syn.window_scale, ws >= 0);
  EXPECT_EQ(r.syn.sack_permitted, sack);
  EXPECT_EQ(r.syn.timestamps, ts);

  now_us_ += 1000;
  const Action a = Send(AckFor(r, ts));
  ASSERT_EQ(a.events, Events({Event::kCookieValid, Event::kEstablished}))
      << Describe(a);
  ASSERT_TRUE(tcb_.has_value());
  const Tcb& t = *tcb_;
  EXPECT_EQ(t.mss, std::min<uint16_t>(rounded_mss, r.syn.mss));
  EXPECT_EQ(t.Has(tcb_flag::kWsOk), ws >= 0);
  EXPECT_EQ(t.snd_wscale(), ws >= 0 ? rounded_ws : 0);
  EXPECT_EQ(t.rcv_wscale(), ws >= 0 ? 7 : 0);
  EXPECT_EQ(t.Has(tcb_flag::kSackOk), sack);
  EXPECT_EQ(t.Has(tcb_flag::kTsOk), ts);
  EXPECT_EQ(t.Has(tcb_flag::kIpv6), v6);
  EXPECT_EQ(t.iss, r.seq);
}

INSTANTIATE_TEST_SUITE_P(
    AllOptions, CookieRoundTripTest,
    ::testing::Combine(
        ::testing::Bool(),
        ::testing::Values(-1, 0, 100, 216, 535, 536, 1199, 1220, 1300, 1339,
                          1420, 1440, 1460, 8940, 9000, 65535),
        ::testing::Values(-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14),
        ::testing::Bool(), ::testing::Bool()));

// --- --cookies=auto

class AutoCookieTest : public CookieModeTest {
 protected:
  void SetUp() override {
    ResponderFixture::SetUp();
    SetCookieMode(cookie::CookieMode::kAuto);  // table of 1024: high 512
  }
};

TEST_F(AutoCookieTest, NoMacIsComputedWhileNoCookieIsOutstanding) {
  cfg_.rst_rate_per_s = 0;  // unlimited, so every ACK is answered
  SetCookieMode(cookie::CookieMode::kAuto);
  for (uint32_t i = 0; i < 1000; ++i) {
    const Action a = Send(Seg(kAck).Seq(i * 7919).Ack(i * 104729));
    ASSERT_EQ(a.events, Bit(Event::kRstTx)) << i;
  }
  EXPECT_EQ(ctx_->cookie_counters.macs, 0u);
}

TEST_F(AutoCookieTest, StatefulBelowTheHighWaterMark) {
  ctx_->half_open = 511;
  const Action a = Send(LinuxSyn());
  EXPECT_EQ(a.tcb_op, TcbOp::kCreate);
  EXPECT_FALSE(a.Has(Event::kCookieSent));
}

TEST_F(AutoCookieTest, CookiesFromTheHighWaterMarkWithHysteresis) {
  ctx_->half_open = 512;
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  // Back under the high mark but above the low one (256): still cookies.
  ctx_->half_open = 300;
  CookieSynAck(LinuxSyn(kIrs + 9));
  // While cookies are outstanding their ACKs are checked...
  const uint64_t macs = ctx_->cookie_counters.macs;
  EXPECT_TRUE(Send(AckFor(r)).Has(Event::kCookieValid));
  EXPECT_EQ(ctx_->cookie_counters.macs, macs + 1);
  tcb_.reset();
  // ... below the low mark SYNs are stateful again.
  ctx_->half_open = 255;
  EXPECT_EQ(Send(LinuxSyn(kIrs + 77)).tcb_op, TcbOp::kCreate);
}

TEST_F(AutoCookieTest, TableOccupancyAlsoSwitchesToCookies) {
  ctx_->entries = 1024 - 1024 / 16;
  EXPECT_TRUE(Send(LinuxSyn()).Has(Event::kCookieSent));
}

TEST_F(AutoCookieTest, CookieAcksAreCheckedOnlyForOneKeyLifetime) {
  ctx_->half_open = 512;
  const wire::TcpReply r = CookieSynAck(LinuxSyn());
  ctx_->half_open = 0;
  // 30 s (the validation window) after the last cookie: no MAC any more, a
  // plain RST for an ACK that matches nothing.
  now_us_ += 30'000'000;
  const uint64_t macs = ctx_->cookie_counters.macs;
  const Action a = Send(AckFor(r));
  EXPECT_EQ(a.events, Bit(Event::kRstTx));
  EXPECT_EQ(ctx_->cookie_counters.macs, macs);
}

}  // namespace
}  // namespace synx::tcp::testing
