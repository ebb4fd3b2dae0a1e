// addr.cc — parsing, formatting and classification of MAC and IP addresses.
//
// Parse/ToString are control-path helpers (flags, logs) and use the libc
// converters; the constructors and predicates are used per packet and only
// look at bytes.

#include "wire/addr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "wire/bytes.h"

namespace synx::wire {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 0, 0xff, 0xff};

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string MacAddr::ToString() const {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1],
                b[2], b[3], b[4], b[5]);
  return buf;
}

// Accepts exactly "xx:xx:xx:xx:xx:xx" (or '-' separators, as Windows and
// some switch CLIs print them); anything else is rejected rather than guessed.
std::optional<MacAddr> MacAddr::Parse(std::string_view s) {
  if (s.size() != 17) return std::nullopt;
  const char sep = s[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  MacAddr mac;
  for (size_t i = 0; i < 6; ++i) {
    const size_t at = i * 3;
    if (i > 0 && s[at - 1] != sep) return std::nullopt;
    const int hi = HexDigit(s[at]);
    const int lo = HexDigit(s[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    mac.b[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return mac;
}

IpAddr IpAddr::V4(uint32_t host_order) {
  IpAddr a;
  a.family = Family::kV4;
  std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.b.begin());
  Store32(a.b.data() + 12, host_order);
  return a;
}

IpAddr IpAddr::V4Bytes(const uint8_t* p) {
  IpAddr a;
  a.family = Family::kV4;
  std::copy(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.b.begin());
  std::memcpy(a.b.data() + 12, p, 4);
  return a;
}

IpAddr IpAddr::V6Bytes(const uint8_t* p) {
  IpAddr a;
  a.family = Family::kV6;
  std::memcpy(a.b.data(), p, 16);
  return a;
}

std::optional<IpAddr> IpAddr::Parse(std::string_view s) {
  // inet_pton needs a NUL-terminated string; anything longer than the
  // longest textual IPv6 address cannot be valid.
  char buf[INET6_ADDRSTRLEN];
  if (s.empty() || s.size() >= sizeof(buf)) return std::nullopt;
  if (s.find('\0') != std::string_view::npos) return std::nullopt;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (s.find(':') == std::string_view::npos) {
    uint8_t v4[4];
    if (inet_pton(AF_INET, buf, v4) != 1) return std::nullopt;
    return V4Bytes(v4);
  }
  uint8_t v6[16];
  if (inet_pton(AF_INET6, buf, v6) != 1) return std::nullopt;
  return V6Bytes(v6);
}

uint32_t IpAddr::v4() const { return Load32(b.data() + 12); }

bool IpAddr::IsUnspecified() const {
  if (is_v4()) return b[12] == 0;
  return b == std::array<uint8_t, 16>{};
}

bool IpAddr::IsLoopback() const {
  if (is_v4()) return b[12] == 127;
  static constexpr std::array<uint8_t, 16> kLoopback = {0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 0, 0, 0, 0, 0, 0, 1};
  return b == kLoopback;
}

bool IpAddr::IsMulticast() const {
  if (is_v4()) return (b[12] & 0xf0) == 0xe0;
  return b[0] == 0xff;
}

bool IpAddr::IsLimitedBroadcast() const {
  return is_v4() && v4() == 0xffffffffu;
}

bool IpAddr::IsReservedClassE() const {
  return is_v4() && (b[12] & 0xf0) == 0xf0 && !IsLimitedBroadcast();
}

bool IpAddr::IsV4MappedV6() const {
  return !is_v4() &&
         std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), b.begin());
}

std::string IpAddr::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  const int af = is_v4() ? AF_INET : AF_INET6;
  if (inet_ntop(af, data(), buf, sizeof(buf)) == nullptr) return "?";
  return buf;
}

}  // namespace synx::wire
