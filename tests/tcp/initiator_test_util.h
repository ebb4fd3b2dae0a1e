// initiator_test_util.h — a simulated engine around tcp::Open / OnSegment /
// OnTimer of the initiator for unit tests: one table entry, one timer, an
// injected clock, and the peer's segments built with test_util.h's Seg.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "cookie/flow_tuple.h"
#include "cookie/isn.h"
#include "tcp/action.h"
#include "tcp/initiator.h"
#include "tcp/tcb.h"
#include "test_util.h"
#include "wire/addr.h"
#include "wire/frame.h"
#include "wire/reply.h"

namespace synx::tcp::testing {

// The target's ISN and TSval (its SYN+ACK's SEQ and TSval).
inline constexpr uint32_t kTargetIsn = 0x20000000;
inline constexpr uint32_t kTargetTsval = 555'000;

// Our side: 198.18.0.2:40000 → the target 198.18.0.1:80 (the tuple names
// local = us, remote = the target, as OnSegment expects).
inline cookie::FlowTuple ClientV4() {
  cookie::FlowTuple t;
  t.local = *wire::IpAddr::Parse("198.18.0.2");
  t.remote = *wire::IpAddr::Parse("198.18.0.1");
  t.local_port = 40000;
  t.remote_port = 80;
  return t;
}

inline cookie::FlowTuple ClientV6() {
  cookie::FlowTuple t;
  t.local = *wire::IpAddr::Parse("2001:2::2");
  t.remote = *wire::IpAddr::Parse("2001:2::1");
  t.local_port = 50000;
  t.remote_port = 443;
  return t;
}

// A segment we send, through the real wire: written by WriteTcpSegment from
// `from` to `to`, parsed back by ParseFrame. What the peer would see.
inline wire::TcpSegment OnTheWire(const wire::TcpReply& r,
                                  const cookie::FlowTuple& from) {
  std::array<uint8_t, 256> buf{};
  const std::array<uint8_t, 12> l2 = {0x02, 0, 0, 0, 0, 1,
                                      0x02, 0, 0, 0, 0, 2};
  const size_t n = wire::WriteTcpSegment(buf, l2, from.local, from.local_port,
                                         from.remote, from.remote_port, r);
  EXPECT_GT(n, 0u);
  const wire::Frame f = wire::ParseFrame(std::span(buf.data(), n));
  EXPECT_EQ(f.kind, wire::FrameKind::kTcp)
      << wire::DropReasonName(f.drop);
  return f.tcp;
}

// The mirror of a tuple: the peer's view of the same connection.
inline cookie::FlowTuple Mirror(const cookie::FlowTuple& t) {
  cookie::FlowTuple m;
  m.local = t.remote;
  m.remote = t.local;
  m.local_port = t.remote_port;
  m.remote_port = t.local_port;
  return m;
}

// One initiator with one entry and one timer, applying every Action the way
// initiator.h asks the engine to.
class InitiatorEngine {
 public:
  explicit InitiatorEngine(const cookie::FlowTuple& tuple) : tuple_(tuple) {}

  static cookie::FlowSecrets Secrets() {
    return cookie::FlowSecrets::FromMaster(TestMaster());
  }

  // Remakes the per-core context from cfg (call after changing it). Drops
  // any entry.
  void Reset() {
    ctx_.emplace(cfg, Secrets());
    tcb.reset();
    deadline_us.reset();
  }

  Action Open() {
    if (!ctx_) Reset();
    Action a = tcp::Open(cfg, Secrets(), tuple_, now_us);
    Apply(a);
    return a;
  }

  Action Send(const wire::TcpSegment& seg) {
    if (!ctx_) Reset();
    const Tcb* entry = tcb ? &*tcb : nullptr;
    Action a = OnSegment(cfg, *ctx_, tuple_, entry, seg, now_us);
    Apply(a);
    return a;
  }

  // Advances the clock to the armed deadline and fires the timer.
  Action FireTimer() {
    EXPECT_TRUE(deadline_us.has_value());
    EXPECT_TRUE(tcb.has_value());
    if (!deadline_us || !tcb) return Action{};
    now_us = *deadline_us;
    deadline_us.reset();
    Action a = OnTimer(cfg, *tcb, now_us);
    Apply(a);
    return a;
  }

  void Apply(const Action& a) {
    switch (a.tcb_op) {
      case TcbOp::kNone: break;
      case TcbOp::kCreate:
        EXPECT_FALSE(tcb.has_value()) << "create over an existing entry";
        tcb = a.tcb;
        break;
      case TcbOp::kUpdate:
        EXPECT_TRUE(tcb.has_value()) << "update of a missing entry";
        tcb = a.tcb;
        break;
      case TcbOp::kErase:
        EXPECT_TRUE(tcb.has_value()) << "erase of a missing entry";
        tcb.reset();
        deadline_us.reset();
        break;
    }
    switch (a.timer_op) {
      case TimerOp::kNone: break;
      case TimerOp::kArm:
        deadline_us = now_us + uint64_t{a.timer_ms} * 1000;
        break;
      case TimerOp::kCancel: deadline_us.reset(); break;
    }
  }

  // The timer fires `ms` from now (nullopt: not armed).
  std::optional<uint64_t> TimerIn() const {
    if (!deadline_us) return std::nullopt;
    return (*deadline_us - now_us) / 1000;
  }

  uint32_t TsOffset() const { return Secrets().TsOffset(tuple_); }
  uint32_t OurTsval() const {
    return TsOffset() + static_cast<uint32_t>(now_us / 1000);
  }
  const cookie::FlowTuple& tuple() const { return tuple_; }

  InitiatorConfig cfg;
  uint64_t now_us = kT0;
  std::optional<Tcb> tcb;
  std::optional<uint64_t> deadline_us;

 private:
  cookie::FlowTuple tuple_;
  std::optional<InitiatorContext> ctx_;
};

// A fixture per state: SetUp leaves the entry where the test starts.
class InitiatorFixture : public ::testing::Test {
 protected:
  InitiatorFixture() : eng_(ClientV4()) {}

  // Open; records ISS and our SYN's TSval.
  Action OpenNow() {
    eng_.Reset();
    const Action a = eng_.Open();
    iss_ = a.reply.seq;
    syn_tsval_ = a.reply.syn.ts_val;
    return a;
  }

  // Linux's SYN+ACK to our SYN: SEQ = the target's ISN, ACK = ISS+1, MSS
  // 1460, SACK-permitted, TS echoing our SYN, WS 7.
  Seg LinuxSynAck() const {
    Seg s(kSyn | kAck);
    s.Seq(kTargetIsn)
        .Ack(iss_ + 1)
        .Mss(1460)
        .SackOk()
        .Ts(kTargetTsval, syn_tsval_)
        .Ws(7);
    return s;
  }

  // The target's next segment once established: SEQ = IRS+1, ACK = `ack`.
  Seg Peer(uint8_t flags, SeqNum ack) const {
    Seg s(flags);
    s.Seq(kTargetIsn + 1).Ack(ack);
    if (eng_.tcb && eng_.tcb->Has(tcb_flag::kTsOk)) {
      s.Ts(kTargetTsval + 10, eng_.tcb->ts_offset);
    }
    return s;
  }

  Action Send(const wire::TcpSegment& s) { return eng_.Send(s); }
  Action FireTimer() { return eng_.FireTimer(); }

  InitiatorEngine eng_;
  SeqNum iss_;
  uint32_t syn_tsval_ = 0;
};

}  // namespace synx::tcp::testing
