"""Router appliance forwarding checks (RFC 1812, RFC 1191, RFC 791)."""

import pytest
from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw

from nettests.probes import arp_request, is_echo_reply, l2, new_ident
from nettests.registry import check, summarize

R = ("router",)


def _a_b(dut):
    return dut.sides[0], dut.sides[1]


def _to_b(a, b, src, dst, **kw):
    return l2(a) / IP(src=src, dst=dst, **kw)


def _arrived(b, match, since, timeout=2):
    return b.port.expect_one(match, timeout, since=since)


@check(
    "forwarding.both_directions",
    rfc="RFC 1812",
    section="5.2",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_both_directions(dut, rec):
    a, b = _a_b(dut)
    seen = {}
    for x, y in ((a, b), (b, a)):
        src, dst, ident = x.rig_ip(), y.rig_ip(), new_ident()
        my = y.port.mark()
        for proto in (
            ICMP(type=8, id=ident, seq=1),
            UDP(sport=4000, dport=4001),
            TCP(sport=4000, dport=4002, flags="S"),
        ):
            x.port.send(l2(x) / IP(src=src, dst=dst) / proto / Raw(b"fwd"))
        hits = y.port.expect(lambda p, s=src: IP in p and p[IP].src == s, 2, since=my, count=3)
        seen[f"{x.name}->{y.name}"] = sorted(p[IP].proto for p in hits)
    rec.saw("ICMP, UDP and TCP forwarded both ways", seen)
    assert all(v == [1, 6, 17] for v in seen.values())


@check(
    "forwarding.ttl_decremented_checksum_ok",
    rfc="RFC 1812",
    section="5.3.1",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_ttl_decrement(dut, rec):
    a, b = _a_b(dut)
    src, dst = a.rig_ip(), b.rig_ip()
    mark = b.port.mark()
    a.port.send(_to_b(a, b, src, dst, ttl=17) / UDP(sport=4100, dport=4101) / Raw(b"ttl"))
    p = _arrived(b, lambda p: UDP in p and p[IP].src == src, mark)
    rec.saw("TTL 16, valid header checksum, source MAC = router's side-B MAC", p)
    assert p is not None
    assert p[IP].ttl == 16
    raw = IP(bytes(p[IP]))
    chk = raw.chksum
    raw.chksum = None
    assert IP(bytes(raw)).chksum == chk, "header checksum not recomputed"
    assert p[Ether].src == b.dut_mac


@check(
    "forwarding.ttl_expired_time_exceeded",
    rfc="RFC 1812",
    section="5.2.7.3 / 4.2.2.9",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_ttl_expired(dut, rec):
    a, b = _a_b(dut)
    src, dst = a.rig_ip(), b.rig_ip()
    ma, mb = a.port.mark(), b.port.mark()
    a.port.send(_to_b(a, b, src, dst, ttl=1) / UDP(sport=4200, dport=4201) / Raw(b"ttl1"))
    err = a.port.expect_one(
        lambda p: ICMP in p and p[ICMP].type == 11 and p[IP].dst == src, 2, since=ma
    )
    leaked = b.port.quiet(lambda p: UDP in p and p[IP].src == src, dut.quiet, since=mb)
    rec.saw(
        "ICMP 11/0 from the receiving interface's address; nothing forwarded",
        f"{err.summary() if err is not None else None}; forwarded {len(leaked)}",
    )
    assert err is not None and err[ICMP].code == 0
    assert err[IP].src == a.dut_ip, f"error sourced from {err[IP].src}"
    assert not leaked, "forwarded a datagram with TTL 0"


@check(
    "forwarding.frag_needed_with_mtu",
    rfc="RFC 1191",
    section="4",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_frag_needed(dut, rec):
    a, b = _a_b(dut)
    if b.mtu >= a.mtu:
        pytest.skip("egress MTU is not smaller than ingress: no DF case to build")
    src, dst = a.rig_ip(), b.rig_ip()
    mark = a.port.mark()
    a.port.send(
        _to_b(a, b, src, dst, flags="DF") / UDP(sport=4300, dport=4301) / Raw(b"D" * (a.mtu - 28))
    )
    err = a.port.expect_one(
        lambda p: ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 4 and p[IP].dst == src,
        2,
        since=mark,
    )
    rec.saw(f"ICMP 3/4 with next-hop MTU {b.mtu}", err)
    assert err is not None
    assert err[ICMP].nexthopmtu == b.mtu


@check(
    "forwarding.fragments_when_df_clear",
    rfc="RFC 791",
    section="3.2 (fragmentation)",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_fragments(dut, rec):
    a, b = _a_b(dut)
    if b.mtu >= a.mtu:
        pytest.skip("egress MTU is not smaller than ingress")
    src, dst = a.rig_ip(), b.rig_ip()
    payload = bytes(range(256)) * 5 + b"E" * (a.mtu - 28 - 1280)
    mark = b.port.mark()
    a.port.send(_to_b(a, b, src, dst, id=0x4242) / UDP(sport=4400, dport=4401) / Raw(payload))
    frags = b.port.expect(
        lambda p: IP in p and p[IP].src == src and p[IP].id == 0x4242, 2, since=mark, count=2
    )
    rec.saw(
        "fragments ≤ egress MTU, same ID, offsets continuous, MF on all but last",
        [f"off={p[IP].frag * 8} len={p[IP].len} flags={p[IP].flags}" for p in frags],
    )
    assert len(frags) >= 2
    frags.sort(key=lambda p: p[IP].frag)
    assert all(p[IP].len <= b.mtu for p in frags)
    data = b"".join(bytes(p[IP].payload)[: p[IP].len - p[IP].ihl * 4] for p in frags)
    assert data[8:] == payload
    assert all(p[IP].flags.MF for p in frags[:-1]) and not frags[-1][IP].flags.MF


@check(
    "forwarding.no_route_unreachable",
    rfc="RFC 1812",
    section="5.2.7.1",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_no_route(dut, rec):
    a, _ = _a_b(dut)
    if not dut.unrouted_ip:
        pytest.skip("no known unrouted destination for this appliance")
    src = a.rig_ip()
    mark = a.port.mark()
    a.port.send(l2(a) / IP(src=src, dst=dut.unrouted_ip) / UDP(sport=4500, dport=4501))
    err = a.port.expect_one(
        lambda p: ICMP in p and p[ICMP].type == 3 and p[IP].dst == src, 2, since=mark
    )
    rec.saw("ICMP destination unreachable (net/host)", err)
    assert err is not None and err[ICMP].code in (0, 1, 6, 7)


@pytest.mark.parametrize("src", ["127.0.0.1", "0.0.0.0", "240.0.0.1", "224.0.0.5"])
@check(
    "forwarding.martian_source_not_forwarded",
    rfc="RFC 1812",
    section="5.3.7",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_martian_source(dut, rec, src):
    a, b = _a_b(dut)
    dst = b.rig_ip()
    mark = b.port.mark()
    a.port.send(l2(a) / IP(src=src, dst=dst) / UDP(sport=4600, dport=4601) / Raw(b"martian"))
    leaked = b.port.quiet(lambda p: UDP in p and p[UDP].sport == 4600, dut.quiet, since=mark)
    rec.saw(f"source {src} not forwarded", leaked)
    assert not leaked, f"forwarded: {summarize(leaked)}"


@check(
    "forwarding.limited_broadcast_not_forwarded",
    rfc="RFC 1812",
    section="5.3.5.1",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_limited_broadcast(dut, rec):
    a, b = _a_b(dut)
    mark = b.port.mark()
    a.port.send(
        Ether(src=a.port.mac, dst="ff:ff:ff:ff:ff:ff")
        / IP(src=a.rig_ip(), dst="255.255.255.255")
        / UDP(sport=4700, dport=4701)
    )
    leaked = b.port.quiet(lambda p: UDP in p and p[UDP].sport == 4700, dut.quiet, since=mark)
    rec.saw("255.255.255.255 not forwarded", leaked)
    assert not leaked, f"forwarded: {summarize(leaked)}"


@check(
    "forwarding.echo_on_both_interfaces",
    rfc="RFC 1812",
    section="4.3.3.6",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_echo_both(dut, rec):
    got = {}
    for side in dut.sides:
        ident = new_ident()
        src = side.rig_ip()
        mark = side.port.mark()
        side.port.send(l2(side) / IP(src=src, dst=side.dut_ip) / ICMP(id=ident, seq=1))
        r = side.port.expect_one(is_echo_reply(ident), 2, since=mark)
        got[side.name] = r is not None and r[IP].src == side.dut_ip
    rec.saw("echo reply from each interface address", got)
    assert all(got.values())


@check(
    "forwarding.echo_far_interface",
    rfc="RFC 1812",
    section="4.3.3.6",
    level="MUST",
    proto="forwarding",
    profiles=R,
)
def test_echo_far(dut, rec):
    a, b = _a_b(dut)
    ident, src = new_ident(), a.rig_ip()
    mark = a.port.mark()
    a.port.send(l2(a) / IP(src=src, dst=b.dut_ip) / ICMP(id=ident, seq=1))
    r = a.port.expect_one(is_echo_reply(ident), 2, since=mark)
    rec.saw(f"reply from {b.dut_ip} via side A", r)
    assert r is not None and r[IP].src == b.dut_ip


@check(
    "arp.no_proxy_arp_by_default",
    rfc="RFC 1027",
    section="2",
    level="MUST",
    proto="arp",
    profiles=R,
)
def test_no_proxy_arp(dut, rec):
    a, b = _a_b(dut)
    mark = a.port.mark()
    a.port.send(arp_request(a, b.rig_ip()))
    hits = a.port.quiet(
        lambda p: ARP in p and p[ARP].op == 2 and p[ARP].hwsrc == a.dut_mac, dut.quiet, since=mark
    )
    rec.saw("no ARP reply for a host on the other side", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"


@check(
    "arp.no_reply_for_other_interface",
    rfc="RFC 1812",
    section="3.3.2 / OpenBSD arp_other",
    level="SHOULD",
    proto="arp",
    profiles=R,
)
def test_arp_other_iface(dut, rec):
    a, b = _a_b(dut)
    mark = a.port.mark()
    a.port.send(arp_request(a, b.dut_ip))
    hits = a.port.quiet(
        lambda p: ARP in p and p[ARP].op == 2 and p[ARP].psrc == b.dut_ip, dut.quiet, since=mark
    )
    rec.saw(f"no ARP reply on side A for side B's address {b.dut_ip}", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"
