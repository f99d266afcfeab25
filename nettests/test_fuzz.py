"""Malformed input with liveness oracles (CONFORMANCE.md "Fuzz with liveness").

Every class sends --fuzz-count generated inputs (default 3000) from a fixed
seed (--fuzz-seed) in batches; after each batch the DUT must still answer
ARP, ping and (httpd) GET / with 200. A dead or wedged DUT is a fail, and the
batch that did it is saved as a pcap reproducer (HTTP: the request bytes).
"""

import random
import socket
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from scapy.all import Ether, wrpcap

from nettests.fuzzgen import CLASSES
from nettests.nsutil import socket_in
from nettests.registry import check

BATCH = 500


def _reproducer_dir(request) -> Path:
    base = request.config.getoption("--rnt-report")
    d = Path(base) / "fuzz" if base else Path(tempfile.mkdtemp(prefix="rnt-fuzz-"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _send_http(dut, data: bytes) -> None:
    try:
        s = socket_in(dut.lan.peer_ns, socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(1.0)
        with s:
            s.connect((dut.lan.dut_ip, dut.http_port))
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            end = time.monotonic() + 1.0
            while time.monotonic() < end and s.recv(65536):
                pass
    except OSError:
        pass


def _run(dut, rec, request, cls: str, count: int, seed: int, sides):
    rng = random.Random(seed * 1000003 + zlib.crc32(cls.encode()))
    gen = CLASSES[cls]
    batches, sent = 0, 0
    t0 = time.monotonic()
    while sent < count:
        n = min(BATCH, count - sent)
        side = sides[batches % len(sides)]
        if cls == "http":
            inputs = [gen(rng, side, dut) for _ in range(n)]
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda d: _send_http(dut, d), inputs))
        else:
            inputs = [gen(rng, side, dut) for _ in range(n)]
            side.port.send(*[i[: side.mtu + 14] for i in inputs])
        sent += n
        batches += 1
        ok, detail = dut.alive()
        if not ok:
            out = _reproducer_dir(request) / f"{cls}-seed{seed}-batch{batches}"
            if cls == "http":
                out = out.with_suffix(".txt")
                out.write_bytes(b"\n=====\n".join(inputs))
            else:
                out = out.with_suffix(".pcap")
                wrpcap(str(out), [Ether(i) for i in inputs])
            rec.note(f"reproducer: {out}")
            rec.saw("alive after every batch", f"dead after batch {batches}: {detail}")
            pytest.fail(
                f"DUT not alive after batch {batches} of {cls} ({detail}); reproducer {out}"
            )
    rec.metrics.update({"inputs": sent, "batches": batches, "seconds": time.monotonic() - t0})
    rec.saw(f"alive after each of {batches} batches", f"{sent} inputs, seed {seed}, alive")


L2_CLASSES = ["ethernet", "arp", "ipv4", "fragments", "icmp", "udp", "tcp_options", "dhcp"]


@pytest.mark.parametrize("cls", L2_CLASSES)
@check(
    "fuzz.malformed_input_survived",
    rfc="RFC 1122",
    section="1.2.2 (robustness)",
    level="MUST",
    proto="fuzz",
    profiles=("httpd", "router"),
)
def test_fuzz(dut, rec, request, cls, fuzz_count, fuzz_seed):
    _run(dut, rec, request, cls, fuzz_count, fuzz_seed, dut.sides)


@check(
    "fuzz.malformed_http_survived",
    rfc="RFC 9112",
    section="2.2 / 11 (robustness)",
    level="MUST",
    proto="fuzz",
    profiles=("httpd",),
)
def test_fuzz_http(dut, rec, request, fuzz_count, fuzz_seed):
    _run(dut, rec, request, "http", fuzz_count, fuzz_seed, dut.sides)
