"""The router appliance as a Xen DomU between the lab's two bridges: forwarding, the
router hop in traceroute, ICMP time exceeded for TTL 1, net unreachable for an address
no route covers - the same checks as tests/posix/test_router.py, on Xen.

Topology: rnx<tag>0 (192.0.2.81/24, default via 192.0.2.80) -- lab bridge rnlabbr0 --
dom0 xenbr0 -- router (nic0 192.0.2.80, nic1 198.51.100.80) -- xenbr1 -- rnlabbr1 --
rnx<tag>1 (198.51.100.81/25, default via 198.51.100.80); 198.51.100.200 (the
other half of the /24) is covered by no route. The lab's own namespace also
sits on both bridges (at .2), so the end hosts use their own namespaces.
"""

from __future__ import annotations

import pytest

from tests.xen.conftest import in_ns, mac_for, run_and_expect


@pytest.fixture
def routed(xen_lab, domu, host_ns, request):
    a = host_ns(xen_lab.bridges[0], "192.0.2.81/24", gw="192.0.2.80")
    b = host_ns(xen_lab.bridges[1], "198.51.100.81/25", gw="198.51.100.80")
    dom = domu(
        "router",
        macs=[mac_for(request, 0), mac_for(request, 1)],
        params={"nic0.ipv4": "192.0.2.80/24", "nic1.ipv4": "198.51.100.80/25", "routes": "0"},
    )
    dom.wait_console(r"rumpnet: router forwarding nics=2", timeout=60)
    dom.wait_console(r"rumpnet: nic1 up ipv4=198.51.100.80/25", timeout=30)
    return a, b, dom


def ping(ns: str, *args: str):
    return in_ns(ns, "ping", "-n", "-W", "2", *args, timeout=30)


def test_ping_across_and_each_interface(routed):
    a, b, _ = routed
    assert ping(a, "-c", "3", "-i", "0.3", "198.51.100.81").returncode == 0
    assert ping(b, "-c", "3", "-i", "0.3", "192.0.2.81").returncode == 0
    assert ping(a, "-c", "1", "192.0.2.80").returncode == 0
    assert ping(a, "-c", "1", "198.51.100.80").returncode == 0


def test_traceroute_shows_the_router_hop(routed):
    a, _, _ = routed
    out = in_ns(a, "traceroute", "-n", "-q", "1", "-w", "2", "198.51.100.81").stdout
    hops = [line.split()[1] for line in out.splitlines()[1:]]
    assert hops[:2] == ["192.0.2.80", "198.51.100.81"], out


def test_ttl_1_gives_time_exceeded(routed):
    a, _, _ = routed
    out = ping(a, "-c", "1", "-t", "1", "198.51.100.81").stdout
    assert "From 192.0.2.80" in out and "Time to live exceeded" in out, out


def test_unrouted_destination_gives_net_unreachable(routed):
    a, _, _ = routed
    out = ping(a, "-c", "1", "198.51.100.200").stdout
    assert "From 192.0.2.80" in out and "Unreachable" in out, out


def test_second_vif_detached_and_attached_again(routed, dom0, request):
    """Only nic1 goes away and comes back (as devid 1 again): nic0 keeps its vif, nic1
    reconnects, and forwarding resumes."""
    a, _, dom = routed
    assert ping(a, "-c", "2", "-i", "0.3", "198.51.100.81").returncode == 0
    dom0.exec(["xl", "network-detach", dom.name, "1"], 60)
    dom.wait_console(r"netfront: vif/1 disconnected", timeout=30)
    assert ping(a, "-c", "1", "192.0.2.80").returncode == 0  # nic0 untouched
    assert ping(a, "-c", "1", "198.51.100.81").returncode != 0
    rc, out = dom0.exec(
        ["xl", "network-attach", dom.name, f"mac={mac_for(request, 1)}", "bridge=xenbr1"], 60
    )
    assert rc == 0, out
    dom.wait_console(r"netfront: vif/1 reconnected: .* reconnects=1", timeout=30)
    ok = run_and_expect(
        lambda: ping(a, "-c", "1", "198.51.100.81").returncode == 0, 15, 1, "forwarding again"
    )
    assert ok
    assert "netfront: vif/0 disconnected" not in dom.console()
