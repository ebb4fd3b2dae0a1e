// syn_cookie.h — the SYN-cookie codec of design.md §5: one SipHash per SYN and
// one per cookie-ACK, nothing stored between them.
//
//   ISS[31:8] = MAC[31:8]
//   ISS[7:0]  = F xor MAC[31:24]
//   F   = bit0 key slot | bit1 SACK-permitted | bits2-4 WS index | bits5-7 MSS index
//   H   = SipHash-2-4(K[slot]; families, sport, dport, saddr, daddr,
//                              client ISN, F)
//   MAC = H[31:0],  TsOffset = H[63:32]
//
// where s* is the peer (FlowTuple::remote) and d* is us (FlowTuple::local).
// CheckCookie inverts it from the third segment alone: ISS = SEG.ACK - 1,
// IRS = SEG.SEQ - 1, F = ISS[7:0] xor ISS[31:24], K = the key in F's slot,
// and 24 MAC bits must match. So the MAC binds the tuple, the client's ISN
// (SEG.SEQ ≠ IRS+1 fails), the options in F and the key epoch; a blind guess
// passes with odds 2^-24.
//
// The TS offset of the connection (TSval = TsOffset + now_ms) is the half of
// H the MAC does not use: the ACK recomputes H to check the MAC, so it gets
// the offset back for free, and a SYN costs one SipHash in all. It is
// per connection (it depends on the client ISN and the key epoch), not per
// tuple as on the stateful path: docs/cookies.md §5 says what that costs.
//
// Timestamps are not in F: like FreeBSD's syncookies, the tcp layer takes
// "timestamps agreed" from the ACK carrying a TS option (RFC 7323 §3.2 makes
// a peer that offered TS send it on every segment). TFO and SYN payload are
// ignored in cookie mode (design.md §5).
//
// Pure: no clock, no I/O, no allocation; the caller owns the counters. The
// caller must not call CheckCookie for segments with RST or SYN set and
// should ask CookiePolicy first whether cookie ACKs are worth a MAC at all.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "cookie/flow_tuple.h"
#include "cookie/keys.h"
#include "wire/addr.h"
#include "wire/seq_num.h"
#include "wire/tcp_options.h"

namespace synx::cookie {

// MSS tables, rounded down into (design.md §5; docs/cookies.md says why each
// entry). Entry 0 is the floor: a smaller peer MSS gets no cookie.
inline constexpr std::array<uint16_t, 8> kMssTableV4 = {
    216, 536, 1200, 1360, 1400, 1440, 1452, 1460};
inline constexpr std::array<uint16_t, 8> kMssTableV6 = {
    1220, 1340, 1360, 1400, 1420, 1432, 1440, 8940};
// RFC 9293 MUST-15 / RFC 6691: the MSS to assume when the SYN has none.
inline constexpr uint16_t kDefaultMssV4 = 536;
inline constexpr uint16_t kDefaultMssV6 = 1220;

// Peer window-scale shifts, rounded down into; index 0 means "no WS option".
// Rounding down makes us under-estimate the peer's window, never overrun it.
inline constexpr std::array<uint8_t, 8> kWindowScaleTable = {0, 0, 1, 2,
                                                             4, 6, 7, 8};

inline const std::array<uint16_t, 8>& MssTable(wire::Family f) {
  return f == wire::Family::kV4 ? kMssTableV4 : kMssTableV6;
}
inline uint16_t DefaultMss(wire::Family f) {
  return f == wire::Family::kV4 ? kDefaultMssV4 : kDefaultMssV6;
}

// What a cookie remembers of the SYN, as the tables round it.
struct CookieParams {
  uint16_t mss = 0;
  bool has_ws = false;
  uint8_t ws = 0;  // peer's shift, valid when has_ws
  bool sack_permitted = false;
  bool operator==(const CookieParams&) const = default;
};

enum class CookieStatus : uint8_t {
  kOk = 0,
  kMssBelowFloor,  // MakeCookie: peer MSS under the table floor; send nothing
  kNoKey,          // MakeCookie: the current key could not be read (rotation
                   // raced this reader repeatedly); drop, counted
  kKeyExpired,     // CheckCookie: F's slot holds no key of the current or
                   // previous epoch (stale cookie, or a guess naming it)
  kBadMac,         // CheckCookie: the 24 MAC bits differ (forged or tampered
                   // bits, another tuple, SEG.SEQ ≠ IRS+1)
};
std::string_view CookieStatusName(CookieStatus s);

// Per-core; only the owning worker writes it.
struct CookieCounters {
  uint64_t macs = 0;  // SipHash evaluations by MakeCookie + CheckCookie
};

struct MakeResult {
  CookieStatus status = CookieStatus::kOk;
  wire::SeqNum iss;     // the SYN+ACK's sequence number, when ok()
  CookieParams params;  // what CheckCookie will decode, when ok()
  bool ok() const { return status == CookieStatus::kOk; }
};

struct CheckResult {
  CookieStatus status = CookieStatus::kOk;
  CookieParams params;  // when ok()
  bool ok() const { return status == CookieStatus::kOk; }
};

// The SYN's options as F encodes them: MSS absent (0) → family default;
// below the floor → nullopt; WS clamped to 14, both rounded down.
std::optional<uint8_t> EncodeOptions(wire::Family family,
                                     const wire::TcpOptions& peer);
CookieParams DecodeOptions(wire::Family family, uint8_t f);

// Makes the ISS for a SYN from `t.remote` with sequence number `client_isn`.
// One MAC on success, none when the MSS is below the floor.
MakeResult MakeCookie(const CookieKeys& keys, const FlowTuple& t,
                      wire::SeqNum client_isn, const wire::TcpOptions& peer,
                      CookieCounters* counters);

// Validates the ACK completing a cookie handshake (SEG.SEQ, SEG.ACK as
// received). One MAC when F's slot holds a live key, none otherwise.
CheckResult CheckCookie(const CookieKeys& keys, const FlowTuple& t,
                        wire::SeqNum seg_seq, wire::SeqNum seg_ack,
                        CookieCounters* counters);

}  // namespace synx::cookie
