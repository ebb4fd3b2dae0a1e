#!/usr/bin/python3
"""bad_inputs.py — every row of handshake-rules.md §B, sent for real to a
running synx over a veth, one crafted frame (or a short exchange) per row.

  bad_inputs.py run PHASE --iface IF --synx-mac MAC --expected FILE
      Run inside the peer namespace. Sends the rows of PHASE in order; for
      each one prints "row NAME: ..." and whether the reply (or the silence)
      was the one the row expects. Writes to FILE the counters every row of
      the phase should have moved, in total: {"drops": {reason: n},
      "counters": {key: n}, "rows": {reason: [row names]}}. Exit 1 when any
      row failed (every failed row is named at the end), 0 otherwise.
  bad_inputs.py check --expected FILE --json SYNX_JSON
      After synx stopped: every drop reason in synx's JSON summary equals the
      rows' total for it (reasons no row names must stay 0), and so does
      every counter a row named. Prints one line per reason that was hit;
      exit 1 naming the reasons (and the rows behind them) that disagree.
  bad_inputs.py list
      Print the rows of every phase.

Phases, one synx run each (tests/integration/bad_inputs_test.sh starts it):
  stateful  --cookies=auto far below its high-water mark (so: a table entry
            per SYN), --rst-rate=0, --synack-rto-ms=60000 (no retransmission
            lands in a later row's window), two IPv4 addresses (so one can
            spoof the other: own_source).
  cookies   --cookies=always --cookie-rotate=2: the MSS floor and the cookie
            ACK rows.
  ackflood  --cookies=auto, --rst-rate=10: ACKs with random numbers while no
            cookie was ever issued: no MAC computed, RSTs rate-limited.

Every row uses its own source address (198.19.x.y / 2001:2::x:y, owned by
nobody) so the namespace kernel never answers synx's replies, and replies
are told apart by row: the capture window of a row holds only its replies
(nothing synx holds retransmits within the test).
"""

import argparse
import json
import random
import re
import struct
import sys
import time

V4_SYNX = "198.18.0.1"
V4_SYNX_2 = "198.18.0.3"  # synx's second IPv4 address (own_source rows)
V6_SYNX = "2001:2::1"
PORT = 80
CLOSED_PORT = 81
WINDOW_S = 0.25  # how long a row listens for a reply (or its absence)
REPLY_WAIT_S = 2.0  # the longest a row waits for a reply it expects

# ---------------------------------------------------------------- bytes --


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_bytes(addr):
    import ipaddress
    return ipaddress.ip_address(addr).packed


def pseudo(src, dst, proto, length):
    s, d = ip_bytes(src), ip_bytes(dst)
    if len(s) == 4:
        return s + d + struct.pack("!BBH", 0, proto, length)
    return s + d + struct.pack("!IxxxB", length, proto)


def opt_bytes(opts):
    """opts: raw bytes, or a list of (name, value) in scapy's spelling."""
    if isinstance(opts, (bytes, bytearray)):
        return bytes(opts)
    out = b""
    for name, val in opts:
        if name == "MSS":
            out += struct.pack("!BBH", 2, 4, val)
        elif name == "WScale":
            out += struct.pack("!BBB", 3, 3, val)
        elif name == "SAckOK":
            out += b"\x04\x02"
        elif name == "Timestamp":
            out += struct.pack("!BBII", 8, 10, val[0], val[1])
        elif name == "NOP":
            out += b"\x01"
        elif name == "EOL":
            out += b"\x00"
        else:
            raise ValueError(name)
    return out


def tcp_seg(src, dst, sport, dport, flags, seq=0, ack=0, opts=b"", payload=b"",
            window=64240, doff=None, low_nibble=0, pad_opts=True, bad_csum=False):
    o = opt_bytes(opts)
    if pad_opts and len(o) % 4:
        o += b"\x01" * (4 - len(o) % 4)  # NOP padding keeps the list as written
    hlen = 20 + len(o)
    off = (hlen // 4) if doff is None else doff
    fl = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20,
          "E": 0x40, "C": 0x80}
    bits = 0
    for c in flags:
        bits |= fl[c]
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (off << 4) | low_nibble, bits, window, 0, 0) + o
    seg = hdr + payload
    c = csum16(pseudo(src, dst, 6, len(seg)) + seg)
    if bad_csum:
        c ^= 0x0101
    return seg[:16] + struct.pack("!H", c) + seg[18:]


# ------------------------------------------------------------ the rows --

