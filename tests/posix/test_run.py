"""`rumpnet run --target posix` (tools/run.py + tools/posix_run.py) and `rumpnet clean`.

An appliance directory is assembled by hand (manifest.json, config.h, content.cpio and
the binary built by make, as `rumpnet gen` lays them out), run with --attach into a
bridge of a namespace the test made, and stopped with SIGTERM: the runner must print
where the appliance is reachable, serve, and remove its TAP and its own namespace.
Also: the private mode (no --attach) with its own peer namespace and dnsmasq, and
clean() safe to run twice. Not here: the rig's use of the runner (nettests/).
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from posixrig import APPLIANCE, REPO, need, run_and_expect


@pytest.fixture
def appliance_dir(binaries, content, tmp_path) -> Path:
    d = tmp_path / "httpd"
    d.mkdir()
    shutil.copy(binaries["httpd"], d / "rumpnet-httpd.posix")
    shutil.copy(content[0], d / "content.cpio")
    shutil.copy(APPLIANCE / "testbuild" / "default-config.h", d / "config.h")
    (d / "manifest.json").write_text(json.dumps({"kind": "httpd"}))
    return d


def start_run(*args: str) -> tuple[subprocess.Popen, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.run", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, []


def read_until(proc: subprocess.Popen, lines: list[str], pattern: str, deadline: float = 30):
    rx = re.compile(pattern)
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        m = rx.search(line)
        if m:
            return m
    raise AssertionError(f"no line /{pattern}/:\n" + "\n".join(lines))


def links(ns: str) -> str:
    return subprocess.run(["ip", "-n", ns, "-o", "link"], capture_output=True, text=True).stdout


def test_run_attach_serves_and_tears_down(appliance_dir, content, net):
    ns, _ = net.lan(0, "192.0.2.1/24")
    proc, lines = start_run(
        str(appliance_dir),
        "--attach",
        f"{ns}:rnpbr0",
        "--param",
        "nic0.mode=static",
        "--param",
        "nic0.ipv4=192.0.2.33/24",
    )
    try:
        m = read_until(proc, lines, r"rumpnet run: reachable nic0 ipv4 (\S+) from namespace (\S+)")
        assert m.groups() == ("192.0.2.33", ns)
        got = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                ns,
                need("curl"),
                "-sS",
                "-m",
                "5",
                "http://192.0.2.33/index.html",
            ],
            capture_output=True,
        )
        assert got.stdout == content[1]["index.html"]
        tap = re.search(r"nic0 attached name=(\S+)", "\n".join(lines)).group(1)
        assert tap in links(ns)
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(15)
    assert rc == 0
    assert tap not in links(ns)
    leftover = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert f"rnp{proc.pid % 100000}a" not in leftover


def test_run_private_mode_dhcp_and_clean_twice(appliance_dir):
    need("dnsmasq")
    proc, lines = start_run(str(appliance_dir))
    try:
        m = read_until(proc, lines, r"rumpnet run: reachable nic0 ipv4 (\S+) from namespace (\S+)")
        addr, ns = m.groups()
        ok = run_and_expect(
            lambda: (
                subprocess.run(
                    ["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", addr],
                    capture_output=True,
                ).returncode
                == 0
            ),
            count=10,
        )
        assert ok
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
    assert ns not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    from tools.posix_run import clean

    clean()
    clean()


def test_run_user_errors(tmp_path, appliance_dir):
    bad = subprocess.run(
        [sys.executable, "-m", "tools.run", str(tmp_path / "nope")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "no such appliance directory" in bad.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "tools.run", str(appliance_dir), "--attach", "rnp-missing-ns:br0"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "no network namespace rnp-missing-ns" in bad.stderr
