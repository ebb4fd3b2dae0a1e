// worker_test.cc — the real engine::Worker on real mbufs: EAL runs in this
// process (--no-huge, no NIC, no root) and each test builds a net_ring port
// from two rings, so the test injects frames into the port's RX ring, runs
// Poll() with a hand-driven clock, and reads whatever the worker transmitted
// from the TX ring. Replies are compared whole against the scapy-built golden
// frames (tests/wire/golden_frames.h), with the fields the worker chooses
// (ISS, TSval, IPv4 ID) patched to the values it must have chosen and the
// checksums recomputed. Every test ends with the mempool back where it
// started.
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cookie/keys.h"
#include "cookie/syn_cookie.h"
#include "engine/listen_set.h"
#include "engine/worker.h"
#include "gmock/gmock.h"
#include "golden_frames.h"
#include "gtest/gtest.h"
#include "host/host_config.h"
#include "io/eal.h"
#include "io/port.h"
#include "stats/counters.h"
#include "tcp/config.h"
#include "tcp/responder.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/frame.h"

namespace synx::engine {
namespace {

namespace g = wire::golden;
using Bytes = std::vector<uint8_t>;
using stats::Counter;
using wire::DropReason;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::vector<std::string> args = {
        "vdev_worker_test", "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
        absl::StrCat("--file-prefix=synx-vdev-", getpid()),
        "--log-level=lib.eal:warning",
    };
    const absl::Status status = io::InitEal(args);
    ASSERT_TRUE(status.ok()) << status;
  }
  void TearDown() override {
    const std::filesystem::path runtime_dir = rte_eal_get_runtime_dir();
    EXPECT_TRUE(io::CleanupEal().ok());
    std::error_code ignored;
    std::filesystem::remove_all(runtime_dir, ignored);
  }
};

[[maybe_unused]] const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new EalEnvironment);

// 1000 s into the clock, 17 ms past a second: TSvals are not round.
constexpr uint64_t kT0 = 1'000'017'000;
constexpr uint64_t kUnixNow = 1'700'000'000;
constexpr uint32_t kRotateSeconds = 30;

Bytes B(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }

wire::IpAddr Ip(std::string_view s) { return *wire::IpAddr::Parse(s); }

// Offsets and fields of a frame whose checksums may be stale (we patch them).
wire::Frame Parse(const Bytes& b) {
  return wire::ParseFrame(b, wire::ChecksumStatus::kGood,
                          wire::ChecksumStatus::kGood);
}

// Recomputes the IPv4 header and TCP checksums of a TCP frame.
void FixChecksums(Bytes& b) {
  const wire::Frame f = Parse(b);
  ASSERT_EQ(f.kind, wire::FrameKind::kTcp) << wire::DropReasonName(f.drop);
  if (f.family == wire::Family::kV4) {
    uint8_t* ip = b.data() + f.l3_offset;
    const size_t ihl = f.l4_offset - f.l3_offset;
    wire::Store16(ip + 10, 0);
    wire::Store16(ip + 10, wire::Ipv4HeaderChecksum({ip, ihl}));
  }
  uint8_t* tcp = b.data() + f.l4_offset;
  const size_t len = f.end - f.l4_offset;
  wire::Store16(tcp + 16, 0);
  wire::Store16(tcp + 16,
                wire::L4Checksum(wire::PseudoHeaderSum(f.src, f.dst, 6, len),
                                 {tcp, len}, 16));
}

uint8_t* Tcp(Bytes& b) { return b.data() + Parse(b).l4_offset; }

void SetSeq(Bytes& b, uint32_t v) { wire::Store32(Tcp(b) + 4, v); }
void SetAck(Bytes& b, uint32_t v) { wire::Store32(Tcp(b) + 8, v); }
void SetIpId(Bytes& b, uint16_t v) {
  const wire::Frame f = Parse(b);
  ASSERT_EQ(f.family, wire::Family::kV4);
  wire::Store16(b.data() + f.l3_offset + 4, v);
}
void SetSport(Bytes& b, uint16_t v) { wire::Store16(Tcp(b), v); }

// The timestamp option's value (TSval, or TSecr with `ecr`).
uint8_t* TsField(Bytes& b, bool ecr) {
  uint8_t* tcp = Tcp(b);
  const size_t header = (tcp[12] >> 4) * 4;
  for (size_t i = 20; i + 1 < header;) {
    if (tcp[i] == wire::kOptEol) break;
    if (tcp[i] == wire::kOptNop) {
      ++i;
      continue;
    }
    if (tcp[i] == wire::kOptTimestamps) return tcp + i + (ecr ? 6 : 2);
    i += tcp[i + 1];
  }
  ADD_FAILURE() << "no timestamp option";
  static uint8_t sink[4];
  return sink;
}
void SetTsVal(Bytes& b, uint32_t v) { wire::Store32(TsField(b, false), v); }
void SetTsEcr(Bytes& b, uint32_t v) { wire::Store32(TsField(b, true), v); }
uint32_t TsVal(Bytes b) { return wire::Load32(TsField(b, false)); }

std::string Hex(const Bytes& b) {
  std::string s;
  for (size_t i = 0; i < b.size(); ++i) {
    absl::StrAppend(&s, i % 16 == 0 ? "\n" : " ", absl::Hex(b[i], absl::kZeroPad2));
  }
  return s;
}

