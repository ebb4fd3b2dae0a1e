// flow_bench.cc — the connection table beside the two obvious alternatives:
// synx's FlowTable, absl::flat_hash_map and DPDK's rte_hash, each holding
// IPv4/IPv6 4-tuple keys with a 24-byte value (the TCB), at 1 K, 64 K, 1 M
// and 16 M entries.
//
//   BM_<Impl><Op>/<entries>, Impl ∈ {FlowTable, Absl, RteHash},
//   Op ∈ {Find, FindBulk32, FindMissBulk32, Insert, InsertBulk32, Erase,
//         EraseBulk32}.
//
// What each op does, for every implementation alike:
// - Find / FindBulk32: look up a random present key and read the first word
//   of its value (the engine reads the TCB next). Bulk: 32 keys per call,
//   each implementation's best batching (FlowTable::FindBulk; absl prefetch()
//   of all 32 then find(key, hash); rte_hash_lookup_bulk_data).
// - FindMissBulk32: the SYN-flood path, keys that are not there.
// - Insert / InsertBulk32: add fresh random keys (timed), remove them again
//   (untimed). Bulk: the engine's SYN path, a bulk lookup that misses and
//   then an insert with the hash already computed.
// - Erase / EraseBulk32: remove random present entries (timed), put them
//   back (untimed). Every implementation is given the key; FlowTable also
//   gets the handle (the engine holds one from its lookup), absl and
//   rte_hash erase by key (they have no stable handle). Bulk: hashes
//   computed and lines prefetched first.
// The table stays at its nominal size throughout: it is filled to
// `entries - batch` once per (implementation, size) and reused by every op.
//
// Memory: the engine's table lives in hugepages, so FlowTable and absl get
// transparent huge pages (mmap + MADV_HUGEPAGE) for their big arrays. rte_hash
// allocates from EAL memory, which under --no-huge (as the brief asks) is a
// shared memfd mapping on 4 KiB pages that THP cannot back; run with
// --no-thp to put all three on 4 KiB pages for a like-for-like comparison.
// rte_hash values live in a separate array its data pointer points into.
//
// Bounded runtime: every benchmark has a fixed iteration count; the whole
// binary takes about two minutes on the 2-core development machine. Use
// --benchmark_filter to pick (e.g. 'FindBulk32/16777216').
#include <benchmark/benchmark.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "flow/flow_table.h"

namespace synx::flow {
namespace {

constexpr uint32_t kBurst = 32;
constexpr uint32_t kQueries = 1 << 16;  // random keys cycled by the finds

struct Value {
  uint64_t a, b, c;  // 24 bytes, like the engine's TCB
};
static_assert(sizeof(Value) == 24);
static_assert(FlowTable<Value>::kEntryBytes == 64);

uint64_t Mix(uint64_t x) {  // splitmix64: a bijection, so ids stay distinct
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Id → key, distinct for distinct ids below 2^40; even ids IPv4 (clients
// counting up from 198.18.0.0 with consecutive ports: a load tester's
// pattern), odd ids IPv6 (random interface ids in 2001:2::/48). Present
// keys are ids below 2^24, fresh ones (Insert) from 2^32, misses from 2^36.
FlowKey KeyOf(uint64_t id) {
  FlowKey k;
  const uint64_t j = id >> 1;
  k.local_port = 80;
  k.remote_port = static_cast<uint16_t>(j);
  if ((id & 1) == 0) {
    k.family = wire::Family::kV4;
    const uint32_t remote = 0xc6120000u + static_cast<uint32_t>(j >> 16);
    k.local_addr = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1};
    k.remote_addr = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                     static_cast<uint8_t>(remote >> 24),
                     static_cast<uint8_t>(remote >> 16),
                     static_cast<uint8_t>(remote >> 8),
                     static_cast<uint8_t>(remote)};
  } else {
    k.family = wire::Family::kV6;
    k.local_addr = {0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    k.remote_addr = {0x20, 0x01, 0, 2, 0, 0, 0, 0};
    const uint64_t r = Mix(j >> 16);
    std::memcpy(&k.remote_addr[8], &r, 8);
  }
  return k;
}

// ---------------------------------------------------------------- memory --

bool g_thp = true;  // --no-thp: 4 KiB pages for everyone, like rte_hash

void* HugeMap(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::fprintf(stderr, "flow_bench: mmap of %zu bytes failed\n", bytes);
    std::abort();
  }
  madvise(p, bytes, g_thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  return p;
}

struct Unmapper {
  size_t bytes;
  void operator()(void* p) const { munmap(p, bytes); }
};

// absl gets the same huge-page memory as FlowTable for its big arrays.
template <class T>
struct HugeAllocator {
  using value_type = T;
  HugeAllocator() = default;
  template <class U>
  HugeAllocator(const HugeAllocator<U>&) {}
  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < (2u << 20)) return std::allocator<T>().allocate(n);
    return static_cast<T*>(HugeMap(bytes));
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < (2u << 20)) return std::allocator<T>().deallocate(p, n);
    munmap(p, bytes);
  }
  template <class U>
  bool operator==(const HugeAllocator<U>&) const { return true; }
};

