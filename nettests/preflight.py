"""preflight - does anything but scapy answer from the rig's side?

Implements: stray_frames(), which injects a SYN that draws an answer to a
scapy-owned address (the DUT's SYN-ACK, or for a router the forwarded SYN on
the far side), waits, and returns every frame that left a rig port without
the rig sending it: a kernel stack owning a rig address would RST here;
foreign_dhcp_offers(), which asks for a DHCP offer from a scapy MAC and
returns every answer (the rig's DHCP checks must be the only server).
Not here: the verdict (test_preflight.py), the rig's own self-test of this
function (selftests/test_preflight_detects.py).
"""

import random

from scapy.all import IP, TCP

from nettests.probes import l2
from nettests.wire import OUT


def stray_frames(send_side, watch_sides, src: str, dst: str, dport: int, window: float):
    """(the answer that arrived or None, [foreign outgoing frames on any watched side])."""
    marks = {id(s): s.port.mark() for s in watch_sides}
    syn = l2(send_side) / IP(src=src, dst=dst) / TCP(sport=40001, dport=dport, flags="S", seq=1000)
    send_side.port.send(syn)
    answer = None
    for s in watch_sides:
        answer = answer or s.port.expect_one(
            lambda p: TCP in p and 40001 in (p[TCP].sport, p[TCP].dport), 3, since=marks[id(s)]
        )
    for s in watch_sides:  # let any stack in the rig namespace take its time
        s.port.quiet(lambda p: False, window, since=marks[id(s)])
    outgoing = [
        f for s in watch_sides for f in s.port.since(marks[id(s)], direction=OUT) if not f.injected
    ]
    if answer is not None and TCP in answer and answer[TCP].flags.S and answer[TCP].flags.A:
        send_side.port.send(
            l2(send_side)
            / IP(src=src, dst=dst)
            / TCP(sport=40001, dport=dport, flags="R", seq=1001)
        )
    return answer, outgoing


def foreign_dhcp_offers(side, window: float) -> list:
    """Answers to a DHCPDISCOVER from a scapy-owned MAC within `window` s:
    any is a DHCP server on the segment besides the rig's own (the DHCP
    checks need theirs to be the only one)."""
    from scapy.all import BOOTP, DHCP, UDP, Ether

    mac = "02:52:4e:54:df:" + f"{random.randrange(256):02x}"
    xid = random.randrange(1, 2**32)
    discover = (
        Ether(src=mac, dst="ff:ff:ff:ff:ff:ff")
        / IP(src="0.0.0.0", dst="255.255.255.255")
        / UDP(sport=68, dport=67)
        / BOOTP(chaddr=bytes.fromhex(mac.replace(":", "")), xid=xid, flags=0x8000)
        / DHCP(options=[("message-type", "discover"), "end"])
    )
    mark = side.port.mark()
    side.port.send(discover)
    return side.port.quiet(
        lambda p: BOOTP in p and p[BOOTP].op == 2 and p[BOOTP].xid == xid, window, since=mark
    )
