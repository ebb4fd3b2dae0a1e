// syn_cookie_test.cc — the cookie cases of handshake-rules.md §C for the
// codec alone: round trips, rounding, rejection of every kind of tampering,
// key-rotation edges, forgery odds.

#include "cookie/syn_cookie.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cookie/keys.h"
#include "test_util.h"

namespace synx::cookie {
namespace {

using testing::CountingMaster;
using testing::MasterFilledWith;
using testing::Syn;
using testing::TupleFor;
using testing::TupleV4;
using testing::TupleV6;
using testing::V4;
using testing::V6;
using wire::Family;
using wire::SeqNum;

constexpr uint32_t kT = 30;          // rotation interval, seconds
constexpr uint64_t kEpoch = 56789;   // an arbitrary epoch well above 0
constexpr uint64_t kStart = kEpoch * kT;
constexpr SeqNum kClientIsn{0x89abcdefu};

std::unique_ptr<CookieKeys> KeysAt(uint64_t now_s,
                                   const MasterKey& m = CountingMaster()) {
  auto keys = CookieKeys::Create(m, kT, now_s);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return *std::move(keys);
}

// Checks the ACK a client sends for `made`: SEQ = IRS+1, ACK = ISS+1.
CheckResult Ack(const CookieKeys& keys, const FlowTuple& t, SeqNum client_isn,
                const MakeResult& made, CookieCounters* c) {
  return CheckCookie(keys, t, client_isn + 1, made.iss + 1, c);
}

std::string FamilyName(Family f) { return f == Family::kV4 ? "v4" : "v6"; }

// --- rounding tables --------------------------------------------------------

struct MssRow {
  Family family;
  uint16_t peer;      // 0: option absent
  int expected;       // -1: below the floor, no cookie
};

TEST(CookieOptions, MssRoundsDownIntoTheFamilyTable) {
  const MssRow rows[] = {
      {Family::kV4, 0, 536},       // absent → RFC 9293 MUST-15 default
      {Family::kV4, 1, -1},
      {Family::kV4, 215, -1},      // just below the floor
      {Family::kV4, 216, 216},
      {Family::kV4, 535, 216},
      {Family::kV4, 536, 536},
      {Family::kV4, 1199, 536},
      {Family::kV4, 1200, 1200},
      {Family::kV4, 1359, 1200},
      {Family::kV4, 1360, 1360},
      {Family::kV4, 1400, 1400},
      {Family::kV4, 1439, 1400},
      {Family::kV4, 1440, 1440},
      {Family::kV4, 1452, 1452},
      {Family::kV4, 1459, 1452},
      {Family::kV4, 1460, 1460},
      {Family::kV4, 8960, 1460},
      {Family::kV4, 65535, 1460},
      {Family::kV6, 0, 1220},      // absent → RFC 6691 / RFC 8200 default
      {Family::kV6, 536, -1},
      {Family::kV6, 1219, -1},
      {Family::kV6, 1220, 1220},
      {Family::kV6, 1339, 1220},
      {Family::kV6, 1340, 1340},
      {Family::kV6, 1360, 1360},
      {Family::kV6, 1400, 1400},
      {Family::kV6, 1420, 1420},
      {Family::kV6, 1431, 1420},
      {Family::kV6, 1432, 1432},
      {Family::kV6, 1440, 1440},
      {Family::kV6, 1460, 1440},
      {Family::kV6, 8939, 1440},
      {Family::kV6, 8940, 8940},
      {Family::kV6, 65535, 8940},
  };
  for (const MssRow& row : rows) {
    SCOPED_TRACE(FamilyName(row.family) + " peer MSS " +
                 std::to_string(row.peer));
    const auto f = EncodeOptions(row.family, Syn(row.peer, -1, false, false));
    if (row.expected < 0) {
      EXPECT_FALSE(f.has_value());
    } else {
      ASSERT_TRUE(f.has_value());
      EXPECT_EQ(DecodeOptions(row.family, *f).mss, row.expected);
    }
  }
}

TEST(CookieOptions, WindowScaleClampsTo14ThenRoundsDown) {
  // peer shift → decoded shift; RFC 7323 §2.3 caps the shift at 14.
  const int expected[] = {0, 1, 2, 2, 4, 4, 6, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8};
  for (int ws = 0; ws <= 16; ++ws) {
    SCOPED_TRACE("peer WS " + std::to_string(ws));
    const auto f = EncodeOptions(Family::kV4, Syn(1460, ws, false, false));
    ASSERT_TRUE(f.has_value());
    const CookieParams p = DecodeOptions(Family::kV4, *f);
    EXPECT_TRUE(p.has_ws);
    EXPECT_EQ(p.ws, expected[ws]);
  }
  const auto none = EncodeOptions(Family::kV4, Syn(1460, -1, false, false));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(DecodeOptions(Family::kV4, *none).has_ws);
  EXPECT_EQ(DecodeOptions(Family::kV4, *none).ws, 0);
}

TEST(CookieOptions, EveryFValueDecodesAndReencodesToItself) {
  for (Family fam : {Family::kV4, Family::kV6}) {
    for (unsigned f = 0; f < 256; f += 2) {  // bit 0 is the key slot
      const CookieParams p = DecodeOptions(fam, static_cast<uint8_t>(f));
      const auto again = EncodeOptions(
          fam, Syn(p.mss, p.has_ws ? p.ws : -1, p.sack_permitted, false));
      ASSERT_TRUE(again.has_value());
      EXPECT_EQ(*again, f) << FamilyName(fam);
    }
  }
}

// --- round trips ------------------------------------------------------------

// Every MSS × WS × SACK × TS combination the tables can express, both
// families, both key slots: the decoded parameters equal the inputs, and TS
// (not part of F) leaves the cookie unchanged.
TEST(CookieRoundTrip, EveryTableCombinationBothFamiliesBothSlots) {
  int combos = 0;
  for (uint64_t epoch : {kEpoch, kEpoch + 1}) {
    auto keys = KeysAt(epoch * kT);
    for (Family fam : {Family::kV4, Family::kV6}) {
      const FlowTuple t = TupleFor(fam);
      for (uint16_t mss : MssTable(fam)) {
        for (size_t wi = 0; wi < kWindowScaleTable.size(); ++wi) {
          const int ws = wi == 0 ? -1 : kWindowScaleTable[wi];
          for (bool sack : {false, true}) {
            SCOPED_TRACE(FamilyName(fam) + " mss " + std::to_string(mss) +
                         " ws " + std::to_string(ws) + " sack " +
                         std::to_string(sack) + " epoch " +
                         std::to_string(epoch));
            CookieCounters c;
            const MakeResult no_ts =
                MakeCookie(*keys, t, kClientIsn, Syn(mss, ws, sack, false), &c);
            const MakeResult ts =
                MakeCookie(*keys, t, kClientIsn, Syn(mss, ws, sack, true), &c);
            ASSERT_TRUE(no_ts.ok());
            ASSERT_TRUE(ts.ok());
            EXPECT_EQ(ts.iss, no_ts.iss);
            const CookieParams want{.mss = mss,
                                    .has_ws = ws >= 0,
                                    .ws = static_cast<uint8_t>(ws < 0 ? 0 : ws),
                                    .sack_permitted = sack};
            EXPECT_EQ(no_ts.params, want);
            // The slot bit sits in ISS[7:0] xor ISS[31:24].
            const uint32_t iss = no_ts.iss.value();
            EXPECT_EQ(((iss ^ (iss >> 24)) & 1), epoch & 1);
            const CheckResult got = Ack(*keys, t, kClientIsn, no_ts, &c);
            EXPECT_EQ(got.status, CookieStatus::kOk);
            EXPECT_EQ(got.params, want);
            EXPECT_EQ(c.macs, 3u);
            ++combos;
          }
        }
      }
    }
  }
  EXPECT_EQ(combos, 2 * 2 * 8 * 8 * 2);
}

// Every peer MSS 0..9000 (and WS 0..15 × SACK) round-trips to its rounded
// value: the MAC never depends on anything F does not carry.
TEST(CookieRoundTrip, EveryPeerMssAndWindowScale) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  for (Family fam : {Family::kV4, Family::kV6}) {
    const FlowTuple t = TupleFor(fam);
    for (uint32_t mss = 0; mss <= 9000; ++mss) {
      const int ws = static_cast<int>(mss % 17) - 1;  // -1 (absent) .. 15
      const bool sack = mss & 1;
      const auto opts = Syn(static_cast<uint16_t>(mss), ws, sack, false);
      const MakeResult made = MakeCookie(*keys, t, kClientIsn, opts, &c);
      const auto f = EncodeOptions(fam, opts);
      if (!f) {
        ASSERT_EQ(made.status, CookieStatus::kMssBelowFloor) << mss;
        continue;
      }
      ASSERT_TRUE(made.ok()) << mss;
      const CheckResult got = Ack(*keys, t, kClientIsn, made, &c);
      ASSERT_EQ(got.status, CookieStatus::kOk) << mss;
      ASSERT_EQ(got.params, DecodeOptions(fam, *f)) << mss;
    }
  }
}

TEST(CookieRoundTrip, SequenceNumbersAtTheWrap) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  for (uint32_t isn : {0u, 1u, 0x7fffffffu, 0x80000000u, 0xfffffffeu,
                       0xffffffffu}) {
    const MakeResult made =
        MakeCookie(*keys, TupleV4(), SeqNum(isn), Syn(1460, 7, true, true), &c);
    ASSERT_TRUE(made.ok());
    EXPECT_EQ(Ack(*keys, TupleV4(), SeqNum(isn), made, &c).status,
              CookieStatus::kOk)
        << isn;
  }
}

