// resolve.h — fresh frames that ask for a next hop's MAC: an ARP request
// (RFC 826) or an IPv6 neighbour solicitation (RFC 4861 §7.2.2).
//
// Used by the initiator before it sends SYNs. Each writer fills `buf` from
// its first byte and returns the frame length, or 0 when `buf` is too small
// or an address has the wrong family (nothing is then written). Untagged
// frames only. Never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/addr.h"

namespace synx::host {

// 42 bytes of Ethernet + ARP, zero-padded to the 60-byte Ethernet minimum
// (without FCS) so that no PMD has to pad it.
inline constexpr size_t kArpRequestLength = 60;
// Ethernet 14 + IPv6 40 + NS 24 + source link-layer option 8.
inline constexpr size_t kNeighborSolicitLength = 86;

// Broadcast "who has `target`? tell `own_ip`" from `own_mac`.
size_t WriteArpRequest(std::span<uint8_t> buf, const wire::MacAddr& own_mac,
                       const wire::IpAddr& own_ip, const wire::IpAddr& target);

// NS for `target` from `own_ip`, sent to the target's solicited-node group
// (and its 33:33:ff… MAC) with hop limit 255 and a source link-layer
// address option carrying `own_mac`.
size_t WriteNeighborSolicit(std::span<uint8_t> buf,
                            const wire::MacAddr& own_mac,
                            const wire::IpAddr& own_ip,
                            const wire::IpAddr& target);

}  // namespace synx::host