MATCHER_P(FrameIs, want, "") {
  if (arg == want) return true;
  *result_listener << "got" << Hex(arg) << "\nwant" << Hex(want);
  return false;
}

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> sequence{0};
    const int n = sequence.fetch_add(1);
    rx_ring_ = rte_ring_create(absl::StrCat("wt_rx", n).c_str(), 1024,
                               SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx_ring_ = rte_ring_create(absl::StrCat("wt_tx", n).c_str(), 1024,
                               SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(rx_ring_, nullptr);
    ASSERT_NE(tx_ring_, nullptr);
    rte_ring* rx[] = {rx_ring_};
    rte_ring* tx[] = {tx_ring_};
    const int port_id = rte_eth_from_rings(absl::StrCat("net_ring_wt", n).c_str(),
                                           rx, 1, tx, 1, SOCKET_ID_ANY);
    ASSERT_GE(port_id, 0);
    io::PortOptions options;
    options.port_id = static_cast<uint16_t>(port_id);
    absl::StatusOr<std::unique_ptr<io::Port>> port = io::Port::Open(options);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = std::move(port).value();
    pool_ = port_->mempool();
    in_use_at_start_ = io::MempoolInUse(pool_);

    std::copy(std::begin(g::kOwnMac), std::end(g::kOwnMac), host_.mac.b.begin());
    host_.ttl = g::kReplyTtl;
    ASSERT_EQ(host_.AddAddress(Ip("198.18.0.1")), host::AddResult::kOk);
    ASSERT_EQ(host_.AddAddress(Ip("198.18.0.3")), host::AddResult::kOk);
    ASSERT_EQ(host_.AddAddress(Ip("2001:2::1")), host::AddResult::kOk);
    listen_specs_ = {{Ip("198.18.0.1"), 80, 80}, {Ip("2001:2::1"), 80, 80}};

    // The golden replies' parameters.
    responder_.conn.ttl = g::kReplyTtl;
    responder_.conn.mss_v4 = g::kOwnMssV4;
    responder_.conn.mss_v6 = g::kOwnMssV6;
    responder_.conn.window = g::kOwnSynAckWindow;
    responder_.conn.window_shift = g::kOwnWindowShift;
    SetCookies(cookie::CookieMode::kNever);

    master_.bytes.fill(0x5a);
    absl::StatusOr<std::unique_ptr<cookie::CookieKeys>> keys =
        cookie::CookieKeys::Create(master_, kRotateSeconds, kUnixNow);
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = std::move(keys).value();
  }

  void TearDown() override {
    worker_.reset();
    DrainTx();
    if (port_ != nullptr) {
      EXPECT_TRUE(port_->Close().ok());
      // Every mbuf the test or the worker took is back.
      EXPECT_EQ(io::MempoolInUse(pool_), in_use_at_start_);
    }
    port_.reset();
    rte_ring_free(rx_ring_);
    rte_ring_free(tx_ring_);
  }

  void SetCookies(cookie::CookieMode mode) {
    responder_.cookies =
        cookie::PolicyConfig::ForTable(mode, max_conns_, kRotateSeconds);
  }

  void Start() {
    absl::StatusOr<Worker::Ptr> w = Create();
    ASSERT_TRUE(w.ok()) << w.status();
    worker_ = std::move(w).value();
    now_us_ = kT0;
  }

  absl::StatusOr<Worker::Ptr> Create() {
    worker_.reset();
    listen_ = std::make_unique<ListenSet>(host_);
    for (const ListenSpec& s : listen_specs_) EXPECT_TRUE(listen_->Add(s).ok());
    EXPECT_TRUE(responder_.Validate().ok()) << responder_.Validate();
    WorkerConfig c;
    c.burst = burst_;
    c.port_id = port_->id();
    c.queue_id = 0;
    c.mempool = pool_;
    c.socket_id = SOCKET_ID_ANY;
    c.tx_tcp_checksum_offload = tx_offload_;
    c.max_conns = max_conns_;
    c.seed.k = {1, 2, 3, 4, 5, 6};
    c.responder = &responder_;
    c.keys = keys_.get();
    c.secrets = cookie::FlowSecrets::FromMaster(master_);
    c.host = &host_;
    c.listen = listen_.get();
    c.start_us = kT0;
    return Worker::Create(c);
  }

  rte_mbuf* Mbuf(const Bytes& frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    EXPECT_NE(m, nullptr);
    auto* data = reinterpret_cast<uint8_t*>(
        rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())));
    EXPECT_NE(data, nullptr);
    std::memcpy(data, frame.data(), frame.size());
    return m;
  }

  void Inject(const Bytes& frame) { InjectMbuf(Mbuf(frame)); }
  void InjectMbuf(rte_mbuf* m) {
    ASSERT_EQ(rte_ring_enqueue(rx_ring_, m), 0);
  }

  void Poll() { worker_->Poll(now_us_); }
  void PollAt(uint64_t t) {
    now_us_ = t;
    Poll();
  }

  std::vector<rte_mbuf*> SentMbufs() {
    std::vector<rte_mbuf*> out(rte_ring_count(tx_ring_));
    const unsigned n = rte_ring_dequeue_burst(
        tx_ring_, reinterpret_cast<void**>(out.data()),
        static_cast<unsigned>(out.size()), nullptr);
    out.resize(n);
    return out;
  }

  // Everything the worker transmitted since the last call, freed.
  std::vector<Bytes> Sent() {
    std::vector<Bytes> out;
    for (rte_mbuf* m : SentMbufs()) {
      EXPECT_EQ(m->nb_segs, 1);
      EXPECT_EQ(m->pkt_len, m->data_len);
      const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
      out.emplace_back(d, d + m->data_len);
      rte_pktmbuf_free(m);
    }
    return out;
  }

  // One frame in, its replies out.
  std::vector<Bytes> Exchange(const Bytes& frame) {
    Inject(frame);
    Poll();
    return Sent();
  }

  void DrainTx() {
    for (rte_mbuf* m : SentMbufs()) rte_pktmbuf_free(m);
  }

  stats::Snapshot Counters() const { return worker_->counters().Read(); }

  cookie::FlowTuple Tuple(const Bytes& in) const {
    return tcp::InboundTuple(Parse(in));
  }
  cookie::FlowSecrets Secrets() const {
    return cookie::FlowSecrets::FromMaster(master_);
  }
  // The SYN+ACK a stateful worker owes `syn` at now_us_: `golden` with the
  // RFC 6528 ISS and the keyed TSval the worker must have chosen, IPv4 ID 0.
  Bytes StatefulSynAck(const Bytes& syn, std::span<const uint8_t> golden) {
    Bytes want = B(golden);
    const cookie::FlowTuple t = Tuple(syn);
    SetSeq(want, Secrets().Isn(t, now_us_).value());
    if (Parse(syn).tcp.options.has_timestamps) {
      SetTsVal(want, Secrets().TsOffset(t) + static_cast<uint32_t>(now_us_ / 1000));
    }
    if (Parse(want).family == wire::Family::kV4) SetIpId(want, 0);
    FixChecksums(want);
    return want;
  }

  // The ACK that completes the handshake `synack` started, from golden
  // kAckV4Ts (or any ACK-bearing input) with SEQ/ACK/TSecr to match.
  Bytes CompletingAck(const Bytes& synack, Bytes ack = B(g::kAckV4Ts)) {
    const wire::Frame sa = Parse(synack);
    SetAck(ack, sa.tcp.seq.value() + 1);
    if (sa.tcp.options.has_timestamps) SetTsEcr(ack, sa.tcp.options.ts_val);
    FixChecksums(ack);
    return ack;
  }

  rte_ring* rx_ring_ = nullptr;
  rte_ring* tx_ring_ = nullptr;
  std::unique_ptr<io::Port> port_;
  rte_mempool* pool_ = nullptr;
  uint32_t in_use_at_start_ = 0;

  host::HostConfig host_;
  std::vector<ListenSpec> listen_specs_;
  std::unique_ptr<ListenSet> listen_;
  tcp::ResponderConfig responder_;
  cookie::MasterKey master_;
  std::unique_ptr<cookie::CookieKeys> keys_;
  uint32_t max_conns_ = 1024;
  bool tx_offload_ = false;
  uint16_t burst_ = kBurst;
  Worker::Ptr worker_;
  uint64_t now_us_ = kT0;
};

