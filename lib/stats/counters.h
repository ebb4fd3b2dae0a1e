// counters.h — the per-core counter block, its snapshots, sums and deltas.
//
// One CounterBlock per worker lcore, written only by that lcore. Writes are a
// relaxed atomic load plus a relaxed atomic store (never a locked RMW: there
// is one writer), so other threads may read the block at any time with
// relaxed loads (Read()) without a data race and without slowing the owner.
// A Snapshot is a plain copy: sum them across cores (+=) and subtract two of
// them (Delta) for per-second rates.
//
// The counter list is one X-macro: the enumerator, the snake_case name that
// is the JSON / telemetry key (a user-facing interface: add freely, rename
// only with a note in docs/), and a line of help. Renderers, Prometheus
// output and docs all come from it. One extra counter per wire::DropReason.
//
// Never allocates, reads a clock or does I/O.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "wire/drop_reason.h"

namespace synx::stats {

// Each row: X(Enumerator, json_key, "help"). Ordered by use on the hot path
// (what every packet touches first) so the hot counters share cache lines.
// clang-format off
#define SYNX_COUNTERS(X)                                                       \
  X(kRxPackets, rx_packets, "frames received")                                 \
  X(kRxBytes, rx_bytes, "bytes received (frame length, no FCS)")               \
  X(kTxPackets, tx_packets, "frames handed to the TX queue and accepted")      \
  X(kTxBytes, tx_bytes, "bytes transmitted (frame length, no FCS)")            \
  X(kTxDropped, tx_dropped, "replies the TX ring refused (freed, not sent)")   \
  X(kMbufAllocFailed, mbuf_alloc_failed, "mbuf allocations that failed")       \
  /* responder */                                                              \
  X(kSynRx, syn_rx, "SYN segments received on a listened port")                \
  X(kSynackTx, synack_tx, "SYN+ACK segments sent (retransmits included)")      \
  X(kSynackRetransmits, synack_retransmits, "SYN+ACK retransmissions")         \
  X(kCookiesSent, cookies_sent, "SYN+ACKs that carried a SYN cookie")          \
  X(kCookiesValid, cookies_valid, "ACKs that carried a valid SYN cookie")      \
  X(kCookiesInvalid, cookies_invalid, "ACKs checked as cookies that failed")   \
  X(kCookieMacsComputed, cookie_macs_computed, "SipHash computations for cookies (issue and check)") \
  X(kHandshakeTimeouts, handshake_timeouts, "SYN-RECEIVED entries given up after the last SYN+ACK retransmission") \
  X(kSynDataIgnored, syn_data_ignored, "SYN payloads not acknowledged (RFC 7413 without a Fast Open cookie)") \
  /* both roles */                                                             \
  X(kEstablished, established, "connections that reached ESTABLISHED")        \
  X(kRstTx, rst_tx, "RST segments sent")                                       \
  X(kRstRx, rst_rx, "RST segments received")                                   \
  X(kChallengeAcksTx, challenge_acks_tx, "RFC 5961 challenge ACKs sent")       \
  X(kDataSegmentsRx, data_segments_rx, "segments received that carried payload") \
  X(kDataBytesRx, data_bytes_rx, "payload bytes received (acknowledged and discarded)") \
  X(kFinRx, fin_rx, "FIN segments received")                                   \
  X(kFinTx, fin_tx, "FIN segments sent")                                       \
  X(kClosed, closed, "connections that reached CLOSED after ESTABLISHED")      \
  X(kAckTx, ack_tx, "pure ACKs sent (to data, a FIN, an unacceptable or a duplicate segment)") \
  X(kFinRetransmits, fin_retransmits, "FIN retransmissions")                   \
  X(kIdleTimeouts, idle_timeouts, "connections reset after the idle timeout")  \
  X(kCloseTimeouts, close_timeouts, "connections reset because our FIN was never acknowledged") \
  X(kPawsRejected, paws_rejected, "segments older than TS.Recent (RFC 7323 PAWS)") \
  X(kTimeWaitReused, time_wait_reused, "new SYNs accepted over a TIME-WAIT entry (RFC 6191)") \
  /* initiator */                                                              \
  X(kSynTx, syn_tx, "SYN segments sent (retransmits included)")                \
  X(kSynRetransmits, syn_retransmits, "SYN retransmissions")                   \
  X(kSynackRx, synack_rx, "SYN+ACK segments received in SYN-SENT")             \
  X(kRefused, refused, "connections refused by an acceptable RST")             \
  X(kTimeouts, timeouts, "connections given up after the last SYN retransmit") \
  X(kSimultaneousOpens, simultaneous_opens, "SYNs without ACK received in SYN-SENT (simultaneous open)") \
  /* host: ARP / ICMP / ND */                                                  \
  X(kArpRepliesTx, arp_replies_tx, "ARP replies sent for our addresses")       \
  X(kIcmpEchoRepliesTx, icmp_echo_replies_tx, "ICMP and ICMPv6 echo replies sent") \
  X(kNdAdvertsTx, nd_adverts_tx, "IPv6 neighbour advertisements sent")         \
  X(kArpRequestsTx, arp_requests_tx, "ARP requests sent to resolve a next hop") \
  X(kNdSolicitsTx, nd_solicits_tx, "neighbour solicitations sent to resolve a next hop") \
  X(kNeighborsLearned, neighbors_learned, "next-hop MACs learned from ARP replies / NAs")
// clang-format on

enum class Counter : uint8_t {
#define SYNX_COUNTER_ENUM(name, key, help) name,
  SYNX_COUNTERS(SYNX_COUNTER_ENUM)
#undef SYNX_COUNTER_ENUM
      kCount
};

inline constexpr int kCounterCount = static_cast<int>(Counter::kCount);
inline constexpr int kDropCount = wire::kDropReasonCount;

// The snake_case JSON / telemetry key.
constexpr std::string_view CounterName(Counter c) {
  constexpr std::string_view kNames[] = {
#define SYNX_COUNTER_NAME(name, key, help) #key,
      SYNX_COUNTERS(SYNX_COUNTER_NAME)
#undef SYNX_COUNTER_NAME
  };
  const auto i = static_cast<int>(c);
  return i < kCounterCount ? kNames[i] : std::string_view("invalid");
}

// One line for operators: what the counter means.
constexpr std::string_view CounterHelp(Counter c) {
  constexpr std::string_view kHelp[] = {
#define SYNX_COUNTER_HELP(name, key, help) help,
      SYNX_COUNTERS(SYNX_COUNTER_HELP)
#undef SYNX_COUNTER_HELP
  };
  const auto i = static_cast<int>(c);
  return i < kCounterCount ? kHelp[i] : std::string_view("invalid");
}

// A plain copy of one block, or a sum or difference of several.
struct Snapshot {
  std::array<uint64_t, kCounterCount> values{};
  std::array<uint64_t, kDropCount> drops{};  // indexed by wire::DropReason

