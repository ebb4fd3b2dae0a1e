// tcp_options.h — the TCP option list: one bounded walk in, a fixed layout out.
//
// ParseTcpOptions reads only inside `bytes` (memcpy loads, any alignment) and
// always terminates: every step advances at least two bytes or stops. Its rules
// (handshake-rules.md §B "options" rows, RFC 9293 MUST-4..7/64/68/69,
// RFC 7323, RFC 2018, RFC 7413, RFC 6691):
//   - EOL ends the list; bytes after it are ignored.
//   - NOP is skipped.
//   - A length byte of 0 or 1, a kind in the last byte, or a length beyond
//     the bytes left stops the walk (`malformed` is set; what was parsed
//     before stays valid).
//   - A known kind with the wrong length (MSS≠4, WS≠3, SACK-permitted≠2,
//     TS≠10, TFO not 2 or 6..18 and even) is ignored and the walk continues by
//     its declared length.
//   - Unknown kinds are skipped by their length.
//   - The same option twice: the last one wins.
//   - MSS 0 is treated as absent. A window scale above 14 is clamped to 14.
//   - SYN-only options (MSS, WS, SACK-permitted, TFO) are ignored when the
//     segment is not a SYN (`syn` = false).
// WriteSynAckOptions writes the options of a SYN or SYN+ACK in the order Linux
// uses (MSS, SACK-permitted+TS or NOP NOP TS, NOP WS), padded to 4 bytes.
//
// `tcp_options_internal` at the end is the inline fast path both
// ParseTcpOptions and ParseFrame try first; it is not part of the contract.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "wire/bytes.h"

namespace synx::wire {

inline constexpr uint8_t kOptEol = 0;
inline constexpr uint8_t kOptNop = 1;
inline constexpr uint8_t kOptMss = 2;
inline constexpr uint8_t kOptWindowScale = 3;
inline constexpr uint8_t kOptSackPermitted = 4;
inline constexpr uint8_t kOptSack = 5;
inline constexpr uint8_t kOptTimestamps = 8;
inline constexpr uint8_t kOptFastOpen = 34;

inline constexpr uint8_t kMaxWindowScale = 14;  // RFC 7323 §2.3
inline constexpr size_t kMaxOptionBytes = 40;

struct TcpOptions {
  uint16_t mss = 0;           // 0: absent
  uint8_t window_scale = 0;   // valid when has_window_scale; clamped to 14
  bool has_window_scale = false;
  bool sack_permitted = false;
  bool has_timestamps = false;
  bool has_fast_open = false;  // a TFO option (cookie request or cookie)
  uint8_t fast_open_cookie_len = 0;
  bool malformed = false;      // the walk stopped early
  uint32_t ts_val = 0;
  uint32_t ts_ecr = 0;

