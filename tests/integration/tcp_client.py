#!/usr/bin/python3
"""tcp_client.py — N Linux connect()s to one IP:PORT, for the integration tests.

Run inside the client namespace. Each connection: a non-blocking connect()
bounded by --timeout; once connected, TCP_INFO says which options the kernel
negotiated; with --send=N it writes N bytes and waits (bounded by
--ack-timeout) until SIOCOUTQ is 0, i.e. the peer acknowledged every byte;
with --expect-peer=S it then waits up to S seconds for what the peer does
next (a FIN, a RST, data, or nothing); then it closes (--close=fin:
close(); --close=rst: SO_LINGER 0, an abort).
--concurrency connections are in flight at once so thousands fit in seconds.

Prints one JSON object on stdout:
  attempted, connected, refused, timeouts, errors {errno name: count},
  data_sent, data_acked, data_unacked, options {"ts,sack,ws[,ecn]": count} over
  connected sockets, snd_mss {value: count}, retransmits (sum of
  tcpi_total_retrans when each socket was closed), reset_on_connect
  (handshakes that completed but were reset before the client saw them:
  counted in connected, not in options), peer {fin, rst, data,
  silent} (with --expect-peer; a reset seen while sending counts as rst),
  not_started (left out after --max-failures), elapsed_s.
It never judges: the caller compares the numbers. Exit 0 unless the
arguments are bad (2).
"""

import argparse
import errno
import fcntl
import ipaddress
import json
import selectors
import socket
import struct
import sys
import termios
import time

SIOCOUTQ = termios.TIOCOUTQ  # the same ioctl number on sockets
TCPI_OPT_TIMESTAMPS = 1
TCPI_OPT_SACK = 2
TCPI_OPT_WSCALE = 4
TCPI_OPT_ECN = 8  # ECN negotiated: the SYN+ACK carried ECE (RFC 3168 §6.1.1)
# struct tcp_info (linux/tcp.h): 8 bytes of u8 fields, then u32s.
TCPI_OPTIONS_OFFSET = 5
TCPI_SND_MSS_OFFSET = 16
TCPI_TOTAL_RETRANS_OFFSET = 100
TCPI_LEN = 104


def tcp_info(sock):
    raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCPI_LEN)
    if len(raw) < TCPI_LEN:
        return None
    opts = raw[TCPI_OPTIONS_OFFSET]
    (snd_mss,) = struct.unpack_from("I", raw, TCPI_SND_MSS_OFFSET)
    (total_retrans,) = struct.unpack_from("I", raw, TCPI_TOTAL_RETRANS_OFFSET)
    names = []
    if opts & TCPI_OPT_TIMESTAMPS:
        names.append("ts")
    if opts & TCPI_OPT_SACK:
        names.append("sack")
    if opts & TCPI_OPT_WSCALE:
        names.append("ws")
    if opts & TCPI_OPT_ECN:
        names.append("ecn")
    return ",".join(names) or "none", snd_mss, total_retrans


