// flags_test.cc — --flagfile expansion, flag precedence and origins, and the
// memory footprint --check-config compares with what the EAL has. No EAL.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "check_config.h"
#include "config.h"
#include "flagfile.h"
#include "flags.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "io/port.h"
#include "stats/counters.h"

namespace synx::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FlagfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/synx-flags-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    for (const std::string& f : files_) std::remove(f.c_str());
    rmdir((dir_ + "/sub").c_str());
    rmdir(dir_.c_str());
  }
  // Writes `text` to dir_/name and returns the path.
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    files_.push_back(path);
    return path;
  }
  static std::vector<std::string> Texts(const std::vector<FlagArg>& args) {
    std::vector<std::string> out;
    for (const FlagArg& a : args) out.push_back(a.text + "@" + a.origin);
    return out;
  }

  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(FlagfileTest, CommentsBlanksAndCrlfAreSkippedAndLinesKeepTheirOrigin) {
  const std::string f =
      Write("a.flags", "# head\n\n  --local=198.18.0.1  \r\n\t# indented comment\n--verbose\n");
  const std::vector<std::string> args = {"--flagfile=" + f};
  absl::StatusOr<std::vector<FlagArg>> out = ExpandFlagfiles(args);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Texts(*out), ElementsAre("--local=198.18.0.1@" + f + ":3", "--verbose@" + f + ":5"));
}

TEST_F(FlagfileTest, FileFlagsComeBeforeEveryCommandLineFlag) {
  const std::string f = Write("a.flags", "--cookies=never\n");
  const std::vector<std::string> args = {"--cookies=always", "--flagfile", f, "--burst=8"};
  absl::StatusOr<std::vector<FlagArg>> out = ExpandFlagfiles(args);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Texts(*out), ElementsAre("--cookies=never@" + f + ":1", "--cookies=always@",
                                       "--burst=8@"));
}

TEST_F(FlagfileTest, NestedFileIsReadWhereItIsNamedRelativeToItsParent) {
  mkdir((dir_ + "/sub").c_str(), 0700);
  const std::string inner = Write("sub/inner.flags", "--mss=1400\n");
  const std::string outer = Write("sub/outer.flags", "--ttl=63\n--flagfile=inner.flags\n--wscale=5\n");
  const std::vector<std::string> args = {"--flagfile=" + outer};
  absl::StatusOr<std::vector<FlagArg>> out = ExpandFlagfiles(args);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Texts(*out),
              ElementsAre("--ttl=63@" + outer + ":1", "--mss=1400@" + dir_ + "/sub/inner.flags:1",
                          "--wscale=5@" + outer + ":3"));
  (void)inner;
}

TEST_F(FlagfileTest, ErrorsNameTheFileAndLine) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"--ttl=1\nlisten 1.2.3.4\n", ":2: 'listen 1.2.3.4' is not a flag"},
      {"--local=198.18.0.1 --ttl=1\n", ":1: '--local=198.18.0.1 --ttl=1': one flag per line"},
      {"--\n", ":1: '--' is not a flag"},
      {"\n\n--flagfile\n", ":3: --flagfile needs a value"},
      {"--flagfile=nope.flags\n", ":1: --flagfile=" + dir_ + "/nope.flags: cannot open"},
  };
  for (const Case& c : cases) {
    const std::string f = Write("bad.flags", c.text);
    const std::vector<std::string> args = {"--flagfile=" + f};
    absl::StatusOr<std::vector<FlagArg>> out = ExpandFlagfiles(args);
    ASSERT_FALSE(out.ok()) << c.text;
    EXPECT_THAT(std::string(out.status().message()), HasSubstr(f + c.expected)) << c.text;
  }
}

TEST_F(FlagfileTest, MissingFileAndMissingValue) {
  const std::vector<std::string> missing = {"--flagfile=/nonexistent-dir/x.flags"};
  EXPECT_EQ(ExpandFlagfiles(missing).status().message(),
            "--flagfile=/nonexistent-dir/x.flags: cannot open: No such file or directory");
  const std::vector<std::string> bare = {"--flagfile"};
  EXPECT_EQ(ExpandFlagfiles(bare).status().message(), "--flagfile needs a value: --flagfile=FILE");
}

TEST_F(FlagfileTest, CyclesAndDepthAreRefused) {
  const std::string a = Write("a.flags", "--flagfile=b.flags\n");
  const std::string b = Write("b.flags", "--flagfile=a.flags\n");
  const std::vector<std::string> args = {"--flagfile=" + a};
  EXPECT_THAT(std::string(ExpandFlagfiles(args).status().message()),
              HasSubstr(b + ":1: --flagfile=" + dir_ + "/a.flags: names itself"));

  // A chain one longer than allowed: f0 -> f1 -> ... -> f8.
  for (int i = 0; i <= kMaxFlagfileDepth; ++i) {
    Write("f" + std::to_string(i) + ".flags",
          i < kMaxFlagfileDepth ? "--flagfile=f" + std::to_string(i + 1) + ".flags\n" : "--ttl=1\n");
  }
  const std::vector<std::string> deep = {"--flagfile=" + dir_ + "/f0.flags"};
  EXPECT_THAT(std::string(ExpandFlagfiles(deep).status().message()),
              HasSubstr("nested more than 8 deep"));
  const std::vector<std::string> ok = {"--flagfile=" + dir_ + "/f1.flags"};
  EXPECT_TRUE(ExpandFlagfiles(ok).ok());
}

