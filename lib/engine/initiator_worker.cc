// initiator_worker.cc — the initiator's burst loop. Steps are numbered as
// in design.md §3; step 7 also opens the new connections.

#include "engine/initiator_worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <new>

#include "absl/strings/str_cat.h"
#include "engine/event_counters.h"
#include "tcp/responder.h"  // InboundTuple
#include "wire/reply.h"

namespace synx::engine {
namespace {

using stats::Counter;
using tcp::Bit;
using tcp::Event;
using wire::DropReason;

// The pacer's burst: 10 ms of the rate, 1..kMaxOpensPerPoll (32). A worker
// that lost the CPU for up to 10 ms (a shared core, an interrupt storm)
// catches up instead of falling behind the rate for good, and a receiver
// still never sees more than 32 SYNs back to back from one worker: far less
// than any NIC ring or listen backlog.
uint32_t PacerBurst(uint64_t rate) {
  return static_cast<uint32_t>(std::clamp<uint64_t>(
      rate / 100, 1, InitiatorWorker::kMaxOpensPerPoll));
}

}  // namespace

void InitiatorWorker::Deleter::operator()(InitiatorWorker* w) const {
  w->~InitiatorWorker();
  rte_free(w);
}

absl::StatusOr<InitiatorWorker::Ptr> InitiatorWorker::Create(
    const InitiatorWorkerConfig& config) {
  if (config.rules == nullptr || config.host == nullptr ||
      config.plan == nullptr || config.mempool == nullptr) {
    return absl::InvalidArgumentError(
        "initiator worker: rules, host, plan and mempool must be set");
  }
  const bool connect = config.mode == InitiatorMode::kConnect;
  if (connect && config.rss == nullptr) {
    return absl::InvalidArgumentError(
        "initiator worker: connect mode needs the RSS placement");
  }
  if (config.burst == 0 || config.burst > kBurst) {
    return absl::InvalidArgumentError(absl::StrCat(
        "initiator worker: burst ", config.burst, " outside 1..", kBurst));
  }
  const FlowPlan& plan = *config.plan;
  if (plan.targets.empty() || plan.targets.size() > kMaxTargets) {
    return absl::InvalidArgumentError(absl::StrCat(
        "initiator worker: 1..", kMaxTargets, " targets, got ",
        plan.targets.size()));
  }
  if (config.next_hops.size() != plan.targets.size()) {
    return absl::InvalidArgumentError(
        "initiator worker: one next-hop MAC per target");
  }
  for (const Target& t : plan.targets) {
    if (plan.sources.count(t.addr.family) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "initiator worker: no source address of the family of ",
          FormatTarget(t)));
    }
  }
  if (absl::Status s = config.rules->Validate(); !s.ok()) return s;

  const uint64_t start_us = config.start_us != 0
                                ? config.start_us
                                : TscClock(rte_get_tsc_hz()).ToUs(rte_rdtsc());
  std::optional<Connections> conns;
  if (connect) {
    ConnectionsOptions options;
    options.max_conns = config.max_conns;
    options.seed = config.seed;
    const tcp::ConnectionConfig& c = config.rules->conn;
    options.longest_timer_ms =
        std::max({uint64_t{c.idle_timeout_ms}, uint64_t{c.time_wait_ms},
                  uint64_t{c.max_rto_ms}});
    options.start_us = start_us;
    options.socket_id = config.socket_id;
    options.queue_id = config.queue_id;
    absl::StatusOr<Connections> created = Connections::Create(options);
    if (!created.ok()) return created.status();
    conns.emplace(std::move(*created));
  }

  uint64_t* syn_ns = nullptr;
  if (connect) {
    syn_ns = static_cast<uint64_t*>(
        rte_zmalloc_socket("synx_initiator_syn_ns", sizeof(uint64_t) * config.max_conns,
                           RTE_CACHE_LINE_SIZE, config.socket_id));
    if (syn_ns == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "initiator worker for queue ", config.queue_id, ": rte_zmalloc_socket of ",
          sizeof(uint64_t) * config.max_conns, " bytes on socket ", config.socket_id,
          " failed (lower --max-conns or give EAL more memory with -m / hugepages)"));
    }
  }
  void* self = rte_zmalloc_socket("synx_initiator_worker",
                                  sizeof(InitiatorWorker), RTE_CACHE_LINE_SIZE,
                                  config.socket_id);
  if (self == nullptr) {
    rte_free(syn_ns);
    return absl::ResourceExhaustedError(absl::StrCat(
        "initiator worker for queue ", config.queue_id,
        ": rte_zmalloc_socket of ", sizeof(InitiatorWorker),
        " bytes on socket ", config.socket_id,
        " failed (give EAL more memory with -m / hugepages)"));
  }
  InitiatorWorkerConfig c = config;
  c.start_us = start_us;
  return Ptr(new (self) InitiatorWorker(c, std::move(conns), syn_ns));
}

