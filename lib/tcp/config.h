// config.h — what the operator chooses about connections and the responder.
//
// ConnectionConfig holds what any synx endpoint needs once a connection
// exists (options offered, window, timers, throttles); ResponderConfig adds
// the passive side's choices. Plain values, validated once on the control
// path (Validate) and read-only on the data path.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "cookie/policy.h"
#include "wire/addr.h"

namespace synx::tcp {

struct ConnectionConfig {
  // Our MSS per family (RFC 9293 MUST-14..16 / RFC 6691: sent in SYN and
  // SYN+ACK only, excluding options). 1460/1440: a 1500-byte MTU path.
  uint16_t mss_v4 = 1460;
  uint16_t mss_v6 = 1440;
  // RCV.WND in bytes. It never shrinks: synx discards received data as soon
  // as it acknowledges it. 64240 and shift 7 are Linux's defaults.
  uint32_t window = 64240;
  uint8_t window_shift = 7;  // RCV.WND.SCALE offered (RFC 7323 §2.3: ≤ 14)
  // Offered only when the peer's SYN offered them too (RFC 7323 §1.3,
  // RFC 2018 §2).
  bool offer_window_scale = true;
  bool offer_sack = true;
  bool offer_timestamps = true;
  uint8_t ttl = 64;  // IPv4 TTL / IPv6 hop limit (MUST-49)

  // Retransmission of our SYN+ACK (or SYN) and FIN (MUST-20..23): initial RTO
  // 1 s (RFC 6298 §2.1), doubled per retry (§5.5), capped at max_rto_ms.
  uint32_t rto_ms = 1000;
  uint32_t max_rto_ms = 60'000;
  uint8_t synack_retries = 5;  // Linux's tcp_synack_retries: ~63 s in all
  uint8_t fin_retries = 5;
  // ESTABLISHED / FIN-WAIT-2 with no acceptable segment for this long: RST.
  uint32_t idle_timeout_ms = 60'000;
  // TIME-WAIT. RFC 9293 asks 2 MSL (4 min); like Linux, 60 s: an appliance
  // that closes first holds an entry per connection for this long.
  uint32_t time_wait_ms = 60'000;
  // RFC 5961 §7, per flow: challenge ACKs and ACKs to out-of-window segments
  // per one-second epoch. A peer needs one to recover; more only feed a
  // blind attacker's probe.
  uint8_t challenge_acks_per_s = 5;

  uint16_t Mss(wire::Family f) const {
    return f == wire::Family::kV4 ? mss_v4 : mss_v6;
  }
  absl::Status Validate() const;
};

// --on-established: what the responder does once a handshake completes.
enum class OnEstablished : uint8_t {
  kKeep,   // hold until the peer closes or the idle timeout
  kReset,  // RST right away
  kClose,  // FIN right away, full FIN exchange, TIME-WAIT
};
std::string_view OnEstablishedName(OnEstablished v);
std::optional<OnEstablished> ParseOnEstablished(std::string_view s);

// --closed-port: segments to addresses/ports nobody listens on.
enum class ClosedPort : uint8_t {
  kRst,   // RFC 9293 §3.10.7.1 RST, rate-limited
  kDrop,  // silent, counted
};
std::string_view ClosedPortName(ClosedPort v);
std::optional<ClosedPort> ParseClosedPort(std::string_view s);

struct ResponderConfig {
  ConnectionConfig conn;
  cookie::PolicyConfig cookies;  // --cookies and the auto thresholds
  OnEstablished on_established = OnEstablished::kKeep;
  ClosedPort closed_port = ClosedPort::kRst;
  // Per-core budget for RSTs to segments that match no connection (closed
  // ports, stray or invalid-cookie ACKs): synx must not become a reflector.
  uint32_t rst_rate_per_s = 1000;
  uint32_t rst_burst = 64;

  absl::Status Validate() const;
};

}  // namespace synx::tcp
