#include "flow/timer_wheel.h"

#include <bit>
#include <new>

#include "absl/strings/str_cat.h"

namespace synx::flow {
namespace {

// Round up so that each array starts on a cache line.
size_t NodesBytes(uint32_t num_ids) {
  return (size_t{num_ids} * 16 + 63) / 64 * 64;
}
size_t LaterBytes(uint32_t num_ids) {
  return (size_t{num_ids} * sizeof(uint32_t) + 63) / 64 * 64;
}

}  // namespace

absl::Status TimerWheel::Validate(const TimerWheelOptions& o) {
  if (o.num_ids == 0 || o.num_ids == kNil) {
    return absl::InvalidArgumentError(absl::StrCat(
        "timer wheel: num_ids must be in [1, 2^32-2], got ", o.num_ids));
  }
  if (o.num_slots == 0 || !std::has_single_bit(o.num_slots)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "timer wheel: num_slots must be a power of two, got ", o.num_slots));
  }
  if (o.start_tick >= kUnarmed - o.num_slots) {
    return absl::InvalidArgumentError("timer wheel: start_tick out of range");
  }
  return absl::OkStatus();
}

size_t TimerWheel::MemoryBytes(const TimerWheelOptions& o) {
  return NodesBytes(o.num_ids) + LaterBytes(o.num_ids) +
         size_t{o.num_slots} * sizeof(Bucket);
}

absl::StatusOr<TimerWheel> TimerWheel::Create(const TimerWheelOptions& o,
                                              void* memory, size_t bytes) {
  if (absl::Status s = Validate(o); !s.ok()) return s;
  if (memory == nullptr ||
      reinterpret_cast<uintptr_t>(memory) % kMemoryAlignment != 0) {
    return absl::InvalidArgumentError(
        "timer wheel: memory must be non-null and 64-byte aligned");
  }
  if (bytes < MemoryBytes(o)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "timer wheel: needs ", MemoryBytes(o), " bytes, given ", bytes));
  }
  return TimerWheel(o, memory);
}

TimerWheel::TimerWheel(const TimerWheelOptions& o, void* memory)
    : nodes_(static_cast<Node*>(memory)),
      later_(reinterpret_cast<uint32_t*>(static_cast<char*>(memory) +
                                         NodesBytes(o.num_ids))),
      buckets_(reinterpret_cast<Bucket*>(static_cast<char*>(memory) +
                                         NodesBytes(o.num_ids) +
                                         LaterBytes(o.num_ids))),
      mask_(o.num_slots - 1),
      done_tick_(o.start_tick),
      num_ids_(o.num_ids) {
  static_assert(sizeof(Node) == 16 && sizeof(Bucket) == 8);
  for (uint32_t i = 0; i < o.num_ids; ++i) {
    new (nodes_ + i) Node{kUnarmed, kNil, kNil};
    later_[i] = 0;
  }
  for (uint32_t i = 0; i < o.num_slots; ++i) {
    new (buckets_ + i) Bucket{kNil, kNil};
  }
}

void TimerWheel::Arm(FlowHandle h, uint64_t expiry_tick) {
  const uint32_t id = h.index;
  // kUnarmed is reserved; a timer that far out is as good as never.
  if (expiry_tick == kUnarmed) --expiry_tick;
  const uint64_t linked = nodes_[id].expiry;
  if (linked != kUnarmed) {
    // Moving a timer later (an idle timer restarted by every segment) is
    // one store: the node stays where it is and Advance re-links it for the
    // remainder when its bucket comes round (timer_wheel.h, "lazy").
    if (expiry_tick >= linked && expiry_tick - linked <= UINT32_MAX) {
      later_[id] = static_cast<uint32_t>(expiry_tick - linked);
      return;
    }
    Unlink(id);
    later_[id] = 0;
  } else {
    ++armed_;
  }
  Link(id, expiry_tick);
}

bool TimerWheel::Cancel(FlowHandle h) {
  if (nodes_[h.index].expiry == kUnarmed) return false;
  Unlink(h.index);
  nodes_[h.index].expiry = kUnarmed;
  later_[h.index] = 0;
  --armed_;
  return true;
}

AdvanceResult TimerWheel::Advance(uint64_t now_tick,
                                  std::span<FlowHandle> fired,
                                  uint32_t max_visits) {
  AdvanceResult r;
  uint32_t visits = 0;
  for (;;) {
    if (!walking_) {
      if (done_tick_ >= now_tick) {
        r.caught_up = true;
        return r;
      }
      // Walking more than one revolution would visit every bucket again for
      // nothing: any window of num_slots consecutive ticks covers every
      // bucket once, and each walk fires everything due by now_tick.
      if (now_tick - done_tick_ > mask_ + 1) done_tick_ = now_tick - mask_ - 1;
      if (visits >= max_visits) return r;
      ++visits;
      walk_tick_ = done_tick_ + 1;
      cursor_ = buckets_[walk_tick_ & mask_].head;
      walking_ = true;
    }
    while (cursor_ != kNil) {
      if (r.fired == fired.size() || visits >= max_visits) return r;
      ++visits;
      const uint32_t id = cursor_;
      Node& n = nodes_[id];
      cursor_ = n.next;
      if (n.expiry <= now_tick) {
        const uint64_t due = n.expiry + later_[id];
        Unlink(id);
        later_[id] = 0;
        if (due > now_tick) {
          // Moved later by Arm since it was linked: re-link for the
          // remainder (at most once per Arm: later_ is now 0).
          Link(id, due);
          continue;
        }
        n.expiry = kUnarmed;
        --armed_;
        fired[r.fired++] = FlowHandle{id};
      }
    }
    walking_ = false;
    done_tick_ = walk_tick_;
  }
}

void TimerWheel::Unlink(uint32_t id) {
  Node& n = nodes_[id];
  if (cursor_ == id) cursor_ = n.next;
  // The bucket is always expiry & mask: Arm clamps overdue expiries.
  Bucket& b = buckets_[n.expiry & mask_];
  if (n.prev != kNil) {
    nodes_[n.prev].next = n.next;
  } else {
    b.head = n.next;
  }
  if (n.next != kNil) {
    nodes_[n.next].prev = n.prev;
  } else {
    b.tail = n.prev;
  }
}

}  // namespace synx::flow
