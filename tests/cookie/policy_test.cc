// policy_test.cc — cookie modes, auto-mode hysteresis, and the window in
// which cookie ACKs are worth a MAC (clock injected).

#include "cookie/policy.h"

#include <gtest/gtest.h>

#include <random>

#include "cookie/syn_cookie.h"
#include "test_util.h"

namespace synx::cookie {
namespace {

using testing::CountingMaster;
using testing::Syn;
using testing::TupleV4;
using wire::SeqNum;

PolicyConfig Auto() {
  PolicyConfig c;
  c.mode = CookieMode::kAuto;
  c.half_open_high = 100;
  c.half_open_low = 50;
  c.entries_high = 900;
  c.entries_low = 750;
  c.validate_window_ms = 30'000;
  return c;
}

PolicyConfig WithMode(CookieMode m) {
  PolicyConfig c = Auto();
  c.mode = m;
  return c;
}

TEST(CookieMode, NamesRoundTrip) {
  for (CookieMode m : {CookieMode::kAlways, CookieMode::kNever,
                       CookieMode::kAuto}) {
    EXPECT_EQ(ParseCookieMode(CookieModeName(m)), m);
  }
  EXPECT_EQ(CookieModeName(CookieMode::kAuto), "auto");
  EXPECT_EQ(ParseCookieMode("Auto"), std::nullopt);
  EXPECT_EQ(ParseCookieMode(""), std::nullopt);
}

TEST(CookiePolicy, AlwaysUsesAndValidatesCookiesWhateverTheLoad) {
  CookiePolicy p(WithMode(CookieMode::kAlways));
  EXPECT_TRUE(p.UseCookies(0, 0));
  EXPECT_TRUE(p.UseCookies(1'000'000, 1'000'000));
  EXPECT_TRUE(p.ShouldValidateCookieAck(0));  // nothing issued yet
  EXPECT_TRUE(p.ShouldValidateCookieAck(1'000'000'000));
}

TEST(CookiePolicy, NeverUsesNorValidatesCookies) {
  CookiePolicy p(WithMode(CookieMode::kNever));
  EXPECT_FALSE(p.UseCookies(1'000'000, 1'000'000));
  p.NoteCookieIssued(10);
  EXPECT_FALSE(p.ShouldValidateCookieAck(10));
  EXPECT_EQ(p.switches_to_cookies(), 0u);
}

struct Step {
  uint32_t half_open;
  uint32_t entries;
  bool cookies;
};

TEST(CookiePolicy, AutoSwitchesWithHysteresis) {
  CookiePolicy p(Auto());
  const Step steps[] = {
      {0, 0, false},      {99, 899, false},  // both just below high
      {100, 0, true},                        // half-open reaches high
      {99, 0, true},      {50, 0, true},     // between the marks: stays
      {49, 0, false},                        // below both lows
      {60, 0, false},                        // between the marks: stays off
      {0, 900, true},                        // occupancy reaches high
      {49, 750, true},                       // occupancy not below its low
      {50, 749, true},                       // half-open not below its low
      {49, 749, false},
      {1000, 1000, true},                    // full table
  };
  for (size_t i = 0; i < std::size(steps); ++i) {
    EXPECT_EQ(p.UseCookies(steps[i].half_open, steps[i].entries),
              steps[i].cookies)
        << "step " << i;
    EXPECT_EQ(p.cookies_active(), steps[i].cookies) << "step " << i;
  }
  EXPECT_EQ(p.switches_to_cookies(), 3u);
}

TEST(CookiePolicy, AutoValidatesOnlyWithinOneLifetimeOfTheLastCookie) {
  CookiePolicy p(Auto());
  EXPECT_FALSE(p.ShouldValidateCookieAck(0));
  EXPECT_FALSE(p.ShouldValidateCookieAck(5'000'000));
  p.NoteCookieIssued(1'000);
  EXPECT_TRUE(p.ShouldValidateCookieAck(1'000));
  EXPECT_TRUE(p.ShouldValidateCookieAck(30'999));
  EXPECT_FALSE(p.ShouldValidateCookieAck(31'000));
  EXPECT_TRUE(p.ShouldValidateCookieAck(999));  // reading from before the issue
  p.NoteCookieIssued(40'000);
  EXPECT_TRUE(p.ShouldValidateCookieAck(69'999));
  EXPECT_FALSE(p.ShouldValidateCookieAck(70'000));
}

// The ACK-flood case of handshake-rules.md §B: the caller asks the policy
// before each check, so with no cookie outstanding not one MAC is computed.
TEST(CookiePolicy, AckFloodWithNoCookiesOutstandingComputesNoMac) {
  auto keys = *CookieKeys::Create(CountingMaster(), 30, 30 * 500);
  CookiePolicy p(Auto());
  CookieCounters c;
  std::mt19937 rng(1);
  auto flood = [&](uint64_t now_ms, int n) {
    int checked = 0;
    for (int i = 0; i < n; ++i) {
      if (!p.ShouldValidateCookieAck(now_ms)) continue;
      CheckCookie(*keys, TupleV4(), SeqNum(rng()), SeqNum(rng()), &c);
      ++checked;
    }
    return checked;
  };
  EXPECT_EQ(flood(1'000, 10'000), 0);
  EXPECT_EQ(c.macs, 0u);

  // One cookie issued: ACKs are checked (one MAC each) for one lifetime...
  ASSERT_TRUE(
      MakeCookie(*keys, TupleV4(), SeqNum(1), Syn(1460, 7, true, true), &c)
          .ok());
  p.NoteCookieIssued(2'000);
  EXPECT_EQ(c.macs, 1u);
  EXPECT_EQ(flood(2'500, 1'000), 1'000);
  EXPECT_EQ(c.macs, 1'001u);
  // ...and not after it.
  EXPECT_EQ(flood(32'000, 10'000), 0);
  EXPECT_EQ(c.macs, 1'001u);
}

TEST(PolicyConfig, ForTableDefaultsAreValid) {
  const PolicyConfig c = PolicyConfig::ForTable(CookieMode::kAuto, 65536, 30);
  EXPECT_EQ(c.half_open_high, 32768u);
  EXPECT_EQ(c.half_open_low, 16384u);
  EXPECT_EQ(c.entries_high, 61440u);
  EXPECT_EQ(c.entries_low, 49152u);
  EXPECT_EQ(c.validate_window_ms, 30'000u);
  EXPECT_TRUE(c.Validate().ok());
  for (uint32_t cap : {1u, 2u, 3u, 16u, 4'000'000'000u}) {
    EXPECT_TRUE(PolicyConfig::ForTable(CookieMode::kAuto, cap, 1).Validate().ok())
        << cap;
  }
}

TEST(PolicyConfig, ValidateNamesTheBadPair) {
  PolicyConfig c = Auto();
  c.half_open_low = 100;
  EXPECT_EQ(c.Validate().message(),
            "cookie policy: half-open low-water mark (100) must be below the "
            "high-water mark (100), which must be above 0");
  c = Auto();
  c.entries_high = 0;
  c.entries_low = 0;
  EXPECT_EQ(c.Validate().message(),
            "cookie policy: table low-water mark (0) must be below the "
            "high-water mark (0), which must be above 0");
  c = Auto();
  c.validate_window_ms = 0;
  EXPECT_EQ(c.Validate().message(),
            "cookie policy: the cookie-ACK validation window must be above 0 "
            "ms");
  c.mode = CookieMode::kAlways;  // thresholds unused outside auto
  EXPECT_TRUE(c.Validate().ok());
}

}  // namespace
}  // namespace synx::cookie
