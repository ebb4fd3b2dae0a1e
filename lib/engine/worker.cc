// worker.cc — the burst loop. Steps are numbered as in design.md §3.

#include "engine/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <span>

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

constexpr size_t kIpv4HeaderLen = 20;
constexpr size_t kIpv6HeaderLen = 40;

// Events that say a segment went out. When it does not (the table refused
// the entry, no mbuf, no link header) they are not counted: synack_tx and
// friends count segments handed to the port.
constexpr uint32_t kSendEvents =
    Bit(Event::kSynAckTx) | Bit(Event::kSynAckRetransmit) |
    Bit(Event::kCookieSent) | Bit(Event::kRstTx) |
    Bit(Event::kChallengeAckTx) | Bit(Event::kAckTx) | Bit(Event::kFinTx) |
    Bit(Event::kFinRetransmit);

// How far the PMD vouched for the IP header checksum (rte_mbuf_core.h).
wire::ChecksumStatus IpStatus(uint64_t ol_flags) {
  switch (ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
    case RTE_MBUF_F_RX_IP_CKSUM_GOOD: return wire::ChecksumStatus::kGood;
    case RTE_MBUF_F_RX_IP_CKSUM_BAD: return wire::ChecksumStatus::kBad;
    case RTE_MBUF_F_RX_IP_CKSUM_NONE:
      return wire::ChecksumStatus::kValidNoChecksum;
    default: return wire::ChecksumStatus::kUnknown;
  }
}

// The same for the L4 checksum. NONE is "the checksum field is not filled
// but the data is known good" (virtio/veth partial checksums).
wire::ChecksumStatus L4Status(uint64_t ol_flags) {
  switch (ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
    case RTE_MBUF_F_RX_L4_CKSUM_GOOD: return wire::ChecksumStatus::kGood;
    case RTE_MBUF_F_RX_L4_CKSUM_BAD: return wire::ChecksumStatus::kBad;
    case RTE_MBUF_F_RX_L4_CKSUM_NONE:
      return wire::ChecksumStatus::kValidNoChecksum;
    default: return wire::ChecksumStatus::kUnknown;
  }
}

// The whole writable data room of `m`, from its first byte: a reply may be
// longer than the frame it answers (reply.h).
std::span<uint8_t> Room(rte_mbuf* m) {
  return {rte_pktmbuf_mtod(m, uint8_t*),
          static_cast<size_t>(m->buf_len - m->data_off)};
}

// Marks `m` (a TCP frame of `len` bytes) for transmission: length, and the
// offload request when the port completes the checksum.
template <bool kL4Offload>
void FinishTcpFrame(rte_mbuf* m, size_t len, wire::Family family,
                    uint16_t l2_len) {
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = static_cast<uint32_t>(len);
  if constexpr (kL4Offload) {
    const bool v4 = family == wire::Family::kV4;
    m->ol_flags = (v4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6) |
                  RTE_MBUF_F_TX_TCP_CKSUM;
    m->l2_len = l2_len;
    m->l3_len = v4 ? kIpv4HeaderLen : kIpv6HeaderLen;
  } else {
    m->ol_flags = 0;
  }
}

constexpr wire::L4ChecksumMode Mode(bool offload) {
  return offload ? wire::L4ChecksumMode::kOffload
                 : wire::L4ChecksumMode::kSoftware;
}

// Enough wheel slots for the longest timer to be at most one revolution out
// (timer_wheel.h: further timers cost skipped visits).
uint32_t WheelSlots(const tcp::ConnectionConfig& c) {
  const uint64_t longest_ms =
      std::max({c.idle_timeout_ms, c.time_wait_ms, c.max_rto_ms});
  const uint64_t ticks = ((longest_ms * 1000) >> kTickShift) + 1;
  return static_cast<uint32_t>(
      std::clamp<uint64_t>(std::bit_ceil(ticks), 256, uint64_t{1} << 17));
}