long AnonHugeKb() {
  std::ifstream f("/proc/self/smaps_rollup");
  std::string key;
  long kb = 0;
  while (f >> key) {
    if (key == "AnonHugePages:") {
      f >> kb;
      return kb;
    }
  }
  return -1;
}

// -------------------------------------------------------------- harnesses --
// Each holds one table of `capacity` entries filled with ids [0, fill).

class FlowTableHarness {
 public:
  static constexpr const char* kName = "FlowTable";

  explicit FlowTableHarness(uint32_t capacity) {
    FlowTableOptions o;
    o.max_entries = capacity;
    for (size_t i = 0; i < o.seed.k.size(); ++i) o.seed.k[i] = Mix(1000 + i);
    bytes_ = FlowTable<Value>::MemoryBytes(o);
    mem_ = std::unique_ptr<void, Unmapper>(HugeMap(bytes_), Unmapper{bytes_});
    table_.emplace(std::move(FlowTable<Value>::Create(o, mem_.get(), bytes_).value()));
    handle_of_.resize(capacity);
  }
  size_t bytes() const { return bytes_; }

  // `slot` names where the harness remembers the handle (id for the fill).
  bool Insert(const FlowKey& k, uint64_t slot) {
    const InsertResult r = table_->Insert(k, Value{slot, 0, 0});
    handle_of_[slot] = r.handle;
    return r.inserted();
  }
  void InsertBulk(const FlowKey* k, uint32_t n, uint64_t first_slot) {
    FlowHandle found[kBurst];
    uint64_t hash[kBurst];
    table_->FindBulk(k, n, found, hash);
    for (uint32_t i = 0; i < n; ++i) {
      handle_of_[first_slot + i] =
          table_->InsertWithHash(k[i], hash[i], Value{first_slot + i, 0, 0}).handle;
    }
  }
  uint64_t Find(const FlowKey& k) const {
    const FlowHandle h = table_->Find(k);
    return h.valid() ? table_->value(h).a : 0;
  }
  uint64_t FindBulk(const FlowKey* k, uint32_t n) const {
    FlowHandle h[kBurst];
    table_->FindBulk(k, n, h);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) sum += h[i].valid() ? table_->value(h[i]).a : 0;
    return sum;
  }
  // The engine erases with the handle and the hash from its lookup.
  void Erase(const FlowKey& k, uint64_t slot) {
    if (handle_of_[slot].valid()) {
      table_->EraseWithHash(handle_of_[slot], table_->Hash(k));
    }
  }
  void EraseBulk(const FlowKey* k, const uint64_t* slots, uint32_t n) {
    uint64_t hash[kBurst];
    for (uint32_t i = 0; i < n; ++i) {
      hash[i] = table_->Hash(k[i]);
      table_->Prefetch(hash[i]);
      table_->PrefetchEntry(handle_of_[slots[i]]);
    }
    for (uint32_t i = 0; i < n; ++i) {
      table_->EraseWithHash(handle_of_[slots[i]], hash[i]);
    }
  }

 private:
  size_t bytes_ = 0;
  std::unique_ptr<void, Unmapper> mem_{nullptr, Unmapper{0}};
  std::optional<FlowTable<Value>> table_;
  std::vector<FlowHandle> handle_of_;
};

