// json_test — the JsonWriter's exact output, and the test-only checker that
// the summary tests rely on (it must reject what is not JSON).
#include "stats/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "json_checker.h"

namespace synx::stats {
namespace {

using testing::JsonChecker;

TEST(JsonWriter, CompactNesting) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a").Uint(1);
  w.Key("b")
      .BeginArray()
      .Int(-2)
      .Bool(true)
      .Null()
      .BeginObject()
      .EndObject()
      .EndArray();
  w.Key("c").BeginObject().Key("d").String("x").EndObject();
  w.Key("e").BeginArray().EndArray();
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[-2,true,null,{}],"c":{"d":"x"},"e":[]})");
}

TEST(JsonWriter, IndentedNesting) {
  JsonWriter w(2);
  w.BeginObject();
  w.Key("a").Uint(1);
  w.Key("b").BeginArray().Uint(2).Uint(3).EndArray();
  w.Key("c").BeginObject().EndObject();
  w.EndObject();
  EXPECT_EQ(w.str(),
            "{\n  \"a\": 1,\n  \"b\": [\n    2,\n    3\n  ],\n  \"c\": {}\n}");
}

TEST(JsonWriter, EscapesStrings) {
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"plain", R"("plain")"},
      {"q\"uote", R"("q\"uote")"},
      {"back\\slash", R"("back\\slash")"},
      {"nl\ncr\rtab\t", R"("nl\ncr\rtab\t")"},
      {"\b\f", R"("\b\f")"},
      {std::string("nul\0x", 5), R"("nul\u0000x")"},
      {"\x01\x1f\x7f", R"("\u0001\u001f\u007f")"},
      {"caf\xc3\xa9 \xe2\x82\xac",
       "\"caf\xc3\xa9 \xe2\x82\xac\""},  // UTF-8 kept
      {"/", R"("/")"},
      {"", R"("")"},
  };
  for (const Case& c : cases) {
    std::string out;
    JsonWriter::AppendQuoted(&out, c.in);
    EXPECT_EQ(out, c.out);
    std::string error;
    EXPECT_TRUE(JsonChecker::Parse(out, &error).has_value())
        << out << ": " << error;
  }
  JsonWriter w;
  w.BeginObject().Key("k\"ey").String("v").EndObject();
  EXPECT_EQ(w.str(), R"({"k\"ey":"v"})");
}

TEST(JsonWriter, Numbers) {
  JsonWriter w;
  w.BeginArray();
  w.Uint(0).Uint(std::numeric_limits<uint64_t>::max());
  w.Int(std::numeric_limits<int64_t>::min());
  w.Double(0.1).Double(-2.5).Double(1e21).Double(3.0);
  w.Double(std::nan("")).Double(INFINITY).Double(-INFINITY);
  w.Fixed(12.3456, 3)
      .Fixed(2.0, 3)
      .Fixed(0.0005, 3)
      .Fixed(1e6, 0)
      .Fixed(NAN, 3);
  w.EndArray();
  EXPECT_EQ(w.str(),
            "[0,18446744073709551615,-9223372036854775808,0.1,-2.5,1e+21,3,"
            "null,null,null,12.346,2.000,0.001,1000000,null]");
  std::string error;
  EXPECT_TRUE(JsonChecker::Parse(w.str(), &error).has_value()) << error;
}

TEST(JsonWriter, TakeMovesTheText) {
  JsonWriter w;
  w.BeginObject().EndObject();
  EXPECT_EQ(w.Take(), "{}");
}

TEST(JsonChecker, AcceptsJson) {
  for (const char* ok :
       {"{}", "[]", "0", "-0.5e-3", "\"a\\u00e9\"",
        " {\"a\" : [1, 2.0, true, false, null]} ", "{\"a\":{\"b\":{}}}"}) {
    std::string error;
    EXPECT_TRUE(JsonChecker::Parse(ok, &error).has_value())
        << ok << ": " << error;
  }
}

TEST(JsonChecker, RejectsWhatIsNotJson) {
  for (const char* bad : {"", "{", "{\"a\":1,}", "[1,]", "{a:1}", "01", "1.",
                          ".5", "+1", "\"tab\there\"", "\"\\x\"", "NaN",
                          "{\"a\" 1}", "{} {}", "[1 2]", "tru", "\"open"}) {
    std::string error;
    EXPECT_FALSE(JsonChecker::Parse(bad, &error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace synx::stats
