// action.h — what the rules decide about one segment or one timer: the value
// the engine carries out.
//
// An Action says what to send (at most one TCP segment, written by
// wire::WriteTcpReply into the received frame, or into a fresh frame for
// timer-driven sends), what to do with the table entry, which timer to arm or
// cancel, which counters to bump (events) and, for a drop, why. It never
// holds a pointer: the engine may keep it across the burst.
#pragma once

#include <cstdint>
#include <string_view>

#include "tcp/tcb.h"
#include "wire/drop_reason.h"
#include "wire/reply.h"

namespace synx::tcp {

// One bit per counter the rules can bump. stats renders the snake_case name
// as a JSON / telemetry key: add freely, rename only with a note in docs/.
// Each name is also a stats::Counter name (lib/stats/counters.h): the engine
// maps events to counters by name and fails to compile when one is missing.
// Each row: X(Enumerator, "json_name", "what it counts").
#define SYNX_TCP_EVENTS(X)                                                     \
  X(kSynRx, "syn_rx", "SYN received by a listener (or a reused TIME-WAIT)")    \
  X(kSynAckTx, "synack_tx", "SYN+ACK sent, retransmissions included")          \
  X(kSynAckRetransmit, "synack_retransmits", "SYN+ACK sent again (timer or repeated SYN)") \
  X(kCookieSent, "cookies_sent", "SYN answered with a SYN cookie, no state kept") \
  X(kCookieValid, "cookies_valid", "ACK carrying a valid cookie: connection made") \
  X(kCookieInvalid, "cookies_invalid", "ACK checked as a cookie and rejected") \
  X(kEstablished, "established", "connection reached ESTABLISHED")             \
  X(kRstTx, "rst_tx", "RST sent")                                              \
  X(kRstRx, "rst_rx", "acceptable RST received: connection reset by the peer") \
  X(kChallengeAckTx, "challenge_acks_tx", "RFC 5961 challenge ACK sent")       \
  X(kAckTx, "ack_tx", "pure ACK sent (data, FIN, out-of-window or duplicate)") \
  X(kDataRx, "data_segments_rx", "segment carrying new in-order data, acknowledged and discarded") \
  X(kFinRx, "fin_rx", "peer's FIN accepted")                                   \
  X(kFinTx, "fin_tx", "FIN sent, retransmissions included")                    \
  X(kFinRetransmit, "fin_retransmits", "FIN sent again by the timer")          \
  X(kClosed, "closed", "connection closed by a complete FIN exchange")         \
  X(kHandshakeTimeout, "handshake_timeouts", "SYN-RECEIVED given up after the last retransmission") \
  X(kIdleTimeout, "idle_timeouts", "connection reset after the idle timeout")  \
  X(kCloseTimeout, "close_timeouts", "FIN never acknowledged: connection reset") \
  X(kSynDataIgnored, "syn_data_ignored", "SYN payload not acknowledged (RFC 7413 without a cookie)") \
  X(kPawsRejected, "paws_rejected", "segment older than TS.Recent (RFC 7323 §5)") \
  X(kTimeWaitReused, "time_wait_reused", "new SYN accepted over a TIME-WAIT entry (RFC 6191)") \
  /* initiator */                                                              \
  X(kSynTx, "syn_tx", "SYN sent (active open or flood), retransmissions included") \
  X(kSynRetransmit, "syn_retransmits", "SYN sent again by the timer")          \
  X(kSynAckRx, "synack_rx", "acceptable SYN+ACK received in SYN-SENT (or any SYN+ACK in flood mode)") \
  X(kRefused, "refused", "active open refused: acceptable RST in SYN-SENT or active SYN-RECEIVED") \
  X(kSynTimeout, "timeouts", "active open given up after the last SYN (or SYN+ACK) retransmission") \
  X(kSimultaneousOpen, "simultaneous_opens", "SYN without ACK received in SYN-SENT (RFC 9293 MUST-10)")

enum class Event : uint8_t {
#define SYNX_TCP_EVENT_ENUM(name, json, help) name,
  SYNX_TCP_EVENTS(SYNX_TCP_EVENT_ENUM)
#undef SYNX_TCP_EVENT_ENUM
      kCount
};

inline constexpr int kEventCount = static_cast<int>(Event::kCount);
static_assert(kEventCount <= 32, "Action::events is 32 bits");

constexpr uint32_t Bit(Event e) { return uint32_t{1} << static_cast<int>(e); }

constexpr std::string_view EventName(Event e) {
  constexpr std::string_view kNames[] = {
#define SYNX_TCP_EVENT_NAME(name, json, help) json,
      SYNX_TCP_EVENTS(SYNX_TCP_EVENT_NAME)
#undef SYNX_TCP_EVENT_NAME
  };
  const auto i = static_cast<int>(e);
  return i < kEventCount ? kNames[i] : std::string_view("invalid");
}

constexpr std::string_view EventHelp(Event e) {
  constexpr std::string_view kHelp[] = {
#define SYNX_TCP_EVENT_HELP(name, json, help) help,
      SYNX_TCP_EVENTS(SYNX_TCP_EVENT_HELP)
#undef SYNX_TCP_EVENT_HELP
  };
  const auto i = static_cast<int>(e);
  return i < kEventCount ? kHelp[i] : std::string_view("invalid");
}

enum class Verdict : uint8_t {
  kDrop,     // discard, count `drop`
  kReply,    // send `reply` back to the segment's sender
  kConsume,  // accepted, nothing to send
};

enum class TcbOp : uint8_t {
  kNone,
  kCreate,  // insert `tcb` (no entry exists for the tuple)
  kUpdate,  // overwrite the entry with `tcb`
  kErase,   // remove the entry
};

enum class TimerOp : uint8_t {
  kNone,    // leave any armed timer as it is
  kArm,     // (re)arm the entry's one timer to fire after `timer_ms`
  kCancel,  // disarm it
};

struct Action {
  Verdict verdict = Verdict::kDrop;
  wire::DropReason drop = wire::DropReason::kNone;
  TcbOp tcb_op = TcbOp::kNone;
  TimerOp timer_op = TimerOp::kNone;
  uint32_t timer_ms = 0;
  uint32_t events = 0;      // Bit(Event) set
  uint32_t data_bytes = 0;  // new in-order payload bytes (with kDataRx)
  // With kSynAckRx from an entry: microseconds from our first SYN to this
  // SYN+ACK, retransmission waits included (saturates at 2^32 - 1).
  uint32_t handshake_us = 0;
  Tcb tcb;                  // the entry after this step (kCreate / kUpdate)
  wire::TcpReply reply;     // with Verdict::kReply

  bool Has(Event e) const { return (events & Bit(e)) != 0; }
};

}  // namespace synx::tcp