class AbslHarness {
 public:
  static constexpr const char* kName = "Absl";

  struct KeyHash {
    size_t operator()(const FlowKey& k) const {
      return absl::HashOf(std::string_view(reinterpret_cast<const char*>(&k),
                                           sizeof(k)));
    }
  };
  using Map = absl::flat_hash_map<FlowKey, Value, KeyHash, std::equal_to<FlowKey>,
                                  HugeAllocator<std::pair<const FlowKey, Value>>>;

  explicit AbslHarness(uint32_t capacity) { map_.reserve(capacity); }
  size_t bytes() const {
    return map_.capacity() * (sizeof(Map::value_type) + 1);
  }

  bool Insert(const FlowKey& k, uint64_t slot) {
    return map_.try_emplace(k, Value{slot, 0, 0}).second;
  }
  void InsertBulk(const FlowKey* k, uint32_t n, uint64_t first_slot) {
    size_t hash[kBurst];
    for (uint32_t i = 0; i < n; ++i) {
      hash[i] = map_.hash_function()(k[i]);
      map_.prefetch(k[i]);
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (map_.find(k[i], hash[i]) == map_.end()) {
        map_.try_emplace(k[i], Value{first_slot + i, 0, 0});
      }
    }
  }
  uint64_t Find(const FlowKey& k) const {
    const auto it = map_.find(k);
    return it != map_.end() ? it->second.a : 0;
  }
  uint64_t FindBulk(const FlowKey* k, uint32_t n) const {
    size_t hash[kBurst];
    for (uint32_t i = 0; i < n; ++i) {
      hash[i] = map_.hash_function()(k[i]);
      map_.prefetch(k[i]);
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const auto it = map_.find(k[i], hash[i]);
      sum += it != map_.end() ? it->second.a : 0;
    }
    return sum;
  }
  void Erase(const FlowKey& k, uint64_t) { map_.erase(k); }
  void EraseBulk(const FlowKey* k, const uint64_t*, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) map_.prefetch(k[i]);
    for (uint32_t i = 0; i < n; ++i) map_.erase(k[i]);
  }

 private:
  Map map_;
};

class RteHashHarness {
 public:
  static constexpr const char* kName = "RteHash";

  explicit RteHashHarness(uint32_t capacity) : values_(capacity) {
    rte_hash_parameters p{};
    p.name = "synx_bench_flow";
    // Twice the keys it will hold: the same ~50 % slot load FlowTable and
    // absl run at. At entries = capacity its cuckoo inserts near full cost
    // microseconds (measured: 15 us per insert at 16 M).
    p.entries = 2 * capacity;
    p.key_len = sizeof(FlowKey);
    p.hash_func = rte_hash_crc;  // DPDK's fast default on x86 (SSE4.2 crc32)
    p.hash_func_init_val = 0x5eed;
    p.socket_id = static_cast<int>(rte_socket_id());
    // Guarantees `entries` keys fit (no cuckoo failure near full).
    p.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    h_ = rte_hash_create(&p);
    if (h_ == nullptr) {
      std::fprintf(stderr, "flow_bench: rte_hash_create(%u): %s\n", capacity,
                   rte_strerror(rte_errno));
    }
  }
  ~RteHashHarness() { rte_hash_free(h_); }
  bool ok() const { return h_ != nullptr; }
  size_t bytes() const { return 0; }  // not exposed by rte_hash

