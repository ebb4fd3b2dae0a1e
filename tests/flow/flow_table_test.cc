#include "flow/flow_table.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "flow_test_util.h"

namespace synx::flow {
namespace {

using testing::AlignedMemory;
using testing::AllocAligned;
using testing::KeyFromId;
using testing::TestSeed;
using testing::V4Key;

using Value = std::array<uint64_t, 3>;  // the engine's TCB is 24 bytes
using Table = FlowTable<Value>;

FlowTableOptions Options(uint32_t max_entries, uint32_t probe_limit = 8) {
  FlowTableOptions o;
  o.max_entries = max_entries;
  o.probe_limit = probe_limit;
  o.seed = TestSeed(42);
  return o;
}

// Owns the memory and the table built in it (memory declared first so it
// outlives the table).
struct TestTable {
  explicit TestTable(const FlowTableOptions& o)
      : mem(AllocAligned(Table::MemoryBytes(o))),
        table(std::move(Table::Create(o, mem.get(), Table::MemoryBytes(o)).value())) {}

  uint32_t HomeOf(const FlowKey& k) const {
    return static_cast<uint32_t>(table.Hash(k) & (table.bucket_count() - 1));
  }
  // The first n keys (from KeyFromId(start), ...) whose home is `bucket`.
  std::vector<FlowKey> KeysHomedAt(uint32_t bucket, size_t n,
                                   uint64_t start = 0) const {
    std::vector<FlowKey> keys;
    for (uint64_t id = start; keys.size() < n; ++id) {
      const FlowKey k = KeyFromId(id);
      if (HomeOf(k) == bucket) keys.push_back(k);
    }
    return keys;
  }

