// responder.cc — the passive side's rules. Section numbers are RFC 9293
// unless another RFC is named; "step N" is the Nth check of §3.10.7.4
// ("SEGMENT ARRIVES, otherwise").
//
// Shape: OnSegment dispatches on (entry?, listening?, state) to one function
// per situation. Functions work on a copy of the TCB and an Action; Finish()
// turns "did the entry exist / does it survive" into the table operation.

#include "tcp/responder.h"

#include <algorithm>
#include <optional>

#include "tcp/rules.h"
#include "wire/tcp_options.h"

namespace synx::tcp {
namespace {

using wire::DropReason;
using wire::SeqNum;
using wire::TcpFlags;
using wire::TcpReply;
using wire::TcpSegment;

Action Drop(DropReason reason, uint32_t events = 0) {
  Action a;
  a.verdict = Verdict::kDrop;
  a.drop = reason;
  a.events = events;
  return a;
}

// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> with the options agreed in `t`. Our MSS
// goes out whatever the peer's (RFC 6691 §2: it describes what we receive);
// the window is unscaled (RFC 7323 §2.2).
TcpReply SynAck(const ConnectionConfig& c, const Tcb& t, uint64_t now_us) {
  TcpReply r;
  r.flags = TcpFlags(TcpFlags::kSyn | TcpFlags::kAck);
  r.seq = t.iss;
  r.ack = t.rcv_nxt;
  r.window =
      static_cast<uint16_t>(std::min<uint32_t>(c.window, kMaxUnscaledWindow));
  r.ttl = c.ttl;
  r.syn.mss = c.Mss(FamilyOf(t));
  r.syn.sack_permitted = t.Has(tcb_flag::kSackOk);
  if (t.Has(tcb_flag::kTsOk)) {
    r.syn.timestamps = true;
    r.syn.ts_val = t.ts_offset + TsClock(now_us);
    r.syn.ts_ecr = t.ts_recent;
  }
  if (t.Has(tcb_flag::kWsOk)) {
    r.syn.window_scale = true;
    r.syn.window_shift = t.rcv_wscale();
  }
  return r;
}

// The options both sides agreed on, from the peer's SYN (or, on the cookie
// path, from what the cookie remembers of it) and what we offer.
struct Agreed {
  uint16_t peer_mss = 0;  // 0: absent
  bool sack = false;
  bool ws = false;
  uint8_t peer_ws = 0;
  bool ts = false;
  uint32_t ts_val = 0;
};

// The passive TCB for a connection whose SYN is `irs`, with ISS `iss`.
Tcb PassiveTcb(const ConnectionConfig& c, const cookie::FlowTuple& tuple,
               const Agreed& o, SeqNum iss, SeqNum irs,
               uint32_t ts_offset) {
  Tcb t;
  t.iss = iss;
  t.rcv_nxt = irs + 1;
  t.state = State::kSynReceived;
  t.flags = tcb_flag::kPassive;
  const wire::Family family = tuple.family();
  if (family == wire::Family::kV6) t.flags |= tcb_flag::kIpv6;
  // MUST-15 / RFC 6691: no MSS option means 536 (IPv4) / 1220 (IPv6). A tiny
  // MSS (CVE-2019-11479 class) is clamped up to the cookie table's floor, the
  // same floor below which cookie mode refuses the SYN.
  uint16_t peer_mss = o.peer_mss != 0 ? o.peer_mss : cookie::DefaultMss(family);
  peer_mss = std::max(peer_mss, cookie::MssTable(family)[0]);
  t.mss = std::min(peer_mss, c.Mss(family));
  if (o.sack && c.offer_sack) t.flags |= tcb_flag::kSackOk;
  if (o.ws && c.offer_window_scale) {
    t.flags |= tcb_flag::kWsOk;
    t.SetWindowScales(std::min(o.peer_ws, wire::kMaxWindowScale),
                      c.window_shift);
  }
  if (o.ts && c.offer_timestamps) {
    t.flags |= tcb_flag::kTsOk;
    t.ts_recent = o.ts_val;
    t.ts_offset = ts_offset;
  }
  return t;
}

// A cookie connection's TS offset: the flow's own, per 4-tuple as on the
// stateful path (design.md §5), so that TSval stays monotonic across
// incarnations of a tuple whichever mode answered them (RFC 7323 §5.5 PAWS
// across connections) and across ECMP peers sharing the key file. The cookie
// SipHash cannot give it: that hash covers the client ISN, so its other half
// is per connection. Costs a second SipHash only when timestamps are agreed.
uint32_t CookieTsOffset(const ConnectionConfig& c,
                        const cookie::FlowSecrets& secrets,
                        const cookie::FlowTuple& tuple, const Agreed& o) {
  return o.ts && c.offer_timestamps ? secrets.TsOffset(tuple) : 0;
}

// How an Action ends for the table: the entry existed or not, and survives
// (`t` is its new value) or not.
void Finish(Action& a, bool existed, bool keep, const Tcb& t) {
  if (keep) {
    a.tcb_op = existed ? TcbOp::kUpdate : TcbOp::kCreate;
    a.tcb = t;
  } else {
    a.tcb_op = existed ? TcbOp::kErase : TcbOp::kNone;
    if (existed) a.timer_op = TimerOp::kCancel;
  }
}

void Reply(Action& a, const TcpReply& r, uint32_t events) {
  a.verdict = Verdict::kReply;
  a.reply = r;
  a.events |= events;
}

// A RST for a segment that matches no connection (§3.10.7.1, §3.10.7.2,
// §3.10.7.4 SYN-RECEIVED's unacceptable ACK), through the per-core bucket.
Action ResetUnmatched(const ResponderConfig& cfg, ResponderContext& ctx,
                      const TcpSegment& seg, uint64_t now_us,
                      uint32_t events = 0) {
  if (!ctx.rst_limiter.TryTake(now_us)) {
    return Drop(DropReason::kTcpRstRateLimited, events);
  }
  Action a;
  Reply(a, ResetFor(seg, cfg.conn.ttl), events | Bit(Event::kRstTx));
  return a;
}

// ---- LISTEN (§3.10.7.2) -------------------------------------------------

// "third, check for a SYN": stateful SYN-RECEIVED entry with an RFC 6528
// ISN, or a cookie and no entry. The SYN's payload is never acknowledged
// (RFC 7413 §4.2: without a valid Fast Open cookie only the SYN is; synx
// never validates TFO cookies).
Action AnswerSyn(const ResponderConfig& cfg, ResponderContext& ctx,
                 const cookie::FlowTuple& tuple, const TcpSegment& seg,
                 uint64_t now_us) {
  const ConnectionConfig& c = cfg.conn;
  uint32_t events = Bit(Event::kSynRx);
  if (seg.payload_len > 0) events |= Bit(Event::kSynDataIgnored);

  Agreed o;
  o.peer_mss = seg.options.mss;
  o.sack = seg.options.sack_permitted;
  o.ws = seg.options.has_window_scale;
  o.peer_ws = seg.options.window_scale;
  o.ts = seg.options.has_timestamps;
  o.ts_val = seg.options.ts_val;

  Action a;
  if (ctx.policy.UseCookies(ctx.half_open, ctx.entries)) {
    if (ctx.keys == nullptr) return Drop(DropReason::kTcpCookieNoKey, events);
    const cookie::MakeResult m = cookie::MakeCookie(
        *ctx.keys, tuple, seg.seq, seg.options, &ctx.cookie_counters);
    if (m.status == cookie::CookieStatus::kMssBelowFloor) {
      return Drop(DropReason::kTcpCookieMssTooSmall, events);
    }
    if (!m.ok()) return Drop(DropReason::kTcpCookieNoKey, events);
    ctx.policy.NoteCookieIssued(now_us / 1000);
    // The SYN+ACK is built from the same agreement the ACK will decode, so
    // both sides of the cookie see one set of options.
    o.peer_mss = m.params.mss;
    o.ws = m.params.has_ws;
    o.peer_ws = m.params.ws;
    o.sack = m.params.sack_permitted;
    const Tcb t = PassiveTcb(c, tuple, o, m.iss, seg.seq,
                             CookieTsOffset(c, ctx.secrets, tuple, o));
    Reply(a, SynAck(c, t, now_us),
          events | Bit(Event::kCookieSent) | Bit(Event::kSynAckTx));
    return a;
  }

  const cookie::IsnAndTsOffset fresh = ctx.secrets.ForConnection(tuple, now_us);
  const Tcb t = PassiveTcb(c, tuple, o, fresh.isn, seg.seq, fresh.ts_offset);
  Reply(a, SynAck(c, t, now_us), events | Bit(Event::kSynAckTx));
  Finish(a, /*existed=*/false, /*keep=*/true, t);
  a.timer_op = TimerOp::kArm;
  a.timer_ms = Backoff(c.rto_ms, c.max_rto_ms, 0);
  return a;
}

Action Established(const ResponderConfig& cfg, Tcb t, bool existed,
                   const TcpSegment& seg, uint64_t now_us, uint32_t events);

// "second, check for an ACK" while cookies may be outstanding: the ACK may
// complete a handshake nobody remembers. CheckCookie verifies tuple, IRS,
// options and key epoch; with timestamps, TSecr must also be a TSval this
// flow could have had from us within the cookie's lifetime (RFC 7323 §3.2:
// the peer echoes our SYN+ACK's TSval), which adds bits a blind forger must
// guess.
Action AnswerCookieAck(const ResponderConfig& cfg, ResponderContext& ctx,
                       const cookie::FlowTuple& tuple, const TcpSegment& seg,
                       uint64_t now_us) {
  const ConnectionConfig& c = cfg.conn;
  const cookie::CheckResult r = cookie::CheckCookie(
      *ctx.keys, tuple, seg.seq, seg.ack, &ctx.cookie_counters);
  if (!r.ok()) {
    return ResetUnmatched(cfg, ctx, seg, now_us, Bit(Event::kCookieInvalid));
  }
  Agreed o;
  o.peer_mss = r.params.mss;
  o.sack = r.params.sack_permitted;
  o.ws = r.params.has_ws;
  o.peer_ws = r.params.ws;
  // A TS option on the ACK means both SYNs carried one (RFC 7323 §3.2): the
  // cookie layout has no bit for it.
  o.ts = seg.options.has_timestamps;
  o.ts_val = seg.options.ts_val;
  Tcb t = PassiveTcb(c, tuple, o, seg.ack - 1, seg.seq - 1,
                     CookieTsOffset(c, ctx.secrets, tuple, o));
  if (t.Has(tcb_flag::kTsOk)) {
    const uint32_t age_ms =
        t.ts_offset + TsClock(now_us) - seg.options.ts_ecr;
    const uint32_t max_age_ms = 2 * ctx.keys->rotate_seconds() * 1000;
    if (age_ms > max_age_ms) {
      return ResetUnmatched(cfg, ctx, seg, now_us, Bit(Event::kCookieInvalid));
    }
  }
  t.flags |= tcb_flag::kCookie;
  t.state = State::kEstablished;
  return Established(cfg, t, /*existed=*/false, seg, now_us,
                     Bit(Event::kCookieValid));
}

Action Listen(const ResponderConfig& cfg, ResponderContext& ctx,
              const cookie::FlowTuple& tuple, const TcpSegment& seg,
              uint64_t now_us) {
  // "first, check for a RST": an incoming RST should be ignored.
  if (seg.flags.rst()) return Drop(DropReason::kTcpRstToListener);
  // "second, check for an ACK": any acknowledgment is bad in LISTEN;
  // <SEQ=SEG.ACK><CTL=RST>. A SYN+ACK is one of them. Only a bare ACK (no
  // SYN; RST was handled above) can carry a cookie, and only while the
  // policy says cookies may be outstanding is it worth a MAC.
  if (seg.flags.ack()) {
    if (!seg.flags.syn() && ctx.keys != nullptr &&
        ctx.policy.ShouldValidateCookieAck(now_us / 1000)) {
      return AnswerCookieAck(cfg, ctx, tuple, seg, now_us);
    }
    return ResetUnmatched(cfg, ctx, seg, now_us);
  }
  if (seg.flags.syn()) return AnswerSyn(cfg, ctx, tuple, seg, now_us);
  // "fourth, other data or control": drop (this is where a lone FIN goes:
  // step eight never processes a FIN in LISTEN).
  return Drop(DropReason::kTcpListenNoSynAck);
}

// ---- Synchronized states -------------------------------------------------

// Sends what the new state calls for and sets its timer. `before` is the
// state the segment found.
void Respond(const ConnectionConfig& c, Tcb& t, State before, bool ack_needed,
             uint64_t now_us, Action& a) {
  switch (t.state) {
    case State::kCloseWait:
      // The peer closed and synx has nothing to send, so it closes at once
      // (§3.10.4 CLOSE in CLOSE-WAIT: send FIN, enter LAST-ACK). One segment
      // acknowledges the peer's FIN and carries ours.
      t.state = State::kLastAck;
      t.retransmits = 0;
      Reply(a, ConnSegment(c, t, TcpFlags::kFin | TcpFlags::kAck, t.iss + 1,
                           now_us),
            Bit(Event::kFinTx));
      a.timer_op = TimerOp::kArm;
      a.timer_ms = Backoff(c.rto_ms, c.max_rto_ms, 0);
      return;
    case State::kEstablished:
    case State::kFinWait2:
      // Any acceptable segment proves the peer alive: restart the idle timer.
      a.timer_op = TimerOp::kArm;
      a.timer_ms = c.idle_timeout_ms;
      break;
    case State::kTimeWait:
      if (before != State::kTimeWait) {
        a.timer_op = TimerOp::kArm;
        a.timer_ms = c.time_wait_ms;
      }
      break;
    default:
      // FIN-WAIT-1, CLOSING, LAST-ACK: our FIN's retransmission timer runs on.
      break;
  }
  if (ack_needed) {
    Reply(a, ConnSegment(c, t, TcpFlags::kAck, t.SndNxt(), now_us),
          Bit(Event::kAckTx));
  } else {
    a.verdict = Verdict::kConsume;
  }
}

// The connection has just reached ESTABLISHED (from SYN-RECEIVED, or from a
// cookie with no entry): process the rest of the completing segment — text on
// the third segment is acknowledged and discarded, a FIN on it is processed
// now that the connection exists — then apply --on-established.
Action Established(const ResponderConfig& cfg, Tcb t, bool existed,
                   const TcpSegment& seg, uint64_t now_us, uint32_t events) {
  const ConnectionConfig& c = cfg.conn;
  Action a;
  a.events = events | Bit(Event::kEstablished);
  t.retransmits = 0;
  const bool ack_needed = AcceptTextAndFin(c, t, seg, a);
  switch (cfg.on_established) {
    case OnEstablished::kReset:
      // §3.10.4 ABORT: <SEQ=SND.NXT><CTL=RST>; with ACK=RCV.NXT as Linux
      // sends it, so the peer sees its data acknowledged before the reset.
      Reply(a, ConnSegment(c, t, TcpFlags::kRst | TcpFlags::kAck, t.SndNxt(),
                           now_us),
            Bit(Event::kRstTx));
      Finish(a, existed, /*keep=*/false, t);
      return a;
    case OnEstablished::kClose:
      if (t.state == State::kEstablished) {
        // §3.10.4 CLOSE in ESTABLISHED: send FIN, enter FIN-WAIT-1. The FIN
        // segment also acknowledges any text just taken.
        t.state = State::kFinWait1;
        Reply(a, ConnSegment(c, t, TcpFlags::kFin | TcpFlags::kAck, t.iss + 1,
                             now_us),
              Bit(Event::kFinTx));
        a.timer_op = TimerOp::kArm;
        a.timer_ms = Backoff(c.rto_ms, c.max_rto_ms, 0);
        Finish(a, existed, /*keep=*/true, t);
        return a;
      }
      break;  // the peer's FIN came with it: close as below (LAST-ACK)
    case OnEstablished::kKeep:
      break;
  }
  Respond(c, t, State::kSynReceived, ack_needed, now_us, a);
  Finish(a, existed, /*keep=*/true, t);
  return a;
}

// RFC 6191 §2 (and RFC 1122 §4.2.2.13 without timestamps): a SYN may reopen
// a connection in TIME-WAIT when it is provably newer than the old one.
bool TimeWaitAcceptsSyn(const Tcb& t, const TcpSegment& seg) {
  if (t.Has(tcb_flag::kTsOk) && seg.options.has_timestamps) {
    return SeqNum(seg.options.ts_val) > SeqNum(t.ts_recent);
  }
  return seg.seq > t.rcv_nxt;
}

// SYN-RECEIVED and every synchronized state. Order: RST (RFC 5961 §3), SYN
// (RFC 5961 §4), timestamps (RFC 7323 §3.2 / §5.3), step 1, step 5, 7, 8.
// RST and SYN come before the sequence check because RFC 5961 gives them
// their own sequence rules.
Action Connection(const ResponderConfig& cfg, ResponderContext& ctx,
                  const cookie::FlowTuple& tuple, const Tcb& entry,
                  bool listening, const TcpSegment& seg, uint64_t now_us) {
  const ConnectionConfig& c = cfg.conn;
  Tcb t = entry;
  const uint32_t wnd = RcvWnd(c, t);

  if (seg.flags.rst()) {
    switch (CheckRst(seg.seq, t.rcv_nxt, wnd)) {
      case RstCheck::kReset: {
        // SYN-RECEIVED: MUST-11, a passive entry returns to LISTEN — the
        // listener is configuration, so that is the entry's removal, as is
        // CLOSED for an active one. Everywhere else the connection is reset.
        // TIME-WAIT too: RFC 1337 would ignore it, but its hazard needs a
        // reused port and old duplicates; Linux accepts it by default, and
        // freeing the entry is what an appliance wants.
        Action a;
        a.verdict = Verdict::kConsume;
        a.events = Bit(Event::kRstRx);
        Finish(a, /*existed=*/true, /*keep=*/false, t);
        return a;
      }
      case RstCheck::kChallenge:
        return ThrottledAck(c, t, now_us, Event::kChallengeAckTx);
      case RstCheck::kOutside:
        return Drop(DropReason::kTcpOutOfWindow);
    }
  }

  if (seg.flags.syn()) {
    if (t.state == State::kSynReceived && !seg.flags.ack() &&
        seg.seq == t.rcv_nxt - 1) {
      // The peer's SYN again (same ISN): our SYN+ACK was lost or is late.
      // Send it again; the retransmission timer keeps its schedule.
      Action a;
      Reply(a, SynAck(c, t, now_us),
            Bit(Event::kSynRx) | Bit(Event::kSynAckTx) |
                Bit(Event::kSynAckRetransmit));
      return a;
    }
    if (t.state == State::kTimeWait && !seg.flags.ack() && listening &&
        TimeWaitAcceptsSyn(t, seg)) {
      Action a = AnswerSyn(cfg, ctx, tuple, seg, now_us);
      a.events |= Bit(Event::kTimeWaitReused) | Bit(Event::kClosed);
      if (a.tcb_op == TcbOp::kCreate) {
        a.tcb_op = TcbOp::kUpdate;  // same key: the new incarnation replaces it
      } else if (a.verdict == Verdict::kReply) {
        a.tcb_op = TcbOp::kErase;  // answered with a cookie: no entry
        a.timer_op = TimerOp::kCancel;
      }
      return a;
    }
    // RFC 5961 §4: a SYN in a synchronized state, whatever its sequence
    // number, gets a challenge ACK and never resets the connection. synx
    // applies this in SYN-RECEIVED too, where §3.10.7.4 would return a
    // passive entry to LISTEN: that would let a blind attacker who knows only
    // the 4-tuple erase half-open connections with one SYN, while a peer that
    // really restarted answers the challenge with a RST at SEG.ACK = our
    // RCV.NXT, which resets the entry exactly, and its next SYN gets through.
    return ThrottledAck(c, t, now_us, Event::kChallengeAckTx);
  }

  // Timestamps (TS missing, PAWS), step 1, TIME-WAIT's FIN again.
  if (std::optional<Action> a = RejectUnacceptable(c, t, seg, wnd, now_us)) {
    return *a;
  }

  // RFC 7323 §4.3: TS.Recent ← SEG.TSval when SEG.SEQ =< Last.ACK.sent;
  // synx acknowledges every segment at once, so Last.ACK.sent is RCV.NXT.
  // (PAWS above guarantees SEG.TSval >= TS.Recent.) Applied only once the
  // ACK field has been found acceptable too, as Linux does: a segment that
  // is dropped for its ACK must not move TS.Recent, or a blind in-window
  // forgery could push it ahead and make PAWS reject the real peer.
  const bool take_tsval = t.Has(tcb_flag::kTsOk) && seg.seq <= t.rcv_nxt;

  // Step 5: "if the ACK bit is off, drop the segment and return".
  if (!seg.flags.ack()) return Drop(DropReason::kTcpNoAck);

  if (t.state == State::kSynReceived) {
    // If SND.UNA < SEG.ACK =< SND.NXT enter ESTABLISHED, else
    // <SEQ=SEG.ACK><CTL=RST> (the entry stays: a stray ACK must not kill it).
    if (!seg.ack.InOpenClosed(t.SndUna(), t.SndNxt())) {
      return ResetUnmatched(cfg, ctx, seg, now_us);
    }
    if (take_tsval) t.ts_recent = seg.options.ts_val;
    t.state = State::kEstablished;
    return Established(cfg, t, /*existed=*/true, seg, now_us, 0);
  }

  // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), send an
  // ACK, drop the segment".
  if (seg.ack > t.SndNxt()) return ThrottledAck(c, t, now_us, Event::kAckTx);
  // RFC 5961 §5.2: an ACK below SND.UNA - MAX.SND.WND is discarded with an
  // ACK. synx never sends data, so nothing below ISS+1 (our SYN) can be
  // acknowledged by a synchronized peer; between ISS+1 and SND.UNA it is a
  // harmless duplicate (a segment sent before our FIN reached the peer).
  if (seg.ack < t.iss + 1) {
    return ThrottledAck(c, t, now_us, Event::kChallengeAckTx);
  }

  if (take_tsval) t.ts_recent = seg.options.ts_val;
  const State before = t.state;
  Action a;
  if (seg.ack > t.SndUna()) {
    // SND.UNA < SEG.ACK =< SND.NXT: the segment acknowledges our FIN.
    switch (t.state) {
      case State::kFinWait1:
        t.state = State::kFinWait2;
        t.retransmits = 0;
        break;
      case State::kClosing:
        t.state = State::kTimeWait;
        break;
      case State::kLastAck:
        // "The only thing that can arrive in this state is an acknowledgment
        // of our FIN. If our FIN is now acknowledged, delete the TCB".
        a.verdict = Verdict::kConsume;
        a.events = Bit(Event::kClosed);
        Finish(a, /*existed=*/true, /*keep=*/false, t);
        return a;
      default:
        break;
    }
  }

  const bool ack_needed = AcceptTextAndFin(c, t, seg, a);
  Respond(c, t, before, ack_needed, now_us, a);
  Finish(a, /*existed=*/true, /*keep=*/true, t);
  return a;
}

}  // namespace

Action OnSegment(const ResponderConfig& config, ResponderContext& context,
                 const cookie::FlowTuple& tuple, const Tcb* tcb,
                 bool listening, const wire::TcpSegment& seg, uint64_t now_us) {
  if (tcb == nullptr) {
    if (listening) return Listen(config, context, tuple, seg, now_us);
    // §3.10.7.1 CLOSED: "An incoming segment containing a RST is discarded.
    // An incoming segment not containing a RST causes a RST to be sent".
    if (seg.flags.rst()) return Drop(DropReason::kTcpRstNoConnection);
    if (config.closed_port == ClosedPort::kDrop) {
      return Drop(DropReason::kTcpClosedPort);
    }
    return ResetUnmatched(config, context, seg, now_us);
  }
  switch (tcb->state) {
    case State::kSynReceived:
    case State::kEstablished:
    case State::kFinWait1:
    case State::kFinWait2:
    case State::kClosing:
    case State::kTimeWait:
    case State::kCloseWait:
    case State::kLastAck:
      return Connection(config, context, tuple, *tcb, listening, seg, now_us);
    case State::kClosed:
    case State::kListen:
    case State::kSynSent:
      break;
  }
  // No passive entry is ever in these states; an entry that is must be some
  // other role's or corrupt, and is not ours to change.
  return Drop(DropReason::kTcpUnexpectedState);
}

Action OnTimer(const ResponderConfig& config, const Tcb& tcb,
               uint64_t now_us) {
  const ConnectionConfig& c = config.conn;
  Tcb t = tcb;
  Action a;
  switch (t.state) {
    case State::kSynReceived:
      // MUST-20..23 with RFC 6298 back-off. After the last retransmission
      // has had its own time-out the half-open entry is given up, silently
      // (the peer, if any, never completed the handshake).
      if (t.retransmits >= c.synack_retries) {
        a.verdict = Verdict::kConsume;
        a.events = Bit(Event::kHandshakeTimeout);
        Finish(a, /*existed=*/true, /*keep=*/false, t);
        return a;
      }
      ++t.retransmits;
      Reply(a, SynAck(c, t, now_us),
            Bit(Event::kSynAckTx) | Bit(Event::kSynAckRetransmit));
      a.timer_op = TimerOp::kArm;
      a.timer_ms = Backoff(c.rto_ms, c.max_rto_ms, t.retransmits);
      Finish(a, /*existed=*/true, /*keep=*/true, t);
      return a;
    case State::kFinWait1:
    case State::kClosing:
    case State::kLastAck:
      if (t.retransmits < c.fin_retries) {
        ++t.retransmits;
        Reply(a, ConnSegment(c, t, TcpFlags::kFin | TcpFlags::kAck, t.iss + 1,
                             now_us),
              Bit(Event::kFinTx) | Bit(Event::kFinRetransmit));
        a.timer_op = TimerOp::kArm;
        a.timer_ms = Backoff(c.rto_ms, c.max_rto_ms, t.retransmits);
        Finish(a, /*existed=*/true, /*keep=*/true, t);
        return a;
      }
      // The peer never acknowledged our FIN: abort (§3.10.4 ABORT).
      Reply(a, ConnSegment(c, t, TcpFlags::kRst | TcpFlags::kAck, t.SndNxt(),
                           now_us),
            Bit(Event::kRstTx) | Bit(Event::kCloseTimeout));
      Finish(a, /*existed=*/true, /*keep=*/false, t);
      return a;
    case State::kEstablished:
    case State::kCloseWait:
    case State::kFinWait2:
      // Idle: reset rather than forget silently, so the peer does not hold a
      // connection synx no longer knows.
      Reply(a, ConnSegment(c, t, TcpFlags::kRst | TcpFlags::kAck, t.SndNxt(),
                           now_us),
            Bit(Event::kRstTx) | Bit(Event::kIdleTimeout));
      Finish(a, /*existed=*/true, /*keep=*/false, t);
      return a;
    case State::kTimeWait:
      a.verdict = Verdict::kConsume;
      a.events = Bit(Event::kClosed);
      Finish(a, /*existed=*/true, /*keep=*/false, t);
      return a;
    case State::kClosed:
    case State::kListen:
    case State::kSynSent:
      break;
  }
  a.verdict = Verdict::kDrop;
  a.drop = wire::DropReason::kTcpUnexpectedState;
  Finish(a, /*existed=*/true, /*keep=*/false, t);
  return a;
}

int HalfOpenDelta(const Tcb* before, const Action& action) {
  const bool was = before != nullptr && before->state == State::kSynReceived;
  bool is = was;
  switch (action.tcb_op) {
    case TcbOp::kNone: break;
    case TcbOp::kCreate:
    case TcbOp::kUpdate: is = action.tcb.state == State::kSynReceived; break;
    case TcbOp::kErase: is = false; break;
  }
  return static_cast<int>(is) - static_cast<int>(was);
}

}  // namespace synx::tcp
