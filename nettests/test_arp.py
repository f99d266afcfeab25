"""ARP checks (RFC 826, RFC 5227, RFC 1122 §2.3.2)."""

from scapy.all import ARP, ICMP, IP, Ether

from nettests.probes import arp_request, is_arp_reply, is_echo_reply, new_ident
from nettests.registry import check, summarize

BOTH = ("httpd", "router")


@check(
    "arp.reply_fields",
    rfc="RFC 826",
    section="Packet Reception",
    level="MUST",
    proto="arp",
    profiles=BOTH,
)
def test_reply_fields(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(arp_request(side, side.dut_ip, src))
    r = side.port.expect_one(is_arp_reply(side.dut_ip, src), 2, since=mark)
    rec.saw(
        f"ARP reply hwtype 1 ptype 0x800 hwlen 6 plen 4 op 2 {side.dut_mac}/{side.dut_ip} -> "
        f"{side.port.mac}/{src}",
        r,
    )
    assert r is not None, "no ARP reply"
    a = r[ARP]
    assert (a.hwtype, a.ptype, a.hwlen, a.plen, a.op) == (1, 0x800, 6, 4, 2)
    assert a.hwsrc == side.dut_mac and a.psrc == side.dut_ip
    assert a.hwdst == side.port.mac and a.pdst == src
    assert r[Ether].dst == side.port.mac, "reply must be unicast to the requester"


@check(
    "arp.no_reply_for_foreign_address",
    rfc="RFC 826",
    section="Packet Reception",
    level="MUST",
    proto="arp",
    profiles=BOTH,
)
def test_no_reply_for_foreign(dut, rec):
    side = dut.lan
    foreign = side.rig_ip()  # an address that is not the DUT's
    mark = side.port.mark()
    side.port.send(arp_request(side, foreign, side.rig_ip(), src_mac="02:00:00:00:00:99"))
    hits = side.port.quiet(
        lambda p: ARP in p and p[ARP].op == 2 and p[ARP].hwsrc == side.dut_mac,
        dut.quiet,
        since=mark,
    )
    rec.saw("no ARP reply from the DUT", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"


@check(
    "arp.defends_against_probe",
    rfc="RFC 5227",
    section="2.1.1",
    level="MUST",
    proto="arp",
    profiles=BOTH,
)
def test_probe_defended(dut, rec):
    side = dut.lan
    prober = "02:00:00:00:52:27"
    mark = side.port.mark()
    side.port.send(arp_request(side, side.dut_ip, src_ip="0.0.0.0", src_mac=prober))
    r = side.port.expect_one(
        lambda p: ARP in p and p[ARP].op == 2 and p[ARP].psrc == side.dut_ip, 2, since=mark
    )
    rec.saw(f"ARP reply for {side.dut_ip} to the prober {prober}", r)
    assert r is not None, "DUT did not answer an ARP probe for its own address"
    assert r[ARP].hwdst == prober or r[Ether].dst in (prober, "ff:ff:ff:ff:ff:ff")


@check(
    "arp.keeps_address_on_gratuitous_conflict",
    rfc="RFC 5227",
    section="2.4",
    level="MUST",
    proto="arp",
    profiles=BOTH,
)
def test_gratuitous_conflict(dut, rec):
    side = dut.lan
    intruder = "02:00:00:00:de:ad"
    side.port.send(
        Ether(src=intruder, dst="ff:ff:ff:ff:ff:ff")
        / ARP(op=1, hwsrc=intruder, psrc=side.dut_ip, hwdst="00:00:00:00:00:00", pdst=side.dut_ip)
    )
    src = side.rig_ip()
    mark = side.port.mark()
    side.port.send(arp_request(side, side.dut_ip, src))
    r = side.port.expect_one(is_arp_reply(side.dut_ip, src), 2, since=mark)
    rec.saw(f"DUT still answers for {side.dut_ip} with {side.dut_mac}", r)
    assert r is not None and r[ARP].hwsrc == side.dut_mac


@check(
    "arp.cache_updated_by_newer_arp",
    rfc="RFC 826",
    section="Packet Reception (merge flag)",
    level="MUST",
    proto="arp",
    profiles=BOTH,
)
def test_cache_update(dut, rec):
    side = dut.lan
    src = side.rig_ip()
    mac_a, mac_b = "02:00:00:00:0a:01", "02:00:00:00:0b:01"
    for mac in (mac_a, mac_b):
        m = side.port.mark()
        side.port.send(arp_request(side, side.dut_ip, src, src_mac=mac))
        side.port.expect_one(is_arp_reply(side.dut_ip, src), 2, since=m)
    ident = new_ident()
    mark = side.port.mark()
    side.port.send(
        Ether(src=mac_b, dst=side.dut_mac)
        / IP(src=src, dst=side.dut_ip)
        / ICMP(type=8, id=ident, seq=1)
    )
    r = side.port.expect_one(is_echo_reply(ident), 2, since=mark)
    rec.saw(f"echo reply to the newest MAC {mac_b}", r)
    assert r is not None, "no echo reply"
    assert r[Ether].dst == mac_b, f"reply went to {r[Ether].dst}, cache not updated"


def _broadcast_sender(dut, rec, op: int):
    side = dut.lan
    src = side.rig_ip()
    good = "02:00:00:00:0c:01"
    m = side.port.mark()
    side.port.send(arp_request(side, side.dut_ip, src, src_mac=good))
    side.port.expect_one(is_arp_reply(side.dut_ip, src), 2, since=m)
    side.port.send(
        Ether(src=good, dst=side.dut_mac if op == 2 else "ff:ff:ff:ff:ff:ff")
        / ARP(op=op, hwsrc="ff:ff:ff:ff:ff:ff", psrc=src, hwdst=side.dut_mac, pdst=side.dut_ip)
    )
    ident = new_ident()
    mark = side.port.mark()
    side.port.send(
        Ether(src=good, dst=side.dut_mac)
        / IP(src=src, dst=side.dut_ip)
        / ICMP(type=8, id=ident, seq=1)
    )
    r = side.port.expect_one(is_echo_reply(ident), 2, since=mark)
    rec.saw(
        f"echo reply still unicast to {good} (ARP op {op} claiming ff:ff:ff:ff:ff:ff ignored)", r
    )
    assert r is not None, "no echo reply"
    assert r[Ether].dst == good, f"cache poisoned: reply to {r[Ether].dst}"


@check(
    "arp.ignores_broadcast_sender_mac",
    rfc="RFC 1812",
    section="3.3.2",
    level="MUST",
    proto="arp",
    profiles=("router",),
)
def test_ignore_broadcast_sha(dut, rec):
    _broadcast_sender(dut, rec, op=2)


@check(
    "arp.ignores_broadcast_sender_mac_host",
    rfc="RFC 1812",
    section="3.3.2 (applied to hosts, as OpenBSD arp_broadcast)",
    level="SHOULD",
    proto="arp",
    profiles=("httpd",),
)
def test_ignore_broadcast_sha_host(dut, rec):
    _broadcast_sender(dut, rec, op=1)


@check(
    "arp.queues_packet_while_resolving",
    rfc="RFC 1122",
    section="2.3.2.2",
    level="SHOULD",
    proto="arp",
    profiles=BOTH,
)
def test_queue_while_resolving(dut, rec):
    side = dut.lan
    src = side.rig_ip()  # never used before: the DUT must resolve it to answer
    ident = new_ident()
    mark = side.port.mark()
    side.port.send(
        Ether(src=side.port.mac, dst=side.dut_mac)
        / IP(src=src, dst=side.dut_ip)
        / ICMP(type=8, id=ident, seq=1)
    )
    r = side.port.expect_one(is_echo_reply(ident), 3, since=mark)
    asked = side.port.expect_one(
        lambda p: ARP in p and p[ARP].op == 1 and p[ARP].pdst == src, 0.1, since=mark
    )
    rec.saw(
        "an ARP request for the unknown sender, then the queued echo reply",
        f"arp={asked.summary() if asked is not None else None}; reply={r}",
    )
    assert r is not None, "the reply was dropped while resolving"