void* AllocOn(const char* what, size_t bytes, int socket) {
  return rte_zmalloc_socket(what, bytes, RTE_CACHE_LINE_SIZE, socket);
}

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
  flow::FlowTableOptions table_options;
  table_options.max_entries = config.max_conns;
  table_options.seed = config.seed;
  if (absl::Status s = Table::Validate(table_options); !s.ok()) return s;
  const size_t table_bytes = Table::MemoryBytes(table_options);

  const uint64_t start_us =
      config.start_us != 0 ? config.start_us
                           : TscClock(rte_get_tsc_hz()).ToUs(rte_rdtsc());
  flow::TimerWheelOptions wheel_options;
  wheel_options.num_ids = config.max_conns;
  wheel_options.num_slots = WheelSlots(config.responder->conn);
  wheel_options.start_tick = TickAt(start_us);
  if (absl::Status s = flow::TimerWheel::Validate(wheel_options); !s.ok()) {
    return s;
  }
  const size_t wheel_bytes = flow::TimerWheel::MemoryBytes(wheel_options);
  const int socket = config.socket_id;

  // Everything or nothing: a failure frees what was allocated before it.
  struct Allocation {
    void* table = nullptr;
    void* wheel = nullptr;
    void* peers = nullptr;
    void* self = nullptr;
    ~Allocation() {
      rte_free(table);
      rte_free(wheel);
      rte_free(peers);
      rte_free(self);
    }
  } mem;
  mem.table = AllocOn("synx_flow_table", table_bytes, socket);
  mem.wheel = AllocOn("synx_timer_wheel", wheel_bytes, socket);
  mem.peers = AllocOn("synx_l2_peer_of", sizeof(uint16_t) * config.max_conns,
                      socket);
  mem.self = AllocOn("synx_worker", sizeof(Worker), socket);
  if (mem.table == nullptr || mem.wheel == nullptr || mem.peers == nullptr ||
      mem.self == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "worker for queue ", config.queue_id, ": rte_zmalloc_socket of ",
        table_bytes + wheel_bytes + sizeof(Worker) +
            sizeof(uint16_t) * config.max_conns,
        " bytes on socket ", socket,
        " failed (lower --max-conns or give EAL more memory with -m / "
        "hugepages)"));
  }
  absl::StatusOr<Table> table =
      Table::Create(table_options, mem.table, table_bytes);
  if (!table.ok()) return table.status();
  absl::StatusOr<flow::TimerWheel> wheel =
      flow::TimerWheel::Create(wheel_options, mem.wheel, wheel_bytes);
  if (!wheel.ok()) return wheel.status();

  auto* peer_of = static_cast<uint16_t*>(mem.peers);
  std::fill_n(peer_of, config.max_conns, L2Peers::kNone);
  Worker* w = new (mem.self) Worker(config, std::move(*table),
                                    std::move(*wheel), mem.table, mem.wheel,
                                    peer_of);
  // Owned by the Worker now.
  mem.table = mem.wheel = mem.peers = mem.self = nullptr;
  return Ptr(w);
}

Worker::Worker(const WorkerConfig& config, Table table, flow::TimerWheel wheel,
               void* table_memory, void* wheel_memory, uint16_t* peer_of)
    : config_(config),
      responder_(*config.responder),
      host_(*config.host),
      listen_(*config.listen),
      process_(config.tx_tcp_checksum_offload ? &Worker::ProcessBurst<true>
                                              : &Worker::ProcessBurst<false>),
      timers_(config.tx_tcp_checksum_offload ? &Worker::RunTimers<true>
                                             : &Worker::RunTimers<false>),
      clock_(rte_get_tsc_hz()),
      table_(std::move(table)),
      wheel_(std::move(wheel)),
      context_(*config.responder, config.keys, config.secrets),
      peer_of_(peer_of),
      table_memory_(table_memory),
      wheel_memory_(wheel_memory) {}

Worker::~Worker() {
  rte_free(table_memory_);
  rte_free(wheel_memory_);
  rte_free(peer_of_);
}

uint64_t Worker::NowUs() const { return clock_.ToUs(rte_rdtsc()); }

void Worker::Run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) Poll();
}