TEST_F(WorkerTest, AnswersArpEchoAndNeighborSolicitationWithGoldenReplies) {
  Start();
  for (std::span<const uint8_t> in : {std::span<const uint8_t>(g::kArpRequest),
                                      std::span<const uint8_t>(g::kEchoV4),
                                      std::span<const uint8_t>(g::kEchoV6),
                                      std::span<const uint8_t>(g::kNsV6)}) {
    Inject(B(in));
  }
  Poll();
  const std::vector<Bytes> out = Sent();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_THAT(out[0], FrameIs(B(g::kArpReply)));
  EXPECT_THAT(out[1], FrameIs(B(g::kEchoReplyV4)));
  EXPECT_THAT(out[2], FrameIs(B(g::kEchoReplyV6)));
  EXPECT_THAT(out[3], FrameIs(B(g::kNaV6)));
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.rx_packets(), 4u);
  EXPECT_EQ(s.tx_packets(), 4u);
  EXPECT_EQ(s.arp_replies_tx(), 1u);
  EXPECT_EQ(s.icmp_echo_replies_tx(), 2u);
  EXPECT_EQ(s.nd_adverts_tx(), 1u);
  EXPECT_EQ(s.DropsTotal(), 0u);
}

struct SynCase {
  std::string_view name;
  std::span<const uint8_t> syn;
  std::span<const uint8_t> synack;
};