  bool Insert(const FlowKey& k, uint64_t slot) {
    values_[slot] = Value{slot, 0, 0};
    return rte_hash_add_key_data(h_, &k, &values_[slot]) == 0;
  }
  void InsertBulk(const FlowKey* k, uint32_t n, uint64_t first_slot) {
    const void* keys[kBurst];
    void* data[kBurst];
    uint64_t hits = 0;
    for (uint32_t i = 0; i < n; ++i) keys[i] = &k[i];
    rte_hash_lookup_bulk_data(h_, keys, n, &hits, data);
    for (uint32_t i = 0; i < n; ++i) {
      if (hits & (uint64_t{1} << i)) continue;
      values_[first_slot + i] = Value{first_slot + i, 0, 0};
      rte_hash_add_key_data(h_, &k[i], &values_[first_slot + i]);
    }
  }
  uint64_t Find(const FlowKey& k) const {
    void* data = nullptr;
    return rte_hash_lookup_data(h_, &k, &data) >= 0
               ? static_cast<const Value*>(data)->a
               : 0;
  }
  uint64_t FindBulk(const FlowKey* k, uint32_t n) const {
    const void* keys[kBurst];
    void* data[kBurst];
    uint64_t hits = 0;
    for (uint32_t i = 0; i < n; ++i) keys[i] = &k[i];
    rte_hash_lookup_bulk_data(h_, keys, n, &hits, data);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) {
      if (hits & (uint64_t{1} << i)) sum += static_cast<const Value*>(data[i])->a;
    }
    return sum;
  }
  void Erase(const FlowKey& k, uint64_t) { rte_hash_del_key(h_, &k); }
  void EraseBulk(const FlowKey* k, const uint64_t*, uint32_t n) {
    hash_sig_t sig[kBurst];
    for (uint32_t i = 0; i < n; ++i) sig[i] = rte_hash_hash(h_, &k[i]);
    for (uint32_t i = 0; i < n; ++i) rte_hash_del_key_with_hash(h_, &k[i], sig[i]);
  }

 private:
  rte_hash* h_ = nullptr;
  std::vector<Value> values_;
};

// ------------------------------------------------------------ the fixture --
// One filled table at a time, reused by consecutive benchmarks of the same
// implementation and size (they are registered in that order).

bool g_eal_ok = false;

struct Filled {
  std::string impl;
  uint32_t entries = 0;
  uint32_t batch = 0;  // headroom for Insert; also the Erase batch
  uint32_t fill = 0;   // ids [0, fill) are present
  std::vector<FlowKey> hits, misses;
  std::shared_ptr<void> harness;
  uint64_t next_fresh = 0;  // fresh ids for Insert, above every present id
};
Filled g_filled;

template <class H>
H* Prepare(benchmark::State& state, uint32_t entries) {
  if (g_filled.impl == H::kName && g_filled.entries == entries) {
    return static_cast<H*>(g_filled.harness.get());
  }
  g_filled = Filled{};  // frees the previous table first
  const uint32_t batch = entries / 16 < 1024 ? entries / 16 : 1024;
  auto h = std::make_shared<H>(entries);
  if constexpr (std::is_same_v<H, RteHashHarness>) {
    if (!h->ok()) {
      state.SkipWithError("rte_hash_create failed");
      return nullptr;
    }
  }
  const uint32_t fill = entries - batch;
  for (uint32_t id = 0; id < fill; ++id) {
    if (!h->Insert(KeyOf(id), id)) {
      state.SkipWithError("fill failed");
      return nullptr;
    }
  }
  g_filled.impl = H::kName;
  g_filled.entries = entries;
  g_filled.batch = batch;
  g_filled.fill = fill;
  g_filled.next_fresh = uint64_t{1} << 32;
  for (uint32_t i = 0; i < kQueries; ++i) {
    g_filled.hits.push_back(KeyOf(Mix(i) % fill));
    g_filled.misses.push_back(KeyOf((uint64_t{1} << 36) + i));
  }
  g_filled.harness = h;
  std::fprintf(stderr, "  [%s %u: filled %u, %zu MB, THP %ld MB]\n", H::kName,
               entries, fill, h->bytes() >> 20, AnonHugeKb() >> 10);
  return h.get();
}