TEST(CookieMake, IdenticalSynsInOneEpochGiveIdenticalCookies) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  const auto opts = Syn(1460, 7, true, true);
  const MakeResult a = MakeCookie(*keys, TupleV4(), kClientIsn, opts, &c);
  EXPECT_FALSE(keys->Advance(kStart + kT - 1));  // same epoch: no rotation
  const MakeResult b = MakeCookie(*keys, TupleV4(), kClientIsn, opts, &c);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.iss, b.iss);
  // A retransmitted SYN in the next epoch gets a cookie under the other slot.
  ASSERT_TRUE(keys->Advance(kStart + kT));
  const MakeResult next = MakeCookie(*keys, TupleV4(), kClientIsn, opts, &c);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next.iss, a.iss);
}

TEST(CookieMake, MssBelowFloorGivesNoCookieAndNoMac) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  const MakeResult v4 =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(215, 7, true, true), &c);
  const MakeResult v6 =
      MakeCookie(*keys, TupleV6(), kClientIsn, Syn(1219, 7, true, true), &c);
  EXPECT_EQ(v4.status, CookieStatus::kMssBelowFloor);
  EXPECT_EQ(v6.status, CookieStatus::kMssBelowFloor);
  EXPECT_EQ(c.macs, 0u);
  EXPECT_EQ(CookieStatusName(v4.status), "mss_below_floor");
}