TEST_F(WorkerTest, StatefulSynGetsTheGoldenSynAck) {
  const SynCase cases[] = {
      {"v4_linux", g::kSynV4Linux, g::kSynackV4Linux},
      {"v4_no_options", g::kSynV4NoOptions, g::kSynackV4MssOnly},
      {"v4_data", g::kSynV4Data, g::kSynackV4Data},
      {"v4_vlan", g::kSynV4Vlan, g::kSynackV4Vlan},
      {"v4_qinq", g::kSynV4Qinq, g::kSynackV4Qinq},
      {"v4_ip_options", g::kSynV4IpOptions, g::kSynackV4IpOptions},
      {"v4_padded", g::kSynV4Padded, g::kSynackV4MssOnly},
      {"v6_linux", g::kSynV6Linux, g::kSynackV6Linux},
      {"v6_hbh", g::kSynV6Hbh, g::kSynackV6Hbh},
  };
  for (const SynCase& c : cases) {
    SCOPED_TRACE(c.name);
    Start();  // a fresh table: every case has the same 4-tuple
    const std::vector<Bytes> out = Exchange(B(c.syn));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_THAT(out[0], FrameIs(StatefulSynAck(B(c.syn), c.synack)));
    const stats::Snapshot s = Counters();
    EXPECT_EQ(s.syn_rx(), 1u);
    EXPECT_EQ(s.synack_tx(), 1u);
    EXPECT_EQ(s.cookies_sent(), 0u);
    EXPECT_EQ(s.tx_packets(), 1u);
    EXPECT_EQ(s.syn_data_ignored(), c.name == "v4_data" ? 1u : 0u);
    EXPECT_EQ(worker_->entries(), 1u);
    EXPECT_EQ(worker_->half_open(), 1u);
    EXPECT_EQ(worker_->timers_armed(), 1u);
  }
}

TEST_F(WorkerTest, CookieSynAckCarriesTheCookieAndKeepsNoEntry) {
  SetCookies(cookie::CookieMode::kAlways);
  Start();
  const Bytes syn = B(g::kSynV4Linux);
  const std::vector<Bytes> out = Exchange(syn);
  ASSERT_EQ(out.size(), 1u);
  cookie::CookieCounters macs;
  const wire::Frame f = Parse(syn);
  const cookie::MakeResult cookie =
      cookie::MakeCookie(*keys_, Tuple(syn), f.tcp.seq, f.tcp.options, &macs);
  ASSERT_TRUE(cookie.ok());
  Bytes want = B(g::kSynackV4Linux);
  SetSeq(want, cookie.iss.value());
  // Cookie mode: the flow's per-4-tuple TS offset, as on the stateful path.
  SetTsVal(want, Secrets().TsOffset(Tuple(syn)) + static_cast<uint32_t>(kT0 / 1000));
  SetIpId(want, 0);
  FixChecksums(want);
  EXPECT_THAT(out[0], FrameIs(want));
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.syn_rx(), 1u);
  EXPECT_EQ(s.synack_tx(), 1u);
  EXPECT_EQ(s.cookies_sent(), 1u);
  EXPECT_EQ(s.cookie_macs_computed(), 1u);
  EXPECT_EQ(worker_->entries(), 0u);
  EXPECT_EQ(worker_->timers_armed(), 0u);
}

TEST_F(WorkerTest, StatefulHandshakeReachesEstablishedAndAcknowledgesData) {
  Start();
  const std::vector<Bytes> synack = Exchange(B(g::kSynV4Linux));
  ASSERT_EQ(synack.size(), 1u);
  EXPECT_EQ(worker_->half_open(), 1u);

  now_us_ += 250;
  EXPECT_THAT(Exchange(CompletingAck(synack[0])), ::testing::IsEmpty());
  stats::Snapshot s = Counters();
  EXPECT_EQ(s.established(), 1u);
  EXPECT_EQ(s.cookies_valid(), 0u);
  EXPECT_EQ(worker_->entries(), 1u);
  EXPECT_EQ(worker_->half_open(), 0u);
  // The idle timer runs.
  EXPECT_EQ(worker_->timers_armed(), 1u);

  // Data right after connect() is acknowledged (and discarded).
  now_us_ += 250;
  const std::vector<Bytes> ack = Exchange(CompletingAck(synack[0], B(g::kAckV4Data)));
  ASSERT_EQ(ack.size(), 1u);
  const wire::Frame a = Parse(ack[0]);
  ASSERT_EQ(a.kind, wire::FrameKind::kTcp);
  EXPECT_EQ(a.tcp.flags.bits(), wire::TcpFlags::kAck);
  EXPECT_EQ(a.tcp.seq.value(), Parse(synack[0]).tcp.seq.value() + 1);
  EXPECT_EQ(a.tcp.ack.value(), g::kPeerIsn + 1 + g::kAckDataLen);
  EXPECT_EQ(a.tcp.options.ts_ecr, g::kPeerTsValAck);
  EXPECT_EQ(a.tcp.options.ts_val, Secrets().TsOffset(Tuple(B(g::kSynV4Linux))) +
                                      static_cast<uint32_t>(now_us_ / 1000));
  // Verified, not assumed: the worker computed the checksums in software.
  EXPECT_TRUE(wire::ParseFrame(ack[0]).ok());
  s = Counters();
  EXPECT_EQ(s.data_segments_rx(), 1u);
  EXPECT_EQ(s.data_bytes_rx(), g::kAckDataLen);
  EXPECT_EQ(s.ack_tx(), 1u);
}

TEST_F(WorkerTest, CookieHandshakeReachesEstablished) {
  SetCookies(cookie::CookieMode::kAlways);
  Start();
  const std::vector<Bytes> synack = Exchange(B(g::kSynV4Linux));
  ASSERT_EQ(synack.size(), 1u);
  EXPECT_EQ(worker_->entries(), 0u);
  now_us_ += 300;
  EXPECT_THAT(Exchange(CompletingAck(synack[0])), ::testing::IsEmpty());
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.cookies_sent(), 1u);
  EXPECT_EQ(s.cookies_valid(), 1u);
  EXPECT_EQ(s.cookies_invalid(), 0u);
  EXPECT_EQ(s.established(), 1u);
  EXPECT_EQ(s.cookie_macs_computed(), 2u);
  EXPECT_EQ(worker_->entries(), 1u);
  EXPECT_EQ(worker_->half_open(), 0u);
}

