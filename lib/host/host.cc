#include "host/host.h"

#include "wire/reply.h"

namespace synx::host {
namespace {

using wire::DropReason;

HostAction Drop(DropReason r) {
  HostAction a;
  a.verdict = HostVerdict::kDrop;
  a.drop = r;
  return a;
}

HostAction Verdict(HostVerdict v) {
  HostAction a;
  a.verdict = v;
  return a;
}

// A sender using one of our addresses: our own frame come back (same MAC),
// or another host configured with our address.
DropReason ClaimsOurAddress(const HostConfig& c, const wire::MacAddr& sender) {
  return sender == c.mac ? DropReason::kOwnSource
                         : DropReason::kAddressConflict;
}

// Sets `a` to learn ip → mac when we hold an entry for ip (RFC 826 merge,
// RFC 4861 §7.2.5: only entries that exist are updated).
void MaybeLearn(HostAction* a, const NeighborCache* cache,
                const wire::IpAddr& ip, const wire::MacAddr& mac) {
  if (cache == nullptr || mac.IsMulticast() || mac.IsZero() ||
      !cache->Contains(ip)) {
    return;
  }
  a->learn = true;
  a->neighbor_ip = ip;
  a->neighbor_mac = mac;
}

HostAction DecideArp(const HostConfig& c, const wire::Frame& f,
                     const NeighborCache* cache) {
  const wire::ArpMessage& arp = f.arp;
  if (arp.sha.IsMulticast() || arp.sha.IsZero())
    return Drop(DropReason::kBadSource);
  if (c.IsOwn(arp.spa)) return Drop(ClaimsOurAddress(c, arp.sha));

  HostAction a;
  // RFC 826 "Packet Reception": merge the sender before asking whether we
  // are the target. A probe's sender 0.0.0.0 (RFC 5227) is never learned.
  if (!arp.spa.IsUnspecified()) MaybeLearn(&a, cache, arp.spa, arp.sha);

  if (!c.IsOwn(arp.tpa)) {
    a.verdict = HostVerdict::kDrop;
    a.drop = DropReason::kArpNotForUs;
  } else if (arp.op == wire::kArpOpRequest) {
    a.verdict = HostVerdict::kArpReply;
  } else if (arp.op == wire::kArpOpReply) {
    if (a.learn) {
      a.verdict = HostVerdict::kConsumed;
    } else {
      a.verdict = HostVerdict::kDrop;
      a.drop = DropReason::kArpReplyUnsolicited;
    }
  } else {
    a.verdict = HostVerdict::kDrop;
    a.drop = DropReason::kArpUnsupportedOp;
  }
  return a;
}

HostAction DecideEcho(const HostConfig& c, const wire::Frame& f) {
  if (!c.IsOwn(f.dst)) return Drop(DropReason::kEchoNotForUs);
  if (c.IsOwn(f.src)) return Drop(ClaimsOurAddress(c, f.src_mac));
  return Verdict(HostVerdict::kEchoReply);
}

HostAction DecideSolicit(const HostConfig& c, const wire::Frame& f,
                         const NeighborCache* cache) {
  // RFC 4861 §7.2.3: a solicitation whose target is not ours is discarded.
  if (!c.IsOwn(f.icmp.target)) return Drop(DropReason::kNdNotForUs);
  if (c.IsOwn(f.src)) {
    const wire::MacAddr& sender =
        f.icmp.has_link_addr ? f.icmp.link_addr : f.src_mac;
    return Drop(ClaimsOurAddress(c, sender));
  }
  HostAction a = Verdict(HostVerdict::kNeighborAdvert);
  if (f.icmp.has_link_addr) MaybeLearn(&a, cache, f.src, f.icmp.link_addr);
  return a;
}

HostAction DecideAdvert(const HostConfig& c, const wire::Frame& f,
                        const NeighborCache* cache) {
  const wire::IcmpMessage& na = f.icmp;
  if (c.IsOwn(na.target)) {
    return Drop(
        ClaimsOurAddress(c, na.has_link_addr ? na.link_addr : f.src_mac));
  }
  if (cache == nullptr || !cache->Contains(na.target)) {
    return Drop(DropReason::kNdAdvertUnsolicited);
  }
  // §7.2.5: an INCOMPLETE entry needs the target link-layer address option.
  if (!na.has_link_addr) return Drop(DropReason::kNdAdvertNoLinkAddr);
  HostAction a = Verdict(HostVerdict::kConsumed);
  MaybeLearn(&a, cache, na.target, na.link_addr);
  if (!a.learn) return Drop(DropReason::kNdBadMessage);  // multicast/zero MAC
  return a;
}

}  // namespace

HostAction Decide(const HostConfig& config, const wire::Frame& frame,
                  const NeighborCache* cache) {
  switch (frame.kind) {
    case wire::FrameKind::kDrop:
      return Drop(frame.drop);
    case wire::FrameKind::kTcp:
      return Verdict(HostVerdict::kNotHost);
    case wire::FrameKind::kArp:
      return DecideArp(config, frame, cache);
    case wire::FrameKind::kIcmpEchoRequest:
      return DecideEcho(config, frame);
    case wire::FrameKind::kNeighborSolicit:
      return DecideSolicit(config, frame, cache);
    case wire::FrameKind::kNeighborAdvert:
      return DecideAdvert(config, frame, cache);
  }
  return Drop(DropReason::kUnsupportedProtocol);
}

size_t Respond(std::span<uint8_t> buf, const wire::Frame& frame,
               const HostConfig& config, const HostAction& action) {
  switch (action.verdict) {
    case HostVerdict::kArpReply:
      return wire::WriteArpReply(buf, frame, config.mac);
    case HostVerdict::kEchoReply:
      return wire::WriteEchoReply(buf, frame, config.ttl);
    case HostVerdict::kNeighborAdvert:
      return wire::WriteNeighborAdvert(buf, frame, config.mac);
    case HostVerdict::kNotHost:
    case HostVerdict::kDrop:
    case HostVerdict::kConsumed:
      return 0;
  }
  return 0;
}

}  // namespace synx::host
