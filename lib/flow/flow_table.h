// flow_table.h — FlowTable<Value>: one core's connection table.
//
// Two arrays in one caller-given region:
//   - an index of 64-byte buckets, each with 8 slots of (16-bit tag, 32-bit
//     entry index) and an overflow count;
//   - a pool of 64-byte entries (key + value), one per possible live entry.
// A key's hash picks its home bucket (low bits) and its tag (high bits).
// Find reads the home bucket, compares the tag against all 8 slots at once,
// and reads the one entry whose tag matches: two cache lines for a hit, one
// for a miss. Entries never move (the index slots may be reused, the pool
// entry is fixed from Insert to Erase), so an entry's pool index is a stable
// FlowHandle (flow_handle.h).
//
// When the home bucket is full an entry's index goes to the next bucket with
// a free slot, at most probe_limit buckets on, and every bucket it passed
// counts it in its overflow count; a lookup moves to the next bucket only
// while the current one's count is non-zero (F14's "outbound overflow").
// Erase clears the slot and decrements the counts it raised, so probe
// chains shrink back exactly: there are no tombstones and nothing to clean
// up later.
//
// Flood resistance: the bucket comes from a keyed hash (flow_key.h), so a
// sender cannot aim keys at one bucket; and no operation reads more than
// probe_limit buckets. An Insert that finds no free slot within the limit
// fails with kProbeLimit (the caller counts it and answers with a SYN
// cookie) instead of probing further.
//
// Single writer (the lcore that owns it): no locks, no atomics. The table
// never allocates, never grows and never frees; the memory is given at
// construction (the engine passes NUMA-local hugepage memory, tests pass
// aligned_alloc). Memory: MemoryBytes(options) = 64 * max_entries for the
// pool plus 64 * (BucketCount + probe_limit - 1) for the index, where
// BucketCount is the power of two at or above
// max_entries * 100 / (8 * max_load_percent): 80 to 96 bytes per entry at
// the default 50 % (docs/flow-table.md).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "flow/flow_handle.h"
#include "flow/flow_key.h"

namespace synx::flow {

struct FlowTableOptions {
  // capacity(): the live entries Insert admits (--max-conns per core). The
  // pool holds exactly this many entries.
  uint32_t max_entries = 0;
  // The highest fill of the index's slots; it sets the bucket count (rounded
  // up to a power of two, so the real fill is between half this and this).
  // At a real 50 %, after churn, 4 % of hits and 11 % of misses read a
  // second (adjacent) index line; at 25 %, 0.1 % (docs/flow-table.md).
  uint32_t max_load_percent = 50;
  // The most index buckets any operation reads, and how far an entry's slot
  // may sit from its home bucket. At a real 50 % load with churn, random
  // keys fail an insert 5e-5 of the time with a limit of 4 and never in 10^7
  // inserts with 8 (docs/flow-table.md); a flood aimed at one bucket costs
  // at most 8 index lines per packet.
  uint32_t probe_limit = 8;
  HashSeed seed;
};

enum class InsertStatus : uint8_t {
  kInserted,    // a new entry; the handle names it
  kExists,      // the key was already there; the handle names that entry
  kFull,        // size() == capacity(); nothing changed
  kProbeLimit,  // no free slot within probe_limit buckets; nothing changed
};

struct InsertResult {
  InsertStatus status;
  FlowHandle handle;  // valid for kInserted and kExists only

  bool inserted() const { return status == InsertStatus::kInserted; }
};

template <class Value>
class FlowTable {
  static_assert(std::is_trivially_copyable_v<Value> &&
                    std::is_trivially_destructible_v<Value>,
                "FlowTable stores values by copy in raw memory");
  static_assert(alignof(Value) <= 8);

  static constexpr uint32_t kSlots = 8;

  struct alignas(64) Bucket {
    uint16_t tag[kSlots];    // 0: slot free (Tag() is never 0)
    uint32_t index[kSlots];  // the entry's pool index, when tag != 0
    // Live entries homed in an earlier bucket, or this one, whose slot is in a
    // later bucket: lookups continue past this bucket only while non-zero.
    uint32_t overflow;
    uint32_t reserved[3];
  };
  static_assert(sizeof(Bucket) == 64);

  struct alignas(64) Entry {
    // key.family == 0: the entry is free, and then key.local_addr[0..3]
    // holds the next free entry's index (the free list costs no memory).
    FlowKey key;
    uint8_t reserved[2];
    Value value;
  };

