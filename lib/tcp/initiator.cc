// initiator.cc — the active side's rules. Section numbers are RFC 9293
// unless another RFC is named; "step N" is the Nth check of §3.10.7.4
// ("SEGMENT ARRIVES, otherwise"), "first" … "fifth" in SYN-SENT those of
// §3.10.7.3.
//
// Shape: OnSegment dispatches on (entry?, state) to one function per
// situation — Closed, SynSent, Connection (SYN-RECEIVED and every
// synchronized state) — each working on a copy of the TCB and an Action.

#include "tcp/initiator.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "cookie/syn_cookie.h"
#include "tcp/rules.h"
#include "wire/tcp_options.h"

namespace synx::tcp {
namespace {

using wire::DropReason;
using wire::SeqNum;
using wire::TcpFlags;
using wire::TcpReply;
using wire::TcpSegment;

// --close=rst: the RST goes out at the engine's next timer tick, after the
// ACK that completed the handshake (initiator.h, Close::kRst).
constexpr uint32_t kResetDelayMs = 0;

Action DropWith(DropReason reason, uint32_t events = 0) {
  Action a;
  a.verdict = Verdict::kDrop;
  a.drop = reason;
  a.events = events;
  return a;
}

void Reply(Action& a, const TcpReply& r, uint32_t events) {
  a.verdict = Verdict::kReply;
  a.reply = r;
  a.events |= events;
}

// Every initiator entry exists before its first segment (Open made it), so
// an Action ends by keeping it (kUpdate with `t`) or erasing it.
void Keep(Action& a, const Tcb& t) {
  a.tcb_op = TcbOp::kUpdate;
  a.tcb = t;
}
void Erase(Action& a) {
  a.tcb_op = TcbOp::kErase;
  a.timer_op = TimerOp::kCancel;
}

void ArmTimer(Action& a, uint32_t ms) {
  a.timer_op = TimerOp::kArm;
  a.timer_ms = ms;
}

// Windows in SYN segments are never scaled (RFC 7323 §2.2).
uint16_t SynWindow(const ConnectionConfig& c) {
  return static_cast<uint16_t>(std::min<uint32_t>(c.window, kMaxUnscaledWindow));
}

// <SEQ=ISS><CTL=SYN> with every option the configuration offers. Our MSS is
// what we can receive (RFC 6691 §2); WS and SACK-permitted are offered here
// and used only if the SYN+ACK carries them too (RFC 7323 §1.3, RFC 2018
// §2); TSecr is 0 (RFC 7323 §3.2: no TS.Recent yet).
TcpReply Syn(const InitiatorConfig& cfg, wire::Family family, SeqNum iss,
             uint32_t ts_val) {
  const ConnectionConfig& c = cfg.conn;
  TcpReply r;
  r.flags = TcpFlags(TcpFlags::kSyn);
  r.seq = iss;
  r.window = SynWindow(c);
  r.ttl = c.ttl;
  r.syn.mss = cfg.offer_mss ? c.Mss(family) : 0;
  r.syn.sack_permitted = c.offer_sack;
  if (c.offer_timestamps) {
    r.syn.timestamps = true;
    r.syn.ts_val = ts_val;
  }
  if (c.offer_window_scale) {
    r.syn.window_scale = true;
    r.syn.window_shift = c.window_shift;
  }
  return r;
}

TcpReply SynOf(const InitiatorConfig& cfg, const Tcb& t, uint64_t now_us) {
  return Syn(cfg, FamilyOf(t), t.iss, t.ts_offset + TsClock(now_us));
}

// Simultaneous open's <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> (§3.10.7.3
// fourth), with the options both SYNs agreed on.
TcpReply SynAck(const InitiatorConfig& cfg, const Tcb& t, uint64_t now_us) {
  TcpReply r;
  r.flags = TcpFlags(TcpFlags::kSyn | TcpFlags::kAck);
  r.seq = t.iss;
  r.ack = t.rcv_nxt;
  r.window = SynWindow(cfg.conn);
  r.ttl = cfg.conn.ttl;
  r.syn.mss = cfg.offer_mss ? cfg.conn.Mss(FamilyOf(t)) : 0;
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

// Records what the peer's SYN (or SYN+ACK) carried, against what ours
// offered: the effective MSS and the options both sides use.
void Agree(const InitiatorConfig& cfg, Tcb& t, const wire::TcpOptions& o) {
  const ConnectionConfig& c = cfg.conn;
  const wire::Family family = FamilyOf(t);
  // MUST-15 / RFC 6691: no MSS option means 536 (IPv4) / 1220 (IPv6). A tiny
  // one (CVE-2019-11479 class) is clamped up to the floor the responder
  // uses.
  uint16_t peer_mss = o.mss != 0 ? o.mss : cookie::DefaultMss(family);
  peer_mss = std::max(peer_mss, cookie::MssTable(family)[0]);
  t.mss = std::min(peer_mss, c.Mss(family));
  t.flags &= static_cast<uint8_t>(
      ~(tcb_flag::kSackOk | tcb_flag::kWsOk | tcb_flag::kTsOk));
  t.wscale = 0;
  t.ts_recent = 0;
  if (o.sack_permitted && c.offer_sack) t.flags |= tcb_flag::kSackOk;
  // RFC 7323 §2.2: without WS in both SYNs neither side scales; a shift
  // above 14 is used as 14 (§2.3).
  if (o.has_window_scale && c.offer_window_scale) {
    t.flags |= tcb_flag::kWsOk;
    t.SetWindowScales(std::min(o.window_scale, wire::kMaxWindowScale),
                      c.window_shift);
  }
  if (o.has_timestamps && c.offer_timestamps) {
    t.flags |= tcb_flag::kTsOk;
    t.ts_recent = o.ts_val;
  }
}

// A RST for a segment this side cannot accept (§3.10.7.1, §3.10.7.3's bad
// ACK, §3.10.7.4 SYN-RECEIVED's unacceptable ACK), through the per-core
// bucket. Never for a RST.
Action ResetUnacceptable(const InitiatorConfig& cfg, InitiatorContext& ctx,
                         const TcpSegment& seg, uint64_t now_us) {
  if (!ctx.rst_limiter.TryTake(now_us)) {
    return DropWith(DropReason::kTcpRstRateLimited);
  }
  Action a;
  Reply(a, ResetFor(seg, cfg.conn.ttl), Bit(Event::kRstTx));
  return a;
}

// §3.10.4 CLOSE in ESTABLISHED or CLOSE-WAIT: our FIN, <SEQ=ISS+1>, which
// also acknowledges everything received.
void SendFin(const ConnectionConfig& c, Tcb& t, State next, uint64_t now_us,
             Action& a) {
  t.state = next;
  t.retransmits = 0;
  Reply(a, ConnSegment(c, t, TcpFlags::kFin | TcpFlags::kAck, t.iss + 1,
                       now_us),
        Bit(Event::kFinTx));
  ArmTimer(a, Backoff(c.rto_ms, c.max_rto_ms, 0));
}

// Sends what the new state calls for and sets its timer once an acceptable
// segment has been processed. `before` is the state the segment found.
void Respond(const InitiatorConfig& cfg, Tcb& t, State before,
             bool ack_needed, uint64_t now_us, Action& a) {
  const ConnectionConfig& c = cfg.conn;
  switch (t.state) {
    case State::kCloseWait:
      // The peer closed first and synx has nothing to send, so it closes at
      // once: one FIN+ACK acknowledges the peer's FIN and carries ours.
      SendFin(c, t, State::kLastAck, now_us, a);
      return;
    case State::kFinWait2:
      // Our FIN is acknowledged; a peer that never sends its own must not
      // hold the source port for ever (Linux's tcp_fin_timeout): the idle
      // timer, restarted by every acceptable segment.
      ArmTimer(a, c.idle_timeout_ms);
      break;
    case State::kTimeWait:
      if (before != State::kTimeWait) ArmTimer(a, c.time_wait_ms);
      break;
    default:
      // ESTABLISHED: --close=rst's timer runs on, --close=none has none.
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

// The connection has just reached ESTABLISHED (from SYN-SENT or SYN-RECEIVED).
// `rest` is what the segment carries after its SYN, if it had one: its text
// is acknowledged and discarded, a FIN processed (§3.10.7.3 fourth: "continue
// processing at the sixth step"). Then --close. `from_syn_sent`: the peer's
// SYN is acknowledged only now (§3.10.7.3 fourth: "form an ACK segment");
// from SYN-RECEIVED our SYN+ACK already did, so an ACK goes out only for
// text or a FIN (§3.5 figure 7 sends none). The ACK that completes the
// handshake is not counted as ack_tx: `established` counts it.
Action Established(const InitiatorConfig& cfg, Tcb t, const TcpSegment& rest,
                   uint64_t now_us, uint32_t events, bool from_syn_sent) {
  const ConnectionConfig& c = cfg.conn;
  Action a;
  a.events = events | Bit(Event::kEstablished);
  t.state = State::kEstablished;
  t.retransmits = 0;
  const bool ack_needed = AcceptTextAndFin(c, t, rest, a) || from_syn_sent;
  if (t.state == State::kCloseWait) {
    // The peer's FIN came with it: it closed first (LAST-ACK), whatever
    // --close says.
    Respond(cfg, t, State::kEstablished, /*ack_needed=*/true, now_us, a);
    Keep(a, t);
    return a;
  }
  if (cfg.close == Close::kFin) {
    // The FIN rides on the ACK (if any is due): FIN-WAIT-1 at once.
    SendFin(c, t, State::kFinWait1, now_us, a);
    Keep(a, t);
    return a;
  }
  if (ack_needed) {
    Reply(a, ConnSegment(c, t, TcpFlags::kAck, t.SndNxt(), now_us), 0);
  } else {
    a.verdict = Verdict::kConsume;
  }
  if (cfg.close == Close::kRst) {
    // The RST from OnTimer at the next tick (Close::kRst says why not now).
    ArmTimer(a, kResetDelayMs);
  } else {
    a.timer_op = TimerOp::kCancel;  // --close=none: held, no timer
  }
  Keep(a, t);
  return a;
}

// The segment without its SYN: what §3.10.7.4 calls trimming the part that
// lies before RCV.NXT (a SYN occupies the sequence number before its text).
TcpSegment WithoutSyn(const TcpSegment& seg) {
  TcpSegment s = seg;
  s.seq = seg.seq + 1;
  s.flags = TcpFlags(seg.flags.bits() & ~TcpFlags::kSyn);
  return s;
}

// ---- CLOSED (§3.10.7.1) ---------------------------------------------------

Action Closed(const InitiatorConfig& cfg, InitiatorContext& ctx,
              const TcpSegment& seg, uint64_t now_us) {
  // "An incoming segment containing a RST is discarded. An incoming segment
  // not containing a RST causes a RST to be sent" — e.g. a SYN+ACK after the
  // open was given up, which frees the server's half-open entry.
  if (seg.flags.rst()) return DropWith(DropReason::kTcpRstNoConnection);
  return ResetUnacceptable(cfg, ctx, seg, now_us);
}

// ---- SYN-SENT (§3.10.7.3) -------------------------------------------------

Action SynAckArrives(const InitiatorConfig& cfg, const Tcb& entry,
                     const TcpSegment& seg, uint64_t now_us) {
  const uint64_t sent_us = FirstSynUs(entry);
  const uint64_t waited = now_us > sent_us ? now_us - sent_us : 0;
  Tcb t = entry;
  // IRS = SEG.SEQ, RCV.NXT = SEG.SEQ + 1, SND.UNA = SEG.ACK (= ISS + 1:
  // derived from the state, tcb.h).
  t.rcv_nxt = seg.seq + 1;
  Agree(cfg, t, seg.options);
  Action a = Established(cfg, t, WithoutSyn(seg), now_us,
                         Bit(Event::kSynAckRx), /*from_syn_sent=*/true);
  a.handshake_us = static_cast<uint32_t>(
      std::min<uint64_t>(waited, std::numeric_limits<uint32_t>::max()));
  return a;
}

// MUST-10: a SYN without ACK in SYN-SENT is the peer's active open crossing
// ours. → SYN-RECEIVED (active: a RST there returns to CLOSED, MUST-11) and
// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. The SYN retransmission timer keeps
// running and now retransmits the SYN+ACK (same sequence number, same
// budget). Text on the SYN is not acknowledged: synx keeps nothing to
// "queue for processing after ESTABLISHED", so the peer sends it again.
Action SimultaneousOpen(const InitiatorConfig& cfg, const Tcb& entry,
                        const TcpSegment& seg, uint64_t now_us) {
  Tcb t = entry;
  t.rcv_nxt = seg.seq + 1;
  Agree(cfg, t, seg.options);
  t.state = State::kSynReceived;
  t.flags &= static_cast<uint8_t>(~tcb_flag::kPassive);
  Action a;
  uint32_t events = Bit(Event::kSimultaneousOpen) | Bit(Event::kSynAckTx);
  if (seg.payload_len > 0) events |= Bit(Event::kSynDataIgnored);
  Reply(a, SynAck(cfg, t, now_us), events);
  Keep(a, t);
  return a;
}

Action SynSent(const InitiatorConfig& cfg, InitiatorContext& ctx,
               const Tcb& entry, const TcpSegment& seg, uint64_t now_us) {
  // First, check the ACK bit: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send
  // a reset (unless the RST bit is set, if so drop the segment and return)
  // <SEQ=SEG.ACK><CTL=RST>". SND.UNA = ISS, SND.NXT = ISS + 1: only ISS + 1
  // is acceptable.
  const bool ack_ok =
      seg.flags.ack() && seg.ack.InOpenClosed(entry.iss, entry.SndNxt());
  if (seg.flags.ack() && !ack_ok) {
    if (seg.flags.rst()) return DropWith(DropReason::kTcpSynSentRstBadAck);
    return ResetUnacceptable(cfg, ctx, seg, now_us);
  }
  // Second, check the RST bit: accepted only with an acceptable ACK (which
  // is what protects a SYN-SENT connection from blind resets; its sequence
  // number is not checked). Then "connection reset": refused.
  if (seg.flags.rst()) {
    if (!ack_ok) return DropWith(DropReason::kTcpSynSentRstNoAck);
    Action a;
    a.verdict = Verdict::kConsume;
    a.events = Bit(Event::kRstRx) | Bit(Event::kRefused);
    Erase(a);
    return a;
  }
  // Fourth, check the SYN bit; fifth: "if neither of the SYN or RST bits is
  // set, then drop the segment and return".
  if (!seg.flags.syn()) return DropWith(DropReason::kTcpSynSentNoSyn);
  if (ack_ok) return SynAckArrives(cfg, entry, seg, now_us);
  return SimultaneousOpen(cfg, entry, seg, now_us);
}

// ---- SYN-RECEIVED and synchronized states (§3.10.7.4) ----------------------

// Order as in the responder: RST (RFC 5961 §3), SYN (RFC 5961 §4),
// timestamps (RFC 7323 §3.2 / §5.3), step 1, step 5, 7, 8.
Action Connection(const InitiatorConfig& cfg, InitiatorContext& ctx,
                  const Tcb& entry, const TcpSegment& seg, uint64_t now_us) {
  const ConnectionConfig& c = cfg.conn;
  Tcb t = entry;
  const uint32_t wnd = RcvWnd(c, t);
  TcpSegment s = seg;

  if (s.flags.rst()) {
    switch (CheckRst(s.seq, t.rcv_nxt, wnd)) {
      case RstCheck::kReset: {
        // MUST-11: an active SYN-RECEIVED returns to CLOSED, "connection
        // refused"; every later state is reset.
        Action a;
        a.verdict = Verdict::kConsume;
        a.events = Bit(Event::kRstRx);
        if (t.state == State::kSynReceived && !t.Has(tcb_flag::kPassive)) {
          a.events |= Bit(Event::kRefused);
        }
        Erase(a);
        return a;
      }
      case RstCheck::kChallenge:
        return ThrottledAck(c, t, now_us, Event::kChallengeAckTx);
      case RstCheck::kOutside:
        return DropWith(DropReason::kTcpOutOfWindow);
    }
  }

  if (s.flags.syn()) {
    const bool peers_isn = s.seq + 1 == t.rcv_nxt;
    if (t.state == State::kSynReceived && peers_isn) {
      if (!s.flags.ack()) {
        // The peer's SYN again: our SYN+ACK was lost or is late. Send it
        // again; the retransmission timer keeps its schedule.
        Action a;
        Reply(a, SynAck(cfg, t, now_us),
              Bit(Event::kSynAckTx) | Bit(Event::kSynAckRetransmit));
        return a;
      }
      // Simultaneous open's other SYN+ACK (§3.5 figure 7, line 6): its SYN
      // lies before RCV.NXT and is trimmed (§3.10.7.4); what is left, an
      // ACK at RCV.NXT, completes the handshake below — as Linux does.
      s = WithoutSyn(s);
    } else if (s.flags.ack() && peers_isn) {
      // The peer's SYN+ACK again after we established: our ACK was lost, or
      // a SYN-cookie server retransmits statelessly. ACK it again (the same
      // segment RFC 5961 §4 would send), counted as an ACK.
      return ThrottledAck(c, t, now_us, Event::kAckTx);
    } else {
      // RFC 5961 §4: any other SYN, whatever its sequence number, gets a
      // challenge ACK and never resets the connection. An initiator listens
      // nowhere, so TIME-WAIT is never reopened by a SYN (RFC 6191 is for
      // the passive side).
      return ThrottledAck(c, t, now_us, Event::kChallengeAckTx);
    }
  }

  // Timestamps (TS missing, PAWS), step 1, TIME-WAIT's FIN again.
  if (std::optional<Action> a = RejectUnacceptable(c, t, s, wnd, now_us)) {
    return *a;
  }

  // RFC 7323 §4.3, applied only once the ACK is found acceptable too (see
  // responder.cc: a forged in-window segment must not move TS.Recent).
  const bool take_tsval = t.Has(tcb_flag::kTsOk) && s.seq <= t.rcv_nxt;

  // Step 5: "if the ACK bit is off, drop the segment and return".
  if (!s.flags.ack()) return DropWith(DropReason::kTcpNoAck);

  if (t.state == State::kSynReceived) {
    // SND.UNA < SEG.ACK =< SND.NXT → ESTABLISHED, else <SEQ=SEG.ACK><RST>
    // (the entry stays: a stray ACK must not kill it).
    if (!s.ack.InOpenClosed(t.SndUna(), t.SndNxt())) {
      return ResetUnacceptable(cfg, ctx, s, now_us);
    }
    if (take_tsval) t.ts_recent = s.options.ts_val;
    return Established(cfg, t, s, now_us, 0, /*from_syn_sent=*/false);
  }

  // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), send an
  // ACK, drop the segment". RFC 5961 §5.2: below ISS+1 nothing we sent can
  // be acknowledged by a synchronized peer: challenge.
  if (s.ack > t.SndNxt()) return ThrottledAck(c, t, now_us, Event::kAckTx);
  if (s.ack < t.iss + 1) {
    return ThrottledAck(c, t, now_us, Event::kChallengeAckTx);
  }

  if (take_tsval) t.ts_recent = s.options.ts_val;
  const State before = t.state;
  Action a;
  if (s.ack > t.SndUna()) {
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
        a.verdict = Verdict::kConsume;
        a.events = Bit(Event::kClosed);
        Erase(a);
        return a;
      default:
        break;
    }
  }
  const bool ack_needed = AcceptTextAndFin(c, t, s, a);
  Respond(cfg, t, before, ack_needed, now_us, a);
  Keep(a, t);
  return a;
}

}  // namespace

std::string_view CloseName(Close v) {
  switch (v) {
    case Close::kRst: return "rst";
    case Close::kFin: return "fin";
    case Close::kNone: return "none";
  }
  return "unknown";
}

std::optional<Close> ParseClose(std::string_view s) {
  if (s == "rst") return Close::kRst;
  if (s == "fin") return Close::kFin;
  if (s == "none") return Close::kNone;
  return std::nullopt;
}

absl::Status InitiatorConfig::Validate() const {
  if (absl::Status s = conn.Validate(); !s.ok()) return s;
  if (syn_rto_ms == 0 || syn_rto_ms > conn.max_rto_ms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SYN RTO ", syn_rto_ms, " ms must be above 0 and at most the maximum RTO ",
        conn.max_rto_ms, " ms"));
  }
  return absl::OkStatus();
}

Action Open(const InitiatorConfig& config, const cookie::FlowSecrets& secrets,
            const cookie::FlowTuple& tuple, uint64_t now_us) {
  Tcb t;
  const cookie::IsnAndTsOffset fresh = secrets.ForConnection(tuple, now_us);
  t.iss = fresh.isn;  // MUST-8/9, RFC 6528
  t.state = State::kSynSent;
  if (tuple.family() == wire::Family::kV6) t.flags |= tcb_flag::kIpv6;
  // Nothing of the peer is known yet: rcv_nxt and ts_recent hold the first
  // SYN's send time (FirstSynUs).
  t.rcv_nxt = SeqNum(static_cast<uint32_t>(now_us));
  t.ts_recent = static_cast<uint32_t>(now_us >> 32);
  if (config.conn.offer_timestamps) t.ts_offset = fresh.ts_offset;
  Action a;
  Reply(a, SynOf(config, t, now_us), Bit(Event::kSynTx));
  a.tcb_op = TcbOp::kCreate;
  a.tcb = t;
  ArmTimer(a, Backoff(config.syn_rto_ms, config.conn.max_rto_ms, 0));
  return a;
}

Action OnSegment(const InitiatorConfig& config, InitiatorContext& context,
                 const cookie::FlowTuple& /*tuple*/, const Tcb* tcb,
                 const wire::TcpSegment& seg, uint64_t now_us) {
  if (tcb == nullptr) return Closed(config, context, seg, now_us);
  switch (tcb->state) {
    case State::kSynSent:
      return SynSent(config, context, *tcb, seg, now_us);
    case State::kSynReceived:
    case State::kEstablished:
    case State::kFinWait1:
    case State::kFinWait2:
    case State::kClosing:
    case State::kTimeWait:
    case State::kCloseWait:
    case State::kLastAck:
      return Connection(config, context, *tcb, seg, now_us);
    case State::kClosed:
    case State::kListen:
      break;
  }
  // No entry is ever in these states; one that is is corrupt and not ours
  // to change.
  return DropWith(DropReason::kTcpUnexpectedState);
}

Action OnTimer(const InitiatorConfig& config, const Tcb& tcb,
               uint64_t now_us) {
  const ConnectionConfig& c = config.conn;
  Tcb t = tcb;
  Action a;
  switch (t.state) {
    case State::kSynSent:
    case State::kSynReceived:
      // MUST-20..23 with RFC 6298 back-off, shortened (InitiatorConfig says
      // why). After the last retransmission has had its own time-out the
      // open is given up, silently: nothing from the peer was acceptable.
      if (t.retransmits >= config.syn_retries) {
        a.verdict = Verdict::kConsume;
        a.events = Bit(Event::kSynTimeout);
        Erase(a);
        return a;
      }
      ++t.retransmits;
      if (t.state == State::kSynSent) {
        Reply(a, SynOf(config, t, now_us),
              Bit(Event::kSynTx) | Bit(Event::kSynRetransmit));
      } else {
        Reply(a, SynAck(config, t, now_us),
              Bit(Event::kSynAckTx) | Bit(Event::kSynAckRetransmit));
      }
      ArmTimer(a, Backoff(config.syn_rto_ms, c.max_rto_ms, t.retransmits));
      Keep(a, t);
      return a;
    case State::kEstablished:
      switch (config.close) {
        case Close::kRst:
          // §3.10.4 ABORT: <SEQ=SND.NXT><CTL=RST>, with ACK=RCV.NXT as Linux
          // sends it.
          Reply(a, ConnSegment(c, t, TcpFlags::kRst | TcpFlags::kAck,
                               t.SndNxt(), now_us),
                Bit(Event::kRstTx));
          Erase(a);
          return a;
        case Close::kFin:
          SendFin(c, t, State::kFinWait1, now_us, a);
          Keep(a, t);
          return a;
        case Close::kNone:
          // No timer is armed in this mode; a stray one changes nothing.
          a.verdict = Verdict::kConsume;
          return a;
      }
      break;
    case State::kFinWait1:
    case State::kClosing:
    case State::kLastAck:
      if (t.retransmits < c.fin_retries) {
        ++t.retransmits;
        Reply(a, ConnSegment(c, t, TcpFlags::kFin | TcpFlags::kAck, t.iss + 1,
                             now_us),
              Bit(Event::kFinTx) | Bit(Event::kFinRetransmit));
        ArmTimer(a, Backoff(c.rto_ms, c.max_rto_ms, t.retransmits));
        Keep(a, t);
        return a;
      }
      // The peer never acknowledged our FIN: abort (§3.10.4 ABORT).
      Reply(a, ConnSegment(c, t, TcpFlags::kRst | TcpFlags::kAck, t.SndNxt(),
                           now_us),
            Bit(Event::kRstTx) | Bit(Event::kCloseTimeout));
      Erase(a);
      return a;
    case State::kFinWait2:
    case State::kCloseWait:
      Reply(a, ConnSegment(c, t, TcpFlags::kRst | TcpFlags::kAck, t.SndNxt(),
                           now_us),
            Bit(Event::kRstTx) | Bit(Event::kIdleTimeout));
      Erase(a);
      return a;
    case State::kTimeWait:
      a.verdict = Verdict::kConsume;
      a.events = Bit(Event::kClosed);
      Erase(a);
      return a;
    case State::kClosed:
    case State::kListen:
      break;
  }
  a.verdict = Verdict::kDrop;
  a.drop = DropReason::kTcpUnexpectedState;
  Erase(a);
  return a;
}

Action FloodSyn(const InitiatorConfig& config, wire::Family family,
                wire::SeqNum iss, uint32_t ts_val) {
  Action a;
  Reply(a, Syn(config, family, iss, ts_val), Bit(Event::kSynTx));
  return a;
}

Action OnFloodSegment(const wire::TcpSegment& seg) {
  Action a;
  a.verdict = Verdict::kConsume;
  if (seg.flags.rst()) {
    a.events = Bit(Event::kRstRx);
  } else if (seg.flags.syn() && seg.flags.ack()) {
    a.events = Bit(Event::kSynAckRx);
  } else {
    return DropWith(DropReason::kTcpFloodOther);
  }
  return a;
}

}  // namespace synx::tcp