  bool operator==(const TcpOptions&) const = default;
};

TcpOptions ParseTcpOptions(std::span<const uint8_t> bytes, bool syn);

// What a SYN or SYN+ACK we send carries. `mss` 0 writes no MSS option.
struct SynOptions {
  uint16_t mss = 0;
  bool sack_permitted = false;
  bool timestamps = false;
  uint32_t ts_val = 0;
  uint32_t ts_ecr = 0;
  bool window_scale = false;
  uint8_t window_shift = 0;
};

// Bytes WriteSynOptions will write (a multiple of 4, at most 40).
size_t SynOptionsLength(const SynOptions& o);
// Writes the options into `out` (at least SynOptionsLength bytes); returns
// the length written.
size_t WriteSynOptions(const SynOptions& o, uint8_t* out);

// Non-SYN segments carry only timestamps once agreed (RFC 7323 §3.2):
// NOP NOP TS, 12 bytes.
inline constexpr size_t kTimestampOptionLength = 12;
size_t WriteTimestampOption(uint32_t ts_val, uint32_t ts_ecr, uint8_t* out);

namespace tcp_options_internal {

// Four option bytes as the native-order word a memcpy load gives.
constexpr uint32_t Word(uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3) {
  const uint32_t big = uint32_t{b0} << 24 | uint32_t{b1} << 16 | uint32_t{b2} << 8 | b3;
  return std::endian::native == std::endian::little ? __builtin_bswap32(big) : big;
}

inline uint32_t LoadWord(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Every field of `*out`, one store each: building a TcpOptions and assigning
// it goes through the stack. `ts` points at TSval (TSecr follows) or is null.
inline void Store(TcpOptions* out, uint16_t mss, bool has_window_scale,
                  uint8_t window_scale, bool sack_permitted, const uint8_t* ts) {
  out->mss = mss;
  out->window_scale = window_scale;
  out->has_window_scale = has_window_scale;
  out->sack_permitted = sack_permitted;
  out->has_timestamps = ts != nullptr;
  out->has_fast_open = false;
  out->fast_open_cookie_len = 0;
  out->malformed = false;
  out->ts_val = ts != nullptr ? Load32(ts) : 0;
  out->ts_ecr = ts != nullptr ? Load32(ts + 4) : 0;
}

// The option lists real stacks send, matched whole, as words:
//   0 bytes   none
//   4 bytes   MSS                                (SYN)
//   12 bytes  NOP NOP TS                         (any segment once TS is agreed)
//   16 bytes  MSS, SACK-permitted or NOP NOP, TS (SYN without window scaling)
//   20 bytes  MSS, SACK-permitted or NOP NOP, TS, NOP WS  (Linux's SYN)
// Each is well formed with every length exact, so the bounded walk would
// read it to the same TcpOptions (nothing malformed, MSS 0 left at 0 =
// absent, WS clamped to 14). Returns false, `*out` untouched, for any other
// list, or for the SYN-only layouts when `syn` is false.
inline bool ParseCommonLayout(const uint8_t* p, size_t n, bool syn, TcpOptions* out) {
  constexpr uint32_t kNopNopTs = Word(kOptNop, kOptNop, kOptTimestamps, 10);
  constexpr uint32_t kSackPermTs = Word(kOptSackPermitted, 2, kOptTimestamps, 10);
  constexpr uint32_t kMss = Word(kOptMss, 4, 0, 0);
  constexpr uint32_t kMssMask = Word(0xff, 0xff, 0, 0);
  constexpr uint32_t kNopWs = Word(kOptNop, kOptWindowScale, 3, 0);
  constexpr uint32_t kNopWsMask = Word(0xff, 0xff, 0xff, 0);
  if (n == 20) {  // Linux's SYN first
    if (!syn) return false;
    const uint32_t w1 = LoadWord(p + 4);
    if ((LoadWord(p) & kMssMask) != kMss || (w1 != kSackPermTs && w1 != kNopNopTs) ||
        (LoadWord(p + 16) & kNopWsMask) != kNopWs) {
      return false;
    }
    Store(out, Load16(p + 2), true, std::min(p[19], kMaxWindowScale), w1 == kSackPermTs,
          p + 8);
    return true;
  }
  if (n == 12) {
    if (LoadWord(p) != kNopNopTs) return false;
    Store(out, 0, false, 0, false, p + 4);
    return true;
  }
  if (n == 0) {
    Store(out, 0, false, 0, false, nullptr);
    return true;
  }
  if ((n != 4 && n != 16) || !syn || (LoadWord(p) & kMssMask) != kMss) return false;
  if (n == 4) {
    Store(out, Load16(p + 2), false, 0, false, nullptr);
    return true;
  }
  const uint32_t w1 = LoadWord(p + 4);
  if (w1 != kSackPermTs && w1 != kNopNopTs) return false;
  Store(out, Load16(p + 2), false, 0, w1 == kSackPermTs, p + 8);
  return true;
}

}  // namespace tcp_options_internal

}  // namespace synx::wire
