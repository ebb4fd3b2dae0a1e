// addr.h — MAC and IP address values, host-side representations.
//
// IpAddr holds either family in 16 bytes of network-order data; an IPv4
// address is stored IPv4-mapped (::ffff:a.b.c.d) so that one type, one hash
// and one comparison serve both families. The family is carried explicitly
// as well so that an IPv6 peer using a mapped address is never confused with
// a real IPv4 one.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace synx::wire {

enum class Family : uint8_t { kV4 = 4, kV6 = 6 };

struct MacAddr {
  std::array<uint8_t, 6> b{};

  static constexpr MacAddr Broadcast() {
    return MacAddr{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
  }
  bool IsMulticast() const { return b[0] & 0x01; }  // includes broadcast
  bool IsZero() const { return b == std::array<uint8_t, 6>{}; }
  bool operator==(const MacAddr&) const = default;
  std::string ToString() const;
  static std::optional<MacAddr> Parse(std::string_view s);
};

struct IpAddr {
  Family family = Family::kV4;
  std::array<uint8_t, 16> b{};  // network order; IPv4 in b[12..15]

  static IpAddr V4(uint32_t host_order);
  static IpAddr V4Bytes(const uint8_t* p);   // 4 network-order bytes
  static IpAddr V6Bytes(const uint8_t* p);   // 16 network-order bytes
  // "198.18.0.1" or "2001:2::1" (no brackets, no port).
  static std::optional<IpAddr> Parse(std::string_view s);

  bool is_v4() const { return family == Family::kV4; }
  uint32_t v4() const;                        // host order; only for is_v4()
  const uint8_t* data() const {               // start of the address bytes
    return is_v4() ? b.data() + 12 : b.data();
  }
  size_t size() const { return is_v4() ? 4 : 16; }

  // Classification used by the martian-source / bad-destination rules of
  // handshake-rules.md §A (MUST-46/57/63) and §B.
  bool IsUnspecified() const;   // 0.0.0.0/8 for v4 ("this network"), :: for v6
  bool IsLoopback() const;      // 127/8, ::1
  bool IsMulticast() const;     // 224/4, ff00::/8
  bool IsLimitedBroadcast() const;  // 255.255.255.255
  bool IsReservedClassE() const;    // 240/4 except broadcast
  bool IsV4MappedV6() const;        // ::ffff:0:0/96 arriving as IPv6

  bool operator==(const IpAddr&) const = default;
  std::string ToString() const;
};

}  // namespace synx::wire
