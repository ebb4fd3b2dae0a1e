// reply.h — writers that turn a received frame into its reply, in place.
//
// Each writer takes the whole writable buffer of the received frame (from its
// first byte to the end of the mbuf's data room, so a reply may be longer than
// the request) and the Frame that ParseFrame made of it, rewrites the bytes,
// and returns the reply's length (0 when `buf` is too small: nothing written).
// They never read outside `buf`, never allocate, and keep L2 framing (VLAN
// tags) as received while swapping the MAC addresses.
//
// IP options and IPv6 extension headers of the request are never echoed: the
// reply gets a fresh 20-byte IPv4 or 40-byte IPv6 header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/addr.h"
#include "wire/frame.h"
#include "wire/seq_num.h"
#include "wire/tcp_flags.h"
#include "wire/tcp_options.h"

namespace synx::wire {

enum class L4ChecksumMode : uint8_t {
  kSoftware,  // compute the full checksum
  kOffload,   // store the pseudo-header sum; the NIC completes it
              // (what DPDK's RTE_MBUF_F_TX_TCP_CKSUM expects)
};

struct TcpReply {
  TcpFlags flags;
  SeqNum seq;
  SeqNum ack;
  uint16_t window = 0;
  SynOptions syn;          // written when flags has SYN
  bool timestamps = false; // non-SYN: write NOP NOP TS(ts_val, ts_ecr)
  uint32_t ts_val = 0;
  uint32_t ts_ecr = 0;
  uint8_t ttl = 64;        // IPv4 TTL / IPv6 hop limit (MUST-49: configurable)
  uint16_t ip_id = 0;      // IPv4 identification (DF is always set)
};

// Turns the received TCP segment `in` into `r`, sent back to its sender:
// addresses and ports swapped, payload dropped.
size_t WriteTcpReply(std::span<uint8_t> buf, const Frame& in, const TcpReply& r,
                     L4ChecksumMode mode = L4ChecksumMode::kSoftware);

// The same TCP segment in a fresh frame, for sends no received frame prompts
// (timer-driven SYN+ACK and FIN retransmissions, idle RSTs): from `local` to
// `remote`. `l2` is the link header exactly as it goes on the wire minus the
// final EtherType: destination MAC, source MAC, then zero, one or two VLAN
// tags (TPID and TCI each), so 12, 16 or 20 bytes. The EtherType follows from
// the family, then the IP and TCP headers WriteTcpReply would write. Returns
// 0 (nothing written) when `buf` is too small, `l2` has another length or the
// two addresses' families differ.
size_t WriteTcpSegment(std::span<uint8_t> buf, std::span<const uint8_t> l2,
                       const IpAddr& local, uint16_t local_port,
                       const IpAddr& remote, uint16_t remote_port,
                       const TcpReply& r,
                       L4ChecksumMode mode = L4ChecksumMode::kSoftware);

// ARP request for one of our addresses → ARP reply from `own_mac`.
size_t WriteArpReply(std::span<uint8_t> buf, const Frame& in,
                     const MacAddr& own_mac);

// ICMPv4 / ICMPv6 echo request → echo reply (identifier, sequence and data
// kept; checksum updated incrementally, RFC 1624).
size_t WriteEchoReply(std::span<uint8_t> buf, const Frame& in, uint8_t ttl);

// IPv6 neighbour solicitation for our address → solicited neighbour
// advertisement (S and O set, target link-layer option = own_mac), sent to
// the solicitation's source with hop limit 255 (RFC 4861 §7.2.4).
size_t WriteNeighborAdvert(std::span<uint8_t> buf, const Frame& in,
                           const MacAddr& own_mac);

}  // namespace synx::wire