  uint64_t operator[](Counter c) const { return values[static_cast<int>(c)]; }
  uint64_t drop(wire::DropReason r) const { return drops[static_cast<int>(r)]; }
  // Every drop except kNone (which is never counted as a drop).
  uint64_t DropsTotal() const;

  // Named getters, one per counter: s.syn_rx(), s.established(), ...
#define SYNX_COUNTER_GETTER(name, key, help) \
  uint64_t key() const { return values[static_cast<int>(Counter::name)]; }
  SYNX_COUNTERS(SYNX_COUNTER_GETTER)
#undef SYNX_COUNTER_GETTER

  Snapshot& operator+=(const Snapshot& o);
  bool operator==(const Snapshot&) const = default;
};

// later − earlier, per counter, saturating at 0: counters only grow, but a
// worker restarted between the two reads must print 0, not 1.8e19 pps.
Snapshot Delta(const Snapshot& later, const Snapshot& earlier);

// The per-lcore block. alignas(64) so no two cores' blocks share a line.
class alignas(64) CounterBlock {
 public:
  // Owner only. Load + store, both relaxed: a plain add on x86, but readers
  // on other cores see whole values, never torn ones, and it is not UB.
  void Add(Counter c, uint64_t n = 1) { Bump(values_[static_cast<int>(c)], n); }
  void Inc(Counter c) { Add(c, 1); }
  void Drop(wire::DropReason r, uint64_t n = 1) {
    Bump(drops_[static_cast<int>(r)], n);
  }

  // Any thread: relaxed loads of every counter. Values read in one call are
  // not a consistent cut across counters (each is exact on its own).
  Snapshot Read() const;

  // Owner only (or when the owner is stopped).
  void Reset();

 private:
  static void Bump(uint64_t& slot, uint64_t n) {
    std::atomic_ref<uint64_t> r(slot);
    r.store(r.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  std::array<uint64_t, kCounterCount> values_{};
  std::array<uint64_t, kDropCount> drops_{};
};

static_assert(std::atomic_ref<uint64_t>::is_always_lock_free,
              "relaxed counter reads must not take a lock");
static_assert(alignof(uint64_t) >=
              std::atomic_ref<uint64_t>::required_alignment);

}  // namespace synx::stats
