// frame_fuzz_input.h — the state frame_fuzz decodes from the first
// kStateBytes of each input, before the frame itself; shared with the seed
// generator (fuzz_seeds.cc) so that seeds and harness agree on the layout.
//
// Every byte value decodes to a valid state (no input is rejected for its
// header), so the fuzzer can mutate the header freely:
//
//   byte 0  bit 0 initiator role; bit 1 flood mode (initiator); bits 2-3
//           cookie mode (0 always, 1 never, 2/3 auto); bit 4 listening;
//           bit 5 TX checksum offload; bit 6 keys at epoch 0 (slot 1 empty);
//           bit 7 a cookie was issued just now (auto: ACKs are checked)
//   byte 1  bits 0-1 IP checksum status, bits 2-3 L4 checksum status
//           (0 unknown, 1 good, 2 valid-no-checksum, 3 unknown);
//           bit 4 own address configured (ARP / echo / ND);
//           bits 5-6 on-established / close mode; bit 7 closed port drops
//   byte 2  the frame's own entry: bit 7 present; bits 0-3 its state
//           (modulo the state count); bit 6: SEG.ACK (and TSecr) replaced
//           by a genuine cookie's for the tuple (responder with keys);
//           bits 4-5 spare
//   byte 3  the own entry's tcb flags
//   4-5     ISS - (SEG.ACK - 1), signed 16 bits
//   6-7     RCV.NXT - SEG.SEQ, signed 16 bits
//   8       TS.Recent = SEG.TSval - this
//   9       bits 0-2 other entries (0..7); bits 3-5 extra capacity (0..7)
//           bits 6-7 with byte 8: a genuine cookie's TS age in ms, or
//           the fire time in seconds of a timer armed earlier
//   10-11   states of the other entries, four bits each (first four; the
//           rest repeat)
//   12      retransmits; 13 challenge epoch (low 4) and count (high 4)
//   14      extra room behind the frame, in 8-byte units (0..2040 bytes)
//   15      the peer's window shift (low nibble, modulo 15; used only
//           with tcb flag kWsOk); 16-17 MSS; 18-21 ts_offset; 22-23 now in ms
#pragma once

#include <cstddef>
#include <cstdint>

#include "cookie/policy.h"
#include "tcp/config.h"
#include "tcp/initiator.h"
#include "tcp/state.h"
#include "wire/checksum.h"
#include "wire/seq_num.h"

namespace synx::fuzz {

inline constexpr size_t kStateBytes = 24;
inline constexpr uint32_t kMaxOtherEntries = 7;

struct Input {
  bool initiator = false;
  bool flood = false;
  cookie::CookieMode cookie_mode = cookie::CookieMode::kAlways;
  bool listening = true;
  bool offload = false;
  bool keys_epoch0 = false;
  bool cookies_recent = false;
  wire::ChecksumStatus ip_checksum = wire::ChecksumStatus::kUnknown;
  wire::ChecksumStatus l4_checksum = wire::ChecksumStatus::kUnknown;
  bool own_address = true;
  tcp::OnEstablished on_established = tcp::OnEstablished::kKeep;
  tcp::Close close = tcp::Close::kRst;
  bool closed_port_drop = false;
  bool own_entry = false;
  bool genuine_cookie = false;
  uint32_t ts_age_ms = 0;
  tcp::State own_state = tcp::State::kClosed;
  uint8_t own_flags = 0;
  int32_t iss_delta = 0;
  int32_t rcv_delta = 0;
  uint32_t ts_recent_delta = 0;
  uint32_t other_entries = 0;
  uint32_t capacity = 1;
  tcp::State other_state[kMaxOtherEntries] = {};
  uint8_t retransmits = 0;
  uint8_t challenge_epoch = 0;
  uint8_t challenge_count = 0;
  uint32_t extra_room = 0;
  uint8_t wscale = 0;
  uint16_t mss = 0;
  uint32_t ts_offset = 0;
  uint64_t now_us = 0;
};

inline wire::ChecksumStatus StatusOf(unsigned v) {
  switch (v & 3) {
    case 1: return wire::ChecksumStatus::kGood;
    case 2: return wire::ChecksumStatus::kValidNoChecksum;
    default: return wire::ChecksumStatus::kUnknown;
  }
}

inline tcp::State StateOf(unsigned v) {
  return static_cast<tcp::State>(v % tcp::kStateCount);
}

// `p` holds at least kStateBytes.
inline Input DecodeInput(const uint8_t* p) {
  Input in;
  in.initiator = p[0] & 0x01;
  in.flood = in.initiator && (p[0] & 0x02);
  switch ((p[0] >> 2) & 3) {
    case 0: in.cookie_mode = cookie::CookieMode::kAlways; break;
    case 1: in.cookie_mode = cookie::CookieMode::kNever; break;
    default: in.cookie_mode = cookie::CookieMode::kAuto; break;
  }
  in.listening = p[0] & 0x10;
  in.offload = p[0] & 0x20;
  in.keys_epoch0 = p[0] & 0x40;
  in.cookies_recent = p[0] & 0x80;
  in.ip_checksum = StatusOf(p[1]);
  in.l4_checksum = StatusOf(p[1] >> 2);
  in.own_address = p[1] & 0x10;
  switch ((p[1] >> 5) & 3) {
    case 0: in.on_established = tcp::OnEstablished::kKeep; in.close = tcp::Close::kRst; break;
    case 1: in.on_established = tcp::OnEstablished::kReset; in.close = tcp::Close::kFin; break;
    case 2: in.on_established = tcp::OnEstablished::kClose; in.close = tcp::Close::kNone; break;
    default: in.on_established = tcp::OnEstablished::kKeep; in.close = tcp::Close::kFin; break;
  }
  in.closed_port_drop = p[1] & 0x80;
  in.own_entry = p[2] & 0x80;
  in.own_state = StateOf(p[2] & 0x0f);
  in.genuine_cookie = p[2] & 0x40;
  in.ts_age_ms = static_cast<uint32_t>(p[9] >> 6) << 8 | p[8];
  in.own_flags = p[3];
  in.iss_delta = static_cast<int16_t>(p[4] << 8 | p[5]);
  in.rcv_delta = static_cast<int16_t>(p[6] << 8 | p[7]);
  in.ts_recent_delta = p[8];
  in.other_entries = p[9] & 7;
  in.capacity = in.other_entries + 1 + ((p[9] >> 3) & 7);
  for (uint32_t i = 0; i < kMaxOtherEntries; ++i) {
    const uint8_t b = p[10 + (i / 2) % 2];
    in.other_state[i] = StateOf(i % 2 == 0 ? b & 0x0f : b >> 4);
  }
  in.retransmits = p[12];
  in.challenge_epoch = p[13] & 0x0f;
  in.challenge_count = p[13] >> 4;
  in.extra_room = uint32_t{p[14]} * 8;
  in.wscale = p[15];
  in.mss = static_cast<uint16_t>(p[16] << 8 | p[17]);
  in.ts_offset = uint32_t{p[18]} << 24 | uint32_t{p[19]} << 16 |
                 uint32_t{p[20]} << 8 | p[21];
  // At least a minute in, so that timers and token buckets have a past.
  in.now_us = (60'000 + (uint64_t{p[22]} << 8 | p[23])) * 1000;
  return in;
}

}  // namespace synx::fuzz
