#!/usr/bin/python3
"""tcp_listener.py — the Linux server the initiator's integration tests load.

Listens on HOST:PORT with a large backlog, accepts in a loop, and holds every
accepted connection until the peer ends it: a clean end (recv returns b"",
the peer's FIN) is answered with close() (our FIN), a reset is counted. The
listener never closes first, so every RST the initiator sends meets an
ESTABLISHED socket (the kernel counts it in TcpEstabResets) and every FIN
exchange is the initiator's. On SIGTERM/SIGINT it prints one JSON line:
{"accepted": N, "eof": N, "reset": N, "open": N}. It prints "listening" on
stderr once the socket listens.

Standard library only, run with /usr/bin/python3.
"""

import argparse
import json
import selectors
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--backlog", type=int, default=4096)
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    ls.bind((args.host, args.port))
    ls.listen(args.backlog)
    ls.setblocking(False)

    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    counts = {"accepted": 0, "eof": 0, "reset": 0}
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print("listening", file=sys.stderr, flush=True)

    while not stop:
        try:
            events = sel.select(timeout=0.2)
        except InterruptedError:
            continue
        for key, _ in events:
            if key.data is None:
                while True:
                    try:
                        conn, _ = ls.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        # A connection reset while still in the accept queue.
                        counts["reset"] += 1
                        continue
                    counts["accepted"] += 1
                    conn.setblocking(False)
                    sel.register(conn, selectors.EVENT_READ, "conn")
                continue
            conn = key.fileobj
            try:
                data = conn.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                counts["reset"] += 1
                sel.unregister(conn)
                conn.close()
                continue
            if data:
                continue  # discarded
            counts["eof"] += 1
            sel.unregister(conn)
            conn.close()

    counts["open"] = len(sel.get_map()) - 1
    print(json.dumps(counts, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
