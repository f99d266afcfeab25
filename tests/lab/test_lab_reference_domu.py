"""The Linux reference DomU on the lab network: DHCP from the host namespace's dnsmasq,
ping and HTTP from the host namespace, two bridges, vif detach/attach."""

from __future__ import annotations

import json
import time

import pytest

from tests.lab.waiting import run_and_expect
from tools.lab.guests import record_guest_type
from tools.lab.xl import mac_for, parse_network_list, vif_spec

pytestmark = pytest.mark.lab


def ping(lab, addr: str, count: int = 2) -> bool:
    return lab.run_host(["ping", "-c", str(count), "-W", "2", addr]).returncode == 0


def http_get(lab, addr: str) -> str | None:
    r = lab.run_host(["curl", "-s", "-m", "5", "-o", "-", "-w", " %{http_code}", f"http://{addr}/"])
    return r.stdout if r.returncode == 0 and r.stdout.endswith(" 200") else None


def test_dhcp_ping_http(lab, ref_guest):
    t0 = time.monotonic()
    guest = ref_guest("rnlab-ref-a")
    timings = dict(guest.timings)
    ip = guest.wait_address(lab, 0)
    timings["dhcp_bound"] = round(time.monotonic() - t0, 2)
    assert ip.startswith("192.0.2.")
    assert ping(lab, ip, count=3)
    body = run_and_expect(lambda: http_get(lab, ip), 30, 0.5, f"HTTP 200 from {ip}")
    timings["http_200"] = round(time.monotonic() - t0, 2)
    assert body == "rnref rnlab-ref-a ok\n 200"
    record_guest_type(lab, "pv", "works (Linux PV DomU: DHCP, ping, HTTP)")
    (lab.run_dir / "domu-timings.json").write_text(json.dumps(timings) + "\n")
    print(f"reference DomU timings (s after xl create started): {timings}")


def test_two_bridges(lab, ref_guest):
    guest = ref_guest("rnlab-ref-b", bridges=("xenbr0", "xenbr1"))
    ip0 = guest.wait_address(lab, 0)
    ip1 = guest.wait_address(lab, 1)
    assert ip0.startswith("192.0.2.") and ip1.startswith("198.51.100.")
    assert ping(lab, ip0) and ping(lab, ip1)
    # each address is reached through its own bridge: the vifs sit on different dom0 bridges
    brif = lab.check("ls /sys/class/net/xenbr0/brif /sys/class/net/xenbr1/brif")
    domid = lab.check(["xl", "domid", guest.name]).strip()
    br0, br1 = brif.split("/sys/class/net/xenbr1/brif:")
    assert f"vif{domid}.0" in br0 and f"vif{domid}.1" in br1


def test_vif_detach_attach(lab, ref_guest):
    guest = ref_guest("rnlab-ref-c")
    ip = guest.wait_address(lab, 0)
    assert ping(lab, ip)
    lab.xl("network-detach", guest.name, "0", timeout=60)
    assert parse_network_list(lab.xl("network-list", guest.name)) == []
    assert not ping(lab, ip, count=2)
    lab.wait_console(guest.name, r"eth0 gone", timeout=20)
    mac = mac_for(guest.name, 7)
    seen = len(lab.console(guest.name))
    lab.xl("network-attach", guest.name, *vif_spec("xenbr0", mac).split(","), timeout=60)
    vifs = parse_network_list(lab.xl("network-list", guest.name))
    assert [v["mac"] for v in vifs] == [mac]
    m = lab.wait_console(guest.name, r"rnref: eth(\d+) bound ([0-9.]+)/", timeout=60, after=seen)
    ip2 = lab.wait_lease(mac, timeout=10, since=guest.created)
    assert m.group(2) == ip2
    assert ping(lab, ip2)


def test_dom0_stays_sound_beside_busy_guests(lab, ref_guest):
    """Two DomUs burning their vCPUs must not disturb dom0's processes (with XSAVE
    exposed to Xen under QEMU TCG, a third of dom0's commands crashed here)."""
    for n in range(2):
        ref_guest(f"rnlab-busy{n}", bridges=(), busy=True)
    for n in range(2):
        lab.wait_console(f"rnlab-busy{n}", "rnref: ready", timeout=90)
    want = "ABCDEFGHIJKLMNOPQRSTUVW-0123456789\nok\n"
    script = "echo abcdefghijklmnopqrstuvwxyz0123456789 | tr a-z A-Z | sed s/XYZ/-/; "
    script += "xl list >/dev/null && echo ok"
    results = [lab.exec(script, timeout=30) for _ in range(40)]
    bad = [r for r in results if r != (0, want)]
    assert bad == [], f"{len(bad)} of 40 dom0 commands went wrong: {bad[:3]}"