def outq(sock):
    buf = fcntl.ioctl(sock.fileno(), SIOCOUTQ, b"\0\0\0\0")
    return struct.unpack("i", buf)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--send", type=int, default=0, help="bytes to send after connect")
    ap.add_argument("--timeout", type=float, default=3.0, help="per-connect seconds")
    ap.add_argument("--ack-timeout", type=float, default=2.0,
                    help="seconds to wait for the data to be acknowledged")
    ap.add_argument("--expect-peer", type=float, default=0.0,
                    help="seconds to wait for the peer's next move after connect (and data)")
    ap.add_argument("--close", choices=("fin", "rst"), default="fin")
    ap.add_argument("--max-failures", type=int, default=0,
                    help="stop starting connections after this many timeouts and errors "
                         "(0: never); the rest count as not_started")
    args = ap.parse_args()
    if args.count < 0 or args.concurrency < 1 or not 0 < args.port < 65536:
        ap.error("bad --count, --concurrency or --port")
    family = socket.AF_INET6 if ipaddress.ip_address(args.host).version == 6 else socket.AF_INET

    out = {"attempted": 0, "connected": 0, "refused": 0, "timeouts": 0, "errors": {},
           "data_sent": 0, "data_acked": 0, "data_unacked": 0, "options": {},
           "snd_mss": {}, "retransmits": 0, "reset_on_connect": 0, "not_started": 0}
    if args.expect_peer > 0:
        out["peer"] = {"fin": 0, "rst": 0, "data": 0, "silent": 0}
    payload = bytes((i % 251) for i in range(args.send))
    sel = selectors.DefaultSelector()
    connecting = {}  # sock -> deadline
    awaiting_ack = {}  # sock -> deadline
    awaiting_peer = {}  # sock -> deadline

    def in_flight():
        return len(connecting) + len(awaiting_ack) + len(awaiting_peer)

    def done_with(sock):
        """Data acknowledged (or none sent): watch the peer, or close."""
        if args.expect_peer > 0:
            awaiting_peer[sock] = time.monotonic() + args.expect_peer
            sel.register(sock, selectors.EVENT_READ)
        else:
            finish(sock)

    def on_readable(sock):
        try:
            data = sock.recv(4096)
        except ConnectionResetError:
            out["peer"]["rst"] += 1
            return
        except OSError as e:
            record_error(e.errno)
            return
        out["peer"]["data" if data else "fin"] += 1

    def finish(sock):
        info = tcp_info(sock)
        if info is not None:
            out["retransmits"] += info[2]
        if args.close == "rst":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    def start_one():
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        out["attempted"] += 1
        rc = sock.connect_ex((args.host, args.port))
        if rc not in (0, errno.EINPROGRESS):
            record_error(rc)
            sock.close()
            return
        connecting[sock] = time.monotonic() + args.timeout
        sel.register(sock, selectors.EVENT_WRITE)

    def record_error(err):
        if err == errno.ECONNREFUSED:
            out["refused"] += 1
        elif err == errno.ETIMEDOUT:
            out["timeouts"] += 1
        else:
            name = errno.errorcode.get(err, str(err))
            out["errors"][name] = out["errors"].get(name, 0) + 1

    def on_connected(sock):
        out["connected"] += 1
        info = tcp_info(sock)
        if info is not None:
            out["options"][info[0]] = out["options"].get(info[0], 0) + 1
            key = str(info[1])
            out["snd_mss"][key] = out["snd_mss"].get(key, 0) + 1
        if not payload:
            done_with(sock)
            return
        try:
            n = sock.send(payload)
        except OSError as e:
            if e.errno in (errno.ECONNRESET, errno.EPIPE) and "peer" in out:
                out["peer"]["rst"] += 1
            else:
                record_error(e.errno)
            finish(sock)
            return
        out["data_sent"] += 1
        if n != len(payload):  # cannot happen with a fresh socket and a few bytes
            out["errors"]["short_send"] = out["errors"].get("short_send", 0) + 1
        awaiting_ack[sock] = time.monotonic() + args.ack_timeout

    t0 = time.monotonic()
    remaining = args.count
    def failures():
        return out["timeouts"] + sum(out["errors"].values())

    while remaining or in_flight():
        if remaining and args.max_failures and failures() >= args.max_failures:
            out["not_started"] += remaining
            remaining = 0
        while remaining and in_flight() < args.concurrency:
            remaining -= 1
            start_one()
        wait = 0.001 if awaiting_ack else 0.05
        for key, _ in sel.select(timeout=wait):
            sock = key.fileobj
            sel.unregister(sock)
            if sock in awaiting_peer:
                del awaiting_peer[sock]
                on_readable(sock)
                finish(sock)
                continue
            del connecting[sock]
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err == errno.ECONNRESET:
                # Only an established connection is reset (a RST in
                # SYN-SENT is ECONNREFUSED): the handshake completed and
                # the peer's RST came before we looked.
                out["connected"] += 1
                out["reset_on_connect"] += 1
                if "peer" in out:
                    out["peer"]["rst"] += 1
                sock.close()
            elif err:
                record_error(err)
                sock.close()
            else:
                on_connected(sock)
        now = time.monotonic()
        for sock, deadline in list(connecting.items()):
            if now >= deadline:
                sel.unregister(sock)
                del connecting[sock]
                out["timeouts"] += 1
                sock.close()
        for sock, deadline in list(awaiting_ack.items()):
            if outq(sock) == 0:
                out["data_acked"] += 1
            elif now >= deadline:
                out["data_unacked"] += 1
            else:
                continue
            del awaiting_ack[sock]
            done_with(sock)
        for sock, deadline in list(awaiting_peer.items()):
            if now >= deadline:
                sel.unregister(sock)
                del awaiting_peer[sock]
                out["peer"]["silent"] += 1
                finish(sock)
    out["elapsed_s"] = round(time.monotonic() - t0, 3)
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