// items_per_second is keys per second; summarize.py turns it into ns/key.
void SetPerKey(benchmark::State& state, uint64_t keys) {
  state.SetItemsProcessed(static_cast<int64_t>(keys));
}

template <class H>
void BM_Find(benchmark::State& state) {
  H* h = Prepare<H>(state, static_cast<uint32_t>(state.range(0)));
  if (h == nullptr) return;
  const std::vector<FlowKey>& q = g_filled.hits;
  uint32_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h->Find(q[i++ & (kQueries - 1)]));
  }
  SetPerKey(state, state.iterations());
}

template <class H, bool kHits>
void BM_FindBulk(benchmark::State& state) {
  H* h = Prepare<H>(state, static_cast<uint32_t>(state.range(0)));
  if (h == nullptr) return;
  const std::vector<FlowKey>& q = kHits ? g_filled.hits : g_filled.misses;
  uint32_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h->FindBulk(&q[i], kBurst));
    i = (i + kBurst) & (kQueries - 1);
  }
  SetPerKey(state, state.iterations() * kBurst);
}

// Manual time: a batch of inserts is timed, removing them again is not.
template <class H, bool kBulk>
void BM_Insert(benchmark::State& state) {
  H* h = Prepare<H>(state, static_cast<uint32_t>(state.range(0)));
  if (h == nullptr) return;
  const uint32_t batch = g_filled.batch;
  std::vector<FlowKey> keys(batch);
  uint64_t done = 0;
  for (auto _ : state) {
    for (uint32_t j = 0; j < batch; ++j) {
      keys[j] = KeyOf(g_filled.next_fresh++);
    }
    const auto t0 = std::chrono::steady_clock::now();
    if constexpr (kBulk) {
      for (uint32_t j = 0; j + kBurst <= batch; j += kBurst) {
        h->InsertBulk(&keys[j], kBurst, g_filled.fill + j);
      }
    } else {
      for (uint32_t j = 0; j < batch; ++j) h->Insert(keys[j], g_filled.fill + j);
    }
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    for (uint32_t j = 0; j < batch; ++j) h->Erase(keys[j], g_filled.fill + j);
    done += batch;
  }
  SetPerKey(state, done);
}

// Manual time: erasing a batch of random present entries is timed, putting
// them back is not.
template <class H, bool kBulk>
void BM_Erase(benchmark::State& state) {
  H* h = Prepare<H>(state, static_cast<uint32_t>(state.range(0)));
  if (h == nullptr) return;
  const uint32_t batch = g_filled.batch & ~(kBurst - 1);
  std::vector<FlowKey> keys(batch);
  std::vector<uint64_t> ids(batch);
  uint64_t done = 0, r = 77;
  for (auto _ : state) {
    // Distinct ids: a stride walk from a random start.
    const uint64_t start = Mix(r++) % g_filled.fill;
    for (uint32_t j = 0; j < batch; ++j) {
      ids[j] = (start + uint64_t{j} * 2654435761u) % g_filled.fill;
      keys[j] = KeyOf(ids[j]);
    }
    const auto t0 = std::chrono::steady_clock::now();
    if constexpr (kBulk) {
      for (uint32_t j = 0; j < batch; j += kBurst) {
        h->EraseBulk(&keys[j], &ids[j], kBurst);
      }
    } else {
      for (uint32_t j = 0; j < batch; ++j) h->Erase(keys[j], ids[j]);
    }
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    for (uint32_t j = 0; j < batch; ++j) h->Insert(keys[j], ids[j]);
    done += batch;
  }
  SetPerKey(state, done);
}

// The hash alone, per key: FlowHash (keyed multiply-mix), absl::Hash over
// the key's 38 bytes, DPDK's CRC32 (rte_hash's hash here).
std::vector<FlowKey> HashKeys() {
  std::vector<FlowKey> keys;
  for (uint32_t i = 0; i < 1024; ++i) keys.push_back(KeyOf(Mix(i) & 0xffffff));
  return keys;
}

