#!/usr/bin/python3
"""Generates tests/wire/golden_frames.h: byte-exact frames built with scapy.

The header holds the received frames that the wire tests parse (inputs) and
the replies that lib/wire/reply.h writers must produce from them (outputs),
each beside the scapy expression that made it, plus the named values (ISS,
windows, timestamps, ...) the tests pass to the writers.

Everything is fixed: re-running writes an identical file.

  /usr/bin/python3 scripts/golden_frames.py            # (re)write the header
  /usr/bin/python3 scripts/golden_frames.py --check    # exit 1 if it differs;
                                                       # also tshark-validates
  /usr/bin/python3 scripts/golden_frames.py --pcap f   # write every frame to f

Addresses come only from the benchmarking ranges 198.18.0.0/15 (RFC 2544)
and 2001:2::/48 (RFC 5180); MACs are locally administered.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

from scapy.all import (ARP, ICMP, IP, TCP, Dot1AD, Dot1Q, Ether,
                       ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA,
                       ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                       IPOption_NOP, IPOption_Router_Alert, IPv6,
                       IPv6ExtHdrHopByHop, Padding, Raw, wrpcap)
from scapy.layers.inet6 import RouterAlert

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(REPO, 'tests', 'wire', 'golden_frames.h')

# ---------------------------------------------------------------------------
# Named values. Each becomes a constant in the header (kCamelCase); the scapy
# expressions below are written with these values substituted, so the comment
# beside each array can be pasted into scapy as is.

OWN_MAC = '02:00:00:00:00:01'
PEER_MAC = '02:00:00:00:00:02'
OWN_IP4 = '198.18.0.1'
PEER_IP4 = '198.18.0.2'
OWN_IP6 = '2001:2::1'
PEER_IP6 = '2001:2::2'
SOLICITED_NODE_IP6 = 'ff02::1:ff00:1'      # RFC 4291 §2.7.1 for OWN_IP6
SOLICITED_NODE_MAC = '33:33:ff:00:00:01'   # RFC 2464 §7

VALUES = [
    # name, C type, value
    ('kOwnPort', 'uint16_t', 80),
    ('kPeerPort', 'uint16_t', 51234),
    ('kPeerTtl', 'uint8_t', 57),           # TTL / hop limit of every input
    ('kPeerIpId', 'uint16_t', 0x3d21),
    ('kPeerIsn', 'uint32_t', 0x1f2e3d4c),
    ('kIss', 'uint32_t', 0x8a7b6c5d),      # bit 31 set on purpose
    ('kPeerSynWindow', 'uint16_t', 64240),
    ('kPeerAckWindow', 'uint16_t', 502),
    ('kPeerMssV4', 'uint16_t', 1460),
    ('kPeerMssV6', 'uint16_t', 1440),
    ('kPeerWindowShift', 'uint8_t', 7),
    ('kPeerTsValSyn', 'uint32_t', 0xb2d05e00),
    ('kPeerTsValAck', 'uint32_t', 0xb2d05e11),
    ('kSynDataLen', 'uint16_t', 10),
    ('kAckDataLen', 'uint16_t', 18),
    ('kVlanTci', 'uint16_t', 0xa064),      # PCP 5, VID 100
    ('kOuterVlanTci', 'uint16_t', 0x00c8),  # VID 200 (802.1ad S-tag)
    ('kPaddedSynPadLen', 'uint16_t', 6),
    ('kEchoIdV4', 'uint16_t', 0x1c2b),
    ('kEchoSeqV4', 'uint16_t', 7),
    ('kEchoIdV6', 'uint16_t', 0x2d3c),
    ('kEchoSeqV6', 'uint16_t', 9),
    ('kEchoDataLen', 'uint16_t', 56),
    # Reply parameters (what the tests put in TcpReply / pass to the writers).
    ('kReplyTtl', 'uint8_t', 63),          # differs from TcpReply's default
    ('kReplyIpId', 'uint16_t', 0x2b1d),
    ('kOwnSynAckWindow', 'uint16_t', 65160),
    ('kOwnAckWindow', 'uint16_t', 510),
    ('kOwnMssV4', 'uint16_t', 1400),
    ('kOwnMssV6', 'uint16_t', 1380),
    ('kOwnWindowShift', 'uint8_t', 9),
    ('kOwnTsVal', 'uint32_t', 0x00012d68),
    ('kOwnTsValAck', 'uint32_t', 0x00012d7c),
]
V = {name: value for name, _, value in VALUES}

# Payloads, written as expressions so that the comments stay readable.
SYN_DATA = f"bytes(range(48, {48 + V['kSynDataLen']}))"
ACK_DATA = "b'GET / HTTP/1.0\\r\\n\\r\\n'"
ECHO_DATA = f"bytes(range(16, {16 + V['kEchoDataLen']}))"
assert len(eval(ACK_DATA)) == V['kAckDataLen']


def linux_syn_opts(mss, tsval):
  return (f"[('MSS', {mss}), ('SAckOK', b''), ('Timestamp', ({tsval}, 0)), "
          f"('NOP', None), ('WScale', {V['kPeerWindowShift']})]")


def own_syn_opts(mss, tsecr):
  return (f"[('MSS', {mss}), ('SAckOK', b''), "
          f"('Timestamp', ({V['kOwnTsVal']}, {tsecr})), ('NOP', None), "
          f"('WScale', {V['kOwnWindowShift']})]")


def ts_opts(tsval, tsecr):
  return f"[('NOP', None), ('NOP', None), ('Timestamp', ({tsval}, {tsecr}))]"


ETH_IN = f"Ether(dst='{OWN_MAC}', src='{PEER_MAC}')"
ETH_OUT = f"Ether(dst='{PEER_MAC}', src='{OWN_MAC}')"
IP4_IN = (f"IP(src='{PEER_IP4}', dst='{OWN_IP4}', ttl={V['kPeerTtl']}, "
          f"id={V['kPeerIpId']}, flags='DF')")
IP4_IN_OPTS = (f"IP(src='{PEER_IP4}', dst='{OWN_IP4}', ttl={V['kPeerTtl']}, "
               f"id={V['kPeerIpId']}, flags='DF', "
               f"options=[IPOption_NOP(), IPOption_Router_Alert()])")
IP6_IN = f"IPv6(src='{PEER_IP6}', dst='{OWN_IP6}', hlim={V['kPeerTtl']})"
HBH = "IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])"
# reply.h: 20-byte header, ToS 0, DF, ip_id and TTL from TcpReply.
IP4_OUT = (f"IP(src='{OWN_IP4}', dst='{PEER_IP4}', tos=0, "
           f"ttl={V['kReplyTtl']}, id={V['kReplyIpId']}, flags='DF')")
# Echo replies have no ip_id parameter: 0 (RFC 6864 §4.1, DF set).
IP4_OUT_ECHO = (f"IP(src='{OWN_IP4}', dst='{PEER_IP4}', tos=0, "
                f"ttl={V['kReplyTtl']}, id=0, flags='DF')")
IP6_OUT = (f"IPv6(src='{OWN_IP6}', dst='{PEER_IP6}', tc=0, fl=0, "
           f"hlim={V['kReplyTtl']})")
VLAN = "Dot1Q(prio=5, vlan=100)"
QINQ = "Dot1AD(vlan=200)/Dot1Q(prio=5, vlan=100)"
PEER_TCP = f"sport={V['kPeerPort']}, dport={V['kOwnPort']}"
OWN_TCP = f"sport={V['kOwnPort']}, dport={V['kPeerPort']}"

ISN = V['kPeerIsn']
ISS = V['kIss']


def syn(mss=V['kPeerMssV4']):
  return (f"TCP({PEER_TCP}, seq={ISN}, flags='S', "
          f"window={V['kPeerSynWindow']}, "
          f"options={linux_syn_opts(mss, V['kPeerTsValSyn'])})")


def synack(ack, mss=V['kOwnMssV4']):
  return (f"TCP({OWN_TCP}, seq={ISS}, ack={ack}, flags='SA', "
          f"window={V['kOwnSynAckWindow']}, "
          f"options={own_syn_opts(mss, V['kPeerTsValSyn'])})")


SYN_PLAIN = (f"TCP({PEER_TCP}, seq={ISN}, flags='S', window=1024)")

# name -> scapy expression. Order is the header's order.
INPUTS = [
    ('syn_v4_linux', f"{ETH_IN}/{IP4_IN}/{syn()}"),
    ('syn_v4_no_options', f"{ETH_IN}/{IP4_IN}/{SYN_PLAIN}"),
    ('syn_v4_data',
     f"{ETH_IN}/{IP4_IN}/TCP({PEER_TCP}, seq={ISN}, flags='S', "
     f"window={V['kPeerSynWindow']}, options=[('MSS', {V['kPeerMssV4']})])"
     f"/Raw({SYN_DATA})"),
    ('syn_v4_vlan', f"{ETH_IN}/{VLAN}/{IP4_IN}/{syn()}"),
    ('syn_v4_qinq', f"{ETH_IN}/{QINQ}/{IP4_IN}/{syn()}"),
    ('syn_v4_ip_options', f"{ETH_IN}/{IP4_IN_OPTS}/{syn()}"),
    ('syn_v4_padded',
     f"{ETH_IN}/{IP4_IN}/{SYN_PLAIN}/Padding(b'\\xee' * "
     f"{V['kPaddedSynPadLen']})"),
    ('syn_v6_linux', f"{ETH_IN}/{IP6_IN}/{syn(V['kPeerMssV6'])}"),
    ('syn_v6_hbh', f"{ETH_IN}/{IP6_IN}/{HBH}/{syn(V['kPeerMssV6'])}"),
    ('ack_v4_ts',
     f"{ETH_IN}/{IP4_IN}/TCP({PEER_TCP}, seq={ISN + 1}, ack={ISS + 1}, "
     f"flags='A', window={V['kPeerAckWindow']}, "
     f"options={ts_opts(V['kPeerTsValAck'], V['kOwnTsVal'])})"),
    ('ack_v4_data',
     f"{ETH_IN}/{IP4_IN}/TCP({PEER_TCP}, seq={ISN + 1}, ack={ISS + 1}, "
     f"flags='PA', window={V['kPeerAckWindow']}, "
     f"options={ts_opts(V['kPeerTsValAck'], V['kOwnTsVal'])})"
     f"/Raw({ACK_DATA})"),
    ('rst_v4',
     f"{ETH_IN}/{IP4_IN}/TCP({PEER_TCP}, seq={ISN + 1}, flags='R', "
     f"window=0)"),
    ('fin_ack_v4',
     f"{ETH_IN}/{IP4_IN}/TCP({PEER_TCP}, seq={ISN + 1}, ack={ISS + 1}, "
     f"flags='FA', window={V['kPeerAckWindow']}, "
     f"options={ts_opts(V['kPeerTsValAck'], V['kOwnTsVal'])})"),
    ('arp_request',
     f"Ether(dst='ff:ff:ff:ff:ff:ff', src='{PEER_MAC}')/ARP(op=1, "
     f"hwsrc='{PEER_MAC}', psrc='{PEER_IP4}', hwdst='00:00:00:00:00:00', "
     f"pdst='{OWN_IP4}')"),
    ('echo_v4',
     f"{ETH_IN}/{IP4_IN}/ICMP(type=8, id={V['kEchoIdV4']}, "
     f"seq={V['kEchoSeqV4']})/Raw({ECHO_DATA})"),
    ('echo_v4_ip_options',
     f"{ETH_IN}/{IP4_IN_OPTS}/ICMP(type=8, id={V['kEchoIdV4']}, "
     f"seq={V['kEchoSeqV4']})/Raw({ECHO_DATA})"),
    ('echo_v6',
     f"{ETH_IN}/{IP6_IN}/ICMPv6EchoRequest(id={V['kEchoIdV6']}, "
     f"seq={V['kEchoSeqV6']}, data={ECHO_DATA})"),
    ('echo_v6_hbh',
     f"{ETH_IN}/{IP6_IN}/{HBH}/ICMPv6EchoRequest(id={V['kEchoIdV6']}, "
     f"seq={V['kEchoSeqV6']}, data={ECHO_DATA})"),
    ('ns_v6',
     f"Ether(dst='{SOLICITED_NODE_MAC}', src='{PEER_MAC}')/"
     f"IPv6(src='{PEER_IP6}', dst='{SOLICITED_NODE_IP6}', hlim=255)/"
     f"ICMPv6ND_NS(tgt='{OWN_IP6}')/ICMPv6NDOptSrcLLAddr(lladdr='{PEER_MAC}')"),
]

RST_NONE = "window=0"
# name, input name, scapy expression of the reply.
REPLIES = [
    ('synack_v4_linux', 'syn_v4_linux',
     f"{ETH_OUT}/{IP4_OUT}/{synack(ISN + 1)}"),
    ('synack_v4_mss_only', 'syn_v4_no_options',
     f"{ETH_OUT}/{IP4_OUT}/TCP({OWN_TCP}, seq={ISS}, ack={ISN + 1}, "
     f"flags='SA', window={V['kOwnSynAckWindow']}, "
     f"options=[('MSS', {V['kOwnMssV4']})])"),
    ('synack_v4_no_options', 'syn_v4_no_options',
     f"{ETH_OUT}/{IP4_OUT}/TCP({OWN_TCP}, seq={ISS}, ack={ISN + 1}, "
     f"flags='SA', window={V['kOwnSynAckWindow']})"),
    # RFC 9293 §3.10.7.2 / RFC 7413: data on a SYN is not acknowledged.
    ('synack_v4_data', 'syn_v4_data',
     f"{ETH_OUT}/{IP4_OUT}/TCP({OWN_TCP}, seq={ISS}, ack={ISN + 1}, "
     f"flags='SA', window={V['kOwnSynAckWindow']}, "
     f"options=[('MSS', {V['kOwnMssV4']})])"),
    ('synack_v4_vlan', 'syn_v4_vlan',
     f"{ETH_OUT}/{VLAN}/{IP4_OUT}/{synack(ISN + 1)}"),
    ('synack_v4_qinq', 'syn_v4_qinq',
     f"{ETH_OUT}/{QINQ}/{IP4_OUT}/{synack(ISN + 1)}"),
    ('synack_v4_ip_options', 'syn_v4_ip_options',
     f"{ETH_OUT}/{IP4_OUT}/{synack(ISN + 1)}"),
    ('synack_v6_linux', 'syn_v6_linux',
     f"{ETH_OUT}/{IP6_OUT}/{synack(ISN + 1, V['kOwnMssV6'])}"),
    ('synack_v6_hbh', 'syn_v6_hbh',
     f"{ETH_OUT}/{IP6_OUT}/{synack(ISN + 1, V['kOwnMssV6'])}"),
    # §3.10.7.1, no ACK bit: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    ('rst_ack_v4_syn', 'syn_v4_linux',
     f"{ETH_OUT}/{IP4_OUT}/TCP({OWN_TCP}, seq=0, ack={ISN + 1}, "
     f"flags='RA', {RST_NONE})"),
    ('rst_ack_v4_syn_data', 'syn_v4_data',
     f"{ETH_OUT}/{IP4_OUT}/TCP({OWN_TCP}, seq=0, "
     f"ack={ISN + 1 + V['kSynDataLen']}, flags='RA', {RST_NONE})"),
    ('rst_ack_v6_syn', 'syn_v6_linux',
     f"{ETH_OUT}/{IP6_OUT}/TCP({OWN_TCP}, seq=0, ack={ISN + 1}, "
     f"flags='RA', {RST_NONE})"),
    # §3.10.7.1, ACK bit set: <SEQ=SEG.ACK><CTL=RST>.
    ('rst_v4_ack', 'ack_v4_ts',
     f"{ETH_OUT}/{IP4_OUT}/TCP({OWN_TCP}, seq={ISS + 1}, ack=0, "
     f"flags='R', {RST_NONE})"),
    # A non-SYN reply with timestamps (RFC 7323 §3.2): ACK of a FIN.
    ('ack_v4_fin', 'fin_ack_v4',
     f"{ETH_OUT}/{IP4_OUT}/TCP({OWN_TCP}, seq={ISS + 1}, ack={ISN + 2}, "
     f"flags='A', window={V['kOwnAckWindow']}, "
     f"options={ts_opts(V['kOwnTsValAck'], V['kPeerTsValAck'])})"),
    ('arp_reply', 'arp_request',
     f"{ETH_OUT}/ARP(op=2, hwsrc='{OWN_MAC}', psrc='{OWN_IP4}', "
     f"hwdst='{PEER_MAC}', pdst='{PEER_IP4}')"),
    ('echo_reply_v4', 'echo_v4',
     f"{ETH_OUT}/{IP4_OUT_ECHO}/ICMP(type=0, id={V['kEchoIdV4']}, "
     f"seq={V['kEchoSeqV4']})/Raw({ECHO_DATA})"),
    ('echo_reply_v4_ip_options', 'echo_v4_ip_options',
     f"{ETH_OUT}/{IP4_OUT_ECHO}/ICMP(type=0, id={V['kEchoIdV4']}, "
     f"seq={V['kEchoSeqV4']})/Raw({ECHO_DATA})"),
    ('echo_reply_v6', 'echo_v6',
     f"{ETH_OUT}/{IP6_OUT}/ICMPv6EchoReply(id={V['kEchoIdV6']}, "
     f"seq={V['kEchoSeqV6']}, data={ECHO_DATA})"),
    ('echo_reply_v6_hbh', 'echo_v6_hbh',
     f"{ETH_OUT}/{IP6_OUT}/ICMPv6EchoReply(id={V['kEchoIdV6']}, "
     f"seq={V['kEchoSeqV6']}, data={ECHO_DATA})"),
    # RFC 4861 §7.2.4: solicited, override, to the solicitation's source.
    ('na_v6', 'ns_v6',
     f"{ETH_OUT}/IPv6(src='{OWN_IP6}', dst='{PEER_IP6}', tc=0, fl=0, "
     f"hlim=255)/ICMPv6ND_NA(R=0, S=1, O=1, tgt='{OWN_IP6}')/"
     f"ICMPv6NDOptDstLLAddr(lladdr='{OWN_MAC}')"),
]

def spaced(expr):
  """Puts spaces around the layer operator so comments can wrap there."""
  return expr.replace(')/', ') / ')


INPUTS = [(n, spaced(e)) for n, e in INPUTS]
REPLIES = [(n, i, spaced(e)) for n, i, e in REPLIES]

SCAPY_NAMES = {n: globals()[n] for n in (
    'ARP', 'ICMP', 'IP', 'TCP', 'Dot1AD', 'Dot1Q', 'Ether', 'ICMPv6EchoRequest',
    'ICMPv6EchoReply', 'ICMPv6ND_NA', 'ICMPv6ND_NS', 'ICMPv6NDOptDstLLAddr',
    'ICMPv6NDOptSrcLLAddr', 'IPOption_NOP', 'IPOption_Router_Alert', 'IPv6',
    'IPv6ExtHdrHopByHop', 'Padding', 'Raw', 'RouterAlert')}


def build(expr):
  """The frame `expr` makes, re-dissected so computed fields are filled in."""
  return Ether(bytes(eval(expr, dict(SCAPY_NAMES))))  # our own literals


def camel(name):
  return 'k' + ''.join(p.capitalize() for p in name.split('_'))


def layout(pkt):
  """(l3_offset, l4_offset, end) as scapy sees them; for ARP, l4 = end."""
  raw = bytes(pkt)

  def offset(cls):
    return len(raw) - len(bytes(pkt[cls]))

  l3 = offset(IP if IP in pkt else IPv6 if IPv6 in pkt else ARP)
  end = len(raw) - trailing_padding(pkt)
  l4 = end
  for cls in (TCP, ICMP, ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ND_NS,
              ICMPv6ND_NA):
    if cls in pkt:
      l4 = offset(cls)
      break
  return l3, l4, end


def trailing_padding(pkt):
  pad = pkt.getlayer(Padding)
  return len(bytes(pad)) if pad is not None else 0


def c_bytes(data, indent='    '):
  lines = []
  for i in range(0, len(data), 12):
    lines.append(indent + ' '.join(f'0x{b:02x},' for b in data[i:i + 12]))
  return '\n'.join(lines)


def c_addr(name, data, text):
  head = f'inline constexpr uint8_t {name}[{len(data)}] = {{'
  body = ', '.join(f'0x{b:02x}' for b in data)
  if len(head) + len(body) + len(text) + 6 <= 80:
    return f'{head}{body}}};  // {text}'
  return f'// {text}\n{head}\n{c_bytes(data)}\n}};'


def comment(expr):
  return '\n'.join(
      '// ' + line for line in textwrap.wrap(
          expr, width=76, break_long_words=False, break_on_hyphens=False,
          subsequent_indent='    '))


def mac_bytes(s):
  return bytes(int(x, 16) for x in s.split(':'))


def ip6_bytes(s):
  import socket
  return socket.inet_pton(socket.AF_INET6, s)


def ip4_bytes(s):
  import socket
  return socket.inet_pton(socket.AF_INET, s)


def tcp_pseudo_sum(pkt):
  """The folded, non-complemented pseudo-header sum DPDK's TX TCP offload
  expects in the checksum field (rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum)."""
  if IP in pkt:
    ip = pkt[IP]
    words = ip4_bytes(ip.src) + ip4_bytes(ip.dst)
    words += bytes([0, 6]) + (ip.len - ip.ihl * 4).to_bytes(2, 'big')
  else:
    ip = pkt[IPv6]
    words = ip6_bytes(ip.src) + ip6_bytes(ip.dst)
    words += len(bytes(pkt[TCP])).to_bytes(4, 'big') + bytes([0, 0, 0, 6])
  s = sum(int.from_bytes(words[i:i + 2], 'big')
          for i in range(0, len(words), 2))
  while s > 0xffff:
    s = (s & 0xffff) + (s >> 16)
  return s


def generate():
  built = {}
  out = []
  w = out.append
  w('// golden_frames.h — byte-exact frames for the lib/wire tests.')
  w('// GENERATED by scripts/golden_frames.py (scapy 2.5); do not edit.')
  w('//')
  w('//   regenerate: /usr/bin/python3 scripts/golden_frames.py')
  w('//   verify:     /usr/bin/python3 scripts/golden_frames.py --check')
  w('//')
  w('// Inputs are frames as a peer sends them (golden_test parses each one);')
  w('// replies are what the lib/wire/reply.h writers must make of an input')
  w('// (reply_test compares byte for byte). Each array has beside it the')
  w('// scapy expression that built it. Addresses: 198.18.0.0/15 and')
  w('// 2001:2::/48 only.')
  w('#pragma once')
  w('')
  w('#include <cstdint>')
  w('#include <span>')
  w('#include <string_view>')
  w('')
  w('namespace synx::wire::golden {')
  w('')
  w('// Addresses.')
  w(c_addr('kOwnMac', mac_bytes(OWN_MAC), OWN_MAC))
  w(c_addr('kPeerMac', mac_bytes(PEER_MAC), PEER_MAC))
  w(c_addr('kSolicitedNodeMac', mac_bytes(SOLICITED_NODE_MAC),
           SOLICITED_NODE_MAC))
  w(c_addr('kOwnIp4', ip4_bytes(OWN_IP4), OWN_IP4))
  w(c_addr('kPeerIp4', ip4_bytes(PEER_IP4), PEER_IP4))
  w(c_addr('kOwnIp6', ip6_bytes(OWN_IP6), OWN_IP6))
  w(c_addr('kPeerIp6', ip6_bytes(PEER_IP6), PEER_IP6))
  w(c_addr('kSolicitedNodeIp6', ip6_bytes(SOLICITED_NODE_IP6),
           SOLICITED_NODE_IP6))
  w('')
  w('// Header fields of the inputs and reply parameters.')
  for name, ctype, value in VALUES:
    if ctype == 'uint32_t' or name.endswith(('Tci', 'IpId')):
      w(f'inline constexpr {ctype} {name} = 0x{value:04x};  // {value}')
    else:
      w(f'inline constexpr {ctype} {name} = {value};')
  w('')

  w('// ---- Inputs ' + '-' * 64)
  w('')
  for name, expr in INPUTS:
    pkt = build(expr)
    data = bytes(pkt)
    built[name] = (pkt, data)
    w(comment(expr))
    w(f'inline constexpr uint8_t {camel(name)}[{len(data)}] = {{')
    w(c_bytes(data))
    w('};')
    w('')

  w('// ---- Replies ' + '-' * 63)
  w('')
  for name, src, expr in REPLIES:
    assert src in built, src
    pkt = build(expr)
    data = bytes(pkt)
    built[name] = (pkt, data)
    w(comment(expr))
    w(f'inline constexpr uint8_t {camel(name)}[{len(data)}] = {{')
    w(c_bytes(data))
    w('};')
    w('')

  w('// TCP checksum field of each TCP reply under L4ChecksumMode::kOffload:')
  w('// the folded, non-complemented pseudo-header sum that')
  w('// RTE_MBUF_F_TX_TCP_CKSUM expects.')
  for name, src, expr in REPLIES:
    pkt = built[name][0]
    if TCP in pkt:
      w(f'inline constexpr uint16_t {camel(name)}PseudoSum = '
        f'0x{tcp_pseudo_sum(pkt):04x};')
  w('')

  w('struct GoldenFrame {')
  w('  std::string_view name;')
  w('  std::span<const uint8_t> bytes;')
  w('  uint16_t l3_offset;  // start of the IP / ARP header')
  w('  uint16_t l4_offset;  // start of TCP / ICMP; `end` for ARP')
  w('  uint16_t end;        // length without Ethernet padding')
  w('};')
  w('')
  w('inline constexpr GoldenFrame kGoldenFrames[] = {')
  for name, _ in INPUTS:
    l3, l4, end = layout(built[name][0])
    w(f'    {{"{name}", {camel(name)}, {l3}, {l4}, {end}}},')
  w('};')
  w('')
  w('struct GoldenReply {')
  w('  std::string_view name;')
  w('  std::span<const uint8_t> input;  // the frame the reply answers')
  w('  std::span<const uint8_t> bytes;')
  w('};')
  w('')
  w('inline constexpr GoldenReply kGoldenReplies[] = {')
  for name, src, _ in REPLIES:
    w(f'    {{"{name}", {camel(src)}, {camel(name)}}},')
  w('};')
  w('')
  w('}  // namespace synx::wire::golden')
  return '\n'.join(out) + '\n', built


def tshark_check(built):
  """Writes every frame to a pcap and asks tshark (checksum validation on)
  for bad checksums and malformed packets. Returns the number of problems."""
  tshark = shutil.which('tshark')
  if tshark is None:
    print('tshark not found: skipped the independent checksum check')
    return 0
  names = list(built)
  with tempfile.TemporaryDirectory() as d:
    pcap = os.path.join(d, 'golden.pcap')
    wrpcap(pcap, [built[n][0] for n in names])
    fields = ['frame.number', 'ip.checksum.status', 'tcp.checksum.status',
              'icmp.checksum.status', 'icmpv6.checksum.status',
              '_ws.malformed', '_ws.expert.severity']
    cmd = [tshark, '-r', pcap, '-n', '-o', 'tcp.check_checksum:TRUE',
           '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E',
           'separator=|', '-E', 'occurrence=a']
    for f in fields:
      cmd += ['-e', f]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
  problems = 0
  checked = 0
  for line in res.stdout.splitlines():
    num, ip, tcp, icmp, icmp6, malformed, severity = line.split('|')
    statuses = [s for s in (ip, tcp, icmp, icmp6) if s]
    name = names[int(num) - 1]
    # Wireshark checksum status: 0 bad, 1 good, 2 unverified.
    bad = [s for s in ','.join(statuses).split(',') if s and s != '1']
    needs_checksum = not name.startswith('arp')
    if bad or malformed or (needs_checksum and not statuses):
      problems += 1
      print(f'tshark: {name}: checksum status {statuses} '
            f'malformed={malformed!r} expert={severity!r}')
    checked += 1
  if checked != len(names):
    print(f'tshark decoded {checked} frames, expected {len(names)}')
    problems += 1
  print(f'tshark: {checked} frames, {problems} with bad checksums or malformed')
  return problems


def main():
  ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  ap.add_argument('--check', action='store_true',
                  help='exit 1 if the committed header differs or tshark '
                       'finds a bad checksum')
  ap.add_argument('--pcap', help='also write every frame to this pcap')
  args = ap.parse_args()
  text, built = generate()
  if args.pcap:
    wrpcap(args.pcap, [p for p, _ in built.values()])
  if args.check:
    with open(HEADER, encoding='utf-8') as f:
      current = f.read()
    ok = current == text
    if not ok:
      print(f'{HEADER} is stale: run scripts/golden_frames.py')
    if tshark_check(built):
      ok = False
    sys.exit(0 if ok else 1)
  with open(HEADER, 'w', encoding='utf-8') as f:
    f.write(text)
  print(f'wrote {HEADER}')


if __name__ == '__main__':
  main()
