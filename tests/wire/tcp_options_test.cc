// tcp_options_test.cc — every "options" row of handshake-rules.md §B, and
// the exact bytes of the SYN / timestamp writers.

#include "wire/tcp_options.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace synx::wire {

// Readable failure messages.
void PrintTo(const TcpOptions& o, std::ostream* os) {
  *os << "{mss=" << o.mss << " ws=" << int{o.window_scale}
      << " has_ws=" << o.has_window_scale << " sackp=" << o.sack_permitted
      << " ts=" << o.has_timestamps << "(" << o.ts_val << "," << o.ts_ecr << ")"
      << " tfo=" << o.has_fast_open << "/" << int{o.fast_open_cookie_len}
      << " malformed=" << o.malformed << "}";
}

namespace {

using Bytes = std::vector<uint8_t>;

// Expected-value builders so that each table row states only what it sets.
struct Want {
  TcpOptions o;
  Want& Mss(uint16_t v) { o.mss = v; return *this; }
  Want& Ws(uint8_t v) { o.has_window_scale = true; o.window_scale = v; return *this; }
  Want& SackPerm() { o.sack_permitted = true; return *this; }
  Want& Ts(uint32_t val, uint32_t ecr) {
    o.has_timestamps = true; o.ts_val = val; o.ts_ecr = ecr; return *this;
  }
  Want& Tfo(uint8_t cookie_len) {
    o.has_fast_open = true; o.fast_open_cookie_len = cookie_len; return *this;
  }
  Want& Malformed() { o.malformed = true; return *this; }
};

struct ParseCase {
  std::string name;
  Bytes bytes;
  bool syn;
  TcpOptions want;
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name; }

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const Bytes kMss1460 = {2, 4, 0x05, 0xb4};
const Bytes kWs7 = {3, 3, 7};
const Bytes kSackPerm = {4, 2};
const Bytes kTs = {8, 10, 0, 0, 0, 1, 0, 0, 0, 2};  // TSval 1, TSecr 2

std::vector<ParseCase> ParseCases() {
  std::vector<ParseCase> c;
  auto add = [&](std::string name, Bytes b, bool syn, const Want& w) {
    c.push_back({std::move(name), std::move(b), syn, w.o});
  };
  // Well-formed lists.
  add("Empty", {}, true, Want());
  add("LinuxSyn", {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0xde, 0xad, 0xbe, 0xef,
                   0, 0, 0, 0, 1, 3, 3, 7},
      true, Want().Mss(1460).SackPerm().Ts(0xdeadbeef, 0).Ws(7));
  add("AllNops40", Bytes(40, 1), true, Want());
  add("UnalignedTimestamps", Cat({{1}, kTs, {1}}), false, Want().Ts(1, 2));
  add("UnalignedMss", Cat({{1, 1, 1}, kMss1460}), true, Want().Mss(1460));
  add("UnknownKindSkipped", Cat({{99, 5, 0xaa, 0xbb, 0xcc}, kMss1460}), true,
      Want().Mss(1460));
  add("SackBlocksSkipped", Cat({{5, 10, 0, 0, 0, 1, 0, 0, 0, 2}, kTs}), false,
      Want().Ts(1, 2));
  // Length 0 or 1: stop, keep what came before (no infinite loop).
  add("LengthZero", Cat({kMss1460, {99, 0}, kWs7}), true, Want().Mss(1460).Malformed());
  add("LengthOne", Cat({kMss1460, {99, 1}, kWs7}), true, Want().Mss(1460).Malformed());
  add("KnownKindLengthZero", Cat({kSackPerm, {2, 0, 0, 0}}), true,
      Want().SackPerm().Malformed());
  add("LengthOneFirst", {8, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}, false, Want().Malformed());
  // Kind in the last byte, or length beyond the bytes left: stop, no read.
  add("KindInLastByte", Cat({kMss1460, {3}}), true, Want().Mss(1460).Malformed());
  add("NopInLastByte", Cat({kMss1460, {1}}), true, Want().Mss(1460));
  add("EolInLastByte", Cat({kMss1460, {0}}), true, Want().Mss(1460));
  add("LengthBeyondEnd", Cat({kMss1460, {8, 10, 0, 0, 0, 1}}), true,
      Want().Mss(1460).Malformed());
  add("LengthOnePastEnd", {2, 5, 0x05, 0xb4}, true, Want().Malformed());
  add("LengthExactlyToEnd", {99, 4, 0, 0}, true, Want());
  // Known kind, wrong length: ignored, walk continues by the declared length.
  add("MssLength3", Cat({{2, 3, 0x05}, kWs7}), true, Want().Ws(7));
  add("MssLength5", Cat({{2, 5, 0x05, 0xb4, 0}, kWs7}), true, Want().Ws(7));
  add("WsLength2", Cat({{3, 2}, kMss1460}), true, Want().Mss(1460));
  add("WsLength4", Cat({{3, 4, 7, 0}, kMss1460}), true, Want().Mss(1460));
  add("SackPermLength3", Cat({{4, 3, 0}, kMss1460}), true, Want().Mss(1460));
  add("SackPermLength4", Cat({{4, 4, 0, 0}, kMss1460}), true, Want().Mss(1460));
  add("TsLength8", Cat({{8, 8, 0, 0, 0, 1, 0, 0}, kMss1460}), true, Want().Mss(1460));
  add("TsLength12", Cat({{8, 12, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0}, kMss1460}), true,
      Want().Mss(1460));
  // Bytes after EOL are ignored, even a valid-looking option.
  add("BytesAfterEol", Cat({kMss1460, {0}, kWs7, kSackPerm}), true, Want().Mss(1460));
  add("GarbageAfterEol", Cat({{0}, {2, 0, 99}}), true, Want());
  // Duplicates: the last one wins.
  add("DuplicateMssLastWins", Cat({kMss1460, {2, 4, 0x02, 0x18}}), true, Want().Mss(536));
  add("DuplicateWsLastWins", Cat({kWs7, {3, 3, 2}}), true, Want().Ws(2));
  add("DuplicateTsLastWins", Cat({kTs, {8, 10, 0, 0, 0, 9, 0, 0, 0, 8}}), false,
      Want().Ts(9, 8));
  add("DuplicateTfoLastWins", {34, 2, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8}, true, Want().Tfo(8));
  // MSS 0 is treated as absent: it neither sets nor clears an MSS.
  add("MssZero", {2, 4, 0, 0}, true, Want());
  add("MssZeroAfterValid", Cat({kMss1460, {2, 4, 0, 0}}), true, Want().Mss(1460));
  add("MssOne", {2, 4, 0, 1}, true, Want().Mss(1));  // tiny: the cookie layer's call
  add("MssMax", {2, 4, 0xff, 0xff}, true, Want().Mss(65535));
  // Window scale clamped to 14.
  add("Ws14", {3, 3, 14}, true, Want().Ws(14));
  add("Ws15", {3, 3, 15}, true, Want().Ws(14));
  add("Ws255", {3, 3, 255}, true, Want().Ws(14));
  add("Ws0", {3, 3, 0}, true, Want().Ws(0));
  // SYN-only options on a non-SYN segment are ignored; TS is not SYN-only.
  add("SynOnlyOnNonSyn",
      Cat({kMss1460, kWs7, kSackPerm, {34, 2}, kTs}), false, Want().Ts(1, 2));
  add("SynOnlyOnSyn", Cat({kMss1460, kWs7, kSackPerm, {34, 2}, kTs}), true,
      Want().Mss(1460).Ws(7).SackPerm().Tfo(0).Ts(1, 2));
  // TFO: length 2 (cookie request) or 6..18 and even; others ignored.
  add("TfoLen2", {34, 2}, true, Want().Tfo(0));
  add("TfoLen3", Cat({{34, 3, 0}, kSackPerm}), true, Want().SackPerm());
  add("TfoLen4", {34, 4, 0, 0}, true, Want());
  add("TfoLen5", {34, 5, 0, 0, 0}, true, Want());
  for (uint8_t len = 6; len <= 20; ++len) {
    Bytes b(len, 0xcc);
    b[0] = 34;
    b[1] = len;
    const bool valid = len <= 18 && len % 2 == 0;
    add("TfoLen" + std::to_string(len), b, true,
        valid ? Want().Tfo(static_cast<uint8_t>(len - 2)) : Want());
  }
  return c;
}

class ParseTcpOptionsTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseTcpOptionsTest, Table) {
  const ParseCase& c = GetParam();
  EXPECT_EQ(ParseTcpOptions(c.bytes, c.syn), c.want);
}

