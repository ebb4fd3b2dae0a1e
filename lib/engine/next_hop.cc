#include "engine/next_hop.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/datapath.h"
#include "host/host.h"
#include "host/neighbor_cache.h"
#include "host/resolve.h"
#include "wire/frame.h"

namespace synx::engine {
namespace {

// Sleep between polls that found nothing: the answer takes a round trip
// (tens of microseconds on a link), the whole wait is seconds, and the
// machine's other cores are not ours to spin on.
constexpr unsigned kIdleSleepUs = 200;

}  // namespace

absl::StatusOr<ResolveResult> ResolveNextHops(
    const ResolveOptions& o, std::span<const wire::IpAddr> hops) {
  if (o.host == nullptr || o.mempool == nullptr || o.queues == 0) {
    return absl::InvalidArgumentError("resolve: host, mempool and queues must be set");
  }
  const host::HostConfig& host = *o.host;
  stats::CounterBlock scratch;
  stats::CounterBlock& counters = o.counters != nullptr ? *o.counters : scratch;

  // The distinct addresses, each expected in the cache.
  std::vector<wire::IpAddr> distinct;
  host::NeighborCache cache;
  for (const wire::IpAddr& hop : hops) {
    if (std::find(distinct.begin(), distinct.end(), hop) != distinct.end()) continue;
    const auto own = hop.is_v4() ? host.v4() : host.v6();
    if (own.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no --local address of the family of ", hop.ToString(),
          " to ask for its MAC address from"));
    }
    if (!cache.Expect(hop)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "more than ", host::NeighborCache::kCapacity, " distinct next hops"));
    }
    distinct.push_back(hop);
  }

  ResolveResult result;
  const uint64_t hz = rte_get_tsc_hz();
  const uint64_t start = rte_rdtsc();
  const uint64_t deadline = start + hz * o.timeout_ms / 1000;
  const uint64_t retry = std::max<uint64_t>(1, hz * o.retry_ms / 1000);
  uint64_t next_send = start;
  TxBatch batch;
  rte_mbuf* rx[kBurst];

  auto pending = [&] {
    std::vector<wire::IpAddr> out;
    for (const wire::IpAddr& a : distinct) {
      if (!cache.Lookup(a)) out.push_back(a);
    }
    return out;
  };

  for (uint64_t now = start;; now = rte_rdtsc()) {
    const std::vector<wire::IpAddr> waiting = pending();
    if (waiting.empty() || now >= deadline) break;
    if (now >= next_send) {
      for (const wire::IpAddr& hop : waiting) {
        rte_mbuf* m = rte_pktmbuf_alloc(o.mempool);
        if (m == nullptr) {
          batch.Flush(o.port_id, 0, counters);
          return absl::ResourceExhaustedError(
              "resolve: no mbuf for an ARP request / neighbour solicitation");
        }
        const wire::IpAddr& own = hop.is_v4() ? host.v4()[0] : host.v6()[0];
        const size_t len =
            hop.is_v4() ? host::WriteArpRequest(Room(m), host.mac, own, hop)
                        : host::WriteNeighborSolicit(Room(m), host.mac, own, hop);
        m->data_len = static_cast<uint16_t>(len);
        m->pkt_len = static_cast<uint32_t>(len);
        m->ol_flags = 0;
        batch.Transmit(m);
        counters.Inc(hop.is_v4() ? stats::Counter::kArpRequestsTx
                                 : stats::Counter::kNdSolicitsTx);
        ++result.requests_sent;
      }
      batch.Flush(o.port_id, 0, counters);
      next_send = now + retry;
    }
    bool idle = true;
    for (uint16_t q = 0; q < o.queues; ++q) {
      const uint16_t n = rte_eth_rx_burst(o.port_id, q, rx, kBurst);
      if (n != 0) idle = false;
      for (uint16_t i = 0; i < n; ++i) {
        rte_mbuf* const m = rx[i];
        const uint8_t* const data = rte_pktmbuf_mtod(m, const uint8_t*);
        if (m->nb_segs != 1 || m->data_len < 6 || !AcceptsDestination(host, data)) {
          batch.Free(m);
          continue;
        }
        const wire::Frame f = wire::ParseFrame(
            {data, m->data_len}, IpStatus(m->ol_flags), L4Status(m->ol_flags));
        if (!f.ok() || f.kind == wire::FrameKind::kTcp) {
          batch.Free(m);
          continue;
        }
        const host::HostAction a = AnswerHost(m, f, host, &cache, batch, counters);
        if (a.learn &&
            cache.Update(a.neighbor_ip, a.neighbor_mac) == host::NeighborUpdate::kLearned) {
          counters.Inc(stats::Counter::kNeighborsLearned);
        }
      }
      batch.Flush(o.port_id, q, counters);
    }
    if (idle) rte_delay_us_sleep(kIdleSleepUs);
  }

  for (const wire::IpAddr& hop : hops) {
    const std::optional<wire::MacAddr> mac = cache.Lookup(hop);
    result.macs.push_back(mac.value_or(wire::MacAddr{}));
    if (!mac && std::find(result.unresolved.begin(), result.unresolved.end(), hop) ==
                    result.unresolved.end()) {
      result.unresolved.push_back(hop);
    }
  }
  return result;
}

}  // namespace synx::engine
