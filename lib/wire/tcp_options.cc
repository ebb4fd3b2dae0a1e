// tcp_options.cc — the bounded option walk and the SYN / timestamp writers.

#include "wire/tcp_options.h"

#include <algorithm>

#include "wire/bytes.h"

namespace synx::wire {
namespace {

inline constexpr uint8_t kLenMss = 4;
inline constexpr uint8_t kLenWindowScale = 3;
inline constexpr uint8_t kLenSackPermitted = 2;
inline constexpr uint8_t kLenTimestamps = 10;
// RFC 7413 §4.1.1: a cookie request carries no cookie (length 2); a cookie
// is 4..16 bytes, even.
inline constexpr uint8_t kLenFastOpenMin = 6;
inline constexpr uint8_t kLenFastOpenMax = 18;

bool ValidFastOpenLength(uint8_t len) {
  return len == 2 ||
         (len >= kLenFastOpenMin && len <= kLenFastOpenMax && (len & 1) == 0);
}

}  // namespace

TcpOptions ParseTcpOptions(std::span<const uint8_t> bytes, bool syn) {
  TcpOptions o;
  const uint8_t* p = bytes.data();
  const size_t n = bytes.size();
  if (tcp_options_internal::ParseCommonLayout(p, n, syn, &o)) return o;
  size_t i = 0;
  while (i < n) {
    const uint8_t kind = p[i];
    if (kind == kOptEol) break;  // RFC 9293 §3.1: the rest is padding
    if (kind == kOptNop) {
      ++i;
      continue;
    }
    // MUST-64/68: a length of 0 or 1 would never advance (the classic
    // infinite loop), a missing or oversized length would over-read.
    if (n - i < 2) {
      o.malformed = true;
      break;
    }
    const uint8_t len = p[i + 1];
    if (len < 2 || len > n - i) {
      o.malformed = true;
      break;
    }
    const uint8_t* opt = p + i;
    switch (kind) {
      case kOptMss:
        // RFC 9293 MUST-65: MSS only in SYN segments. An MSS of 0 would
        // stall the connection; treated as if the option were absent
        // (RFC 6691 default then applies), so an earlier valid MSS stays.
        if (syn && len == kLenMss) {
          const uint16_t mss = Load16(opt + 2);
          if (mss != 0) o.mss = mss;
        }
        break;
      case kOptWindowScale:
        // RFC 7323 §2.2: only in a SYN; §2.3: a shift above 14 means 14.
        if (syn && len == kLenWindowScale) {
          o.has_window_scale = true;
          o.window_scale = std::min(opt[2], kMaxWindowScale);
        }
        break;
      case kOptSackPermitted:
        // RFC 2018 §2: only in a SYN.
        if (syn && len == kLenSackPermitted) o.sack_permitted = true;
        break;
      case kOptTimestamps:
        // RFC 7323 §3.2: any segment once agreed; the SYN offers it.
        if (len == kLenTimestamps) {
          o.has_timestamps = true;
          o.ts_val = Load32(opt + 2);
          o.ts_ecr = Load32(opt + 6);
        }
        break;
      case kOptFastOpen:
        if (syn && ValidFastOpenLength(len)) {
          o.has_fast_open = true;
          o.fast_open_cookie_len = static_cast<uint8_t>(len - 2);
        }
        break;
      default:
        break;  // unknown (or SACK blocks): skipped by its length, MUST-6
    }
    i += len;
  }
  return o;
}

// Layout (Linux tcp_options_write order; every group is 4 bytes aligned):
//   MSS                        02 04 mm mm
//   SACK-permitted + TS        04 02 08 0a vvvvvvvv eeeeeeee
//   TS only                    01 01 08 0a vvvvvvvv eeeeeeee
//   SACK-permitted only        01 01 04 02
//   WS                         01 03 03 ss
size_t SynOptionsLength(const SynOptions& o) {
  size_t len = 0;
  if (o.mss != 0) len += 4;
  if (o.timestamps) {
    len += 12;
  } else if (o.sack_permitted) {
    len += 4;
  }
  if (o.window_scale) len += 4;
  return len;
}

size_t WriteSynOptions(const SynOptions& o, uint8_t* out) {
  uint8_t* p = out;
  if (o.mss != 0) {
    p[0] = kOptMss;
    p[1] = kLenMss;
    Store16(p + 2, o.mss);
    p += 4;
  }
  if (o.timestamps) {
    if (o.sack_permitted) {
      p[0] = kOptSackPermitted;
      p[1] = kLenSackPermitted;
    } else {
      p[0] = kOptNop;
      p[1] = kOptNop;
    }
    p[2] = kOptTimestamps;
    p[3] = kLenTimestamps;
    Store32(p + 4, o.ts_val);
    Store32(p + 8, o.ts_ecr);
    p += 12;
  } else if (o.sack_permitted) {
    p[0] = kOptNop;
    p[1] = kOptNop;
    p[2] = kOptSackPermitted;
    p[3] = kLenSackPermitted;
    p += 4;
  }
  if (o.window_scale) {
    p[0] = kOptNop;
    p[1] = kOptWindowScale;
    p[2] = kLenWindowScale;
    // RFC 7323 §2.3: never announce a shift the peer must clamp.
    p[3] = std::min(o.window_shift, kMaxWindowScale);
    p += 4;
  }
  return static_cast<size_t>(p - out);
}

size_t WriteTimestampOption(uint32_t ts_val, uint32_t ts_ecr, uint8_t* out) {
  out[0] = kOptNop;
  out[1] = kOptNop;
  out[2] = kOptTimestamps;
  out[3] = kLenTimestamps;
  Store32(out + 4, ts_val);
  Store32(out + 8, ts_ecr);
  return kTimestampOptionLength;
}

}  // namespace synx::wire
