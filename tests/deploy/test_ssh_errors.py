"""`rumpnet deploy | ps | undeploy` against a real SSH host without Xen: each usual
failure gives its one clear line, keys work from --identity and from ssh-agent, and
files reach the host intact (or not at all). The client is the real OpenSSH ssh, run
from its own network namespace, exactly as an operator runs it."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap

from tests.deploy.conftest import BRIDGE, HOST_IP

XL_MISSING = "`xl` not found: is this a Xen dom0 with the Xen tools installed?"


def lines(r) -> list[str]:
    return [x for x in r.stderr.splitlines() if x.strip()]


def test_unreachable_port_gives_one_line(ssh_peer, appliances):
    r = ssh_peer.rumpnet("deploy", str(appliances["httpd"]), "--host", f"ssh://root@{HOST_IP}:2")
    assert r.returncode == 1
    assert lines(r) == [
        f"rumpnet deploy: host root@{HOST_IP}:2 unreachable: "
        f"ssh: connect to host {HOST_IP} port 2: Connection refused"
    ]


def test_unreachable_address_gives_one_line(ssh_peer, appliances):
    r = ssh_peer.rumpnet("deploy", str(appliances["httpd"]), "--host", "ssh://root@192.0.2.3")
    assert r.returncode == 1
    (line,) = lines(r)
    assert line.startswith("rumpnet deploy: host root@192.0.2.3 unreachable: ssh: connect to")


def test_wrong_key_is_a_refused_login(ssh_peer, appliances):
    r = ssh_peer.rumpnet(
        "deploy",
        str(appliances["httpd"]),
        "--host",
        ssh_peer.url,
        "--identity",
        str(ssh_peer.dir / "id_other"),
        identity=False,
    )
    assert r.returncode == 1
    (line,) = lines(r)
    assert line.startswith(f"rumpnet deploy: host root@{HOST_IP} refused the login: ")
    assert "Permission denied" in line


def test_host_without_xl(ssh_peer, appliances):
    r = ssh_peer.rumpnet("deploy", str(appliances["httpd"]), "--host", ssh_peer.url)
    assert r.returncode == 1
    assert lines(r) == [f"rumpnet deploy: host root@{HOST_IP}: {XL_MISSING}"]


def test_bridge_missing_is_checked_before_anything_is_created(ssh_peer, appliances):
    r = ssh_peer.rumpnet("deploy", str(appliances["router"]), "--host", ssh_peer.url)
    assert r.returncode == 1
    assert lines(r) == [
        f"rumpnet deploy: host root@{HOST_IP}: bridge 'rndbr9' does not exist (needed by router)",
        f"rumpnet deploy: host root@{HOST_IP}: {XL_MISSING}",
    ]
    assert f"'{BRIDGE}'" not in r.stderr  # the bridge that exists is not reported


def test_fleet_preflight_reports_once_for_the_whole_fleet(ssh_peer, appliances, tmp_path):
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(
        textwrap.dedent(f"""\
        host = "{ssh_peer.url}"
        [[appliance]]
        dir = "{appliances["httpd"]}"
        count = 3
        [[appliance.nic]]
        prefix = "192.0.2.0/24"
        first = "192.0.2.10"
        """)
    )
    r = ssh_peer.rumpnet("deploy", "--fleet", str(fleet))
    assert r.returncode == 1
    assert lines(r) == [f"rumpnet deploy: host root@{HOST_IP}: {XL_MISSING}"]


def test_ps_and_undeploy_refuse_a_host_without_xl(ssh_peer):
    for args in (("ps",), ("undeploy", "web-0")):
        r = ssh_peer.rumpnet(*args, "--host", ssh_peer.url)
        assert r.returncode == 1, args
        assert lines(r) == [f"rumpnet {args[0]}: host root@{HOST_IP}: {XL_MISSING}"]


def test_keys_from_the_agent(ssh_peer, appliances):
    sock = ssh_peer.dir / "agent.sock"
    out = subprocess.run(
        ["ssh-agent", "-s", "-a", str(sock)], capture_output=True, text=True, check=True
    ).stdout
    pid = int(out.split("SSH_AGENT_PID=")[1].split(";")[0])
    try:
        env = {"SSH_AUTH_SOCK": str(sock)}
        before = ssh_peer.rumpnet(
            "deploy", str(appliances["httpd"]), "--host", ssh_peer.url, identity=False, env=env
        )
        assert "refused the login" in before.stderr  # no key in the agent yet
        subprocess.run(
            ["ssh-add", "-q", str(ssh_peer.identity)],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        r = ssh_peer.rumpnet(
            "deploy", str(appliances["httpd"]), "--host", ssh_peer.url, identity=False, env=env
        )
        assert lines(r) == [f"rumpnet deploy: host root@{HOST_IP}: {XL_MISSING}"]
    finally:
        os.kill(pid, signal.SIGTERM)


UPLOAD = """
import sys
from pathlib import Path
from tools.deploy.sshhost import DeployError, Host, Target
src, dest, digest, known = sys.argv[1:5]
opts = (f"UserKnownHostsFile={known}", "GlobalKnownHostsFile=/dev/null",
        "StrictHostKeyChecking=yes")
with Host(Target.parse("ssh://root@192.0.2.2"), Path(sys.argv[5]), opts) as h:
    try:
        h.upload(Path(src), dest, digest)
    except DeployError as e:
        print(e)
"""


def test_upload_arrives_intact_or_not_at_all(ssh_peer, tmp_path):
    src = tmp_path / "image.bin"
    src.write_bytes(os.urandom(300_000))
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    dest = tmp_path / "host" / "blobs" / digest  # the SSH host shares this file system
    args = [str(src), str(dest), digest, str(ssh_peer.dir / "known_hosts"), str(ssh_peer.identity)]
    r = ssh_peer.client([sys.executable, "-c", UPLOAD, *args])
    assert r.returncode == 0 and r.stdout == "", r.stderr
    assert dest.read_bytes() == src.read_bytes()
    bad = tmp_path / "host" / "bad"
    r = ssh_peer.client([sys.executable, "-c", UPLOAD, str(src), str(bad), "0" * 64, *args[3:]])
    assert r.stdout.strip() == (f"host root@{HOST_IP}: copying image.bin failed: checksum mismatch")
    assert sorted(p.name for p in bad.parent.iterdir()) == ["blobs"]  # no partial file left
