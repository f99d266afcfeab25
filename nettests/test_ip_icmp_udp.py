"""IPv4, ICMP and UDP checks of a host (RFC 791, RFC 792, RFC 768, RFC 1122)."""

from scapy.all import ICMP, IP, UDP, Ether, Raw, fragment

from nettests.probes import (
    echo_request,
    is_echo_reply,
    l2,
    new_ident,
    port_unreachable_for,
    udp_to,
)
from nettests.registry import check, summarize

BOTH = ("httpd", "router")


def _echo(dut, rec, expected: str, build, window=None):
    """Send what build(side, src, ident) returns; return the echo reply or None."""
    side = dut.lan
    src, ident = side.rig_ip(), new_ident()
    mark = side.port.mark()
    side.port.send(build(side, src, ident))
    r = side.port.expect_one(is_echo_reply(ident), window or 2, since=mark)
    rec.saw(expected, r)
    return r


def _no_echo(dut, rec, expected: str, build):
    side = dut.lan
    src, ident = side.rig_ip(), new_ident()
    mark = side.port.mark()
    side.port.send(build(side, src, ident))
    hits = side.port.quiet(is_echo_reply(ident), dut.quiet, since=mark)
    rec.saw(expected, hits)
    assert not hits, "the DUT answered"
    ok, detail = dut.alive()
    assert ok, f"DUT not alive afterwards: {detail}"


@check(
    "icmp.echo_reply_source_and_data",
    rfc="RFC 1122",
    section="3.2.2.6",
    level="MUST",
    proto="icmp",
    profiles=BOTH,
)
def test_echo(dut, rec):
    payload = bytes(range(256)) * 4
    r = _echo(
        dut,
        rec,
        "reply from the requested address with all 1024 data bytes",
        lambda s, src, i: echo_request(s, s.dut_ip, src, i, payload=payload),
    )
    assert r is not None
    assert r[IP].src == dut.lan.dut_ip and bytes(r[ICMP].payload) == payload
    assert r[IP].ttl > 0


@check(
    "icmp.echo_max_size",
    rfc="RFC 1812",
    section="4.3.3.6",
    level="MUST",
    proto="icmp",
    profiles=BOTH,
)
def test_echo_large(dut, rec):
    payload = b"\xa5" * (dut.lan.mtu - 28)
    r = _echo(
        dut,
        rec,
        f"reply echoing {len(payload)} bytes (one MTU)",
        lambda s, src, i: echo_request(s, s.dut_ip, src, i, payload=payload),
    )
    assert r is not None and bytes(r[ICMP].payload) == payload


@check(
    "ipv4.ttl1_accepted",
    rfc="RFC 1122",
    section="3.2.1.7",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
)
def test_ttl1(dut, rec):
    r = _echo(
        dut,
        rec,
        "echo reply to a TTL-1 request, reply TTL > 0",
        lambda s, src, i: echo_request(s, s.dut_ip, src, i, ttl=1),
    )
    assert r is not None and r[IP].ttl > 0


@check(
    "ipv4.bad_version_dropped",
    rfc="RFC 1122",
    section="3.2.1.1",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
)
def test_bad_version(dut, rec):
    _no_echo(
        dut,
        rec,
        "no reply to version 5",
        lambda s, src, i: (
            l2(s) / IP(bytes(IP(src=src, dst=s.dut_ip, version=5) / ICMP(id=i, seq=1)))
        ),
    )


@check(
    "ipv4.bad_header_checksum_dropped",
    rfc="RFC 1122",
    section="3.2.1.2",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
)
def test_bad_checksum(dut, rec):
    _no_echo(
        dut,
        rec,
        "no reply to a bad header checksum",
        lambda s, src, i: l2(s) / IP(src=src, dst=s.dut_ip, chksum=0x1234) / ICMP(id=i, seq=1),
    )


@check(
    "ipv4.ihl_below_5_dropped",
    rfc="RFC 1122",
    section="3.2.1.1",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
)
def test_ihl(dut, rec):
    _no_echo(
        dut,
        rec,
        "no reply to IHL 4",
        lambda s, src, i: l2(s) / IP(src=src, dst=s.dut_ip, ihl=4) / ICMP(id=i, seq=1),
    )