uint16_t Worker::Poll(uint64_t now_us) {
  // 1. Receive.
  rte_mbuf* rx[kBurst];
  const uint16_t n =
      rte_eth_rx_burst(config_.port_id, config_.queue_id, rx, config_.burst);
  n_tx_ = 0;
  n_drop_ = 0;
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
  if (n_tx_ != 0) {
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n_tx_; ++i) bytes += tx_[i]->pkt_len;
    const uint16_t sent = rte_eth_tx_burst(config_.port_id, config_.queue_id,
                                           tx_, static_cast<uint16_t>(n_tx_));
    // Sent mbufs belong to the PMD now; only the refused ones may be read.
    for (uint32_t i = sent; i < n_tx_; ++i) {
      bytes -= tx_[i]->pkt_len;
      drop_[n_drop_++] = tx_[i];
    }
    counters_.Add(Counter::kTxPackets, sent);
    counters_.Add(Counter::kTxBytes, bytes);
    if (sent != n_tx_) counters_.Add(Counter::kTxDropped, n_tx_ - sent);
  }
  if (n_drop_ != 0) rte_pktmbuf_free_bulk(drop_, n_drop_);
  return n;
}

bool Worker::AcceptsDestination(const uint8_t* mac) const {
  wire::MacAddr dst;
  std::memcpy(dst.b.data(), mac, dst.b.size());
  if (dst == host_.mac) [[likely]] return true;
  if (!dst.IsMulticast()) return false;
  if (dst == wire::MacAddr::Broadcast()) return true;
  for (const wire::MacAddr& group : host_.solicited_node_macs()) {
    if (dst == group) return true;
  }
  return false;
}

