// test_util.h — a simulated engine around tcp::OnSegment / OnTimer for unit
// tests: one table entry, one timer, an injected clock, and segment builders
// with named overrides.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cookie/flow_tuple.h"
#include "cookie/isn.h"
#include "cookie/keys.h"
#include "cookie/policy.h"
#include "tcp/action.h"
#include "tcp/config.h"
#include "tcp/responder.h"
#include "tcp/tcb.h"
#include "wire/addr.h"
#include "wire/frame.h"
#include "wire/tcp_flags.h"

namespace synx::tcp::testing {

using wire::SeqNum;
using wire::TcpFlags;

inline constexpr uint8_t kFin = TcpFlags::kFin;
inline constexpr uint8_t kSyn = TcpFlags::kSyn;
inline constexpr uint8_t kRst = TcpFlags::kRst;
inline constexpr uint8_t kPsh = TcpFlags::kPsh;
inline constexpr uint8_t kAck = TcpFlags::kAck;
inline constexpr uint8_t kUrg = TcpFlags::kUrg;

// 1000 s into a monotonic microsecond clock, 17 ms past a second boundary so
// that TSval arithmetic is not trivially round.
inline constexpr uint64_t kT0 = 1'000'017'000;
inline constexpr uint64_t kUnixNow = 1'700'000'000;  // for the cookie keys
inline constexpr uint32_t kIrs = 0x10000000;           // the peer's ISN
inline constexpr uint32_t kPeerTsval = 777'000;

inline cookie::FlowTuple V4Tuple() {
  cookie::FlowTuple t;
  t.local = *wire::IpAddr::Parse("198.18.0.1");
  t.remote = *wire::IpAddr::Parse("198.18.0.2");
  t.local_port = 80;
  t.remote_port = 40000;
  return t;
}

inline cookie::FlowTuple V6Tuple() {
  cookie::FlowTuple t;
  t.local = *wire::IpAddr::Parse("2001:2::1");
  t.remote = *wire::IpAddr::Parse("2001:2::2");
  t.local_port = 443;
  t.remote_port = 50000;
  return t;
}

inline cookie::MasterKey TestMaster() {
  cookie::MasterKey m;
  for (size_t i = 0; i < m.bytes.size(); ++i) {
    m.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  }
  return m;
}

// A TCP segment from the peer, built from a template by named overrides:
//   Seg(kSyn).Seq(kIrs).Mss(1460).Ws(7).SackOk().Ts(1, 0)
struct Seg {
  wire::TcpSegment s;

  explicit Seg(uint8_t flags) {
    s.sport = 40000;
    s.dport = 80;
    s.flags = TcpFlags(flags);
    s.window = 64240;
    s.header_len = 20;
  }
  Seg& Seq(SeqNum v) { s.seq = v; return *this; }
  Seg& Seq(uint32_t v) { s.seq = SeqNum(v); return *this; }
  // Sets the ACK field only; the parser zeroes it when the bit is clear, and
  // so do the tests' expectations.
  Seg& Ack(SeqNum v) { s.ack = v; return *this; }
  Seg& Ack(uint32_t v) { s.ack = SeqNum(v); return *this; }
  Seg& Window(uint16_t w) { s.window = w; return *this; }
  Seg& Payload(uint16_t n) { s.payload_len = n; return *this; }
  Seg& Mss(uint16_t v) { s.options.mss = v; return *this; }
  Seg& Ws(uint8_t shift) {
    s.options.has_window_scale = true;
    s.options.window_scale = shift;
    return *this;
  }
  Seg& SackOk() { s.options.sack_permitted = true; return *this; }
  Seg& Ts(uint32_t val, uint32_t ecr) {
    s.options.has_timestamps = true;
    s.options.ts_val = val;
    s.options.ts_ecr = ecr;
    return *this;
  }
  Seg& NoTs() { s.options.has_timestamps = false; return *this; }
  Seg& FastOpen() { s.options.has_fast_open = true; return *this; }

  operator const wire::TcpSegment&() const { return s; }  // NOLINT
};

// What Linux's connect() sends: MSS 1460, SACK-permitted, TS, WS 7.
inline Seg LinuxSyn(uint32_t irs = kIrs, uint32_t tsval = kPeerTsval) {
  Seg s(kSyn);
  s.Seq(irs).Mss(1460).SackOk().Ts(tsval, 0).Ws(7);
  return s;
}

inline std::string Describe(const Action& a) {
  std::string s = "verdict=" + std::to_string(static_cast<int>(a.verdict)) +
                  " drop=" + std::string(wire::DropReasonName(a.drop)) +
                  " tcb_op=" + std::to_string(static_cast<int>(a.tcb_op)) +
                  " events=";
  for (int i = 0; i < kEventCount; ++i) {
    if (a.Has(static_cast<Event>(i))) {
      s += std::string(EventName(static_cast<Event>(i))) + ",";
    }
  }
  return s;
}

inline uint32_t Events(std::initializer_list<Event> list) {
  uint32_t bits = 0;
  for (Event e : list) bits |= Bit(e);
  return bits;
}

// The simulated engine: applies every Action to one entry and one timer the
// way responder.h asks the engine to.
class ResponderFixture : public ::testing::Test {
 protected:
  ResponderFixture() {
    cfg_.cookies = cookie::PolicyConfig::ForTable(cookie::CookieMode::kNever,
                                                   1024, 30);
  }

