// connections.h — one core's connections, whatever the role: the flow table
// (flow::FlowTable<tcp::Tcb>), its timer wheel, and the link header each
// entry's timer-driven segments go out with.
//
// Both workers carry out the rules' Actions through this unit, so "what an
// Action does to the table and the timer" is written once:
//   - kCreate inserts (a failure changes nothing: the caller sends nothing
//     and counts kTcpTableFull); kUpdate overwrites; kErase erases and
//     disarms the timer (responder.h / initiator.h "Engine obligations");
//   - kArm / kCancel apply to the entry that remains, if any;
//   - a segment looked up in bulk is looked up again when an earlier segment
//     of the same burst created or erased an entry that might be its own
//     (the dirty mask, docs/engine.md).
// RunTimers advances the wheel a bounded step and lets the role's OnTimer
// decide for every fired entry; what it sends goes out in fresh mbufs with
// the entry's recorded link header.
//
// Memory (table, wheel, link-header index) is allocated once in Create on
// the given NUMA socket. Single thread: only the owning lcore calls it.
#pragma once

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "engine/datapath.h"
#include "engine/event_counters.h"
#include "engine/l2_peers.h"
#include "flow/flow_key.h"
#include "flow/flow_table.h"
#include "flow/timer_wheel.h"
#include "stats/counters.h"
#include "tcp/action.h"
#include "tcp/tcb.h"

namespace synx::engine {

// Wheel buckets and nodes looked at per Poll at most.
inline constexpr uint32_t kMaxTimerVisits = 2048;
// Wheel tick: 1024 µs, so that microseconds become ticks with a shift.
inline constexpr int kTickShift = 10;

struct ConnectionsOptions {
  uint32_t max_conns = 0;  // table entries (--max-conns, per core)
  flow::HashSeed seed;     // secret, from getrandom() (tests: fixed)
  // The longest timer the rules arm (idle, TIME-WAIT, largest RTO): the
  // wheel gets about one revolution of it (timer_wheel.h).
  uint64_t longest_timer_ms = 60'000;
  uint64_t start_us = 0;  // the clock at creation, in Poll's microseconds
  int socket_id = -1;     // SOCKET_ID_ANY: DPDK chooses
  uint16_t queue_id = 0;  // for error messages
};

class Connections {
 public:
  using Table = flow::FlowTable<tcp::Tcb>;

  static absl::StatusOr<Connections> Create(const ConnectionsOptions& options);

  Connections(Connections&& o) noexcept;
  Connections& operator=(Connections&&) = delete;
  Connections(const Connections&) = delete;
  Connections& operator=(const Connections&) = delete;
  ~Connections();

  Table& table() { return table_; }
  const Table& table() const { return table_; }
  flow::TimerWheel& wheel() { return wheel_; }
  const flow::TimerWheel& wheel() const { return wheel_; }
  L2Peers& peers() { return *peers_; }
  const L2Peers& peers() const { return *peers_; }

  // The link header index recorded for entry `h` (L2Peers::kNone if none).
  uint16_t peer(flow::FlowHandle h) const { return peer_of_[h.index]; }
  void set_peer(flow::FlowHandle h, uint16_t peer) { peer_of_[h.index] = peer; }

  static uint64_t TickAt(uint64_t us) { return us >> kTickShift; }
  // The first tick at or after `ms` from `now_us`: never fires early.
  static uint64_t ExpiryTick(uint64_t now_us, uint32_t ms) {
    return (now_us + uint64_t{ms} * 1000 + (1u << kTickShift) - 1) >>
           kTickShift;
  }

  // Step 3 of a burst: hashes and looks up `n` keys together, and starts a
  // new dirty mask.
  void FindBulk(const flow::FlowKey* keys, uint32_t n, flow::FlowHandle* out,
                uint64_t* hashes) {
    table_.FindBulk(keys, n, out, hashes);
    dirty_ = 0;
  }
  // The bulk result `h` for `key`, looked up again (in cached lines) when an
  // earlier segment of this burst created or erased an entry whose hash
  // shares its dirty bit (a SYN and its retransmission in one burst).
  flow::FlowHandle Current(const flow::FlowKey& key, uint64_t hash,
                           flow::FlowHandle h) const {
    if (dirty_ & DirtyBit(hash)) [[unlikely]] {
      return table_.FindWithHash(key, hash);
    }
    return h;
  }

