// drop_reason.h — every reason a frame can be dropped, by name.
//
// One list for the whole engine: ParseFrame returns the wire-level reasons,
// later layers (tcp, host, engine) return theirs. stats keeps one counter per
// entry and renders the snake_case name as the JSON / telemetry key, so a name
// here is a user-facing interface: add freely, rename only with a note in docs/.
//
// Each row: X(Enumerator, "json_name", "what it means").
#pragma once

#include <cstdint>
#include <string_view>

namespace synx::wire {

#define SYNX_DROP_REASONS(X)                                                   \
  X(kNone, "none", "not dropped")                                              \
  /* L2 */                                                                     \
  X(kTruncated, "truncated", "frame shorter than the headers it claims")       \
  X(kUnknownEtherType, "unknown_ethertype", "EtherType not IPv4/IPv6/ARP")     \
  X(kVlanTooDeep, "vlan_too_deep", "more than two 802.1Q/802.1ad tags")        \
  /* ARP */                                                                    \
  X(kArpBadHeader, "arp_bad_header", "ARP not Ethernet/IPv4 (htype/ptype/hlen/plen)") \
  X(kArpUnsupportedOp, "arp_unsupported_op", "ARP op neither request nor reply") \
  /* IPv4 */                                                                   \
  X(kIpv4BadVersion, "ipv4_bad_version", "IP version field is not 4")          \
  X(kIpv4BadIhl, "ipv4_bad_ihl", "IHL below 5 or header beyond total length")  \
  X(kIpv4BadLength, "ipv4_bad_length", "total length beyond the frame or below the header") \
  X(kIpv4BadChecksum, "ipv4_bad_checksum", "IPv4 header checksum wrong")       \
  X(kIpv4Fragment, "ipv4_fragment", "MF set or fragment offset not zero")      \
  X(kIpv4BadOptions, "ipv4_bad_options", "IPv4 option list malformed")         \
  X(kIpv4SourceRoute, "ipv4_source_route", "LSRR/SSRR option present (deliberate deviation, see docs)") \
  /* IPv6 */                                                                   \
  X(kIpv6BadVersion, "ipv6_bad_version", "IP version field is not 6")          \
  X(kIpv6BadLength, "ipv6_bad_length", "payload length 0 (jumbogram) or beyond the frame") \
  X(kIpv6ExtHeaderLimit, "ipv6_ext_limit", "more extension headers than the bounded walk allows") \
  X(kIpv6BadExtHeader, "ipv6_bad_ext_header", "extension header truncated or malformed") \
  X(kIpv6Fragment, "ipv6_fragment", "fragment header present")                 \
  X(kIpv6RoutingHeader, "ipv6_routing_header", "routing header with segments left") \
  X(kIpv6UnknownOption, "ipv6_unknown_option", "hop-by-hop/destination option we do not implement whose type says discard (RFC 8200 4.2)") \
  /* Addresses (both families) */                                             \
  X(kBadSource, "bad_source", "source is multicast/broadcast/unspecified/loopback/class E") \
  X(kBadDestination, "bad_destination", "destination multicast/broadcast/unspecified/loopback") \
  X(kLand, "land", "source address equals destination address")               \
  X(kUnsupportedProtocol, "unsupported_protocol", "L4 protocol neither TCP nor ICMP") \
  /* TCP */                                                                    \
  X(kTcpTruncated, "tcp_truncated", "fewer than 20 bytes of TCP header")       \
  X(kTcpBadOffset, "tcp_bad_offset", "data offset below 5 or beyond the segment") \
  X(kTcpBadChecksum, "tcp_bad_checksum", "TCP checksum wrong")                 \
  X(kTcpZeroPort, "tcp_zero_port", "source or destination port 0")             \
  X(kTcpNoFlags, "tcp_no_flags", "no control bit set (null scan)")             \
  X(kTcpSynFin, "tcp_syn_fin", "SYN and FIN together")                         \
  X(kTcpSynRst, "tcp_syn_rst", "SYN and RST together")                         \
  /* ICMPv4 / ICMPv6 / ND */                                                   \
  X(kIcmpTruncated, "icmp_truncated", "ICMP message shorter than its header")  \
  X(kIcmpBadChecksum, "icmp_bad_checksum", "ICMP/ICMPv6 checksum wrong")       \
  X(kIcmpUnsupportedType, "icmp_unsupported_type", "ICMP type not handled (not echo request / NS / NA)") \
  X(kNdBadHopLimit, "nd_bad_hop_limit", "ND message with hop limit other than 255") \
  X(kNdBadMessage, "nd_bad_message", "ND code not 0, bad target or malformed option") \
  X(kNdDuplicateAddressDetection, "nd_dad", "NS from the unspecified address (DAD probe)") \
  /* Later layers append their reasons below this line. */                     \
  /* host: ARP / ICMP echo / ND for the engine's own addresses (lib/host) */ \
  X(kArpNotForUs, "arp_not_for_us", "ARP whose target address is not one of ours") \
  X(kArpReplyUnsolicited, "arp_reply_unsolicited", "ARP reply for a neighbour nobody here is resolving") \
  X(kEchoNotForUs, "echo_not_for_us", "ICMP echo request to an address that is not ours") \
  X(kNdNotForUs, "nd_not_for_us", "neighbour solicitation for a target that is not ours") \
  X(kNdAdvertUnsolicited, "nd_advert_unsolicited", "neighbour advertisement for a neighbour nobody here is resolving") \
  X(kNdAdvertNoLinkAddr, "nd_advert_no_link_addr", "neighbour advertisement without a target link-layer address (RFC 4861 7.2.5)") \
  X(kAddressConflict, "address_conflict", "another host claims one of our addresses") \
  X(kOwnSource, "own_source", "source is one of our own addresses: looped back or spoofed") \
  /* tcp: the connection rules (lib/tcp) */                                   \
  X(kTcpRstNoConnection, "tcp_rst_no_connection", "RST for no connection: never answered (RFC 9293 3.10.7.1)") \
  X(kTcpClosedPort, "tcp_closed_port", "segment to an address:port nobody listens on, --closed-port=drop") \
  X(kTcpRstRateLimited, "tcp_rst_rate_limited", "RST to an unmatched segment suppressed by the per-core rate limit") \
  X(kTcpRstToListener, "tcp_rst_to_listener", "RST to a listener: ignored (RFC 9293 3.10.7.2)") \
  X(kTcpListenNoSynAck, "tcp_listen_no_syn_ack", "segment to a listener with none of SYN, ACK, RST (a lone FIN, PSH, URG)") \
  X(kTcpCookieMssTooSmall, "tcp_cookie_mss_too_small", "SYN with an MSS below the cookie table floor while cookies are on") \
  X(kTcpCookieNoKey, "tcp_cookie_no_key", "SYN for a cookie while no signing key could be read") \
  X(kTcpTableFull, "tcp_table_full", "SYN needing a table entry while the table is full and cookies are off") \
  X(kTcpOutOfWindow, "tcp_out_of_window", "RST outside the receive window (RFC 5961 3.2)") \
  X(kTcpAckRateLimited, "tcp_ack_rate_limited", "challenge or out-of-window ACK suppressed by the per-flow limit (RFC 5961 7)") \
  X(kTcpNoAck, "tcp_no_ack", "segment without ACK to a connection (RFC 9293 3.10.7.4 fifth)") \
  X(kTcpTsMissing, "tcp_ts_missing", "segment without timestamps after they were agreed (RFC 7323 3.2)") \
  X(kTcpUnexpectedState, "tcp_unexpected_state", "entry in a state this role never stores") \
  /* engine: the per-lcore burst loop (lib/engine) */                        \
  X(kChainedMbuf, "chained_mbuf", "frame spread over several mbufs (scattered RX): not parsed") \
  X(kL2NotForUs, "l2_not_for_us", "destination MAC neither ours, broadcast, nor a solicited-node group of ours") \
  X(kL2NotUnicast, "l2_not_unicast", "TCP segment or echo request in a broadcast or multicast Ethernet frame") \
  X(kTcpNotForUs, "tcp_not_for_us", "TCP segment to an address that is not one of ours") \
  X(kReplyNoRoom, "reply_no_room", "the reply does not fit the received mbuf's data room") \
  X(kNoL2Peer, "no_l2_peer", "timer-driven segment not sent: the peer's link header was not recorded (per-core peer table full)") \
  /* tcp: the initiator's rules (lib/tcp/initiator) */                       \
  X(kTcpSynSentRstNoAck, "tcp_syn_sent_rst_no_ack", "RST without ACK in SYN-SENT: ignored (RFC 9293 3.10.7.3)") \
  X(kTcpSynSentRstBadAck, "tcp_syn_sent_rst_bad_ack", "RST in SYN-SENT whose ACK is outside (ISS, SND.NXT]: ignored (RFC 9293 3.10.7.3)") \
  X(kTcpSynSentNoSyn, "tcp_syn_sent_no_syn", "segment in SYN-SENT with neither SYN nor RST (RFC 9293 3.10.7.3 fifth)") \
  X(kTcpFloodOther, "tcp_flood_other", "segment in flood mode that is neither a SYN+ACK nor a RST") \

enum class DropReason : uint8_t {
#define SYNX_DROP_ENUM(name, json, help) name,
  SYNX_DROP_REASONS(SYNX_DROP_ENUM)
#undef SYNX_DROP_ENUM
      kCount
};

inline constexpr int kDropReasonCount = static_cast<int>(DropReason::kCount);

// The snake_case name used as counter / JSON key.
constexpr std::string_view DropReasonName(DropReason r) {
  constexpr std::string_view kNames[] = {
#define SYNX_DROP_NAME(name, json, help) json,
      SYNX_DROP_REASONS(SYNX_DROP_NAME)
#undef SYNX_DROP_NAME
  };
  const auto i = static_cast<int>(r);
  return i < kDropReasonCount ? kNames[i] : std::string_view("invalid");
}

// One line for operators: what the counter means.
constexpr std::string_view DropReasonHelp(DropReason r) {
  constexpr std::string_view kHelp[] = {
#define SYNX_DROP_HELP(name, json, help) help,
      SYNX_DROP_REASONS(SYNX_DROP_HELP)
#undef SYNX_DROP_HELP
  };
  const auto i = static_cast<int>(r);
  return i < kDropReasonCount ? kHelp[i] : std::string_view("invalid");
}

}  // namespace synx::wire
