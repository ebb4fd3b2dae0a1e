// golden_test.cc — lib/cookie against an independent reference.
//
// The expected values come from tests/cookie/golden_cookie.py, which
// re-implements SipHash-2-4 in pure Python and libsodium's KDF with hashlib's
// BLAKE2b, sharing no code with lib/cookie:
//   $ python3 tests/cookie/golden_cookie.py
//   kdf(master, 1000, synxcook) = 64d2fc900669b58fc84fafee84f7f285
//   v4 cookie = 0x0502a4ff
//   v6 cookie = 0x6f40f2ae
//   v4 isn(now_us=4000000) = 0x1798416f
//   v4 ts_offset = 0x5dd4f96b
// A change to the MAC input layout, the KDF parameters, the ISS packing or
// which SipHash half is the MAC / ISN and which the TS offset (the TS offset
// is the flow's, per 4-tuple, in both modes: design.md §5) breaks these; appliances of different versions sharing a key file would
// then reject each other's cookies, which docs/cookies.md must then say.

#include <gtest/gtest.h>

#include "cookie/isn.h"
#include "cookie/keys.h"
#include "cookie/siphash.h"
#include "cookie/syn_cookie.h"
#include "test_util.h"

namespace synx::cookie {
namespace {

using testing::CountingMaster;
using testing::Syn;
using testing::TupleV4;
using testing::TupleV6;
using wire::SeqNum;

TEST(Golden, SipHashPaperVector) {
  // SipHash paper, Appendix A: key 00..0f, message 00..0e.
  SipKey key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  uint8_t msg[15];
  for (size_t i = 0; i < sizeof(msg); ++i) msg[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(SipHash24(key, msg, sizeof(msg)), 0xa129ca6149be45e5u);
  EXPECT_EQ(Fold32(0xa129ca6149be45e5u), 0xa129ca61u ^ 0x49be45e5u);
}

TEST(Golden, CookieKeyDerivation) {
  const SipKey want = {0x64, 0xd2, 0xfc, 0x90, 0x06, 0x69, 0xb5, 0x8f,
                       0xc8, 0x4f, 0xaf, 0xee, 0x84, 0xf7, 0xf2, 0x85};
  EXPECT_EQ(DeriveCookieKey(CountingMaster(), 1000), want);
}

TEST(Golden, CookieV4) {
  auto keys = *CookieKeys::Create(CountingMaster(), 30, 30 * 1000);
  CookieCounters c;
  const MakeResult r = MakeCookie(*keys, TupleV4(), SeqNum(0x12345678),
                                  Syn(1460, 7, true, true), &c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.iss.value(), 0x0502a4ffu);
  EXPECT_TRUE(
      CheckCookie(*keys, TupleV4(), SeqNum(0x12345679), r.iss + 1, &c).ok());
}

TEST(Golden, CookieV6) {
  auto keys = *CookieKeys::Create(CountingMaster(), 30, 30 * 1001 + 29);
  CookieCounters c;
  const MakeResult r = MakeCookie(*keys, TupleV6(), SeqNum(0xfffffff0),
                                  Syn(1440, -1, false, false), &c);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.iss.value(), 0x6f40f2aeu);
  EXPECT_TRUE(
      CheckCookie(*keys, TupleV6(), SeqNum(0xfffffff1), r.iss + 1, &c).ok());
}

TEST(Golden, IsnAndTsOffset) {
  const FlowSecrets s = FlowSecrets::FromMaster(CountingMaster());
  EXPECT_EQ(s.Isn(TupleV4(), 4'000'000).value(), 0x1798416fu);
  EXPECT_EQ(s.TsOffset(TupleV4()), 0x5dd4f96bu);
  const IsnAndTsOffset both = s.ForConnection(TupleV4(), 4'000'000);
  EXPECT_EQ(both.isn.value(), 0x1798416fu);
  EXPECT_EQ(both.ts_offset, 0x5dd4f96bu);
}

}  // namespace
}  // namespace synx::cookie
