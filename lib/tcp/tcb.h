// tcb.h — the transmission control block: what synx remembers about one
// connection, packed into 24 bytes.
//
// The flow table stores one Tcb per 4-tuple next to its key; with an IPv6 key
// (2 × 16 B addresses + ports) the entry stays within one 64-byte cache line.
// The Tcb is a plain value: the rules read a copy and return the new one in
// Action::tcb; they never keep a pointer.
//
// Send-side variables are not stored. synx never sends data, so the only
// sequence space it uses is its SYN and its FIN, and SND.UNA / SND.NXT follow
// from ISS and the state alone (SndUna / SndNxt below). RCV.WND is the
// configured window, not per-connection state.
//
// In SYN-SENT (initiator) rcv_nxt and ts_recent hold nothing yet: the peer's
// ISN and TSval arrive with its SYN+ACK. The initiator may keep its SYN's send
// time there (8 bytes) until then, so latency needs no extra storage.
#pragma once

#include <cstdint>

#include "tcp/state.h"
#include "wire/seq_num.h"

namespace synx::tcp {

// Tcb::flags bits.
namespace tcb_flag {
// MUST-11: SYN-RECEIVED remembers whether it came from a passive OPEN (a RST
// then returns to LISTEN) or an active one (back to CLOSED).
inline constexpr uint8_t kPassive = 0x01;
inline constexpr uint8_t kSackOk = 0x02;    // both SYNs carried SACK-permitted
inline constexpr uint8_t kTsOk = 0x04;      // both SYNs carried timestamps
inline constexpr uint8_t kWsOk = 0x08;      // both SYNs carried window scale
inline constexpr uint8_t kCookie = 0x10;    // made from a valid cookie ACK
inline constexpr uint8_t kIpv6 = 0x20;      // family, for timer-driven replies
}  // namespace tcb_flag

struct Tcb {
  wire::SeqNum iss;        // our initial sequence number (cookie or RFC 6528)
  wire::SeqNum rcv_nxt;    // RCV.NXT: next sequence number expected
  uint32_t ts_recent = 0;  // RFC 7323 §4.3 TS.Recent
  uint32_t ts_offset = 0;  // our TSval = ts_offset + now in ms (keyed per flow)
  uint16_t mss = 0;        // effective send MSS = min(peer's or default, ours)
  State state = State::kClosed;
  uint8_t flags = 0;       // tcb_flag bits
  uint8_t wscale = 0;      // low nibble: peer's shift (SND.WND.SCALE);
                           // high nibble: ours (RCV.WND.SCALE); 0 unless kWsOk
  uint8_t retransmits = 0;  // SYN+ACK or FIN retransmissions so far
  // RFC 5961 §7 throttle, per flow (CVE-2016-5696 came from one global
  // counter whose exhaustion was observable across connections): at most
  // ResponderConfig::challenge_acks_per_s ACKs per one-second epoch.
  uint8_t challenge_epoch = 0;  // seconds since start, modulo 256
  uint8_t challenge_count = 0;

  bool Has(uint8_t flag) const { return (flags & flag) != 0; }
  uint8_t snd_wscale() const { return wscale & 0x0f; }
  uint8_t rcv_wscale() const { return wscale >> 4; }
  void SetWindowScales(uint8_t snd, uint8_t rcv) {
    wscale = static_cast<uint8_t>((snd & 0x0f) | (rcv << 4));
  }

  // SND.UNA and SND.NXT (RFC 9293 §3.3.1) derived from the state: our SYN
  // occupies ISS, our FIN (if sent) ISS+1.
  wire::SeqNum SndUna() const {
    switch (state) {
      case State::kSynSent:
      case State::kSynReceived:
        return iss;
      case State::kFinWait2:
      case State::kTimeWait:
        return iss + 2;
      default:
        return iss + 1;
    }
  }
  wire::SeqNum SndNxt() const {
    switch (state) {
      case State::kFinWait1:
      case State::kFinWait2:
      case State::kClosing:
      case State::kTimeWait:
      case State::kLastAck:
        return iss + 2;
      default:
        return iss + 1;
    }
  }

  bool operator==(const Tcb&) const = default;
};

static_assert(sizeof(Tcb) <= 24, "Tcb must leave room for an IPv6 key in 64 B");

}  // namespace synx::tcp
