"""probes - small scapy stimuli shared by checks and liveness.

Implements: frame builders bound to a Side (Ethernet from the rig port to
the DUT), ARP resolution, ping, UDP-to-port and ICMP-error matchers.
Not here: verdicts (checks decide), TCP scripts (tcpscript.py).
"""

import random

from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw

_rand = random.Random(0x726E74)


def l2(side, src_mac: str | None = None, dst_mac: str | None = None) -> Ether:
    return Ether(src=src_mac or side.port.mac, dst=dst_mac or side.dut_mac)


def arp_request(side, target_ip: str, src_ip: str | None = None, src_mac: str | None = None):
    mac = src_mac or side.port.mac
    return Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=mac, psrc=src_ip or side.rig_ip(), hwdst="00:00:00:00:00:00", pdst=target_ip
    )


def is_arp_reply(psrc: str, pdst: str | None = None):
    def match(p):
        return (
            ARP in p
            and p[ARP].op == 2
            and p[ARP].psrc == psrc
            and (pdst is None or p[ARP].pdst == pdst)
        )

    return match


def arp_resolve(side, ip: str, timeout: float = 2.0, src_ip: str | None = None):
    src = src_ip or side.rig_ip()
    mark = side.port.mark()
    side.port.send(arp_request(side, ip, src))
    hit = side.port.expect_one(is_arp_reply(ip, src), timeout, since=mark)
    return hit[ARP].hwsrc if hit is not None else None


def echo_request(
    side,
    dst: str,
    src: str,
    ident: int,
    seq: int = 1,
    payload: bytes = b"rnt",
    ttl: int = 64,
    **ipkw,
):
    return (
        l2(side)
        / IP(src=src, dst=dst, ttl=ttl, **ipkw)
        / ICMP(type=8, id=ident, seq=seq)
        / Raw(payload)
    )


def is_echo_reply(ident: int, seq: int | None = None, dst: str | None = None):
    def match(p):
        return (
            ICMP in p
            and p[ICMP].type == 0
            and p[ICMP].id == ident
            and (seq is None or p[ICMP].seq == seq)
            and (dst is None or p[IP].dst == dst)
        )

    return match


def new_ident() -> int:
    return _rand.randrange(1, 0xFFFF)


def ping(side, dst: str, timeout: float = 2.0, src: str | None = None, payload: bytes = b"rnt"):
    ident = new_ident()
    mark = side.port.mark()
    side.port.send(echo_request(side, dst, src or side.rig_ip(), ident, payload=payload))
    return side.port.expect_one(is_echo_reply(ident), timeout, since=mark)


def udp_to(
    side,
    dst: str,
    src: str,
    dport: int,
    sport: int | None = None,
    payload: bytes = b"rnt-probe",
    **ipkw,
):
    return (
        l2(side)
        / IP(src=src, dst=dst, **ipkw)
        / UDP(sport=sport or _rand.randrange(20000, 60000), dport=dport)
        / Raw(payload)
    )


def is_icmp_error(
    type_: int, code: int | None = None, about_dst: str | None = None, dst: str | None = None
):
    """An ICMP error of type/code, optionally quoting a datagram sent to about_dst."""

    def match(p):
        if ICMP not in p or p[ICMP].type != type_ or (code is not None and p[ICMP].code != code):
            return False
        if dst is not None and p[IP].dst != dst:
            return False
        if about_dst is not None:
            inner = p[ICMP].payload
            return hasattr(inner, "dst") and inner.dst == about_dst
        return True

    return match


def port_unreachable_for(dport: int, src: str):
    def match(p):
        if ICMP not in p or p[ICMP].type != 3 or p[ICMP].code != 3 or p[IP].dst != src:
            return False
        inner = bytes(p[ICMP].payload)
        if len(inner) < 24:
            return False
        ihl = (inner[0] & 0x0F) * 4
        return len(inner) >= ihl + 4 and int.from_bytes(inner[ihl + 2 : ihl + 4], "big") == dport

    return match
