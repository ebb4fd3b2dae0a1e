// initiator_worker_test.cc — the real engine::InitiatorWorker on real mbufs
// against a scripted peer: EAL runs in this process (--no-huge, no NIC, no
// root), each test builds a net_ring port from two rings, reads the SYNs the
// worker transmits from the TX ring and injects what a server would answer
// (SYN+ACK, RST, nothing) into the RX ring, with the clock driven by hand.
// Also ResolveNextHops against injected ARP replies / neighbour
// advertisements. Every test ends with the mempool back where it started.
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
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cookie/isn.h"
#include "cookie/keys.h"
#include "engine/flow_plan.h"
#include "engine/initiator_worker.h"
#include "engine/next_hop.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "host/host_config.h"
#include "io/eal.h"
#include "io/port.h"
#include "stats/counters.h"
#include "tcp/initiator.h"
#include "wire/bytes.h"
#include "wire/checksum.h"
#include "wire/frame.h"
#include "wire/reply.h"

namespace synx::engine {
namespace {

using Bytes = std::vector<uint8_t>;
using stats::Counter;
using wire::DropReason;
using wire::TcpFlags;

class EalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::vector<std::string> args = {
        "vdev_initiator_worker_test", "--no-huge", "-m", "512", "--no-pci",
        "--no-shconf", absl::StrCat("--file-prefix=synx-vdev-init-", getpid()),
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
constexpr uint32_t kPeerIss = 0x5000'0000;
constexpr uint32_t kPeerTsVal = 777'000;
const wire::MacAddr kOwnMac{{0x02, 0, 0, 0, 0, 0x01}};
const wire::MacAddr kPeerMac{{0x02, 0, 0, 0, 0, 0x02}};

wire::IpAddr Ip(std::string_view s) { return *wire::IpAddr::Parse(s); }

// Parsed with checksums verified in software.
wire::Frame Parse(const Bytes& b) {
  return wire::ParseFrame(b, wire::ChecksumStatus::kUnknown,
                          wire::ChecksumStatus::kUnknown);
}

class InitiatorWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> sequence{0};
    const int n = sequence.fetch_add(1);
    rx_ring_ = rte_ring_create(absl::StrCat("iw_rx", n).c_str(), 1024,
                               SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    tx_ring_ = rte_ring_create(absl::StrCat("iw_tx", n).c_str(), 1024,
                               SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    ASSERT_NE(rx_ring_, nullptr);
    ASSERT_NE(tx_ring_, nullptr);
    rte_ring* rx[] = {rx_ring_};
    rte_ring* tx[] = {tx_ring_};
    const int port_id = rte_eth_from_rings(
        absl::StrCat("net_ring_iw", n).c_str(), rx, 1, tx, 1, SOCKET_ID_ANY);
    ASSERT_GE(port_id, 0);
    io::PortOptions options;
    options.port_id = static_cast<uint16_t>(port_id);
    absl::StatusOr<std::unique_ptr<io::Port>> port = io::Port::Open(options);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = std::move(port).value();
    pool_ = port_->mempool();
    in_use_at_start_ = io::MempoolInUse(pool_);

    host_.mac = kOwnMac;
    ASSERT_EQ(host_.AddAddress(Ip("198.18.0.1")), host::AddResult::kOk);
    ASSERT_EQ(host_.AddAddress(Ip("2001:2::1")), host::AddResult::kOk);
    master_.bytes.fill(0x5a);
    rules_.syn_rto_ms = 1000;
    rules_.syn_retries = 3;
    rules_.close = tcp::Close::kRst;
    SetPlan("198.18.0.2:80", "198.18.0.1", 40000, 40009);
  }

  void TearDown() override {
    worker_.reset();
    DrainTx();
    DrainRx();
    if (port_ != nullptr) {
      EXPECT_TRUE(port_->Close().ok());
      EXPECT_EQ(io::MempoolInUse(pool_), in_use_at_start_);
    }
    port_.reset();
    rte_ring_free(rx_ring_);
    rte_ring_free(tx_ring_);
  }

  void SetPlan(const char* targets, const char* sources, uint16_t lo,
               uint16_t hi) {
    plan_.targets = *ParseTargets(targets);
    plan_.sources = *AddrSet::Parse(sources);
    plan_.ports = PortRange{lo, hi};
    next_hops_.assign(plan_.targets.size(), kPeerMac);
  }

  void Start(uint64_t rate, uint64_t connections, uint32_t concurrency = 0,
             InitiatorMode mode = InitiatorMode::kConnect) {
    worker_.reset();
    InitiatorWorkerConfig c;
    c.port_id = port_->id();
    c.queue_id = 0;
    c.mempool = pool_;
    c.max_conns = 64;
    c.seed.k = {1, 2, 3, 4, 5, 6};
    c.mode = mode;
    c.rules = &rules_;
    c.secrets = Secrets();
    c.host = &host_;
    c.plan = &plan_;
    c.rss = &rss_;
    c.next_hops = next_hops_;
    c.rate = rate;
    c.connections = connections;
    c.concurrency = concurrency;
    c.flood_seed = 42;
    c.start_us = kT0;
    absl::StatusOr<InitiatorWorker::Ptr> w = InitiatorWorker::Create(c);
    ASSERT_TRUE(w.ok()) << w.status();
    worker_ = std::move(w).value();
    now_us_ = kT0;
  }

  cookie::FlowSecrets Secrets() const {
    return cookie::FlowSecrets::FromMaster(master_);
  }

  void Inject(const Bytes& frame) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    ASSERT_NE(m, nullptr);
    auto* data = reinterpret_cast<uint8_t*>(
        rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size())));
    ASSERT_NE(data, nullptr);
    std::memcpy(data, frame.data(), frame.size());
    ASSERT_EQ(rte_ring_enqueue(rx_ring_, m), 0);
  }

