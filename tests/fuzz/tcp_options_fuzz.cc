// tcp_options_fuzz.cc — libFuzzer harness for the TCP option parser alone
// (lib/wire/tcp_options.h).
//
// Input: byte 0 bit 0 = the segment is a SYN; the rest is the option list,
// in a heap buffer of exactly its length (ASan reports any read past it).
// Lists longer than a TCP header can carry are cut to 40 bytes.
//
// Checked:
//   - ParseTcpOptions (fast path for common layouts, then the bounded walk)
//     equals ReferenceParse, a plain transcription of the header's rules
//     written here independently: a differential test of both paths;
//   - the result's own invariants (WS ≤ 14, SYN-only options absent on
//     non-SYN segments, TFO cookie lengths);
//   - a SynOptions built from the input bytes round-trips through
//     WriteSynOptions → ParseTcpOptions with exactly SynOptionsLength bytes
//     written.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

#include "wire/tcp_options.h"

namespace {

using synx::wire::TcpOptions;

#define FUZZ_CHECK(cond)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,     \
                   __LINE__, #cond);                                      \
      std::abort();                                                       \
    }                                                                     \
  } while (0)

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// The rules of tcp_options.h, one option at a time, no fast path.
TcpOptions ReferenceParse(const uint8_t* p, size_t n, bool syn) {
  TcpOptions o;
  size_t i = 0;
  while (i < n) {
    const uint8_t kind = p[i];
    if (kind == 0) break;       // EOL
    if (kind == 1) { ++i; continue; }  // NOP
    if (i + 1 >= n) { o.malformed = true; break; }  // kind in the last byte
    const uint8_t len = p[i + 1];
    if (len < 2 || i + len > n) { o.malformed = true; break; }
    const uint8_t* v = p + i + 2;
    if (kind == 2 && len == 4 && syn && Be16(v) != 0) o.mss = Be16(v);
    if (kind == 3 && len == 3 && syn) {
      o.has_window_scale = true;
      o.window_scale = std::min<uint8_t>(v[0], 14);
    }
    if (kind == 4 && len == 2 && syn) o.sack_permitted = true;
    if (kind == 8 && len == 10) {
      o.has_timestamps = true;
      o.ts_val = Be32(v);
      o.ts_ecr = Be32(v + 4);
    }
    if (kind == 34 && syn && (len == 2 || (len >= 6 && len <= 18 && len % 2 == 0))) {
      o.has_fast_open = true;
      o.fast_open_cookie_len = static_cast<uint8_t>(len - 2);
    }
    i += len;
  }
  return o;
}

void CheckRoundTrip(const uint8_t* p, size_t n) {
  if (n < 12) return;
  synx::wire::SynOptions s;
  s.mss = Be16(p);
  s.sack_permitted = p[2] & 1;
  s.timestamps = p[2] & 2;
  s.window_scale = p[2] & 4;
  s.window_shift = p[3] % 15;
  s.ts_val = Be32(p + 4);
  s.ts_ecr = Be32(p + 8);
  const size_t want = synx::wire::SynOptionsLength(s);
  FUZZ_CHECK(want % 4 == 0 && want <= synx::wire::kMaxOptionBytes);
  std::unique_ptr<uint8_t[]> out(new uint8_t[want == 0 ? 1 : want]);
  FUZZ_CHECK(synx::wire::WriteSynOptions(s, out.get()) == want);
  const TcpOptions o = synx::wire::ParseTcpOptions({out.get(), want}, true);
  FUZZ_CHECK(!o.malformed);
  FUZZ_CHECK(o.mss == s.mss);
  FUZZ_CHECK(o.sack_permitted == s.sack_permitted);
  FUZZ_CHECK(o.has_timestamps == s.timestamps);
  if (s.timestamps) {
    FUZZ_CHECK(o.ts_val == s.ts_val);
    FUZZ_CHECK(o.ts_ecr == s.ts_ecr);
  }
  FUZZ_CHECK(o.has_window_scale == s.window_scale);
  if (s.window_scale) FUZZ_CHECK(o.window_scale == s.window_shift);
  FUZZ_CHECK(!o.has_fast_open);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return -1;
  const bool syn = data[0] & 1;
  const size_t n = std::min<size_t>(size - 1, synx::wire::kMaxOptionBytes);
  std::unique_ptr<uint8_t[]> bytes(new uint8_t[n == 0 ? 1 : n]);
  std::memcpy(bytes.get(), data + 1, n);

  const TcpOptions got = synx::wire::ParseTcpOptions({bytes.get(), n}, syn);
  const TcpOptions want = ReferenceParse(bytes.get(), n, syn);
  if (!(got == want)) {
    std::fprintf(stderr,
                 "ParseTcpOptions != reference: mss %u/%u ws %d:%u/%d:%u sack "
                 "%d/%d ts %d:%u:%u/%d:%u:%u tfo %d:%u/%d:%u malformed %d/%d\n",
                 got.mss, want.mss, got.has_window_scale, got.window_scale,
                 want.has_window_scale, want.window_scale, got.sack_permitted,
                 want.sack_permitted, got.has_timestamps, got.ts_val,
                 got.ts_ecr, want.has_timestamps, want.ts_val, want.ts_ecr,
                 got.has_fast_open, got.fast_open_cookie_len,
                 want.has_fast_open, want.fast_open_cookie_len, got.malformed,
                 want.malformed);
    std::abort();
  }
  FUZZ_CHECK(got.window_scale <= synx::wire::kMaxWindowScale);
  if (!got.has_window_scale) FUZZ_CHECK(got.window_scale == 0);
  if (!syn) {
    FUZZ_CHECK(got.mss == 0);
    FUZZ_CHECK(!got.has_window_scale && !got.sack_permitted && !got.has_fast_open);
  }
  if (got.has_fast_open) {
    FUZZ_CHECK(got.fast_open_cookie_len == 0 ||
               (got.fast_open_cookie_len >= 4 && got.fast_open_cookie_len <= 16 &&
                got.fast_open_cookie_len % 2 == 0));
  }
  if (!got.has_timestamps) FUZZ_CHECK(got.ts_val == 0 && got.ts_ecr == 0);
  CheckRoundTrip(bytes.get(), n);
  return 0;
}