INSTANTIATE_TEST_SUITE_P(Rows, ParseTcpOptionsTest, ::testing::ValuesIn(ParseCases()),
                         [](const auto& info) { return info.param.name; });

// Never reads outside the span: the walk sees only the first `n` bytes of a
// buffer whose later bytes would otherwise complete an option.
TEST(ParseTcpOptionsEdgeTest, StopsAtSpanEnd) {
  const Bytes full = {2, 4, 0x05, 0xb4};
  for (size_t n = 0; n < full.size(); ++n) {
    const TcpOptions o = ParseTcpOptions({full.data(), n}, true);
    EXPECT_EQ(o.mss, 0) << n;
    EXPECT_EQ(o.malformed, n >= 1) << n;
  }
}

// Every possible 2-byte and a sweep of 3-byte inputs terminate and never
// report more than they saw.
TEST(ParseTcpOptionsEdgeTest, ExhaustiveShortInputs) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const uint8_t bytes[3] = {static_cast<uint8_t>(a), static_cast<uint8_t>(b), 14};
      const TcpOptions o2 = ParseTcpOptions({bytes, 2}, true);
      EXPECT_FALSE(o2.has_timestamps);
      EXPECT_EQ(o2.mss, 0);
      EXPECT_FALSE(o2.has_window_scale);
      const TcpOptions o3 = ParseTcpOptions({bytes, 3}, true);
      if (a == kOptWindowScale && b == 3) {
        EXPECT_TRUE(o3.has_window_scale);
        EXPECT_EQ(o3.window_scale, 14);
      }
    }
  }
}