  void PollAt(uint64_t t) {
    now_us_ = t;
    worker_->Poll(now_us_);
  }

  // Everything the worker transmitted since the last call, freed.
  std::vector<Bytes> Sent() {
    std::vector<Bytes> out;
    void* objs[1024];
    const unsigned n = rte_ring_dequeue_burst(tx_ring_, objs, 1024, nullptr);
    for (unsigned i = 0; i < n; ++i) {
      auto* m = static_cast<rte_mbuf*>(objs[i]);
      EXPECT_EQ(m->nb_segs, 1);
      const auto* d = rte_pktmbuf_mtod(m, const uint8_t*);
      out.emplace_back(d, d + m->data_len);
      rte_pktmbuf_free(m);
    }
    return out;
  }
  void DrainTx() { Sent(); }
  void DrainRx() {
    void* obj;
    while (rte_ring_dequeue(rx_ring_, &obj) == 0) {
      rte_pktmbuf_free(static_cast<rte_mbuf*>(obj));
    }
  }

  stats::Snapshot Counters() const { return worker_->counters().Read(); }

  // What the target sends back to `syn` (a frame synx sent): `flags`,
  // SEQ/ACK as given, SYN options when SYN is set, timestamps echoing the
  // SYN's TSval.
  static Bytes Answer(const Bytes& syn, uint8_t flags, uint32_t seq,
                      uint32_t ack) {
    const wire::Frame s = Parse(syn);
    EXPECT_EQ(s.kind, wire::FrameKind::kTcp);
    wire::TcpReply r;
    r.flags = TcpFlags(flags);
    r.seq = wire::SeqNum(seq);
    r.ack = wire::SeqNum(ack);
    r.window = 65160;
    r.ttl = 64;
    if (r.flags.syn()) {
      r.syn.mss = 1460;
      r.syn.sack_permitted = true;
      r.syn.timestamps = true;
      r.syn.ts_val = kPeerTsVal;
      r.syn.ts_ecr = s.tcp.options.ts_val;
      r.syn.window_scale = true;
      r.syn.window_shift = 7;
    } else if (!r.flags.rst()) {
      r.timestamps = true;
      r.ts_val = kPeerTsVal + 1;
      r.ts_ecr = s.tcp.options.ts_val;
    }
    uint8_t l2[12];
    std::copy(s.src_mac.b.begin(), s.src_mac.b.end(), l2);
    std::copy(s.dst_mac.b.begin(), s.dst_mac.b.end(), l2 + 6);
    Bytes out(200);
    const size_t len = wire::WriteTcpSegment(out, l2, s.dst, s.tcp.dport,
                                             s.src, s.tcp.sport, r);
    out.resize(len);
    return out;
  }
  static Bytes SynAck(const Bytes& syn) {
    return Answer(syn, TcpFlags::kSyn | TcpFlags::kAck, kPeerIss,
                  Parse(syn).tcp.seq.value() + 1);
  }

