// worker.cc — the burst loop. Steps are numbered as in design.md §3.

#include "engine/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <new>

#include "absl/strings/str_cat.h"
#include "engine/event_counters.h"
#include "host/host.h"
#include "wire/reply.h"

namespace synx::engine {
namespace {

using stats::Counter;
using tcp::Bit;
using tcp::Event;
using wire::DropReason;

}  // namespace

void Worker::Deleter::operator()(Worker* w) const {
  w->~Worker();
  rte_free(w);
}

absl::StatusOr<Worker::Ptr> Worker::Create(const WorkerConfig& config) {
  if (config.responder == nullptr || config.host == nullptr ||
      config.listen == nullptr || config.mempool == nullptr) {
    return absl::InvalidArgumentError(
        "worker: responder, host, listen and mempool must be set");
  }
  if (config.keys == nullptr &&
      config.responder->cookies.mode != cookie::CookieMode::kNever) {
    return absl::InvalidArgumentError(
        "worker: cookie keys are needed unless --cookies=never");
  }
  if (config.burst == 0 || config.burst > kBurst) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker: burst ", config.burst, " outside 1..", kBurst));
  }
  ConnectionsOptions options;
  options.max_conns = config.max_conns;
  options.seed = config.seed;
  const tcp::ConnectionConfig& c = config.responder->conn;
  options.longest_timer_ms = std::max({uint64_t{c.idle_timeout_ms},
                                       uint64_t{c.time_wait_ms},
                                       uint64_t{c.max_rto_ms}});
  options.start_us = config.start_us != 0
                         ? config.start_us
                         : TscClock(rte_get_tsc_hz()).ToUs(rte_rdtsc());
  options.socket_id = config.socket_id;
  options.queue_id = config.queue_id;
  absl::StatusOr<Connections> conns = Connections::Create(options);
  if (!conns.ok()) return conns.status();

  void* self = rte_zmalloc_socket("synx_worker", sizeof(Worker),
                                  RTE_CACHE_LINE_SIZE, config.socket_id);
  if (self == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "worker for queue ", config.queue_id, ": rte_zmalloc_socket of ",
        sizeof(Worker), " bytes on socket ", config.socket_id,
        " failed (give EAL more memory with -m / hugepages)"));
  }
  return Ptr(new (self) Worker(config, std::move(*conns)));
}

Worker::Worker(const WorkerConfig& config, Connections conns)
    : config_(config),
      responder_(*config.responder),
      host_(*config.host),
      listen_(*config.listen),
      process_(config.tx_tcp_checksum_offload ? &Worker::ProcessBurst<true>
                                              : &Worker::ProcessBurst<false>),
      timers_(config.tx_tcp_checksum_offload ? &Worker::RunTimers<true>
                                             : &Worker::RunTimers<false>),
      clock_(rte_get_tsc_hz()),
      conns_(std::move(conns)),
      context_(*config.responder, config.keys, config.secrets) {}

uint64_t Worker::NowUs() const { return clock_.ToUs(rte_rdtsc()); }

void Worker::Run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) Poll();
}

uint16_t Worker::Poll(uint64_t now_us) {
  // 1. Receive.
  rte_mbuf* rx[kBurst];
  const uint16_t n =
      rte_eth_rx_burst(config_.port_id, config_.queue_id, rx, config_.burst);
  // 2-5. Parse, look up, decide, write replies in place.
  if (n != 0) (this->*process_)(rx, n, now_us);
  // 7. Timers (before the tx burst, so their segments share it).
  (this->*timers_)(now_us);
  if (const uint64_t macs = context_.cookie_counters.macs;
      macs != macs_counted_) {
    counters_.Add(Counter::kCookieMacsComputed, macs - macs_counted_);
    macs_counted_ = macs;
  }
  // 6. One tx burst on the same queue; free the refused and the dropped.
  batch_.Flush(config_.port_id, config_.queue_id, counters_);
  return n;
}