InitiatorWorker::InitiatorWorker(const InitiatorWorkerConfig& config,
                                 std::optional<Connections> conns,
                                 uint64_t* syn_ns)
    : config_(config),
      rules_(*config.rules),
      host_(*config.host),
      plan_(*config.plan),
      step_(config.mode == InitiatorMode::kFlood
                ? (config.tx_tcp_checksum_offload
                       ? &InitiatorWorker::Step<true, true>
                       : &InitiatorWorker::Step<false, true>)
                : (config.tx_tcp_checksum_offload
                       ? &InitiatorWorker::Step<true, false>
                       : &InitiatorWorker::Step<false, false>)),
      clock_(rte_get_tsc_hz()),
      ns_clock_(rte_get_tsc_hz(), TscClock::kNanoseconds),
      conns_(std::move(conns)),
      context_(*config.rules, config.secrets),
      pacer_(config.rate, PacerBurst(config.rate), config.start_us),
      concurrency_(config.concurrency != 0 ? config.concurrency
                                           : config.max_conns),
      rng_(config.flood_seed),
      syn_ns_(syn_ns) {
  if (conns_) cursor_.emplace(plan_, *config.rss, config.queue_id);
  for (size_t i = 0; i < plan_.targets.size(); ++i) {
    std::array<uint8_t, 12>& l2 = target_l2_[i];
    std::copy(config.next_hops[i].b.begin(), config.next_hops[i].b.end(),
              l2.begin());
    std::copy(host_.mac.b.begin(), host_.mac.b.end(), l2.begin() + 6);
    target_peer_[i] = conns_ ? conns_->peers().InternHeader(
                                   config.next_hops[i].b, host_.mac.b)
                             : L2Peers::kNone;
  }
  Publish();
}

InitiatorWorker::~InitiatorWorker() { rte_free(syn_ns_); }

uint64_t InitiatorWorker::NowUs() const { return clock_.ToUs(rte_rdtsc()); }

uint16_t InitiatorWorker::Poll() {
  const uint64_t tsc = rte_rdtsc();
  return PollAt(clock_.ToUs(tsc), ns_clock_.ToNs(tsc));
}

void InitiatorWorker::Run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) Poll();
}

uint16_t InitiatorWorker::PollAt(uint64_t now_us, uint64_t now_ns) {
  now_ns_ = now_ns;
  // 1. Receive.
  rte_mbuf* rx[kBurst];
  const uint16_t n =
      rte_eth_rx_burst(config_.port_id, config_.queue_id, rx, config_.burst);
  // 2-5, 7.
  (this->*step_)(rx, n, now_us);
  // 6. One tx burst on the same queue; free the refused and the dropped.
  batch_.Flush(config_.port_id, config_.queue_id, counters_);
  Publish();
  return n;
}

template <bool kL4Offload, bool kFlood>
void InitiatorWorker::Step(rte_mbuf** rx, uint16_t n, uint64_t now_us) {
  if (n != 0) ProcessBurst<kL4Offload, kFlood>(rx, n, now_us);
  if constexpr (kFlood) {
    FloodSyns<kL4Offload>(now_us);
  } else {
    // 7. Timers first (their segments share the burst), then new SYNs.
    conns_->RunTimers<kL4Offload>(
        now_us, config_.mempool, batch_, counters_,
        [&](const tcp::Tcb& tcb) {
          return tcp::OnTimer(rules_, tcb, now_us);
        },
        [&](const tcp::Tcb& tcb, const tcp::Action& a) { Track(&tcb, a); });
    OpenConnections<kL4Offload>(now_us);
  }
}