// Writers: exact bytes for every combination, then a round trip.
struct WriteCase {
  std::string name;
  SynOptions in;
  Bytes want;
};

void PrintTo(const WriteCase& c, std::ostream* os) { *os << c.name; }

SynOptions Syn(uint16_t mss, bool sack, bool ts, bool ws, uint8_t shift = 0) {
  SynOptions o;
  o.mss = mss;
  o.sack_permitted = sack;
  o.timestamps = ts;
  o.ts_val = ts ? 0x01020304 : 0;
  o.ts_ecr = ts ? 0xa0b0c0d0 : 0;
  o.window_scale = ws;
  o.window_shift = shift;
  return o;
}

const Bytes kWMss = {0x02, 0x04, 0x05, 0xb4};
const Bytes kWSackTs = {0x04, 0x02, 0x08, 0x0a, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0};
const Bytes kWNopTs = {0x01, 0x01, 0x08, 0x0a, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0};
const Bytes kWSack = {0x01, 0x01, 0x04, 0x02};
const Bytes kWWs7 = {0x01, 0x03, 0x03, 0x07};

std::vector<WriteCase> WriteCases() {
  std::vector<WriteCase> c;
  for (int m = 0; m < 16; ++m) {
    const bool mss = m & 1, sack = m & 2, ts = m & 4, ws = m & 8;
    std::string name = std::string(mss ? "Mss" : "") + (sack ? "Sack" : "") +
                       (ts ? "Ts" : "") + (ws ? "Ws" : "");
    if (name.empty()) name = "None";
    Bytes want;
    if (mss) want = Cat({want, kWMss});
    if (ts) want = Cat({want, sack ? kWSackTs : kWNopTs});
    if (!ts && sack) want = Cat({want, kWSack});
    if (ws) want = Cat({want, kWWs7});
    c.push_back({name, Syn(mss ? 1460 : 0, sack, ts, ws, 7), want});
  }
  return c;
}

class WriteSynOptionsTest : public ::testing::TestWithParam<WriteCase> {};

TEST_P(WriteSynOptionsTest, ExactBytesAndRoundTrip) {
  const WriteCase& c = GetParam();
  ASSERT_EQ(SynOptionsLength(c.in), c.want.size());
  EXPECT_EQ(c.want.size() % 4, 0u);
  EXPECT_LE(c.want.size(), kMaxOptionBytes);
  Bytes buf(kMaxOptionBytes + 8, 0xee);  // poisoned
  ASSERT_EQ(WriteSynOptions(c.in, buf.data()), c.want.size());
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + c.want.size()), c.want);
  for (size_t i = c.want.size(); i < buf.size(); ++i) ASSERT_EQ(buf[i], 0xee) << i;

  const TcpOptions back = ParseTcpOptions({buf.data(), c.want.size()}, true);
  EXPECT_EQ(back.mss, c.in.mss);
  EXPECT_EQ(back.sack_permitted, c.in.sack_permitted);
  EXPECT_EQ(back.has_timestamps, c.in.timestamps);
  EXPECT_EQ(back.ts_val, c.in.ts_val);
  EXPECT_EQ(back.ts_ecr, c.in.ts_ecr);
  EXPECT_EQ(back.has_window_scale, c.in.window_scale);
  EXPECT_EQ(back.window_scale, c.in.window_scale ? c.in.window_shift : 0);
  EXPECT_FALSE(back.malformed);
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, WriteSynOptionsTest,
                         ::testing::ValuesIn(WriteCases()),
                         [](const auto& info) { return info.param.name; });

TEST(WriteSynOptionsEdgeTest, ShiftAbove14WrittenAs14) {
  Bytes buf(4, 0);
  ASSERT_EQ(WriteSynOptions(Syn(0, false, false, true, 15), buf.data()), 4u);
  EXPECT_EQ(buf, (Bytes{0x01, 0x03, 0x03, 0x0e}));
}

TEST(WriteSynOptionsEdgeTest, MaximumLength) {
  EXPECT_EQ(SynOptionsLength(Syn(1460, true, true, true, 14)), 20u);
}

TEST(WriteTimestampOptionTest, ExactBytesAndRoundTrip) {
  Bytes buf(kTimestampOptionLength + 4, 0xee);
  ASSERT_EQ(WriteTimestampOption(0xfffffffe, 0x00000001, buf.data()),
            kTimestampOptionLength);
  EXPECT_EQ(buf, (Bytes{0x01, 0x01, 0x08, 0x0a, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x00,
                        0x00, 0x01, 0xee, 0xee, 0xee, 0xee}));
  const TcpOptions o = ParseTcpOptions({buf.data(), kTimestampOptionLength}, false);
  EXPECT_EQ(o, Want().Ts(0xfffffffe, 1).o);
}

}  // namespace
}  // namespace synx::wire
