// parse_bench.cc — BM_ParseFrame: what ParseFrame costs per frame on bursts
// of SYNs with typical (Linux) options, IPv4 and IPv6, swept over burst size,
// and on the handshake's final ACK (NOP NOP TS, as Linux sends it).
//
// Frames are built once outside the timed loop; each burst holds distinct
// flows (source ports differ) so branch predictors see realistic data, and
// checksums are valid so the software verification path (PMD says UNKNOWN)
// is measured, which is the expensive case. The Offloaded variants pass
// kGood, the cost when the NIC has verified checksums.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/frame.h"
#include "wire/tcp_options.h"

namespace synx::wire {
namespace {

constexpr size_t kFrameRoom = 128;

enum class Segment { kSyn, kFinalAck };

// A Linux-like SYN: Ethernet, IPv4 or IPv6, TCP with MSS, SACK-permitted,
// TS, NOP, WS (20 bytes of options); or the ACK that completes the
// handshake: NOP NOP TS (12 bytes).
std::vector<uint8_t> MakeSegment(Family family, uint16_t sport, Segment kind) {
  std::vector<uint8_t> f(kFrameRoom, 0);
  const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 1};
  const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 2};
  std::memcpy(&f[0], dmac, 6);
  std::memcpy(&f[6], smac, 6);
  const bool v4 = family == Family::kV4;
  Store16(&f[12], v4 ? kEtherTypeIpv4 : kEtherTypeIpv6);
  const size_t l3 = 14;
  const size_t l3_len = v4 ? 20 : 40;
  const size_t l4 = l3 + l3_len;
  const bool syn = kind == Segment::kSyn;
  const size_t tcp_len = syn ? 40 : 32;
  IpAddr src, dst;
  if (v4) {
    src = IpAddr::V4(0xC6120002);  // 198.18.0.2
    dst = IpAddr::V4(0xC6120001);  // 198.18.0.1
    f[l3] = 0x45;
    Store16(&f[l3 + 2], static_cast<uint16_t>(l3_len + tcp_len));
    f[l3 + 6] = 0x40;  // DF
    f[l3 + 8] = 64;
    f[l3 + 9] = kProtoTcp;
    std::memcpy(&f[l3 + 12], src.data(), 4);
    std::memcpy(&f[l3 + 16], dst.data(), 4);
    Store16(&f[l3 + 10], Ipv4HeaderChecksum({&f[l3], 20}));
  } else {
    const uint8_t s6[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    const uint8_t d6[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    src = IpAddr::V6Bytes(s6);
    dst = IpAddr::V6Bytes(d6);
    f[l3] = 0x60;
    Store16(&f[l3 + 4], static_cast<uint16_t>(tcp_len));
    f[l3 + 6] = kProtoTcp;
    f[l3 + 7] = 64;
    std::memcpy(&f[l3 + 8], s6, 16);
    std::memcpy(&f[l3 + 24], d6, 16);
  }
  Store16(&f[l4], sport);
  Store16(&f[l4 + 2], 80);
  Store32(&f[l4 + 4], 0x12345678u + sport);
  f[l4 + 12] = static_cast<uint8_t>((tcp_len / 4) << 4);
  if (syn) {
    f[l4 + 13] = 0x02;  // SYN
    Store16(&f[l4 + 14], 64240);
    SynOptions o;
    o.mss = v4 ? 1460 : 1440;
    o.sack_permitted = true;
    o.timestamps = true;
    o.ts_val = 1000 + sport;
    o.window_scale = true;
    o.window_shift = 7;
    WriteSynOptions(o, &f[l4 + 20]);
  } else {
    Store32(&f[l4 + 4], 0x12345678u + sport + 1);
    Store32(&f[l4 + 8], 0x9abcdef0u);
    f[l4 + 13] = 0x10;  // ACK
    Store16(&f[l4 + 14], 502);
    WriteTimestampOption(1001 + sport, 0x01020304, &f[l4 + 20]);
  }
  const uint32_t pseudo = PseudoHeaderSum(src, dst, kProtoTcp, tcp_len);
  Store16(&f[l4 + 16], L4Checksum(pseudo, {&f[l4], tcp_len}, 16));
  f.resize(l4 + tcp_len);
  return f;
}

void ParseBurst(benchmark::State& state, Family family, ChecksumStatus cs,
                Segment kind = Segment::kSyn) {
  const int burst = static_cast<int>(state.range(0));
  std::vector<std::vector<uint8_t>> frames;
  for (int i = 0; i < burst; ++i) {
    frames.push_back(MakeSegment(family, static_cast<uint16_t>(10000 + i), kind));
  }
  // Fail loudly rather than benchmark the drop path.
  if (!ParseFrame(frames[0], cs, cs).ok()) {
    state.SkipWithError("benchmark frame does not parse");
    return;
  }
  for (auto _ : state) {
    for (const auto& f : frames) {
      Frame fr = ParseFrame(f, cs, cs);
      benchmark::DoNotOptimize(fr);
    }
  }
  state.SetItemsProcessed(state.iterations() * burst);
  state.counters["ns_per_frame"] = benchmark::Counter(
      static_cast<double>(state.iterations() * burst),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ParseFrameSynV4(benchmark::State& s) {
  ParseBurst(s, Family::kV4, ChecksumStatus::kUnknown);
}
void BM_ParseFrameSynV6(benchmark::State& s) {
  ParseBurst(s, Family::kV6, ChecksumStatus::kUnknown);
}
void BM_ParseFrameSynV4Offloaded(benchmark::State& s) {
  ParseBurst(s, Family::kV4, ChecksumStatus::kGood);
}
void BM_ParseFrameAckV4(benchmark::State& s) {
  ParseBurst(s, Family::kV4, ChecksumStatus::kUnknown, Segment::kFinalAck);
}
void BM_ParseFrameAckV4Offloaded(benchmark::State& s) {
  ParseBurst(s, Family::kV4, ChecksumStatus::kGood, Segment::kFinalAck);
}

BENCHMARK(BM_ParseFrameSynV4)->RangeMultiplier(2)->Range(1, 64);
BENCHMARK(BM_ParseFrameSynV6)->RangeMultiplier(2)->Range(1, 64);
BENCHMARK(BM_ParseFrameSynV4Offloaded)->RangeMultiplier(2)->Range(1, 64);
BENCHMARK(BM_ParseFrameAckV4)->RangeMultiplier(2)->Range(1, 64);
BENCHMARK(BM_ParseFrameAckV4Offloaded)->RangeMultiplier(2)->Range(1, 64);

}  // namespace
}  // namespace synx::wire

BENCHMARK_MAIN();
