// keys_test.cc — key files, derivation, rotation bookkeeping and the seqlock
// that lets workers read a slot while the control thread rewrites it.

#include "cookie/keys.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace synx::cookie {
namespace {

using testing::CountingMaster;
using testing::MasterFilledWith;

constexpr char kHex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// --- ParseKeyFile -------------------------------------------------------------

struct GoodFile {
  const char* name;
  std::string contents;
};

TEST(ParseKeyFile, AcceptsTheKeyInEveryAllowedShape) {
  const std::string hex = kHex;
  std::string upper = hex;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
  const GoodFile files[] = {
      {"bare", hex},
      {"newline", hex + "\n"},
      {"crlf", hex + "\r\n"},
      {"blanks around", "  \t" + hex + " \t\n\n"},
      {"upper case", upper + "\n"},
      {"comments and blank lines",
       "# synx cookie master key\n\n  # rotate by hand\n" + hex + "\n# end\n"},
  };
  for (const GoodFile& f : files) {
    const absl::StatusOr<MasterKey> key = ParseKeyFile(f.contents);
    ASSERT_TRUE(key.ok()) << f.name << ": " << key.status();
    EXPECT_EQ(*key, CountingMaster()) << f.name;
  }
}

struct BadFile {
  const char* name;
  std::string contents;
  std::string message;
};

TEST(ParseKeyFile, RejectsWithAMessageNamingLineAndProblem) {
  const std::string hex = kHex;
  const BadFile files[] = {
      {"empty", "", "no key found (expected one line of 64 hex digits)"},
      {"only comments", "# a\n\n   # b\n",
       "no key found (expected one line of 64 hex digits)"},
      {"short", hex.substr(0, 63) + "\n",
       "line 1: expected 64 hex digits, found 63 characters"},
      {"long", "# key\n" + hex + "0\n",
       "line 2: expected 64 hex digits, found 65 characters"},
      {"bad digit", "\n  " + hex.substr(0, 9) + "g" + hex.substr(10),
       "line 2, column 12: g is not a hex digit"},
      {"space inside", hex.substr(0, 32) + " " + hex.substr(32),
       "line 1, column 33: byte 0x20 is not a hex digit"},
      {"key = prefix", "key=" + hex, "line 1, column 1: k is not a hex digit"},
      {"NUL byte", std::string("ab\0cd", 5),
       "line 1, column 3: byte 0x00 is not a hex digit"},
      {"two keys", hex + "\n# again\n" + hex + "\n",
       "line 3: a second key (the key is on line 1; only one is allowed)"},
      {"all zeros", std::string(64, '0') + "\n",
       "line 1: the key is all zeros (generate one with: head -c 32 "
       "/dev/urandom | od -An -tx1 | tr -d ' \\n')"},
  };
  for (const BadFile& f : files) {
    const absl::StatusOr<MasterKey> key = ParseKeyFile(f.contents);
    ASSERT_FALSE(key.ok()) << f.name;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument)
        << f.name;
    EXPECT_EQ(key.status().message(), f.message) << f.name;
  }
}

// --- derivation ---------------------------------------------------------------

TEST(DeriveKey, IsAFunctionOfMasterIdAndContextOnly) {
  const MasterKey m = CountingMaster();
  EXPECT_EQ(DeriveCookieKey(m, 7), DeriveCookieKey(m, 7));
  EXPECT_EQ(DeriveCookieKey(m, 7), DeriveKey(m, 7, "synxcook"));
  EXPECT_NE(DeriveCookieKey(m, 7), DeriveCookieKey(m, 8));
  EXPECT_NE(DeriveCookieKey(m, 7), DeriveKey(m, 7, "synx_isn"));
  EXPECT_NE(DeriveCookieKey(m, 7), DeriveCookieKey(MasterFilledWith(1), 7));
}

TEST(RandomMasterKey, TwoDrawsDiffer) {
  const absl::StatusOr<MasterKey> a = RandomMasterKey();
  const absl::StatusOr<MasterKey> b = RandomMasterKey();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, MasterKey{});
}

// --- rotation interval ----------------------------------------------------------

TEST(RotateSeconds, BoundsAndMessage) {
  EXPECT_TRUE(ValidateRotateSeconds(1).ok());
  EXPECT_TRUE(ValidateRotateSeconds(30).ok());
  EXPECT_TRUE(ValidateRotateSeconds(3600).ok());
  for (uint64_t bad : {uint64_t{0}, uint64_t{3601}, uint64_t{1} << 40}) {
    const absl::Status s = ValidateRotateSeconds(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(),
              "cookie key rotation interval must be 1..3600 seconds, got " +
                  std::to_string(bad));
  }
  const auto keys = CookieKeys::Create(CountingMaster(), 0, 100);
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().message(),
            "cookie key rotation interval must be 1..3600 seconds, got 0");
}

// --- slots and epochs -------------------------------------------------------------

