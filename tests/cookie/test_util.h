// test_util.h — addresses, tuples and option sets for the cookie tests.
//
// Addresses are built from bytes here rather than with wire::IpAddr::V4/
// Parse so that these tests exercise lib/cookie alone.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "cookie/flow_tuple.h"
#include "cookie/keys.h"
#include "wire/addr.h"
#include "wire/tcp_options.h"

namespace synx::cookie::testing {

inline wire::IpAddr V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  wire::IpAddr x;
  x.family = wire::Family::kV4;
  x.b[10] = 0xff;
  x.b[11] = 0xff;
  x.b[12] = a;
  x.b[13] = b;
  x.b[14] = c;
  x.b[15] = d;
  return x;
}

// 2001:2::<last two bytes> (RFC 5180 benchmarking range).
inline wire::IpAddr V6(uint8_t hi, uint8_t lo) {
  wire::IpAddr x;
  x.family = wire::Family::kV6;
  x.b[0] = 0x20;
  x.b[1] = 0x01;
  x.b[3] = 0x02;
  x.b[14] = hi;
  x.b[15] = lo;
  return x;
}

inline FlowTuple TupleV4() {
  return FlowTuple{.local = V4(198, 19, 0, 1),
                   .remote = V4(198, 18, 0, 1),
                   .local_port = 80,
                   .remote_port = 40000};
}

inline FlowTuple TupleV6() {
  return FlowTuple{.local = V6(0, 2),
                   .remote = V6(0, 1),
                   .local_port = 443,
                   .remote_port = 40000};
}

inline FlowTuple TupleFor(wire::Family f) {
  return f == wire::Family::kV4 ? TupleV4() : TupleV6();
}

// A SYN's options. ws < 0: no window-scale option.
inline wire::TcpOptions Syn(uint16_t mss, int ws, bool sack, bool ts) {
  wire::TcpOptions o;
  o.mss = mss;
  o.has_window_scale = ws >= 0;
  o.window_scale = ws >= 0 ? static_cast<uint8_t>(ws) : 0;
  o.sack_permitted = sack;
  o.has_timestamps = ts;
  o.ts_val = ts ? 12345 : 0;
  return o;
}

// 00 01 02 ... 1f, the master the golden values were computed with.
inline MasterKey CountingMaster() {
  MasterKey m;
  for (size_t i = 0; i < m.bytes.size(); ++i) m.bytes[i] = static_cast<uint8_t>(i);
  return m;
}

inline MasterKey MasterFilledWith(uint8_t v) {
  MasterKey m;
  m.bytes.fill(v);
  return m;
}

}  // namespace synx::cookie::testing
