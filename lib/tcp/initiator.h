// initiator.h — the active side of RFC 9293 as pure functions: open a
// connection (Open), what to do with one received segment (OnSegment) and
// with one expired timer (OnTimer), and the stateless SYN of the flood mode
// (FloodSyn, OnFloodSegment).
//
// Contract: the engine picks a free 4-tuple (no entry for it: a port in
// TIME-WAIT is not free), calls Open and carries out the Action exactly as
// for the responder (responder.h, "Engine obligations"): kCreate that fails
// sends nothing and counts kTcpTableFull; kErase also disarms the timer;
// every reply of Open, OnTimer and FloodSyn goes into a fresh frame written
// by wire::WriteTcpSegment from `local` to `remote`, replies of OnSegment
// into the received frame (wire::WriteTcpReply). A timer armed for 0 ms
// fires at the engine's next tick. Every protocol decision is made here;
// rules follow handshake-rules.md §A and cite their RFC section in
// initiator.cc.
//
// Latency: a SYN-SENT entry keeps its first SYN's send time (FirstSynUs);
// OnSegment puts "first SYN → this SYN+ACK" into Action::handshake_us with
// kSynAckRx. It is measured from the FIRST SYN, so a retransmitted SYN shows
// up as ≥ syn_rto_ms of latency: that is what a client of the server waits,
// and a server dropping SYNs (full backlog) shows in the histogram as modes
// at 1 s, 3 s, … instead of vanishing. A simultaneous open has none.
//
// Never: I/O, clock reads (time is `now_us`, any monotonic microsecond clock
// shared with the timer wheel), allocation, DPDK types, touching a buffer.
// The only state written is the InitiatorContext, owned by the calling core.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "cookie/flow_tuple.h"
#include "cookie/isn.h"
#include "tcp/action.h"
#include "tcp/config.h"
#include "tcp/rate_limiter.h"
#include "tcp/tcb.h"
#include "wire/addr.h"
#include "wire/frame.h"
#include "wire/seq_num.h"

namespace synx::tcp {

// --close: what the initiator does once its connection is ESTABLISHED.
enum class Close : uint8_t {
  // ACK the SYN+ACK, then RST (<SEQ=SND.NXT><ACK=RCV.NXT><RST,ACK>) at the
  // next timer tick. The ACK makes the server complete the connection (its
  // accept() returns it, TcpPassiveOpens counts it: the rate a load test
  // measures); the RST then frees both ends at once, with no TIME-WAIT to
  // hold a source port. A RST in place of the ACK would only test the
  // server's SYN handling: its half-open entry dies and no connection counts.
  kRst,
  // The FIN rides on the handshake's ACK (one FIN+ACK segment), then a full
  // FIN exchange and TIME-WAIT (ConnectionConfig::time_wait_ms) on our side,
  // which keeps the source port from being reused too early.
  kFin,
  // Hold the connection until the run ends (the peer may still close it).
  kNone,
};
std::string_view CloseName(Close v);
std::optional<Close> ParseClose(std::string_view s);

struct InitiatorConfig {
  // Shared with the responder. For the initiator: mss_v4 / mss_v6, window,
  // window_shift, offer_* and ttl say what our SYN carries (offer_* = put the
  // option in the SYN; it is used only if the SYN+ACK answers with it too);
  // rto_ms / max_rto_ms / fin_retries drive FIN retransmission, max_rto_ms
  // also caps the SYN back-off; idle_timeout_ms limits FIN-WAIT-2;
  // time_wait_ms is TIME-WAIT after a FIN close.
  ConnectionConfig conn;
  bool offer_mss = true;  // false: the SYN carries no MSS option
  // SYN retransmission (MUST-20..23 / RFC 6298 §5.5): syn_rto_ms, doubled
  // per retry (capped at conn.max_rto_ms), syn_retries times, then the open
  // is given up after the last one's own time-out: 1 + 2 + 4 + 8 = 15 s with
  // the defaults. DEVIATION: RFC 9293 §3.8.3 asks that an open be retried
  // for at least 3 minutes (R2 for a SYN); a load tester that waited that
  // long per lost SYN would measure its own patience, not the server. The
  // count and the RTO are flags (--syn-retries, --syn-rto-ms).
  uint8_t syn_retries = 3;
  uint32_t syn_rto_ms = 1000;  // RFC 6298 §2.1's initial RTO
  Close close = Close::kRst;
  // Per-core budget for RSTs this side sends to segments it cannot accept
  // (a SYN-SENT bad ACK, segments for no connection): synx must not become
  // a reflector.
  uint32_t rst_rate_per_s = 1000;
  uint32_t rst_burst = 64;