TEST_F(WorkerTest, ForgedCookieAckGetsARst) {
  SetCookies(cookie::CookieMode::kAlways);
  Start();
  const std::vector<Bytes> synack = Exchange(B(g::kSynV4Linux));
  ASSERT_EQ(synack.size(), 1u);
  Bytes ack = CompletingAck(synack[0]);
  SetAck(ack, Parse(ack).tcp.ack.value() ^ 0x100);  // one MAC bit off
  FixChecksums(ack);
  const std::vector<Bytes> out = Exchange(ack);
  ASSERT_EQ(out.size(), 1u);
  const wire::Frame r = Parse(out[0]);
  EXPECT_EQ(r.tcp.flags.bits(), wire::TcpFlags::kRst);
  EXPECT_EQ(r.tcp.seq, Parse(ack).tcp.ack);  // <SEQ=SEG.ACK><CTL=RST>
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.cookies_invalid(), 1u);
  EXPECT_EQ(s.established(), 0u);
  EXPECT_EQ(s.rst_tx(), 1u);
  EXPECT_EQ(worker_->entries(), 0u);
}

TEST_F(WorkerTest, OnEstablishedResetSendsRstAndKeepsNothing) {
  responder_.on_established = tcp::OnEstablished::kReset;
  Start();
  const std::vector<Bytes> synack = Exchange(B(g::kSynV4Linux));
  ASSERT_EQ(synack.size(), 1u);
  const std::vector<Bytes> out = Exchange(CompletingAck(synack[0]));
  ASSERT_EQ(out.size(), 1u);
  const wire::Frame r = Parse(out[0]);
  EXPECT_EQ(r.tcp.flags.bits(), wire::TcpFlags::kRst | wire::TcpFlags::kAck);
  EXPECT_EQ(r.tcp.seq.value(), Parse(synack[0]).tcp.seq.value() + 1);
  EXPECT_EQ(Counters().established(), 1u);
  EXPECT_EQ(Counters().rst_tx(), 1u);
  EXPECT_EQ(worker_->entries(), 0u);
  EXPECT_EQ(worker_->half_open(), 0u);
  EXPECT_EQ(worker_->timers_armed(), 0u);
}

TEST_F(WorkerTest, ClosedPortGetsTheGoldenRst) {
  listen_specs_ = {{Ip("198.18.0.1"), 8080, 8080}, {Ip("2001:2::1"), 8080, 8080}};
  Start();
  std::vector<Bytes> out = Exchange(B(g::kSynV4Linux));
  ASSERT_EQ(out.size(), 1u);
  Bytes want = B(g::kRstAckV4Syn);
  SetIpId(want, 0);
  FixChecksums(want);
  EXPECT_THAT(out[0], FrameIs(want));

  out = Exchange(B(g::kSynV6Linux));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_THAT(out[0], FrameIs(B(g::kRstAckV6Syn)));

  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.rst_tx(), 2u);
  EXPECT_EQ(s.syn_rx(), 0u);
  EXPECT_EQ(worker_->entries(), 0u);
}

TEST_F(WorkerTest, ClosedPortDropIsSilentAndCounted) {
  listen_specs_ = {{Ip("198.18.0.1"), 8080, 8080}};
  responder_.closed_port = tcp::ClosedPort::kDrop;
  Start();
  EXPECT_THAT(Exchange(B(g::kSynV4Linux)), ::testing::IsEmpty());
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.drop(DropReason::kTcpClosedPort), 1u);
  EXPECT_EQ(s.DropsTotal(), 1u);
  EXPECT_EQ(s.rst_tx(), 0u);
}

// The idle timer is re-armed lazily (timer_wheel.h): a segment only moves
// the deadline, and the wheel re-links the entry when the old tick comes.
// On the wire nothing changes: a connection with recent activity outlives
// its first deadline, and one idle for idle_timeout_ms is reset within a
// wheel tick of it.
TEST_F(WorkerTest, IdleTimeoutCountsFromTheLastSegment) {
  responder_.conn.idle_timeout_ms = 2'000;
  Start();
  const std::vector<Bytes> synack = Exchange(B(g::kSynV4Linux));
  ASSERT_EQ(synack.size(), 1u);
  now_us_ = kT0 + 250'000;
  EXPECT_THAT(Exchange(CompletingAck(synack[0])), ::testing::IsEmpty());
  ASSERT_EQ(Counters().established(), 1u);
  // Activity at 1.5 s (a duplicate of the final ACK: acceptable, no reply)
  // moves the deadline from 2.25 s to 3.5 s.
  now_us_ = kT0 + 1'500'000;
  EXPECT_THAT(Exchange(CompletingAck(synack[0])), ::testing::IsEmpty());
  EXPECT_EQ(Counters().idle_timeouts(), 0u);
  // Past the first deadline (and the SYN+ACK's RTO, where the entry's timer
  // was first linked): still there, nothing sent.
  for (uint64_t t = kT0 + 900'000; t < kT0 + 3'499'000; t += 100'000) {
    PollAt(t);
    EXPECT_THAT(Sent(), ::testing::IsEmpty()) << t;
  }
  PollAt(kT0 + 3'499'000);
  EXPECT_THAT(Sent(), ::testing::IsEmpty());
  EXPECT_EQ(worker_->entries(), 1u);
  EXPECT_EQ(worker_->timers_armed(), 1u);
  EXPECT_EQ(Counters().idle_timeouts(), 0u);
  // Idle since 1.5 s: reset within a tick after 3.5 s.
  PollAt(kT0 + 3'500'000 + (1u << kTickShift));
  const std::vector<Bytes> rst = Sent();
  ASSERT_EQ(rst.size(), 1u);
  const wire::Frame f = Parse(rst[0]);
  ASSERT_EQ(f.kind, wire::FrameKind::kTcp);
  EXPECT_TRUE(f.tcp.flags.rst());
  EXPECT_EQ(Counters().idle_timeouts(), 1u);
  EXPECT_EQ(worker_->entries(), 0u);
  EXPECT_EQ(worker_->timers_armed(), 0u);
}

