"""TCP reset rules and state checks (RFC 9293 §3.5.2, §3.10.7; RFC 5961).

Closed port, LISTEN, SYN-RECEIVED and ESTABLISHED behaviour, written as
packetdrill-style steps with ISN-relative numbers (tcpscript.TcpPeer).
"""

from scapy.all import IP, TCP

from nettests.httpclient import req
from nettests.registry import check, summarize
from nettests.tcpscript import TcpPeer

P = ("httpd",)


@check(
    "tcp.closed_port_rst_for_syn",
    rfc="RFC 9293",
    section="3.10.7.1",
    level="MUST",
    proto="tcp",
    profiles=("httpd", "router"),
)
def test_closed_syn(dut, rec):
    c = TcpPeer(dut, dut.closed_tcp_port)
    c.send("S", options=c.syn_options(), data=b"")
    c.irs = 0
    p = c.next(2)
    rec.saw("RA seq 0 ack ISS+1", c.describe(p) if p is not None else None)
    assert p is not None, "no RST from a closed port"
    assert set(str(p[TCP].flags)) == {"R", "A"}
    assert p[TCP].seq == 0 and (p[TCP].ack - c.iss) & 0xFFFFFFFF == 1


@check(
    "tcp.closed_port_rst_for_ack",
    rfc="RFC 9293",
    section="3.10.7.1",
    level="MUST",
    proto="tcp",
    profiles=("httpd", "router"),
)
def test_closed_ack(dut, rec):
    c = TcpPeer(dut, dut.closed_tcp_port)
    c.irs = 0x12345678
    c.send("A", data=b"x", ack=0)
    p = c.next(2)
    rec.saw("R seq = SEG.ACK, no ACK bit", p.summary() if p is not None else None)
    assert p is not None, "no RST"
    assert str(p[TCP].flags) == "R", f"flags {p[TCP].flags}: want RST without ACK"
    assert p[TCP].seq == 0x12345678, f"seq {p[TCP].seq:#x}: want SEG.ACK 0x12345678"