 public:
  // One cache line per entry for values of up to 24 bytes.
  static constexpr size_t kEntryBytes = sizeof(Entry);
  static constexpr size_t kMemoryAlignment = 64;
  // FindBulk works in batches of one rx burst (design.md §3, kBurst = 32).
  static constexpr uint32_t kBulkMax = 32;
  static constexpr uint32_t kSlotsPerBucket = kSlots;

  static absl::Status Validate(const FlowTableOptions& o) {
    if (o.max_entries == 0 || o.max_entries > (1u << 30)) {
      return absl::InvalidArgumentError(
          absl::StrCat("flow table: max_entries must be in [1, 2^30], got ",
                       o.max_entries));
    }
    if (o.max_load_percent < 10 || o.max_load_percent > 90) {
      return absl::InvalidArgumentError(
          absl::StrCat("flow table: max_load_percent must be in [10, 90], got ",
                       o.max_load_percent));
    }
    if (o.probe_limit < 1 || o.probe_limit > 64) {
      return absl::InvalidArgumentError(absl::StrCat(
          "flow table: probe_limit must be in [1, 64], got ", o.probe_limit));
    }
    return absl::OkStatus();
  }

  // Precondition for the next three: Validate(o).ok().
  static uint32_t BucketCount(const FlowTableOptions& o) {
    const uint64_t slots =
        (uint64_t{o.max_entries} * 100 + o.max_load_percent - 1) /
        o.max_load_percent;
    return static_cast<uint32_t>(std::bit_ceil((slots + kSlots - 1) / kSlots));
  }
  static size_t IndexBytes(const FlowTableOptions& o) {
    return (size_t{BucketCount(o)} + o.probe_limit - 1) * sizeof(Bucket);
  }
  // Bytes of 64-byte-aligned memory Create needs.
  static size_t MemoryBytes(const FlowTableOptions& o) {
    return IndexBytes(o) + size_t{o.max_entries} * sizeof(Entry);
  }