TEST_F(FlagfileTest, CommandLineOverridesFileAndOriginsFollowTheValueInEffect) {
  const std::string f = Write("a.flags", "--cookies=never\n--max-conns=1000\n--ttl=63\n");
  const std::vector<std::string> args = {"--ttl=9", "--flagfile=" + f};
  absl::StatusOr<FlagValues> v = ParseSynxCommandLine(args);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->cookies, "never");
  EXPECT_EQ(v->max_conns, 1000);
  EXPECT_EQ(v->ttl, 9);
  EXPECT_EQ(WithOrigin(*v, "--max-conns=1000: too many"), f + ":2: --max-conns=1000: too many");
  EXPECT_EQ(WithOrigin(*v, "--cookies is a flag of --role=responder"),
            f + ":1: --cookies is a flag of --role=responder");
  // --ttl's value came from the command line: no origin.
  EXPECT_EQ(WithOrigin(*v, "--ttl=9: bad"), "--ttl=9: bad");
  EXPECT_EQ(WithOrigin(*v, "port 3 does not exist"), "port 3 does not exist");
}

TEST_F(FlagfileTest, EachParseStartsFromTheDefaults) {
  const std::vector<std::string> first = {"--ttl=9", "--verbose"};
  ASSERT_TRUE(ParseSynxCommandLine(first).ok());
  const std::vector<std::string> none;
  absl::StatusOr<FlagValues> v = ParseSynxCommandLine(none);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->ttl, 64);
  EXPECT_FALSE(v->verbose);
  EXPECT_TRUE(v->origins.empty());
}

TEST_F(FlagfileTest, ValueErrorsFromAFileNameItsLine) {
  const std::string f = Write("a.flags", "--ttl=1\n\n--burst=0x\n");
  const std::vector<std::string> args = {"--flagfile=" + f};
  EXPECT_EQ(ParseSynxCommandLine(args).status().message(),
            f + ":3: --burst=0x: expected an integer");
  // In a file, a value never comes from the next line.
  const std::string g = Write("b.flags", "--json\n--ttl=1\n");
  const std::vector<std::string> args_g = {"--flagfile=" + g};
  EXPECT_EQ(ParseSynxCommandLine(args_g).status().message(),
            g + ":1: --json needs a value: --json=FILE|-");
}

TEST(ListCounters, EveryCounterAndDropReasonButNone) {
  const std::string list = CounterList();
  EXPECT_THAT(list, HasSubstr("counter\trx_packets\tframes received\n"));
  EXPECT_THAT(list, HasSubstr("drop\ttcp_table_full\t"));
  EXPECT_THAT(list, ::testing::Not(HasSubstr("drop\tnone\t")));
  size_t lines = 0;
  for (char c : list) lines += c == '\n';
  EXPECT_EQ(lines, static_cast<size_t>(stats::kCounterCount + wire::kDropReasonCount - 1));
}

Config ResponderConfig(uint32_t max_conns, uint32_t mbufs) {
  FlagValues flags;
  flags.max_conns = max_conns;
  flags.mbufs = mbufs;
  absl::StatusOr<Config> c = ValidateConfig(flags);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

TEST(Footprint, TablesAreAbout100BytesPerEntryPerWorker) {
  const Footprint f = EstimateFootprint(ResponderConfig(1'000'000, 8191), 4, 2u << 20);
  EXPECT_EQ(f.workers, 4u);
  EXPECT_EQ(f.entries, 1'000'000u);
  // 64-byte entries, the index at 50 % load, the wheel's 16-byte nodes.
  EXPECT_GT(f.table_bytes, 1'000'000u * 96);
  EXPECT_LT(f.table_bytes, 1'000'000u * 120);
  EXPECT_EQ(f.tables_bytes, 4 * f.table_bytes);
  EXPECT_EQ(f.total(), f.mempool_bytes + f.tables_bytes + f.allowance_bytes);
}

TEST(Footprint, MbufsArePackedIntoPages) {
  // 2 MB hugepages hold 885 mbufs of 2,368 bytes; 4 KB pages hold one.
  const Footprint huge = EstimateFootprint(ResponderConfig(1024, 100'000), 1, 2u << 20);
  const Footprint small = EstimateFootprint(ResponderConfig(1024, 100'000), 1, 4096);
  EXPECT_EQ(huge.mbuf_bytes, small.mbuf_bytes);
  EXPECT_GE(huge.mbuf_stride, huge.mbuf_bytes);
  EXPECT_LT(huge.mbuf_stride, huge.mbuf_bytes + 8);
  EXPECT_EQ(small.mbuf_stride, 4096u);
  EXPECT_GE(small.mempool_bytes, 100'000u * 4096);
  EXPECT_LT(huge.mempool_bytes, 100'000u * 2500);
}

TEST(Footprint, EveryQueuePairGetsItsMinimumOfMbufs) {
  const Footprint f = EstimateFootprint(ResponderConfig(1024, 8191), 8, 4096);
  EXPECT_EQ(f.mbufs, 8 * io::kMinMbufsPerQueuePair);
}

}  // namespace
}  // namespace synx::app
