"""Fixtures for the Xen appliance tests: the lab, the generated Xen appliances, booted
DomUs and host-side namespaces on the lab bridges (prefix `rnx`).

`xen_lab` is the session's lab (tools.lab.pytest_plugin); a lab that does not come
up fails the tests; `xen_appliance(kind)` generates `rumpnet gen <kind>` for the
xen platform once per session (a build that fails fails the tests, with its reason);
`domu(...)` boots one instance with tools.xen_run.XenDomain (destroyed at teardown,
and the test fails if the console shows a panic); `host_ns(...)` makes a namespace
with a veth into a lab bridge.
Not here: the tests (test_*.py beside this file).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

PREFIX = "rnx"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/xen/" in str(item.fspath) and "xen_lab" in item.fixturenames:
            item.add_marker(pytest.mark.lab)


def run_and_expect(fn, count: int, wait: float, what: str):
    """Call fn() up to `count` times, `wait` s apart, until it returns a truthy value."""
    for _ in range(count):
        got = fn()
        if got:
            return got
        time.sleep(wait)
    pytest.fail(f"{what}: not seen after {count} x {wait} s")


@pytest.fixture(scope="session")
def xen_lab(lab_session):
    from tools.lab.lab import LabError

    try:
        return lab_session.get()
    except (LabError, OSError) as e:
        pytest.fail(f"the Xen lab did not come up: {e}", pytrace=False)


@pytest.fixture(scope="session")
def dom0(xen_lab):
    from tools.xen_run import LabDom0

    return LabDom0(xen_lab)


@pytest.fixture(scope="session")
def xen_appliance(tmp_path_factory):
    """Factory: kind -> appliance directory generated with the xen platform only."""
    from gen.main import generate

    made: dict[str, Path] = {}

    def make(kind: str) -> Path:
        if kind not in made:
            out = tmp_path_factory.mktemp("gen") / kind
            try:
                generate(kind, out, platforms=("xen",), log=lambda msg: None)
            except Exception as e:  # the build's own message says why
                pytest.fail(f"the Xen image of {kind} cannot be built: {e}", pytrace=False)
            if not (out / f"rumpnet-{kind}.xen").is_file():
                pytest.fail(
                    f"the Xen image of {kind} was not built (see {out}/manifest.json)",
                    pytrace=False,
                )
            made[kind] = out
        return made[kind]

    return make


@pytest.fixture
def domu(dom0, xen_appliance, request):
    """Factory: boot an appliance instance; destroyed after the test."""
    from tools.xen_run import XenDomain, load_appliance

    doms = []

    def boot(kind: str, **kw) -> XenDomain:
        app = load_appliance(xen_appliance(kind))
        # a crashed domain stays listed (state c) so a failure message can say so
        kw["extra_cfg"] = {"on_crash": "preserve", **(kw.get("extra_cfg") or {})}
        dom = XenDomain(app, dom0, **kw)
        doms.append(dom)
        return dom.start()

    yield boot
    for dom in doms:
        text = dom.console()
        dom.destroy()
        assert "PANIC" not in text, f"{dom.name} panicked:\n{text}"


def mac_for(request, index: int = 0) -> str:
    """A MAC unique to this test (Xen's OUI, locally derived from the test's name)."""
    h = hashlib.sha256(f"{request.node.nodeid}/{os.getpid()}/{index}".encode()).digest()
    return f"00:16:3e:{h[0] & 0x7F:02x}:{h[1]:02x}:{h[2]:02x}"


@pytest.fixture
def host_ns(xen_lab, request):
    """Factory: namespace `rnx<tag>` with address `cidr` (default route via `gw`) on a veth
    whose peer is enslaved to lab bridge `bridge` in the lab's namespace."""
    made: list[str] = []
    tag = f"{os.getpid() % 10000}"

    def make(bridge: str, cidr: str, gw: str | None = None) -> str:
        ns = f"{PREFIX}{tag}{len(made)}"
        outer, inner = f"{ns}o", f"{ns}i"
        made.append(ns)
        sh = [
            f"ip netns add {ns}",
            f"ip link add {outer} netns {xen_lab.netns} type veth peer name {inner} netns {ns}",
            f"ip -n {xen_lab.netns} link set {outer} master {bridge} up",
            f"ip -n {ns} link set lo up",
            f"ip -n {ns} addr add {cidr} dev {inner}",
            f"ip -n {ns} link set {inner} up",
        ]
        if gw:
            sh.append(f"ip -n {ns} route add default via {gw}")
        for cmd in sh:
            subprocess.run(cmd.split(), check=True, capture_output=True)
        return ns

    yield make
    for ns in made:
        subprocess.run(["ip", "-n", xen_lab.netns, "link", "del", f"{ns}o"], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def in_ns(ns: str, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    tool = shutil.which(argv[0]) or argv[0]
    return subprocess.run(
        ["ip", "netns", "exec", ns, tool, *argv[1:]],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
