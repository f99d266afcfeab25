"""The httpd appliance as a Xen DomU in the lab, probed from the lab's host namespace
(rnlab0, 192.0.2.2 on the bridge behind dom0's xenbr0): DHCP from the lab's dnsmasq,
ARP and ping, every archived file over HTTP byte for byte, the netfront counters, and
the vif detached and attached again (`xl network-detach` / `network-attach`) with the
appliance answering afterwards.
"""

from __future__ import annotations

import hashlib
import re
import stat

import pytest

from gen.archive import read as read_cpio
from tests.xen.conftest import mac_for, run_and_expect


def curl(lab, url: str, *extra: str):
    return lab.run_host(["curl", "-s", "-m", "10", *extra, url], timeout=30)


def test_dhcp_lease_from_lab_dnsmasq(xen_lab, domu, request):
    mac = mac_for(request)
    dom = domu("httpd", macs=[mac])
    leased = xen_lab.wait_lease(mac, timeout=90)
    assert dom.wait_ipv4(0, timeout=60) == leased
    assert dom.addresses()[0]["ipv4"] == f"{leased}/24"


def test_arp_and_ping_from_host_namespace(xen_lab, domu, request):
    mac = mac_for(request)
    dom = domu("httpd", macs=[mac], params={"nic0.mode": "static", "nic0.ipv4": "192.0.2.74/24"})
    dom.wait_ipv4(0, timeout=60)
    ping = xen_lab.run_host(
        ["ping", "-n", "-c", "3", "-i", "0.3", "-W", "2", "192.0.2.74"], timeout=30
    )
    assert ping.returncode == 0, ping.stdout
    assert "3 received" in ping.stdout
    neigh = xen_lab.run_host(["ip", "neigh", "show", "192.0.2.74"]).stdout
    assert f"lladdr {mac}" in neigh, neigh


def test_every_archived_file_matches(xen_lab, domu, xen_appliance, request):
    directory = xen_appliance("httpd")
    files = [
        e for e in read_cpio((directory / "content.cpio").read_bytes()) if stat.S_ISREG(e.mode)
    ]
    assert files, "the archive has no files"
    dom = domu(
        "httpd",
        macs=[mac_for(request)],
        params={"nic0.mode": "static", "nic0.ipv4": "192.0.2.75/24"},
    )
    dom.wait_console(r"httpd listening", timeout=60)
    for e in files:
        got = xen_lab.run_host(
            ["curl", "-s", "-m", "10", "-w", "\n%{http_code}", f"http://192.0.2.75/{e.name}"],
            timeout=30,
            text=False,
        )
        body, _, code = got.stdout.rpartition(b"\n")
        assert code == b"200", (e.name, code)
        assert hashlib.sha256(body).digest() == hashlib.sha256(e.data).digest(), e.name


def test_netfront_counters_on_console_and_status(xen_lab, domu, dom0, request):
    dom = domu(
        "httpd",
        macs=[mac_for(request)],
        params={"nic0.mode": "static", "nic0.ipv4": "192.0.2.76/24"},
    )
    dom.wait_console(r"httpd listening", timeout=60)
    status = curl(xen_lab, "http://192.0.2.76/.rumpnet/status").stdout
    m = re.search(r'"name":"vif/0","tx":(\d+),"rx":(\d+)', status)
    assert m and int(m.group(1)) > 0 and int(m.group(2)) > 0, status
    seen = len(dom.console())
    dom0.exec(["xl", "debug-keys", "q"])  # Xen sends VIRQ_DEBUG: netfront prints
    line = dom.wait_console(
        r"netfront: vif/0 counters: tx=(\d+) rx=(\d+) .* errors=(\d+)", timeout=20, since=seen
    )
    assert int(line.group(1)) > 0 and int(line.group(2)) > 0
    assert int(line.group(3)) == 0


