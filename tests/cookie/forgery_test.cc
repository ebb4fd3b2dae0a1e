// forgery_test.cc — blind ACKs against the responder's real cookie path
// (tcp::OnSegment in LISTEN → CookiePolicy → CheckCookie → the TSecr check
// of AnswerCookieAck), and the cost of an ACK flood when no cookie is
// outstanding (docs/cookies.md §4, §6; docs/robustness.md "Forged cookies").
//
// The acceptance odds of one random ACK follow from the layout
// (syn_cookie.h):
//   - F = ISS[7:0] xor ISS[31:24] names the key slot: with both slots live
//     every guess reaches a MAC (factor 1; with one slot live, 1/2);
//   - every F decodes to valid options (8 of 8 MSS indexes, 8 of 8 window
//     scale indexes): factor 1;
//   - 24 MAC bits must match: 2^-24;
//   - with a TS option, TSecr - TsOffset(tuple) must lie within the last
//     2 × rotate seconds of now, inclusive: (2·T·1000 + 1) / 2^32 more.
#include <cmath>
#include <cstdint>
#include <memory>

#include "cookie/isn.h"
#include "cookie/keys.h"
#include "cookie/policy.h"
#include "gtest/gtest.h"
#include "tcp/action.h"
#include "tcp/config.h"
#include "tcp/responder.h"
#include "test_util.h"
#include "wire/addr.h"
#include "wire/frame.h"

