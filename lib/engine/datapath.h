// datapath.h — the mbuf-level steps every worker takes the same way, whatever
// its role: the PMD's checksum verdicts, which destination MACs concern us,
// ARP / echo / ND answers through lib/host, finishing a TCP frame for TX,
// writing a TCP segment into a fresh mbuf, the per-poll TX batch (one tx
// burst, then one bulk free of everything refused or dropped), and the front
// half of every burst (ParseBurst: parse, classify, answer the host's part).
//
// The responder's Worker and the InitiatorWorker both use these; nothing
// here decides anything about TCP (lib/tcp does). Never allocates except the
// fresh mbuf WriteFresh asks the pool for; never blocks.
#pragma once

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>

#include "engine/event_counters.h"
#include "flow/flow_key.h"
#include "host/host.h"
#include "host/host_config.h"
#include "stats/counters.h"
#include "tcp/action.h"
#include "wire/drop_reason.h"
#include "wire/frame.h"
#include "wire/reply.h"

namespace synx::engine {

// kBurst = 32: DPDK's usual burst (l2fwd/l3fwd). It amortises the PMD call
// and its doorbell write over enough frames, it is FlowTable::FindBulk's
// batch, and the burst's parsed frames (32 × 184 B) stay in L1 with it.
inline constexpr uint16_t kBurst = 32;
// Timer-driven segments per Poll at most: bounds the extra TX work so that a
// wave of expiries cannot starve RX; the wheel resumes where it stopped.
inline constexpr uint32_t kMaxTimerFires = 32;
// Frames one Poll may queue for TX at most: a reply per received frame, the
// timer-driven segments, and (initiator) one burst of new SYNs.
inline constexpr uint32_t kMaxTxPerPoll = 2 * kBurst + kMaxTimerFires;
// Frames whose data is prefetched ahead of the one being parsed: about one
// memory latency of parsing work (l3fwd uses 3).
inline constexpr uint16_t kPrefetchAhead = 4;

inline constexpr size_t kIpv4HeaderLen = 20;
inline constexpr size_t kIpv6HeaderLen = 40;

// Events that say a segment went out. When it does not (the table refused
// the entry, no mbuf, no link header) they are not counted: synack_tx,
// syn_tx and friends count segments handed to the port.
inline constexpr uint32_t kSendEvents =
    tcp::Bit(tcp::Event::kSynAckTx) | tcp::Bit(tcp::Event::kSynAckRetransmit) |
    tcp::Bit(tcp::Event::kCookieSent) | tcp::Bit(tcp::Event::kRstTx) |
    tcp::Bit(tcp::Event::kChallengeAckTx) | tcp::Bit(tcp::Event::kAckTx) |
    tcp::Bit(tcp::Event::kFinTx) | tcp::Bit(tcp::Event::kFinRetransmit) |
    tcp::Bit(tcp::Event::kSynTx) | tcp::Bit(tcp::Event::kSynRetransmit);

// How far the PMD vouched for the IP header checksum (rte_mbuf_core.h).
inline wire::ChecksumStatus IpStatus(uint64_t ol_flags) {
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
inline wire::ChecksumStatus L4Status(uint64_t ol_flags) {
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
inline std::span<uint8_t> Room(rte_mbuf* m) {
  return {rte_pktmbuf_mtod(m, uint8_t*),
          static_cast<size_t>(m->buf_len - m->data_off)};
}

// Marks `m` (a TCP frame of `len` bytes) for transmission: length, and the
// offload request when the port completes the checksum.
template <bool kL4Offload>
inline void FinishTcpFrame(rte_mbuf* m, size_t len, wire::Family family,
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

// True when frames to `mac` concern us: ours, broadcast, or one of our
// solicited-node groups.
inline bool AcceptsDestination(const host::HostConfig& host,
                               const uint8_t* mac) {
  wire::MacAddr dst;
  std::memcpy(dst.b.data(), mac, dst.b.size());
  if (dst == host.mac) [[likely]] return true;
  if (!dst.IsMulticast()) return false;
  if (dst == wire::MacAddr::Broadcast()) return true;
  for (const wire::MacAddr& group : host.solicited_node_macs()) {
    if (dst == group) return true;
  }
  return false;
}

// The frames of one Poll on their way out: what goes to the TX queue and
// what goes back to the pool. Every mbuf a Poll touches ends in one of the
// two lists, and Flush empties both: a worker never holds an mbuf between
// polls.
class TxBatch {
 public:
  void Transmit(rte_mbuf* m) { tx_[n_tx_++] = m; }
  void Free(rte_mbuf* m) { drop_[n_drop_++] = m; }
  void Drop(stats::CounterBlock& counters, rte_mbuf* m,
            wire::DropReason reason) {
    counters.Drop(reason);
    drop_[n_drop_++] = m;
  }
  uint32_t queued() const { return n_tx_; }

  // One tx burst on `queue`; what it refuses is freed with the dropped
  // frames in one bulk free. Counts tx_packets, tx_bytes, tx_dropped.
  void Flush(uint16_t port, uint16_t queue, stats::CounterBlock& counters) {
    if (n_tx_ != 0) {
      uint64_t bytes = 0;
      for (uint32_t i = 0; i < n_tx_; ++i) bytes += tx_[i]->pkt_len;
      const uint16_t sent =
          rte_eth_tx_burst(port, queue, tx_, static_cast<uint16_t>(n_tx_));
      // Sent mbufs belong to the PMD now; only the refused ones may be read.
      for (uint32_t i = sent; i < n_tx_; ++i) {
        bytes -= tx_[i]->pkt_len;
        drop_[n_drop_++] = tx_[i];
      }
      counters.Add(stats::Counter::kTxPackets, sent);
      counters.Add(stats::Counter::kTxBytes, bytes);
      if (sent != n_tx_) {
        counters.Add(stats::Counter::kTxDropped, n_tx_ - sent);
      }
    }
    if (n_drop_ != 0) rte_pktmbuf_free_bulk(drop_, n_drop_);
    n_tx_ = 0;
    n_drop_ = 0;
  }

 private:
  uint32_t n_tx_ = 0;
  uint32_t n_drop_ = 0;
  rte_mbuf* tx_[kMaxTxPerPoll];
  // Every received frame, every fresh one, and every refused one at most.
  rte_mbuf* drop_[kMaxTxPerPoll + kBurst];
};

// ARP, echo and ND: lib/host decides, the reply is written in place and
// queued, the frame counted or dropped. Returns lib/host's decision so that a
// caller that keeps a neighbour cache can learn from it (HostAction::learn).
inline host::HostAction AnswerHost(rte_mbuf* m, const wire::Frame& f,
                                   const host::HostConfig& host,
                                   const host::NeighborCache* cache,
                                   TxBatch& batch,
                                   stats::CounterBlock& counters) {
  using stats::Counter;
  // Echo replies take their source MAC from the request's destination.
  if (f.kind == wire::FrameKind::kIcmpEchoRequest && f.dst_mac.IsMulticast()) {
    batch.Drop(counters, m, wire::DropReason::kL2NotUnicast);
    return {};
  }
  const host::HostAction a = host::Decide(host, f, cache);
  Counter sent = Counter::kCount;
  switch (a.verdict) {
    case host::HostVerdict::kDrop:
      batch.Drop(counters, m, a.drop);
      return a;
    case host::HostVerdict::kConsumed:
      batch.Free(m);
      return a;
    case host::HostVerdict::kNotHost:
      // ParseFrame's kinds other than TCP are all lib/host's.
      batch.Drop(counters, m, wire::DropReason::kUnsupportedProtocol);
      return a;
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
  const size_t len = host::Respond(Room(m), f, host, a);
  if (len == 0) [[unlikely]] {
    batch.Drop(counters, m, wire::DropReason::kReplyNoRoom);
    return a;
  }
  m->data_len = static_cast<uint16_t>(len);
  m->pkt_len = static_cast<uint32_t>(len);
  m->ol_flags = 0;
  counters.Inc(sent);
  batch.Transmit(m);
  return a;
}

// Step 2 of design.md §3, the same for every role: parse each of the `n`
// received frames once into frames[i] and sort it. Chained mbufs, frames for
// another link address, unparseable frames and TCP to a group MAC are
// dropped (counted); ARP / echo / ND are answered through AnswerHost
// (without a neighbour cache). Every other frame — a TCP segment to our
// unicast MAC — goes to on_tcp(i, m, frames[i]), which must queue, drop or
// free it: which addresses are ours is the role's business. Counts
// rx_packets and rx_bytes. The frames' data is prefetched kPrefetchAhead
// ahead of the one being parsed.
template <typename OnTcp>
inline void ParseBurst(rte_mbuf* const* rx, uint16_t n,
                       const host::HostConfig& host, wire::Frame* frames,
                       TxBatch& batch, stats::CounterBlock& counters,
                       OnTcp&& on_tcp) {
  for (uint16_t i = 0; i < n && i < kPrefetchAhead; ++i) {
    rte_prefetch0(rte_pktmbuf_mtod(rx[i], void*));
  }
  uint64_t rx_bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    if (i + kPrefetchAhead < n) {
      rte_prefetch0(rte_pktmbuf_mtod(rx[i + kPrefetchAhead], void*));
    }
    rte_mbuf* const m = rx[i];
    rx_bytes += m->pkt_len;
    if (m->nb_segs != 1) [[unlikely]] {
      batch.Drop(counters, m, wire::DropReason::kChainedMbuf);
      continue;
    }
    const uint8_t* const data = rte_pktmbuf_mtod(m, const uint8_t*);
    // Shorter frames are ParseFrame's to reject (truncated).
    if (m->data_len >= 6 && !AcceptsDestination(host, data)) [[unlikely]] {
      batch.Drop(counters, m, wire::DropReason::kL2NotForUs);
      continue;
    }
    // Constructed in place from the returned prvalue (guaranteed copy
    // elision): an assignment would copy the 184-byte Frame a second time.
    static_assert(std::is_trivially_destructible_v<wire::Frame>);
    const wire::Frame& f = *new (&frames[i]) wire::Frame(wire::ParseFrame(
        {data, m->data_len}, IpStatus(m->ol_flags), L4Status(m->ol_flags)));
    if (!f.ok()) [[unlikely]] {
      batch.Drop(counters, m, f.drop);
      continue;
    }
    if (f.kind != wire::FrameKind::kTcp) {
      AnswerHost(m, f, host, /*cache=*/nullptr, batch, counters);
      continue;
    }
    // A reply takes its source MAC from the frame's destination: never a
    // group address (RFC 1122 §3.3.6: no TCP to a link-layer broadcast).
    if (f.dst_mac.IsMulticast()) [[unlikely]] {
      batch.Drop(counters, m, wire::DropReason::kL2NotUnicast);
      continue;
    }
    on_tcp(i, m, f);
  }
  counters.Add(stats::Counter::kRxPackets, n);
  counters.Add(stats::Counter::kRxBytes, rx_bytes);
}

// A TCP segment no received frame prompts (a new SYN, a retransmission, a
// timer's RST) in a fresh mbuf from `pool`: from the key's local end to its
// remote end behind link header `l2` (wire::WriteTcpSegment). Queued on
// `batch`; false when no mbuf was free (counted mbuf_alloc_failed: never
// wait for one, the next timer or token tries again) or the segment did not
// fit (counted reply_no_room).
template <bool kL4Offload>
inline bool SendFresh(rte_mempool* pool, std::span<const uint8_t> l2,
                      const flow::FlowKey& key, const wire::TcpReply& reply,
                      TxBatch& batch, stats::CounterBlock& counters) {
  rte_mbuf* const m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) [[unlikely]] {
    counters.Inc(stats::Counter::kMbufAllocFailed);
    return false;
  }
  const size_t len =
      wire::WriteTcpSegment(Room(m), l2, key.local(), key.local_port,
                            key.remote(), key.remote_port, reply,
                            Mode(kL4Offload));
  if (len == 0) [[unlikely]] {
    batch.Drop(counters, m, wire::DropReason::kReplyNoRoom);
    return false;
  }
  FinishTcpFrame<kL4Offload>(m, len, key.family,
                             static_cast<uint16_t>(l2.size() + 2));
  batch.Transmit(m);
  return true;
}

// The end of a TCP segment in either role: the Action's counters, then its
// verdict carried out on the frame it came in — the reply written in place
// and queued, the frame dropped under its reason, or consumed.
template <bool kL4Offload>
inline void CarryOutSegment(const tcp::Action& a, rte_mbuf* m,
                            const wire::Frame& f, TxBatch& batch,
                            stats::CounterBlock& counters) {
  CountEvents(counters, a.events);
  if (a.Has(tcp::Event::kDataRx)) {
    counters.Add(stats::Counter::kDataBytesRx, a.data_bytes);
  }
  switch (a.verdict) {
    case tcp::Verdict::kReply: {
      const size_t len =
          wire::WriteTcpReply(Room(m), f, a.reply, Mode(kL4Offload));
      if (len == 0) [[unlikely]] {
        batch.Drop(counters, m, wire::DropReason::kReplyNoRoom);
        return;
      }
      FinishTcpFrame<kL4Offload>(m, len, f.family, f.l3_offset);
      batch.Transmit(m);
      return;
    }
    case tcp::Verdict::kDrop:
      batch.Drop(counters, m, a.drop);
      return;
    case tcp::Verdict::kConsume:
      batch.Free(m);
      return;
  }
}

}  // namespace synx::engine
