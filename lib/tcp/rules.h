// rules.h — the small RFC 9293 / 5961 / 7323 rules both roles share, as pure
// functions of values: segment acceptability, the no-TCB RST formula,
// retransmission back-off, the per-flow challenge-ACK throttle (and the ACK
// it guards), the window and timestamp fields of a connection's segments,
// the timestamp and sequence checks of a synchronized state (§3.10.7.4 step
// 1, RFC 7323 PAWS), and steps seven and eight (text and FIN).
//
// Nothing here reads a clock, allocates or touches a buffer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "tcp/action.h"
#include "tcp/config.h"
#include "tcp/tcb.h"
#include "wire/addr.h"
#include "wire/frame.h"
#include "wire/reply.h"
#include "wire/seq_num.h"
#include "wire/tcp_flags.h"

namespace synx::tcp {

// §3.10.7.4 "first, check sequence number": the four cases of the
// acceptability table (SEG.LEN 0 or not × RCV.WND 0 or not).
constexpr bool SegmentAcceptable(wire::SeqNum seq, uint32_t seg_len,
                                 wire::SeqNum rcv_nxt, uint32_t rcv_wnd) {
  if (seg_len == 0) {
    if (rcv_wnd == 0) return seq == rcv_nxt;
    return seq.InClosedOpen(rcv_nxt, rcv_nxt + rcv_wnd);
  }
  if (rcv_wnd == 0) return false;
  return seq.InClosedOpen(rcv_nxt, rcv_nxt + rcv_wnd) ||
         (seq + (seg_len - 1)).InClosedOpen(rcv_nxt, rcv_nxt + rcv_wnd);
}

// RFC 5961 §3.2: what an RST's sequence number means in a synchronized (or
// SYN-RECEIVED) state.
enum class RstCheck : uint8_t {
  kReset,      // SEG.SEQ = RCV.NXT exactly: reset the connection
  kChallenge,  // inside the window otherwise: challenge ACK
  kOutside,    // outside the window: drop silently
};
constexpr RstCheck CheckRst(wire::SeqNum seq, wire::SeqNum rcv_nxt,
                            uint32_t rcv_wnd) {
  if (seq == rcv_nxt) return RstCheck::kReset;
  if (rcv_wnd != 0 && seq.InClosedOpen(rcv_nxt, rcv_nxt + rcv_wnd)) {
    return RstCheck::kChallenge;
  }
  return RstCheck::kOutside;
}

// §3.10.7.1 (CLOSED, and §3.10.7.2's ACK-to-a-listener): the reset that
// answers a segment nobody expects. Must not be called for a RST.
//   ACK set: <SEQ=SEG.ACK><CTL=RST>
//   else:    <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (SYN and FIN count)
inline wire::TcpReply ResetFor(const wire::TcpSegment& seg, uint8_t ttl) {
  wire::TcpReply r;
  r.ttl = ttl;
  if (seg.flags.ack()) {
    r.flags = wire::TcpFlags(wire::TcpFlags::kRst);
    r.seq = seg.ack;
  } else {
    r.flags = wire::TcpFlags(wire::TcpFlags::kRst | wire::TcpFlags::kAck);
    r.seq = wire::SeqNum(0);
    r.ack = seg.seq + seg.SegLen();
  }
  return r;
}

// RFC 6298 §5.5: the RTO doubles per retransmission, capped (§2.5 allows a
// maximum of at least 60 s). `n` is the number of retransmissions so far.
constexpr uint32_t Backoff(uint32_t rto_ms, uint32_t max_rto_ms, unsigned n) {
  const uint64_t v = uint64_t{rto_ms} << std::min(n, 32u);
  return static_cast<uint32_t>(std::min<uint64_t>(v, max_rto_ms));
}

// RFC 5961 §7: takes one of the flow's `per_second` ACK tokens for the
// one-second epoch containing `now_us`, updating the TCB's counter. Epochs
// are counted modulo 256, so a flow silent for a multiple of 256 s may find
// its old count: the cost is at most one second of suppressed challenges.
constexpr bool TakeChallengeToken(Tcb& tcb, uint64_t now_us,
                                  uint8_t per_second) {
  const auto epoch = static_cast<uint8_t>(now_us / 1'000'000);
  if (epoch != tcb.challenge_epoch) {
    tcb.challenge_epoch = epoch;
    tcb.challenge_count = 0;
  }
  if (tcb.challenge_count >= per_second) return false;
  ++tcb.challenge_count;
  return true;
}

inline constexpr uint32_t kMaxUnscaledWindow = 65535;

// RFC 7323 §5.4: a 1 ms tick; TSval wraps modulo 2^32 like SEQ.
constexpr uint32_t TsClock(uint64_t now_us) {
  return static_cast<uint32_t>(now_us / 1000);
}

inline wire::Family FamilyOf(const Tcb& t) {
  return t.Has(tcb_flag::kIpv6) ? wire::Family::kV6 : wire::Family::kV4;
}

// The window field of a non-SYN segment: RCV.WND >> RCV.WND.SCALE once both
// sides scale (RFC 7323 §2.3), never above 16 bits.
inline uint16_t WindowField(const ConnectionConfig& c, const Tcb& t) {
  return static_cast<uint16_t>(
      std::min<uint32_t>(c.window >> t.rcv_wscale(), kMaxUnscaledWindow));
}

// RCV.WND as the peer knows it. In SYN-RECEIVED the peer has only our
// SYN+ACK, whose window is never scaled (RFC 7323 §2.2).
inline uint32_t RcvWnd(const ConnectionConfig& c, const Tcb& t) {
  if (t.state == State::kSynReceived) {
    return std::min<uint32_t>(c.window, kMaxUnscaledWindow);
  }
  return uint32_t{WindowField(c, t)} << t.rcv_wscale();
}

// A segment of an established connection: <SEQ=seq><ACK=RCV.NXT><CTL=flags>,
// with timestamps once agreed (RFC 7323 §3.2: on every segment; synx also
// puts them on its RSTs of a known connection, which §3.2 recommends).
inline wire::TcpReply ConnSegment(const ConnectionConfig& c, const Tcb& t,
                                  uint8_t flags, wire::SeqNum seq,
                                  uint64_t now_us) {
  wire::TcpReply r;
  r.flags = wire::TcpFlags(flags);
  r.seq = seq;
  r.ack = t.rcv_nxt;
  r.window = WindowField(c, t);
  r.ttl = c.ttl;
  if (t.Has(tcb_flag::kTsOk)) {
    r.timestamps = true;
    r.ts_val = t.ts_offset + TsClock(now_us);
    r.ts_ecr = t.ts_recent;
  }
  return r;
}

// An ACK of the connection's state, sent because a segment could not be
// accepted (step 1, step 5's ACK beyond SND.NXT, PAWS), as an RFC 5961
// challenge, or to a repeated SYN+ACK; all spend the flow's §7 budget (the
// entry is kept, kUpdate, with the token taken). Out of tokens: dropped as
// kTcpAckRateLimited with `events`. `event` names the ACK sent.
Action ThrottledAck(const ConnectionConfig& c, const Tcb& entry,
                    uint64_t now_us, Event event, uint32_t events = 0);

// The checks every SYN-RECEIVED or synchronized entry makes of a segment
// that is neither RST nor SYN (RFC 5961 gives those their own sequence
// rules), in this order: RFC 7323 §3.2's TS-missing drop, §5.3 R1 (PAWS),
// then §3.10.7.4 step 1 with TIME-WAIT's FIN re-ACK (step eight). Returns
// what to do with a segment that stops here, nothing when it goes on to
// step 5. `rcv_wnd` is RcvWnd(c, t).
inline std::optional<Action> RejectUnacceptable(const ConnectionConfig& c,
                                                const Tcb& t,
                                                const wire::TcpSegment& seg,
                                                uint32_t rcv_wnd,
                                                uint64_t now_us) {
  if (t.Has(tcb_flag::kTsOk)) {
    // RFC 7323 §3.2: once agreed, a non-RST segment without TSopt SHOULD be
    // silently dropped.
    if (!seg.options.has_timestamps) [[unlikely]] {
      Action a;
      a.verdict = Verdict::kDrop;
      a.drop = wire::DropReason::kTcpTsMissing;
      return a;
    }
    // §5.3 R1 (PAWS): older than TS.Recent → not acceptable: ACK and drop.
    // TS values compare modulo 2^32, like sequence numbers.
    if (wire::SeqNum(seg.options.ts_val) < wire::SeqNum(t.ts_recent))
        [[unlikely]] {
      return ThrottledAck(c, t, now_us, Event::kAckTx,
                          Bit(Event::kPawsRejected));
    }
  }
  // Step 1: sequence acceptability. An unacceptable segment gets
  // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and is dropped.
  if (!SegmentAcceptable(seg.seq, seg.SegLen(), t.rcv_nxt, rcv_wnd))
      [[unlikely]] {
    Action a = ThrottledAck(c, t, now_us, Event::kAckTx);
    if (t.state == State::kTimeWait && seg.flags.fin() &&
        seg.seq + seg.SegLen() == t.rcv_nxt) {
      // Eighth, TIME-WAIT: the peer's FIN again (our last ACK was lost):
      // acknowledge it and restart the 2 MSL time-out.
      a.timer_op = TimerOp::kArm;
      a.timer_ms = c.time_wait_ms;
    }
    return a;
  }
  return std::nullopt;
}

// Steps 7 and 8 on an acceptable segment whose ACK has been processed: take
// in-order text (acknowledged, counted, discarded: synx is a sink, so
// RCV.WND never shrinks) and an in-sequence FIN. Updates `t` (RCV.NXT, the
// state after a FIN) and `a` (kDataRx / kFinRx, data_bytes). Returns whether
// the segment must be acknowledged.
bool AcceptTextAndFin(const ConnectionConfig& c, Tcb& t,
                      const wire::TcpSegment& seg, Action& a);

}  // namespace synx::tcp
