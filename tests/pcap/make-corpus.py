#!/usr/bin/env python3
"""Writes the seed corpus of the pcap reader fuzz target (tests/fuzz/corpus/pcapfile/).

Small hand-made files covering what the test captures in ../shared/testdata do not:
pcap in both byte orders and both precisions, pcapng with several interfaces and
link types, if_tsresol (decimal and binary), if_tsoffset, EPB/SPB/OPB, unknown
blocks, a second big-endian section, and a truncated last record.
tests/pcap/test-pcapfile.c also reads these and compares them with tshark.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), '..', 'fuzz', 'corpus', 'pcapfile')
os.makedirs(out, exist_ok=True)


def eth_udp(n, payload=b''):
    """An Ethernet/IPv4/UDP frame from 10.0.0.1 to 10.0.0.2 (addresses in test nets)."""
    data = payload or bytes([n & 0xff]) * (8 + n % 13)
    udp = struct.pack('!HHHH', 1000 + n, 53, 8 + len(data), 0) + data
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
    return ip, bytes.fromhex('020000000002020000000001 0800'.replace(' ', '')) + ip


def pcap(name, endian, nsec, linktype, frames, truncate=0):
    magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
    b = struct.pack(endian + 'IHHiIII', magic, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        sec, frac = 1700000000 + i, (123456789 if nsec else 123456) + i
        b += struct.pack(endian + 'IIII', sec, frac, len(f), len(f) + (i % 2) * 4) + f
    if truncate:
        b = b[:-truncate]
    open(os.path.join(out, name), 'wb').write(b)


def block(endian, btype, body):
    body += b'\0' * ((4 - len(body) % 4) % 4)
    n = len(body) + 12
    return struct.pack(endian + 'II', btype, n) + body + struct.pack(endian + 'I', n)


def opt(endian, code, value):
    return struct.pack(endian + 'HH', code, len(value)) + value + b'\0' * ((4 - len(value) % 4) % 4)


def shb(endian):
    return block(endian, 0x0a0d0d0a, struct.pack(endian + 'IHHq', 0x1a2b3c4d, 1, 0, -1)
                 + opt(endian, 4, b'pktpipe corpus') + opt(endian, 0, b''))


def idb(endian, linktype, tsresol=None, tsoffset=None, snaplen=0):
    opts = b''
    if tsresol is not None:
        opts += opt(endian, 9, bytes([tsresol]))
    if tsoffset is not None:
        opts += opt(endian, 14, struct.pack(endian + 'q', tsoffset))
    if opts:
        opts += opt(endian, 0, b'')
    return block(endian, 1, struct.pack(endian + 'HHI', linktype, 0, snaplen) + opts)


def epb(endian, iface, units, data, wirelen=None):
    return block(endian, 6, struct.pack(endian + 'IIIII', iface, units >> 32, units & 0xffffffff,
                                         len(data), wirelen or len(data)) + data)


def opb(endian, iface, units, data):
    return block(endian, 2, struct.pack(endian + 'HHIIII', iface, 0, units >> 32,
                                         units & 0xffffffff, len(data), len(data)) + data)


def spb(endian, data, wirelen=None):
    return block(endian, 3, struct.pack(endian + 'I', wirelen or len(data)) + data)


frames = [eth_udp(i) for i in range(6)]
pcap('le-usec.pcap', '<', False, 1, [f for _, f in frames])
pcap('be-nsec.pcap', '>', True, 1, [f for _, f in frames])
pcap('be-usec-raw.pcap', '>', False, 101, [ip for ip, _ in frames])
pcap('le-nsec-ipv4.pcap', '<', True, 228, [ip for ip, _ in frames])
pcap('truncated.pcap', '<', False, 1, [f for _, f in frames], truncate=7)
# Linux cooked v1 and v2 headers around the IPv4 packets
sll = [struct.pack('!HHH8sH', 0, 1, 6, b'\2\0\0\0\0\1\0\0', 0x0800) + ip for ip, _ in frames]
pcap('sll.pcap', '<', False, 113, sll)
sll2 = [struct.pack('!HHIHBB8s', 0x0800, 0, 2, 1, 0, 6, b'\2\0\0\0\0\1\0\0') + ip
        for ip, _ in frames]
pcap('sll2.pcap', '<', True, 276, sll2)
pcap('null.pcap', '<', False, 0, [struct.pack('<I', 2) + ip for ip, _ in frames])
pcap('loop.pcap', '<', False, 108, [struct.pack('!I', 2) + ip for ip, _ in frames])

# pcapng: Ethernet (µs, default), raw IP (ns), and 2^-20 resolution with an offset
le = '<'
t = 1700000000
ng = shb(le) + idb(le, 1) + idb(le, 101, tsresol=9) + idb(le, 1, tsresol=0x80 | 20, tsoffset=10)
ng += epb(le, 0, t * 1000000 + 1, frames[0][1])
ng += epb(le, 1, t * 1000000000 + 2, frames[1][0])
ng += block(le, 4, b'\1\0\4\0\12\0\0\1\0\0\0\0')  # name resolution block: skipped
ng += block(le, 0x0BAD, b'unknown block type')   # unknown: skipped
ng += epb(le, 2, (t << 20) + 3, frames[2][1])
ng += opb(le, 0, t * 1000000 + 4, frames[3][1])
ng += epb(le, 1, t * 1000000000 + 5, frames[4][0], wirelen=len(frames[4][0]) + 100)
open(os.path.join(out, 'multi-iface.pcapng'), 'wb').write(ng)

# simple packet blocks (no timestamp), snaplen 40 on interface 0
open(os.path.join(out, 'spb.pcapng'), 'wb').write(
    shb(le) + idb(le, 1, snaplen=40) + spb(le, frames[0][1][:40], len(frames[0][1]))
    + spb(le, frames[1][1][:40], 200))

# two sections: little-endian then big-endian, each with its own interfaces
be = '>'
two = shb(le) + idb(le, 1) + epb(le, 0, t * 1000000, frames[0][1])
two += shb(be) + idb(be, 229, tsresol=3) + idb(be, 1, tsresol=9)
v6 = bytes.fromhex('6000000000083b40') + b'\xfd' + b'\0' * 14 + b'\1' + b'\xfd' + b'\0' * 14 + b'\2' + b'\0' * 8
two += epb(be, 0, t * 1000 + 7, v6) + epb(be, 1, t * 1000000000 + 8, frames[5][1])
open(os.path.join(out, 'two-sections.pcapng'), 'wb').write(two)

# a pcapng whose last block is cut short
open(os.path.join(out, 'truncated.pcapng'), 'wb').write(ng[:-10])
# garbage
open(os.path.join(out, 'garbage.bin'), 'wb').write(b'this is not a capture file at all\n')
