"""Bad input on the wire never crashes or wedges an appliance.

A burst of malformed frames (random bytes, broken IPv4/IPv6/ARP headers, bogus
lengths, overlapping and huge fragments, fuzzed TCP/UDP/ICMP, fuzzed router
advertisements) and of malformed HTTP (random bytes, endless headers, half-open
connections) is sent from the peer namespace with scapy; afterwards the appliance
still answers ping and HTTP (httpd) or still forwards (router), and its process is
alive with no panic on the console.
"""

from __future__ import annotations

import subprocess

from posixrig import need, run_and_expect

BURST = r"""
import os, random, socket, sys
from scapy.all import (ARP, ICMP, IP, IPv6, TCP, UDP, Ether, Raw, fuzz, conf)
from scapy.layers.inet6 import ICMPv6ND_RA, ICMPv6ND_NS, ICMPv6NDOptPrefixInfo
conf.verb = 0
random.seed(7)
iface, mac, dst = sys.argv[1], sys.argv[2], sys.argv[3]
e = Ether(dst=mac)
frames = [Raw(os.urandom(random.randint(1, 1600))) for _ in range(300)]
frames += [e / Raw(os.urandom(random.randint(0, 1500))) for _ in range(200)]
frames += [e / fuzz(IP(dst=dst)) for _ in range(200)]
frames += [e / fuzz(IP(dst=dst) / TCP(dport=80)) for _ in range(200)]
frames += [e / fuzz(IP(dst=dst) / UDP(dport=random.choice([67, 68, 80]))) for _ in range(100)]
frames += [e / fuzz(IP(dst=dst) / ICMP()) for _ in range(100)]
frames += [e / IP(dst=dst, ihl=15) / Raw(b"x" * 10), e / IP(dst=dst, len=9000) / Raw(b"x"),
           e / IP(dst=dst, len=3) / Raw(b"x" * 40), e / IP(dst=dst, chksum=1) / ICMP(),
           e / IP(dst=dst, ttl=0) / ICMP(),
           e / IP(dst=dst, ttl=1, options=b"\x07\x27" + b"\0" * 37)]
for off in (0, 1, 8, 8189, 8191):   # overlapping and far fragments
    frames.append(e / IP(dst=dst, id=4242, flags="MF", frag=off, proto=17) / Raw(b"y" * 64))
frames += [e / fuzz(ARP()) for _ in range(100)]
frames += [Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(hwlen=0, plen=255, pdst=dst)]
frames += [e / fuzz(IPv6(dst="ff02::1")) for _ in range(100)]
frames += [Ether(dst="33:33:00:00:00:01") / IPv6(dst="ff02::1") / fuzz(ICMPv6ND_RA()) /
           fuzz(ICMPv6NDOptPrefixInfo()) for _ in range(100)]
frames += [e / IPv6(dst="ff02::1") / fuzz(ICMPv6ND_NS()) for _ in range(50)]
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
raw.bind((iface, 0))
sent = 0
for f in frames:
    try:
        raw.send(bytes(f)[:1514])
        sent += 1
    except OSError:
        pass
assert sent > 1400, sent
if sys.argv[4] == "http":
    junk = [os.urandom(2000), b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 3000, b"\0" * 500 + b"\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"]
    held = []
    for j in junk * 5:
        s = socket.create_connection((dst, 80), timeout=3)
        try:
            s.sendall(j)
        except OSError:
            pass
        held.append(s)
    for _ in range(40):          # half-open: connect, send nothing
        held.append(socket.create_connection((dst, 80), timeout=3))
    for s in held:
        s.close()
"""


def burst(ns: str, mac: str, dst: str, http: bool) -> None:
    p = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            ns,
            "python3",
            "-c",
            BURST,
            "rnpbr0",
            mac,
            dst,
            "http" if http else "-",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert p.returncode == 0, p.stderr[-2000:]


def answers(ns: str, addr: str) -> bool:
    """Ping answered within 10 s (neighbour caches may need one round to heal)."""

    def once() -> bool:
        cmd = ["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", addr]
        return subprocess.run(cmd, capture_output=True).returncode == 0

    return bool(run_and_expect(once, count=10, wait=0.5))


def test_httpd_survives_garbage(binaries, content, net, appliance):
    ns, tap = net.lan(0, "192.0.2.1/24")
    app = appliance(
        binaries["httpd"],
        f"nic0.tap={tap}",
        f"nic0.netns={ns}",
        "nic0.mode=static",
        "nic0.ipv4=192.0.2.10/24",
        f"content={content[0]}",
    )
    mac = app.wait_line(r"rumpnet: nic0 attached name=\S+ mac=(\S+)").group(1)
    app.wait_line(r"rumpnet: httpd listening")
    burst(ns, mac, "192.0.2.10", http=True)
    assert app.alive()
    assert answers(ns, "192.0.2.10")
    got = subprocess.run(
        ["ip", "netns", "exec", ns, need("curl"), "-sS", "-m", "5", "http://192.0.2.10/index.html"],
        capture_output=True,
    )
    assert got.stdout == content[1]["index.html"]


def test_router_survives_garbage(binaries, net, appliance):
    a, tap_a = net.lan(0, "192.0.2.2/24", gateway="192.0.2.1")
    b, tap_b = net.lan(1, "198.51.100.2/25", gateway="198.51.100.1")
    app = appliance(
        binaries["router"],
        "nics=2",
        f"nic0.tap={tap_a}",
        f"nic0.netns={a}",
        f"nic1.tap={tap_b}",
        f"nic1.netns={b}",
        "routes=0",
    )
    mac = app.wait_line(r"rumpnet: nic0 attached name=\S+ mac=(\S+)").group(1)
    app.wait_line(r"rumpnet: router forwarding")
    burst(a, mac, "198.51.100.2", http=False)
    burst(a, mac, "192.0.2.1", http=False)
    assert app.alive()
    assert answers(a, "198.51.100.2")