template <bool kL4Offload>
void Worker::ProcessBurst(rte_mbuf** rx, uint16_t n, uint64_t now_us) {
  for (uint16_t i = 0; i < n && i < kPrefetchAhead; ++i) {
    rte_prefetch0(rte_pktmbuf_mtod(rx[i], void*));
  }
  uint64_t rx_bytes = 0;
  n_tcp_ = 0;
  // 2. Parse each frame once; ARP / echo / ND are answered at once; TCP
  // segments for our addresses are queued for the bulk lookup.
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) {
      rte_prefetch0(rte_pktmbuf_mtod(rx[i + kPrefetchAhead], void*));
    }
    rte_mbuf* const m = rx[i];
    rx_bytes += m->pkt_len;
    if (m->nb_segs != 1) [[unlikely]] {
      Drop(m, DropReason::kChainedMbuf);
      continue;
    }
    const uint8_t* const data = rte_pktmbuf_mtod(m, const uint8_t*);
    // Shorter frames are ParseFrame's to reject (truncated).
    if (m->data_len >= 6 && !AcceptsDestination(data)) [[unlikely]] {
      Drop(m, DropReason::kL2NotForUs);
      continue;
    }
    wire::Frame& f = frames_[i];
    f = wire::ParseFrame({data, m->data_len}, IpStatus(m->ol_flags),
                         L4Status(m->ol_flags));
    if (!f.ok()) [[unlikely]] {
      Drop(m, f.drop);
      continue;
    }
    if (f.kind != wire::FrameKind::kTcp) {
      AnswerHost(m, f);
      continue;
    }
    // A reply takes its source MAC from the frame's destination: never a
    // group address (RFC 1122 §3.3.6: no TCP to a link-layer broadcast).
    if (f.dst_mac.IsMulticast()) [[unlikely]] {
      Drop(m, DropReason::kL2NotUnicast);
      continue;
    }
    const int local = listen_.LocalIndex(f.dst);
    if (local < 0) [[unlikely]] {
      Drop(m, DropReason::kTcpNotForUs);
      continue;
    }
    // handshake-rules.md §B: our own address as source is looped back or
    // spoofed; never answered.
    if (listen_.LocalIndex(f.src) >= 0) [[unlikely]] {
      Drop(m, DropReason::kOwnSource);
      continue;
    }
    const uint32_t j = n_tcp_++;
    tcp_frame_[j] = static_cast<uint8_t>(i);
    tcp_listening_[j] = listen_.Listening(local, f.tcp.dport);
    keys_[j] = flow::FlowKey::Make(f.dst, f.tcp.dport, f.src, f.tcp.sport);
  }
  counters_.Add(Counter::kRxPackets, n);
  counters_.Add(Counter::kRxBytes, rx_bytes);
  if (n_tcp_ == 0) return;

  // 3. Hash every key, prefetch buckets and entries, look them up.
  table_.FindBulk(keys_, n_tcp_, handles_, hashes_);
  dirty_ = 0;
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
  flow::FlowHandle h = handles_[j];
  // An earlier segment of this burst created or erased an entry whose hash
  // shares this one's dirty bit: the bulk result may be stale (a SYN and its
  // retransmission in one burst), so look again, in cached lines.
  if (dirty_ & DirtyBit(hash)) [[unlikely]] {
    h = table_.FindWithHash(keys_[j], hash);
  }
  const tcp::Tcb* const tcb = h.valid() ? &table_.value(h) : nullptr;
  const tcp::Action a =
      tcp::OnSegment(responder_, context_, tcp::InboundTuple(f), tcb,
                     tcp_listening_[j], f.tcp, now_us);
  // Before the table changes: `tcb` points into it.
  const int half_open_delta = tcp::HalfOpenDelta(tcb, a);

  switch (a.tcb_op) {
    case tcp::TcbOp::kNone:
      break;
    case tcp::TcbOp::kCreate: {
      const flow::InsertResult r = table_.InsertWithHash(keys_[j], hash, a.tcb);
      if (!r.inserted()) [[unlikely]] {
        // responder.h: a failed create sends nothing and counts
        // kTcpTableFull; what arrived still counts, what would have gone
        // out does not.
        CountEvents(counters_,
                    a.events & ~(kSendEvents | Bit(Event::kEstablished)));
        Drop(m, DropReason::kTcpTableFull);
        return;
      }
      h = r.handle;
      peer_of_[h.index] =
          peers_.Intern(rte_pktmbuf_mtod(m, const uint8_t*), f.l3_offset);
      dirty_ |= DirtyBit(hash);
      break;
    }
    case tcp::TcbOp::kUpdate:
      table_.value(h) = a.tcb;
      break;
    case tcp::TcbOp::kErase:
      // responder.h: erasing also disarms the entry's timer.
      wheel_.Cancel(h);
      table_.EraseWithHash(h, hash);
      dirty_ |= DirtyBit(hash);
      h = flow::FlowHandle{};
      break;
  }
  if (h.valid()) {
    if (a.timer_op == tcp::TimerOp::kArm) {
      wheel_.Arm(h, ExpiryTick(now_us, a.timer_ms));
    } else if (a.timer_op == tcp::TimerOp::kCancel) {
      wheel_.Cancel(h);
    }
  }
  context_.half_open += half_open_delta;
  context_.entries = table_.size();
  CountEvents(counters_, a.events);
  if (a.Has(Event::kDataRx)) counters_.Add(Counter::kDataBytesRx, a.data_bytes);

  switch (a.verdict) {
    case tcp::Verdict::kReply: {
      const size_t len =
          wire::WriteTcpReply(Room(m), f, a.reply, Mode(kL4Offload));
      if (len == 0) [[unlikely]] {
        Drop(m, DropReason::kReplyNoRoom);
        return;
      }
      FinishTcpFrame<kL4Offload>(m, len, f.family, f.l3_offset);
      Transmit(m);
      return;
    }
    case tcp::Verdict::kDrop:
      Drop(m, a.drop);
      return;
    case tcp::Verdict::kConsume:
      Free(m);
      return;
  }
}

