// config.cc — names and validation (control path).

#include "tcp/config.h"

#include "absl/strings/str_cat.h"
#include "wire/tcp_options.h"

namespace synx::tcp {

absl::Status ConnectionConfig::Validate() const {
  // RFC 9293 MUST-15 / RFC 791: an IPv4 host must accept 576-byte datagrams,
  // so 536 is the smallest MSS that makes sense; IPv6's minimum MTU is 1280.
  if (mss_v4 < 536 || mss_v4 > 65495) {
    return absl::InvalidArgumentError(
        absl::StrCat("IPv4 MSS ", mss_v4, " outside 536..65495"));
  }
  if (mss_v6 < 1220 || mss_v6 > 65475) {
    return absl::InvalidArgumentError(
        absl::StrCat("IPv6 MSS ", mss_v6, " outside 1220..65475"));
  }
  if (window_shift > wire::kMaxWindowScale) {
    return absl::InvalidArgumentError(absl::StrCat(
        "window shift ", window_shift, " above ", wire::kMaxWindowScale,
        " (RFC 7323 §2.3)"));
  }
  if (window == 0 || (window >> window_shift) == 0) {
    // Scaled down to 0 the peer would see a closed window for ever.
    return absl::InvalidArgumentError(absl::StrCat(
        "receive window ", window, " must be at least 2^", window_shift,
        " (the window shift) so that the advertised window is not 0"));
  }
  if (ttl == 0) return absl::InvalidArgumentError("TTL must be above 0");
  if (rto_ms == 0 || max_rto_ms < rto_ms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RTO ", rto_ms, " ms must be above 0 and at most the maximum RTO ",
        max_rto_ms, " ms"));
  }
  if (idle_timeout_ms == 0 || time_wait_ms == 0) {
    return absl::InvalidArgumentError(
        "idle timeout and TIME-WAIT time must be above 0 ms");
  }
  if (challenge_acks_per_s == 0) {
    return absl::InvalidArgumentError(
        "challenge ACKs per second must be above 0 (RFC 5961 needs one)");
  }
  return absl::OkStatus();
}

absl::Status ResponderConfig::Validate() const {
  if (absl::Status s = conn.Validate(); !s.ok()) return s;
  return cookies.Validate();
}

std::string_view OnEstablishedName(OnEstablished v) {
  switch (v) {
    case OnEstablished::kKeep: return "keep";
    case OnEstablished::kReset: return "reset";
    case OnEstablished::kClose: return "close";
  }
  return "unknown";
}

std::optional<OnEstablished> ParseOnEstablished(std::string_view s) {
  if (s == "keep") return OnEstablished::kKeep;
  if (s == "reset") return OnEstablished::kReset;
  if (s == "close") return OnEstablished::kClose;
  return std::nullopt;
}

std::string_view ClosedPortName(ClosedPort v) {
  switch (v) {
    case ClosedPort::kRst: return "rst";
    case ClosedPort::kDrop: return "drop";
  }
  return "unknown";
}

std::optional<ClosedPort> ParseClosedPort(std::string_view s) {
  if (s == "rst") return ClosedPort::kRst;
  if (s == "drop") return ClosedPort::kDrop;
  return std::nullopt;
}

}  // namespace synx::tcp