def test_vif_detach_and_attach_again(xen_lab, domu, dom0, request):
    mac = mac_for(request)
    dom = domu("httpd", macs=[mac], params={"nic0.mode": "static", "nic0.ipv4": "192.0.2.77/24"})
    dom.wait_console(r"httpd listening", timeout=60)

    def serves():
        return (
            curl(xen_lab, "http://192.0.2.77/", "-o", "/dev/null", "-w", "%{http_code}").stdout
            == "200"
        )

    run_and_expect(serves, 15, 1, "HTTP 200 before detach")
    dom0.exec(["xl", "network-detach", dom.name, "0"], 60)
    dom.wait_console(r"netfront: vif/0 disconnected", timeout=30)
    assert not serves()
    rc, out = dom0.exec(["xl", "network-attach", dom.name, f"mac={mac}", "bridge=xenbr0"], 60)
    assert rc == 0, out
    dom.wait_console(r"netfront: vif/0 reconnected: .* reconnects=1", timeout=30)
    run_and_expect(serves, 20, 1, "HTTP 200 after re-attach")


# The floor. The PV domain builder maps the image from VIRT_BASE up to the next 4 MiB
# boundary and refuses a domain smaller than that mapping ("count_pgtables: not enough
# memory for initial mapping"): with minios's VIRT_BASE 0x100000 that is 0x2ff pages, so
# 3 MiB serves and 2 MiB cannot even be built. strict: a lower floor XPASSes and fails,
# so this list is updated (VIRT_BASE 0x200000 was measured to serve at 2 MiB).
@pytest.mark.parametrize(
    "memory",
    [
        4,
        3,
        pytest.param(
            2, marks=pytest.mark.xfail(strict=True, reason="PV builder: initial mapping > 2 MiB")
        ),
    ],
)
def test_serves_with_small_memory(xen_lab, domu, request, memory):
    from tools.xen_run import XenRunError

    try:
        dom = domu(
            "httpd",
            memory=memory,
            macs=[mac_for(request)],
            params={"nic0.mode": "static", "nic0.ipv4": "192.0.2.78/24"},
        )
    except XenRunError as e:
        pytest.fail(f"memory = {memory}: the domain was not created: {e}")
    dom.wait_console(r"httpd listening", timeout=60)
    got = curl(xen_lab, "http://192.0.2.78/", "-o", "/dev/null", "-w", "%{http_code}")
    assert got.stdout == "200"


def test_serves_as_pvh(xen_lab, domu, request):
    """The same image and driver as a PVH guest (grants carry GFNs there)."""
    dom = domu(
        "httpd",
        macs=[mac_for(request)],
        params={"nic0.mode": "static", "nic0.ipv4": "192.0.2.79/24"},
        extra_cfg={"type": "pvh", "tsc_mode": "native"},  # tsc_mode: see LAB_NOTES.md
    )
    dom.wait_console(r"minios booting as PVH", timeout=60)
    dom.wait_console(r"httpd listening", timeout=60)
    # listening is not yet reachable: the vif's hotplug and netback's Connected state
    # come after; under nested emulation that can outlast one curl (seen in CI).
    run_and_expect(
        lambda: (
            curl(xen_lab, "http://192.0.2.79/", "-o", "/dev/null", "-w", "%{http_code}").stdout
            == "200"
        ),
        count=6,
        wait=1.0,
        what="HTTP 200 from the PVH httpd",
    )


def test_ipv6_link_local_ping_and_http(xen_lab, domu, request):
    """Neighbour discovery (multicast through netback), ping6 and HTTP over IPv6."""
    dom = domu(
        "httpd",
        macs=[mac_for(request)],
        params={"nic0.mode": "static", "nic0.ipv4": "192.0.2.69/24"},
    )
    addr = dom.wait_console(r"rumpnet: nic0 up ipv6=(fe80:\S+) ", timeout=60).group(1)
    dev = xen_lab.bridges[0]
    ping = xen_lab.run_host(["ping", "-6", "-n", "-c", "3", "-W", "2", f"{addr}%{dev}"])
    assert ping.returncode == 0, ping.stdout
    got = curl(xen_lab, f"http://[{addr}%25{dev}]/", "-g", "-o", "/dev/null", "-w", "%{http_code}")
    assert got.stdout == "200"
