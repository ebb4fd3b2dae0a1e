#!/usr/bin/python3
"""whole_selftest.py — bench/run's own tools, checked quickly (suite unit).

    whole_selftest.py MAKE_SYN_PCAP LINUX_CONNECT

- make_syn_pcap: every frame of a 1,024-flow file is an IPv4 SYN to
  198.18.0.1:80 from 198.19.0.0/16 with the Linux option layout, both
  checksums verify (scapy recomputes them), every 4-tuple is distinct, and
  the file is the same on a second run (fixed seed).
- linux_connect: one second of loopback connect/accept completes some
  connections and accepts them (a failed connect is counted, and rare); bad arguments exit 2.
"""

import json
import os
import subprocess
import sys
import tempfile

from scapy.all import IP, TCP, Ether, rdpcap  # noqa: E402


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check_pcap(tool, tmp):
    a, b = os.path.join(tmp, "a.pcap"), os.path.join(tmp, "b.pcap")
    for path in (a, b):
        subprocess.run([tool, path, "--flows", "1024"], check=True, capture_output=True)
    if open(a, "rb").read() != open(b, "rb").read():
        fail("make_syn_pcap is not deterministic")
    tuples = set()
    frames = rdpcap(a)
    if len(frames) != 1024:
        fail(f"{len(frames)} frames, want 1024")
    for f in frames:
        if len(f) != 74 or f[Ether].dst != "02:70:63:61:70:00":
            fail(f"frame length {len(f)} or destination {f[Ether].dst}")
        ip, tcp = f[IP], f[TCP]
        if ip.dst != "198.18.0.1" or not ip.src.startswith("198.19.") or tcp.dport != 80:
            fail(f"addresses {ip.src} -> {ip.dst}:{tcp.dport}")
        if tcp.flags != "S":
            fail(f"flags {tcp.flags}")
        if [o[0] for o in tcp.options] != ["MSS", "SAckOK", "Timestamp", "NOP", "WScale"]:
            fail(f"options {tcp.options}")
        got_ip, got_tcp = ip.chksum, tcp.chksum
        del ip.chksum, tcp.chksum
        again = IP(bytes(ip))
        if again.chksum != got_ip or again[TCP].chksum != got_tcp:
            fail(f"checksums of {ip.src}:{tcp.sport}")
        tuples.add((ip.src, tcp.sport))
    if len(tuples) != 1024:
        fail(f"{len(tuples)} distinct 4-tuples, want 1024")


def check_linux_connect(tool):
    r = subprocess.run([tool, "connect", "--seconds=1"], capture_output=True, text=True,
                       timeout=30)
    if r.returncode != 0:
        fail(f"linux_connect exited {r.returncode}: {r.stderr}")
    res = json.loads(r.stdout)
    # A rare connect may fail on a loaded machine (the handshake can still
    # complete on the listener's side): allowed, but each one must be
    # counted, and at most one per thousand. linux_connect drains the accept
    # queue after the clients stop, so every completed connect is accepted.
    if (res["connections"] <= 0 or res["failed"] * 1000 > res["connections"]
            or abs(res["accepted"] - res["connections"]) > res["failed"]):
        fail(f"linux_connect: {res}")
    if abs(res["cps"] - res["connections"] / res["seconds"]) > 0.002 * res["cps"]:
        fail(f"cps {res['cps']} != connections / seconds")
    for bad in (["connect", "--pairs=0"], ["listen"], ["connect", "--seconds=x"], ["nope"]):
        if subprocess.run([tool] + bad, capture_output=True).returncode != 2:
            fail(f"linux_connect {' '.join(bad)} did not exit 2")


def main():
    make_syn_pcap, linux_connect = sys.argv[1:3]
    with tempfile.TemporaryDirectory() as tmp:
        check_pcap(make_syn_pcap, tmp)
    check_linux_connect(linux_connect)
    print("PASS")


if __name__ == "__main__":
    main()
