#!/usr/bin/python3
"""telemetry_sample.py — sample a running synx's memory figures through the
DPDK telemetry socket, for the flood and overload tests.

  telemetry_sample.py SOCKET OUT [--interval S]
      Until SIGTERM/SIGINT: every S seconds (default 0.2) one JSON line to
      OUT: {"t": seconds since start, "workers": the /synx/workers reply (per
      worker table_entries, table_capacity, half_open, ...) or null,
      "ethdev": /ethdev/stats,0 (rx_nombuf, imissed, ...) or null}.
      A command the binary does not have is asked once and then skipped (its
      field stays null): the caller decides what a missing figure means.
  telemetry_sample.py summary OUT
      One JSON object over the samples: count, max/last table_entries and
      half_open (summed over workers), table_capacity, max rx_nombuf and
      imissed, whether /synx/workers answered at all.

The socket is /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2 (DPDK's own,
v2 protocol: a hello on connect, then one JSON reply per command).
"""

import json
import signal
import socket
import sys
import time


def ask(sock, cmd):
    sock.send(cmd.encode())
    reply = json.loads(sock.recv(1 << 20).decode() or "{}")
    return reply.get(cmd.split(",")[0])


def sample(path, out, interval):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    sock = None
    for _ in range(100):
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            sock.connect(path)
            break
        except OSError:
            sock = None
            time.sleep(0.1)
    if sock is None:
        print("telemetry_sample: cannot connect to %s" % path, file=sys.stderr)
        return 1
    sock.recv(4096)  # the hello
    has = {"/synx/workers": True, "/ethdev/stats,0": True}
    t0 = time.time()
    with open(out, "w") as f:
        while not stop:
            line = {"t": round(time.time() - t0, 3)}
            for cmd, key in (("/synx/workers", "workers"), ("/ethdev/stats,0", "ethdev")):
                v = None
                if has[cmd]:
                    try:
                        v = ask(sock, cmd)
                    except (OSError, ValueError):
                        v = None
                    if v is None:
                        has[cmd] = False
                line[key] = v
            f.write(json.dumps(line) + "\n")
            f.flush()
            time.sleep(interval)
    return 0


def summary(out):
    n = 0
    workers_seen = False
    mx = {"table_entries": 0, "half_open": 0, "rx_nombuf": 0, "imissed": 0}
    last = {"table_entries": None, "half_open": None}
    capacity = None
    for line in open(out):
        s = json.loads(line)
        n += 1
        w = s.get("workers")
        if isinstance(w, dict) and w:
            workers_seen = True
            entries = sum(x.get("table_entries", 0) for x in w.values())
            half = sum(x.get("half_open", 0) for x in w.values())
            capacity = sum(x.get("table_capacity", 0) for x in w.values())
            mx["table_entries"] = max(mx["table_entries"], entries)
            mx["half_open"] = max(mx["half_open"], half)
            last = {"table_entries": entries, "half_open": half}
        e = s.get("ethdev")
        if isinstance(e, dict):
            mx["rx_nombuf"] = max(mx["rx_nombuf"], e.get("rx_nombuf", 0))
            mx["imissed"] = max(mx["imissed"], e.get("imissed", 0))
    print(json.dumps({"samples": n, "workers_command": workers_seen,
                      "table_capacity": capacity,
                      "max_table_entries": mx["table_entries"], "max_half_open": mx["half_open"],
                      "last_table_entries": last["table_entries"],
                      "last_half_open": last["half_open"],
                      "max_rx_nombuf": mx["rx_nombuf"], "max_imissed": mx["imissed"]},
                     sort_keys=True))
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "summary":
        return summary(sys.argv[2])
    if len(sys.argv) not in (3, 5):
        print(__doc__, file=sys.stderr)
        return 2
    interval = float(sys.argv[4]) if len(sys.argv) == 5 else 0.2
    return sample(sys.argv[1], sys.argv[2], interval)


if __name__ == "__main__":
    sys.exit(main())