TEST_F(WorkerTest, TimerRetransmitsTheSynAckInAFreshFrameWithTheSameLinkHeader) {
  Start();
  const Bytes syn = B(g::kSynV4Qinq);
  const std::vector<Bytes> first = Exchange(syn);
  ASSERT_EQ(first.size(), 1u);

  // Not before the RTO (1 s)...
  PollAt(kT0 + 999'000);
  EXPECT_THAT(Sent(), ::testing::IsEmpty());
  // ...but within a wheel tick after it.
  PollAt(kT0 + 1'000'000 + (1u << kTickShift));
  const std::vector<Bytes> again = Sent();
  ASSERT_EQ(again.size(), 1u);
  Bytes want = first[0];
  SetTsVal(want, Secrets().TsOffset(Tuple(syn)) + static_cast<uint32_t>(now_us_ / 1000));
  FixChecksums(want);
  EXPECT_THAT(again[0], FrameIs(want));
  EXPECT_NE(TsVal(again[0]), TsVal(first[0]));

  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.synack_tx(), 2u);
  EXPECT_EQ(s.synack_retransmits(), 1u);
  EXPECT_EQ(s.tx_packets(), 2u);
  EXPECT_EQ(worker_->l2_peers(), 1u);
  // Backed off: the next one is 2 s later, not 1 s.
  PollAt(now_us_ + 1'500'000);
  EXPECT_THAT(Sent(), ::testing::IsEmpty());
  PollAt(kT0 + 3'000'000 + 2 * (1u << kTickShift));
  EXPECT_EQ(Sent().size(), 1u);
}

TEST_F(WorkerTest, HalfOpenEntryIsGivenUpAfterTheLastRetransmission) {
  responder_.conn.synack_retries = 1;
  Start();
  ASSERT_EQ(Exchange(B(g::kSynV6Linux)).size(), 1u);
  PollAt(kT0 + 1'100'000);  // retransmission 1
  EXPECT_EQ(Sent().size(), 1u);
  EXPECT_EQ(worker_->entries(), 1u);
  PollAt(kT0 + 3'200'000);  // its own time-out: given up, silently
  EXPECT_THAT(Sent(), ::testing::IsEmpty());
  EXPECT_EQ(worker_->entries(), 0u);
  EXPECT_EQ(worker_->half_open(), 0u);
  EXPECT_EQ(worker_->timers_armed(), 0u);
  EXPECT_EQ(Counters().handshake_timeouts(), 1u);
}

TEST_F(WorkerTest, EmptyMempoolSkipsATimerSendAndNeverStalls) {
  Start();
  ASSERT_EQ(Exchange(B(g::kSynV4Linux)).size(), 1u);
  // Take every mbuf the pool has left.
  std::vector<rte_mbuf*> hoard;
  while (rte_mbuf* m = rte_pktmbuf_alloc(pool_)) hoard.push_back(m);
  PollAt(kT0 + 1'100'000);
  EXPECT_THAT(Sent(), ::testing::IsEmpty());
  stats::Snapshot s = Counters();
  EXPECT_EQ(s.mbuf_alloc_failed(), 1u);
  // Not sent, so not counted as sent; the entry moved on all the same.
  EXPECT_EQ(s.synack_tx(), 1u);
  EXPECT_EQ(s.synack_retransmits(), 0u);
  EXPECT_EQ(worker_->entries(), 1u);
  EXPECT_EQ(worker_->timers_armed(), 1u);
  rte_pktmbuf_free_bulk(hoard.data(), static_cast<unsigned>(hoard.size()));
  // The next retransmission (2 s later, backed off) goes out.
  PollAt(kT0 + 3'200'000);
  EXPECT_EQ(Sent().size(), 1u);
  s = Counters();
  EXPECT_EQ(s.synack_tx(), 2u);
  EXPECT_EQ(s.synack_retransmits(), 1u);
}

