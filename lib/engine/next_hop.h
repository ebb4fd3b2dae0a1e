// next_hop.h — the initiator's start-up step: learn the MAC address of each
// next hop (a target on the link, or the --gateway) by ARP (RFC 826) or IPv6
// neighbour solicitation (RFC 4861 §7.2.2) before the first SYN.
//
// ResolveNextHops sends one request per unresolved address at once and
// again every `retry_ms`, polls every RX queue of the port in between, and
// lets lib/host decide about what comes back (host::Decide with a
// NeighborCache that expects exactly these addresses: only an answer to a
// question we asked is learned). ARP requests, echo requests and
// solicitations for our own addresses are answered meanwhile (the target
// may ask who we are before it answers); TCP and anything else is freed.
// It gives up after `timeout_ms` and names the addresses that never
// answered.
//
// Control path only: it runs before the workers start, on the main lcore,
// and sleeps between empty polls. Every mbuf it takes goes back before it
// returns.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "host/host_config.h"
#include "stats/counters.h"
#include "wire/addr.h"

struct rte_mempool;

namespace synx::engine {

struct ResolveOptions {
  uint16_t port_id = 0;
  uint16_t queues = 1;  // RX/TX queue pairs to poll (requests go on queue 0)
  rte_mempool* mempool = nullptr;
  // Our MAC and addresses: a request for family F is sent from the first
  // address of F in `host`, which must exist.
  const host::HostConfig* host = nullptr;
  uint32_t timeout_ms = 3000;
  uint32_t retry_ms = 1000;
  // arp_requests_tx, nd_solicits_tx, neighbors_learned, the host replies
  // and drops of the frames seen meanwhile. May be null.
  stats::CounterBlock* counters = nullptr;
};

struct ResolveResult {
  std::vector<wire::MacAddr> macs;       // parallel to the hops; zero if unresolved
  std::vector<wire::IpAddr> unresolved;  // in the order given
  uint32_t requests_sent = 0;
};

// Resolves `hops` (duplicates allowed: each is asked once). A Status only
// for a setup failure (no source address of a family, no mbuf, the port
// refusing every request); hops that never answered are in `unresolved`.
absl::StatusOr<ResolveResult> ResolveNextHops(const ResolveOptions& options,
                                              std::span<const wire::IpAddr> hops);

}  // namespace synx::engine
