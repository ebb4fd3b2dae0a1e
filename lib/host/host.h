// host.h — what the engine does with ARP, ICMP echo and IPv6 ND frames for
// its own addresses, so that real hosts can reach it without static
// neighbours (and the initiator can learn its next hop's MAC).
//
// Decide is a pure function of (config, parsed frame, optional neighbour
// cache): it returns the reply to send, or that the frame was consumed, or
// the DropReason to count. Respond writes the reply in place into the
// received frame's buffer with the lib/wire writers. Neither allocates,
// reads a clock nor touches TCP; the caller counts and transmits.
//
// Rules:
//   ARP (RFC 826): first the "merge" — if the sender's address is in the
//     neighbour cache, its MAC is learned (HostAction::learn), whatever the
//     verdict; then a request for one of our addresses gets a reply (probes
//     from 0.0.0.0, RFC 5227 §2.1.1, included); a reply for us is consumed
//     if we were resolving its sender, else counted unsolicited; anything
//     addressed to someone else is kArpNotForUs.
//   ICMP / ICMPv6 echo request (RFC 792, RFC 4443 §4.1) to one of our
//     addresses → echo reply.
//   NS (RFC 4861 §7.2.3) for one of our addresses → solicited NA; its
//     source link-layer option is learned when the source is in the cache.
//   NA (RFC 4861 §7.2.5): learned when we were resolving its target, else
//     counted unsolicited; without a target link-layer option it cannot
//     resolve anything and is counted as such.
//   A sender claiming one of our addresses is kOwnSource when it uses our
//   MAC (our own frame looped back) and kAddressConflict otherwise; it never
//   gets a reply and is never learned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "host/host_config.h"
#include "host/neighbor_cache.h"
#include "wire/addr.h"
#include "wire/drop_reason.h"
#include "wire/frame.h"

namespace synx::host {

enum class HostVerdict : uint8_t {
  kNotHost,   // a TCP segment: not lib/host's business
  kDrop,      // count HostAction::drop, free the frame
  kConsumed,  // no reply, nothing to count as a drop (a learned NA / ARP reply)
  kArpReply,  // Respond() writes it
  kEchoReply,
  kNeighborAdvert,
};

struct HostAction {
  HostVerdict verdict = HostVerdict::kDrop;
  wire::DropReason drop = wire::DropReason::kNone;  // when verdict == kDrop
  // When set, call cache->Update(neighbor_ip, neighbor_mac), whatever the
  // verdict (ARP merges before it looks at the target).
  bool learn = false;
  wire::IpAddr neighbor_ip;
  wire::MacAddr neighbor_mac;
};

// `cache` may be null (the responder keeps none): nothing is then learned
// and every ARP reply / NA counts as unsolicited.
HostAction Decide(const HostConfig& config, const wire::Frame& frame,
                  const NeighborCache* cache = nullptr);

// Writes the reply `action` calls for into `buf` (the received frame's
// writable bytes, from its first byte to the end of the data room) and
// returns its length; 0 when the action has no reply or `buf` is too small.
size_t Respond(std::span<uint8_t> buf, const wire::Frame& frame,
               const HostConfig& config, const HostAction& action);

}  // namespace synx::host
