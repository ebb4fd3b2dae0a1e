// tcp_options.h — the TCP option list: one bounded walk in, a fixed layout out.
//
// ParseTcpOptions reads only inside `bytes`, with byte-wise loads, and always
// terminates: every step advances at least two bytes or stops. Its rules
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
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

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

}  // namespace synx::wire
