// event_counters.h — which stats::Counter each tcp::Event bumps.
//
// The table is built at compile time by name: every tcp::Event's JSON name
// must also be a stats::Counter's name, so the rules' vocabulary and the
// summary's keys cannot drift apart (a new event without a counter of the
// same name fails the static_assert below). Pure, no DPDK.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "stats/counters.h"
#include "tcp/action.h"

namespace synx::engine {

// The counter named like `e`, or Counter::kCount when there is none.
constexpr stats::Counter CounterForEvent(tcp::Event e) {
  for (int c = 0; c < stats::kCounterCount; ++c) {
    if (stats::CounterName(static_cast<stats::Counter>(c)) == tcp::EventName(e)) {
      return static_cast<stats::Counter>(c);
    }
  }
  return stats::Counter::kCount;
}

inline constexpr std::array<stats::Counter, tcp::kEventCount> kEventCounters =
    [] {
      std::array<stats::Counter, tcp::kEventCount> t{};
      for (int e = 0; e < tcp::kEventCount; ++e) {
        t[e] = CounterForEvent(static_cast<tcp::Event>(e));
      }
      return t;
    }();

constexpr bool EveryEventHasACounter() {
  for (stats::Counter c : kEventCounters) {
    if (c == stats::Counter::kCount) return false;
  }
  return true;
}
static_assert(EveryEventHasACounter(),
              "a tcp::Event has no stats::Counter of the same name "
              "(lib/stats/counters.h)");

// Bumps the counter of every event bit set in `events` (Action::events).
inline void CountEvents(stats::CounterBlock& counters, uint32_t events) {
  for (; events != 0; events &= events - 1) {
    counters.Inc(kEventCounters[std::countr_zero(events)]);
  }
}

}  // namespace synx::engine