  void SetUp() override { Rebuild(); }

  // Remakes the keys and the per-core context from cfg_ (call after changing
  // it). Drops any entry.
  void Rebuild() {
    keys_ = cookie::CookieKeys::Create(TestMaster(), 30, kUnixNow).value();
    ctx_ = std::make_unique<ResponderContext>(
        cfg_, keys_.get(), cookie::FlowSecrets::FromMaster(TestMaster()));
    tcb_.reset();
    deadline_us_.reset();
  }

  void SetCookieMode(cookie::CookieMode mode) {
    cfg_.cookies = cookie::PolicyConfig::ForTable(mode, 1024, 30);
    Rebuild();
  }

  cookie::FlowSecrets Secrets() const {
    return cookie::FlowSecrets::FromMaster(TestMaster());
  }
  uint32_t TsOffset() const { return Secrets().TsOffset(tuple_); }
  // Our TSval at the current time.
  uint32_t OurTsval() const {
    return TsOffset() + static_cast<uint32_t>(now_us_ / 1000);
  }

  Action Send(const wire::TcpSegment& seg) {
    const Tcb* entry = tcb_ ? &*tcb_ : nullptr;
    const std::optional<Tcb> before = tcb_;
    Action a = OnSegment(cfg_, *ctx_, tuple_, entry, listening_, seg, now_us_);
    half_open_delta_ = HalfOpenDelta(before ? &*before : nullptr, a);
    Apply(a);
    return a;
  }

  // Advances the clock to the armed deadline and fires the timer.
  Action FireTimer() {
    EXPECT_TRUE(deadline_us_.has_value());
    EXPECT_TRUE(tcb_.has_value());
    if (!deadline_us_ || !tcb_) return Action{};
    now_us_ = *deadline_us_;
    deadline_us_.reset();
    Action a = OnTimer(cfg_, *tcb_, now_us_);
    Apply(a);
    return a;
  }

  void Apply(const Action& a) {
    switch (a.tcb_op) {
      case TcbOp::kNone: break;
      case TcbOp::kCreate:
        EXPECT_FALSE(tcb_.has_value()) << "create over an existing entry";
        tcb_ = a.tcb;
        break;
      case TcbOp::kUpdate:
        EXPECT_TRUE(tcb_.has_value()) << "update of a missing entry";
        tcb_ = a.tcb;
        break;
      case TcbOp::kErase:
        EXPECT_TRUE(tcb_.has_value()) << "erase of a missing entry";
        tcb_.reset();
        deadline_us_.reset();
        break;
    }
    switch (a.timer_op) {
      case TimerOp::kNone: break;
      case TimerOp::kArm:
        deadline_us_ = now_us_ + uint64_t{a.timer_ms} * 1000;
        break;
      case TimerOp::kCancel: deadline_us_.reset(); break;
    }
  }

  // Timer armed to fire `ms` from now.
  std::optional<uint64_t> TimerIn() const {
    if (!deadline_us_) return std::nullopt;
    return (*deadline_us_ - now_us_) / 1000;
  }

  ResponderConfig cfg_;
  std::unique_ptr<cookie::CookieKeys> keys_;
  std::unique_ptr<ResponderContext> ctx_;
  cookie::FlowTuple tuple_ = V4Tuple();
  bool listening_ = true;
  uint64_t now_us_ = kT0;
  std::optional<Tcb> tcb_;
  std::optional<uint64_t> deadline_us_;
  int half_open_delta_ = 0;
};

// Exact outcome checks, so a failure names the field.
#define EXPECT_DROP(action, reason)                                      \
  do {                                                                   \
    const ::synx::tcp::Action& a_ = (action);                            \
    EXPECT_EQ(a_.verdict, ::synx::tcp::Verdict::kDrop) << Describe(a_);  \
    EXPECT_EQ(::synx::wire::DropReasonName(a_.drop),                     \
              ::synx::wire::DropReasonName(reason));                     \
  } while (0)

}  // namespace synx::tcp::testing
