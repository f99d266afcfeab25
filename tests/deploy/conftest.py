"""Fixtures of the deploy tests: generated appliances, and a real SSH host.

`ssh_peer` is OpenSSH's sshd (Debian's openssh-server) in a network namespace of its
own, reached from a second namespace by the real OpenSSH client: a host without Xen,
which is exactly the peer the "unreachable", "login refused", "`xl` missing" and
"bridge missing" errors need. Namespaces and links are named rnd<h|c><pid>; the
addresses come from 192.0.2.0/24. Everything is removed at the end, also on failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gen.main import generate
from tests.conftest import REPO

HOST_IP, CLIENT_IP = "192.0.2.2", "192.0.2.1"
BRIDGE = "rndbr0"  # exists on the SSH host; appliances below are generated to use it


def quiet(msg: str) -> None:
    pass


@pytest.fixture(scope="session")
def appliances(tmp_path_factory) -> dict[str, Path]:
    """httpd and router appliances on BRIDGE (router: BRIDGE and a missing rndbr9)."""
    base = tmp_path_factory.mktemp("appl")
    return {
        "httpd": generate("httpd", base / "httpd", [f'nic.0.bridge="{BRIDGE}"'], (), quiet),
        "router": generate(
            "router",
            base / "router",
            [f'nic.0.bridge="{BRIDGE}"', 'nic.1.bridge="rndbr9"'],
            (),
            quiet,
        ),
    }


@pytest.fixture(scope="session")
def xen_appliance(tmp_path_factory) -> Path:
    """The httpd appliance with its Xen image built; a build that fails fails the test."""
    from gen import build

    out = tmp_path_factory.mktemp("xen") / "httpd"
    try:
        generate("httpd", out, [], ("xen",), quiet)
    except build.BuildError as e:
        lines = str(e).splitlines()
        why = next((x.strip() for x in lines if "error:" in x), lines[0])
        pytest.fail(f"no Xen image: the Xen build of httpd fails: {why}", pytrace=False)
    xen = json.loads((out / "manifest.json").read_text())["build"]["xen"]
    if not xen.get("image"):
        pytest.fail(
            f"no Xen image: manifest build.xen.image is null ({xen.get('status')})", pytrace=False
        )
    return out


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@dataclass
class SshPeer:
    client_ns: str
    dir: Path
    url: str = f"ssh://root@{HOST_IP}"
    env: dict = field(default_factory=dict)

    @property
    def identity(self) -> Path:
        return self.dir / "id_client"

    def ssh_args(self) -> list[str]:
        return [
            "-o",
            f"UserKnownHostsFile={self.dir / 'known_hosts'}",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "StrictHostKeyChecking=yes",
        ]

    def client(self, argv: list[str], env: dict | None = None, timeout: float = 60):
        """Run argv in the client namespace (from the repository root)."""
        return subprocess.run(
            ["ip", "netns", "exec", self.client_ns, *argv],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )

    def rumpnet(self, *args: str, identity: bool = True, env: dict | None = None):
        """`rumpnet <args>` (deploy|undeploy|ps) from the client namespace."""
        argv = [sys.executable, "-m", "tools.deploy", *args, *self.ssh_args()]
        if identity:
            argv += ["--identity", str(self.identity)]
        return self.client(argv, env)


def _remove_dead_runs_namespaces() -> None:
    """Namespaces of an earlier session that was killed before its teardown ran
    (its tag is its pid, and that process is gone)."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for name in (line.split()[0] for line in out.splitlines() if line.strip()):
        m = re.fullmatch(r"rnd[hc](\d+)", name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


@pytest.fixture(scope="session")
def ssh_peer(tmp_path_factory):
    for tool in ("ip", "ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not os.path.exists(sshd):
        pytest.skip("sshd is not installed (Debian package openssh-server)")
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    _remove_dead_runs_namespaces()
    tag = str(os.getpid())  # interface names stay under 16 characters
    host_ns, client_ns = f"rndh{tag}", f"rndc{tag}"
    d = tmp_path_factory.mktemp("sshpeer")
    proc = None
    try:
        _ip("netns", "add", host_ns)
        _ip("netns", "add", client_ns)
        _ip(
            "link",
            "add",
            f"rndc{tag}",
            "netns",
            client_ns,
            "type",
            "veth",
            "peer",
            "name",
            f"rndh{tag}",
            "netns",
            host_ns,
        )
        for ns, dev, addr in (
            (host_ns, f"rndh{tag}", HOST_IP),
            (client_ns, f"rndc{tag}", CLIENT_IP),
        ):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
        _ip("-n", host_ns, "link", "add", BRIDGE, "type", "bridge")
        _ip("-n", host_ns, "link", "set", BRIDGE, "up")
        for key in ("id_client", "id_other", "host_key"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", str(d / key)],
                check=True,
            )
        shutil.copy(d / "id_client.pub", d / "authorized_keys")
        hostkey = (d / "host_key.pub").read_text().split()
        (d / "known_hosts").write_text(f"{HOST_IP} {hostkey[0]} {hostkey[1]}\n")
        (d / "sshd_config").write_text(
            f"ListenAddress {HOST_IP}\nPort 22\nHostKey {d / 'host_key'}\n"
            f"AuthorizedKeysFile {d / 'authorized_keys'}\nPidFile {d / 'sshd.pid'}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nMaxSessions 50\n"
            "MaxStartups 50\n"
        )
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation
        with open(d / "sshd.log", "wb") as log:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", host_ns, sshd, "-D", "-e", "-f", str(d / "sshd_config")],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        peer = SshPeer(client_ns=client_ns, dir=d)
        deadline = time.monotonic() + 10
        while True:
            r = peer.client(
                [
                    "ssh",
                    "-o",
                    "BatchMode=yes",
                    "-i",
                    str(peer.identity),
                    *peer.ssh_args(),
                    f"root@{HOST_IP}",
                    "true",
                ]
            )
            if r.returncode == 0:
                break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(
                    f"sshd did not come up: {r.stderr.strip()} {(d / 'sshd.log').read_text()}"
                )
            time.sleep(0.1)
        yield peer
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for ns in (host_ns, client_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.fixture(scope="session")
def xen_lab(lab_session):
    """The session's Xen lab (tools.lab.pytest_plugin): booted if need be, and stopped
    at the end of the session when pytest booted it."""
    from tools.lab import LabError

    try:
        return lab_session.get()
    except LabError as e:
        pytest.fail(f"the Xen lab did not come up: {e}", pytrace=False)


@pytest.fixture(scope="session")
def dom0_peer(xen_lab, tmp_path_factory):
    """dropbear in the lab's dom0, reached from the lab's host-side namespace."""
    from tests.deploy import dom0_ssh

    d = tmp_path_factory.mktemp("dom0ssh")
    try:
        url = dom0_ssh.start(xen_lab, d)
        yield SshPeer(client_ns=xen_lab.netns, dir=d, url=url)
    finally:
        dom0_ssh.stop(xen_lab)