  // Builds an empty table in `memory`, which it writes in full (on the
  // engine that first touch also places the pages). The caller keeps
  // ownership of the memory and keeps it alive while the table is used.
  static absl::StatusOr<FlowTable> Create(const FlowTableOptions& o,
                                          void* memory, size_t bytes) {
    if (absl::Status s = Validate(o); !s.ok()) return s;
    if (memory == nullptr ||
        reinterpret_cast<uintptr_t>(memory) % kMemoryAlignment != 0) {
      return absl::InvalidArgumentError(
          "flow table: memory must be non-null and 64-byte aligned");
    }
    if (bytes < MemoryBytes(o)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "flow table: needs ", MemoryBytes(o), " bytes, given ", bytes));
    }
    return FlowTable(o, memory);
  }

  FlowTable(FlowTable&& o) noexcept { *this = std::move(o); }
  FlowTable& operator=(FlowTable&& o) noexcept {
    buckets_ = std::exchange(o.buckets_, nullptr);
    entries_ = std::exchange(o.entries_, nullptr);
    mask_ = o.mask_;
    seed_ = o.seed_;
    free_head_ = o.free_head_;
    size_ = std::exchange(o.size_, 0);
    capacity_ = o.capacity_;
    probe_limit_ = o.probe_limit_;
    return *this;
  }
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  uint64_t Hash(const FlowKey& key) const { return FlowHash(key, seed_); }

  // Starts loading the home bucket of `hash`. Issue it for a whole burst
  // before the first FindWithHash so that the misses overlap.
  void Prefetch(uint64_t hash) const {
    __builtin_prefetch(buckets_ + (hash & mask_), 0, 3);
  }

  // Starts loading h's entry (key and value): for a batch of handles from
  // TimerWheel::Advance before they are read or erased.
  void PrefetchEntry(FlowHandle h) const {
    __builtin_prefetch(entries_ + h.index, 0, 3);
  }

  FlowHandle Find(const FlowKey& key) const {
    return FindWithHash(key, Hash(key));
  }

  // `hash` must be Hash(key).
  FlowHandle FindWithHash(const FlowKey& key, uint64_t hash) const {
    const Bucket* b = buckets_ + (hash & mask_);
    const uint16_t tag = Tag(hash);
    for (uint32_t d = 0; d < probe_limit_; ++d, ++b) {
      for (uint32_t m = Match(*b, tag); m != 0; m &= m - 1) {
        const uint32_t i = b->index[std::countr_zero(m)];
        if (entries_[i].key == key) return FlowHandle{i};
      }
      if (b->overflow == 0) break;
    }
    return FlowHandle{};
  }

  // Looks up keys[0..n) into out[0..n), in batches of up to kBulkMax: hash
  // every key and prefetch its bucket; match tags and prefetch the one
  // candidate entry; compare keys. Each stage's cache misses overlap, so a
  // batch costs about two memory latencies instead of 2n. If `hashes_out` is
  // not null it receives the hashes (for InsertWithHash after a miss).
  void FindBulk(const FlowKey* keys, uint32_t n, FlowHandle* out,
                uint64_t* hashes_out = nullptr) const {
    uint64_t local[kBulkMax];
    uint32_t candidate[kBulkMax];
    for (uint32_t base = 0; base < n; base += kBulkMax) {
      const uint32_t m = n - base < kBulkMax ? n - base : kBulkMax;
      const FlowKey* k = keys + base;
      uint64_t* h = hashes_out != nullptr ? hashes_out + base : local;
      for (uint32_t i = 0; i < m; ++i) {
        h[i] = Hash(k[i]);
        Prefetch(h[i]);
      }
      for (uint32_t i = 0; i < m; ++i) {
        const Bucket& b = buckets_[h[i] & mask_];
        const uint32_t match = Match(b, Tag(h[i]));
        if (match != 0) {
          candidate[i] = b.index[std::countr_zero(match)];
          __builtin_prefetch(entries_ + candidate[i], 0, 3);
        } else if (b.overflow == 0) {
          candidate[i] = kMissed;
        } else {
          candidate[i] = kSlowPath;
          __builtin_prefetch(&b + 1, 0, 3);
        }
      }
      for (uint32_t i = 0; i < m; ++i) {
        const uint32_t c = candidate[i];
        if (c == kMissed) {
          out[base + i] = FlowHandle{};
        } else if (c != kSlowPath && entries_[c].key == k[i]) {
          out[base + i] = FlowHandle{c};
        } else {
          // A tag false positive (2^-16 per occupied slot) or an overflowed
          // bucket: the full probe, from lines that are mostly cached now.
          out[base + i] = FindWithHash(k[i], h[i]);
        }
      }
    }
  }

  InsertResult Insert(const FlowKey& key, const Value& value) {
    return InsertWithHash(key, Hash(key), value);
  }

  // `hash` must be Hash(key); key.family must be kV4 or kV6.
  InsertResult InsertWithHash(const FlowKey& key, uint64_t hash,
                              const Value& value) {
    if (FlowHandle h = FindWithHash(key, hash); h.valid()) {
      return {InsertStatus::kExists, h};
    }
    if (size_ >= capacity_) return {InsertStatus::kFull, FlowHandle{}};
    Bucket* home = buckets_ + (hash & mask_);
    for (uint32_t d = 0; d < probe_limit_; ++d) {
      Bucket& b = home[d];
      const uint32_t free_slots = Match(b, 0);
      if (free_slots == 0) continue;
      const uint32_t s = std::countr_zero(free_slots);
      const uint32_t i = free_head_;
      Entry& e = entries_[i];
      std::memcpy(&free_head_, e.key.local_addr.data(), sizeof(free_head_));
      e.key = key;
      e.value = value;
      b.tag[s] = Tag(hash);
      b.index[s] = i;
      for (uint32_t j = 0; j < d; ++j) ++home[j].overflow;
      ++size_;
      return {InsertStatus::kInserted, FlowHandle{i}};
    }
    return {InsertStatus::kProbeLimit, FlowHandle{}};
  }

  // Precondition: IsLive(h). The handle is dead afterwards; its pool entry
  // is the first one the next Insert reuses (it is likely still cached).
  void Erase(FlowHandle h) { EraseWithHash(h, Hash(entries_[h.index].key)); }

  // `hash` must be Hash(key(h)).
  void EraseWithHash(FlowHandle h, uint64_t hash) {
    Bucket* home = buckets_ + (hash & mask_);
    const uint16_t tag = Tag(hash);
    for (uint32_t d = 0; d < probe_limit_; ++d) {
      Bucket& b = home[d];
      for (uint32_t m = Match(b, tag); m != 0; m &= m - 1) {
        const uint32_t s = std::countr_zero(m);
        if (b.index[s] != h.index) continue;
        b.tag[s] = 0;
        for (uint32_t j = 0; j < d; ++j) --home[j].overflow;
        Entry& e = entries_[h.index];
        e.key.family = wire::Family{0};
        std::memcpy(e.key.local_addr.data(), &free_head_, sizeof(free_head_));
        free_head_ = h.index;
        --size_;
        return;
      }
    }
    __builtin_trap();  // h was not live: a caller bug that would corrupt us
  }

  Value& value(FlowHandle h) { return entries_[h.index].value; }
  const Value& value(FlowHandle h) const { return entries_[h.index].value; }
  const FlowKey& key(FlowHandle h) const { return entries_[h.index].key; }
  bool IsLive(FlowHandle h) const {
    return h.index < capacity_ &&
           entries_[h.index].key.family != wire::Family{0};
  }

  uint32_t size() const { return size_; }
  uint32_t capacity() const { return capacity_; }
  // Every handle's index is below this: size per-entry side arrays (the
  // TimerWheel's ids) with it.
  uint32_t handle_bound() const { return capacity_; }
  uint32_t bucket_count() const { return static_cast<uint32_t>(mask_) + 1; }
  uint32_t probe_limit() const { return probe_limit_; }

  // Diagnostics, not for the data path: how many index buckets a lookup of
  // `key` reads (1 unless its home bucket has overflowed).
  uint32_t ProbeLength(const FlowKey& key) const {
    const uint64_t hash = Hash(key);
    const Bucket* b = buckets_ + (hash & mask_);
    uint32_t d = 0;
    while (d < probe_limit_) {
      ++d;
      for (uint32_t m = Match(*b, Tag(hash)); m != 0; m &= m - 1) {
        if (entries_[b->index[std::countr_zero(m)]].key == key) return d;
      }
      if (b->overflow == 0) break;
      ++b;
    }
    return d;
  }

 private:
  static constexpr uint32_t kMissed = UINT32_MAX;
  static constexpr uint32_t kSlowPath = UINT32_MAX - 1;

  FlowTable(const FlowTableOptions& o, void* memory)
      : buckets_(static_cast<Bucket*>(memory)),
        entries_(reinterpret_cast<Entry*>(static_cast<char*>(memory) +
                                          IndexBytes(o))),
        mask_(BucketCount(o) - 1),
        seed_(o.seed),
        free_head_(0),
        capacity_(o.max_entries),
        probe_limit_(o.probe_limit) {
    const size_t nb = size_t{BucketCount(o)} + o.probe_limit - 1;
    for (size_t i = 0; i < nb; ++i) new (buckets_ + i) Bucket{};
    for (uint32_t i = 0; i < capacity_; ++i) {
      Entry* e = new (entries_ + i) Entry{};
      const uint32_t next = i + 1 < capacity_ ? i + 1 : FlowHandle::kNone;
      std::memcpy(e->key.local_addr.data(), &next, sizeof(next));
    }
  }

  // The tag is the hash's top 16 bits (the bucket uses the low bits), never
  // 0 so that 0 can mean "free".
  static uint16_t Tag(uint64_t hash) {
    const uint16_t t = static_cast<uint16_t>(hash >> 48);
    return t != 0 ? t : 1;
  }

  // Bit s set ⇔ b.tag[s] == tag.
  static uint32_t Match(const Bucket& b, uint16_t tag) {
#if defined(__SSE2__)
    const __m128i tags = _mm_load_si128(reinterpret_cast<const __m128i*>(b.tag));
    const __m128i eq = _mm_cmpeq_epi16(tags, _mm_set1_epi16(static_cast<short>(tag)));
    // Narrow each 16-bit lane (0 or -1) to a byte, then one bit per slot.
    return static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_packs_epi16(eq, _mm_setzero_si128())));
#else
    uint32_t m = 0;
    for (uint32_t s = 0; s < kSlots; ++s) m |= uint32_t{b.tag[s] == tag} << s;
    return m;
#endif
  }

  // Hot fields first: a lookup reads these and nothing else of the object.
  Bucket* buckets_ = nullptr;
  Entry* entries_ = nullptr;
  uint64_t mask_ = 0;
  HashSeed seed_;
  uint32_t free_head_ = FlowHandle::kNone;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
  uint32_t probe_limit_ = 0;
};

// The promise of issue 5: an entry with an IPv6 key and a 24-byte value is
// one 64-byte line.
static_assert(FlowTable<std::array<uint64_t, 3>>::kEntryBytes == 64);
static_assert(FlowTable<std::array<uint8_t, 24>>::kEntryBytes == 64);

}  // namespace synx::flow