@check(
    "tcp.closed_port_no_rst_for_rst",
    rfc="RFC 9293",
    section="3.10.7.1",
    level="MUST",
    proto="tcp",
    profiles=("httpd", "router"),
)
def test_closed_rst(dut, rec):
    c = TcpPeer(dut, dut.closed_tcp_port)
    c.irs = 0
    c.send("R", options=[])
    c.send("RA", ack=5, options=[])
    hits = c.expect_nothing()
    rec.saw("silence", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"


@check(
    "tcp.listen_rst_for_ack",
    rfc="RFC 9293",
    section="3.10.7.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_listen_ack(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.irs = 0x01020304
    c.send("A", ack=0)
    p = c.next(2)
    rec.saw("R seq = SEG.ACK", p.summary() if p is not None else None)
    assert p is not None, "no RST for an ACK to a listening port"
    assert "R" in str(p[TCP].flags) and p[TCP].seq == 0x01020304


@check(
    "tcp.listen_ignores_rst",
    rfc="RFC 9293",
    section="3.10.7.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_listen_rst(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.irs = 0
    c.send("R", options=[])
    hits = c.expect_nothing()
    rec.saw("silence", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"


@check(
    "tcp.syn_ack_acks_isn_plus_1",
    rfc="RFC 9293",
    section="3.5",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_handshake(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    p = c.handshake()
    rec.saw("SA ack 1 with MSS", c.describe(p))
    names = [o[0] for o in p[TCP].options]
    c.reset()
    assert "MSS" in names, "SYN-ACK without MSS option (RFC 9293 §3.7.1 SHOULD send)"


@check(
    "tcp.syn_received_bad_ack_rst",
    rfc="RFC 9293",
    section="3.10.7.4 (SYN-RECEIVED)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_synrecv_bad_ack(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.send("S", options=c.syn_options())
    p = c.next(2)
    assert p is not None and set(str(p[TCP].flags)) == {"S", "A"}
    c.irs = p[TCP].seq
    bad = (p[TCP].seq + 1000) & 0xFFFFFFFF
    c.port.send(c.seg("A", seq=1, ack=1000))
    r = c.next(2)
    while r is not None and "R" not in str(r[TCP].flags):  # skip SYN-ACK retransmissions
        r = c.next(2)
    rec.saw(f"R seq = SEG.ACK ({bad})", r.summary() if r is not None else None)
    assert r is not None, "no RST for an unacceptable ACK in SYN-RECEIVED"
    assert r[TCP].seq == bad


def _established(dut):
    c = TcpPeer(dut, dut.http_port)
    c.handshake()
    return c


@check(
    "tcp.out_of_window_gets_ack",
    rfc="RFC 9293",
    section="3.10.7.4",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_out_of_window(dut, rec):
    c = _established(dut)
    c.send("PA", data=b"zz", seq=c.snd_nxt + 10_000_000, advance=False)
    p = c.expect("A", seq=1, ack=1, length=0)
    rec.saw("A seq 1 ack 1 (SND.NXT/RCV.NXT)", c.describe(p))
    c.reset()


@check("tcp.rst_exact_resets", rfc="RFC 5961", section="3.2", level="MUST", proto="tcp", profiles=P)
def test_rst_exact(dut, rec):
    c = _established(dut)
    c.send("R", advance=False, options=[])
    c.expect_nothing(0.3)
    c.request(req())
    p = c.next(2)
    rec.saw("connection gone: data after the RST draws a RST", c.describe(p))
    assert p is not None and "R" in str(p[TCP].flags), "connection survived an exact RST"


@check(
    "tcp.rst_in_window_challenge_ack",
    rfc="RFC 5961",
    section="3.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_rst_challenge(dut, rec):
    c = _established(dut)
    c.send("R", seq=c.snd_nxt + 100, advance=False, options=[])
    p = c.expect("A", seq=1, ack=1, length=0)
    c.request(req())
    data = c.read(until_fin=False, timeout=3)
    rec.saw(
        "challenge ACK (A seq 1 ack 1), connection alive",
        f"{c.describe(p)}; then {len(data)} response bytes",
    )
    assert data.startswith(b"HTTP/1.1"), "connection did not survive an in-window RST"
    c.reset()


@check(
    "tcp.rst_out_of_window_ignored",
    rfc="RFC 5961",
    section="3.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_rst_outside(dut, rec):
    c = _established(dut)
    c.send("R", seq=c.snd_nxt + 10_000_000, advance=False, options=[])
    silent = c.expect_nothing(0.5)
    c.request(req())
    data = c.read(until_fin=False, timeout=3)
    rec.saw("no reaction, connection alive", f"{silent}; then {len(data)} bytes")
    assert data.startswith(b"HTTP/1.1")
    c.reset()


@check(
    "tcp.syn_in_established_challenge_ack",
    rfc="RFC 5961",
    section="4.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_syn_established(dut, rec):
    c = _established(dut)
    c.send("S", seq=c.snd_nxt + 5, advance=False, options=[("MSS", 1460)])
    p = c.expect("A", seq=1, ack=1, length=0)
    rec.saw("challenge ACK, no RST", c.describe(p))
    c.reset()


@check(
    "tcp.bad_ack_challenge_ack",
    rfc="RFC 5961",
    section="5.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_bad_ack(dut, rec):
    c = _established(dut)
    c.send("PA", data=b"GET", ack=c.rcv_nxt + 100_000, advance=False)
    p = c.expect("A", seq=1, ack=1, length=0)
    rec.saw("ACK with SND.NXT/RCV.NXT, data not accepted", c.describe(p))
    c.reset()


@check(
    "tcp.no_ack_flag_dropped",
    rfc="RFC 9293",
    section="3.10.7.4",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_no_ack_flag(dut, rec):
    c = _established(dut)
    c.send("P", data=req(), advance=False)
    hits = c.expect_nothing(0.7, match=lambda p: len(p[TCP].payload) > 0)
    c.request(req())
    data = c.read(until_fin=False, timeout=3)
    rec.saw(
        "segment without ACK dropped; the same data with ACK answered",
        f"{len(hits)} data segments after no-ACK; {len(data)} after ACK",
    )
    assert not hits, "DUT answered data carried in a segment without ACK"
    assert data.startswith(b"HTTP/1.1")
    c.reset()


@check(
    "tcp.bad_checksum_dropped",
    rfc="RFC 9293",
    section="3.1 (MUST-2, MUST-3)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_bad_checksum(dut, rec):
    results = {}
    for chk in (0x0000, 0xBEEF):
        c = TcpPeer(dut, dut.http_port)
        p = c.seg("S", options=c.syn_options())
        p[TCP].chksum = chk
        good = IP(bytes(p[IP]))
        good[TCP].chksum = None
        if IP(bytes(good))[TCP].chksum == chk:
            continue  # the bogus value happens to be right: skip it
        c.port.send(p)
        results[hex(chk)] = c.expect_nothing(0.7)
    rec.saw("no SYN-ACK for SYNs with bad (or zero) checksums", results)
    assert results and not any(results.values())


@check(
    "tcp.reserved_bits_ignored",
    rfc="RFC 9293",
    section="3.1",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_reserved(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.send("S", options=c.syn_options(), reserved=0b111)
    p = c.next(2)
    rec.saw("SYN-ACK with reserved bits 0", c.describe(p) if p is not None else None)
    assert p is not None and set(str(p[TCP].flags)) == {"S", "A"}
    assert p[TCP].reserved == 0
    c.irs = p[TCP].seq
    c.reset()


@check(
    "tcp.out_of_order_held",
    rfc="RFC 9293",
    section="3.10.7.4 (SHLD-31)",
    level="SHOULD",
    proto="tcp",
    profiles=P,
)
def test_out_of_order(dut, rec):
    c = _established(dut)
    data = req()
    half = len(data) // 2
    c.send("PA", data=data[half:], seq=1 + half, advance=False)
    dup = c.expect("A", ack=1, length=0)
    c.send("A", data=data[:half], seq=1, advance=False)
    c.snd_nxt = 1 + len(data)
    body = c.read(until_fin=False, timeout=3)
    rec.saw(
        "dup ACK for the hole, then the full request answered",
        f"{c.describe(dup)}; {len(body)} response bytes",
    )
    assert body.startswith(b"HTTP/1.1 200")
    c.reset()


@check(
    "tcp.isn_unpredictable",
    rfc="RFC 9293",
    section="3.4.1 (MUST-8, RFC 6528)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_isn(dut, rec):
    isns = []
    for _ in range(12):
        c = TcpPeer(dut, dut.http_port)
        c.send("S", options=c.syn_options())
        p = c.next(2)
        if p is not None:
            isns.append(p[TCP].seq)
            c.irs = p[TCP].seq
            c.snd_nxt = 1
            c.reset()
    # Each SYN comes from a new address and port, milliseconds apart. With
    # RFC 6528 ISNs (clock + keyed hash of the 4-tuple) consecutive ISNs differ
    # by ~2^31 on average; a global counter moves by small, regular steps.
    deltas = [
        abs(((b - a + 2**31) & 0xFFFFFFFF) - 2**31) for a, b in zip(isns, isns[1:], strict=False)
    ]
    median = sorted(deltas)[len(deltas) // 2] if deltas else 0
    rec.saw(
        "ISNs of different 4-tuples far apart (median |delta| > 2^24, RFC 6528)",
        f"median |delta| {median}; deltas {deltas}",
    )
    rec.metrics["isn_median_delta"] = median
    assert len(isns) >= 10
    assert len(set(isns)) == len(isns)
    assert median > 2**24, f"ISNs predictable: consecutive deltas {deltas}"


@check(
    "tcp.delayed_ack_under_500ms",
    rfc="RFC 9293",
    section="3.8.6.3 (MUST-40)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_delayed_ack(dut, rec):
    c = _established(dut)
    t0 = c.send("PA", data=b"GET / HTTP/1.1\r\n").time
    p = c.expect("A", seq=1, ack=1 + 16, length=0, timeout=1.0)
    delay = p.time - t0
    rec.saw("ACK of a partial request within 0.5 s", f"{delay * 1000:.0f} ms")
    rec.metrics["ack_delay_s"] = delay
    assert delay < 0.5
    c.reset()


@check(
    "tcp.no_rst_in_reply_to_rst_established",
    rfc="RFC 9293",
    section="3.10.7.4",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_rst_no_reply(dut, rec):
    c = _established(dut)
    c.reset()
    hits = c.expect_nothing(0.5, match=lambda p: "R" in str(p[TCP].flags))
    rec.saw("no RST answers a RST", hits)
    assert not hits, f"{len(hits)} unwanted: {summarize(hits)}"