template <bool kL4Offload, bool kFlood>
void InitiatorWorker::ProcessBurst(rte_mbuf** rx, uint16_t n,
                                   uint64_t now_us) {
  n_tcp_ = 0;
  // 2. Parse each frame once; ARP / echo / ND are answered at once; TCP
  // segments to our source addresses go on.
  ParseBurst(rx, n, host_, frames_, batch_, counters_,
             [&](uint16_t i, rte_mbuf* m, const wire::Frame& f) {
               // Only our source addresses have connections (in flood mode:
               // the spoofed range the answers come back to).
               if (!plan_.sources.Contains(f.dst)) [[unlikely]] {
                 Drop(m, DropReason::kTcpNotForUs);
                 return;
               }
               if (plan_.sources.Contains(f.src) || host_.IsOwn(f.src))
                   [[unlikely]] {
                 Drop(m, DropReason::kOwnSource);
                 return;
               }
               if constexpr (kFlood) {
                 // No state: count what came back, answer nothing.
                 const tcp::Action a = tcp::OnFloodSegment(f.tcp);
                 CountEvents(counters_, a.events);
                 if (a.verdict == tcp::Verdict::kDrop) {
                   Drop(m, a.drop);
                 } else {
                   batch_.Free(m);
                 }
                 return;
               }
               const uint32_t j = n_tcp_++;
               tcp_frame_[j] = static_cast<uint8_t>(i);
               keys_[j] = flow::FlowKey::Make(f.dst, f.tcp.dport, f.src,
                                              f.tcp.sport);
             });
  if constexpr (!kFlood) {
    if (n_tcp_ == 0) return;
    // 3. Hash every key, prefetch buckets and entries, look them up.
    conns_->FindBulk(keys_, n_tcp_, handles_, hashes_);
    // 4-5. Decide and carry out, in arrival order.
    for (uint32_t j = 0; j < n_tcp_; ++j) {
      ApplySegmentAction<kL4Offload>(rx[tcp_frame_[j]], frames_[tcp_frame_[j]],
                                     j, now_us);
    }
  }
}

template <bool kL4Offload>
void InitiatorWorker::ApplySegmentAction(rte_mbuf* m, const wire::Frame& f,
                                         uint32_t j, uint64_t now_us) {
  const uint64_t hash = hashes_[j];
  const flow::FlowHandle h = conns_->Current(keys_[j], hash, handles_[j]);
  const tcp::Tcb* const tcb = h.valid() ? &conns_->table().value(h) : nullptr;
  const tcp::Action a = tcp::OnSegment(rules_, context_, tcp::InboundTuple(f),
                                       tcb, f.tcp, now_us);
  // initiator.h: every entry exists before its first segment, so OnSegment
  // never creates one and the bookkeeping may run before the table changes
  // (`tcb` points into it).
  Track(tcb, a);
  // The rules' Action::handshake_us has microseconds; the engine keeps the
  // first SYN's time in nanoseconds of the TSC for the histogram.
  if (tcb != nullptr && a.Has(Event::kSynAckRx)) {
    latency_.Record(now_ns_ - syn_ns_[h.index]);
  }
  conns_->Apply(keys_[j], hash, h, a, now_us);
  CarryOutSegment<kL4Offload>(a, m, f, batch_, counters_);
}

uint32_t InitiatorWorker::OpensWanted(uint64_t now_us) {
  if (opened_ >= config_.connections) [[unlikely]] return 0;
  if (stop_opening_.load(std::memory_order_relaxed)) [[unlikely]] return 0;
  const uint64_t want = std::min<uint64_t>(kMaxOpensPerPoll,
                                           config_.connections - opened_);
  if (conns_) {
    const Connections::Table& table = conns_->table();
    const uint64_t open =
        table.size() - state_count_[static_cast<int>(tcp::State::kTimeWait)];
    if (open >= concurrency_ || table.size() >= table.capacity()) return 0;
    return pacer_.Available(
        now_us, static_cast<uint32_t>(std::min<uint64_t>(
                    {want, concurrency_ - open, table.capacity() - table.size()})));
  }
  return pacer_.Available(now_us, static_cast<uint32_t>(want));
}