TEST(CookieMake, MssAbsentGivesTheFamilyDefault) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  const MakeResult v4 =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(0, -1, false, false), &c);
  const MakeResult v6 =
      MakeCookie(*keys, TupleV6(), kClientIsn, Syn(0, -1, false, false), &c);
  ASSERT_TRUE(v4.ok());
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, v4, &c).params.mss, 536);
  EXPECT_EQ(Ack(*keys, TupleV6(), kClientIsn, v6, &c).params.mss, 1220);
}

TEST(CookieMake, WindowScale15IsClampedTo14) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  const MakeResult w15 =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(1460, 15, false, false), &c);
  const MakeResult w14 =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(1460, 14, false, false), &c);
  ASSERT_TRUE(w15.ok());
  EXPECT_EQ(w15.iss, w14.iss);
  const CheckResult got = Ack(*keys, TupleV4(), kClientIsn, w15, &c);
  EXPECT_EQ(got.status, CookieStatus::kOk);
  EXPECT_EQ(got.params.ws, 8);  // 14 rounds down to the table's top entry
}

// --- rejection --------------------------------------------------------------

TEST(CookieCheck, SeqOtherThanIrsPlusOneIsRejected) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  for (Family fam : {Family::kV4, Family::kV6}) {
    const FlowTuple t = TupleFor(fam);
    const MakeResult made =
        MakeCookie(*keys, t, kClientIsn, Syn(1460, 7, true, true), &c);
    ASSERT_TRUE(made.ok());
    for (uint32_t delta : {0u, 2u, 3u, 0xffffffffu, 0x80000000u, 0x100u}) {
      EXPECT_EQ(CheckCookie(*keys, t, kClientIsn + delta, made.iss + 1, &c)
                    .status,
                CookieStatus::kBadMac)
          << FamilyName(fam) << " SEQ = IRS + " << delta;
    }
  }
}

