"""TCP data transfer, retransmission, zero window and every close path
(RFC 9293 §3.6, §3.8; RFC 6298; RFC 5681)."""

import pytest
from scapy.all import TCP

from nettests.httpclient import req
from nettests.registry import Unknown, check
from nettests.tcpscript import TcpPeer

P = ("httpd",)


def _fins(c):
    return [x for x in c.seen if "F" in str(x[TCP].flags)]


@check(
    "tcp.passive_close_last_ack",
    rfc="RFC 9293",
    section="3.6 (case 2)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_passive_close(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.handshake()
    c.request(req())
    c.read(until_fin=False, timeout=3)
    if _fins(c):  # nothing left to test: the DUT is in FIN-WAIT, not ESTABLISHED
        c.reset()
        raise Unknown("the server closed first, right after its response")
    c.send("FA")  # we close first: DUT goes CLOSE-WAIT, then LAST-ACK
    p = c.next(3)
    while p is not None and "F" not in str(p[TCP].flags):
        seq, ack, n = c.rel(p)
        if ack != c.snd_nxt:
            break
        p = c.next(3)
    rec.saw("DUT ACKs our FIN and sends its own FIN", c.describe(p))
    assert p is not None and "F" in str(p[TCP].flags), "DUT never closed its side"
    assert c.rel(p)[1] == c.snd_nxt, "DUT's FIN does not ack our FIN"
    c.rcv_nxt = c.rel(p)[0] + c.rel(p)[2] + 1
    c.send("A")
    extra = c.expect_nothing(1.5)
    rec.note(f"after final ACK: {len(extra)} segments")
    assert not extra, "DUT retransmitted its FIN after being ACKed (stuck in LAST-ACK)"


@check(
    "tcp.active_close_time_wait",
    rfc="RFC 9293",
    section="3.6 (case 1)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_active_close(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.handshake()
    c.request(req(headers=["Connection: close"]))
    c.read(until_fin=True, timeout=3)  # ACKs the DUT's FIN: DUT in FIN-WAIT-2
    if not _fins(c):
        raise Unknown("server did not close after Connection: close")
    c.send("FA")
    p = c.expect("A", ack=c.snd_nxt, length=0, timeout=2)
    c.send("FA", seq=c.snd_nxt - 1, advance=False)  # retransmitted FIN in TIME-WAIT
    q = c.expect("A", ack=c.snd_nxt, length=0, timeout=2)
    rec.saw("ACK of our FIN, and again in TIME-WAIT", f"{c.describe(p)}; {c.describe(q)}")


@check(
    "tcp.simultaneous_close_closing",
    rfc="RFC 9293",
    section="3.6 (case 3)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_simultaneous_close(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.handshake()
    c.request(req(headers=["Connection: close"]))
    c.read(until_fin=True, timeout=3, ack=False)
    fins = _fins(c)
    if not fins:
        raise Unknown("server did not close after Connection: close")
    fin_seq = c.rel(fins[0])[0] + c.rel(fins[0])[2]
    # our FIN crosses theirs: it does not acknowledge their FIN
    c.send("FA", ack=fin_seq)
    p = c.next(2)
    while p is not None and "F" in str(p[TCP].flags) and c.rel(p)[1] != c.snd_nxt:
        p = c.next(2)  # FIN retransmissions that crossed our FIN
    rec.saw("DUT (CLOSING) acknowledges our FIN", c.describe(p))
    assert p is not None and c.rel(p)[1] == c.snd_nxt
    c.send("A", ack=fin_seq + 1)


@check(
    "tcp.fin_retransmitted",
    rfc="RFC 9293",
    section="3.6 / 3.8.1",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_fin_retransmit(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.handshake()
    c.request(req(headers=["Connection: close"]))
    c.read(until_fin=True, timeout=3, ack=True, ack_fin=False)
    first = _fins(c)
    if not first:
        raise Unknown("server did not close after Connection: close")
    again = c.next(8)
    while again is not None and "F" not in str(again[TCP].flags):
        again = c.next(8)
    rec.saw("the un-ACKed FIN is sent again", c.describe(again))
    assert again is not None
    c.reset()


@check("tcp.data_retransmitted", rfc="RFC 6298", section="5", level="MUST", proto="tcp", profiles=P)
def test_retransmission(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.handshake()
    c.request(req())
    first = c.next(2)
    assert first is not None
    times, seq0 = [first.time], c.rel(first)[0]
    while len(times) < 3:
        p = c.next(10)
        if p is None:
            break
        if c.rel(p)[0] == seq0 and len(p[TCP].payload):
            times.append(p.time)
    gaps = [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]
    rec.saw("the unacknowledged first segment is retransmitted, gaps growing", gaps)
    rec.metrics["rto_gaps_s"] = gaps
    c.reset()
    assert len(times) >= 3, "no retransmission within 10 s"
    assert gaps[1] >= gaps[0] * 1.5, f"no back-off: {gaps}"


@check(
    "tcp.zero_window_probe",
    rfc="RFC 9293",
    section="3.8.6.1 (MUST-36)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_zero_window(dut, rec):
    c = TcpPeer(dut, dut.http_port, window=0)
    c.handshake()
    c.window = 0
    c.request(req())
    probe = c.next(8)
    rec.saw("a zero-window probe (or a 1-byte segment) while the window is 0", c.describe(probe))
    assert probe is not None, "no probe within 8 s"
    c.window = 65535
    c.send("A")
    body = c.read(until_fin=False, timeout=4)
    rec.note(f"after opening the window: {len(body)} bytes")
    c.reset()
    assert body.startswith(b"HTTP/1.1") or (body and len(probe[TCP].payload) == 1)


@check(
    "tcp.fast_retransmit_3_dupacks",
    rfc="RFC 5681",
    section="3.2",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_fast_retransmit(dut, rec):
    if not dut.http_large_path:
        pytest.skip("no large object known on this appliance")
    c = TcpPeer(dut, dut.http_port, mss=1000)
    c.handshake()
    c.request(req(target=dut.http_large_path))
    segs = []
    while len(segs) < 4:
        p = c.next(2)
        if p is None:
            break
        if len(p[TCP].payload):
            segs.append(p)
    if len(segs) < 4:
        raise Unknown(f"only {len(segs)} segments in the first flight")
    hole = c.rel(segs[0])[0]
    for _ in range(3):  # dupACKs: hole at the first segment
        c.send("A", ack=hole)
    t0 = segs[-1].time
    p = c.next(0.8)
    while p is not None and c.rel(p)[0] != hole:
        p = c.next(0.8)
    rec.saw(
        "retransmission of the hole right after 3 dupACKs (before RTO)",
        c.describe(p) + (f" after {p.time - t0:.3f}s" if p is not None else ""),
    )
    c.reset()
    assert p is not None


@check(
    "tcp.urgent_data_no_wedge",
    rfc="RFC 9293",
    section="3.8.5 (MUST-30)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_urgent(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.handshake()
    data = req() + b"!"  # the urgent byte trails a complete request
    c.send("PAU", data=data, urgptr=len(data))
    body = c.read(until_fin=False, timeout=3)
    rec.saw("request with URG (urgent byte after it) still answered", f"{len(body)} bytes")
    c.reset()
    assert body.startswith(b"HTTP/1.1")


@check(
    "tcp.syn_retransmission_backoff",
    rfc="RFC 9293",
    section="3.8.3 (MUST-20)",
    level="MUST",
    proto="tcp",
    profiles=P,
)
def test_synack_retransmit(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.send("S", options=c.syn_options())
    first = c.next(2)
    assert first is not None
    times = [first.time]
    while len(times) < 3:
        p = c.next(8)
        if p is None:
            break
        times.append(p.time)
    c.irs, c.snd_nxt = first[TCP].seq, 1
    c.reset()
    gaps = [round(b - a, 2) for a, b in zip(times, times[1:], strict=False)]
    rec.saw("SYN-ACK retransmitted with growing gaps", gaps)
    assert len(times) >= 3 and gaps[1] > gaps[0]


@check(
    "tcp.r2_data_retransmitted_100s",
    rfc="RFC 9293",
    section="3.8.3 (MUST-20)",
    level="MUST",
    proto="tcp",
    profiles=P,
    slow=True,
)
def test_r2(dut, rec):
    c = TcpPeer(dut, dut.http_port)
    c.handshake()
    c.request(req())
    first = c.next(3)
    assert first is not None, "no response to retransmit"
    last, count, aborted = first.time, 0, None
    while True:  # never ACK: the DUT must keep trying for at least 100 s
        p = c.next(125)  # RTO may back off to 120 s (RFC 6298 allows a 60 s cap or more)
        if p is None:
            break
        if "R" in str(p[TCP].flags):
            aborted = p.time - first.time
            break
        last, count = p.time, count + 1
        if last - first.time >= 100:
            break
    span = last - first.time
    rec.saw(
        "retransmissions for at least 100 s (R2)",
        f"{count} over {span:.0f} s"
        + (f", then RST at {aborted:.0f} s" if aborted is not None else ""),
    )
    rec.metrics["r2_span_s"] = span
    c.reset()
    if span < 100 and aborted is not None:
        raise Unknown(
            f"the DUT aborted the connection with RST after {aborted:.0f} s "
            "(an application send timeout, not TCP's R2?)"
        )
    assert span >= 100, f"retransmissions stopped after {span:.0f} s"
