// checksum_test.cc — RFC 1071 sums and RFC 1624 incremental updates.

#include "wire/checksum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "wire/addr.h"
#include "wire/bytes.h"

namespace synx::wire {
namespace {

std::vector<uint8_t> FromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(
        std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// The textbook definition, 16 bits at a time, used as the oracle.
uint32_t ReferenceSum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += Load16(p + i);
  if (n % 2 != 0) sum += uint32_t{p[n - 1]} << 8;
  return sum;
}

IpAddr Ip(std::string_view s) { return *IpAddr::Parse(s); }

// RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 2ddf0, folded ddf2.
TEST(ChecksumTest, Rfc1071Example) {
  const std::vector<uint8_t> b = {0x00, 0x01, 0xf2, 0x03,
                                  0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(FoldChecksum(ChecksumAdd(b)), 0xddf2);
  EXPECT_EQ(FoldChecksum(0x2ddf0), 0xddf2);
}

TEST(ChecksumTest, EmptyAndSingleByte) {
  EXPECT_EQ(ChecksumAdd({}), 0u);
  EXPECT_EQ(ChecksumAdd({}, 1234), 1234u);
  const std::vector<uint8_t> one = {0xab};
  EXPECT_EQ(ChecksumAdd(one), 0xab00u);  // odd byte padded with zero after it
}

TEST(ChecksumTest, AddsToRunningSum) {
  const std::vector<uint8_t> b = {0x12, 0x34, 0x56, 0x78};
  EXPECT_EQ(ChecksumAdd(b, 7), 7u + 0x1234 + 0x5678);
  // A running sum near 2^32 keeps its end-around carry.
  const uint32_t r = ChecksumAdd(b, 0xffffffffu);
  EXPECT_EQ(FoldChecksum(r), FoldChecksum(FoldChecksum(0xffffffffu) +
                                          0x1234u + 0x5678u));
}

// Every length 0..200 at every start offset 0..7 (odd and unaligned
// addresses included) against the 16-bit oracle, folded.
TEST(ChecksumTest, MatchesReferenceAtEveryLengthAndAlignment) {
  std::mt19937 rng(1071);
  std::vector<uint8_t> buf(256);
  for (auto& x : buf) x = static_cast<uint8_t>(rng());
  for (size_t off = 0; off < 8; ++off) {
    for (size_t len = 0; len <= 200; ++len) {
      const uint8_t* p = buf.data() + off;
      EXPECT_EQ(FoldChecksum(ChecksumAdd({p, len})),
                FoldChecksum(ReferenceSum(p, len)))
          << "off " << off << " len " << len;
    }
  }
}

TEST(ChecksumTest, AllOnesLongBufferDoesNotOverflow) {
  const std::vector<uint8_t> buf(65535, 0xff);
  // 32767 words of ffff plus the odd ff00: ones'-complement ff00.
  EXPECT_EQ(FoldChecksum(ChecksumAdd(buf)), 0xff00);
  EXPECT_EQ(FoldChecksum(ChecksumAdd({buf.data(), 65534})), 0xffff);
}

// The classic example header (Wikipedia "IPv4 header checksum"): b861.
TEST(ChecksumTest, KnownIpv4Header) {
  auto h = FromHex("450000730000400040110000c0a80001c0a800c7");
  EXPECT_EQ(Ipv4HeaderChecksum(h), 0xb861);
  // The checksum field is read as zero whatever it holds.
  Store16(h.data() + 10, 0x1234);
  EXPECT_EQ(Ipv4HeaderChecksum(h), 0xb861);
  Store16(h.data() + 10, 0xb861);
  EXPECT_TRUE(ChecksumVerifies(0, h));
  h[8] ^= 1;
  EXPECT_FALSE(ChecksumVerifies(0, h));
}

// Golden packets from scapy 2.5 (the checksums are scapy's):
//   IP(src="198.18.0.1",dst="198.18.0.2",id=1,flags="DF",ttl=64)/
//   TCP(sport=40000,dport=80,seq=1,flags="S",window=64240,
//       options=[("MSS",1460),("SAckOK",b""),("Timestamp",(1,0)),
//                ("NOP",None),("WScale",7)])
TEST(ChecksumTest, TcpOverIpv4WithPseudoHeader) {
  const auto pkt = FromHex(
      "4500003c000140004006ae93c6120001c61200029c4000500000000100000000a002"
      "faf024550000020405b40402080a000000010000000001030307");
  const std::span<const uint8_t> ip(pkt.data(), 20);
  const std::span<const uint8_t> tcp(pkt.data() + 20, pkt.size() - 20);
  EXPECT_EQ(Ipv4HeaderChecksum(ip), 0xae93);
  const uint32_t ph = PseudoHeaderSum(Ip("198.18.0.1"), Ip("198.18.0.2"), 6,
                                      static_cast<uint32_t>(tcp.size()));
  EXPECT_EQ(L4Checksum(ph, tcp, 16), 0x2455);
  EXPECT_TRUE(ChecksumVerifies(ph, tcp));
  // The pseudo-header matters: another destination fails.
  const uint32_t other = PseudoHeaderSum(Ip("198.18.0.1"), Ip("198.18.0.3"), 6,
                                         static_cast<uint32_t>(tcp.size()));
  EXPECT_FALSE(ChecksumVerifies(other, tcp));
}

//   IPv6(src="2001:2::1",dst="2001:2::2",hlim=64)/
//   TCP(sport=40000,dport=80,seq=1,flags="S",window=64240)/b"abc"
// 23 bytes of TCP: an odd length.
TEST(ChecksumTest, TcpOverIpv6WithPseudoHeaderOddLength) {
  const auto pkt = FromHex(
      "600000000017064020010002000000000000000000000001200100020000000000000"
      "000000000029c40005000000001000000005002faf013f20000616263");
  const std::span<const uint8_t> tcp(pkt.data() + 40, pkt.size() - 40);
  ASSERT_EQ(tcp.size(), 23u);
  const uint32_t ph = PseudoHeaderSum(Ip("2001:2::1"), Ip("2001:2::2"), 6,
                                      static_cast<uint32_t>(tcp.size()));
  EXPECT_EQ(L4Checksum(ph, tcp, 16), 0x13f2);
  EXPECT_TRUE(ChecksumVerifies(ph, tcp));
  std::vector<uint8_t> bad(tcp.begin(), tcp.end());
  bad.back() ^= 0x01;
  EXPECT_FALSE(ChecksumVerifies(ph, bad));
}

//   IP(src="198.18.0.1",dst="198.18.0.2",id=1)/ICMP(id=7,seq=1)/b"hello"
TEST(ChecksumTest, Icmpv4HasNoPseudoHeader) {
  const auto pkt =
      FromHex("45000021000100004001eeb3c6120001c61200020800b4250007000168656c6c6f");
  const std::span<const uint8_t> icmp(pkt.data() + 20, pkt.size() - 20);
  EXPECT_EQ(L4Checksum(0, icmp, 2), 0xb425);
  EXPECT_TRUE(ChecksumVerifies(0, icmp));
}

TEST(ChecksumTest, PseudoHeaderSumWords) {
  // v4: 4 address words + protocol + length.
  EXPECT_EQ(PseudoHeaderSum(IpAddr::V4(0x01020304), IpAddr::V4(0x05060708), 6, 20),
            0x0102u + 0x0304u + 0x0506u + 0x0708u + 6u + 20u);
  // v6: the 32-bit length contributes both halves.
  const IpAddr a = Ip("::1");
  const IpAddr b = Ip("::2");
  EXPECT_EQ(PseudoHeaderSum(a, b, 58, 0x12345), 1u + 2u + 58u + 0x1u + 0x2345u);
}

// A 20-byte TCP-like header plus pseudo-header words as the checksummed
// data; the checksum itself at offset 16.
struct Packet {
  std::vector<uint8_t> bytes;
  uint32_t pseudo = 0;
  uint16_t Full() const { return L4Checksum(pseudo, bytes, 16); }
};

TEST(ChecksumTest, AdjustAgreesWithFullRecomputation) {
  std::mt19937 rng(1624);
  for (int iter = 0; iter < 20000; ++iter) {
    Packet p;
    p.bytes.resize(24);
    for (auto& x : p.bytes) x = static_cast<uint8_t>(rng());
    p.pseudo = PseudoHeaderSum(IpAddr::V4(static_cast<uint32_t>(rng())),
                               IpAddr::V4(static_cast<uint32_t>(rng())), 6, 24);
    uint16_t csum = p.Full();
    // Rewrite a 16-bit word (not the checksum itself).
    size_t at = 2 * (rng() % 12);
    if (at == 16) at = 0;
    const uint16_t old_word = Load16(p.bytes.data() + at);
    uint16_t new_word = static_cast<uint16_t>(rng());
    // Bias towards the ones'-complement zero edges.
    switch (iter % 8) {
      case 0: new_word = 0x0000; break;
      case 1: new_word = 0xffff; break;
      default: break;
    }
    Store16(p.bytes.data() + at, new_word);
    const uint16_t adjusted = ChecksumAdjust(csum, old_word, new_word);
    ASSERT_EQ(adjusted, p.Full()) << "iter " << iter;
    Store16(p.bytes.data() + 16, adjusted);
    ASSERT_TRUE(ChecksumVerifies(p.pseudo, p.bytes));

    // And a 32-bit field (sequence / acknowledgment number).
    csum = adjusted;
    const size_t at32 = 4 * (1 + rng() % 2);
    const uint32_t old32 = Load32(p.bytes.data() + at32);
    uint32_t new32 = static_cast<uint32_t>(rng());
    if (iter % 8 == 2) new32 = 0;
    if (iter % 8 == 3) new32 = 0xffffffffu;
    if (iter % 8 == 4) new32 = 0x0000ffffu;
    Store32(p.bytes.data() + at32, new32);
    const uint16_t adjusted32 = ChecksumAdjust32(csum, old32, new32);
    ASSERT_EQ(adjusted32, p.Full()) << "iter " << iter;
    Store16(p.bytes.data() + 16, adjusted32);
    ASSERT_TRUE(ChecksumVerifies(p.pseudo, p.bytes));
  }
}

// The checksum value 0x0000 (the data sum folds to 0xffff) as starting
// point, and 0x0000 <-> 0xffff word rewrites that leave the sum unchanged.
TEST(ChecksumTest, AdjustAtZeroChecksumEdge) {
  Packet p;
  p.bytes = {0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  p.pseudo = 0;
  // Make the data sum 0xffff: 0x1234 + x = 0xffff.
  Store16(p.bytes.data() + 2, 0xffff - 0x1234);
  ASSERT_EQ(p.Full(), 0x0000);
  const uint16_t csum = p.Full();

  // 0x0000 -> 0xffff at word 4 and back: ones'-complement zero both ways.
  Store16(p.bytes.data() + 4, 0xffff);
  const uint16_t up = ChecksumAdjust(csum, 0x0000, 0xffff);
  EXPECT_EQ(up, p.Full());
  Store16(p.bytes.data() + 4, 0x0000);
  const uint16_t down = ChecksumAdjust(up, 0xffff, 0x0000);
  EXPECT_EQ(down, p.Full());
  EXPECT_EQ(down, 0x0000);

  // A change that takes the checksum away from 0x0000 and back again.
  Store16(p.bytes.data() + 6, 0x0001);
  const uint16_t away = ChecksumAdjust(csum, 0x0000, 0x0001);
  EXPECT_EQ(away, p.Full());
  EXPECT_EQ(away, 0xfffe);
  Store16(p.bytes.data() + 6, 0x0000);
  EXPECT_EQ(ChecksumAdjust(away, 0x0001, 0x0000), 0x0000);
}

}  // namespace
}  // namespace synx::wire
