// rules.h — the small RFC 9293 / 5961 / 7323 rules both roles share, as pure
// functions of values: segment acceptability, the no-TCB RST formula,
// retransmission back-off, the per-flow challenge-ACK throttle, the window
// and timestamp fields of a connection's segments, and steps seven and eight
// (text and FIN) of §3.10.7.4.
//
// Nothing here reads a clock, allocates or touches a buffer.
#pragma once

#include <algorithm>
#include <cstdint>

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

// Steps 7 and 8 on an acceptable segment whose ACK has been processed: take
// in-order text (acknowledged, counted, discarded: synx is a sink, so
// RCV.WND never shrinks) and an in-sequence FIN. Updates `t` (RCV.NXT, the
// state after a FIN) and `a` (kDataRx / kFinRx, data_bytes). Returns whether
// the segment must be acknowledged.
bool AcceptTextAndFin(const ConnectionConfig& c, Tcb& t,
                      const wire::TcpSegment& seg, Action& a);

}  // namespace synx::tcp