TEST(CookieKeys, CreateFillsTheCurrentAndPreviousEpoch) {
  const MasterKey m = CountingMaster();
  auto keys = *CookieKeys::Create(m, 30, 30 * 1001 + 29);
  EXPECT_EQ(keys->current_epoch(), 1001u);
  EXPECT_EQ(keys->EpochAt(30 * 1001 + 29), 1001u);
  SipKey k;
  uint64_t epoch;
  ASSERT_TRUE(keys->ReadSlot(1, &k, &epoch));
  EXPECT_EQ(epoch, 1001u);
  EXPECT_EQ(k, DeriveCookieKey(m, 1001));
  ASSERT_TRUE(keys->ReadSlot(0, &k, &epoch));
  EXPECT_EQ(epoch, 1000u);
  EXPECT_EQ(k, DeriveCookieKey(m, 1000));
  unsigned slot;
  ASSERT_TRUE(keys->SigningKey(&k, &slot));
  EXPECT_EQ(slot, 1u);
  EXPECT_EQ(k, DeriveCookieKey(m, 1001));
}

TEST(CookieKeys, IsLiveAcceptsCurrentPreviousAndJustPublishedEpochsOnly) {
  constexpr uint64_t kNo = CookieKeys::kNoEpoch;
  struct Row {
    uint64_t slot_epoch, current;
    bool live;
  } rows[] = {
      {100, 100, true},  {99, 100, true},  {101, 100, true},
      {98, 100, false},  {102, 100, false}, {0, 100, false},
      {0, 0, true},      {1, 0, true},      {kNo, 0, false},
      {kNo, 100, false}, {kNo - 1, kNo - 1, true}, {5, kNo, false},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(CookieKeys::IsLive(r.slot_epoch, r.current), r.live)
        << r.slot_epoch << " vs current " << r.current;
  }
}

TEST(CookieKeys, EpochZeroLeavesTheOtherSlotEmpty) {
  auto keys = *CookieKeys::Create(CountingMaster(), 30, 29);
  SipKey k;
  uint64_t epoch;
  EXPECT_TRUE(keys->ReadSlot(0, &k, &epoch));
  EXPECT_FALSE(keys->ReadSlot(1, &k, &epoch));
  EXPECT_FALSE(keys->ValidationKey(1, &k));
}

TEST(CookieKeys, AdvanceRotatesOnlyForwardAndOnlyAtEpochBoundaries) {
  const MasterKey m = CountingMaster();
  auto keys = *CookieKeys::Create(m, 16, 160);  // epoch 10
  EXPECT_FALSE(keys->Advance(175));             // still 10
  EXPECT_FALSE(keys->Advance(100));             // backwards
  EXPECT_EQ(keys->current_epoch(), 10u);
  EXPECT_TRUE(keys->Advance(176));              // 11
  EXPECT_EQ(keys->current_epoch(), 11u);
  SipKey k;
  // Slot 0 holds 10 (previous, valid), slot 1 holds 11 (current).
  ASSERT_TRUE(keys->ValidationKey(0, &k));
  EXPECT_EQ(k, DeriveCookieKey(m, 10));
  ASSERT_TRUE(keys->ValidationKey(1, &k));
  EXPECT_EQ(k, DeriveCookieKey(m, 11));
  EXPECT_TRUE(keys->Advance(16 * 14));          // jump to 14
  uint64_t e0, e1;
  ASSERT_TRUE(keys->ReadSlot(0, &k, &e0));
  EXPECT_EQ(k, DeriveCookieKey(m, 14));
  ASSERT_TRUE(keys->ReadSlot(1, &k, &e1));
  EXPECT_EQ(k, DeriveCookieKey(m, 13));
  EXPECT_EQ(e0, 14u);
  EXPECT_EQ(e1, 13u);
}

// The seqlock property: whatever a reader gets from ReadSlot while the
// control thread rotates flat out is a key that really belongs to the epoch
// reported with it — never a mix of two keys.
TEST(CookieKeys, ConcurrentReadsNeverSeeATornKey) {
  const MasterKey m = CountingMaster();
  constexpr uint64_t kEpochs = 4000;
  std::vector<SipKey> expected(kEpochs + 1);
  for (uint64_t e = 0; e <= kEpochs; ++e) expected[e] = DeriveCookieKey(m, e);
  auto keys = *CookieKeys::Create(m, 1, 0);
  std::atomic<bool> done{false};
  std::atomic<uint64_t> reads{0};
  std::atomic<uint64_t> torn{0};
  std::thread reader([&] {
    SipKey k;
    uint64_t epoch;
    while (!done.load(std::memory_order_relaxed)) {
      for (unsigned slot = 0; slot < 2; ++slot) {
        if (keys->ReadSlot(slot, &k, &epoch)) {
          reads.fetch_add(1, std::memory_order_relaxed);
          if (epoch > kEpochs || k != expected[epoch]) {
            torn.fetch_add(1, std::memory_order_relaxed);
          }
        }
      }
    }
  });
  // Interleave for sure, even on a loaded machine: every 8 rotations, wait
  // until the reader has completed at least one more read.
  uint64_t seen = 0;
  for (uint64_t now = 1; now <= kEpochs; ++now) {
    keys->Advance(now);
    if (now % 8 == 0) {
      while (reads.load(std::memory_order_relaxed) == seen) {
        std::this_thread::yield();
      }
      seen = reads.load(std::memory_order_relaxed);
    }
  }
  done.store(true);
  reader.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_GE(reads.load(), kEpochs / 8);
  EXPECT_EQ(keys->current_epoch(), kEpochs);
}

}  // namespace
}  // namespace synx::cookie