void Worker::AnswerHost(rte_mbuf* m, const wire::Frame& f) {
  // Echo replies take their source MAC from the request's destination.
  if (f.kind == wire::FrameKind::kIcmpEchoRequest && f.dst_mac.IsMulticast()) {
    Drop(m, DropReason::kL2NotUnicast);
    return;
  }
  const host::HostAction a = host::Decide(host_, f, /*cache=*/nullptr);
  Counter sent = Counter::kCount;
  switch (a.verdict) {
    case host::HostVerdict::kDrop:
      Drop(m, a.drop);
      return;
    case host::HostVerdict::kConsumed:
      Free(m);
      return;
    case host::HostVerdict::kNotHost:
      // ParseFrame's kinds other than TCP are all lib/host's.
      Drop(m, DropReason::kUnsupportedProtocol);
      return;
    case host::HostVerdict::kArpReply:
      sent = Counter::kArpRepliesTx;
      break;
    case host::HostVerdict::kEchoReply:
      sent = Counter::kIcmpEchoRepliesTx;
      break;
    case host::HostVerdict::kNeighborAdvert:
      sent = Counter::kNdAdvertsTx;
      break;
  }
  const size_t len = host::Respond(Room(m), f, host_, a);
  if (len == 0) [[unlikely]] {
    Drop(m, DropReason::kReplyNoRoom);
    return;
  }
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = static_cast<uint32_t>(len);
  m->ol_flags = 0;
  counters_.Inc(sent);
  Transmit(m);
}

template <bool kL4Offload>
void Worker::RunTimers(uint64_t now_us) {
  const flow::AdvanceResult r =
      wheel_.Advance(TickAt(now_us), fired_, kMaxTimerVisits);
  // The fired entries are scattered over the table: start all their loads
  // before the first is read.
  for (uint32_t i = 0; i < r.fired; ++i) table_.PrefetchEntry(fired_[i]);
  for (uint32_t i = 0; i < r.fired; ++i) {
    const flow::FlowHandle h = fired_[i];
    const tcp::Tcb tcb = table_.value(h);
    const tcp::Action a = tcp::OnTimer(responder_, tcb, now_us);
    context_.half_open += tcp::HalfOpenDelta(&tcb, a);

    uint32_t events = a.events;
    if (a.verdict == tcp::Verdict::kReply) {
      // responder.h: a timer-driven segment goes in a fresh frame built from
      // the entry's key, from `local` to `remote`, with the link header
      // recorded when the entry was made.
      const uint16_t peer = peer_of_[h.index];
      rte_mbuf* m = nullptr;
      if (peer == L2Peers::kNone) [[unlikely]] {
        counters_.Drop(DropReason::kNoL2Peer);
      } else if (m = rte_pktmbuf_alloc(config_.mempool); m == nullptr)
          [[unlikely]] {
        // Never wait for an mbuf: the peer retransmits, or the next timer
        // tries again.
        counters_.Inc(Counter::kMbufAllocFailed);
      } else {
        const flow::FlowKey& key = table_.key(h);
        const std::span<const uint8_t> l2 = peers_.Header(peer);
        const size_t len = wire::WriteTcpSegment(
            Room(m), l2, key.local(), key.local_port, key.remote(),
            key.remote_port, a.reply, Mode(kL4Offload));
        if (len == 0) [[unlikely]] {
          counters_.Drop(DropReason::kReplyNoRoom);
          Free(m);
          m = nullptr;
        } else {
          FinishTcpFrame<kL4Offload>(m, len, key.family,
                                     static_cast<uint16_t>(l2.size() + 2));
          Transmit(m);
        }
      }
      if (m == nullptr) events &= ~kSendEvents;
    } else if (a.verdict == tcp::Verdict::kDrop) {
      counters_.Drop(a.drop);
    }
    CountEvents(counters_, events);

    switch (a.tcb_op) {
      case tcp::TcbOp::kUpdate:
        table_.value(h) = a.tcb;
        if (a.timer_op == tcp::TimerOp::kArm) {
          wheel_.Arm(h, ExpiryTick(now_us, a.timer_ms));
        }
        break;
      case tcp::TcbOp::kErase:
        wheel_.Cancel(h);
        table_.Erase(h);
        break;
      case tcp::TcbOp::kNone:
      case tcp::TcbOp::kCreate:  // never from a timer
        if (a.timer_op == tcp::TimerOp::kArm) {
          wheel_.Arm(h, ExpiryTick(now_us, a.timer_ms));
        }
        break;
    }
  }
  context_.entries = table_.size();
}

}  // namespace synx::engine