@check(
    "ipv4.total_length_beyond_frame_dropped",
    rfc="RFC 1122",
    section="3.2.1.1",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
)
def test_total_length(dut, rec):
    _no_echo(
        dut,
        rec,
        "no reply when total length exceeds the frame",
        lambda s, src, i: (
            l2(s) / IP(src=src, dst=s.dut_ip, len=400) / ICMP(id=i, seq=1) / Raw(b"x" * 20)
        ),
    )


@check(
    "ipv4.unknown_option_ignored",
    rfc="RFC 1122",
    section="3.2.1.8",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
)
def test_unknown_option(dut, rec):
    r = _echo(
        dut,
        rec,
        "echo reply despite an unknown IP option",
        lambda s, src, i: (
            l2(s) / IP(src=src, dst=s.dut_ip, options=b"\x9e\x04\x00\x00") / ICMP(id=i, seq=1)
        ),
    )
    assert r is not None


@check(
    "ipv4.truncated_option_safe",
    rfc="RFC 1122",
    section="3.2.1.8",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
)
def test_truncated_option(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    side.port.send(
        l2(side) / IP(src=src, dst=side.dut_ip, options=b"\x07\x27\x04\x00") / ICMP(id=1, seq=1)
    )
    ok, detail = dut.alive()
    rec.saw("dropped or answered, DUT alive", detail)
    assert ok


@check(
    "ipv4.reassembly_any_order",
    rfc="RFC 791",
    section="3.2",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
)
def test_reassembly(dut, rec):
    payload = bytes(range(256)) * 5
    results = {}
    for order in ("forward", "reverse", "duplicated"):
        side = dut.lan
        src, ident = side.rig_ip(), new_ident()
        frags = fragment(
            IP(src=src, dst=side.dut_ip, id=ident) / ICMP(id=ident, seq=1) / Raw(payload),
            fragsize=304,
        )
        if order == "reverse":
            frags = frags[::-1]
        elif order == "duplicated":
            frags = frags[:2] + frags[1:] + frags[-1:]
        mark = side.port.mark()
        side.port.send([l2(side) / f for f in frags])
        r = side.port.expect_one(is_echo_reply(ident), 2, since=mark)
        results[order] = r is not None and bytes(r[ICMP].payload) == payload
    rec.saw("1280-byte echo in 5 fragments answered in every order", results)
    assert all(results.values())


@check(
    "ipv4.not_addressed_to_me_dropped",
    rfc="RFC 1122",
    section="3.2.1.3",
    level="MUST",
    proto="ipv4",
    profiles=("httpd",),
)
def test_not_for_me(dut, rec):
    other = dut.lan.rig_ip()
    _no_echo(
        dut,
        rec,
        "no reply (and no forwarding) for another host's address",
        lambda s, src, i: echo_request(s, other, src, i),
    )


@check(
    "icmp.echo_to_broadcast",
    rfc="RFC 1122",
    section="3.2.2.6",
    level="MAY",
    proto="icmp",
    profiles=BOTH,
)
def test_echo_broadcast(dut, rec):
    side = dut.lan
    src, ident = side.rig_ip(), new_ident()
    mark = side.port.mark()
    side.port.send(
        Ether(src=side.port.mac, dst="ff:ff:ff:ff:ff:ff")
        / IP(src=src, dst=side.broadcast)
        / ICMP(id=ident, seq=1)
    )
    hits = side.port.quiet(is_echo_reply(ident), dut.quiet, since=mark)
    rec.saw("ignored, or answered from the DUT's own unicast address", hits)
    assert all(h[IP].src == side.dut_ip for h in hits)


@check(
    "icmp.port_unreachable_for_closed_udp",
    rfc="RFC 1122",
    section="4.1.3.1",
    level="SHOULD",
    proto="icmp",
    profiles=BOTH,
)
def test_port_unreachable(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(udp_to(side, side.dut_ip, src, dut.closed_udp_port))
    r = side.port.expect_one(port_unreachable_for(dut.closed_udp_port, src), 2, since=mark)
    rec.saw("ICMP 3/3 quoting the datagram", r)
    assert r is not None


@check(
    "icmp.error_quotes_header_plus_8",
    rfc="RFC 792",
    section="Destination Unreachable",
    level="MUST",
    proto="icmp",
    profiles=BOTH,
)
def test_error_quote(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    probe = udp_to(side, side.dut_ip, src, dut.closed_udp_port, payload=b"Q" * 64)
    mark = side.port.mark()
    side.port.send(probe)
    r = side.port.expect_one(port_unreachable_for(dut.closed_udp_port, src), 2, since=mark)
    if r is None:
        from nettests.registry import Unknown

        raise Unknown("no port unreachable to inspect")
    quoted = bytes(r[ICMP].payload)
    sent = bytes(probe[IP])
    rec.saw(
        "the IP header and at least 8 data bytes quoted verbatim", f"{len(quoted)} bytes quoted"
    )
    assert len(quoted) >= 28 and quoted[:20][:8] == sent[:8] and quoted[20:28] == sent[20:28]


@check(
    "icmp.protocol_unreachable",
    rfc="RFC 1122",
    section="3.2.2.1",
    level="SHOULD",
    proto="icmp",
    profiles=BOTH,
)
def test_protocol_unreachable(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(l2(side) / IP(src=src, dst=side.dut_ip, proto=253) / Raw(b"x" * 16))
    r = side.port.expect_one(
        lambda p: ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 2 and p[IP].dst == src,
        2,
        since=mark,
    )
    rec.saw("ICMP 3/2", r)
    assert r is not None


@check(
    "icmp.no_error_for_broadcast",
    rfc="RFC 1122",
    section="3.2.2",
    level="MUST",
    proto="icmp",
    profiles=BOTH,
)
def test_no_error_broadcast(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(
        Ether(src=side.port.mac, dst="ff:ff:ff:ff:ff:ff")
        / IP(src=src, dst=side.broadcast)
        / UDP(sport=5555, dport=dut.closed_udp_port)
    )
    side.port.send(
        Ether(src=side.port.mac, dst="ff:ff:ff:ff:ff:ff")
        / IP(src=src, dst="255.255.255.255")
        / UDP(sport=5555, dport=dut.closed_udp_port)
    )
    hits = side.port.quiet(lambda p: ICMP in p and p[IP].dst == src, dut.quiet, since=mark)
    rec.saw("no ICMP error about broadcast datagrams", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"


@check(
    "icmp.no_error_for_non_initial_fragment",
    rfc="RFC 1122",
    section="3.2.2",
    level="MUST",
    proto="icmp",
    profiles=BOTH,
)
def test_no_error_fragment(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(
        l2(side) / IP(src=src, dst=side.dut_ip, proto=253, frag=100, flags=0) / Raw(b"y" * 16)
    )
    hits = side.port.quiet(
        lambda p: ICMP in p and p[ICMP].type == 3 and p[IP].dst == src, dut.quiet, since=mark
    )
    rec.saw("no ICMP unreachable about a non-initial fragment", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"


@check(
    "icmp.error_rate_limited",
    rfc="RFC 1812",
    section="4.3.2.8",
    level="SHOULD",
    proto="icmp",
    profiles=BOTH,
)
def test_rate_limit(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(
        [udp_to(side, side.dut_ip, src, dut.closed_udp_port, sport=6000 + i) for i in range(200)]
    )
    hits = side.port.quiet(port_unreachable_for(dut.closed_udp_port, src), 1.0, since=mark)
    rec.saw("fewer than 200 errors for 200 datagrams in a burst", f"{len(hits)} errors")
    rec.metrics["errors_for_200"] = len(hits)
    assert len(hits) < 200


@check(
    "udp.bad_checksum_dropped",
    rfc="RFC 1122",
    section="4.1.3.4",
    level="MUST",
    proto="udp",
    profiles=BOTH,
)
def test_udp_bad_checksum(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(
        l2(side)
        / IP(src=src, dst=side.dut_ip)
        / UDP(sport=7001, dport=dut.closed_udp_port, chksum=0x0BAD)
        / Raw(b"checksum")
    )
    hits = side.port.quiet(port_unreachable_for(dut.closed_udp_port, src), dut.quiet, since=mark)
    rec.saw("datagram dropped silently (no port unreachable)", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"


@check(
    "udp.zero_checksum_accepted",
    rfc="RFC 768",
    section="Fields (checksum 0)",
    level="MUST",
    proto="udp",
    profiles=BOTH,
)
def test_udp_zero_checksum(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(
        l2(side)
        / IP(src=src, dst=side.dut_ip)
        / UDP(sport=7002, dport=dut.closed_udp_port, chksum=0)
        / Raw(b"nochecksum")
    )
    r = side.port.expect_one(port_unreachable_for(dut.closed_udp_port, src), 2, since=mark)
    rec.saw("processed: port unreachable like any datagram", r)
    assert r is not None


@check(
    "udp.length_inconsistent_dropped",
    rfc="RFC 768",
    section="Fields (length)",
    level="MUST",
    proto="udp",
    profiles=BOTH,
)
def test_udp_length(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(
        l2(side)
        / IP(src=src, dst=side.dut_ip)
        / UDP(sport=7003, dport=dut.closed_udp_port, len=200)
        / Raw(b"short")
    )
    hits = side.port.quiet(port_unreachable_for(dut.closed_udp_port, src), dut.quiet, since=mark)
    rec.saw("dropped (UDP length beyond the IP payload)", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"


@check(
    "ipv4.overlap_policy_deterministic",
    rfc="RFC 791",
    section="3.2 (reassembly)",
    level="MAY",
    proto="ipv4",
    profiles=BOTH,
)
def test_overlap(dut, rec):
    outcomes = []
    for _ in range(3):
        side = dut.lan
        src, ident = side.rig_ip(), new_ident()
        whole = bytes(
            IP(src=src, dst=side.dut_ip, id=ident, proto=1) / ICMP(id=ident, seq=1) / Raw(b"A" * 64)
        )
        body = whole[20:]
        f1 = IP(src=src, dst=side.dut_ip, id=ident, proto=1, flags="MF", frag=0) / Raw(body[:48])
        f2 = IP(src=src, dst=side.dut_ip, id=ident, proto=1, frag=3) / Raw(b"B" * 24 + body[48:])
        mark = side.port.mark()
        side.port.send(l2(side) / f1, l2(side) / f2)
        r = side.port.expect_one(is_echo_reply(ident), 1.0, since=mark)
        outcomes.append("dropped" if r is None else bytes(r[ICMP].payload)[:40].hex())
    rec.saw("the same outcome every time an overlapping pair arrives", outcomes)
    rec.note(f"policy: {outcomes[0][:20]}")
    assert len(set(outcomes)) == 1


@check(
    "ipv4.reassembly_timeout",
    rfc="RFC 1122",
    section="3.3.2",
    level="MUST",
    proto="ipv4",
    profiles=BOTH,
    slow=True,
)
def test_reassembly_timeout(dut, rec):
    side = dut.lan
    src, ident = side.rig_ip(), new_ident()
    frags = fragment(
        IP(src=src, dst=side.dut_ip, id=ident) / ICMP(id=ident, seq=1) / Raw(b"T" * 1000),
        fragsize=512,
    )
    mark = side.port.mark()
    side.port.send(l2(side) / frags[0])
    err = side.port.expect_one(
        lambda p: ICMP in p and p[ICMP].type == 11 and p[ICMP].code == 1 and p[IP].dst == src,
        75,
        since=mark,
    )
    side.port.send([l2(side) / f for f in frags[1:]])
    late = side.port.quiet(is_echo_reply(ident), dut.quiet, since=mark)
    rec.saw(
        "the partial datagram discarded within 15-120 s (ICMP 11/1 optional)",
        f"time exceeded: {err.summary() if err is not None else None}; late reply: {late}",
    )
    assert not late, "the first fragment was still held after 75 s"
