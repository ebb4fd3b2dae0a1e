#!/usr/bin/env python3
"""Independent reference for tests/cookie/golden_test.cc.

Recomputes the cookie layout of design.md §5 / docs/cookies.md from scratch:
BLAKE2b (hashlib) for libsodium's crypto_kdf_derive_from_key, and a pure
Python SipHash-2-4. It shares no code with lib/cookie, so agreement pins the
byte layout of the MAC input, the KDF parameters and the ISS packing.

Run: python3 tests/cookie/golden_cookie.py
"""
import hashlib
import ipaddress
import struct

MASK = (1 << 64) - 1


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def siphash24(key: bytes, msg: bytes) -> int:
    k0, k1 = struct.unpack('<QQ', key)
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rnd():
        nonlocal v0, v1, v2, v3
        v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
        v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16); v3 ^= v2
        v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21); v3 ^= v0
        v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)

    tail = len(msg) % 8
    body = msg[: len(msg) - tail]
    for i in range(0, len(body), 8):
        m = struct.unpack('<Q', body[i:i + 8])[0]
        v3 ^= m; rnd(); rnd(); v0 ^= m
    b = (len(msg) & 0xFF) << 56
    for i, c in enumerate(msg[len(msg) - tail:]):
        b |= c << (8 * i)
    v3 ^= b; rnd(); rnd(); v0 ^= b
    v2 ^= 0xFF
    rnd(); rnd(); rnd(); rnd()
    return v0 ^ v1 ^ v2 ^ v3


def kdf(master: bytes, subkey_id: int, ctx: bytes) -> bytes:
    return hashlib.blake2b(b'', digest_size=16, key=master,
                           salt=struct.pack('<Q', subkey_id) + bytes(8),
                           person=ctx + bytes(8)).digest()


def pack_tuple(remote, rport, local, lport):
    r, l = ipaddress.ip_address(remote), ipaddress.ip_address(local)
    fam = lambda a: 4 if a.version == 4 else 6
    return (bytes([fam(r) << 4 | fam(l)]) + struct.pack('>HH', rport, lport)
            + r.packed + l.packed)


def cookie(master, epoch, remote, rport, local, lport, isn, f_opts):
    """The ISS: MAC = H[31:0] packed with F. (The TS offset is the flow's, per
    4-tuple, from the stateful key below, in cookie mode too.)"""
    f = f_opts | (epoch & 1)
    key = kdf(master, epoch, b'synxcook')
    h = siphash24(key, pack_tuple(remote, rport, local, lport)
                  + struct.pack('>I', isn) + bytes([f]))
    mac = h & 0xFFFFFFFF
    return (mac & 0xFFFFFF00) | ((f ^ (mac >> 24)) & 0xFF)


MASTER = bytes(range(32))

# SipHash paper, Appendix A: key 00..0f, message 00..0e.
assert siphash24(bytes(range(16)), bytes(range(15))) == 0xa129ca6149be45e5

print('kdf(master, 1000, synxcook) =', kdf(MASTER, 1000, b'synxcook').hex())
# v4: MSS 1460 -> index 7, WS 7 -> index 6, SACK -> bit 1, epoch 1000 -> slot 0
print('v4 cookie = 0x%08x' % cookie(
    MASTER, 1000, '198.18.0.1', 40000, '198.19.0.1', 80, 0x12345678,
    7 << 5 | 6 << 2 | 2))
# v6: MSS 1440 -> index 6, no WS, no SACK, epoch 1001 -> slot 1
print('v6 cookie = 0x%08x' % cookie(
    MASTER, 1001, '2001:2::1', 40000, '2001:2::2', 443, 0xfffffff0, 6 << 5))
# Stateful path: one SipHash of the tuple; ISN = clock + H[31:0] (RFC 6528),
# TS offset = H[63:32] (the flow's, in cookie mode too).
isn_key = kdf(MASTER, 0, b'synx_isn')
h4 = siphash24(isn_key, pack_tuple('198.18.0.1', 40000, '198.19.0.1', 80))
print('v4 isn(now_us=4000000) = 0x%08x' %
      ((4000000 // 4 + (h4 & 0xFFFFFFFF)) & 0xFFFFFFFF))
print('v4 ts_offset = 0x%08x' % (h4 >> 32))
