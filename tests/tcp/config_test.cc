#include "tcp/config.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace synx::tcp {
namespace {

ResponderConfig Valid() {
  ResponderConfig c;
  c.cookies = cookie::PolicyConfig::ForTable(cookie::CookieMode::kAuto, 1024, 30);
  return c;
}

TEST(ConfigTest, DefaultsAreValid) {
  EXPECT_TRUE(Valid().Validate().ok()) << Valid().Validate();
  EXPECT_TRUE(ConnectionConfig().Validate().ok());
}

TEST(ConfigTest, EachBadValueIsNamed) {
  struct Row {
    std::function<void(ResponderConfig&)> change;
    std::string want;  // a word the message must contain
  };
  const Row rows[] = {
      {[](ResponderConfig& c) { c.conn.mss_v4 = 535; }, "IPv4 MSS 535"},
      {[](ResponderConfig& c) { c.conn.mss_v6 = 1219; }, "IPv6 MSS 1219"},
      {[](ResponderConfig& c) { c.conn.window_shift = 15; }, "window shift 15"},
      {[](ResponderConfig& c) { c.conn.window = 0; }, "receive window 0"},
      {[](ResponderConfig& c) { c.conn.window = 127; }, "at least 2^7"},
      {[](ResponderConfig& c) { c.conn.ttl = 0; }, "TTL"},
      {[](ResponderConfig& c) { c.conn.rto_ms = 0; }, "RTO"},
      {[](ResponderConfig& c) { c.conn.max_rto_ms = 10; }, "maximum RTO"},
      {[](ResponderConfig& c) { c.conn.idle_timeout_ms = 0; }, "idle"},
      {[](ResponderConfig& c) { c.conn.time_wait_ms = 0; }, "TIME-WAIT"},
      {[](ResponderConfig& c) { c.conn.challenge_acks_per_s = 0; }, "challenge"},
      {[](ResponderConfig& c) { c.cookies.half_open_low = 5000; }, "half-open"},
  };
  for (const Row& r : rows) {
    ResponderConfig c = Valid();
    r.change(c);
    const absl::Status s = c.Validate();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << r.want;
    EXPECT_NE(std::string(s.message()).find(r.want), std::string::npos)
        << s.message();
  }
}

TEST(ConfigTest, FlagValuesRoundTrip) {
  for (OnEstablished v :
       {OnEstablished::kKeep, OnEstablished::kReset, OnEstablished::kClose}) {
    EXPECT_EQ(ParseOnEstablished(OnEstablishedName(v)), v);
  }
  for (ClosedPort v : {ClosedPort::kRst, ClosedPort::kDrop}) {
    EXPECT_EQ(ParseClosedPort(ClosedPortName(v)), v);
  }
  EXPECT_EQ(ParseOnEstablished("Keep"), std::nullopt);
  EXPECT_EQ(ParseOnEstablished(""), std::nullopt);
  EXPECT_EQ(ParseClosedPort("reset"), std::nullopt);
}

}  // namespace
}  // namespace synx::tcp
