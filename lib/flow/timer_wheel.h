// timer_wheel.h — TimerWheel: one core's timers (SYN+ACK retransmission with
// back-off, expiry of half-open and idle entries), one per flow handle.
//
// A hashed wheel of `num_slots` (a power of two) buckets, one tick each. The
// caller owns time: it converts TSC to ticks and passes them in; the wheel
// never reads a clock. A timer armed for tick E fires in the first Advance
// whose `now_tick` is >= E, never earlier; called once per tick, that is the
// call for tick E exactly. Timers further out than one revolution
// (num_slots ticks) share a bucket with nearer ones and are skipped, still
// armed, each time their bucket comes round early; so a timer should
// usually be at most a few revolutions out (size num_slots * tick to the
// longest common timeout) or the skipping costs visits.
//
// Each id (a FlowHandle index, below FlowTable::handle_bound()) has one
// node in a parallel array: the tick it is linked at and its doubly-linked
// bucket links, by index, so Arm and Cancel are O(1) and nothing is
// allocated after Create.
//
// Lazy: Arm that moves an armed timer later (an idle timer restarted by
// every segment of a connection) only records how much later, in a second
// per-id array, and leaves the node linked where it is. When that bucket's
// tick comes, Advance re-links the node for the remainder instead of firing
// it. So the timer still fires at the tick of the latest Arm, exactly as an
// eager re-link would, while a busy connection costs one store per segment
// and one re-link per timeout period. Moving a timer earlier re-links at
// once.
// Advance does bounded work: it stops when its output is full or after
// `max_visits` bucket and node visits, and the next call resumes exactly
// where it stopped. Single writer, no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "flow/flow_handle.h"

namespace synx::flow {

struct TimerWheelOptions {
  uint32_t num_ids = 0;    // ids are [0, num_ids): FlowTable::handle_bound()
  uint32_t num_slots = 0;  // a power of two; one revolution = num_slots ticks
  uint64_t start_tick = 0;  // "now" at creation; Advance never goes back
};

struct AdvanceResult {
  uint32_t fired = 0;      // handles written to the output, in firing order
  bool caught_up = false;  // every timer due at now_tick has fired
};

class TimerWheel {
 public:
  static constexpr uint64_t kUnarmed = UINT64_MAX;
  static constexpr size_t kMemoryAlignment = 64;

  static absl::Status Validate(const TimerWheelOptions& o);
  // 20 bytes per id plus 8 per slot, 64-byte aligned. Precondition: Validate.
  static size_t MemoryBytes(const TimerWheelOptions& o);
  // The caller keeps ownership of `memory` and keeps it alive.
  static absl::StatusOr<TimerWheel> Create(const TimerWheelOptions& o,
                                           void* memory, size_t bytes);

  TimerWheel(TimerWheel&&) noexcept = default;
  TimerWheel& operator=(TimerWheel&&) noexcept = default;
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Arms (or re-arms: the old expiry is forgotten) h's timer for
  // `expiry_tick`. An expiry at or before done_tick() is overdue: it is
  // stored as done_tick() + 1 and fires in the next Advance that moves on.
  // Re-arming later is lazy (above): one store, no re-link.
  void Arm(FlowHandle h, uint64_t expiry_tick);
  // Returns whether it was armed.
  bool Cancel(FlowHandle h);
  bool IsArmed(FlowHandle h) const { return nodes_[h.index].expiry != kUnarmed; }
  // The tick h's timer fires at; kUnarmed when not armed.
  uint64_t expiry(FlowHandle h) const {
    const uint64_t linked = nodes_[h.index].expiry;
    return linked == kUnarmed ? kUnarmed : linked + later_[h.index];
  }

  // Fires every armed timer with expiry <= now_tick: each is disarmed and its
  // handle written to `fired`, until `fired` is full or `max_visits` buckets
  // and nodes have been looked at (then caught_up is false; call again, e.g.
  // in the next poll). A handle fired here may be re-armed at once.
  AdvanceResult Advance(uint64_t now_tick, std::span<FlowHandle> fired,
                        uint32_t max_visits);

  uint32_t armed() const { return armed_; }
  uint32_t num_ids() const { return num_ids_; }
  uint32_t num_slots() const { return static_cast<uint32_t>(mask_) + 1; }
  // The last tick whose bucket has been fully processed.
  uint64_t done_tick() const { return done_tick_; }

 private:
  static constexpr uint32_t kNil = UINT32_MAX;

  struct Node {
    uint64_t expiry;
    uint32_t next;
    uint32_t prev;
  };
  struct Bucket {
    uint32_t head;
    uint32_t tail;
  };

  TimerWheel(const TimerWheelOptions& o, void* memory);
  // Links an unlinked node at `expiry_tick` (overdue: done_tick_ + 1).
  // Here so that Arm and Advance both inline it (a SYN's Arm is this).
  void Link(uint32_t id, uint64_t expiry_tick) {
    // An overdue timer is due at the next tick to be processed; storing that
    // tick keeps "bucket = expiry & mask" true for every node.
    const uint64_t tick =
        expiry_tick > done_tick_ ? expiry_tick : done_tick_ + 1;
    Node& n = nodes_[id];
    n.expiry = tick;
    Bucket& b = buckets_[tick & mask_];
    // Append at the tail so that a walk in progress over this bucket still
    // reaches it (the walk goes head to tail).
    n.next = kNil;
    n.prev = b.tail;
    if (b.tail != kNil) {
      nodes_[b.tail].next = id;
    } else {
      b.head = id;
    }
    b.tail = id;
    if (walking_ && cursor_ == kNil && ((walk_tick_ ^ tick) & mask_) == 0) {
      cursor_ = id;
    }
  }
  void Unlink(uint32_t id);

  // nodes_[id].expiry is the tick the node is linked at (its bucket is
  // expiry & mask); the timer is due later_[id] ticks after it. later_ is 0
  // for every unarmed id, so a fresh Arm (a SYN) does not touch it.
  Node* nodes_ = nullptr;
  uint32_t* later_ = nullptr;
  Bucket* buckets_ = nullptr;
  uint64_t mask_ = 0;
  uint64_t done_tick_ = 0;
  // A bucket walk in progress (left open when a budget ran out): the tick
  // being processed and the next node to visit in its bucket.
  uint64_t walk_tick_ = 0;
  uint32_t cursor_ = kNil;
  bool walking_ = false;
  uint32_t armed_ = 0;
  uint32_t num_ids_ = 0;
};

}  // namespace synx::flow
