"""The httpd appliance on the wire: curl and raw sockets from a peer namespace.

Topology: namespace rnp<tag>0 with bridge rnpbr0 (192.0.2.1/24) and the appliance's
TAP; the appliance has the static address 192.0.2.10/24.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from posixrig import need

ADDR = "192.0.2.10"


@pytest.fixture
def httpd(binaries, content, net, appliance):
    def start(*extra: str):
        ns, tap = net.lan(0, "192.0.2.1/24")
        app = appliance(
            binaries["httpd"],
            f"nic0.tap={tap}",
            f"nic0.netns={ns}",
            "nic0.mode=static",
            f"nic0.ipv4={ADDR}/24",
            "nic0.ipv6=off",
            f"content={content[0]}",
            *extra,
        )
        app.wait_line(r"rumpnet: httpd listening")
        app.wait_line(rf"rumpnet: nic0 up ipv4={ADDR}/24")
        return ns, app

    return start


def curl(ns: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ip", "netns", "exec", ns, need("curl"), "-sS", "-m", "5", *args],
        capture_output=True,
        timeout=20,
    )


def raw(ns: str, payload: bytes, read_until_close: bool = True, timeout: float = 5) -> bytes:
    """Send bytes on one TCP connection from inside ns; return all that came back."""
    code = (
        "import socket,sys\n"
        f"s=socket.create_connection(('{ADDR}',80),timeout={timeout})\n"
        "s.sendall(sys.stdin.buffer.read())\n"
        "out=b''\n"
        "try:\n"
        "    while True:\n"
        "        d=s.recv(65536)\n"
        "        if not d: break\n"
        "        out+=d\n"
        "except (socket.timeout, ConnectionResetError): pass\n"
        "sys.stdout.buffer.write(out)\n"
    )
    p = subprocess.run(
        ["ip", "netns", "exec", ns, "python3", "-c", code],
        input=payload,
        capture_output=True,
        timeout=timeout + 10,
    )
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_every_file_fetched_byte_exact(httpd, content):
    ns, _ = httpd()
    for name, data in content[1].items():
        got = curl(ns, "--fail", f"http://{ADDR}/{name}")
        assert got.returncode == 0, (name, got.stderr)
        assert got.stdout == data, name


def test_head_404_and_content_type(httpd, content):
    ns, _ = httpd()
    head = curl(ns, "-I", f"http://{ADDR}/style.css").stdout.decode()
    assert head.startswith("HTTP/1.1 200 OK")
    assert "Content-Type: text/css" in head
    assert f"Content-Length: {len(content[1]['style.css'])}" in head
    missing = curl(ns, "-o", "/dev/null", "-w", "%{http_code}", f"http://{ADDR}/nope.html")
    assert missing.stdout == b"404"
    index = curl(ns, "-D", "-", f"http://{ADDR}/").stdout.decode()
    assert "text/html" in index and "hello" in index


def test_keep_alive_several_requests_one_connection(httpd):
    ns, _ = httpd()
    reqs = b"".join(
        b"GET /%s HTTP/1.1\r\nHost: a\r\n\r\n" % p
        for p in (b"index.html", b"style.css", b"nope", b"data/info.json")
    )
    reqs += b"GET /style.css HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    out = raw(ns, reqs)
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", out)
    assert statuses == [b"200", b"200", b"404", b"200", b"200"]
    verbose = curl(ns, "-v", f"http://{ADDR}/index.html", f"http://{ADDR}/style.css")
    assert b"Re-using existing connection" in verbose.stderr


@pytest.mark.parametrize(
    "request_bytes,status",
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\n\r\n", b"400"),  # no Host
        (b"GET /../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", b"400"),
        (b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\nHost: a\n\n", b"400"),  # bare LF
        (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", b"505"),
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", b"405"),
        (b"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", b"501"),
        (b"GET / HTTP/1.1\r\nHost: bad host/x\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", b"400"),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", b"414"),
    ],
)
def test_bad_requests_answered(httpd, request_bytes, status):
    ns, _ = httpd()
    out = raw(ns, request_bytes)
    assert out.split(b"\r\n", 1)[0].split()[1] == status, out[:200]


def test_header_limit_answers_431(httpd):
    ns, _ = httpd("http.max_header_bytes=1024")
    out = raw(ns, b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 4000 + b"\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 431 ")


def test_connection_limit_answers_503(httpd):
    ns, _ = httpd("http.max_conns=2")
    code = (
        "import socket\n"
        f"held=[socket.create_connection(('{ADDR}',80),timeout=5) for _ in range(2)]\n"
        f"s=socket.create_connection(('{ADDR}',80),timeout=5)\n"
        "s.sendall(b'GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n')\n"
        "print(s.recv(200).split(b'\\r\\n')[0].decode())\n"
    )
    p = subprocess.run(
        ["ip", "netns", "exec", ns, "python3", "-c", code],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert p.stdout.strip() == "HTTP/1.1 503 Service Unavailable", p.stderr


def test_status_endpoint_and_switch(httpd):
    ns, _ = httpd()
    curl(ns, f"http://{ADDR}/index.html")
    doc = json.loads(curl(ns, "--fail", f"http://{ADDR}/.rumpnet/status").stdout)
    assert doc["requests"]["total"] >= 2
    assert doc["connections"]["total"] >= 2
    assert doc["nics"][0]["rx"] > 0 and doc["nics"][0]["tx"] > 0
    assert "PBUF_POOL" in doc["lwip"]["pools"]
    assert doc["uptime_s"] >= 0


def test_status_disabled(httpd):
    ns, _ = httpd("http.status=0")
    got = curl(ns, "-o", "/dev/null", "-w", "%{http_code}", f"http://{ADDR}/.rumpnet/status")
    assert got.stdout == b"404"


def test_malformed_archive_rejected_clearly(binaries, tmp_path, net, appliance):
    bad = tmp_path / "bad.cpio"
    bad.write_bytes(b"070701" + b"Z" * 200)
    ns, tap = net.lan(0, "192.0.2.1/24")
    app = appliance(
        binaries["httpd"],
        f"nic0.tap={tap}",
        f"nic0.netns={ns}",
        "nic0.mode=static",
        f"nic0.ipv4={ADDR}/24",
        f"content={bad}",
    )
    app.wait_line(r"content rejected: malformed cpio at offset 0: non-hex header field")
    assert app.proc.wait(5) == 1


DEFEND = r"""
import sys, time
from scapy.all import ARP, Ether, AsyncSniffer, sendp, conf
conf.verb = 0
addr, intruder = sys.argv[1], "02:00:00:00:de:ad"
sn = AsyncSniffer(iface="rnpbr0", filter="arp", store=True)
sn.start()
time.sleep(0.5)
sendp(Ether(src=intruder, dst="ff:ff:ff:ff:ff:ff") /
      ARP(op=1, hwsrc=intruder, psrc=addr, pdst=addr), iface="rnpbr0")
time.sleep(1.5)
got = sn.stop()
print(any(p[ARP].psrc == addr and p[ARP].hwsrc != intruder and p[Ether].dst == "ff:ff:ff:ff:ff:ff"
          for p in got))
"""


def test_address_defended_against_conflicting_arp(httpd):
    """RFC 5227 2.4(b): a claim on the appliance's address is answered with a
    gratuitous ARP, so neighbours fooled by the claim learn the right MAC again."""
    ns, _ = httpd()
    p = subprocess.run(
        ["ip", "netns", "exec", ns, "python3", "-c", DEFEND, ADDR],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.stdout.strip() == "True", p.stderr[-1000:]
    assert curl(ns, "-o", "/dev/null", "-w", "%{http_code}", f"http://{ADDR}/").stdout == b"200"