  absl::Status Validate() const;
};

// Per-core mutable state of the initiator's rules. One per worker.
struct InitiatorContext {
  InitiatorContext(const InitiatorConfig& config,
                   const cookie::FlowSecrets& flow_secrets)
      : secrets(flow_secrets),
        rst_limiter(config.rst_rate_per_s, config.rst_burst) {}

  cookie::FlowSecrets secrets;  // RFC 6528 ISN and TS-offset keys
  TokenBucket rst_limiter;
};

// Active OPEN (§3.10.1): CLOSED → SYN-SENT. Returns the SYN to send
// (Verdict::kReply; reply is <SEQ=ISS><CTL=SYN> with the configured
// options), kCreate of the SYN-SENT entry, the retransmission timer armed for
// syn_rto_ms, and kSynTx. `tuple`: local = our source address and port,
// remote = the target. ISS is RFC 6528's, from `secrets`.
Action Open(const InitiatorConfig& config, const cookie::FlowSecrets& secrets,
            const cookie::FlowTuple& tuple, uint64_t now_us);

// One received segment. `tuple` names local = the segment's destination (us),
// remote = its source (InboundTuple in responder.h). `tcb` is the entry for
// the tuple, or null: then the segment is treated as CLOSED (§3.10.7.1).
Action OnSegment(const InitiatorConfig& config, InitiatorContext& context,
                 const cookie::FlowTuple& tuple, const Tcb* tcb,
                 const wire::TcpSegment& seg, uint64_t now_us);

// The entry's timer fired. Its meaning follows from the state:
//   SYN-SENT                      SYN retransmission, back-off, give up
//   SYN-RECEIVED (active)         SYN+ACK retransmission on the same budget
//   ESTABLISHED                   --close=rst's RST (armed for 0 ms)
//   FIN-WAIT-1, CLOSING, LAST-ACK FIN retransmission, back-off, then RST
//   FIN-WAIT-2, CLOSE-WAIT        idle timeout: RST
//   TIME-WAIT                     expiry
Action OnTimer(const InitiatorConfig& config, const Tcb& tcb, uint64_t now_us);

// The first SYN's send time of a SYN-SENT entry (tcb.h: kept in rcv_nxt and
// ts_recent until the SYN+ACK brings the peer's values).
constexpr uint64_t FirstSynUs(const Tcb& syn_sent) {
  return (uint64_t{syn_sent.ts_recent} << 32) | syn_sent.rcv_nxt.value();
}

// --mode=flood: one SYN from a (spoofed) source with no state kept: the
// reply carries <SEQ=iss><CTL=SYN> and the options Open would send, TSval =
// ts_val, with kSynTx; no entry, no timer. The caller picks `iss` and
// `ts_val` (any unpredictable values: nothing will check them).
Action FloodSyn(const InitiatorConfig& config, wire::Family family,
                wire::SeqNum iss, uint32_t ts_val);

// --mode=flood: a segment that came back. SYN+ACK → kSynAckRx, RST → kRstRx
// (Verdict::kConsume), anything else dropped (kTcpFloodOther). Never
// answered: a flood leaves the target's half-open entries in place, which is
// what it measures.
Action OnFloodSegment(const wire::TcpSegment& seg);

}  // namespace synx::tcp