TEST(CookieCheck, AckOtherThanIssPlusOneIsRejected) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  const MakeResult made =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(1460, 7, true, true), &c);
  ASSERT_TRUE(made.ok());
  for (uint32_t delta : {0u, 2u, 0x100u, 0x10000u}) {
    const CheckResult r =
        CheckCookie(*keys, TupleV4(), kClientIsn + 1, made.iss + delta, &c);
    EXPECT_EQ(r.status, CookieStatus::kBadMac) << delta;
  }
}

TEST(CookieCheck, AnyTupleFieldChangedIsRejected) {
  auto keys = KeysAt(kStart);
  for (Family fam : {Family::kV4, Family::kV6}) {
    const FlowTuple t = TupleFor(fam);
    CookieCounters c;
    const MakeResult made =
        MakeCookie(*keys, t, kClientIsn, Syn(1460, 7, true, true), &c);
    ASSERT_TRUE(made.ok());
    std::vector<std::pair<std::string, FlowTuple>> changed;
    FlowTuple x = t;
    x.local.b[15] ^= 1;
    changed.emplace_back("local address", x);
    x = t;
    x.remote.b[15] ^= 1;
    changed.emplace_back("remote address", x);
    x = t;
    x.remote.b[fam == Family::kV4 ? 12 : 0] ^= 0x80;
    changed.emplace_back("remote address, first byte", x);
    x = t;
    x.local_port ^= 1;
    changed.emplace_back("local port", x);
    x = t;
    x.remote_port ^= 0x8000;
    changed.emplace_back("remote port", x);
    x = t;
    std::swap(x.local, x.remote);
    std::swap(x.local_port, x.remote_port);
    changed.emplace_back("direction swapped", x);
    x = t;
    if (fam == Family::kV4) {
      // The same 16 bytes, read as an IPv6 (v4-mapped) address.
      x.local.family = x.remote.family = Family::kV6;
    } else {
      x.local.family = x.remote.family = Family::kV4;
    }
    changed.emplace_back("family", x);
    for (const auto& [what, tuple] : changed) {
      EXPECT_EQ(Ack(*keys, tuple, kClientIsn, made, &c).status,
                CookieStatus::kBadMac)
          << FamilyName(fam) << ": " << what;
    }
  }
}

// Flipping any one of the 32 ISS bits: bits 8..23 leave F alone and break the
// MAC comparison; bits 0..7 and 24..31 change F, so the MAC is recomputed
// under other parameters — and for F bit 0 under the other slot's key —
// and fails. With both slots live every flip is kBadMac; with the other slot
// empty, a slot flip is kKeyExpired before any MAC is computed.
TEST(CookieCheck, EverySingleBitFlipIsRejected) {
  for (bool other_slot_live : {true, false}) {
    // Epoch 0 has no previous epoch, so its other slot is empty.
    const uint64_t epoch = other_slot_live ? kEpoch : 0;
    auto keys = KeysAt(epoch * kT);
    std::mt19937 rng(7);
    for (int n = 0; n < 64; ++n) {
      FlowTuple t = TupleFor(n % 2 ? Family::kV6 : Family::kV4);
      t.remote_port = static_cast<uint16_t>(1024 + rng() % 60000);
      const SeqNum isn(rng());
      const auto opts = Syn(static_cast<uint16_t>(1220 + rng() % 8000),
                            static_cast<int>(rng() % 16) - 1, rng() & 1, false);
      CookieCounters c;
      const MakeResult made = MakeCookie(*keys, t, isn, opts, &c);
      ASSERT_TRUE(made.ok());
      for (int bit = 0; bit < 32; ++bit) {
        const uint32_t flip = 1u << bit;
        const bool slot_flip = bit == 0 || bit == 24;
        const CookieStatus want = slot_flip && !other_slot_live
                                      ? CookieStatus::kKeyExpired
                                      : CookieStatus::kBadMac;
        CookieCounters cc;
        const CheckResult r = CheckCookie(
            *keys, t, isn + 1, SeqNum(made.iss.value() ^ flip) + 1, &cc);
        EXPECT_EQ(r.status, want) << "cookie " << n << " bit " << bit;
        EXPECT_EQ(cc.macs, want == CookieStatus::kBadMac ? 1u : 0u);
      }
    }
  }
}