class Ctx:
    """What a row needs: the interface, synx's MAC, the sniffer, results."""

    def __init__(self, iface, synx_mac):
        from scapy.all import AsyncSniffer, get_if_hwaddr
        self.iface = iface
        self.mac = synx_mac
        self.my_mac = get_if_hwaddr(iface)
        # AsyncSniffer fills .results only when stopped: keep our own list.
        self.pkts = []
        self.sniffer = AsyncSniffer(iface=iface, filter="ether src %s" % synx_mac,
                                    store=False, prn=self.pkts.append)
        self.sniffer.start()
        time.sleep(0.5)
        self.seen = 0
        self.n = 0  # rows so far: each row gets its own source address

    def src4(self):
        return "198.19.%d.%d" % (1 + self.n // 250, 1 + self.n % 250)

    def src6(self):
        return "2001:2::%x:%x" % (0x100 + self.n // 250, 1 + self.n % 250)

    def sport(self):
        return 20000 + self.n

    def ether(self, l3=b"", ethertype=0x0800, tags=()):
        hdr = bytes.fromhex(self.mac.replace(":", "")) + \
            bytes.fromhex(self.my_mac.replace(":", ""))
        for tpid, vid in tags:
            hdr += struct.pack("!HH", tpid, vid)
        return hdr + struct.pack("!H", ethertype) + l3

    def send(self, frames):
        from scapy.all import sendp, Raw
        if isinstance(frames, (bytes, bytearray)):
            frames = [frames]
        sendp([Raw(bytes(f)) for f in frames], iface=self.iface, verbose=False)

    def replies(self, want=0, window=WINDOW_S):
        """Frames synx sent since the last call: at least `want` (waiting up
        to REPLY_WAIT_S for them), then `window` more seconds of listening."""
        deadline = time.time() + REPLY_WAIT_S
        while want and len(self.pkts) - self.seen < want and \
                time.time() < deadline:
            time.sleep(0.01)
        time.sleep(window)
        pkts = list(self.pkts)
        new = pkts[self.seen:]
        self.seen = len(pkts)
        return [describe(p) for p in new]


def ipv4(src, dst, l4, proto=6, ihl=5, options=b"", frag=0, ttl=64, tot_len=None,
         version=4, bad_csum=False, pad=b""):
    opts = options + b"\0" * ((-len(options)) % 4)
    hl = 20 + len(opts)
    tl = hl + len(l4) if tot_len is None else tot_len
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, tl, 0x1234, frag, ttl,
                    proto, 0, ip_bytes(src), ip_bytes(dst)) + opts
    c = csum16(h)
    if bad_csum:
        c ^= 0x0101
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + l4 + pad


def ipv6(src, dst, l4, nh=6, ext=b"", plen=None, version=6):
    pl = len(ext) + len(l4) if plen is None else plen
    return struct.pack("!IHBB16s16s", version << 28, pl, nh, 64, ip_bytes(src),
                       ip_bytes(dst)) + ext + l4


def describe(p):
    """One sniffed frame as a dict: kind, flags, numbers, options."""
    from scapy.all import Ether, Dot1Q, IP, IPv6, TCP, ICMP, ARP
    d = {"raw_len": len(p), "vlans": 0, "kind": "other"}
    layer = p.payload if p.haslayer(Ether) else p
    while p.haslayer(Dot1Q) and isinstance(layer, Dot1Q):
        d["vlans"] += 1
        layer = layer.payload
    if p.haslayer(IP):
        d["dst"] = p[IP].dst
        d["ihl"] = p[IP].ihl
    elif p.haslayer(IPv6):
        d["dst"] = p[IPv6].dst
    if p.haslayer(TCP):
        t = p[TCP]
        f = ""
        for bit, c in ((0x02, "S"), (0x10, "A"), (0x04, "R"), (0x01, "F"), (0x08, "P")):
            if int(t.flags) & bit:
                f += c
        d.update(kind="tcp", flags=f, seq=t.seq, ack=t.ack, sport=t.sport, dport=t.dport,
                 payload=len(bytes(t.payload)))
        names = set()
        for o in t.options:
            n = o[0]
            names.add({"MSS": "mss", "WScale": "ws", "SAckOK": "sack",
                       "Timestamp": "ts"}.get(n, str(n)))
        names.discard("NOP")
        names.discard("EOL")
        d["opts"] = sorted(names)
        for o in t.options:
            if o[0] == "MSS":
                d["mss"] = o[1]
            elif o[0] == "Timestamp":
                d["tsval"] = o[1][0]
    elif p.haslayer(ICMP):
        d["kind"] = "icmp"
    elif p.haslayer(ARP):
        d["kind"] = "arp"
    return d


class Row:
    """One §B row: a name, what it sends, the reply it expects, the drop
    reason (and other counters) it should move."""

    def __init__(self, name, rule, run, drops=None, counters=None):
        self.name, self.rule, self.run = name, rule, run
        self.drops = drops or {}
        self.counters = counters or {}


class RowFailure(Exception):
    pass


def expect_none(got, what="no reply"):
    if got:
        raise RowFailure("%s expected, synx sent %d frame(s): %s" % (what, len(got), got))
    return "silence"


def expect_one(got, **want):
    if len(got) != 1:
        raise RowFailure("one reply expected (%s), got %d: %s" % (want, len(got), got))
    r = got[0]
    for k, v in want.items():
        if r.get(k) != v:
            raise RowFailure("reply %s = %r, expected %r (reply %s)" % (k, r.get(k), v, r))
    return "%s%s" % (r.get("flags", r["kind"]),
                     " opts=" + ",".join(r["opts"]) if r.get("opts") else "")


# Builders shared by the rows. Each returns (frame bytes, src, sport, seq).

def syn4(ctx, opts=(("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)),
                    ("NOP", None), ("WScale", 7)), seq=1000, payload=b"", dst=V4_SYNX,
         dport=PORT, flags="S", ack=0, low_nibble=0, src=None, sport=None, **ip_kw):
    src = src or ctx.src4()
    sport = sport or ctx.sport()
    seg = tcp_seg(src, dst, sport, dport, flags, seq=seq, ack=ack, opts=list(opts)
                  if not isinstance(opts, (bytes, bytearray)) else opts,
                  payload=payload, low_nibble=low_nibble)
    return ctx.ether(ipv4(src, dst, seg, **ip_kw)), src, sport, seq


def syn6(ctx, opts=(("MSS", 1440), ("SAckOK", b""), ("Timestamp", (1, 0)),
                    ("NOP", None), ("WScale", 7)), seq=1000, dst=V6_SYNX, ext=b"",
         first_nh=6, src=None, sport=None, flags="S", **ip_kw):
    src = src or ctx.src6()
    sport = sport or ctx.sport()
    seg = tcp_seg(src, dst, sport, PORT, flags, seq=seq, opts=list(opts)
                  if not isinstance(opts, (bytes, bytearray)) else opts)
    return ctx.ether(ipv6(src, dst, seg, nh=first_nh, ext=ext, **ip_kw),
                     ethertype=0x86DD), src, sport, seq


def synack_to(src, sport, seq, **more):
    return dict(kind="tcp", flags="SA", dst=src, dport=sport, ack=(seq + 1) & 0xFFFFFFFF,
                **more)


def r_synack(**frame_kw):
    """A row whose frame is a SYN (with changes) that must get a SYN+ACK."""
    check = frame_kw.pop("check", {})
    fam6 = frame_kw.pop("v6", False)

    def run(ctx):
        f, src, sport, seq = (syn6 if fam6 else syn4)(ctx, **frame_kw)
        ctx.send(f)
        return expect_one(ctx.replies(want=1), **synack_to(src, sport, seq, **check))
    return run


def r_silent(build):
    """A row whose frame (from `build(ctx)`) must get no reply at all."""
    def run(ctx):
        ctx.send(build(ctx))
        return expect_none(ctx.replies())
    return run


def mutate(frame, at, value):
    b = bytearray(frame)
    b[at:at + len(value)] = value
    return bytes(b)


def fix_ip4_csum(frame, l3=14):
    b = bytearray(frame)
    ihl = (b[l3] & 0x0F) * 4
    b[l3 + 10:l3 + 12] = b"\0\0"
    b[l3 + 10:l3 + 12] = struct.pack("!H", csum16(bytes(b[l3:l3 + ihl])))
    return bytes(b)


def handshake_cookie(ctx, fam6=False, **kw):
    """SYN, and the SYN+ACK that answers it: (src, sport, irs, iss). The
    SYN+ACK's TSval goes to ctx.tsval: the final ACK must echo it."""
    f, src, sport, seq = (syn6 if fam6 else syn4)(ctx, **kw)
    ctx.send(f)
    got = ctx.replies(want=1, window=0.05)
    expect_one(got, **synack_to(src, sport, seq))
    ctx.tsval = got[0].get("tsval", 0)
    return src, sport, seq, got[0]["seq"]


def ts_echo(ctx):
    """NOP NOP TS echoing the SYN+ACK's TSval, as a final ACK carries it."""
    return opt_bytes([("NOP", None), ("NOP", None), ("Timestamp", (2, ctx.tsval))])


def ack_frame(ctx, src, sport, seq, ack, flags="A", opts=b"", dst=V4_SYNX, payload=b""):
    seg = tcp_seg(src, dst, sport, PORT, flags, seq=seq, ack=ack, opts=opts,
                  payload=payload)
    if ":" in src:
        return ctx.ether(ipv6(src, dst, seg), ethertype=0x86DD)
    return ctx.ether(ipv4(src, dst, seg))


# -------------------------------------------------------------- phase 1 --

def stateful_rows():
    rows = []
    add = rows.append
    TS = ("Timestamp", (1, 0))
    ALL = ["mss", "sack", "ts", "ws"]

    add(Row("control_syn_v4", "a plain SYN gets a SYN+ACK (control)",
            r_synack(check={"opts": ALL}), counters={"syn_rx": 1}))
    add(Row("control_syn_v6", "a plain IPv6 SYN gets a SYN+ACK (control)",
            r_synack(v6=True, check={"opts": ALL}), counters={"syn_rx": 1}))

    # L2
    def vlan_syn(ctx, tags, want_vlans):
        f, src, sport, seq = syn4(ctx)
        ctx.send(f[:12] + b"".join(struct.pack("!HH", t, v) for t, v in tags) + f[12:])
        return expect_one(ctx.replies(want=1), vlans=want_vlans, **synack_to(src, sport, seq))
    add(Row("l2_vlan_one_tag", "802.1Q tag: parsed, answered in the same tag",
            lambda c: vlan_syn(c, [(0x8100, 5)], 1), counters={"syn_rx": 1}))
    add(Row("l2_qinq_two_tags", "802.1ad + 802.1Q: parsed, answered in both tags",
            lambda c: vlan_syn(c, [(0x88A8, 6), (0x8100, 7)], 2), counters={"syn_rx": 1}))
    add(Row("l2_three_tags", "a third tag: dropped",
            r_silent(lambda c: (lambda f: f[:12] + struct.pack("!HHHHHH", 0x88A8, 1, 0x8100, 2,
                                                              0x8100, 3) + f[12:])(syn4(c)[0])),
            drops={"vlan_too_deep": 1}))
    add(Row("l2_unknown_ethertype", "LLDP EtherType: dropped",
            r_silent(lambda c: mutate(syn4(c)[0], 12, b"\x88\xcc")),
            drops={"unknown_ethertype": 1}))
    add(Row("l2_unknown_ethertype_in_tag", "an unknown EtherType inside a tag: dropped",
            r_silent(lambda c: (lambda f: f[:12] + b"\x81\x00\x00\x05\x88\xcc" + f[14:])(
                syn4(c)[0])), drops={"unknown_ethertype": 1}))
    add(Row("l2_truncated_v4", "IPv4 header cut at 19 bytes: truncated",
            r_silent(lambda c: syn4(c)[0][:14 + 19]), drops={"truncated": 1}))
    add(Row("l2_truncated_v6", "IPv6 header cut at 39 bytes: truncated",
            r_silent(lambda c: syn6(c)[0][:14 + 39]), drops={"truncated": 1}))

    # IPv4 header
    add(Row("ipv4_version_not_4", "version 6 under EtherType IPv4",
            r_silent(lambda c: syn4(c, version=6)[0]), drops={"ipv4_bad_version": 1}))
    add(Row("ipv4_ihl_below_5", "IHL 4",
            r_silent(lambda c: syn4(c, ihl=4)[0]), drops={"ipv4_bad_ihl": 1}))
    add(Row("ipv4_ihl_beyond_total_length", "IHL 15 with total length 20+TCP",
            r_silent(lambda c: syn4(c, ihl=15, opts=b"")[0]), drops={"ipv4_bad_ihl": 1}))
    add(Row("ipv4_total_length_beyond_frame", "total length one byte past the frame",
            r_silent(lambda c: (lambda f: fix_ip4_csum(mutate(f, 16, struct.pack(
                "!H", len(f) - 14 + 1))))(syn4(c)[0])), drops={"ipv4_bad_length": 1}))
    add(Row("ipv4_total_length_below_header", "total length 19",
            r_silent(lambda c: fix_ip4_csum(mutate(syn4(c)[0], 16, b"\x00\x13"))),
            drops={"ipv4_bad_length": 1}))
    add(Row("ipv4_total_length_below_ihl_plus_20", "total length 20+19: no room for TCP",
            r_silent(lambda c: fix_ip4_csum(mutate(syn4(c)[0], 16, b"\x00\x27"))),
            drops={"tcp_truncated": 1}))
    add(Row("ipv4_ethernet_padding", "22 bytes of padding after total length: trimmed, "
            "the SYN+ACK acknowledges only the SYN",
            r_synack(pad=b"\xee" * 22), counters={"syn_rx": 1}))
    add(Row("ipv4_bad_header_checksum", "header checksum off by 0x0101",
            r_silent(lambda c: syn4(c, bad_csum=True)[0]), drops={"ipv4_bad_checksum": 1}))
    # net_af_packet joins its socket to a PACKET_FANOUT group with
    # PACKET_FANOUT_FLAG_DEFRAG: the kernel reassembles IPv4 fragments before
    # synx sees them, and holds a lone fragment until it expires. So over
    # this PMD a fragment never reaches synx (no counter moves: rx_packets
    # does not either), and a complete set arrives as one whole datagram.
    # The ipv4_fragment drop itself is covered by tests/wire (ParseFrame).
    add(Row("ipv4_fragment_mf", "MF set (held by the kernel's af_packet defrag)",
            r_silent(lambda c: syn4(c, frag=0x2000)[0])))
    add(Row("ipv4_fragment_offset", "fragment offset 8 (held by the kernel's af_packet "
            "defrag)", r_silent(lambda c: syn4(c, frag=0x0001)[0])))

    def fragmented_syn(ctx):
        src, sport = ctx.src4(), ctx.sport()
        seg = tcp_seg(src, V4_SYNX, sport, PORT, "S", seq=1000,
                      opts=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)),
                            ("NOP", None), ("WScale", 7)])
        ctx.send([ctx.ether(ipv4(src, V4_SYNX, seg[:24], frag=0x2000, tot_len=44)),
                  ctx.ether(ipv4(src, V4_SYNX, seg[24:], frag=3, tot_len=36))])
        return expect_one(ctx.replies(want=1), **synack_to(src, sport, 1000))
    add(Row("ipv4_fragments_reassembled", "a SYN in two fragments: reassembled by the "
            "kernel under net_af_packet, so synx answers the whole SYN", fragmented_syn,
            counters={"syn_rx": 1}))
    add(Row("ipv4_df_is_not_a_fragment", "DF alone: answered",
            r_synack(frag=0x4000), counters={"syn_rx": 1}))
    add(Row("ipv4_options_ignored", "Record Route + NOPs: ignored, never echoed (IHL 5)",
            r_synack(ihl=10, options=bytes([7, 19, 4]) + b"\0" * 16 + b"\x01",
                     check={"ihl": 5}), counters={"syn_rx": 1}))
    add(Row("ipv4_lsrr", "loose source route: dropped",
            r_silent(lambda c: syn4(c, ihl=7, options=bytes([1, 131, 7, 4, 198, 18, 0, 9]))[0]),
            drops={"ipv4_source_route": 1}))
    add(Row("ipv4_ssrr", "strict source route: dropped",
            r_silent(lambda c: syn4(c, ihl=7, options=bytes([1, 137, 7, 4, 198, 18, 0, 9]))[0]),
            drops={"ipv4_source_route": 1}))
    add(Row("ipv4_options_malformed", "option length 0 in the IP header",
            r_silent(lambda c: syn4(c, ihl=6, options=bytes([7, 0, 0, 0]))[0]),
            drops={"ipv4_bad_options": 1}))

    # Addresses
    for name, src, reason in (("src_broadcast", "255.255.255.255", "bad_source"),
                              ("src_multicast", "224.0.0.5", "bad_source"),
                              ("src_zero", "0.0.0.0", "bad_source"),
                              ("src_loopback", "127.0.0.1", "bad_source"),
                              ("src_class_e", "240.0.0.1", "bad_source"),
                              ("land", V4_SYNX, "land"),
                              ("own_source", V4_SYNX_2, "own_source")):
        add(Row("ipv4_" + name, "source %s: dropped silently" % src,
                r_silent(lambda c, s=src: syn4(c, src=s)[0]), drops={reason: 1}))
    for name, dst, reason in (("dst_broadcast", "255.255.255.255", "bad_destination"),
                              ("dst_multicast", "239.1.1.1", "bad_destination")):
        add(Row("ipv4_" + name, "destination %s: dropped silently" % dst,
                r_silent(lambda c, d=dst: syn4(c, dst=d)[0]), drops={reason: 1}))
    for name, src, reason in (("src_multicast", "ff02::1", "bad_source"),
                              ("src_unspecified", "::", "bad_source"),
                              ("src_loopback", "::1", "bad_source"),
                              ("land", V6_SYNX, "land")):
        add(Row("ipv6_" + name, "source %s: dropped silently" % src,
                r_silent(lambda c, s=src: syn6(c, src=s)[0]), drops={reason: 1}))

    # IPv6
    hbh_pad = bytes([6, 0, 1, 4, 0, 0, 0, 0])  # next TCP, PadN
    add(Row("ipv6_hop_by_hop_padn", "hop-by-hop with PadN: walked, answered",
            r_synack(v6=True, first_nh=0, ext=hbh_pad), counters={"syn_rx": 1}))
    add(Row("ipv6_unknown_option_discard", "destination option type 0x82: discard (RFC 8200)",
            r_silent(lambda c: syn6(c, first_nh=60, ext=bytes([6, 0, 0x82, 4, 0, 0, 0, 0]))[0]),
            drops={"ipv6_unknown_option": 1}))
    add(Row("ipv6_ext_limit", "nine destination-options headers: beyond the bounded walk",
            r_silent(lambda c: syn6(c, first_nh=60, ext=b"".join(
                bytes([60 if i < 8 else 6, 0, 1, 4, 0, 0, 0, 0]) for i in range(9)))[0]),
            drops={"ipv6_ext_limit": 1}))
    add(Row("ipv6_fragment_header", "a fragment header",
            r_silent(lambda c: syn6(c, first_nh=44, ext=bytes([6, 0, 0, 0, 0, 0, 0, 1]))[0]),
            drops={"ipv6_fragment": 1}))
    add(Row("ipv6_routing_segments_left", "routing header type 0 with segments left 1",
            r_silent(lambda c: syn6(c, first_nh=43, ext=bytes([6, 2, 0, 1, 0, 0, 0, 0]) +
                                    ip_bytes("2001:2::99"))[0]),
            drops={"ipv6_routing_header": 1}))
    add(Row("ipv6_ext_header_truncated", "destination options claiming 32 bytes, 28 there",
            r_silent(lambda c: syn6(c, first_nh=60, ext=bytes([6, 3, 1, 4, 0, 0, 0, 0]))[0]),
            drops={"ipv6_bad_ext_header": 1}))
    add(Row("ipv6_version_not_6", "version 4 under EtherType IPv6",
            r_silent(lambda c: syn6(c, version=4)[0]), drops={"ipv6_bad_version": 1}))
    add(Row("ipv6_payload_length_0", "payload length 0 (jumbogram)",
            r_silent(lambda c: syn6(c, plen=0)[0]), drops={"ipv6_bad_length": 1}))
    add(Row("ipv6_payload_beyond_frame", "payload length one byte past the frame",
            r_silent(lambda c: (lambda f: mutate(f, 18, struct.pack("!H", len(f) - 54 + 1)))(
                syn6(c)[0])), drops={"ipv6_bad_length": 1}))

    # TCP header
    def tcp_row(name, rule, build_seg, reason, v6=False):
        def build(ctx):
            src = ctx.src6() if v6 else ctx.src4()
            dst = V6_SYNX if v6 else V4_SYNX
            seg = build_seg(src, dst, ctx.sport())
            if v6:
                return ctx.ether(ipv6(src, dst, seg), ethertype=0x86DD)
            return ctx.ether(ipv4(src, dst, seg))
        add(Row(name, rule, r_silent(build), drops={reason: 1}))

    tcp_row("tcp_offset_below_5", "data offset 4",
            lambda s, d, p: tcp_seg(s, d, p, PORT, "S", seq=1, doff=4), "tcp_bad_offset")
    tcp_row("tcp_offset_beyond_segment", "data offset 15 on a 20-byte segment",
            lambda s, d, p: tcp_seg(s, d, p, PORT, "S", seq=1, doff=15), "tcp_bad_offset",
            v6=True)
    tcp_row("tcp_bad_checksum_v4", "TCP checksum off by 0x0101",
            lambda s, d, p: tcp_seg(s, d, p, PORT, "S", seq=1, bad_csum=True),
            "tcp_bad_checksum")
    tcp_row("tcp_bad_checksum_v6", "TCP checksum off by 0x0101 (IPv6)",
            lambda s, d, p: tcp_seg(s, d, p, PORT, "S", seq=1, bad_csum=True),
            "tcp_bad_checksum", v6=True)
    tcp_row("tcp_source_port_0", "source port 0",
            lambda s, d, p: tcp_seg(s, d, 0, PORT, "S", seq=1), "tcp_zero_port")
    tcp_row("tcp_destination_port_0", "destination port 0",
            lambda s, d, p: tcp_seg(s, d, p, 0, "S", seq=1), "tcp_zero_port", v6=True)
    tcp_row("tcp_no_flags", "no control bit: dropped, no RST",
            lambda s, d, p: tcp_seg(s, d, p, PORT, "", seq=1, ack=5), "tcp_no_flags")
    tcp_row("tcp_no_flags_reserved_bits", "only reserved/AE bits: still no flags",
            lambda s, d, p: tcp_seg(s, d, p, PORT, "", seq=1, low_nibble=0xF),
            "tcp_no_flags")
    tcp_row("tcp_syn_fin", "SYN+FIN", lambda s, d, p: tcp_seg(s, d, p, PORT, "SF", seq=1),
            "tcp_syn_fin")
    tcp_row("tcp_christmas_tree", "SYN+FIN+ACK+PSH+URG",
            lambda s, d, p: tcp_seg(s, d, p, PORT, "SFAPU", seq=1, ack=7), "tcp_syn_fin")
    tcp_row("tcp_syn_rst", "SYN+RST", lambda s, d, p: tcp_seg(s, d, p, PORT, "SR", seq=1),
            "tcp_syn_rst", v6=True)

    def synack_to_listener(ctx):
        f, src, sport, _ = syn4(ctx, flags="SA", seq=500, ack=777777)
        ctx.send(f)
        return expect_one(ctx.replies(want=1), kind="tcp", flags="R", seq=777777, dst=src,
                          dport=sport)
    add(Row("tcp_synack_to_listener", "SYN+ACK to a listener: <SEQ=SEG.ACK><RST> "
            "(RFC 9293 3.10.7.2)", synack_to_listener, counters={"rst_tx": 1}))
    add(Row("tcp_reserved_and_ae_bits", "SYN with reserved and AE bits: ignored",
            r_synack(low_nibble=0xF), counters={"syn_rx": 1}))
    add(Row("tcp_syn_with_data", "SYN with 100 bytes: the SYN+ACK acknowledges only the SYN",
            r_synack(payload=b"d" * 100), counters={"syn_rx": 1, "syn_data_ignored": 1}))
    add(Row("tcp_ack_field_without_ack_bit", "SYN with ACK field 0xdeadbeef, ACK bit clear",
            r_synack(ack=0xDEADBEEF), counters={"syn_rx": 1}))

    # TCP options: what the SYN+ACK echoes shows where the walk stopped.
    sack = b"\x04\x02"
    ws = b"\x03\x03\x07"
    add(Row("opt_length_0", "option length 0 after SACK-permitted: the walk stops",
            r_synack(opts=sack + b"\x1e\x00" + ws + b"\x01", check={"opts": ["mss", "sack"]}),
            counters={"syn_rx": 1}))
    add(Row("opt_length_1", "option length 1 after SACK-permitted: the walk stops",
            r_synack(opts=sack + b"\x1e\x01" + ws + b"\x01", check={"opts": ["mss", "sack"]}),
            counters={"syn_rx": 1}))
    add(Row("opt_kind_in_last_byte", "WS kind alone in the last byte: stop, no over-read",
            r_synack(opts=sack + b"\x01\x03", check={"opts": ["mss", "sack"]}),
            counters={"syn_rx": 1}))
    add(Row("opt_length_beyond_end", "an option longer than the bytes left: stop",
            r_synack(opts=sack + b"\x1e\x0a", check={"opts": ["mss", "sack"]}),
            counters={"syn_rx": 1}))
    add(Row("opt_mss_wrong_length", "MSS with length 3: ignored, the walk goes on to WS",
            r_synack(opts=b"\x02\x03\x05" + ws + b"\x01\x01", check={"opts": ["mss", "ws"]}),
            counters={"syn_rx": 1}))
    add(Row("opt_ws_wrong_length", "WS with length 4: ignored, SACK after it still read",
            r_synack(opts=b"\x03\x04\x07\x00" + sack + b"\x01\x01",
                     check={"opts": ["mss", "sack"]}), counters={"syn_rx": 1}))
    add(Row("opt_ts_wrong_length", "TS with length 6: ignored, WS after it still read",
            r_synack(opts=b"\x08\x06\0\0\0\x01" + ws + b"\x01\x01\x01",
                     check={"opts": ["mss", "ws"]}), counters={"syn_rx": 1}))
    add(Row("opt_bytes_after_eol", "WS after EOL: ignored",
            r_synack(opts=sack + b"\x00" + ws + b"\x01\x01", check={"opts": ["mss", "sack"]}),
            counters={"syn_rx": 1}))
    add(Row("opt_same_option_twice", "WS twice: accepted (last wins)",
            r_synack(opts=b"\x03\x03\x02\x03\x03\x09\x01\x01", check={"opts": ["mss", "ws"]}),
            counters={"syn_rx": 1}))
    add(Row("opt_mss_zero", "MSS 0: treated as absent",
            r_synack(opts=[("MSS", 0)], check={"opts": ["mss"]}), counters={"syn_rx": 1}))
    add(Row("opt_mss_tiny_stateful", "MSS 64 without cookies: clamped, answered",
            r_synack(opts=[("MSS", 64)], check={"opts": ["mss"]}), counters={"syn_rx": 1}))
    add(Row("opt_ws_above_14", "WS 15: taken as 14, answered with WS",
            r_synack(opts=[("WScale", 15)], check={"opts": ["mss", "ws"]}),
            counters={"syn_rx": 1}))
    add(Row("opt_unknown_kind_skipped", "an unknown kind 30 (len 6) before TS: skipped",
            r_synack(opts=b"\x1e\x06abcd" + opt_bytes([TS]) + b"\x01\x01",
                     check={"opts": ["mss", "ts"]}), counters={"syn_rx": 1}))

    def syn_only_on_ack(ctx):
        src, sport, irs, iss = handshake_cookie(ctx, opts=[("MSS", 1460)])
        ctx.send(ack_frame(ctx, src, sport, irs + 1, iss + 1,
                           opts=opt_bytes([("MSS", 100), ("WScale", 14), ("SAckOK", b"")])))
        return "SYN+ACK, then " + expect_none(ctx.replies(), "established, no reply")
    add(Row("opt_syn_only_on_ack", "MSS/WS/SACK-permitted on the final ACK: ignored, "
            "the handshake completes", syn_only_on_ack,
            counters={"syn_rx": 1, "established": 1}))

    # No connection / listener rules (RST rows of §B and §3.10.7.1/2).
    def rst_to_listener(ctx):
        f, _, _, _ = syn4(ctx, flags="R", seq=5)
        ctx.send(f)
        return expect_none(ctx.replies())
    add(Row("rst_to_listen", "RST to a listener: ignored", rst_to_listener,
            drops={"tcp_rst_to_listener": 1}))

    def ack_to_listener(ctx):
        f, src, sport, _ = syn4(ctx, flags="A", seq=9, ack=123456, opts=b"")
        ctx.send(f)
        return expect_one(ctx.replies(want=1), kind="tcp", flags="R", seq=123456, dst=src)
    add(Row("ack_to_listen", "a stray ACK: <SEQ=SEG.ACK><RST>", ack_to_listener,
            counters={"rst_tx": 1}))

    def syn_closed_port(ctx):
        f, src, sport, seq = syn4(ctx, dport=CLOSED_PORT, payload=b"xyz")
        ctx.send(f)
        return expect_one(ctx.replies(want=1), kind="tcp", flags="AR", seq=0,
                          ack=seq + 1 + 3, dst=src)
    add(Row("syn_closed_port", "SYN with 3 bytes to a closed port: "
            "<SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>", syn_closed_port,
            counters={"rst_tx": 1}))

    def icmp_error_half_open(ctx):
        src, sport, irs, iss = handshake_cookie(ctx)
        # Port unreachable from a router about synx's SYN+ACK (quoting it).
        quoted = ipv4(V4_SYNX, src, tcp_seg(V4_SYNX, src, PORT, sport, "SA", seq=iss,
                                            ack=irs + 1))[:28]
        icmp = struct.pack("!BBHI", 3, 3, 0, 0) + quoted
        icmp = icmp[:2] + struct.pack("!H", csum16(icmp)) + icmp[4:]
        ctx.send(ctx.ether(ipv4("198.18.0.9", V4_SYNX, icmp, proto=1)))
        expect_none(ctx.replies(), "no reply to the ICMP error")
        ctx.send(ack_frame(ctx, src, sport, irs + 1, iss + 1,
                           opts=ts_echo(ctx)))
        return "silence, then " + expect_none(ctx.replies(), "established, no reply")
    add(Row("icmp_error_half_open", "ICMP port unreachable about a half-open entry: no "
            "abort (ICMP errors are not acted on), its final ACK still completes",
            icmp_error_half_open, drops={"icmp_unsupported_type": 1},
            counters={"syn_rx": 1, "established": 1}))
    return rows


