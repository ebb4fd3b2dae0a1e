// syn_cookie.cc — encode/check of the cookie layout (per packet; no
// allocation, no clock).

#include "cookie/syn_cookie.h"

#include "wire/bytes.h"

namespace synx::cookie {
namespace {

constexpr uint32_t kMacMask = 0xffffff00u;  // ISS[31:8] carries MAC[31:8]

// The whole SipHash: MAC = its low half, the TS offset its high half.
uint64_t CookieHash(const SipKey& key, const FlowTuple& t, uint32_t client_isn,
                    uint8_t f) {
  uint8_t in[kMaxPackedTupleBytes + 5];
  size_t n = PackTuple(t, in);
  wire::Store32(in + n, client_isn);
  n += 4;
  in[n++] = f;
  return SipHash24(key, in, n);
}

}  // namespace

std::string_view CookieStatusName(CookieStatus s) {
  switch (s) {
    case CookieStatus::kOk: return "ok";
    case CookieStatus::kMssBelowFloor: return "mss_below_floor";
    case CookieStatus::kNoKey: return "no_key";
    case CookieStatus::kKeyExpired: return "key_expired";
    case CookieStatus::kBadMac: return "bad_mac";
  }
  return "unknown";
}

std::optional<uint8_t> EncodeOptions(wire::Family family,
                                     const wire::TcpOptions& peer) {
  const auto& table = MssTable(family);
  const uint16_t mss = peer.mss == 0 ? DefaultMss(family) : peer.mss;
  if (mss < table[0]) return std::nullopt;
  unsigned mss_index = 0;
  while (mss_index + 1 < table.size() && table[mss_index + 1] <= mss) {
    ++mss_index;
  }
  unsigned ws_index = 0;
  if (peer.has_window_scale) {
    const uint8_t ws = peer.window_scale < wire::kMaxWindowScale
                           ? peer.window_scale
                           : wire::kMaxWindowScale;
    ws_index = 1;
    while (ws_index + 1 < kWindowScaleTable.size() &&
           kWindowScaleTable[ws_index + 1] <= ws) {
      ++ws_index;
    }
  }
  return static_cast<uint8_t>(mss_index << 5 | ws_index << 2 |
                              (peer.sack_permitted ? 2u : 0u));
}

CookieParams DecodeOptions(wire::Family family, uint8_t f) {
  CookieParams p;
  p.mss = MssTable(family)[f >> 5];
  const unsigned ws_index = (f >> 2) & 7;
  p.has_ws = ws_index != 0;
  p.ws = p.has_ws ? kWindowScaleTable[ws_index] : 0;
  p.sack_permitted = (f & 2) != 0;
  return p;
}

MakeResult MakeCookie(const CookieKeys& keys, const FlowTuple& t,
                      wire::SeqNum client_isn, const wire::TcpOptions& peer,
                      CookieCounters* counters) {
  MakeResult r;
  const std::optional<uint8_t> options = EncodeOptions(t.family(), peer);
  if (!options) {
    r.status = CookieStatus::kMssBelowFloor;
    return r;
  }
  SipKey key;
  unsigned slot;
  if (!keys.SigningKey(&key, &slot)) {
    r.status = CookieStatus::kNoKey;
    return r;
  }
  const uint8_t f = static_cast<uint8_t>(*options | slot);
  const uint64_t h = CookieHash(key, t, client_isn.value(), f);
  const uint32_t mac = static_cast<uint32_t>(h);
  ++counters->macs;
  r.iss = wire::SeqNum((mac & kMacMask) | ((f ^ (mac >> 24)) & 0xffu));
  r.params = DecodeOptions(t.family(), f);
  return r;
}

CheckResult CheckCookie(const CookieKeys& keys, const FlowTuple& t,
                        wire::SeqNum seg_seq, wire::SeqNum seg_ack,
                        CookieCounters* counters) {
  CheckResult r;
  const uint32_t iss = (seg_ack - 1).value();
  const uint32_t irs = (seg_seq - 1).value();
  const uint8_t f = static_cast<uint8_t>((iss ^ (iss >> 24)) & 0xffu);
  SipKey key;
  if (!keys.ValidationKey(f & 1, &key)) {
    r.status = CookieStatus::kKeyExpired;
    return r;
  }
  const uint64_t h = CookieHash(key, t, irs, f);
  const uint32_t mac = static_cast<uint32_t>(h);
  ++counters->macs;
  if (((mac ^ iss) & kMacMask) != 0) {
    r.status = CookieStatus::kBadMac;
    return r;
  }
  r.params = DecodeOptions(t.family(), f);
  return r;
}

}  // namespace synx::cookie
