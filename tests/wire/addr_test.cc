// addr_test.cc — MAC / IP parsing, formatting and classification.

#include "wire/addr.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace synx::wire {
namespace {

TEST(MacAddrTest, ParseAndFormat) {
  auto m = MacAddr::Parse("02:00:5E:10:00:0a");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->b, (std::array<uint8_t, 6>{0x02, 0x00, 0x5e, 0x10, 0x00, 0x0a}));
  EXPECT_EQ(m->ToString(), "02:00:5e:10:00:0a");
  auto dashed = MacAddr::Parse("02-00-5e-10-00-0a");
  ASSERT_TRUE(dashed.has_value());
  EXPECT_EQ(*dashed, *m);
}

TEST(MacAddrTest, ParseRejects) {
  for (const char* s : {"", "02:00:5e:10:00", "02:00:5e:10:00:0a:", "02:00:5e:10:00:0g",
                        "02:00-5e:10:00:0a", "0200.5e10.000a", "02:00:5e:10:00:0a ",
                        " 2:00:5e:10:00:0a", "02::005e:10:00:0a"}) {
    EXPECT_FALSE(MacAddr::Parse(s).has_value()) << s;
  }
}

TEST(MacAddrTest, Predicates) {
  EXPECT_TRUE(MacAddr::Broadcast().IsMulticast());
  EXPECT_EQ(MacAddr::Broadcast().ToString(), "ff:ff:ff:ff:ff:ff");
  EXPECT_TRUE(MacAddr::Parse("01:00:5e:00:00:01")->IsMulticast());
  EXPECT_TRUE(MacAddr::Parse("33:33:ff:00:00:01")->IsMulticast());
  EXPECT_FALSE(MacAddr::Parse("02:00:00:00:00:01")->IsMulticast());
  EXPECT_TRUE(MacAddr{}.IsZero());
  EXPECT_FALSE(MacAddr::Parse("00:00:00:00:00:01")->IsZero());
}

TEST(IpAddrTest, V4Representations) {
  const IpAddr a = IpAddr::V4(0xc6120001);
  const uint8_t raw[4] = {198, 18, 0, 1};
  const IpAddr b = IpAddr::V4Bytes(raw);
  const IpAddr c = *IpAddr::Parse("198.18.0.1");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.family, Family::kV4);
  EXPECT_EQ(a.v4(), 0xc6120001u);
  EXPECT_EQ(a.size(), 4u);
  EXPECT_EQ(a.data(), a.b.data() + 12);
  EXPECT_EQ(a.data()[0], 198);
  // Stored IPv4-mapped.
  EXPECT_EQ(a.b, (std::array<uint8_t, 16>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
                                          0xff, 198, 18, 0, 1}));
  EXPECT_EQ(a.ToString(), "198.18.0.1");
}

