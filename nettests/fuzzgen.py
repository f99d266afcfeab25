"""fuzzgen - malformed-input generators, one per class, seeded.

Implements: a generator per class in CONFORMANCE.md's bad-input list
(Ethernet, ARP, IPv4, fragments, ICMP, UDP, TCP options, DHCP, HTTP). Each
takes a random.Random and a Side and returns frames (bytes) for the rig port,
or for HTTP the raw request bytes for a kernel TCP connection. Same seed,
same packets. Sources stay outside the rig's scapy address pool so fuzzing
cannot poison the DUT's ARP cache for later checks.
Not here: sending, liveness or verdicts (test_fuzz.py).
"""

import struct

from scapy.all import BOOTP, ICMP, IP, TCP, UDP, Ether, Raw

FUZZ_SRC = {
    "192.0.2.0/24": "192.0.2.250",
    "192.0.2.0/25": "192.0.2.126",
    "198.51.100.0/24": "198.51.100.250",
}


def _src(side) -> str:
    return FUZZ_SRC.get(side.net, side.rig_ip())


def _eth(side, rng, broadcast_ratio=0.2) -> bytes:
    dst = "ff:ff:ff:ff:ff:ff" if rng.random() < broadcast_ratio else side.dut_mac
    return bytes(Ether(src=side.port.mac, dst=dst, type=0x0800))


def _rbytes(rng, n) -> bytes:
    return rng.randbytes(n)


def g_ethernet(rng, side, dut):
    ethertypes = [0x0800, 0x0806, 0x86DD, 0x8100, 0x88CC, rng.randrange(0x10000), 0x05DC]
    dst = rng.choice([side.dut_mac, "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01"])
    body = _rbytes(rng, rng.choice([0, 1, 20, 46, rng.randrange(1500)]))
    return bytes(Ether(src=side.port.mac, dst=dst, type=rng.choice(ethertypes))) + body


def g_arp(rng, side, dut):
    hwlen = rng.choice([6, 6, 0, 255, rng.randrange(256)])
    plen = rng.choice([4, 4, 0, 16, rng.randrange(256)])
    head = struct.pack(
        "!HHBBH",
        rng.choice([1, 1, 1, 6, rng.randrange(0x10000)]),
        rng.choice([0x0800, 0x0800, 0x86DD, rng.randrange(0x10000)]),
        hwlen,
        plen,
        rng.choice([1, 2, 0, 3, 4, rng.randrange(0x10000)]),
    )
    mac = bytes.fromhex(side.port.mac.replace(":", ""))
    spa = bytes(map(int, _src(side).split(".")))
    tpa = bytes(map(int, rng.choice([side.dut_ip, "0.0.0.0", side.broadcast]).split(".")))
    body = (
        mac + spa + b"\x00" * 6 + tpa
        if (hwlen, plen) == (6, 4)
        else _rbytes(rng, rng.randrange(2 * (hwlen + plen) + 1))
    )
    raw = (head + body)[: rng.choice([10**6] * 3 + [rng.randrange(30)])]
    return (
        bytes(Ether(src=side.port.mac, dst="ff:ff:ff:ff:ff:ff", type=0x0806))
        + raw
        + _rbytes(rng, rng.randrange(3) * 8)
    )


def _ip_header(rng, side, proto, payload_len, **over) -> bytes:
    ihl = over.get("ihl", 5)
    opts = over.get("options", b"")
    total = over.get("len", ihl * 4 + payload_len)
    hdr = struct.pack(
        "!BBHHHBBH4s4s",
        (over.get("version", 4) << 4) | (ihl & 0xF),
        over.get("tos", 0),
        total & 0xFFFF,
        over.get("id", rng.randrange(65536)),
        over.get("fragword", 0),
        over.get("ttl", 64),
        proto,
        0,
        bytes(map(int, _src(side).split("."))),
        bytes(map(int, over.get("dst", side.dut_ip).split("."))),
    )
    hdr += opts
    if over.get("good_checksum", True):
        s = sum(struct.unpack(f"!{len(hdr[:20]) // 2}H", hdr[:20]))
        for i in range(20, len(hdr) - 1, 2):
            s += (hdr[i] << 8) | hdr[i + 1]
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        hdr = hdr[:10] + struct.pack("!H", ~s & 0xFFFF) + hdr[12:]
    return hdr


