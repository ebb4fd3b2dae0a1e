// listen_set_test.cc — --listen parsing and the O(1) own-address / port
// questions the burst loop asks.
#include "engine/listen_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace synx::engine {
namespace {

using ::testing::HasSubstr;

wire::IpAddr Ip(std::string_view s) { return *wire::IpAddr::Parse(s); }

struct GoodSpec {
  std::string_view text;
  std::string_view addr;
  uint16_t lo;
  uint16_t hi;
};

TEST(ParseListenSpecTest, Accepts) {
  for (const GoodSpec& c : {
           GoodSpec{"198.18.0.1:80", "198.18.0.1", 80, 80},
           GoodSpec{"198.18.0.1:1", "198.18.0.1", 1, 1},
           GoodSpec{"198.18.0.1:65535", "198.18.0.1", 65535, 65535},
           GoodSpec{"198.18.0.1:8000-8099", "198.18.0.1", 8000, 8099},
           GoodSpec{"198.18.0.1:443-443", "198.18.0.1", 443, 443},
           GoodSpec{"[2001:2::1]:443", "2001:2::1", 443, 443},
           GoodSpec{"[2001:2::1]:1-65535", "2001:2::1", 1, 65535},
       }) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<ListenSpec> s = ParseListenSpec(c.text);
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ(s->addr, Ip(c.addr));
    EXPECT_EQ(s->lo, c.lo);
    EXPECT_EQ(s->hi, c.hi);
    // Formatting gives back the text, a one-port range as a single port.
    const std::string_view canonical = c.text.substr(
        0, c.lo == c.hi ? c.text.find('-') : std::string_view::npos);
    EXPECT_EQ(FormatListenSpec(*s), canonical);
  }
}

struct BadSpec {
  std::string_view text;
  std::string_view why;
};

TEST(ParseListenSpecTest, RejectsWithAReason) {
  for (const BadSpec& c : {
           BadSpec{"", "expected IP:PORT"},
           BadSpec{"198.18.0.1", "expected IP:PORT"},
           BadSpec{"198.18.0.1:", "port \"\" is not in 1..65535"},
           BadSpec{"198.18.0.1:0", "port \"0\" is not in 1..65535"},
           BadSpec{"198.18.0.1:65536", "port \"65536\" is not in 1..65535"},
           BadSpec{"198.18.0.1:+80", "port \"+80\" is not in 1..65535"},
           BadSpec{"198.18.0.1: 80", "port \" 80\" is not in 1..65535"},
           BadSpec{"198.18.0.1:0x50", "port \"0x50\" is not in 1..65535"},
           BadSpec{"198.18.0.1:100000", "port \"100000\" is not in 1..65535"},
           BadSpec{"198.18.0.1:90-80", "runs backwards"},
           BadSpec{"198.18.0.1:80-", "port \"\" is not in 1..65535"},
           BadSpec{"198.18.0.1:80-90-100", "port \"90-100\" is not in 1..65535"},
           BadSpec{"198.18.0.256:80", "\"198.18.0.256\" is not an IP address"},
           BadSpec{"host.example:80", "\"host.example\" is not an IP address"},
           BadSpec{":80", "\"\" is not an IP address"},
           BadSpec{"2001:2::1:80", "in brackets"},
           BadSpec{"[2001:2::1]80", "expected ':PORT' after ']'"},
           BadSpec{"[2001:2::1]", "expected ':PORT' after ']'"},
           BadSpec{"[2001:2::1:80", "missing ']'"},
           BadSpec{"[198.18.0.1]:80", "brackets are for IPv6"},
           BadSpec{"[2001:2::zz]:80", "\"2001:2::zz\" is not an IP address"},
       }) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<ListenSpec> s = ParseListenSpec(c.text);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(std::string(c.why)));
    EXPECT_THAT(std::string(s.status().message()),
                HasSubstr(absl::StrCat("\"", absl::string_view(c.text.data(), c.text.size()), "\"")));
  }
}

TEST(ParseListenListTest, SplitsOnCommas) {
  absl::StatusOr<std::vector<ListenSpec>> l =
      ParseListenList("198.18.0.1:80,[2001:2::1]:443-444,198.18.0.1:22");
  ASSERT_TRUE(l.ok()) << l.status();
  ASSERT_EQ(l->size(), 3u);
  EXPECT_EQ((*l)[0], (ListenSpec{Ip("198.18.0.1"), 80, 80}));
  EXPECT_EQ((*l)[1], (ListenSpec{Ip("2001:2::1"), 443, 444}));
  EXPECT_EQ((*l)[2], (ListenSpec{Ip("198.18.0.1"), 22, 22}));
}

