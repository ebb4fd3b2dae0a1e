// policy.h — when a core answers SYNs with cookies, and when a cookie ACK is
// worth a MAC (design.md §5 "Modes").
//
// kAlways: every SYN gets a cookie; every candidate ACK is checked.
// kNever:  no cookies; no ACK is ever checked as one.
// kAuto:   stateful until the core's half-open count or table occupancy
//          reaches its high-water mark, cookies from then on until both are
//          below their low-water marks (hysteresis, so a load hovering at one
//          threshold does not flip the mode per SYN). Cookie ACKs are checked
//          only within `validate_window_ms` of the last cookie this core
//          issued: an ACK flood while no cookies are outstanding costs no
//          hashing at all.
//
// One CookiePolicy per core, owned by its worker; pure (time is passed in as
// milliseconds of any monotonic clock), no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace synx::cookie {

enum class CookieMode : uint8_t { kAlways, kNever, kAuto };

std::string_view CookieModeName(CookieMode m);  // "always", "never", "auto"
std::optional<CookieMode> ParseCookieMode(std::string_view s);

struct PolicyConfig {
  CookieMode mode = CookieMode::kAuto;
  // Thresholds in table entries; "reaches" means >=, "below" means <.
  uint32_t half_open_high = 0;
  uint32_t half_open_low = 0;
  uint32_t entries_high = 0;
  uint32_t entries_low = 0;
  // How long after the last issued cookie ACKs are still checked: one key
  // lifetime. A legitimate ACK follows its SYN+ACK within an RTT, and a
  // client's SYN retransmission gets a fresh cookie, so this is ample.
  uint64_t validate_window_ms = 0;

  // Defaults for a table of `capacity` entries and a key interval:
  // half-open high at 1/2 of the table (low 1/4), occupancy high at 15/16
  // (low 3/4), window = one key lifetime.
  static PolicyConfig ForTable(CookieMode mode, uint32_t capacity,
                               uint32_t rotate_seconds);
  // In kAuto: 0 < high, low < high, for both pairs; window > 0.
  absl::Status Validate() const;
};

class CookiePolicy {
 public:
  explicit CookiePolicy(const PolicyConfig& config) : config_(config) {
    cookies_ = config.mode == CookieMode::kAlways;
  }

  // Per SYN (or per burst): should this SYN be answered with a cookie, given
  // the core's current half-open count and occupied entries?
  bool UseCookies(uint32_t half_open, uint32_t entries) {
    if (config_.mode != CookieMode::kAuto) return cookies_;
    if (!cookies_) {
      if (half_open >= config_.half_open_high ||
          entries >= config_.entries_high) {
        cookies_ = true;
        ++switches_to_cookies_;
      }
    } else if (half_open < config_.half_open_low &&
               entries < config_.entries_low) {
      cookies_ = false;
    }
    return cookies_;
  }

  void NoteCookieIssued(uint64_t now_ms) {
    last_issued_ms_ = now_ms;
    issued_any_ = true;
  }

  bool ShouldValidateCookieAck(uint64_t now_ms) const {
    switch (config_.mode) {
      case CookieMode::kAlways: return true;
      case CookieMode::kNever: return false;
      case CookieMode::kAuto:
        // A clock reading older than the last issue (should not happen on
        // one core) counts as inside the window.
        return issued_any_ &&
               (now_ms < last_issued_ms_ ||
                now_ms - last_issued_ms_ < config_.validate_window_ms);
    }
    return false;
  }

  bool cookies_active() const { return cookies_; }
  uint64_t switches_to_cookies() const { return switches_to_cookies_; }
  const PolicyConfig& config() const { return config_; }

 private:
  PolicyConfig config_;
  bool cookies_ = false;
  bool issued_any_ = false;
  uint64_t last_issued_ms_ = 0;
  uint64_t switches_to_cookies_ = 0;
};

}  // namespace synx::cookie