# -------------------------------------------------------------- phase 2 --

def cookie_rows():
    rows = []
    add = rows.append
    TS = ("Timestamp", (1, 0))

    def complete(ctx, fam6=False, replay=0):
        src, sport, irs, cookie = handshake_cookie(ctx, fam6=fam6)
        dst = V6_SYNX if fam6 else V4_SYNX
        ack = ack_frame(ctx, src, sport, irs + 1, cookie + 1, dst=dst,
                        opts=ts_echo(ctx))
        for _ in range(1 + replay):
            ctx.send(ack)
        return "SYN+ACK, then " + expect_none(ctx.replies(), "established, no reply")
    add(Row("cookie_round_trip_v4", "SYN, cookie SYN+ACK, its ACK: established (control)",
            complete, counters={"syn_rx": 1, "cookies_sent": 1, "cookies_valid": 1,
                                "established": 1}))
    add(Row("cookie_round_trip_v6", "the same over IPv6 (control)",
            lambda c: complete(c, fam6=True),
            counters={"syn_rx": 1, "cookies_sent": 1, "cookies_valid": 1, "established": 1}))
    add(Row("cookie_ack_replay", "the valid ACK sent three times: accepted once, the copies "
            "hit the table entry", lambda c: complete(c, replay=2),
            counters={"syn_rx": 1, "cookies_sent": 1, "cookies_valid": 1, "established": 1}))

    def bad_ack(ctx, mangle, flags="A", want_rst=True):
        src, sport, irs, cookie = handshake_cookie(ctx)
        seq, ack, s_port = mangle(irs + 1, cookie + 1, sport)
        ctx.send(ack_frame(ctx, src, s_port, seq, ack, flags=flags,
                           opts=ts_echo(ctx)))
        if want_rst:
            return "SYN+ACK, then " + expect_one(ctx.replies(want=1), kind="tcp", flags="R",
                                                 seq=ack & 0xFFFFFFFF, dst=src)
        return "SYN+ACK, then " + expect_none(ctx.replies())
    invalid = {"syn_rx": 1, "cookies_sent": 1, "cookies_invalid": 1, "rst_tx": 1}
    add(Row("cookie_seq_not_irs_plus_1", "ACK with SEQ = IRS+2: rejected, RST",
            lambda c: bad_ack(c, lambda s, a, p: (s + 1, a, p)), counters=invalid))
    add(Row("cookie_wrong_tuple", "the cookie from another source port: rejected, RST",
            lambda c: bad_ack(c, lambda s, a, p: (s, a, p + 1000)), counters=invalid))
    add(Row("cookie_tampered_bits", "ACK number with bit 20 flipped: rejected, RST",
            lambda c: bad_ack(c, lambda s, a, p: (s, a ^ (1 << 20), p)), counters=invalid))
    add(Row("cookie_tampered_low_bits", "ACK number with bit 0 flipped (the key slot / "
            "options field): rejected, RST",
            lambda c: bad_ack(c, lambda s, a, p: (s, a ^ 1, p)), counters=invalid))
    add(Row("cookie_ack_with_rst", "RST+ACK carrying a valid cookie: no cookie check, "
            "ignored as any RST to a listener", lambda c: bad_ack(
                c, lambda s, a, p: (s, a, p), flags="RA", want_rst=False),
            drops={"tcp_rst_to_listener": 1}, counters={"syn_rx": 1, "cookies_sent": 1}))

    def ack_with_syn(ctx):
        src, sport, irs, cookie = handshake_cookie(ctx)
        ctx.send(ack_frame(ctx, src, sport, irs, cookie + 1, flags="SA"))
        return "SYN+ACK, then " + expect_one(ctx.replies(want=1), kind="tcp", flags="R",
                                             seq=cookie + 1, dst=src)
    add(Row("cookie_ack_with_syn", "SYN+ACK carrying a valid cookie: no cookie check, "
            "<SEQ=SEG.ACK><RST> as to any SYN+ACK at a listener", ack_with_syn,
            counters={"syn_rx": 1, "cookies_sent": 1, "rst_tx": 1}))

    add(Row("cookie_mss_tiny", "MSS 100 (below the 216 floor): no cookie, no reply",
            r_silent(lambda c: syn4(c, opts=[("MSS", 100)])[0]),
            drops={"tcp_cookie_mss_too_small": 1}, counters={"syn_rx": 1}))
    add(Row("cookie_mss_tiny_v6", "IPv6 MSS 1000 (below the 1220 floor): no cookie",
            r_silent(lambda c: syn6(c, opts=[("MSS", 1000)])[0]),
            drops={"tcp_cookie_mss_too_small": 1}, counters={"syn_rx": 1}))
    add(Row("cookie_mss_twice_last_wins", "MSS 1460 then MSS 100: the last wins, no cookie",
            r_silent(lambda c: syn4(c, opts=[("MSS", 1460), ("MSS", 100)])[0]),
            drops={"tcp_cookie_mss_too_small": 1}, counters={"syn_rx": 1}))
    add(Row("cookie_mss_twice_last_wins_big", "MSS 100 then MSS 1460: the last wins, cookie",
            r_synack(opts=[("MSS", 100), ("MSS", 1460)]),
            counters={"syn_rx": 1, "cookies_sent": 1}))
    add(Row("cookie_mss_zero", "MSS 0: absent, so 536: cookie",
            r_synack(opts=[("MSS", 0)]), counters={"syn_rx": 1, "cookies_sent": 1}))
    add(Row("cookie_syn_with_data", "SYN with data under cookies: acknowledges only the SYN",
            r_synack(payload=b"x" * 64),
            counters={"syn_rx": 1, "cookies_sent": 1, "syn_data_ignored": 1}))

    def stale(ctx):
        src, sport, irs, cookie = handshake_cookie(ctx)
        time.sleep(STALE_WAIT_S)
        ctx.send(ack_frame(ctx, src, sport, irs + 1, cookie + 1,
                           opts=ts_echo(ctx)))
        return "SYN+ACK, %.1f s, then " % STALE_WAIT_S + expect_one(
            ctx.replies(want=1), kind="tcp", flags="R", seq=cookie + 1, dst=src)
    add(Row("cookie_stale_key_slot", "the ACK %.1f s later (--cookie-rotate=2: two key "
            "lifetimes and the rotation check gone): rejected, RST" % 6.5, stale,
            counters=invalid))
    return rows


