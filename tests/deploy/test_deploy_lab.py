"""`rumpnet deploy` to a real Xen host: the lab's dom0, running Debian's dropbear, from the
lab's host-side namespace with the real OpenSSH client.

Pre-flight checks need only a real dom0 (real `xl info`, real bridges, real domains),
so they run whenever the lab does. Deploying needs a bootable Xen httpd image: those
tests fail when the Xen image cannot be built. The apps report readiness through
hyp_state_set() (~/rumpnet/state/nic<N>/ipv4); the test of an appliance that never
reports runs only while no app does.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from gen.main import generate
from gen.profile import PROFILES_DIR
from gen.resolve import auto_mac
from tests.conftest import REPO
from tests.deploy.conftest import quiet

pytestmark = pytest.mark.lab
FLEET_PREFIX, FLEET_FIRST = "192.0.2.0/24", "192.0.2.60"  # below the lab's DHCP range


def lines(r) -> list[str]:
    return [x for x in r.stderr.splitlines() if x.strip()]


def dom0_domains(lab) -> list[str]:
    return [d["name"] for d in lab.domains()]


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> dict[str, Path]:
    """Appliances for the pre-flight: no image needed, the checks come first."""
    base = tmp_path_factory.mktemp("pre")
    return {
        "httpd": generate("httpd", base / "h", [], (), quiet),
        "big": generate("httpd", base / "big", ["memory=60000"], (), quiet),
        "nobridge": generate("httpd", base / "nb", ['nic.0.bridge="xenbr9"'], (), quiet),
    }


def test_memory_check_reads_xl_info(dom0_peer, xen_lab, plain):
    free = int(xen_lab.info()["free_memory"])
    r = dom0_peer.rumpnet("deploy", str(plain["big"]), "--host", dom0_peer.url)
    assert r.returncode == 1
    host = dom0_peer.url.removeprefix("ssh://")
    assert lines(r) == [
        f"rumpnet deploy: host {host}: not enough free memory: 60000 MiB "
        f"needed, {free} MiB free (xl info)"
    ]


def test_missing_bridge_on_a_real_dom0(dom0_peer, plain):
    r = dom0_peer.rumpnet("deploy", str(plain["nobridge"]), "--host", dom0_peer.url)
    assert r.returncode == 1
    host = dom0_peer.url.removeprefix("ssh://")
    assert lines(r) == [
        f"rumpnet deploy: host {host}: bridge 'xenbr9' does not exist (needed by httpd)"
    ]


def test_name_taken_by_a_foreign_domain(dom0_peer, plain):
    r = dom0_peer.rumpnet(
        "deploy", str(plain["httpd"]), "--name", "Domain-0", "--host", dom0_peer.url
    )
    assert r.returncode == 1
    host = dom0_peer.url.removeprefix("ssh://")
    assert lines(r) == [
        f"rumpnet deploy: host {host}: name 'Domain-0' is taken by domain 0, "
        "which rumpnet did not deploy"
    ]


def test_ps_and_undeploy_leave_foreign_domains_alone(dom0_peer, xen_lab):
    r = dom0_peer.rumpnet("ps", "--host", dom0_peer.url, "--json")
    assert r.returncode == 0, r.stderr
    assert "Domain-0" not in [d["name"] for d in json.loads(r.stdout)]
    r = dom0_peer.rumpnet("undeploy", "Domain-0", "--host", dom0_peer.url)
    assert r.returncode == 1
    assert lines(r) == ["rumpnet undeploy: Domain-0: domain 0 was not deployed by rumpnet"]
    assert "Domain-0" in dom0_domains(xen_lab)


# ------------------------------------------------------------ with a Xen appliance


def curl(lab, address: str, timeout: float = 60) -> str:
    """GET / from the lab namespace, retrying while the appliance comes up."""
    ip = address.split("/")[0]
    deadline = time.monotonic() + timeout
    while True:
        r = lab.run_host(["curl", "-sS", "--max-time", "5", f"http://{ip}/"])
        if r.returncode == 0 or time.monotonic() > deadline:
            assert r.returncode == 0, f"{ip}: {r.stderr}"
            return r.stdout
        time.sleep(1)


def host_files(lab) -> list[str]:
    return lab.check("ls -A /var/lib/rumpnet/instances /var/lib/rumpnet/blobs").split()


NO_FILES = ["/var/lib/rumpnet/blobs:", "/var/lib/rumpnet/instances:"]


def test_single_httpd(dom0_peer, xen_lab, xen_appliance):
    """Deploy, parameters and marker in xenstore with their permissions, the appliance
    answers curl on the address it leased, ps shows it, undeploy leaves nothing."""
    index = (PROFILES_DIR / "content" / "httpd" / "index.html").read_text()
    r = dom0_peer.rumpnet(
        "deploy",
        str(xen_appliance),
        "--name",
        "rnd-web",
        "--no-wait",
        "--set",
        "log_level=debug",
        "--host",
        dom0_peer.url,
        "--json",
    )
    try:
        assert r.returncode == 0, r.stderr
        (res,) = json.loads(r.stdout)
        domid = res["domid"]
        assert res["status"] == "created" and domid > 0
        perms = xen_lab.check(
            f"xenstore-ls -p /local/domain/{domid} | grep -E "
            "'^(rumpnet|rumpnet-deployed| log_level| state| name) '"
        )
        got = {x.split()[0]: x.split()[-1] for x in perms.splitlines()}
        assert got == {
            "rumpnet-deployed": f"(n0,r{domid})",
            "rumpnet": f"(n0,r{domid})",
            "log_level": f"(n0,r{domid})",
            "name": f"(n0,r{domid})",
            "state": f"(n{domid})",
        }
        marker = json.loads(xen_lab.check(f"xenstore-read /local/domain/{domid}/rumpnet-deployed"))
        assert marker["by"] == "rumpnet" and marker["kind"] == "httpd"
        ip = xen_lab.wait_lease(auto_mac("rnd-web", 0), timeout=60)
        assert curl(xen_lab, ip) == index
        ps = json.loads(dom0_peer.rumpnet("ps", "--host", dom0_peer.url, "--json").stdout)
        assert [(d["name"], d["domid"]) for d in ps] == [("rnd-web", domid)]
    finally:
        u = dom0_peer.rumpnet("undeploy", "rnd-web", "--host", dom0_peer.url)
    assert u.returncode == 0, u.stderr
    assert "rnd-web" not in dom0_domains(xen_lab)
    assert host_files(xen_lab) == NO_FILES


def test_fleet_of_three_with_a_failure_rolled_back(dom0_peer, xen_lab, xen_appliance, tmp_path):
    """Three instances on static addresses from a pool (parameters through xenstore),
    each answering curl; a fourth fails after `xl create` (xenstore refuses its parameter:
    a key longer than xenstore's path limit) and is rolled back without stopping the
    others; a re-run changes nothing; undeploying the fleet leaves nothing behind."""
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(
        textwrap.dedent(f"""\
        name = "rnd"
        [[appliance]]
        dir = "{xen_appliance}"
        count = 4
        name = "rnd-web-{{index}}"
        [[appliance.nic]]
        prefix = "{FLEET_PREFIX}"
        first = "{FLEET_FIRST}"
        [[appliance.instance]]
        index = 3
        set = {{ "{"k" * 3100}" = "x" }}
        """)
    )
    args = ("--fleet", str(fleet), "--host", dom0_peer.url, "--no-wait")
    good = [f"rnd-web-{i}" for i in range(3)]
    try:
        t0 = time.monotonic()
        r = dom0_peer.rumpnet("deploy", *args, "--json")
        elapsed = time.monotonic() - t0
        assert r.returncode == 1, r.stderr  # one instance failed
        res = {x["name"]: x for x in json.loads(r.stdout)}
        assert [res[n]["status"] for n in good] == ["created"] * 3, r.stderr
        assert res["rnd-web-3"]["status"] == "failed"
        assert "writing the parameters of rnd-web-3 to xenstore failed" in res["rnd-web-3"]["error"]
        assert "rnd-web-3" not in dom0_domains(xen_lab)  # rolled back
        for i in range(len(good)):
            assert curl(xen_lab, f"192.0.2.{60 + i}")
        again = dom0_peer.rumpnet("deploy", *args, "--json")
        res2 = {x["name"]: x for x in json.loads(again.stdout)}
        assert [res2[n]["status"] for n in good] == ["unchanged"] * 3
        assert [res2[n]["domid"] for n in good] == [res[n]["domid"] for n in good]
        assert res2["rnd-web-3"]["status"] == "failed"
        taken = dom0_peer.rumpnet(
            "deploy",
            str(xen_appliance),
            "--name",
            "rnd-web-0",
            "--host",
            dom0_peer.url,
            "--no-wait",
        )
        assert taken.returncode == 1
        assert lines(taken) == [
            f"rumpnet deploy: host {dom0_peer.url.removeprefix('ssh://')}: name 'rnd-web-0' "
            f"is taken by a rumpnet domain (domid {res['rnd-web-0']['domid']}) with another "
            "configuration: undeploy it first"
        ]
        print(f"fleet of 4 (3 up, 1 rolled back) deployed in {elapsed:.1f} s")
    finally:
        u = dom0_peer.rumpnet("undeploy", "--fleet", str(fleet), "--host", dom0_peer.url)
    assert u.returncode == 0, u.stderr
    assert not [n for n in dom0_domains(xen_lab) if n.startswith("rnd-")]
    ps = json.loads(dom0_peer.rumpnet("ps", "--host", dom0_peer.url, "--json").stdout)
    assert ps == []
    assert host_files(xen_lab) == NO_FILES


def _readiness_writers() -> list[str]:
    return subprocess.run(
        ["grep", "-rlE", r"hyp_state_set\(", "appliance/apps/"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.split()


@pytest.fixture(scope="module")
def ready_appliance(xen_appliance) -> Path:
    if not _readiness_writers():
        pytest.skip(
            "no appliance source writes ~/rumpnet/state/nic<N>/ipv4 yet: "
            "deploy cannot learn the addresses (see tools/deploy/__init__.py)"
        )
    return xen_appliance


def test_deploy_waits_for_the_reported_address(dom0_peer, xen_lab, ready_appliance):
    r = dom0_peer.rumpnet(
        "deploy",
        str(ready_appliance),
        "--name",
        "rnd-wait",
        "--host",
        dom0_peer.url,
        "--json",
        "--timeout",
        "90",
    )
    try:
        assert r.returncode == 0, r.stderr
        (res,) = json.loads(r.stdout)
        assert res["status"] == "running"
        leased = xen_lab.wait_lease(auto_mac("rnd-wait", 0), timeout=5)
        assert res["addresses"]["nic0"].split("/")[0] == leased
        assert curl(xen_lab, leased)
    finally:
        dom0_peer.rumpnet("undeploy", "rnd-wait", "--host", dom0_peer.url)


def test_an_appliance_that_never_reports_is_rolled_back(dom0_peer, xen_lab, xen_appliance):
    """The wait and its roll-back on a real domain: while appliances do not report their
    addresses yet, waiting must end at --timeout with a clear line and no domain left."""
    if _readiness_writers():
        pytest.skip("the appliance reports its addresses: test_deploy_waits_... covers waiting")
    t0 = time.monotonic()
    r = dom0_peer.rumpnet(
        "deploy",
        str(xen_appliance),
        "--name",
        "rnd-mute",
        "--host",
        dom0_peer.url,
        "--timeout",
        "3",
    )
    elapsed = time.monotonic() - t0
    assert r.returncode == 1
    (line,) = [x for x in lines(r) if x.startswith("rumpnet deploy: rnd-mute:")]
    assert "reported no address within 3 s" in line and "--no-wait" in line
    assert "rnd-mute" not in dom0_domains(xen_lab)
    assert host_files(xen_lab) == NO_FILES
    assert elapsed < 30