TEST(IpAddrTest, V6Representations) {
  const uint8_t raw[16] = {0x20, 0x01, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const IpAddr a = IpAddr::V6Bytes(raw);
  EXPECT_EQ(a.family, Family::kV6);
  EXPECT_FALSE(a.is_v4());
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(a.data(), a.b.data());
  EXPECT_EQ(a, *IpAddr::Parse("2001:2::1"));
  EXPECT_EQ(a.ToString(), "2001:2::1");
}

// The same 16 bytes with a different family are different addresses: an
// IPv6 peer using ::ffff:198.18.0.1 is not the IPv4 host 198.18.0.1.
TEST(IpAddrTest, MappedV6IsNotV4) {
  const IpAddr mapped = *IpAddr::Parse("::ffff:198.18.0.1");
  const IpAddr v4 = *IpAddr::Parse("198.18.0.1");
  EXPECT_EQ(mapped.b, v4.b);
  EXPECT_EQ(mapped.family, Family::kV6);
  EXPECT_NE(mapped, v4);
  EXPECT_TRUE(mapped.IsV4MappedV6());
  EXPECT_FALSE(v4.IsV4MappedV6());
  EXPECT_FALSE(IpAddr::Parse("::fffe:198.18.0.1")->IsV4MappedV6());
  EXPECT_FALSE(IpAddr::Parse("1::ffff:198.18.0.1")->IsV4MappedV6());
}

TEST(IpAddrTest, ParseRejects) {
  for (const char* s : {"", "198.18.0", "198.18.0.256", "198.18.0.1.2", "198.18.0.1:80",
                        "[2001:2::1]", "2001:2::1::2", "2001:2::g", "localhost",
                        " 198.18.0.1", "198.18.0.1/24",
                        "0000:0000:0000:0000:0000:0000:0000:0000:0000"}) {
    EXPECT_FALSE(IpAddr::Parse(s).has_value()) << s;
  }
  EXPECT_FALSE(IpAddr::Parse(std::string_view("198.18.0.1\0", 11)).has_value());
  EXPECT_FALSE(IpAddr::Parse(std::string(100, '1')).has_value());
}

TEST(IpAddrTest, ParseDoesNotReadPastTheView) {
  const std::string s = "198.18.0.12";
  EXPECT_EQ(*IpAddr::Parse(std::string_view(s).substr(0, 10)),
            IpAddr::V4(0xc6120001));
}

struct ClassCase {
  const char* addr;
  bool unspecified, loopback, multicast, broadcast, class_e, mapped;
};

class IpAddrClassTest : public ::testing::TestWithParam<ClassCase> {};

TEST_P(IpAddrClassTest, Classify) {
  const ClassCase& c = GetParam();
  const IpAddr a = *IpAddr::Parse(c.addr);
  EXPECT_EQ(a.IsUnspecified(), c.unspecified);
  EXPECT_EQ(a.IsLoopback(), c.loopback);
  EXPECT_EQ(a.IsMulticast(), c.multicast);
  EXPECT_EQ(a.IsLimitedBroadcast(), c.broadcast);
  EXPECT_EQ(a.IsReservedClassE(), c.class_e);
  EXPECT_EQ(a.IsV4MappedV6(), c.mapped);
}

//                                      unspec loop   mcast  bcast  classE mapped
INSTANTIATE_TEST_SUITE_P(
    Table, IpAddrClassTest,
    ::testing::Values(
        ClassCase{"198.18.0.1", false, false, false, false, false, false},
        ClassCase{"0.0.0.0", true, false, false, false, false, false},
        ClassCase{"0.255.1.2", true, false, false, false, false, false},
        ClassCase{"1.0.0.0", false, false, false, false, false, false},
        ClassCase{"127.0.0.1", false, true, false, false, false, false},
        ClassCase{"127.255.255.254", false, true, false, false, false, false},
        ClassCase{"126.255.255.255", false, false, false, false, false, false},
        ClassCase{"128.0.0.0", false, false, false, false, false, false},
        ClassCase{"223.255.255.255", false, false, false, false, false, false},
        ClassCase{"224.0.0.1", false, false, true, false, false, false},
        ClassCase{"239.255.255.255", false, false, true, false, false, false},
        ClassCase{"240.0.0.1", false, false, false, false, true, false},
        ClassCase{"255.255.255.254", false, false, false, false, true, false},
        ClassCase{"255.255.255.255", false, false, false, true, false, false},
        ClassCase{"2001:2::1", false, false, false, false, false, false},
        ClassCase{"::", true, false, false, false, false, false},
        ClassCase{"::1", false, true, false, false, false, false},
        ClassCase{"::2", false, false, false, false, false, false},
        ClassCase{"1::", false, false, false, false, false, false},
        ClassCase{"ff02::1", false, false, true, false, false, false},
        ClassCase{"ff02::1:ff00:1", false, false, true, false, false, false},
        ClassCase{"fe80::1", false, false, false, false, false, false},
        ClassCase{"::ffff:127.0.0.1", false, false, false, false, false, true},
        ClassCase{"::ffff:0.0.0.0", false, false, false, false, false, true}));

}  // namespace
}  // namespace synx::wire