template <bool kL4Offload>
void Worker::ProcessBurst(rte_mbuf** rx, uint16_t n, uint64_t now_us) {
  n_tcp_ = 0;
  // 2. Parse each frame once; ARP / echo / ND are answered at once; TCP
  // segments for our addresses are queued for the bulk lookup.
  ParseBurst(rx, n, host_, frames_, batch_, counters_,
             [&](uint16_t i, rte_mbuf* m, const wire::Frame& f) {
               const int local = listen_.LocalIndex(f.dst);
               if (local < 0) [[unlikely]] {
                 Drop(m, DropReason::kTcpNotForUs);
                 return;
               }
               // handshake-rules.md §B: our own address as source is looped
               // back or spoofed; never answered.
               if (listen_.LocalIndex(f.src) >= 0) [[unlikely]] {
                 Drop(m, DropReason::kOwnSource);
                 return;
               }
               const uint32_t j = n_tcp_++;
               tcp_frame_[j] = static_cast<uint8_t>(i);
               tcp_listening_[j] = listen_.Listening(local, f.tcp.dport);
               keys_[j] = flow::FlowKey::Make(f.dst, f.tcp.dport, f.src,
                                              f.tcp.sport);
             });
  if (n_tcp_ == 0) return;

  // 3. Hash every key, prefetch buckets and entries, look them up.
  conns_.FindBulk(keys_, n_tcp_, handles_, hashes_);
  // 4-5. Decide and carry out, in arrival order.
  for (uint32_t j = 0; j < n_tcp_; ++j) {
    ApplySegmentAction<kL4Offload>(rx[tcp_frame_[j]], frames_[tcp_frame_[j]],
                                   j, now_us);
  }
}

template <bool kL4Offload>
void Worker::ApplySegmentAction(rte_mbuf* m, const wire::Frame& f, uint32_t j,
                                uint64_t now_us) {
  const uint64_t hash = hashes_[j];
  const flow::FlowHandle h = conns_.Current(keys_[j], hash, handles_[j]);
  Connections::Table& table = conns_.table();
  const tcp::Tcb* const tcb = h.valid() ? &table.value(h) : nullptr;
  const tcp::Action a =
      tcp::OnSegment(responder_, context_, tcp::InboundTuple(f), tcb,
                     tcp_listening_[j], f.tcp, now_us);
  // Before the table changes: `tcb` points into it.
  const int half_open_delta = tcp::HalfOpenDelta(tcb, a);

  const Connections::Applied applied =
      conns_.Apply(keys_[j], hash, h, a, now_us);
  if (applied.create_failed) [[unlikely]] {
    // responder.h: a failed create sends nothing and counts kTcpTableFull;
    // what arrived still counts, what would have gone out does not.
    CountEvents(counters_,
                a.events & ~(kSendEvents | Bit(Event::kEstablished)));
    Drop(m, DropReason::kTcpTableFull);
    return;
  }
  if (a.tcb_op == tcp::TcbOp::kCreate) {
    conns_.set_peer(applied.handle,
                    conns_.peers().Intern(rte_pktmbuf_mtod(m, const uint8_t*),
                                          f.l3_offset));
  }
  context_.half_open += half_open_delta;
  context_.entries = table.size();
  CarryOutSegment<kL4Offload>(a, m, f, batch_, counters_);
}

template <bool kL4Offload>
void Worker::RunTimers(uint64_t now_us) {
  conns_.RunTimers<kL4Offload>(
      now_us, config_.mempool, batch_, counters_,
      [&](const tcp::Tcb& tcb) {
        return tcp::OnTimer(responder_, tcb, now_us);
      },
      [&](const tcp::Tcb& tcb, const tcp::Action& a) {
        context_.half_open += tcp::HalfOpenDelta(&tcb, a);
      });
  context_.entries = conns_.table().size();
}

}  // namespace synx::engine