// --- key rotation edges (T = one key lifetime) ------------------------------

TEST(CookieRotation, CookieMadeAtTheStartOfAnEpochLivesTwoLifetimes) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  const MakeResult made =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(1460, 7, true, true), &c);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kOk);  // T
  ASSERT_TRUE(keys->Advance(kStart + kT));
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kOk);  // next epoch: the previous slot still holds it
  EXPECT_FALSE(keys->Advance(kStart + 2 * kT - 1));
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kOk);  // 2T - 1 s: last second of validity
  ASSERT_TRUE(keys->Advance(kStart + 2 * kT));
  // 2T: the cookie's slot now holds epoch E+2's key, so the MAC fails.
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kBadMac);
  ASSERT_TRUE(keys->Advance(kStart + 3 * kT));
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kBadMac);
}

TEST(CookieRotation, CookieMadeAtTheEndOfAnEpochLivesOneLifetime) {
  const uint64_t last_second = kStart + kT - 1;
  auto keys = KeysAt(last_second);
  CookieCounters c;
  const MakeResult made =
      MakeCookie(*keys, TupleV6(), kClientIsn, Syn(1440, 7, true, true), &c);
  ASSERT_TRUE(made.ok());
  ASSERT_TRUE(keys->Advance(last_second + 1));  // ε later: next epoch
  EXPECT_EQ(Ack(*keys, TupleV6(), kClientIsn, made, &c).status,
            CookieStatus::kOk);
  EXPECT_FALSE(keys->Advance(last_second + kT));
  EXPECT_EQ(Ack(*keys, TupleV6(), kClientIsn, made, &c).status,
            CookieStatus::kOk);  // T after it was made
  ASSERT_TRUE(keys->Advance(last_second + kT + 1));  // T + ε
  EXPECT_EQ(Ack(*keys, TupleV6(), kClientIsn, made, &c).status,
            CookieStatus::kBadMac);
}

TEST(CookieRotation, AJumpOverSeveralEpochsExpiresBothSlots) {
  auto keys = KeysAt(kStart);
  CookieCounters c;
  const MakeResult made =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(1460, 7, true, true), &c);
  ASSERT_TRUE(made.ok());
  ASSERT_TRUE(keys->Advance(kStart + 5 * kT));  // control thread stalled
  EXPECT_EQ(keys->current_epoch(), kEpoch + 5);
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kBadMac);
  // Cookies made now live as usual.
  const MakeResult fresh =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(1460, 7, true, true), &c);
  ASSERT_TRUE(keys->Advance(kStart + 6 * kT));
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, fresh, &c).status,
            CookieStatus::kOk);
}

TEST(CookieRotation, ClockSteppedBackChangesNothing) {
  auto keys = KeysAt(kStart + kT);
  CookieCounters c;
  const MakeResult made =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(1460, 7, true, true), &c);
  EXPECT_FALSE(keys->Advance(kStart));
  EXPECT_FALSE(keys->Advance(0));
  EXPECT_EQ(keys->current_epoch(), kEpoch + 1);
  EXPECT_EQ(Ack(*keys, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kOk);
}

// --- keys shared between appliances ------------------------------------------