  std::unique_ptr<io::Port> port_;
  rte_mempool* pool_ = nullptr;
  uint32_t in_use_at_start_ = 0;
  rte_ring* rx_ring_ = nullptr;
  rte_ring* tx_ring_ = nullptr;
  host::HostConfig host_;
  cookie::MasterKey master_;
  tcp::InitiatorConfig rules_;
  FlowPlan plan_;
  RssPlacement rss_;
  std::vector<wire::MacAddr> next_hops_;
  InitiatorWorker::Ptr worker_;
  uint64_t now_us_ = kT0;
};

// The first SYN, field by field and whole: from our MAC to the next hop,
// from the first source address and port to the target, the RFC 6528 ISS,
// every option the configuration offers, the keyed TSval, valid checksums.
TEST_F(InitiatorWorkerTest, FirstSynCarriesTheChosenTupleIssAndOptions) {
  Start(/*rate=*/1000, /*connections=*/3);
  PollAt(kT0);
  const std::vector<Bytes> sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  const wire::Frame f = Parse(sent[0]);
  ASSERT_EQ(f.kind, wire::FrameKind::kTcp) << wire::DropReasonName(f.drop);
  EXPECT_EQ(f.dst_mac, kPeerMac);
  EXPECT_EQ(f.src_mac, kOwnMac);
  EXPECT_EQ(f.src, Ip("198.18.0.1"));
  EXPECT_EQ(f.dst, Ip("198.18.0.2"));
  EXPECT_EQ(f.tcp.sport, 40000);
  EXPECT_EQ(f.tcp.dport, 80);
  EXPECT_EQ(f.ttl, 64);
  EXPECT_EQ(f.tcp.flags.bits(), TcpFlags::kSyn);
  EXPECT_EQ(f.tcp.window, 64240);
  cookie::FlowTuple t;
  t.local = Ip("198.18.0.1");
  t.remote = Ip("198.18.0.2");
  t.local_port = 40000;
  t.remote_port = 80;
  EXPECT_EQ(f.tcp.seq, Secrets().Isn(t, kT0));
  EXPECT_EQ(f.tcp.options.mss, 1460);
  EXPECT_TRUE(f.tcp.options.sack_permitted);
  EXPECT_TRUE(f.tcp.options.has_window_scale);
  EXPECT_EQ(f.tcp.options.window_scale, 7);
  ASSERT_TRUE(f.tcp.options.has_timestamps);
  EXPECT_EQ(f.tcp.options.ts_val,
            Secrets().TsOffset(t) + static_cast<uint32_t>(kT0 / 1000));
  EXPECT_EQ(f.tcp.options.ts_ecr, 0u);
  // The whole frame, as the wire writer makes it from those values.
  wire::TcpReply want;
  want.flags = TcpFlags(TcpFlags::kSyn);
  want.seq = Secrets().Isn(t, kT0);
  want.window = 64240;
  want.syn = {1460, true, true, f.tcp.options.ts_val, 0, true, 7};
  uint8_t l2[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  Bytes whole(200);
  whole.resize(wire::WriteTcpSegment(whole, l2, t.local, 40000, t.remote, 80, want));
  EXPECT_EQ(sent[0], whole);

  const stats::Snapshot c = Counters();
  EXPECT_EQ(c.syn_tx(), 1u);
  EXPECT_EQ(c.tx_packets(), 1u);
  EXPECT_EQ(worker_->in_state(tcp::State::kSynSent), 1u);
  EXPECT_EQ(worker_->progress().open.load(), 1u);
  EXPECT_EQ(worker_->progress().busy.load(), 1u);
}

TEST_F(InitiatorWorkerTest, SynsAreSpacedByTheRateAndStopAtTheQuota) {
  SetPlan("198.18.0.2:80", "198.18.0.1", 40000, 40099);
  Start(/*rate=*/1000, /*connections=*/13);
  PollAt(kT0);
  EXPECT_EQ(Sent().size(), 1u);
  PollAt(kT0 + 999);
  EXPECT_EQ(Sent().size(), 0u);
  PollAt(kT0 + 1000);
  std::vector<Bytes> s = Sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(Parse(s[0]).tcp.sport, 40001);  // the next tuple
  // After 50 ms away, 10 ms of the rate at once (the pacer's burst), not 50.
  PollAt(kT0 + 51'000);
  EXPECT_EQ(Sent().size(), 10u);
  EXPECT_FALSE(worker_->progress().quota_done.load());
  // The 13th and last of the quota.
  PollAt(kT0 + 60'000);
  EXPECT_EQ(Sent().size(), 1u);
  EXPECT_TRUE(worker_->progress().quota_done.load());
  PollAt(kT0 + 90'000);
  EXPECT_EQ(Sent().size(), 0u);
  EXPECT_EQ(worker_->opened(), 13u);
}

// Every tuple in use (SYN-SENT here): no SYN, however many tokens.
TEST_F(InitiatorWorkerTest, NoFreeTupleNoSyn) {
  SetPlan("198.18.0.2:80", "198.18.0.1", 40000, 40002);
  Start(/*rate=*/0, InitiatorWorker::kNoLimit);
  PollAt(kT0);
  EXPECT_EQ(Sent().size(), 3u);
  PollAt(kT0 + 10'000);
  EXPECT_EQ(Sent().size(), 0u);
  EXPECT_EQ(worker_->opened(), 3u);
  EXPECT_EQ(worker_->entries(), 3u);
}

// close=rst: the SYN+ACK is acknowledged in place (the server's accept()
// completes), the latency is recorded, and the RST follows at the next tick.
TEST_F(InitiatorWorkerTest, SynAckIsAcknowledgedThenResetAndLatencyRecorded) {
  Start(1000, 1);
  PollAt(kT0);
  const Bytes syn = Sent().at(0);
  const uint32_t iss = Parse(syn).tcp.seq.value();
  Inject(SynAck(syn));
  PollAt(kT0 + 250);
  std::vector<Bytes> s = Sent();
  ASSERT_EQ(s.size(), 1u);
  const wire::Frame ack = Parse(s[0]);
  ASSERT_EQ(ack.kind, wire::FrameKind::kTcp) << wire::DropReasonName(ack.drop);
  EXPECT_EQ(ack.tcp.flags.bits(), TcpFlags::kAck);
  EXPECT_EQ(ack.tcp.seq.value(), iss + 1);
  EXPECT_EQ(ack.tcp.ack.value(), kPeerIss + 1);
  EXPECT_EQ(ack.tcp.options.ts_ecr, kPeerTsVal);
  EXPECT_EQ(ack.dst_mac, kPeerMac);
  stats::Snapshot c = Counters();
  EXPECT_EQ(c.synack_rx(), 1u);
  EXPECT_EQ(c.established(), 1u);
  const stats::LatencyHistogram& h = worker_->latency();
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.max(), 250'000u);  // ns: 250 µs
  EXPECT_EQ(worker_->progress().busy.load(), 1u);  // the RST is still due

  PollAt(kT0 + 2048);
  s = Sent();
  ASSERT_EQ(s.size(), 1u);
  const wire::Frame rst = Parse(s[0]);
  EXPECT_EQ(rst.tcp.flags.bits(), TcpFlags::kRst | TcpFlags::kAck);
  EXPECT_EQ(rst.tcp.seq.value(), iss + 1);
  c = Counters();
  EXPECT_EQ(c.rst_tx(), 1u);
  EXPECT_EQ(worker_->entries(), 0u);
  EXPECT_EQ(worker_->progress().busy.load(), 0u);
  EXPECT_EQ(worker_->progress().open.load(), 0u);
}

TEST_F(InitiatorWorkerTest, RstIsRefusedAndNothingIsSent) {
  Start(1000, 1);
  PollAt(kT0);
  const Bytes syn = Sent().at(0);
  Inject(Answer(syn, TcpFlags::kRst | TcpFlags::kAck, 0,
                Parse(syn).tcp.seq.value() + 1));
  PollAt(kT0 + 100);
  EXPECT_EQ(Sent().size(), 0u);
  const stats::Snapshot c = Counters();
  EXPECT_EQ(c.refused(), 1u);
  EXPECT_EQ(c.rst_rx(), 1u);
  EXPECT_EQ(c.established(), 0u);
  EXPECT_EQ(c.timeouts(), 0u);
  EXPECT_EQ(worker_->entries(), 0u);
  EXPECT_EQ(worker_->latency().count(), 0u);
  // The entry is gone: its timer sends nothing later.
  PollAt(kT0 + 5'000'000);
  EXPECT_EQ(Sent().size(), 0u);
}

// No answer: the SYN goes again 100, 200 and 400 ms after the previous one
// (the same sequence number; each timer is armed when the last SYN went
// out, and fires at the first 1.024 ms tick after it is due), and the open
// is given up 800 ms after the last one.
TEST_F(InitiatorWorkerTest, SilenceRetransmitsWithBackoffThenTimesOut) {
  rules_.syn_rto_ms = 100;
  rules_.syn_retries = 3;
  Start(1000, 1);
  PollAt(kT0);
  const uint32_t iss = Parse(Sent().at(0)).tcp.seq.value();
  uint64_t sent_at = kT0;
  for (uint64_t wait_ms : {100, 200, 400}) {
    PollAt(sent_at + wait_ms * 1000 - 1);  // not before it is due
    EXPECT_EQ(Sent().size(), 0u) << wait_ms;
    PollAt(sent_at + wait_ms * 1000 + 2048);
    const std::vector<Bytes> s = Sent();
    ASSERT_EQ(s.size(), 1u) << wait_ms;
    const wire::Frame f = Parse(s[0]);
    EXPECT_EQ(f.tcp.flags.bits(), TcpFlags::kSyn);
    EXPECT_EQ(f.tcp.seq.value(), iss);
    sent_at = now_us_;
  }
  PollAt(sent_at + 800'000 - 1);
  EXPECT_EQ(Counters().timeouts(), 0u);
  PollAt(sent_at + 800'000 + 2048);
  EXPECT_EQ(Sent().size(), 0u);
  const stats::Snapshot c = Counters();
  EXPECT_EQ(c.syn_tx(), 4u);
  EXPECT_EQ(c.syn_retransmits(), 3u);
  EXPECT_EQ(c.timeouts(), 1u);
  EXPECT_EQ(c.refused(), 0u);
  EXPECT_EQ(worker_->entries(), 0u);
  EXPECT_EQ(worker_->progress().busy.load(), 0u);
}

// A retransmitted SYN answered: the latency counts from the first SYN.
TEST_F(InitiatorWorkerTest, LatencyCountsFromTheFirstSyn) {
  rules_.syn_rto_ms = 100;
  Start(1000, 1);
  PollAt(kT0);
  Sent();
  PollAt(kT0 + 101'000);
  const Bytes retransmitted = Sent().at(0);
  Inject(SynAck(retransmitted));
  PollAt(kT0 + 101'500);
  EXPECT_EQ(Counters().established(), 1u);
  EXPECT_EQ(worker_->latency().max(), 101'500'000u);
}

// close=fin: FIN+ACK on the handshake's ACK, the peer's ACK and FIN, our
// last ACK, TIME-WAIT — and the tuple is not reused until TIME-WAIT ends.
TEST_F(InitiatorWorkerTest, FinCloseKeepsTheTupleInTimeWait) {
  rules_.close = tcp::Close::kFin;
  rules_.conn.time_wait_ms = 2000;
  SetPlan("198.18.0.2:80", "198.18.0.1", 40000, 40000);  // one tuple
  Start(/*rate=*/0, /*connections=*/2);
  PollAt(kT0);
  std::vector<Bytes> s = Sent();
  ASSERT_EQ(s.size(), 1u);  // the second open has no free tuple
  const Bytes syn = s[0];
  const uint32_t iss = Parse(syn).tcp.seq.value();
  Inject(SynAck(syn));
  PollAt(kT0 + 100);
  s = Sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(Parse(s[0]).tcp.flags.bits(), TcpFlags::kFin | TcpFlags::kAck);
  EXPECT_EQ(Parse(s[0]).tcp.seq.value(), iss + 1);
  // The server acknowledges our FIN and closes too.
  Inject(Answer(syn, TcpFlags::kFin | TcpFlags::kAck, kPeerIss + 1, iss + 2));
  PollAt(kT0 + 200);
  s = Sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(Parse(s[0]).tcp.flags.bits(), TcpFlags::kAck);
  EXPECT_EQ(Parse(s[0]).tcp.ack.value(), kPeerIss + 2);
  EXPECT_EQ(worker_->in_state(tcp::State::kTimeWait), 1u);
  EXPECT_EQ(worker_->progress().open.load(), 0u);
  EXPECT_EQ(worker_->progress().busy.load(), 0u);
  PollAt(kT0 + 1'000'000);
  EXPECT_EQ(Sent().size(), 0u);  // still in TIME-WAIT: not reused
  PollAt(kT0 + 200 + 2'000'000 + 2048);
  s = Sent();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(Parse(s[0]).tcp.flags.bits(), TcpFlags::kSyn);
  EXPECT_EQ(Parse(s[0]).tcp.sport, 40000);
  const stats::Snapshot c = Counters();
  EXPECT_EQ(c.closed(), 1u);
  EXPECT_EQ(c.fin_tx(), 1u);
  EXPECT_EQ(c.syn_tx(), 2u);
}

TEST_F(InitiatorWorkerTest, ConcurrencyCapsOpenConnections) {
  rules_.close = tcp::Close::kNone;
  Start(/*rate=*/0, InitiatorWorker::kNoLimit, /*concurrency=*/2);
  PollAt(kT0);
  std::vector<Bytes> syns = Sent();
  ASSERT_EQ(syns.size(), 2u);
  for (const Bytes& syn : syns) Inject(SynAck(syn));
  PollAt(kT0 + 100);
  EXPECT_EQ(Sent().size(), 2u);  // two ACKs, no new SYN
  PollAt(kT0 + 10'000);
  EXPECT_EQ(Sent().size(), 0u);
  EXPECT_EQ(Counters().established(), 2u);
  EXPECT_EQ(worker_->progress().open.load(), 2u);
  // --close=none holds established connections: nothing left to wait for.
  EXPECT_EQ(worker_->progress().busy.load(), 0u);
}

TEST_F(InitiatorWorkerTest, Ipv6TargetGetsAnIpv6SynAndCompletes) {
  SetPlan("[2001:2::2]:443", "2001:2::1", 50000, 50001);
  Start(1000, 1);
  PollAt(kT0);
  const Bytes syn = Sent().at(0);
  const wire::Frame f = Parse(syn);
  ASSERT_EQ(f.kind, wire::FrameKind::kTcp) << wire::DropReasonName(f.drop);
  EXPECT_EQ(f.family, wire::Family::kV6);
  EXPECT_EQ(f.src, Ip("2001:2::1"));
  EXPECT_EQ(f.dst, Ip("2001:2::2"));
  EXPECT_EQ(f.tcp.dport, 443);
  EXPECT_EQ(f.tcp.options.mss, 1440);
  Inject(SynAck(syn));
  PollAt(kT0 + 300);
  EXPECT_EQ(Sent().size(), 1u);
  EXPECT_EQ(Counters().established(), 1u);
}

// Segments not for one of our source addresses, or from one, never reach
// the rules.
TEST_F(InitiatorWorkerTest, ForeignSegmentsAreDroppedByReason) {
  Start(1000, 1);
  PollAt(kT0);
  const Bytes syn = Sent().at(0);
  Bytes other = SynAck(syn);
  // Rewrite the destination to 198.18.0.9: parse it back to find offsets.
  const wire::Frame f = Parse(other);
  other[f.l3_offset + 19] = 9;
  wire::Store16(other.data() + f.l3_offset + 10, 0);
  wire::Store16(other.data() + f.l3_offset + 10,
                wire::Ipv4HeaderChecksum({other.data() + f.l3_offset, 20}));
  // (The TCP checksum covers the pseudo-header: fix it too.)
  const size_t l4 = f.end - f.l4_offset;
  wire::Store16(other.data() + f.l4_offset + 16, 0);
  wire::Store16(other.data() + f.l4_offset + 16,
                wire::L4Checksum(wire::PseudoHeaderSum(f.src, Ip("198.18.0.9"), 6, l4),
                                 {other.data() + f.l4_offset, l4}, 16));
  Inject(other);
  PollAt(kT0 + 100);
  EXPECT_EQ(Sent().size(), 0u);
  const stats::Snapshot c = Counters();
  EXPECT_EQ(c.drop(DropReason::kTcpNotForUs), 1u);
  EXPECT_EQ(c.synack_rx(), 0u);
}

// A SYN+ACK for no connection of ours (e.g. after we gave up) gets the
// RFC 9293 §3.10.7.1 RST <SEQ=SEG.ACK>, so the server drops its half-open
// entry.
TEST_F(InitiatorWorkerTest, SynAckForNoConnectionIsReset) {
  Start(1000, 1);
  PollAt(kT0);
  const Bytes syn = Sent().at(0);
  Inject(Answer(syn, TcpFlags::kRst | TcpFlags::kAck, 0, Parse(syn).tcp.seq.value() + 1));
  PollAt(kT0 + 10);
  Inject(SynAck(syn));
  PollAt(kT0 + 20);
  const std::vector<Bytes> s = Sent();
  ASSERT_EQ(s.size(), 1u);
  const wire::Frame rst = Parse(s[0]);
  EXPECT_EQ(rst.tcp.flags.bits(), TcpFlags::kRst);
  EXPECT_EQ(rst.tcp.seq.value(), Parse(syn).tcp.seq.value() + 1);
  EXPECT_EQ(Counters().rst_tx(), 1u);
}

// Flood: SYNs from each spoofed source in turn, no state, and what comes
// back is counted and never answered.
TEST_F(InitiatorWorkerTest, FloodSendsStatelessSynsAndCountsAnswers) {
  SetPlan("198.18.0.2:80", "198.19.0.0/30", 1024, 1025);
  Start(/*rate=*/0, /*connections=*/5, 0, InitiatorMode::kFlood);
  PollAt(kT0);
  const std::vector<Bytes> s = Sent();
  ASSERT_EQ(s.size(), 5u);
  const char* kSrc[] = {"198.19.0.1", "198.19.0.2", "198.19.0.1", "198.19.0.2",
                        "198.19.0.1"};
  const uint16_t kPort[] = {1024, 1024, 1025, 1025, 1024};
  for (size_t i = 0; i < s.size(); ++i) {
    const wire::Frame f = Parse(s[i]);
    ASSERT_EQ(f.kind, wire::FrameKind::kTcp);
    EXPECT_EQ(f.src, Ip(kSrc[i])) << i;
    EXPECT_EQ(f.tcp.sport, kPort[i]) << i;
    EXPECT_EQ(f.tcp.flags.bits(), TcpFlags::kSyn);
    EXPECT_EQ(f.dst_mac, kPeerMac);
  }
  EXPECT_NE(Parse(s[0]).tcp.seq, Parse(s[1]).tcp.seq);
  Inject(SynAck(s[0]));
  Inject(Answer(s[1], TcpFlags::kRst | TcpFlags::kAck, 0, 1));
  Inject(Answer(s[2], TcpFlags::kAck, 1, 1));
  PollAt(kT0 + 100);
  EXPECT_EQ(Sent().size(), 0u);
  const stats::Snapshot c = Counters();
  EXPECT_EQ(c.syn_tx(), 5u);
  EXPECT_EQ(c.synack_rx(), 1u);
  EXPECT_EQ(c.rst_rx(), 1u);
  EXPECT_EQ(c.drop(DropReason::kTcpFloodOther), 1u);
  EXPECT_EQ(c.established(), 0u);
  EXPECT_EQ(worker_->entries(), 0u);
  EXPECT_TRUE(worker_->progress().quota_done.load());
}

// No mbuf: the SYN is not sent (not counted) but its entry and timer are
// kept, so it goes out as a retransmission.
TEST_F(InitiatorWorkerTest, NoMbufDefersTheSynToItsRetransmission) {
  rules_.syn_rto_ms = 100;
  Start(1000, 1);
  std::vector<rte_mbuf*> held;
  while (rte_mbuf* m = rte_pktmbuf_alloc(pool_)) held.push_back(m);
  PollAt(kT0);
  EXPECT_EQ(Sent().size(), 0u);
  EXPECT_EQ(Counters().mbuf_alloc_failed(), 1u);
  EXPECT_EQ(Counters().syn_tx(), 0u);
  EXPECT_EQ(worker_->entries(), 1u);
  rte_pktmbuf_free_bulk(held.data(), static_cast<unsigned>(held.size()));
  PollAt(kT0 + 101'024);
  EXPECT_EQ(Sent().size(), 1u);
  EXPECT_EQ(Counters().syn_tx(), 1u);
}

// ---- next-hop resolution ---------------------------------------------------

class ResolveTest : public InitiatorWorkerTest {
 protected:
  ResolveOptions Options(uint32_t timeout_ms, uint32_t retry_ms = 100) {
    ResolveOptions o;
    o.port_id = port_->id();
    o.mempool = pool_;
    o.host = &host_;
    o.timeout_ms = timeout_ms;
    o.retry_ms = retry_ms;
    o.counters = &counters_;
    return o;
  }
  static Bytes ArpReply(const wire::IpAddr& from, const wire::MacAddr& mac) {
    Bytes b(42, 0);
    std::copy(kOwnMac.b.begin(), kOwnMac.b.end(), b.begin());
    std::copy(mac.b.begin(), mac.b.end(), b.begin() + 6);
    wire::Store16(b.data() + 12, 0x0806);
    uint8_t* a = b.data() + 14;
    wire::Store16(a, 1);
    wire::Store16(a + 2, 0x0800);
    a[4] = 6;
    a[5] = 4;
    wire::Store16(a + 6, 2);
    std::copy(mac.b.begin(), mac.b.end(), a + 8);
    std::memcpy(a + 14, from.data(), 4);
    std::copy(kOwnMac.b.begin(), kOwnMac.b.end(), a + 18);
    std::memcpy(a + 24, Ip("198.18.0.1").data(), 4);
    return b;
  }
  static Bytes NeighborAdvert(const wire::IpAddr& from, const wire::MacAddr& mac) {
    Bytes b(14 + 40 + 32, 0);
    std::copy(kOwnMac.b.begin(), kOwnMac.b.end(), b.begin());
    std::copy(mac.b.begin(), mac.b.end(), b.begin() + 6);
    wire::Store16(b.data() + 12, 0x86dd);
    uint8_t* ip = b.data() + 14;
    wire::Store32(ip, 0x60000000u);
    wire::Store16(ip + 4, 32);
    ip[6] = 58;
    ip[7] = 255;
    std::memcpy(ip + 8, from.b.data(), 16);
    const wire::IpAddr own = Ip("2001:2::1");
    std::memcpy(ip + 24, own.b.data(), 16);
    uint8_t* na = ip + 40;
    na[0] = 136;
    na[4] = 0x60;  // solicited, override
    std::memcpy(na + 8, from.b.data(), 16);
    na[24] = 2;  // target link-layer address
    na[25] = 1;
    std::copy(mac.b.begin(), mac.b.end(), na + 26);
    wire::Store16(na + 2, wire::L4Checksum(wire::PseudoHeaderSum(from, own, 58, 32),
                                           {na, 32}, 2));
    return b;
  }
  stats::CounterBlock counters_;
};

TEST_F(ResolveTest, LearnsBothFamiliesFromTheirAnswers) {
  const wire::MacAddr mac4{{0x02, 0, 0, 0, 0, 0x44}};
  const wire::MacAddr mac6{{0x02, 0, 0, 0, 0, 0x66}};
  Inject(ArpReply(Ip("198.18.0.2"), mac4));
  Inject(NeighborAdvert(Ip("2001:2::2"), mac6));
  const std::vector<wire::IpAddr> hops = {Ip("198.18.0.2"), Ip("2001:2::2"),
                                          Ip("198.18.0.2")};
  absl::StatusOr<ResolveResult> r = ResolveNextHops(Options(2000), hops);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->macs, ::testing::ElementsAre(mac4, mac6, mac4));
  EXPECT_TRUE(r->unresolved.empty());
  EXPECT_EQ(r->requests_sent, 2u);  // one per distinct hop
  const std::vector<Bytes> s = Sent();
  ASSERT_EQ(s.size(), 2u);
  const wire::Frame arp = Parse(s[0]);
  ASSERT_EQ(arp.kind, wire::FrameKind::kArp);
  EXPECT_EQ(arp.dst_mac, wire::MacAddr::Broadcast());
  EXPECT_EQ(arp.arp.op, wire::kArpOpRequest);
  EXPECT_EQ(arp.arp.spa, Ip("198.18.0.1"));
  EXPECT_EQ(arp.arp.tpa, Ip("198.18.0.2"));
  const wire::Frame ns = Parse(s[1]);
  ASSERT_EQ(ns.kind, wire::FrameKind::kNeighborSolicit) << wire::DropReasonName(ns.drop);
  EXPECT_EQ(ns.icmp.target, Ip("2001:2::2"));
  const stats::Snapshot c = counters_.Read();
  EXPECT_EQ(c.arp_requests_tx(), 1u);
  EXPECT_EQ(c.nd_solicits_tx(), 1u);
  EXPECT_EQ(c.neighbors_learned(), 2u);
}

// Nobody answers: a request at 0, 300 and 600 ms, then the address is
// named as unresolved at 900 ms.
TEST_F(ResolveTest, SilenceIsReportedWithTheAddress) {
  const std::vector<wire::IpAddr> hops = {Ip("198.18.0.7")};
  absl::StatusOr<ResolveResult> r = ResolveNextHops(Options(900, 300), hops);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->unresolved, ::testing::ElementsAre(Ip("198.18.0.7")));
  EXPECT_EQ(r->macs[0], wire::MacAddr{});
  EXPECT_EQ(r->requests_sent, 3u);
  EXPECT_EQ(Sent().size(), 3u);
}

TEST_F(ResolveTest, NoSourceAddressOfTheFamilyIsAnError) {
  host::HostConfig v4_only;
  v4_only.mac = kOwnMac;
  ASSERT_EQ(v4_only.AddAddress(Ip("198.18.0.1")), host::AddResult::kOk);
  ResolveOptions o = Options(100);
  o.host = &v4_only;
  const std::vector<wire::IpAddr> hops = {Ip("2001:2::2")};
  absl::StatusOr<ResolveResult> r = ResolveNextHops(o, hops);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("2001:2::2"));
}

}  // namespace
}  // namespace synx::engine