  struct Applied {
    flow::FlowHandle handle;  // the entry after the Action; invalid if none
    bool create_failed = false;
  };
  // Carries out `a`'s table and timer operations for `key` (hash `hash`,
  // current entry `h`, possibly invalid) at `now_us`. After a kCreate the
  // caller records the new entry's link header (set_peer).
  Applied Apply(const flow::FlowKey& key, uint64_t hash, flow::FlowHandle h,
                const tcp::Action& a, uint64_t now_us) {
    Applied r;
    switch (a.tcb_op) {
      case tcp::TcbOp::kNone:
        break;
      case tcp::TcbOp::kCreate: {
        const flow::InsertResult ins = table_.InsertWithHash(key, hash, a.tcb);
        if (!ins.inserted()) [[unlikely]] {
          r.create_failed = true;
          return r;
        }
        h = ins.handle;
        dirty_ |= DirtyBit(hash);
        break;
      }
      case tcp::TcbOp::kUpdate:
        table_.value(h) = a.tcb;
        break;
      case tcp::TcbOp::kErase:
        // responder.h / initiator.h: erasing also disarms the entry's timer.
        wheel_.Cancel(h);
        table_.EraseWithHash(h, hash);
        dirty_ |= DirtyBit(hash);
        h = flow::FlowHandle{};
        break;
    }
    if (h.valid()) {
      if (a.timer_op == tcp::TimerOp::kArm) {
        wheel_.Arm(h, ExpiryTick(now_us, a.timer_ms));
      } else if (a.timer_op == tcp::TimerOp::kCancel) {
        wheel_.Cancel(h);
      }
    }
    r.handle = h;
    return r;
  }

  // Step 7: advances the wheel to `now_us` (at most kMaxTimerFires fired
  // entries and kMaxTimerVisits visits; the rest fire in the next poll).
  // For each fired entry: `decide(tcb)` returns the role's Action (its
  // OnTimer), `observe(tcb, action)` sees it before it is carried out (the
  // role's bookkeeping), a reply goes out in a fresh mbuf from `pool` with
  // the entry's link header, the events are counted (send events only when
  // the segment went out) and the table and timer updated.
  template <bool kL4Offload, class Decide, class Observe>
  void RunTimers(uint64_t now_us, rte_mempool* pool, TxBatch& batch,
                 stats::CounterBlock& counters, Decide&& decide,
                 Observe&& observe) {
    const flow::AdvanceResult r =
        wheel_.Advance(TickAt(now_us), fired_, kMaxTimerVisits);
    // The fired entries are scattered over the table: start all their loads
    // before the first is read.
    for (uint32_t i = 0; i < r.fired; ++i) table_.PrefetchEntry(fired_[i]);
    for (uint32_t i = 0; i < r.fired; ++i) {
      const flow::FlowHandle h = fired_[i];
      const tcp::Tcb tcb = table_.value(h);
      const tcp::Action a = decide(tcb);
      observe(tcb, a);

      uint32_t events = a.events;
      if (a.verdict == tcp::Verdict::kReply) {
        // A timer-driven segment goes in a fresh frame built from the
        // entry's key, from `local` to `remote`, with the link header
        // recorded when the entry was made.
        const uint16_t peer = peer_of_[h.index];
        bool sent = false;
        if (peer == L2Peers::kNone) [[unlikely]] {
          counters.Drop(wire::DropReason::kNoL2Peer);
        } else {
          sent = SendFresh<kL4Offload>(pool, peers_->Header(peer),
                                       table_.key(h), a.reply, batch,
                                       counters);
        }
        if (!sent) events &= ~kSendEvents;
      } else if (a.verdict == tcp::Verdict::kDrop) {
        counters.Drop(a.drop);
      }
      CountEvents(counters, events);

      switch (a.tcb_op) {
        case tcp::TcbOp::kUpdate:
          table_.value(h) = a.tcb;
          if (a.timer_op == tcp::TimerOp::kArm) {
            wheel_.Arm(h, ExpiryTick(now_us, a.timer_ms));
          }
          break;
        case tcp::TcbOp::kErase:
          wheel_.Cancel(h);
          table_.Erase(h);
          break;
        case tcp::TcbOp::kNone:
        case tcp::TcbOp::kCreate:  // never from a timer
          if (a.timer_op == tcp::TimerOp::kArm) {
            wheel_.Arm(h, ExpiryTick(now_us, a.timer_ms));
          }
          break;
      }
    }
  }

 private:
  Connections(Table table, flow::TimerWheel wheel, void* table_memory,
              void* wheel_memory, uint16_t* peer_of, L2Peers* peers);

  // One bit of a 64-bit summary of the hashes whose entries were created or
  // erased in this burst; a lookup made before such a change is redone.
  static uint64_t DirtyBit(uint64_t hash) { return uint64_t{1} << (hash >> 58); }

  Table table_;
  flow::TimerWheel wheel_;
  uint64_t dirty_ = 0;
  flow::FlowHandle fired_[kMaxTimerFires];
  // Cold: entries' link headers (the table is 200 KB, so it lives in its
  // own allocation), memory to give back.
  uint16_t* peer_of_;  // per FlowHandle index: the L2Peers index
  L2Peers* peers_;
  void* table_memory_;
  void* wheel_memory_;
};

}  // namespace synx::engine
