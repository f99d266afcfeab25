"""DHCP client behaviour (RFC 2131, RFC 2132), driven by the rig's server.

Each check gets a fresh client in INIT from the target (Target.dhcp_client())
and a DhcpServer scripted for the case, on the LAN rig port.
"""

import contextlib
import time

import pytest
from scapy.all import ARP, BOOTP, IP, Ether

from nettests.dhcpd import OPTIONS_OFF, DhcpServer, set_byte, truncate
from nettests.probes import arp_resolve
from nettests.registry import Unknown, check

P = ("httpd",)
SERVER, OTHER = "192.0.2.1", "192.0.2.3"


@contextlib.contextmanager
def session(dut, pool=("192.0.2.20",), arp_check=False, servers=1, **kw):
    client = dut.dhcp_client()
    srvs = []
    try:
        for i in range(servers):
            s = DhcpServer(
                dut.lan.port,
                (SERVER, OTHER)[i],
                pool=[pool[i % len(pool)]],
                prefixlen=dut.lan.prefixlen,
                server_mac=None if i == 0 else "02:00:00:00:d4:c9",
                **kw,
            )
            s.only_mac = client.mac
            srvs.append(s.start())
        client.start(arp_check=arp_check)
        yield client, (srvs[0] if servers == 1 else srvs)
    finally:
        client.stop()
        for s in srvs:
            s.stop()


def _bound(dut, ip: str, timeout: float) -> bool:
    from nettests.wire import run_and_expect

    return bool(run_and_expect(lambda: arp_resolve(dut.lan, ip, 0.3), timeout, interval=0.2))


