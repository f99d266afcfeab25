"""The router appliance between two host namespaces: forwarding, ICMP errors,
fragmentation, static routes.

Topology: rnp<tag>0 (192.0.2.2/24, default via 192.0.2.1) -- router -- rnp<tag>1
(198.51.100.2/25, default via 198.51.100.1, plus 198.51.100.130/32 on lo, reached
from the router by the static route 198.51.100.128/26 via 198.51.100.2). The router's
nic1 has MTU 1400. 198.51.100.200 is covered by no route: net unreachable.
"""

from __future__ import annotations

import subprocess

import pytest
from posixrig import need


@pytest.fixture
def routed(binaries, net, appliance):
    a, tap_a = net.lan(0, "192.0.2.2/24", gateway="192.0.2.1")
    b, tap_b = net.lan(1, "198.51.100.2/25", gateway="198.51.100.1")
    subprocess.run(["ip", "-n", b, "addr", "add", "198.51.100.130/32", "dev", "lo"], check=True)
    app = appliance(
        binaries["router"],
        "nics=2",
        f"nic0.tap={tap_a}",
        f"nic0.netns={a}",
        f"nic1.tap={tap_b}",
        f"nic1.netns={b}",
        "nic1.mtu=1400",
        "routes=1",
        "route0=198.51.100.128/26 via 198.51.100.2",
    )
    app.wait_line(r"rumpnet: router forwarding nics=2 routes=1")
    app.wait_line(r"rumpnet: nic1 up ipv4=198.51.100.1/25")
    return a, b, app


def ping(ns: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["ip", "netns", "exec", ns, need("ping"), "-n", "-W", "2", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_ping_across_and_each_interface(routed):
    a, b, _ = routed
    assert ping(a, "-c", "3", "-i", "0.2", "198.51.100.2").returncode == 0
    assert ping(b, "-c", "3", "-i", "0.2", "192.0.2.2").returncode == 0
    assert ping(a, "-c", "1", "192.0.2.1").returncode == 0  # router, near side
    assert ping(a, "-c", "1", "198.51.100.1").returncode == 0  # router, far side


def test_traceroute_shows_the_router_hop(routed):
    a, _, _ = routed
    out = subprocess.run(
        # Probes one at a time (-N 1), so the far host's own ICMP rate limit
        # (Linux: a burst of 6 per destination) never eats a hop's answer.
        [
            "ip",
            "netns",
            "exec",
            a,
            need("traceroute"),
            "-n",
            "-N",
            "1",
            "-q",
            "2",
            "-w",
            "2",
            "-m",
            "5",
            "198.51.100.2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    hops = [line.split()[1] for line in out.splitlines()[1:]]
    assert hops[:2] == ["192.0.2.1", "198.51.100.2"], out


def test_ttl_1_gives_time_exceeded(routed):
    a, _, _ = routed
    out = ping(a, "-c", "1", "-t", "1", "198.51.100.2").stdout
    assert "From 192.0.2.1" in out and "Time to live exceeded" in out, out


def test_no_route_gives_net_unreachable(routed):
    a, _, _ = routed
    out = ping(a, "-c", "1", "198.51.100.200").stdout  # outside /25 and the /26 route
    assert "From 192.0.2.1" in out and "Destination Net Unreachable" in out, out


def test_df_too_big_gives_frag_needed_with_mtu(routed):
    a, _, _ = routed
    out = ping(a, "-c", "1", "-M", "do", "-s", "1450", "198.51.100.2").stdout
    assert "Frag needed and DF set (mtu = 1400)" in out, out


def test_df_clear_is_fragmented(routed):
    a, _, _ = routed
    # The first packet finds no neighbour entry yet: fragmented into lwIP's ARP queue.
    out = ping(a, "-c", "3", "-i", "0.2", "-M", "dont", "-s", "1450", "198.51.100.2").stdout
    assert " 0% packet loss" in out, out
    out = ping(a, "-c", "2", "-i", "0.2", "-M", "dont", "-s", "4000", "198.51.100.2").stdout
    assert " 0% packet loss" in out, out


def test_static_route_longest_prefix(routed):
    a, _, _ = routed
    assert ping(a, "-c", "2", "-i", "0.2", "198.51.100.130").returncode == 0
