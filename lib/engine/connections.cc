#include "engine/connections.h"

#include <rte_malloc.h>
#include <rte_memory.h>

#include <algorithm>
#include <bit>
#include <new>
#include <utility>

#include "absl/strings/str_cat.h"

namespace synx::engine {
namespace {

// Enough wheel slots for the longest timer to be at most one revolution out
// (timer_wheel.h: further timers cost skipped visits).
uint32_t WheelSlots(uint64_t longest_ms) {
  const uint64_t ticks = ((longest_ms * 1000) >> kTickShift) + 1;
  return static_cast<uint32_t>(
      std::clamp<uint64_t>(std::bit_ceil(ticks), 256, uint64_t{1} << 17));
}

void* AllocOn(const char* what, size_t bytes, int socket) {
  return rte_zmalloc_socket(what, bytes, RTE_CACHE_LINE_SIZE, socket);
}

}  // namespace

absl::StatusOr<Connections> Connections::Create(const ConnectionsOptions& o) {
  flow::FlowTableOptions table_options;
  table_options.max_entries = o.max_conns;
  table_options.seed = o.seed;
  if (absl::Status s = Table::Validate(table_options); !s.ok()) return s;
  const size_t table_bytes = Table::MemoryBytes(table_options);

  flow::TimerWheelOptions wheel_options;
  wheel_options.num_ids = o.max_conns;
  wheel_options.num_slots = WheelSlots(o.longest_timer_ms);
  wheel_options.start_tick = TickAt(o.start_us);
  if (absl::Status s = flow::TimerWheel::Validate(wheel_options); !s.ok()) {
    return s;
  }
  const size_t wheel_bytes = flow::TimerWheel::MemoryBytes(wheel_options);
  const size_t peer_of_bytes = sizeof(uint16_t) * o.max_conns;

  // Everything or nothing: a failure frees what was allocated before it.
  struct Allocation {
    void* table = nullptr;
    void* wheel = nullptr;
    void* peer_of = nullptr;
    void* peers = nullptr;
    ~Allocation() {
      rte_free(table);
      rte_free(wheel);
      rte_free(peer_of);
      rte_free(peers);
    }
  } mem;
  mem.table = AllocOn("synx_flow_table", table_bytes, o.socket_id);
  mem.wheel = AllocOn("synx_timer_wheel", wheel_bytes, o.socket_id);
  mem.peer_of = AllocOn("synx_l2_peer_of", peer_of_bytes, o.socket_id);
  mem.peers = AllocOn("synx_l2_peers", sizeof(L2Peers), o.socket_id);
  if (mem.table == nullptr || mem.wheel == nullptr || mem.peer_of == nullptr ||
      mem.peers == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "worker for queue ", o.queue_id, ": rte_zmalloc_socket of ",
        table_bytes + wheel_bytes + peer_of_bytes + sizeof(L2Peers),
        " bytes on socket ", o.socket_id,
        " failed (lower --max-conns or give EAL more memory with -m / "
        "hugepages)"));
  }
  absl::StatusOr<Table> table =
      Table::Create(table_options, mem.table, table_bytes);
  if (!table.ok()) return table.status();
  absl::StatusOr<flow::TimerWheel> wheel =
      flow::TimerWheel::Create(wheel_options, mem.wheel, wheel_bytes);
  if (!wheel.ok()) return wheel.status();

  auto* peer_of = static_cast<uint16_t*>(mem.peer_of);
  std::fill_n(peer_of, o.max_conns, L2Peers::kNone);
  auto* peers = new (mem.peers) L2Peers();
  Connections c(std::move(*table), std::move(*wheel), mem.table, mem.wheel,
                peer_of, peers);
  // Owned by the Connections now.
  mem.table = mem.wheel = mem.peer_of = mem.peers = nullptr;
  return c;
}

Connections::Connections(Table table, flow::TimerWheel wheel,
                         void* table_memory, void* wheel_memory,
                         uint16_t* peer_of, L2Peers* peers)
    : table_(std::move(table)),
      wheel_(std::move(wheel)),
      peer_of_(peer_of),
      peers_(peers),
      table_memory_(table_memory),
      wheel_memory_(wheel_memory) {}

Connections::Connections(Connections&& o) noexcept
    : table_(std::move(o.table_)),
      wheel_(std::move(o.wheel_)),
      dirty_(o.dirty_),
      peer_of_(std::exchange(o.peer_of_, nullptr)),
      peers_(std::exchange(o.peers_, nullptr)),
      table_memory_(std::exchange(o.table_memory_, nullptr)),
      wheel_memory_(std::exchange(o.wheel_memory_, nullptr)) {}

Connections::~Connections() {
  rte_free(table_memory_);
  rte_free(wheel_memory_);
  rte_free(peer_of_);
  if (peers_ != nullptr) {
    peers_->~L2Peers();
    rte_free(peers_);
  }
}

}  // namespace synx::engine