namespace synx::cookie {
namespace {

using tcp::Action;
using tcp::Bit;
using tcp::Event;

constexpr uint32_t kT = 30;                 // --cookie-rotate
constexpr uint64_t kStartS = 56789ull * kT;  // an epoch well above 0
constexpr uint64_t kNowUs = 3'600'000'000;  // an hour of monotonic clock

// splitmix64: fast, and a fixed seed makes every count reproducible.
struct Rng {
  uint64_t s;
  uint64_t operator()() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// A random 4-tuple, IPv4 or IPv6 (any bytes: the MAC covers them all).
FlowTuple RandomTuple(Rng& rng, bool v6) {
  FlowTuple t;
  const uint64_t a = rng(), b = rng(), c = rng(), d = rng(), p = rng();
  t.local.family = t.remote.family = v6 ? wire::Family::kV6 : wire::Family::kV4;
  if (v6) {
    for (int i = 0; i < 8; ++i) {
      t.local.b[i] = static_cast<uint8_t>(a >> (8 * i));
      t.local.b[8 + i] = static_cast<uint8_t>(b >> (8 * i));
      t.remote.b[i] = static_cast<uint8_t>(c >> (8 * i));
      t.remote.b[8 + i] = static_cast<uint8_t>(d >> (8 * i));
    }
  } else {
    t.local = testing::V4(a, a >> 8, a >> 16, a >> 24);
    t.remote = testing::V4(c, c >> 8, c >> 16, c >> 24);
  }
  t.local_port = static_cast<uint16_t>(p);
  t.remote_port = static_cast<uint16_t>(p >> 16);
  return t;
}

// A bare ACK with random SEQ and ACK, with or without a random TS option.
wire::TcpSegment RandomAck(Rng& rng, const FlowTuple& t, bool ts) {
  wire::TcpSegment s;
  const uint64_t r = rng();
  s.sport = t.remote_port;
  s.dport = t.local_port;
  s.seq = wire::SeqNum(static_cast<uint32_t>(r));
  s.ack = wire::SeqNum(static_cast<uint32_t>(r >> 32));
  s.flags = wire::TcpFlags(wire::TcpFlags::kAck);
  s.window = 502;
  s.header_len = ts ? 32 : 20;
  if (ts) {
    const uint64_t x = rng();
    s.options.has_timestamps = true;
    s.options.ts_val = static_cast<uint32_t>(x);
    s.options.ts_ecr = static_cast<uint32_t>(x >> 32);
  }
  return s;
}

struct Responder {
  explicit Responder(CookieMode mode) {
    cfg.cookies = PolicyConfig::ForTable(mode, 1024, kT);
    keys = *CookieKeys::Create(testing::CountingMaster(), kT, kStartS);
    ctx = std::make_unique<tcp::ResponderContext>(
        cfg, keys.get(), FlowSecrets::FromMaster(testing::CountingMaster()));
  }
  Action Ack(const FlowTuple& t, const wire::TcpSegment& s) {
    return tcp::OnSegment(cfg, *ctx, t, /*tcb=*/nullptr, /*listening=*/true,
                          s, kNowUs);
  }
  tcp::ResponderConfig cfg;
  std::unique_ptr<CookieKeys> keys;
  std::unique_ptr<tcp::ResponderContext> ctx;
};

// Poisson mean + 6σ, rounded down: a correct check exceeds it with odds
// below 10^-5 for the means used here (and the seed is fixed anyway).
double Bound(double mean) { return std::floor(mean + 6 * std::sqrt(mean)); }

// 10,000,000 blind ACKs (half IPv4, half IPv6; half of each with a random
// TS option) through the responder in --cookies=always, both key slots live.
TEST(CookieForgery, TenMillionBlindAcksThroughTheResponder) {
  constexpr uint64_t kAcks = 10'000'000;
  constexpr uint64_t kWithTs = kAcks / 2;
  constexpr double kMac24 = 1.0 / (1u << 24);
  const double ts_window = (2.0 * kT * 1000 + 1) / 4294967296.0;
  const double mean_no_ts = (kAcks - kWithTs) * kMac24;           // 0.298
  const double mean_ts = kWithTs * kMac24 * ts_window;            // 4.2e-6
  const double bound = Bound(mean_no_ts + mean_ts);               // 3
  // The test has teeth: a 16-bit MAC would give 76 acceptances on average
  // (20 bits: 4.8), far beyond the bound.
  const double mean_16 = (kAcks - kWithTs) / 65536.0;
  ASSERT_LT(bound, mean_16 - 6 * std::sqrt(mean_16));
  ASSERT_LT(bound, (kAcks - kWithTs) / double(1u << 20));

  Responder r(CookieMode::kAlways);
  Rng rng{20261121};
  uint64_t accepted = 0, accepted_ts = 0, rejected = 0;
  for (uint64_t i = 0; i < kAcks; ++i) {
    const bool ts = i & 1;
    const FlowTuple t = RandomTuple(rng, (i & 2) != 0);
    const Action a = r.Ack(t, RandomAck(rng, t, ts));
    if (a.Has(Event::kCookieValid)) {
      ++accepted;
      accepted_ts += ts;
    }
    rejected += a.Has(Event::kCookieInvalid);
  }
  RecordProperty("accepted", static_cast<int>(accepted));
  std::printf("forged ACKs: %llu, accepted %llu (with TS %llu), expected "
              "%.3f, bound %.0f\n",
              static_cast<unsigned long long>(kAcks),
              static_cast<unsigned long long>(accepted),
              static_cast<unsigned long long>(accepted_ts),
              mean_no_ts + mean_ts, bound);
  EXPECT_LE(static_cast<double>(accepted), bound);
  EXPECT_LE(static_cast<double>(accepted_ts), Bound(mean_ts));  // 0
  EXPECT_EQ(accepted + rejected, kAcks);  // every ACK was checked as a cookie
  EXPECT_EQ(r.ctx->cookie_counters.macs, kAcks);  // one MAC each, no more
}

// The same path accepts every genuine cookie ACK (with and without
// timestamps), so the count above is not zero for a reason of its own.
TEST(CookieForgery, GenuineAcksThroughTheSamePathAreAccepted) {
  Responder r(CookieMode::kAlways);
  Rng rng{99};
  for (int i = 0; i < 10'000; ++i) {
    const bool ts = i & 1;
    const FlowTuple t = RandomTuple(rng, (i & 2) != 0);
    wire::TcpSegment syn;
    syn.sport = t.remote_port;
    syn.dport = t.local_port;
    syn.seq = wire::SeqNum(static_cast<uint32_t>(rng()));
    syn.flags = wire::TcpFlags(wire::TcpFlags::kSyn);
    syn.header_len = ts ? 32 : 20;
    syn.options.has_timestamps = ts;
    syn.options.ts_val = ts ? 1000u + i : 0u;
    const Action sa = tcp::OnSegment(r.cfg, *r.ctx, t, nullptr, true, syn, kNowUs);
    ASSERT_TRUE(sa.Has(Event::kCookieSent)) << i;
    ASSERT_EQ(sa.reply.syn.timestamps, ts) << i;
    wire::TcpSegment ack = RandomAck(rng, t, ts);
    ack.seq = syn.seq + 1;
    ack.ack = sa.reply.seq + 1;
    if (ts) ack.options.ts_ecr = sa.reply.syn.ts_val;
    ASSERT_TRUE(r.Ack(t, ack).Has(Event::kCookieValid)) << i;
  }
}

// 1,000,000 random ACKs in --cookies=auto while this core has issued no
// cookie: none is worth a MAC (policy.h), each is a plain ACK for no
// connection (RST, rate-limited). Then one SYN is answered with a cookie,
// and the same flood costs a MAC per ACK: the count above could have moved.
TEST(CookieForgery, AckFloodWithNoCookieOutstandingComputesNoMac) {
  Responder r(CookieMode::kAuto);
  Rng rng{7};
  constexpr int kAcks = 1'000'000;
  for (int i = 0; i < kAcks; ++i) {
    const FlowTuple t = RandomTuple(rng, i & 1);
    const Action a = r.Ack(t, RandomAck(rng, t, (i & 2) != 0));
    ASSERT_FALSE(a.Has(Event::kCookieInvalid) || a.Has(Event::kCookieValid));
    ASSERT_TRUE(a.Has(Event::kRstTx) ||
                a.drop == wire::DropReason::kTcpRstRateLimited);
  }
  EXPECT_EQ(r.ctx->cookie_counters.macs, 0u);

  // Over the high-water mark, a SYN gets a cookie: from now on ACKs are
  // checked.
  r.ctx->half_open = 512;
  const FlowTuple t = RandomTuple(rng, false);
  wire::TcpSegment syn;
  syn.sport = t.remote_port;
  syn.dport = t.local_port;
  syn.seq = wire::SeqNum(12345);
  syn.flags = wire::TcpFlags(wire::TcpFlags::kSyn);
  syn.header_len = 20;
  ASSERT_TRUE(tcp::OnSegment(r.cfg, *r.ctx, t, nullptr, true, syn, kNowUs)
                  .Has(Event::kCookieSent));
  EXPECT_EQ(r.ctx->cookie_counters.macs, 1u);
  for (int i = 0; i < 1000; ++i) {
    const FlowTuple u = RandomTuple(rng, i & 1);
    EXPECT_TRUE(r.Ack(u, RandomAck(rng, u, false)).Has(Event::kCookieInvalid));
  }
  EXPECT_EQ(r.ctx->cookie_counters.macs, 1001u);
}

}  // namespace
}  // namespace synx::cookie
