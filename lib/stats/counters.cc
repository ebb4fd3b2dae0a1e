#include "stats/counters.h"

namespace synx::stats {

uint64_t Snapshot::DropsTotal() const {
  uint64_t total = 0;
  for (int i = 0; i < kDropCount; ++i) {
    if (i != static_cast<int>(wire::DropReason::kNone)) total += drops[i];
  }
  return total;
}

Snapshot& Snapshot::operator+=(const Snapshot& o) {
  for (int i = 0; i < kCounterCount; ++i) values[i] += o.values[i];
  for (int i = 0; i < kDropCount; ++i) drops[i] += o.drops[i];
  return *this;
}

Snapshot Delta(const Snapshot& later, const Snapshot& earlier) {
  auto sub = [](uint64_t a, uint64_t b) { return a >= b ? a - b : 0; };
  Snapshot d;
  for (int i = 0; i < kCounterCount; ++i) {
    d.values[i] = sub(later.values[i], earlier.values[i]);
  }
  for (int i = 0; i < kDropCount; ++i) {
    d.drops[i] = sub(later.drops[i], earlier.drops[i]);
  }
  return d;
}

// std::atomic_ref<const T> is C++26; the GCC/Clang builtin reads through a
// const pointer and is what atomic_ref's relaxed load compiles to.
Snapshot CounterBlock::Read() const {
  Snapshot s;
  for (int i = 0; i < kCounterCount; ++i) {
    s.values[i] = __atomic_load_n(&values_[i], __ATOMIC_RELAXED);
  }
  for (int i = 0; i < kDropCount; ++i) {
    s.drops[i] = __atomic_load_n(&drops_[i], __ATOMIC_RELAXED);
  }
  return s;
}

void CounterBlock::Reset() {
  for (auto& v : values_)
    std::atomic_ref<uint64_t>(v).store(0, std::memory_order_relaxed);
  for (auto& v : drops_)
    std::atomic_ref<uint64_t>(v).store(0, std::memory_order_relaxed);
}

}  // namespace synx::stats