STALE_WAIT_S = 6.5
ACK_FLOOD = 300
RST_BURST = 64  # lib/tcp/config.h rst_burst


def ackflood_rows():
    def flood(ctx):
        rnd = random.Random(7)
        frames = []
        for i in range(ACK_FLOOD):
            src = "198.19.%d.%d" % (200 + i // 250, 1 + i % 250)
            frames.append(ack_frame(ctx, src, 30000 + i, rnd.getrandbits(32),
                                    rnd.getrandbits(32)))
        t0 = time.time()
        ctx.send(frames)
        got = ctx.replies(want=1, window=0.5)
        # The per-core bucket starts full (rst_burst, 64) and refills at
        # --rst-rate=10/s while the ACKs arrive.
        most = RST_BURST + int(10 * (time.time() - t0)) + 1
        rsts = [r for r in got if r.get("flags") == "R"]
        if len(rsts) != len(got) or not RST_BURST <= len(got) <= most:
            raise RowFailure("expected %d..%d RSTs (burst %d, --rst-rate=10), got %d frames: %s"
                             % (RST_BURST, most, RST_BURST, len(got), got[:3]))
        # What the rate limiter let through is only known now.
        ctx.row.counters["rst_tx"] = len(rsts)
        ctx.row.drops["tcp_rst_rate_limited"] = ACK_FLOOD - len(rsts)
        return "%d RSTs for %d ACKs" % (len(rsts), ACK_FLOOD)
    return [Row("cookie_ack_flood_no_cookies_out", "%d ACKs with random numbers while no "
                "cookie was ever issued (--cookies=auto): no MAC computed, RSTs rate-limited"
                % ACK_FLOOD, flood, counters={"cookie_macs_computed": 0, "cookies_invalid": 0,
                                              "cookies_valid": 0})]


PHASES = {"stateful": stateful_rows, "cookies": cookie_rows, "ackflood": ackflood_rows}


def cmd_run(args):
    ctx = Ctx(args.iface, args.synx_mac.lower())
    rows = [r for r in PHASES[args.phase]() if not args.only or
            re.search(args.only, r.name)]
    failed = []
    drops, counters, by_reason = {}, {}, {}
    for i, row in enumerate(rows):
        ctx.n = i + (1000 if args.phase == "cookies" else 0)
        ctx.row = row
        try:
            got = row.run(ctx)
            print("row %-38s ok: %s%s" % (row.name, got,
                                          " [%s]" % ",".join(row.drops) if row.drops else ""),
                  flush=True)
        except RowFailure as e:
            print("row %-38s FAIL: %s (%s)" % (row.name, e, row.rule), flush=True)
            failed.append(row.name)
        for k, v in row.drops.items():
            drops[k] = drops.get(k, 0) + v
            by_reason.setdefault(k, []).append(row.name)
        for k, v in row.counters.items():
            counters[k] = counters.get(k, 0) + v
    ctx.sniffer.stop()
    with open(args.expected, "w") as f:
        json.dump({"phase": args.phase, "rows": len(rows), "drops": drops,
                   "counters": counters, "by_reason": by_reason}, f, indent=1, sort_keys=True)
    print("phase %s: %d rows, %d failed%s" % (args.phase, len(rows), len(failed),
                                             (": " + " ".join(failed)) if failed else ""))
    return 1 if failed else 0


def cmd_check(args):
    exp = json.load(open(args.expected))
    got = json.load(open(args.json))
    bad = []
    reasons = set(got["drops"]) | set(exp["drops"])
    for r in sorted(reasons):
        want, have = exp["drops"].get(r, 0), got["drops"].get(r, 0)
        rows = exp["by_reason"].get(r, [])
        if want or have:
            print("  drop %-28s synx %5d rows %5d %s%s" % (
                r, have, want, "ok" if want == have else "MISMATCH",
                "" if want == have else " (rows: %s)" % (" ".join(rows) or "none")))
        if want != have:
            bad.append("drops.%s = %d, rows expect %d" % (r, have, want))
    for k in sorted(exp["counters"]):
        want, have = exp["counters"][k], got.get(k)
        print("  %-33s synx %5s rows %5d %s" % (k, have, want,
                                                "ok" if want == have else "MISMATCH"))
        if want != have:
            bad.append("%s = %s, rows expect %d" % (k, have, want))
    if got.get("mempool_in_use_at_exit") != 0:
        bad.append("mempool_in_use_at_exit = %s" % got.get("mempool_in_use_at_exit"))
    if bad:
        print("phase %s: counters disagree: %s" % (exp["phase"], "; ".join(bad)))
        return 1
    print("phase %s: every drop reason and counter matches the rows" % exp["phase"])
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("phase", choices=sorted(PHASES))
    r.add_argument("--iface", required=True)
    r.add_argument("--synx-mac", required=True)
    r.add_argument("--expected", required=True)
    r.add_argument("--only", help="a regular expression: run only the rows it matches "
                   "(to debug; the counters then cover only those rows)")
    c = sub.add_parser("check")
    c.add_argument("--expected", required=True)
    c.add_argument("--json", required=True)
    sub.add_parser("list")
    args = p.parse_args()
    if args.cmd == "run":
        return cmd_run(args)
    if args.cmd == "check":
        return cmd_check(args)
    for phase, make in PHASES.items():
        for row in make():
            print("%-9s %-38s %s" % (phase, row.name, row.rule))
    return 0


if __name__ == "__main__":
    sys.exit(main())