TEST(CookieKeysShared, SameMasterAndEpochAcceptEachOthersCookies) {
  // Two appliances behind ECMP, one key file, clocks a few seconds apart but
  // in the same epoch, started at different times.
  auto a = KeysAt(kStart + 3);
  auto b = KeysAt(kStart + 11);
  CookieCounters c;
  for (Family fam : {Family::kV4, Family::kV6}) {
    const MakeResult made = MakeCookie(*a, TupleFor(fam), kClientIsn,
                                       Syn(1400, 2, true, false), &c);
    ASSERT_TRUE(made.ok());
    EXPECT_EQ(Ack(*b, TupleFor(fam), kClientIsn, made, &c).status,
              CookieStatus::kOk);
  }
  // b started in the next epoch: it derived a's epoch as its previous one.
  auto late = KeysAt(kStart + kT + 1);
  const MakeResult made =
      MakeCookie(*a, TupleV4(), kClientIsn, Syn(1400, 2, true, false), &c);
  EXPECT_EQ(Ack(*late, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kOk);
}

TEST(CookieKeysShared, DifferentMastersRejectEachOthersCookies) {
  auto a = KeysAt(kStart, MasterFilledWith(0x11));
  auto b = KeysAt(kStart, MasterFilledWith(0x12));
  CookieCounters c;
  const MakeResult made =
      MakeCookie(*a, TupleV4(), kClientIsn, Syn(1460, 7, true, true), &c);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(Ack(*b, TupleV4(), kClientIsn, made, &c).status,
            CookieStatus::kBadMac);
  const MakeResult mine =
      MakeCookie(*b, TupleV4(), kClientIsn, Syn(1460, 7, true, true), &c);
  EXPECT_NE(mine.iss, made.iss);
}

// --- counters and forgery odds ----------------------------------------------

TEST(CookieCounters, OneMacPerMakeAndPerCheckWithALiveKey) {
  auto keys = KeysAt(0);  // epoch 0: slot 1 is empty
  CookieCounters c;
  const MakeResult made =
      MakeCookie(*keys, TupleV4(), kClientIsn, Syn(1460, 7, true, true), &c);
  EXPECT_EQ(c.macs, 1u);
  Ack(*keys, TupleV4(), kClientIsn, made, &c);
  EXPECT_EQ(c.macs, 2u);
  // An ACK naming the empty slot costs nothing: 0x01 → F = 1.
  EXPECT_EQ(CheckCookie(*keys, TupleV4(), SeqNum(5), SeqNum(0x01) + 1, &c)
                .status,
            CookieStatus::kKeyExpired);
  EXPECT_EQ(c.macs, 2u);
}

// 1,000,000 blind (SEQ, ACK) guesses against live keys in both slots: each
// passes with probability 2^-24, so ~0.06 acceptances are expected; more than
// 3 would be a 1-in-~10^5 event for a correct 24-bit check (Poisson, λ=0.06),
// while a check that compared fewer bits would blow through it (20 bits: 0.95
// expected; 16 bits: 15). The seed is fixed: the outcome is reproducible.
TEST(CookieForgery, MillionBlindAcksAcceptAtMostThree) {
  auto keys = KeysAt(kStart);
  std::mt19937_64 rng(20240611);
  CookieCounters c;
  int accepted = 0;
  int bad_mac = 0;
  constexpr int kTries = 1'000'000;
  for (int i = 0; i < kTries; ++i) {
    const uint64_t r = rng();
    const FlowTuple& t = (i & 1) ? TupleV6() : TupleV4();
    const CheckResult got =
        CheckCookie(*keys, t, SeqNum(static_cast<uint32_t>(r)),
                    SeqNum(static_cast<uint32_t>(r >> 32)), &c);
    accepted += got.ok();
    bad_mac += got.status == CookieStatus::kBadMac;
  }
  EXPECT_LE(accepted, 3);
  EXPECT_EQ(accepted + bad_mac, kTries);  // every guess reached the MAC
  EXPECT_EQ(c.macs, static_cast<uint64_t>(kTries));
}

}  // namespace
}  // namespace synx::cookie
