// responder.h — the passive side of RFC 9293 as two pure functions: what to do
// with one received segment (OnSegment) and with one expired timer (OnTimer).
//
// Contract: the engine parses the frame once, looks the 4-tuple up in its
// table, and calls OnSegment with the entry (or null) and whether the
// destination address:port is listened on. The returned Action says what to
// send, what to do with the entry and its one timer, what to count, and for
// a drop which DropReason. The engine carries it out and nothing else: every
// protocol decision is made here. Rules follow handshake-rules.md §A; each
// one cites its RFC section in responder.cc.
//
// Never: I/O, clock reads (time is `now_us`, any monotonic microsecond clock
// shared with the timer wheel), allocation, DPDK types, touching a buffer.
// The only state written is the ResponderContext (cookie policy, token
// bucket, MAC counter), owned by the calling core.
//
// Engine obligations the rules rely on:
//   - tcb_op, timer_op and events apply whatever the verdict (a rate-limited
//     drop may still restart TIME-WAIT, a reset reply erases the entry);
//   - kCreate that fails (table full): send nothing, count kTcpTableFull;
//   - kErase also disarms the entry's timer;
//   - ResponderContext::half_open / entries are kept current (HalfOpenDelta);
//   - a timer-driven reply (OnTimer) is written into a fresh frame built from
//     the entry's key, sent from `local` to `remote`.
#pragma once

#include <cstdint>

#include "cookie/flow_tuple.h"
#include "cookie/isn.h"
#include "cookie/keys.h"
#include "cookie/policy.h"
#include "cookie/syn_cookie.h"
#include "tcp/action.h"
#include "tcp/config.h"
#include "tcp/rate_limiter.h"
#include "tcp/tcb.h"
#include "wire/frame.h"

namespace synx::tcp {

// Per-core mutable state the rules need. One per worker; not shared.
struct ResponderContext {
  ResponderContext(const ResponderConfig& config,
                   const cookie::CookieKeys* cookie_keys,
                   const cookie::FlowSecrets& flow_secrets)
      : keys(cookie_keys),
        secrets(flow_secrets),
        policy(config.cookies),
        rst_limiter(config.rst_rate_per_s, config.rst_burst) {}

  // Shared by all cores, read-only here. May be null only when the cookie
  // mode is kNever.
  const cookie::CookieKeys* keys;
  cookie::FlowSecrets secrets;  // RFC 6528 ISN and TS-offset keys
  cookie::CookiePolicy policy;
  cookie::CookieCounters cookie_counters;  // MACs computed by this core
  TokenBucket rst_limiter;
  // Kept current by the engine; they drive the auto cookie mode.
  uint32_t half_open = 0;  // entries in SYN-RECEIVED
  uint32_t entries = 0;    // entries in the table
};

// The tuple of a received TCP frame as the rules name it: local = where it
// was sent (us), remote = who sent it.
inline cookie::FlowTuple InboundTuple(const wire::Frame& f) {
  cookie::FlowTuple t;
  t.local = f.dst;
  t.remote = f.src;
  t.local_port = f.tcp.dport;
  t.remote_port = f.tcp.sport;
  return t;
}

// One received TCP segment. `tuple` names local = the segment's destination,
// remote = its source. `tcb` is the table entry for the tuple or null.
// `listening`: the destination address:port is one synx listens on.
Action OnSegment(const ResponderConfig& config, ResponderContext& context,
                 const cookie::FlowTuple& tuple, const Tcb* tcb,
                 bool listening, const wire::TcpSegment& seg, uint64_t now_us);

// The entry's timer fired. Its meaning follows from the state:
//   SYN-RECEIVED                 SYN+ACK retransmission, back-off, give up
//   ESTABLISHED, FIN-WAIT-2,
//   CLOSE-WAIT                   idle timeout: RST
//   FIN-WAIT-1, CLOSING, LAST-ACK FIN retransmission, back-off, then RST
//   TIME-WAIT                    expiry
Action OnTimer(const ResponderConfig& config, const Tcb& tcb, uint64_t now_us);

// How applying `action` to the entry `before` (null if none) changes the
// number of SYN-RECEIVED entries: +1, 0 or -1. Assumes a kCreate succeeded.
int HalfOpenDelta(const Tcb* before, const Action& action);

}  // namespace synx::tcp