TEST(ParseListenListTest, RejectsEmptyItemsAndBadOnes) {
  for (std::string_view s : {"", ",", "198.18.0.1:80,", ",198.18.0.1:80",
                             "198.18.0.1:80,,198.18.0.1:81"}) {
    absl::StatusOr<std::vector<ListenSpec>> l = ParseListenList(s);
    ASSERT_FALSE(l.ok()) << s;
    EXPECT_THAT(std::string(l.status().message()), HasSubstr("empty item")) << s;
  }
  absl::StatusOr<std::vector<ListenSpec>> l =
      ParseListenList("198.18.0.1:80,198.18.0.1:0");
  ASSERT_FALSE(l.ok());
  EXPECT_THAT(std::string(l.status().message()),
              HasSubstr("\"198.18.0.1:0\": port \"0\""));
}

host::HostConfig Host() {
  host::HostConfig h;
  EXPECT_EQ(h.AddAddress(Ip("198.18.0.1")), host::AddResult::kOk);
  EXPECT_EQ(h.AddAddress(Ip("198.18.0.3")), host::AddResult::kOk);
  EXPECT_EQ(h.AddAddress(Ip("2001:2::1")), host::AddResult::kOk);
  return h;
}

TEST(ListenSetTest, IndexesOwnAddressesV4ThenV6) {
  const ListenSet set(Host());
  EXPECT_EQ(set.local_count(), 3);
  EXPECT_EQ(set.LocalIndex(Ip("198.18.0.1")), 0);
  EXPECT_EQ(set.LocalIndex(Ip("198.18.0.3")), 1);
  EXPECT_EQ(set.LocalIndex(Ip("2001:2::1")), 2);
  EXPECT_EQ(set.LocalIndex(Ip("198.18.0.2")), -1);
  EXPECT_EQ(set.LocalIndex(Ip("2001:2::2")), -1);
  // The same four bytes over IPv6 (::ffff:198.18.0.1) are not ours.
  EXPECT_EQ(set.LocalIndex(Ip("::ffff:198.18.0.1")), -1);
  // Nor is an IPv6 address whose last four bytes equal an own IPv4 one.
  EXPECT_EQ(set.LocalIndex(Ip("2001:2::c612:1")), -1);
}

TEST(ListenSetTest, ListensOnExactlyTheGivenPorts) {
  ListenSet set(Host());
  ASSERT_TRUE(set.Add({Ip("198.18.0.1"), 80, 80}).ok());
  ASSERT_TRUE(set.Add({Ip("198.18.0.3"), 8000, 8003}).ok());
  ASSERT_TRUE(set.Add({Ip("2001:2::1"), 65535, 65535}).ok());
  ASSERT_TRUE(set.Add({Ip("2001:2::1"), 1, 1}).ok());
  // Overlaps count once.
  ASSERT_TRUE(set.Add({Ip("198.18.0.3"), 8002, 8005}).ok());
  EXPECT_EQ(set.listening_count(), 1u + 6u + 2u);

  EXPECT_TRUE(set.Listening(0, 80));
  EXPECT_FALSE(set.Listening(0, 81));
  EXPECT_FALSE(set.Listening(0, 79));
  EXPECT_FALSE(set.Listening(1, 80));
  for (uint32_t p = 7990; p <= 8010; ++p) {
    EXPECT_EQ(set.Listening(1, static_cast<uint16_t>(p)), p >= 8000 && p <= 8005) << p;
  }
  EXPECT_TRUE(set.Listening(2, 65535));
  EXPECT_TRUE(set.Listening(2, 1));
  EXPECT_FALSE(set.Listening(2, 0));
  EXPECT_FALSE(set.Listening(2, 80));
}

TEST(ListenSetTest, RefusesAddressesThatAreNotLocal) {
  ListenSet set(Host());
  const absl::Status s = set.Add({Ip("198.18.0.2"), 80, 80});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("198.18.0.2 is not one of the --local addresses"));
  EXPECT_EQ(set.listening_count(), 0u);
}

}  // namespace
}  // namespace synx::engine
