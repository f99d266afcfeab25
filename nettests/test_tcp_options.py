"""TCP options and segment sizing (RFC 9293 §3.1, §3.2, §3.7.1; RFC 7323; RFC 2018)."""

from scapy.all import TCP, Raw

from nettests.httpclient import req
from nettests.registry import Unknown, check
from nettests.tcpscript import TcpPeer

P = ("httpd",)


def _sizes_for(dut, **peer_kw):
    c = TcpPeer(dut, dut.http_port, **peer_kw)
    c.handshake()
    c.request(req(target=dut.http_large_path or "/"))
    body = c.read(until_fin=False, timeout=3)
    sizes = [len(p[TCP].payload) for p in c.seen if len(p[TCP].payload)]
    c.reset()
    return c, body, sizes


def _opt_names(p):
    return [o[0] for o in p[TCP].options]


@check(
    "tcp.mss_honoured",
    rfc="RFC 9293",
    section="3.7.1 (MUST-16)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_mss_honoured(dut, rec):
    c, body, sizes = _sizes_for(dut, mss=536)
    rec.saw("every data segment ≤ 536 bytes", f"sizes {sizes[:12]}; {len(body)} bytes")
    if len(body) <= 536:
        raise Unknown(f"response only {len(body)} bytes: cannot see segmentation")
    assert max(sizes) <= 536


@check(
    "tcp.default_mss_536",
    rfc="RFC 9293",
    section="3.7.1 (MUST-15)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_default_mss(dut, rec):
    c, body, sizes = _sizes_for(dut, mss=None)
    rec.saw(
        "every data segment ≤ 536 bytes when no MSS option was sent",
        f"sizes {sizes[:12]}; {len(body)} bytes",
    )
    if len(body) <= 536:
        raise Unknown(f"response only {len(body)} bytes: cannot see segmentation")
    assert max(sizes) <= 536


@check(
    "tcp.late_mss_ignored",
    rfc="RFC 9293",
    section="3.7.1 (MUST-14)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_late_mss(dut, rec):
    c = TcpPeer(dut, dut.http_port, mss=1000)
    c.handshake()
    c.send(
        "PA",
        data=req(target=dut.http_large_path or "/"),
        options=[("MSS", 300), ("NOP", None), ("NOP", None)],
    )
    body = c.read(until_fin=False, timeout=3)
    sizes = [len(p[TCP].payload) for p in c.seen if len(p[TCP].payload)]
    c.reset()
    rec.saw("MSS in a data segment ignored: segments up to 1000, some > 300", sizes[:12])
    if len(body) <= 1000:
        raise Unknown(f"response only {len(body)} bytes")
    assert max(sizes) <= 1000 and max(sizes) > 300


@check(
    "tcp.unknown_option_ignored",
    rfc="RFC 9293",
    section="3.2 (MUST-68)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_unknown_option(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.send("S", options=[(253, b"\x01\x02"), ("NOP", None), ("MSS", 1460), (99, b"")])
    p = c.next(2)
    rec.saw("SYN-ACK despite unknown options", p.summary() if p is not None else None)
    assert p is not None and set(str(p[TCP].flags)) == {"S", "A"}
    c.irs = p[TCP].seq
    c.snd_nxt = 1
    c.reset()


@check(
    "tcp.unaligned_options_processed",
    rfc="RFC 9293",
    section="3.1 (MUST-64)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_unaligned(dut, rec):
    c = TcpPeer(dut, dut.http_port, mss=None)
    c.send("S", options=[("NOP", None), ("MSS", 536), ("EOL", None)])
    p = c.next(2)
    assert p is not None and set(str(p[TCP].flags)) == {"S", "A"}
    c.irs, c.rcv_nxt = p[TCP].seq, 1
    c.send("A")
    c.request(req(target=dut.http_large_path or "/"))
    body = c.read(until_fin=False, timeout=3)
    sizes = [len(x[TCP].payload) for x in c.seen if len(x[TCP].payload)]
    c.reset()
    rec.saw("unaligned MSS 536 honoured", sizes[:12])
    if len(body) <= 536:
        raise Unknown("response too short")
    assert max(sizes) <= 536


@check(
    "tcp.illegal_option_length_handled",
    rfc="RFC 9293",
    section="3.1 (MUST-7)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_illegal_length(dut, rec):
    seen = {}
    for name, opts in (
        ("len0", b"\x02\x00"),
        ("len1", b"\x08\x01"),
        ("past-header", b"\x02\x28\x05\xb4"),
    ):
        c = TcpPeer(dut, dut.http_port)
        p = c.seg("S", options=[])
        raw = bytearray(bytes(p[TCP]))
        pad = opts + b"\x00" * (-len(opts) % 4)
        raw = raw[:20] + pad
        raw[12] = ((20 + len(pad)) // 4) << 4
        raw[16:18] = b"\x00\x00"
        from scapy.all import IP, Ether

        frame = Ether(bytes(p)[:14]) / IP(bytes(p[IP])[:20]) / TCP(bytes(raw))
        frame[IP].len = None
        frame[IP].chksum = None
        frame[TCP].chksum = None
        c.port.send(frame)
        r = c.next(1.0)
        seen[name] = str(r[TCP].flags) if r is not None else "dropped"
        if r is not None and "S" in str(r[TCP].flags):
            c.irs, c.snd_nxt = r[TCP].seq, 1
            c.reset()
    ok, detail = dut.alive()
    rec.saw("dropped or reset (no crash)", f"{seen}; alive: {detail}")
    assert ok


@check(
    "tcp.wscale_only_if_offered",
    rfc="RFC 7323",
    section="2.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_wscale(dut, rec):
    a = TcpPeer(dut, dut.http_port)
    pa = a.handshake()
    a.reset()
    b = TcpPeer(dut, dut.http_port, wscale=7)
    pb = b.handshake()
    b.reset()
    ws = [o[1] for o in pb[TCP].options if o[0] == "WScale"]
    rec.saw("no WScale unless offered; shift ≤ 14", f"{_opt_names(pa)} / {pb[TCP].options}")
    assert "WScale" not in _opt_names(pa)
    assert all(x <= 14 for x in ws)


@check(
    "tcp.sackok_only_if_offered", rfc="RFC 2018", section="2", level="MUST", proto="tcp", profiles=P
)
def test_sackok(dut, rec):
    a = TcpPeer(dut, dut.http_port)
    pa = a.handshake()
    a.reset()
    rec.saw("no SAckOK in SYN-ACK unless offered", _opt_names(pa))
    assert "SAckOK" not in _opt_names(pa)


@check(
    "tcp.timestamps_in_every_segment",
    rfc="RFC 7323",
    section="3.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_timestamps(dut, rec):
    c = TcpPeer(dut, dut.http_port, timestamps=True)
    p = c.handshake()
    if "Timestamp" not in _opt_names(p):
        c.reset()
        no = TcpPeer(dut, dut.http_port)
        pn = no.handshake()
        no.reset()
        rec.saw("timestamps not negotiated; and none when not offered", _opt_names(pn))
        assert "Timestamp" not in _opt_names(pn)
        return
    c.request(req())
    c.read(until_fin=False, timeout=3)
    c.reset()
    missing = [
        c.describe(x)
        for x in c.seen
        if "R" not in str(x[TCP].flags) and "Timestamp" not in _opt_names(x)
    ]
    rec.saw("TSopt in every non-RST segment", missing or "all present")
    assert not missing, f"segments without TSopt: {missing}"


@check(
    "tcp.syn_with_data_no_crash",
    rfc="RFC 9293",
    section="3.10.7.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_syn_data(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.send("S", data=req(), options=c.syn_options())
    p = c.next(2)
    rec.saw("SYN-ACK (data queued or dropped), DUT alive", p.summary() if p is not None else None)
    assert p is not None and set(str(p[TCP].flags)) == {"S", "A"}
    c.irs, c.rcv_nxt = p[TCP].seq, 1
    c.reset()
    assert dut.alive()[0]


@check(
    "tcp.pmtud_frag_needed_lowers_mss",
    rfc="RFC 1191",
    section="6.3 / RFC 9293 3.7.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_pmtud(dut, rec):
    from scapy.all import ICMP, IP

    from nettests.probes import l2

    c = TcpPeer(dut, dut.http_port, mss=1460)
    c.handshake()
    c.request(req(target=dut.http_large_path or "/"))
    first = c.next(2)
    while first is not None and len(first[TCP].payload) == 0:
        first = c.next(2)
    if first is None or len(first[TCP].payload) <= 1000:
        c.reset()
        raise Unknown("no data segment larger than 1000 bytes to bounce")
    quoted = bytes(first[IP])[: first[IP].ihl * 4 + 8]
    c.port.send(
        l2(c.side) / IP(src=c.src, dst=c.dst) / ICMP(type=3, code=4, nexthopmtu=1000) / Raw(quoted)
    )
    seq0 = c.rel(first)[0]
    again = c.next(3)
    while again is not None and c.rel(again)[0] != seq0:
        again = c.next(3)
    c.reset()
    rec.saw("the bounced segment resent in pieces of at most 960 bytes", c.describe(again))
    assert again is not None, "the segment was not resent after frag-needed"
    assert len(again[TCP].payload) <= 960