TEST_F(WorkerTest, PeerTableFullLeavesOnlyThatFlowWithoutTimerSends) {
  max_conns_ = 2 * L2Peers::kCapacity;
  SetCookies(cookie::CookieMode::kNever);
  Start();
  // One SYN from each of kCapacity + 1 link headers (source MACs).
  const uint32_t flows = L2Peers::kCapacity + 1;
  uint32_t injected = 0;
  while (injected < flows) {
    for (uint32_t k = 0; k < 512 && injected < flows; ++k, ++injected) {
      Bytes b = B(g::kSynV4Linux);
      b[8] = static_cast<uint8_t>(injected >> 16);
      b[9] = static_cast<uint8_t>(injected >> 8);
      b[10] = static_cast<uint8_t>(injected);
      SetSport(b, static_cast<uint16_t>(1024 + injected));
      FixChecksums(b);
      Inject(b);
    }
    for (int p = 0; p < 16; ++p) Poll();
    DrainTx();
  }
  ASSERT_EQ(worker_->entries(), flows);
  EXPECT_EQ(worker_->l2_peers(), L2Peers::kCapacity);
  EXPECT_EQ(Counters().synack_tx(), flows);
  // Every timer fires (32 per poll); all but the last flow are retransmitted.
  now_us_ = kT0 + 1'100'000;
  for (uint32_t p = 0; p < flows / kMaxTimerFires + 2; ++p) {
    Poll();
    DrainTx();
  }
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.synack_retransmits(), flows - 1);
  EXPECT_EQ(s.drop(DropReason::kNoL2Peer), 1u);
  EXPECT_EQ(worker_->timers_armed(), flows);
}

TEST_F(WorkerTest, SynAndItsRetransmissionInOneBurstShareOneEntry) {
  Start();
  Inject(B(g::kSynV4Linux));
  Inject(B(g::kSynV4Linux));
  Poll();
  const std::vector<Bytes> out = Sent();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Parse(out[0]).tcp.seq, Parse(out[1]).tcp.seq);
  EXPECT_EQ(worker_->entries(), 1u);
  EXPECT_EQ(worker_->half_open(), 1u);
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.syn_rx(), 2u);
  EXPECT_EQ(s.synack_tx(), 2u);
  EXPECT_EQ(s.synack_retransmits(), 1u);
}

TEST_F(WorkerTest, FullTableDropsTheSynAndSendsNothing) {
  max_conns_ = 1;
  SetCookies(cookie::CookieMode::kNever);
  Start();
  ASSERT_EQ(Exchange(B(g::kSynV4Linux)).size(), 1u);
  Bytes other = B(g::kSynV4Linux);
  SetSport(other, g::kPeerPort + 1);
  FixChecksums(other);
  EXPECT_THAT(Exchange(other), ::testing::IsEmpty());
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.drop(DropReason::kTcpTableFull), 1u);
  EXPECT_EQ(s.syn_rx(), 2u);
  EXPECT_EQ(s.synack_tx(), 1u);
  EXPECT_EQ(worker_->entries(), 1u);
  EXPECT_EQ(worker_->half_open(), 1u);
}

TEST_F(WorkerTest, DropsWhatIsNotOursWithANamedReason) {
  Start();
  struct Bad {
    std::string_view name;
    Bytes frame;
    DropReason reason;
  };
  std::vector<Bad> bad;
  {
    Bytes b = B(g::kSynV4Linux);
    b[5] = 0x09;  // another host's MAC
    bad.push_back({"other_mac", b, DropReason::kL2NotForUs});
  }
  {
    Bytes b = B(g::kNsV6);
    b[5] = 0x02;  // a solicited-node group that is not ours
    bad.push_back({"other_group", b, DropReason::kL2NotForUs});
  }
  {
    Bytes b = B(g::kSynV4Linux);
    std::fill_n(b.begin(), 6, 0xff);  // TCP in a broadcast frame
    bad.push_back({"broadcast_tcp", b, DropReason::kL2NotUnicast});
  }
  {
    Bytes b = B(g::kEchoV4);
    std::fill_n(b.begin(), 6, 0xff);
    bad.push_back({"broadcast_echo", b, DropReason::kL2NotUnicast});
  }
  {
    Bytes b = B(g::kSynV4Linux);
    b[14 + 19] = 9;  // destination 198.18.0.9
    FixChecksums(b);
    bad.push_back({"not_our_ip", b, DropReason::kTcpNotForUs});
  }
  {
    Bytes b = B(g::kSynV4Linux);
    b[14 + 15] = 3;  // source 198.18.0.3: ours
    FixChecksums(b);
    bad.push_back({"own_source", b, DropReason::kOwnSource});
  }
  {
    Bytes b = B(g::kSynV4Linux);
    b[b.size() - 1] ^= 0x01;  // last option byte: checksum now wrong
    bad.push_back({"bad_checksum", b, DropReason::kTcpBadChecksum});
  }
  {
    Bytes b = B(g::kArpRequest);
    b[41] = 9;  // who has 198.18.0.9?
    bad.push_back({"arp_not_for_us", b, DropReason::kArpNotForUs});
  }
  for (const Bad& c : bad) Inject(c.frame);
  Poll();
  EXPECT_THAT(Sent(), ::testing::IsEmpty());
  const stats::Snapshot s = Counters();
  for (const Bad& c : bad) {
    const bool twice = c.reason == DropReason::kL2NotUnicast ||
                       c.reason == DropReason::kL2NotForUs;
    EXPECT_EQ(s.drop(c.reason), twice ? 2u : 1u) << c.name;
  }
  EXPECT_EQ(s.DropsTotal(), bad.size());
  EXPECT_EQ(s.rx_packets(), bad.size());
  EXPECT_EQ(worker_->entries(), 0u);
}

