// policy.cc — mode names and threshold defaults (control path).

#include "cookie/policy.h"

#include "absl/strings/str_cat.h"

namespace synx::cookie {

std::string_view CookieModeName(CookieMode m) {
  switch (m) {
    case CookieMode::kAlways: return "always";
    case CookieMode::kNever: return "never";
    case CookieMode::kAuto: return "auto";
  }
  return "unknown";
}

std::optional<CookieMode> ParseCookieMode(std::string_view s) {
  if (s == "always") return CookieMode::kAlways;
  if (s == "never") return CookieMode::kNever;
  if (s == "auto") return CookieMode::kAuto;
  return std::nullopt;
}

PolicyConfig PolicyConfig::ForTable(CookieMode mode, uint32_t capacity,
                                    uint32_t rotate_seconds) {
  PolicyConfig c;
  c.mode = mode;
  // Half of the table for half-open entries keeps room for established ones
  // even under a flood; 15/16 occupancy switches before the table is full,
  // when a stateful SYN would have to be dropped.
  c.half_open_high = capacity / 2 > 0 ? capacity / 2 : 1;
  c.half_open_low = capacity / 4;
  c.entries_high = capacity - capacity / 16 > 0 ? capacity - capacity / 16 : 1;
  c.entries_low = static_cast<uint32_t>(uint64_t{capacity} * 3 / 4);
  c.validate_window_ms = uint64_t{rotate_seconds} * 1000;
  return c;
}

absl::Status PolicyConfig::Validate() const {
  if (mode != CookieMode::kAuto) return absl::OkStatus();
  if (half_open_high == 0 || half_open_low >= half_open_high) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cookie policy: half-open low-water mark (", half_open_low,
        ") must be below the high-water mark (", half_open_high,
        "), which must be above 0"));
  }
  if (entries_high == 0 || entries_low >= entries_high) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cookie policy: table low-water mark (", entries_low,
        ") must be below the high-water mark (", entries_high,
        "), which must be above 0"));
  }
  if (validate_window_ms == 0) {
    return absl::InvalidArgumentError(
        "cookie policy: the cookie-ACK validation window must be above 0 ms");
  }
  return absl::OkStatus();
}

}  // namespace synx::cookie