  AlignedMemory mem;
  Table table;
};

Value V(uint64_t x) { return Value{x, x + 1, x + 2}; }

TEST(FlowTableTest, CreateRejectsBadOptionsAndMemory) {
  struct Case {
    std::string name;
    FlowTableOptions options;
  };
  std::vector<Case> cases;
  cases.push_back({"zero entries", Options(0)});
  cases.push_back({"too many entries", Options((1u << 30) + 1)});
  cases.push_back({"load too low", Options(100)});
  cases.back().options.max_load_percent = 9;
  cases.push_back({"load too high", Options(100)});
  cases.back().options.max_load_percent = 91;
  cases.push_back({"probe limit 0", Options(100, 0)});
  cases.push_back({"probe limit 65", Options(100, 65)});
  for (const Case& c : cases) {
    alignas(64) static uint8_t buf[1 << 16];
    const auto t = Table::Create(c.options, buf, sizeof(buf));
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
  }

  const FlowTableOptions o = Options(100);
  AlignedMemory mem = AllocAligned(Table::MemoryBytes(o) + 64);
  EXPECT_EQ(Table::Create(o, nullptr, 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create(o, static_cast<char*>(mem.get()) + 8,
                          Table::MemoryBytes(o))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Table::Create(o, mem.get(), Table::MemoryBytes(o) - 1)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Table::Create(o, mem.get(), Table::MemoryBytes(o)).ok());
}

TEST(FlowTableTest, SizesFollowTheDocumentedFormula) {
  EXPECT_EQ(Table::kEntryBytes, 64u);
  // 1000 entries at 50 %: 2000 slots = 250 buckets → 256; plus 7 overflow
  // buckets past the end for probe_limit 8; plus 1000 pool entries.
  const FlowTableOptions o = Options(1000);
  EXPECT_EQ(Table::BucketCount(o), 256u);
  EXPECT_EQ(Table::MemoryBytes(o), (256u + 7) * 64 + 1000u * 64);
  // 16 M entries: 4 M buckets; 80 bytes per entry.
  const FlowTableOptions big = Options(16u << 20);
  EXPECT_EQ(Table::BucketCount(big), 4u << 20);
  EXPECT_EQ(Table::MemoryBytes(big), ((4u << 20) + 7) * size_t{64} +
                                         (size_t{16} << 20) * 64);

  TestTable t(o);
  EXPECT_EQ(t.table.capacity(), 1000u);
  EXPECT_EQ(t.table.handle_bound(), 1000u);
  EXPECT_EQ(t.table.bucket_count(), 256u);
  EXPECT_EQ(t.table.probe_limit(), 8u);
  EXPECT_EQ(t.table.size(), 0u);
}

TEST(FlowTableTest, InsertFindErase) {
  TestTable t(Options(100));
  const FlowKey a = V4Key(1, 1000), b = V4Key(2, 1000);
  EXPECT_FALSE(t.table.Find(a).valid());

  const InsertResult ra = t.table.Insert(a, V(10));
  ASSERT_EQ(ra.status, InsertStatus::kInserted);
  ASSERT_TRUE(ra.handle.valid());
  EXPECT_EQ(t.table.size(), 1u);
  EXPECT_EQ(t.table.Find(a), ra.handle);
  EXPECT_FALSE(t.table.Find(b).valid());
  EXPECT_TRUE(t.table.IsLive(ra.handle));
  EXPECT_EQ(t.table.key(ra.handle), a);
  EXPECT_EQ(t.table.value(ra.handle), V(10));

  t.table.value(ra.handle)[1] = 77;
  EXPECT_EQ(t.table.value(t.table.Find(a))[1], 77u);

  const InsertResult rb = t.table.Insert(b, V(20));
  ASSERT_EQ(rb.status, InsertStatus::kInserted);
  EXPECT_NE(rb.handle, ra.handle);
  EXPECT_EQ(t.table.size(), 2u);

  t.table.Erase(ra.handle);
  EXPECT_FALSE(t.table.IsLive(ra.handle));
  EXPECT_FALSE(t.table.Find(a).valid());
  EXPECT_EQ(t.table.Find(b), rb.handle);
  EXPECT_EQ(t.table.size(), 1u);

  // The freed entry is the first one reused (it is the likeliest cached).
  const InsertResult rc = t.table.Insert(V4Key(3, 1000), V(30));
  ASSERT_EQ(rc.status, InsertStatus::kInserted);
  EXPECT_EQ(rc.handle, ra.handle);
  EXPECT_EQ(t.table.value(rc.handle), V(30));
}

TEST(FlowTableTest, InsertOfAnExistingKeyReturnsItUnchanged) {
  TestTable t(Options(100));
  const FlowKey a = V4Key(1, 1000);
  const InsertResult first = t.table.Insert(a, V(1));
  const InsertResult again = t.table.Insert(a, V(2));
  EXPECT_EQ(again.status, InsertStatus::kExists);
  EXPECT_EQ(again.handle, first.handle);
  EXPECT_EQ(t.table.value(first.handle), V(1));
  EXPECT_EQ(t.table.size(), 1u);
}

TEST(FlowTableTest, FullTableRefusesNewKeysButFindsOldOnes) {
  TestTable t(Options(50));
  std::vector<FlowHandle> handles;
  for (uint64_t i = 0; i < 50; ++i) {
    const InsertResult r = t.table.Insert(KeyFromId(i), V(i));
    ASSERT_EQ(r.status, InsertStatus::kInserted) << i;
    handles.push_back(r.handle);
  }
  EXPECT_EQ(t.table.size(), 50u);
  const InsertResult full = t.table.Insert(KeyFromId(50), V(50));
  EXPECT_EQ(full.status, InsertStatus::kFull);
  EXPECT_FALSE(full.handle.valid());
  EXPECT_EQ(t.table.size(), 50u);
  EXPECT_FALSE(t.table.Find(KeyFromId(50)).valid());
  // A key already present is still reported as such when full.
  const InsertResult exists = t.table.Insert(KeyFromId(7), V(0));
  EXPECT_EQ(exists.status, InsertStatus::kExists);
  EXPECT_EQ(exists.handle, handles[7]);

  t.table.Erase(handles[3]);
  const InsertResult r = t.table.Insert(KeyFromId(50), V(50));
  EXPECT_EQ(r.status, InsertStatus::kInserted);
  EXPECT_EQ(r.handle, handles[3]);
  for (uint64_t i = 0; i <= 50; ++i) {
    if (i == 3) continue;
    EXPECT_TRUE(t.table.Find(KeyFromId(i)).valid()) << i;
  }
}

// Keys aimed at one bucket fill it and probe_limit - 1 buckets after it;
// the next one fails with kProbeLimit and changes nothing.
TEST(FlowTableTest, ProbeLimitBoundsWhereAnEntryMayGo) {
  TestTable t(Options(64, /*probe_limit=*/2));  // 16 buckets
  ASSERT_EQ(t.table.bucket_count(), 16u);
  const std::vector<FlowKey> keys = t.KeysHomedAt(3, 17);
  std::vector<FlowHandle> handles;
  for (size_t i = 0; i < 16; ++i) {
    const InsertResult r = t.table.Insert(keys[i], V(i));
    ASSERT_EQ(r.status, InsertStatus::kInserted) << i;
    handles.push_back(r.handle);
  }
  const InsertResult r = t.table.Insert(keys[16], V(16));
  EXPECT_EQ(r.status, InsertStatus::kProbeLimit);
  EXPECT_FALSE(r.handle.valid());
  EXPECT_EQ(t.table.size(), 16u);
  EXPECT_FALSE(t.table.Find(keys[16]).valid());
  for (size_t i = 0; i < 16; ++i) {
    EXPECT_EQ(t.table.Find(keys[i]), handles[i]) << i;
    EXPECT_EQ(t.table.ProbeLength(keys[i]), i < 8 ? 1u : 2u) << i;
  }
  // A miss homed there reads exactly probe_limit buckets, never more.
  EXPECT_EQ(t.table.ProbeLength(keys[16]), 2u);

  // Bucket 4 is full of bucket 3's entries; a key homed at 4 goes to 5.
  const FlowKey k4 = t.KeysHomedAt(4, 1)[0];
  EXPECT_EQ(t.table.Insert(k4, V(4)).status, InsertStatus::kInserted);
  EXPECT_EQ(t.table.ProbeLength(k4), 2u);

  // Room within the limit again: the refused key now fits.
  t.table.Erase(handles[0]);
  EXPECT_EQ(t.table.Insert(keys[16], V(16)).status, InsertStatus::kInserted);
  EXPECT_EQ(t.table.ProbeLength(keys[16]), 1u);
}

// No tombstones: erasing an overflowed entry shrinks the probe chain at once
// and finds of everything else stay correct at every step.
TEST(FlowTableTest, EraseShrinksOverflowChainsAndFindsStayCorrect) {
  TestTable t(Options(64));  // 16 buckets
  const std::vector<FlowKey> keys = t.KeysHomedAt(5, 11);
  const FlowKey miss = keys[9], later = keys[10];
  std::vector<FlowHandle> h;
  for (size_t i = 0; i < 9; ++i) h.push_back(t.table.Insert(keys[i], V(i)).handle);
  EXPECT_EQ(t.table.ProbeLength(keys[8]), 2u);  // overflowed to bucket 6
  EXPECT_EQ(t.table.ProbeLength(miss), 2u);

  // A home-bucket slot frees: the overflowed entry is still found.
  t.table.Erase(h[0]);
  EXPECT_FALSE(t.table.Find(keys[0]).valid());
  EXPECT_EQ(t.table.Find(keys[8]), h[8]);
  EXPECT_EQ(t.table.ProbeLength(miss), 2u);

  // A new key homed there takes the freed home slot.
  const FlowHandle hl = t.table.Insert(later, V(10)).handle;
  EXPECT_EQ(t.table.ProbeLength(later), 1u);

  // Erasing the overflowed entry ends the chain: misses read one bucket.
  t.table.Erase(h[8]);
  EXPECT_EQ(t.table.ProbeLength(miss), 1u);
  EXPECT_FALSE(t.table.Find(keys[8]).valid());
  for (size_t i = 1; i < 8; ++i) EXPECT_EQ(t.table.Find(keys[i]), h[i]) << i;
  EXPECT_EQ(t.table.Find(later), hl);
}

TEST(FlowTableTest, HandlesStayValidAcrossOtherInsertsAndErases) {
  TestTable t(Options(4096));
  std::vector<FlowKey> anchors;
  std::vector<FlowHandle> anchor_handles;
  for (uint64_t i = 0; i < 64; ++i) {
    anchors.push_back(KeyFromId(1'000'000 + i));
    anchor_handles.push_back(t.table.Insert(anchors.back(), V(i)).handle);
  }
  // Churn: keys that share the anchors' buckets and keys that do not.
  std::vector<FlowHandle> others;
  uint64_t next = 0;
  for (int round = 0; round < 20000; ++round) {
    if (others.size() < 3000 && (round % 3 != 0 || others.empty())) {
      const InsertResult r = t.table.Insert(KeyFromId(next), V(next));
      ++next;
      ASSERT_EQ(r.status, InsertStatus::kInserted);
      others.push_back(r.handle);
    } else {
      const size_t j = testing::Mix(round) % others.size();
      t.table.Erase(others[j]);
      others[j] = others.back();
      others.pop_back();
    }
  }
  for (size_t i = 0; i < anchors.size(); ++i) {
    ASSERT_TRUE(t.table.IsLive(anchor_handles[i])) << i;
    EXPECT_EQ(t.table.key(anchor_handles[i]), anchors[i]) << i;
    EXPECT_EQ(t.table.Find(anchors[i]), anchor_handles[i]) << i;
    EXPECT_EQ(t.table.value(anchor_handles[i]), V(i)) << i;
  }
}

TEST(FlowTableTest, V4AndMappedV6KeysAreDistinctEntries) {
  TestTable t(Options(100));
  const FlowKey v4 = V4Key(0x0102, 5555);
  FlowKey v6 = v4;
  v6.family = wire::Family::kV6;
  const InsertResult r4 = t.table.Insert(v4, V(4));
  const InsertResult r6 = t.table.Insert(v6, V(6));
  ASSERT_EQ(r4.status, InsertStatus::kInserted);
  ASSERT_EQ(r6.status, InsertStatus::kInserted);
  EXPECT_NE(r4.handle, r6.handle);
  EXPECT_EQ(t.table.Find(v4), r4.handle);
  EXPECT_EQ(t.table.Find(v6), r6.handle);
  t.table.Erase(r4.handle);
  EXPECT_FALSE(t.table.Find(v4).valid());
  EXPECT_EQ(t.table.Find(v6), r6.handle);
}

// Two keys with the same home bucket and the same 16-bit tag: only the full
// key compare tells them apart, in Find and in FindBulk's slow path.
TEST(FlowTableTest, TagCollisionsAreResolvedByTheKey) {
  TestTable t(Options(64));  // 16 buckets: a 20-bit collision, ~1 M tries
  const auto sig = [&](const FlowKey& k) {
    const uint64_t h = t.table.Hash(k);
    return (h & 15) | ((h >> 48) << 4);
  };
  std::unordered_map<uint64_t, uint64_t> seen;
  FlowKey a, b;
  bool found = false;
  for (uint64_t id = 0; id < (uint64_t{1} << 24) && !found; ++id) {
    const auto [it, fresh] = seen.emplace(sig(KeyFromId(id)), id);
    if (!fresh) {
      a = KeyFromId(it->second);
      b = KeyFromId(id);
      found = true;
    }
  }
  ASSERT_TRUE(found);
  ASSERT_NE(a, b);
  const FlowHandle ha = t.table.Insert(a, V(1)).handle;
  const FlowHandle hb = t.table.Insert(b, V(2)).handle;
  ASSERT_TRUE(ha.valid() && hb.valid());
  EXPECT_EQ(t.table.Find(a), ha);
  EXPECT_EQ(t.table.Find(b), hb);
  const FlowKey both[2] = {b, a};
  FlowHandle out[2];
  t.table.FindBulk(both, 2, out);
  EXPECT_EQ(out[0], hb);
  EXPECT_EQ(out[1], ha);
  t.table.Erase(ha);
  EXPECT_FALSE(t.table.Find(a).valid());
  EXPECT_EQ(t.table.Find(b), hb);
}

TEST(FlowTableTest, BulkFindEqualsSingleFind) {
  TestTable t(Options(4096));
  for (uint64_t i = 0; i < 4000; ++i) {
    ASSERT_TRUE(t.table.Insert(KeyFromId(i * 2), V(i)).inserted());
  }
  // Batches of every size up to and past kBulkMax, half hits, half misses.
  for (uint32_t n : {1u, 2u, 31u, 32u, 33u, 64u, 100u}) {
    std::vector<FlowKey> keys;
    for (uint32_t i = 0; i < n; ++i) keys.push_back(KeyFromId(testing::Mix(i + n) % 8000));
    std::vector<FlowHandle> out(n);
    std::vector<uint64_t> hashes(n);
    t.table.FindBulk(keys.data(), n, out.data(), hashes.data());
    int hits = 0;
    for (uint32_t i = 0; i < n; ++i) {
      EXPECT_EQ(out[i], t.table.Find(keys[i])) << n << " " << i;
      EXPECT_EQ(hashes[i], t.table.Hash(keys[i]));
      hits += out[i].valid();
    }
    if (n >= 31) {
      EXPECT_GT(hits, 0);
      EXPECT_LT(hits, static_cast<int>(n));
    }
  }
}

TEST(FlowTableDeathTest, EraseOfADeadHandleTraps) {
  TestTable t(Options(16));
  const FlowHandle h = t.table.Insert(V4Key(1, 1), V(1)).handle;
  t.table.Erase(h);
  EXPECT_DEATH(t.table.Erase(h), "");
}

// ~1e6 mixed operations against std::unordered_map as the model. The key
// universe is 3x the capacity so inserts hit kExists and kFull and finds
// both hit and miss.
TEST(FlowTableTest, RandomOperationsMatchAModel) {
  constexpr uint32_t kCapacity = 2048;
  TestTable t(Options(kCapacity));
  struct KeyHash {
    size_t operator()(const FlowKey& k) const { return FlowHash(k, TestSeed(9)); }
  };
  std::unordered_map<FlowKey, std::pair<FlowHandle, uint64_t>, KeyHash> model;
  std::vector<FlowKey> batch;
  uint64_t rng = 1;
  int counts[4] = {};
  for (int op = 0; op < 1'000'000; ++op) {
    rng = testing::Mix(rng);
    const FlowKey key = KeyFromId(rng % (3 * kCapacity));
    const auto it = model.find(key);
    switch ((rng >> 32) % 8) {
      case 0:
      case 1:
      case 2: {  // insert
        const InsertResult r = t.table.Insert(key, V(op));
        ++counts[static_cast<int>(r.status)];
        if (it != model.end()) {
          ASSERT_EQ(r.status, InsertStatus::kExists);
          ASSERT_EQ(r.handle, it->second.first);
        } else if (model.size() == kCapacity) {
          ASSERT_EQ(r.status, InsertStatus::kFull);
        } else {
          ASSERT_EQ(r.status, InsertStatus::kInserted) << op;
          ASSERT_LT(r.handle.index, t.table.handle_bound());
          model.emplace(key, std::make_pair(r.handle, uint64_t(op)));
        }
        break;
      }
      case 3:
      case 4: {  // erase
        if (it == model.end()) break;
        t.table.Erase(it->second.first);
        model.erase(it);
        break;
      }
      case 5: {  // update the value through the handle
        if (it == model.end()) break;
        t.table.value(it->second.first) = V(op);
        it->second.second = op;
        break;
      }
      case 6: {  // find
        const FlowHandle h = t.table.Find(key);
        if (it == model.end()) {
          ASSERT_FALSE(h.valid());
        } else {
          ASSERT_EQ(h, it->second.first);
          ASSERT_EQ(t.table.value(h), V(it->second.second));
          ASSERT_EQ(t.table.key(h), key);
        }
        break;
      }
      case 7: {  // bulk find of the last 32 keys seen
        batch.push_back(key);
        if (batch.size() < 32) break;
        FlowHandle out[32];
        t.table.FindBulk(batch.data(), 32, out);
        for (int i = 0; i < 32; ++i) {
          const auto m = model.find(batch[i]);
          ASSERT_EQ(out[i], m == model.end() ? FlowHandle{} : m->second.first);
        }
        batch.clear();
        break;
      }
    }
    ASSERT_EQ(t.table.size(), model.size());
  }
  // Every outcome was exercised; random keys at this load never hit the
  // probe limit.
  EXPECT_GT(counts[static_cast<int>(InsertStatus::kInserted)], 50000);
  EXPECT_GT(counts[static_cast<int>(InsertStatus::kExists)], 10000);
  EXPECT_GT(counts[static_cast<int>(InsertStatus::kFull)], 1000);
  EXPECT_EQ(counts[static_cast<int>(InsertStatus::kProbeLimit)], 0);
}

}  // namespace
}  // namespace synx::flow