TEST_F(WorkerTest, ChainedMbufIsDroppedAndBothSegmentsFreed) {
  Start();
  const Bytes syn = B(g::kSynV4Linux);
  rte_mbuf* head = Mbuf(Bytes(syn.begin(), syn.begin() + 40));
  rte_mbuf* tail = Mbuf(Bytes(syn.begin() + 40, syn.end()));
  ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
  InjectMbuf(head);
  Poll();
  EXPECT_THAT(Sent(), ::testing::IsEmpty());
  EXPECT_EQ(Counters().drop(DropReason::kChainedMbuf), 1u);
  EXPECT_EQ(io::MempoolInUse(pool_), in_use_at_start_);
}

TEST_F(WorkerTest, TxChecksumOffloadStoresThePseudoSumAndAsksThePort) {
  tx_offload_ = true;
  Start();
  Inject(B(g::kSynV4Linux));
  Poll();
  std::vector<rte_mbuf*> out = SentMbufs();
  ASSERT_EQ(out.size(), 1u);
  rte_mbuf* m = out[0];
  EXPECT_EQ(m->ol_flags & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM),
            RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM);
  EXPECT_EQ(m->l2_len, 14u);
  EXPECT_EQ(m->l3_len, 20u);
  const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
  EXPECT_EQ(wire::Load16(d + 14 + 20 + 16), g::kSynackV4LinuxPseudoSum);
  rte_pktmbuf_free(m);
}

TEST_F(WorkerTest, RepliesTheTxRingRefusesAreCountedAndFreed) {
  Start();
  // Fill the TX ring (capacity 1023) so that the reply cannot go.
  std::vector<rte_mbuf*> filler(rte_ring_free_count(tx_ring_));
  ASSERT_EQ(rte_pktmbuf_alloc_bulk(pool_, filler.data(),
                                   static_cast<unsigned>(filler.size())),
            0);
  ASSERT_EQ(rte_ring_enqueue_bulk(tx_ring_, reinterpret_cast<void**>(filler.data()),
                                  static_cast<unsigned>(filler.size()), nullptr),
            filler.size());
  Inject(B(g::kSynV4Linux));
  Poll();
  const stats::Snapshot s = Counters();
  EXPECT_EQ(s.tx_dropped(), 1u);
  EXPECT_EQ(s.tx_packets(), 0u);
  EXPECT_EQ(s.tx_bytes(), 0u);
  EXPECT_EQ(s.synack_tx(), 1u);
  // The filler only is in the ring; the refused reply went back to the pool.
  EXPECT_EQ(rte_ring_count(tx_ring_), filler.size());
  DrainTx();
  EXPECT_EQ(io::MempoolInUse(pool_), in_use_at_start_);
}

TEST_F(WorkerTest, BurstSizeBoundsFramesPerPoll) {
  burst_ = 1;
  Start();
  for (uint16_t sport : {1000, 1001, 1002}) {
    Bytes b = B(g::kSynV4Linux);
    SetSport(b, sport);
    FixChecksums(b);
    Inject(b);
  }
  Poll();
  EXPECT_EQ(Sent().size(), 1u);
  EXPECT_EQ(Counters().rx_packets(), 1u);
  Poll();
  Poll();
  EXPECT_EQ(Sent().size(), 2u);
  EXPECT_EQ(Counters().rx_packets(), 3u);
}

TEST_F(WorkerTest, CreateRefusesBadConfigurations) {
  for (uint16_t burst : {0, kBurst + 1}) {
    burst_ = burst;
    absl::StatusOr<Worker::Ptr> w = Create();
    EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument) << burst;
  }
  burst_ = kBurst;
  max_conns_ = 0;
  EXPECT_EQ(Create().status().code(), absl::StatusCode::kInvalidArgument);
  // Memory the EAL cannot give (-m 512) is one clear error, nothing leaked.
  max_conns_ = 1u << 30;
  const absl::StatusOr<Worker::Ptr> huge = Create();
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(huge.status().message()), ::testing::HasSubstr("--max-conns"));
}

TEST_F(WorkerTest, ABurstOfManyFlowsMakesAnEntryEach) {
  Start();
  constexpr int kFlows = 100;  // more than three bursts
  for (int i = 0; i < kFlows; ++i) {
    Bytes b = B(g::kSynV4Linux);
    SetSport(b, static_cast<uint16_t>(10000 + i));
    FixChecksums(b);
    Inject(b);
  }
  for (int i = 0; i < 4; ++i) Poll();
  EXPECT_EQ(Sent().size(), static_cast<size_t>(kFlows));
  EXPECT_EQ(worker_->entries(), static_cast<uint32_t>(kFlows));
  EXPECT_EQ(worker_->half_open(), static_cast<uint32_t>(kFlows));
  EXPECT_EQ(Counters().synack_tx(), static_cast<uint64_t>(kFlows));
  EXPECT_EQ(worker_->l2_peers(), 1u);
}

}  // namespace
}  // namespace synx::engine
