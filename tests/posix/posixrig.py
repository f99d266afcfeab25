"""Helpers for the POSIX appliance tests (imported by conftest.py and the tests):
a cpio newc writer, the test content, namespaces with bridges and TAPs (prefix `rnp`),
and a running appliance whose console is collected line by line.

Each test builds its topology with a Topology (the `net` fixture deletes everything
it made) and starts the appliance with the `appliance` fixture; `wait_line` waits for
a console line. Not here: fixtures (conftest.py), tests (test_*.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPLIANCE = REPO / "appliance"


def newc(files: dict[str, bytes]) -> bytes:
    """A cpio newc archive of regular files (what `rumpnet gen` packs)."""
    out = bytearray()

    def entry(name: str, mode: int, data: bytes, ino: int) -> None:
        nb = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0]
        out.extend(b"070701" + b"".join(b"%08X" % f for f in fields) + nb)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for i, (name, data) in enumerate(sorted(files.items()), 1):
        entry(name, 0o100644, data, i)
    entry("TRAILER!!!", 0, b"", 0)
    return bytes(out)


CONTENT = {
    "index.html": b"<!doctype html><title>rumpnet</title><h1>hello</h1>\n",
    "style.css": b"body { color: #123; }\n",
    "data/info.json": b'{"appliance": "httpd"}\n',
    "img/pixel.png": bytes(range(256)) * 4,
    "big.bin": os.urandom(300_000),
    "empty.txt": b"",
}


def sh(*args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=timeout)


class Topology:
    """Namespaces each holding a bridge `rnpbr0` with a TAP and a host address."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.namespaces: list[str] = []
        self.procs: list[subprocess.Popen] = []

    def lan(
        self, idx: int, host_cidr: str | None, gateway: str | None = None, mtu: int = 1500
    ) -> tuple[str, str]:
        """Namespace `rnp<tag><idx>` with bridge + TAP; returns (netns, tap)."""
        ns, tap = f"rnp{self.tag}{idx}", f"rnp{self.tag}t{idx}"
        self.namespaces.append(ns)
        sh("ip", "netns", "add", ns)
        for cmd in (
            ["link", "set", "lo", "up"],
            ["link", "add", "rnpbr0", "mtu", str(mtu), "type", "bridge"],
            ["link", "set", "rnpbr0", "up"],
            ["tuntap", "add", "dev", tap, "mode", "tap"],
            ["link", "set", tap, "mtu", str(mtu), "master", "rnpbr0", "up"],
        ):
            sh("ip", "-n", ns, *cmd)
        if host_cidr:
            sh("ip", "-n", ns, "addr", "add", host_cidr, "dev", "rnpbr0")
        if gateway:
            sh("ip", "-n", ns, "route", "add", "default", "via", gateway)
        return ns, tap

    def spawn(self, ns: str, *argv: str, **kw) -> subprocess.Popen:
        p = subprocess.Popen(["ip", "netns", "exec", ns, *argv], **kw)
        self.procs.append(p)
        return p

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
        for ns in reversed(self.namespaces):
            sh("ip", "netns", "del", ns, check=False)


class Appliance:
    """A running appliance binary; its console is collected line by line."""

    def __init__(self, binary: Path, params: list[str]) -> None:
        self.proc = subprocess.Popen(
            [str(binary), *params],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.lines: list[str] = []
        self._cv = threading.Condition()
        self.eof = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            with self._cv:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self.eof = True
            self._cv.notify_all()

    def wait_line(self, pattern: str, deadline: float = 30) -> re.Match:
        """First console line matching pattern, waiting up to deadline seconds."""
        rx = re.compile(pattern)
        end = time.monotonic() + deadline
        with self._cv:
            while True:
                for line in self.lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = end - time.monotonic()
                if left <= 0 or self.eof:  # timed out, or the console closed
                    raise AssertionError(
                        f"no console line /{pattern}/ in {deadline}s; "
                        f"console:\n" + "\n".join(self.lines)
                    )
                self._cv.wait(min(left, 0.2))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        crashed = [ln for ln in self.lines if "PANIC" in ln or "exit crash" in ln]
        assert not crashed, "appliance crashed:\n" + "\n".join(self.lines)


def run_and_expect(fn, count: int = 30, wait: float = 0.5):
    """Call fn until it returns something truthy: count x wait seconds at most."""
    for _ in range(count):
        got = fn()
        if got:
            return got
        time.sleep(wait)
    return fn()


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path