template <class F>
void HashLoop(benchmark::State& state, F hash) {
  const std::vector<FlowKey> keys = HashKeys();
  uint64_t sum = 0;
  uint32_t i = 0;
  for (auto _ : state) {
    sum += hash(keys[i++ & 1023]);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
}

void BM_HashFlowHash(benchmark::State& state) {
  HashSeed seed;
  for (size_t i = 0; i < seed.k.size(); ++i) seed.k[i] = Mix(i);
  HashLoop(state, [&](const FlowKey& k) { return FlowHash(k, seed); });
}
BENCHMARK(BM_HashFlowHash);

void BM_HashAbsl(benchmark::State& state) {
  HashLoop(state, [](const FlowKey& k) {
    return absl::HashOf(
        std::string_view(reinterpret_cast<const char*>(&k), sizeof(k)));
  });
}
BENCHMARK(BM_HashAbsl);

void BM_HashRteCrc(benchmark::State& state) {
  HashLoop(state, [](const FlowKey& k) {
    return uint64_t{rte_hash_crc(&k, sizeof(k), 0x5eed)};
  });
}
BENCHMARK(BM_HashRteCrc);

template <class H>
void RegisterAll(uint32_t entries) {
  const std::string p = std::string("BM_") + H::kName;
  // Fixed iteration counts keep the run bounded: 4 M single lookups, 4 M
  // keys in bursts, 256 K inserts or erases per benchmark.
  benchmark::RegisterBenchmark((p + "Find").c_str(), BM_Find<H>)
      ->Arg(entries)->Iterations(1 << 22);
  benchmark::RegisterBenchmark((p + "FindBulk32").c_str(), BM_FindBulk<H, true>)
      ->Arg(entries)->Iterations(1 << 17);
  benchmark::RegisterBenchmark((p + "FindMissBulk32").c_str(), BM_FindBulk<H, false>)
      ->Arg(entries)->Iterations(1 << 17);
  const int64_t batch = entries / 16 < 1024 ? entries / 16 : 1024;
  const int64_t rounds = (1 << 18) / batch;
  benchmark::RegisterBenchmark((p + "Insert").c_str(), BM_Insert<H, false>)
      ->Arg(entries)->Iterations(rounds)->UseManualTime();
  benchmark::RegisterBenchmark((p + "InsertBulk32").c_str(), BM_Insert<H, true>)
      ->Arg(entries)->Iterations(rounds)->UseManualTime();
  benchmark::RegisterBenchmark((p + "Erase").c_str(), BM_Erase<H, false>)
      ->Arg(entries)->Iterations(rounds)->UseManualTime();
  benchmark::RegisterBenchmark((p + "EraseBulk32").c_str(), BM_Erase<H, true>)
      ->Arg(entries)->Iterations(rounds)->UseManualTime();
}

bool InitEal(const char* argv0) {
  const std::string prefix = "--file-prefix=synx-bench-flow-" + std::to_string(getpid());
  std::vector<std::string> args = {argv0, "--no-huge", "-m", "6144", "--no-pci",
                                   "--no-shconf", prefix, "--log-level=warning"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    std::fprintf(stderr, "flow_bench: rte_eal_init: %s (rte_hash skipped)\n",
                 rte_strerror(rte_errno));
    return false;
  }
  return true;
}

}  // namespace
}  // namespace synx::flow

int main(int argc, char** argv) {
  using namespace synx::flow;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-thp") == 0) {
      g_thp = false;
      for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      break;
    }
  }
  g_eal_ok = InitEal(argv[0]);
  for (uint32_t entries : {1u << 10, 1u << 16, 1u << 20, 1u << 24}) {
    RegisterAll<FlowTableHarness>(entries);
    RegisterAll<AbslHarness>(entries);
    if (g_eal_ok) RegisterAll<RteHashHarness>(entries);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_filled = Filled{};
  if (g_eal_ok) rte_eal_cleanup();
  return 0;
}