@check(
    "dhcp.discover_fields",
    rfc="RFC 2131",
    section="4.4.1 (Table 5)",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_discover(dut, rec):
    with session(dut) as (client, srv):
        srv.answer_discover = False
        d = srv.wait_for("discover", 10)
        rec.saw(
            "op 1, htype 1, hlen 6, ciaddr 0, chaddr = client MAC, no server-id, to "
            "255.255.255.255:67",
            d.pkt if d else None,
        )
        assert d is not None, "no DISCOVER within 10 s"
        b = d.pkt[BOOTP]
        assert (b.op, b.htype, b.hlen) == (1, 1, 6)
        assert b.ciaddr == "0.0.0.0"
        assert bytes(b.chaddr)[:6] == bytes.fromhex(client.mac.replace(":", ""))
        assert "server_id" not in d.opts
        assert d.pkt[IP].dst == "255.255.255.255"


@check(
    "dhcp.request_in_selecting",
    rfc="RFC 2131",
    section="4.4.1 (Table 5)",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_request_selecting(dut, rec):
    with session(dut) as (client, srv):
        offer_xid = None
        d = srv.wait_for("discover", 10)
        assert d is not None
        offer_xid = d.pkt[BOOTP].xid
        r = srv.wait_for("request", 10)
        rec.saw(
            f"REQUEST xid {offer_xid:#x} with requested_addr 192.0.2.20 and server_id "
            f"{SERVER}, ciaddr 0",
            r.pkt if r else None,
        )
        assert r is not None
        assert r.pkt[BOOTP].ciaddr == "0.0.0.0"
        assert r.opts.get("requested_addr") == "192.0.2.20"
        assert r.opts.get("server_id") == SERVER
        assert _bound(dut, "192.0.2.20", 10), "client never took the address"


@check(
    "dhcp.offer_wrong_xid_ignored",
    rfc="RFC 2131",
    section="4.4.1",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_wrong_xid(dut, rec):
    with session(dut) as (client, srv):
        srv.xid_delta = 1
        r = srv.wait_for("request", 7)
        discovers = sum(1 for s in srv.log if s.kind == "discover")
        rec.saw(
            "no REQUEST for an OFFER with the wrong xid; DISCOVERs go on",
            f"{discovers} DISCOVERs, request={r.pkt.summary() if r else None}",
        )
        assert r is None
        assert discovers >= 2


@check(
    "dhcp.ack_in_selecting_ignored",
    rfc="RFC 2131",
    section="4.4.1",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_ack_selecting(dut, rec):
    with session(dut) as (client, srv):
        srv.ack_instead_of_offer = True
        srv.answer_request = False
        assert srv.wait_for("discover", 10) is not None
        bound = _bound(dut, "192.0.2.20", 5)
        rec.saw("the address is not used after an unsolicited ACK", f"answers ARP: {bound}")
        assert not bound, "the client used the address"


@check(
    "dhcp.one_of_several_offers",
    rfc="RFC 2131",
    section="4.4.1",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_several_offers(dut, rec):
    with session(dut, pool=("192.0.2.20", "192.0.2.21"), servers=2) as (client, srvs):
        r = srvs[0].wait_for("request", 10)
        assert r is not None
        pair = (r.opts.get("server_id"), r.opts.get("requested_addr"))
        rec.saw("REQUEST names one server and that server's offered address", pair)
        assert pair in ((SERVER, "192.0.2.20"), (OTHER, "192.0.2.21"))


@check(
    "dhcp.nak_restarts_init",
    rfc="RFC 2131",
    section="3.1 step 5 / 3.2",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_nak(dut, rec):
    with session(dut) as (client, srv):
        srv.nak_requests = True
        r = srv.wait_for("request", 10)
        assert r is not None
        after = srv.log.index(r) + 1
        d = srv.wait_for("discover", 15, after=after)
        rec.saw("DISCOVER again after DHCPNAK", d.pkt if d else None)
        assert d is not None
        assert not _bound(dut, "192.0.2.20", 1)


@check(
    "dhcp.option_overload_file",
    rfc="RFC 2132",
    section="9.3",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_overload(dut, rec):
    with session(dut) as (client, srv):
        srv.overload = True
        r = srv.wait_for("request", 10)
        rec.saw(
            f"server_id {SERVER} read from the file field (option 52)",
            r.opts.get("server_id") if r else None,
        )
        assert r is not None and r.opts.get("server_id") == SERVER


@check(
    "dhcp.renew_at_t1_unicast",
    rfc="RFC 2131",
    section="4.4.5",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_renew(dut, rec):
    with session(dut, lease=30) as (client, srv):
        ack_req = srv.wait_for("request", 10)
        assert ack_req is not None
        t0 = ack_req.ts
        n = srv.count()
        r = srv.wait_for("request", 18, after=n)
        rec.saw(
            "REQUEST ~15 s (T1 = 0.5 x 30 s lease) after binding, unicast to the "
            "server, ciaddr set, no server_id",
            f"{r.ts - t0:.1f}s {r.pkt.summary()} opts={list(r.opts)}" if r else None,
        )
        assert r is not None
        assert r.pkt[BOOTP].ciaddr == "192.0.2.20"
        assert r.pkt[IP].dst == SERVER
        assert "server_id" not in r.opts and "requested_addr" not in r.opts
        assert 13.5 <= r.ts - t0 <= 16.5, f"renewed after {r.ts - t0:.1f} s, want 15 ± 1.5 s"


@check(
    "dhcp.rebind_at_t2_broadcast",
    rfc="RFC 2131",
    section="4.4.5",
    level="MUST",
    proto="dhcp",
    profiles=P,
    slow=True,
)
def test_rebind(dut, rec):
    with session(dut, lease=30) as (client, srv):
        ack_req = srv.wait_for("request", 10)
        assert ack_req is not None
        t0 = ack_req.ts
        srv.answer_request = False
        r = srv.wait_for(
            "request",
            30,
            after=srv.log.index(ack_req) + 1,
            pred=lambda s: s.pkt[IP].dst == "255.255.255.255",
        )
        rec.saw(
            "broadcast REQUEST with ciaddr ~26 s (T2 = 0.875 x 30 s) after binding",
            f"{r.ts - t0:.1f}s {r.pkt.summary()}" if r else None,
        )
        assert r is not None, "no broadcast REQUEST within 30 s"
        assert r.pkt[BOOTP].ciaddr == "192.0.2.20", (
            f"broadcast REQUEST with ciaddr {r.pkt[BOOTP].ciaddr} after {r.ts - t0:.1f} s: "
            "a restart in INIT/SELECTING, not REBINDING"
        )
        assert 24.5 <= r.ts - t0 <= 28, f"rebinding after {r.ts - t0:.1f} s, want ~26 s"


@check(
    "dhcp.lease_expiry_stops_using_address",
    rfc="RFC 2131",
    section="4.4.5",
    level="MUST",
    proto="dhcp",
    profiles=P,
    slow=True,
)
def test_expiry(dut, rec):
    with session(dut, lease=30) as (client, srv):
        assert srv.wait_for("request", 10) is not None
        assert _bound(dut, "192.0.2.20", 3), "never bound"
        srv.answer_request = False
        srv.answer_discover = False
        from nettests.wire import run_and_expect

        gone = run_and_expect(lambda: not arp_resolve(dut.lan, "192.0.2.20", 0.3), 36, interval=0.3)
        rec.saw("address released after the 30 s lease expires", f"gone={gone}")
        assert gone


@check(
    "dhcp.parameter_request_list_repeated",
    rfc="RFC 2131",
    section="4.4.1",
    level="SHOULD",
    proto="dhcp",
    profiles=P,
)
def test_prl(dut, rec):
    with session(dut) as (client, srv):
        d, r = srv.wait_for("discover", 10), srv.wait_for("request", 10)
        assert d is not None and r is not None
        a, b = d.opts.get("param_req_list"), r.opts.get("param_req_list")
        rec.saw("same parameter request list in DISCOVER and REQUEST", f"{a} / {b}")
        if a is not None:
            assert b is not None and set(a) <= set(b)


MALFORMED = {
    "truncated": lambda f: truncate(f, 14 + 20 + 8 + 100),
    "op_request": lambda f: set_byte(f, 14 + 20 + 8, 1),
    "unknown_type": lambda f: f[: OPTIONS_OFF + 2] + b"\x63" + f[OPTIONS_OFF + 3 :],
    "foreign_chaddr": lambda f: (
        f[: 14 + 20 + 8 + 28] + b"\x02\xba\xdb\xad\x00\x01" + f[14 + 20 + 8 + 34 :]
    ),
    "no_cookie": lambda f: f[: OPTIONS_OFF - 4] + b"\x00\x00\x00\x00" + f[OPTIONS_OFF:],
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
@check(
    "dhcp.malformed_offer_ignored",
    rfc="RFC 2131",
    section="4.1 / 4.4.1",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_malformed(dut, rec, case):
    with session(dut) as (client, srv):
        sent = []

        def mutate(frame):
            sent.append(time.time())
            return MALFORMED[case](frame) if len(sent) == 1 else frame

        srv.mutate = mutate
        r = srv.wait_for("request", 15)
        rec.saw(
            f"the {case} OFFER ignored; the next (good) one requested",
            f"offers at {[round(t - sent[0], 2) for t in sent]}; request "
            f"{round(r.ts - sent[0], 2) if r else None}",
        )
        assert r is not None, "no REQUEST even for the good OFFER"
        assert len(sent) >= 2 and r.ts >= sent[1], "client requested the malformed OFFER"


@check(
    "dhcp.arp_probe_offered_address",
    rfc="RFC 2131",
    section="2.2 / 4.4.1",
    level="SHOULD",
    proto="dhcp",
    profiles=P,
)
def test_arp_probe(dut, rec):
    with session(dut, arp_check=True) as (client, srv):
        mark = dut.lan.port.mark()
        assert srv.wait_for("request", 10) is not None
        probe = dut.lan.port.expect_one(
            lambda p: (
                ARP in p
                and p[ARP].op == 1
                and p[ARP].pdst == "192.0.2.20"
                and p[ARP].psrc == "0.0.0.0"
                and p[Ether].src == client.mac
            ),
            5,
            since=mark,
        )
        rec.saw("ARP probe (sender 0.0.0.0, RFC 5227) for the offered address", probe)
        assert probe is not None


@check(
    "dhcp.decline_address_in_use",
    rfc="RFC 2131",
    section="3.1 step 5 / 4.4.1",
    level="MUST",
    proto="dhcp",
    profiles=P,
)
def test_decline(dut, rec):
    with session(dut, arp_check=True) as (client, srv):
        mark = dut.lan.port.mark()
        dut.lan.port.own_add("192.0.2.20/32")  # someone already uses it
        try:
            d = srv.wait_for("decline", 15)
            probed = dut.lan.port.expect_one(
                lambda p: (
                    ARP in p
                    and p[ARP].op == 1
                    and p[ARP].pdst == "192.0.2.20"
                    and p[ARP].psrc == "0.0.0.0"
                ),
                0.1,
                since=mark,
            )
            rec.saw("DHCPDECLINE after the probe is answered", d.pkt if d else None)
            if d is None and probed is None:
                raise Unknown(
                    "the client never probed the address, so it cannot detect a "
                    "conflict (see dhcp.arp_probe_offered_address)"
                )
            assert d is not None
        finally:
            dut.lan.port.own([dut.lan.rig_net, f"{SERVER}/32"])


@check(
    "dhcp.retransmission_backoff",
    rfc="RFC 2131",
    section="4.1",
    level="SHOULD",
    proto="dhcp",
    profiles=P,
    slow=True,
)
def test_backoff(dut, rec):
    with session(dut) as (client, srv):
        srv.answer_discover = False
        from nettests.wire import run_and_expect

        run_and_expect(lambda: sum(s.kind == "discover" for s in srv.log) >= 4, 40)
        ts = [s.ts for s in srv.log if s.kind == "discover"]
        gaps = [round(b - a, 1) for a, b in zip(ts, ts[1:], strict=False)]
        rec.saw("gaps ~4, 8, 16 s (±1 s)", gaps)
        assert len(gaps) >= 3
        assert all(abs(g - w) <= 1.0 for g, w in zip(gaps, (4, 8, 16), strict=False)), (
            f"DISCOVER gaps {gaps}, want ~4, 8, 16 s"
        )


@check(
    "dhcp.honours_t1_option",
    rfc="RFC 2132",
    section="9.11",
    level="SHOULD",
    proto="dhcp",
    profiles=P,
)
def test_t1_option(dut, rec):
    with session(dut, lease=40, t1=4, t2=30) as (client, srv):
        ack_req = srv.wait_for("request", 10)
        assert ack_req is not None
        r = srv.wait_for("request", 8, after=srv.log.index(ack_req) + 1)
        rec.saw(
            "renewal ~4 s after binding (option 58), not at 20 s",
            f"{r.ts - ack_req.ts:.1f}s" if r else None,
        )
        assert r is not None, "no renewal within 8 s of binding (T1 option: 4 s)"
        assert r.ts - ack_req.ts <= 6, f"renewed after {r.ts - ack_req.ts:.1f} s, want ~4 s"
