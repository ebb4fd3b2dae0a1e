#!/usr/bin/python3
"""check_capture.py — what tshark, with checksum validation on, says about a capture.

  check_capture.py PCAP [--src-mac MAC]
      prints JSON: frames, bad (frames matching BAD_FILTER), bad_examples
      (up to 10 "frame N: expert messages"), foreign_src (frames whose
      Ethernet source is not MAC), synack, rst, arp_reply, icmp_echo_reply,
      icmpv6_echo_reply, nd_na, tcp_v4, tcp_v6. Exit 0 unless tshark fails.

  check_capture.py --selftest
      writes a pcap holding one good SYN+ACK and one frame for each way
      BAD_FILTER must catch (bad TCP / IPv4 header / ICMP / ICMPv6 checksum,
      truncated TCP header, IPv4 total length beyond the frame), runs the
      same counting over it, exit 0 only if exactly the bad ones are bad.
      Proves the filter is not one that can never match.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

# Validation is off by default in Wireshark: turn it on for IPv4 and TCP
# (ICMP and ICMPv6 checksums are always checked). An ICMP bad checksum is
# only a warning in the expert info, so it is named on its own.
TSHARK_PREFS = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
BAD_FILTER = ("tcp.checksum.status == 0 || ip.checksum.status == 0 || "
              "icmp.checksum.status == 0 || icmpv6.checksum.status == 0 || "
              "_ws.malformed || _ws.expert.severity == error")

KINDS = {
    "synack": "tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.flags.reset == 0",
    "rst": "tcp.flags.reset == 1",
    "arp_reply": "arp.opcode == 2",
    "icmp_echo_reply": "icmp.type == 0",
    "icmpv6_echo_reply": "icmpv6.type == 129",
    "nd_na": "icmpv6.type == 136",
    "tcp_v4": "ip && tcp",
    "tcp_v6": "ipv6 && tcp",
}


def tshark(pcap, display_filter, fields):
    cmd = ["tshark", "-n", "-r", pcap] + TSHARK_PREFS + ["-T", "fields", "-E", "separator=\t"]
    if display_filter:
        cmd += ["-Y", display_filter]
    for f in fields:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"tshark failed ({res.returncode}): {res.stderr.strip()}")
    return [line.split("\t") for line in res.stdout.splitlines() if line]


def analyse(pcap, src_mac):
    rows = tshark(pcap, "", ["frame.number", "eth.src"])
    out = {"frames": len(rows)}
    out["foreign_src"] = (sum(1 for r in rows if r[1].lower() != src_mac.lower())
                          if src_mac else 0)
    bad = tshark(pcap, BAD_FILTER, ["frame.number", "_ws.expert.message"])
    out["bad"] = len(bad)
    out["bad_examples"] = [f"frame {r[0]}: {r[1] if len(r) > 1 else ''}" for r in bad[:10]]
    # One pass for every kind: the frame's flags as fields, classified here.
    fields = ["frame.number", "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.reset",
              "arp.opcode", "icmp.type", "icmpv6.type", "ip.src", "ipv6.src", "tcp.srcport"]
    counts = dict.fromkeys(KINDS, 0)
    for r in tshark(pcap, "", fields):
        r += [""] * (len(fields) - len(r))
        f = dict(zip(fields, r))
        is_tcp = f["tcp.srcport"] != ""
        flag = lambda k: f[k] in ("1", "True")
        if is_tcp and flag("tcp.flags.syn") and flag("tcp.flags.ack") and not flag("tcp.flags.reset"):
            counts["synack"] += 1
        if is_tcp and flag("tcp.flags.reset"):
            counts["rst"] += 1
        if f["arp.opcode"] == "2":
            counts["arp_reply"] += 1
        if f["icmp.type"].split(",")[0] == "0":
            counts["icmp_echo_reply"] += 1
        if f["icmpv6.type"].split(",")[0] == "129":
            counts["icmpv6_echo_reply"] += 1
        if f["icmpv6.type"].split(",")[0] == "136":
            counts["nd_na"] += 1
        # Not ip.version: the IPv6 dissector fills that field too.
        if is_tcp and f["ip.src"] != "":
            counts["tcp_v4"] += 1
        if is_tcp and f["ipv6.src"] != "":
            counts["tcp_v6"] += 1
    out.update(counts)
    return out


def selftest():
    from scapy.all import Ether, ICMP, ICMPv6EchoReply, IP, IPv6, TCP, wrpcap  # noqa
    mac, peer = "02:00:5e:00:53:01", "02:00:5e:00:53:02"
    v4 = dict(src="198.18.0.1", dst="198.18.0.2")
    v6 = dict(src="2001:2::1", dst="2001:2::2")
    synack = dict(sport=80, dport=40000, flags="SA", seq=1, ack=2)
    good = Ether(src=mac, dst=peer) / IP(**v4) / TCP(**synack)
    whole = bytes(good)
    frames = [
        ("good SYN+ACK", good, False),
        ("bad TCP checksum (IPv4)", Ether(src=mac, dst=peer) / IP(**v4) / TCP(**synack, chksum=0x1234), True),
        ("bad TCP checksum (IPv6)", Ether(src=mac, dst=peer) / IPv6(**v6) / TCP(**synack, chksum=0x1234), True),
        ("bad IPv4 header checksum", Ether(src=mac, dst=peer) / IP(**v4, chksum=0x1234) / TCP(**synack), True),
        ("bad ICMP checksum", Ether(src=mac, dst=peer) / IP(**v4) / ICMP(type=0, chksum=0x1234), True),
        ("bad ICMPv6 checksum", Ether(src=mac, dst=peer) / IPv6(**v6) / ICMPv6EchoReply(cksum=0x1234), True),
        ("TCP header cut short", Ether(whole[:14 + 20 + 10]), True),
        ("IPv4 total length beyond the frame", Ether(whole[:14 + 2] + b"\x00\x50" + whole[14 + 4:]), True),
    ]
    # Ether(bytes) re-parses; the length-patched frame keeps its (now wrong)
    # header checksum, so it is bad twice over — it only has to be bad.
    with tempfile.TemporaryDirectory() as d:
        ok = True
        for name, frame, is_bad in frames:
            path = os.path.join(d, "one.pcap")
            wrpcap(path, [frame])
            got = analyse(path, mac)["bad"]
            verdict = "ok" if got == int(is_bad) else "WRONG"
            ok &= verdict == "ok"
            print(f"selftest: {name}: bad={got} (expected {int(is_bad)}) {verdict}")
        path = os.path.join(d, "all.pcap")
        wrpcap(path, [f for _, f, _ in frames])
        res = analyse(path, mac)
        want_bad = sum(1 for _, _, b in frames if b)
        print(f"selftest: all {len(frames)} frames together: bad={res['bad']} "
              f"(expected {want_bad}), synack={res['synack']} (expected at least 1)")
        ok &= res["bad"] == want_bad and res["synack"] >= 1
    print("selftest:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pcap", nargs="?")
    ap.add_argument("--src-mac", default="")
    ap.add_argument("--selftest", action="store_true")
    args = ap.parse_args()
    if args.selftest:
        return selftest()
    if not args.pcap:
        ap.error("PCAP required")
    json.dump(analyse(args.pcap, args.src_mac), sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
