// state.h — the RFC 9293 §3.3.2 connection states, by their RFC names.
//
// kClosed and kListen never live in a TCB: "no TCB" is CLOSED, and a listener
// is configuration (the engine's listen set), not an entry. They exist so that
// the rules can name the state they reason about.
#pragma once

#include <cstdint>
#include <string_view>

namespace synx::tcp {

enum class State : uint8_t {
  kClosed,
  kListen,
  kSynSent,
  kSynReceived,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kClosing,
  kTimeWait,
  kCloseWait,
  kLastAck,
};

inline constexpr int kStateCount = static_cast<int>(State::kLastAck) + 1;

// RFC 9293 §3.3.2 calls every state past the handshake "synchronized".
constexpr bool IsSynchronized(State s) {
  return s != State::kClosed && s != State::kListen && s != State::kSynSent &&
         s != State::kSynReceived;
}

constexpr std::string_view StateName(State s) {
  constexpr std::string_view kNames[] = {
      "CLOSED",     "LISTEN",    "SYN-SENT", "SYN-RECEIVED",
      "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSING",
      "TIME-WAIT",  "CLOSE-WAIT", "LAST-ACK",
  };
  const auto i = static_cast<int>(s);
  return i < kStateCount ? kNames[i] : std::string_view("invalid");
}

}  // namespace synx::tcp
