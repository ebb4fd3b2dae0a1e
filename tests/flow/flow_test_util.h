// flow_test_util.h — keys, seeds and aligned memory for the flow tests.
// Addresses are built by hand (not with wire::IpAddr::V4) so these tests
// need lib/wire's headers only.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <ostream>

#include "flow/flow_handle.h"
#include "flow/flow_key.h"
#include "wire/addr.h"

namespace synx::flow::testing {

inline wire::IpAddr V4Addr(uint32_t host_order) {
  wire::IpAddr a;
  a.family = wire::Family::kV4;
  a.b[10] = 0xff;
  a.b[11] = 0xff;
  a.b[12] = static_cast<uint8_t>(host_order >> 24);
  a.b[13] = static_cast<uint8_t>(host_order >> 16);
  a.b[14] = static_cast<uint8_t>(host_order >> 8);
  a.b[15] = static_cast<uint8_t>(host_order);
  return a;
}

// 2001:2::<hi>:<lo> (RFC 5180 benchmarking range), or any 16 bytes.
inline wire::IpAddr V6Addr(uint64_t hi, uint64_t lo) {
  wire::IpAddr a;
  a.family = wire::Family::kV6;
  a.b[0] = 0x20;
  a.b[1] = 0x01;
  a.b[2] = 0x00;
  a.b[3] = 0x02;
  for (int i = 0; i < 4; ++i) a.b[4 + i] = static_cast<uint8_t>(hi >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) a.b[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  return a;
}

// 198.18.0.1:80 ← 198.19.x.y:port
inline FlowKey V4Key(uint32_t remote, uint16_t remote_port,
                     uint16_t local_port = 80) {
  return FlowKey::Make(V4Addr(0xc6120001), local_port,
                       V4Addr(0xc6130000 + remote), remote_port);
}

inline FlowKey V6Key(uint64_t remote, uint16_t remote_port,
                     uint16_t local_port = 80) {
  return FlowKey::Make(V6Addr(0, 1), local_port, V6Addr(1, remote),
                       remote_port);
}

// A pseudo-random key of either family from a 64-bit value (splitmix64).
inline uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline FlowKey KeyFromId(uint64_t id) {
  const uint64_t r = Mix(id);
  return (id & 1) ? V6Key(r, static_cast<uint16_t>(id >> 1))
                  : V4Key(static_cast<uint32_t>(r & 0xffff),
                          static_cast<uint16_t>(id >> 1));
}

inline HashSeed TestSeed(uint64_t s) {
  HashSeed seed;
  for (size_t i = 0; i < seed.k.size(); ++i) seed.k[i] = Mix(s * 8 + i);
  return seed;
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedMemory = std::unique_ptr<void, FreeDeleter>;

inline AlignedMemory AllocAligned(size_t bytes) {
  return AlignedMemory(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
}

}  // namespace synx::flow::testing

namespace synx::flow {
inline std::ostream& operator<<(std::ostream& os, const FlowKey& k) {
  os << "FlowKey{family=" << int(k.family) << " lport=" << k.local_port
     << " rport=" << k.remote_port << " remote=";
  for (uint8_t b : k.remote_addr) os << std::hex << int(b) << std::dec << ".";
  return os << "}";
}
inline std::ostream& operator<<(std::ostream& os, FlowHandle h) {
  return h.valid() ? os << "FlowHandle{" << h.index << "}"
                   : os << "FlowHandle{none}";
}
}  // namespace synx::flow