def g_ipv4(rng, side, dut):
    payload = bytes(ICMP(type=8, id=rng.randrange(65536))) + _rbytes(rng, rng.randrange(64))
    opts = _rbytes(rng, rng.choice([0, 4, 8, 40])) if rng.random() < 0.5 else b""
    ihl = rng.choice([5 + len(opts) // 4] * 3 + [rng.randrange(16)])
    over = dict(
        version=rng.choice([4, 4, 4, rng.randrange(16)]),
        ihl=ihl,
        options=opts,
        tos=rng.randrange(256),
        ttl=rng.choice([0, 1, 64, 255]),
        fragword=rng.choice([0, 0, 0x4000, rng.randrange(65536)]),
        good_checksum=rng.random() < 0.7,
    )
    if rng.random() < 0.3:
        over["len"] = rng.randrange(65536)
    hdr = _ip_header(rng, side, rng.choice([1, 1, 6, 17, rng.randrange(256)]), len(payload), **over)
    return _eth(side, rng, 0.05) + hdr + payload


def g_fragments(rng, side, dut):
    ident = rng.randrange(65536)
    payload = _rbytes(rng, rng.randrange(8, 1400))
    off = rng.choice([0, 1, 8, 185, 8189, rng.randrange(8192)])
    mf = rng.choice([0, 1])
    fragword = (mf << 13) | off
    if rng.random() < 0.2:
        fragword |= 0x8000  # reserved flag
    proto = rng.choice([1, 6, 17])
    hdr = _ip_header(rng, side, proto, len(payload), id=ident, fragword=fragword)
    return _eth(side, rng, 0) + hdr + payload


def g_icmp(rng, side, dut):
    t = rng.choice([0, 3, 4, 5, 8, 11, 12, 13, 15, 17, rng.randrange(256)])
    body = bytes([t, rng.randrange(256), 0, 0]) + _rbytes(
        rng, rng.choice([0, 4, 8, 28, rng.randrange(600)])
    )
    if rng.random() < 0.6:
        inner = IP(src=side.dut_ip, dst=_src(side), proto=rng.choice([1, 6, 17])) / _rbytes(rng, 8)
        body = body[:8] + bytes(inner)[: rng.randrange(8, 48)]
    s = sum(struct.unpack(f"!{len(body) // 2}H", body[: len(body) // 2 * 2]))
    if len(body) % 2:
        s += body[-1] << 8
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    if rng.random() < 0.8:
        body = body[:2] + struct.pack("!H", ~s & 0xFFFF) + body[4:]
    return _eth(side, rng, 0.05) + _ip_header(rng, side, 1, len(body)) + body


def g_udp(rng, side, dut):
    payload = _rbytes(rng, rng.randrange(0, 600))
    length = rng.choice([8 + len(payload)] * 2 + [0, 7, 9, rng.randrange(65536)])
    u = struct.pack(
        "!HHHH",
        rng.randrange(65536),
        rng.choice([dut.closed_udp_port, 67, 68, 53, 123, rng.randrange(65536)]),
        length,
        rng.randrange(65536),
    )
    return _eth(side, rng, 0.1) + _ip_header(rng, side, 17, 8 + len(payload)) + u + payload


def _random_options(rng) -> bytes:
    out = b""
    for _ in range(rng.randrange(1, 6)):
        kind = rng.choice([0, 1, 2, 3, 4, 5, 8, 28, 30, 34, 254, rng.randrange(256)])
        if kind in (0, 1):
            out += bytes([kind])
        else:
            n = rng.choice([0, 1, 2, 3, 4, 10, 40, rng.randrange(256)])
            out += bytes([kind, n]) + _rbytes(rng, max(0, min(n - 2, 36)))
    return out[:40]


def g_tcp_options(rng, side, dut):
    opts = _random_options(rng)
    opts += b"\x00" * (-len(opts) % 4)
    doff = rng.choice([5 + len(opts) // 4] * 4 + [rng.randrange(16)])
    flags = rng.choice([0x02, 0x02, 0x10, 0x18, 0x12, 0x04, 0x01, rng.randrange(256)])
    dport = rng.choice([dut.http_port, dut.closed_tcp_port])
    payload = _rbytes(rng, rng.choice([0, 0, 10, 100]))
    t = (
        struct.pack(
            "!HHIIBBHHH",
            rng.randrange(1024, 65536),
            dport,
            rng.randrange(1 << 32),
            rng.randrange(1 << 32),
            doff << 4,
            flags,
            rng.randrange(65536),
            0,
            rng.choice([0, 0, rng.randrange(65536)]),
        )
        + opts
        + payload
    )
    p = Ether(_eth(side, rng, 0) + _ip_header(rng, side, 6, len(t)) + t)
    if rng.random() < 0.8:
        p[TCP].chksum = None
        return bytes(Ether(bytes(p)[:14]) / IP(bytes(p[IP])[:20]) / TCP(bytes(p[TCP])))
    return bytes(p)


def g_dhcp(rng, side, dut):
    opts = (
        b"\x63\x82\x53\x63"
        + rng.choice([b"\x35\x01\x02", b"\x35\x01\x05", b"\x35\x01\x06", b""])
        + _rbytes(rng, rng.randrange(0, 300))
    )
    b = BOOTP(
        op=rng.choice([2, 2, 1, rng.randrange(256)]),
        xid=rng.randrange(1 << 32),
        htype=rng.choice([1, rng.randrange(256)]),
        hlen=rng.choice([6, rng.randrange(256)]),
        yiaddr=side.dut_ip,
        siaddr=_src(side),
        chaddr=bytes.fromhex(side.dut_mac.replace(":", "")) + b"\x00" * 10,
    )
    raw = bytes(b)[:236] + opts
    raw = raw[: rng.choice([len(raw)] * 3 + [rng.randrange(len(raw))])]
    u = bytes(UDP(sport=67, dport=68) / Raw(raw))
    return (
        bytes(Ether(src=side.port.mac, dst=rng.choice([side.dut_mac, "ff:ff:ff:ff:ff:ff"])))
        + _ip_header(rng, side, 17, len(u), dst=rng.choice([side.dut_ip, "255.255.255.255"]))
        + u
    )


BASE = (
    b"GET / HTTP/1.1\r\nHost: rnt.test\r\nUser-Agent: rnt\r\nAccept: */*\r\n"
    b"Content-Length: 0\r\n\r\n"
)
TOKENS = [
    b"\r\n",
    b"\r",
    b"\n",
    b"\x00",
    b" ",
    b":",
    b"Transfer-Encoding: chunked\r\n",
    b"Content-Length: 99999999999999999999\r\n",
    b"Host: x\r\n",
    b"%00",
    b"/../" * 8,
    b"HTTP/9.9",
    b"\xff\xfe",
    b"a" * 9000,
    b"0\r\n\r\n",
    b"-1",
    b"\t",
]


def g_http(rng, side, dut) -> bytes:
    data = bytearray(BASE)
    for _ in range(rng.randrange(1, 5)):
        op = rng.randrange(4)
        pos = rng.randrange(len(data) + 1)
        if op == 0 and data:
            data[min(pos, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            data[pos:pos] = rng.choice(TOKENS)
        elif op == 2 and data:
            del data[pos : pos + rng.randrange(1, 16)]
        else:
            data[pos:pos] = rng.randbytes(rng.randrange(1, 32))
    return bytes(data)


CLASSES = {
    "ethernet": g_ethernet,
    "arp": g_arp,
    "ipv4": g_ipv4,
    "fragments": g_fragments,
    "icmp": g_icmp,
    "udp": g_udp,
    "tcp_options": g_tcp_options,
    "dhcp": g_dhcp,
    "http": g_http,
}
