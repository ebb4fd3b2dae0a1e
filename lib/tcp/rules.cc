// rules.cc — the shared rules too long to live inline in rules.h.

#include "tcp/rules.h"

namespace synx::tcp {

Action ThrottledAck(const ConnectionConfig& c, const Tcb& entry,
                    uint64_t now_us, Event event, uint32_t events) {
  Tcb t = entry;
  if (!TakeChallengeToken(t, now_us, c.challenge_acks_per_s)) {
    Action a;
    a.verdict = Verdict::kDrop;
    a.drop = wire::DropReason::kTcpAckRateLimited;
    a.events = events;
    return a;
  }
  Action a;
  a.verdict = Verdict::kReply;
  a.reply = ConnSegment(c, t, wire::TcpFlags::kAck, t.SndNxt(), now_us);
  a.events = events | Bit(event);
  a.tcb_op = TcbOp::kUpdate;
  a.tcb = t;
  return a;
}

bool AcceptTextAndFin(const ConnectionConfig& c, Tcb& t,
                      const wire::TcpSegment& seg, Action& a) {
  // Seventh: CLOSE-WAIT, CLOSING, LAST-ACK and TIME-WAIT have had the peer's
  // FIN; text there "should not occur" and is ignored, and so is a FIN that
  // would lie beyond the one already received.
  if (t.state != State::kEstablished && t.state != State::kFinWait1 &&
      t.state != State::kFinWait2) {
    return false;
  }
  bool ack_needed = false;
  const wire::SeqNum text_end = seg.seq + seg.payload_len;
  if (seg.payload_len > 0) {
    if (seg.seq > t.rcv_nxt) {
      // Beyond RCV.NXT: the RFC lets a receiver hold it for later; synx holds
      // nothing, so it acknowledges what it has (a duplicate ACK, which
      // prompts the peer's fast retransmit). A FIN here is not in sequence.
      return true;
    }
    // Overlap with old bytes is trimmed at the left, text beyond the window
    // at the right (step 1's "trimmed to the window").
    const wire::SeqNum right = t.rcv_nxt + RcvWnd(c, t);
    const wire::SeqNum end = text_end > right ? right : text_end;
    if (end > t.rcv_nxt) {
      const auto taken = static_cast<uint32_t>(end - t.rcv_nxt);
      t.rcv_nxt += taken;
      a.data_bytes = taken;
      a.events |= Bit(Event::kDataRx);
    }
    ack_needed = true;
  }
  if (seg.flags.fin()) {
    ack_needed = true;
    // Eighth: only a FIN that is next in sequence is processed (one whose
    // text was trimmed, or that lies beyond RCV.NXT, comes again).
    if (text_end == t.rcv_nxt) {
      t.rcv_nxt += 1;
      a.events |= Bit(Event::kFinRx);
      switch (t.state) {
        case State::kEstablished: t.state = State::kCloseWait; break;
        // Our FIN not yet acknowledged (else step 5 moved us to FIN-WAIT-2).
        case State::kFinWait1: t.state = State::kClosing; break;
        case State::kFinWait2: t.state = State::kTimeWait; break;
        default: break;
      }
    }
  }
  return ack_needed;
}

}  // namespace synx::tcp