template <bool kL4Offload>
void InitiatorWorker::OpenConnections(uint64_t now_us) {
  const uint32_t n = OpensWanted(now_us);
  if (n == 0) return;
  Connections::Table& table = conns_->table();
  uint32_t opened = 0;
  for (uint32_t budget = kCandidateBudget; opened < n && budget > 0;
       --budget) {
    const std::optional<TupleCursor::Candidate> c = cursor_->Next(1);
    if (!c) continue;  // another queue's tuple
    const uint64_t hash = table.Hash(c->key);
    // A tuple still in the table (TIME-WAIT included) is not free.
    if (table.FindWithHash(c->key, hash).valid()) continue;
    cookie::FlowTuple tuple;
    tuple.local = c->key.local();
    tuple.remote = c->key.remote();
    tuple.local_port = c->key.local_port;
    tuple.remote_port = c->key.remote_port;
    const tcp::Action a = tcp::Open(rules_, context_.secrets, tuple, now_us);
    const Connections::Applied applied =
        conns_->Apply(c->key, hash, flow::FlowHandle{}, a, now_us);
    if (applied.create_failed) [[unlikely]] {
      // No slot within the probe limit: try again in a later poll.
      counters_.Drop(DropReason::kTcpTableFull);
      break;
    }
    conns_->set_peer(applied.handle, target_peer_[c->target]);
    syn_ns_[applied.handle.index] = now_ns_;
    Track(nullptr, a);
    ++opened;
    // A SYN that cannot go out now (no mbuf) leaves its SYN-SENT entry and
    // timer: it is retransmitted like a lost one.
    uint32_t events = a.events;
    const std::array<uint8_t, 12>& l2 = target_l2_[c->target];
    if (!SendFresh<kL4Offload>(config_.mempool, {l2.data(), l2.size()}, c->key,
                               a.reply, batch_, counters_)) {
      events &= ~kSendEvents;
    }
    CountEvents(counters_, events);
  }
  opened_ += opened;
  pacer_.Take(opened);
}

template <bool kL4Offload>
void InitiatorWorker::FloodSyns(uint64_t now_us) {
  const uint32_t n = OpensWanted(now_us);
  const uint64_t n_v4 = plan_.sources.count(wire::Family::kV4);
  const uint64_t n_v6 = plan_.sources.count(wire::Family::kV6);
  for (uint32_t i = 0; i < n; ++i) {
    // Targets round robin; each SYN of a family from that family's next
    // source; the port moves on once the sources have all been used.
    const uint32_t ti = flood_target_;
    if (++flood_target_ == plan_.targets.size()) flood_target_ = 0;
    const Target& t = plan_.targets[ti];
    const bool v4 = t.addr.is_v4();
    uint64_t& si = v4 ? flood_src_v4_ : flood_src_v6_;
    const wire::IpAddr src = plan_.sources.At(t.addr.family, si);
    const uint16_t port = static_cast<uint16_t>(plan_.ports.lo + flood_port_);
    if (++si == (v4 ? n_v4 : n_v6)) {
      si = 0;
      if (++flood_port_ == plan_.ports.count()) flood_port_ = 0;
    }
    const uint64_t r = NextRandom(rng_);
    const tcp::Action a =
        tcp::FloodSyn(rules_, t.addr.family, wire::SeqNum(static_cast<uint32_t>(r)),
                      static_cast<uint32_t>(r >> 32));
    const flow::FlowKey key = flow::FlowKey::Make(src, port, t.addr, t.port);
    uint32_t events = a.events;
    const std::array<uint8_t, 12>& l2 = target_l2_[ti];
    if (!SendFresh<kL4Offload>(config_.mempool, {l2.data(), l2.size()}, key,
                               a.reply, batch_, counters_)) {
      events &= ~kSendEvents;
    }
    CountEvents(counters_, events);
  }
  opened_ += n;
  pacer_.Take(n);
}

void InitiatorWorker::Track(const tcp::Tcb* before, const tcp::Action& a) {
  switch (a.tcb_op) {
    case tcp::TcbOp::kNone:
      return;
    case tcp::TcbOp::kCreate:
      ++state_count_[static_cast<int>(a.tcb.state)];
      return;
    case tcp::TcbOp::kUpdate:
      if (before != nullptr) --state_count_[static_cast<int>(before->state)];
      ++state_count_[static_cast<int>(a.tcb.state)];
      return;
    case tcp::TcbOp::kErase:
      if (before != nullptr) --state_count_[static_cast<int>(before->state)];
      return;
  }
}

void InitiatorWorker::Publish() {
  const uint64_t entries = conns_ ? conns_->table().size() : 0;
  const uint64_t time_wait =
      state_count_[static_cast<int>(tcp::State::kTimeWait)];
  const uint64_t held = rules_.close == tcp::Close::kNone
                            ? state_count_[static_cast<int>(tcp::State::kEstablished)]
                            : 0;
  progress_.open.store(entries - time_wait, std::memory_order_relaxed);
  progress_.busy.store(entries - time_wait - held, std::memory_order_relaxed);
  progress_.quota_done.store(opened_ >= config_.connections,
                             std::memory_order_relaxed);
}

// splitmix64 (Steele, Lea, Flood 2014): flood ISNs and TSvals only need to
// look random to the target; nothing ever checks them.
uint64_t InitiatorWorker::NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace synx::engine
