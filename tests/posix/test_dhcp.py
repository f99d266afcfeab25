"""DHCP: dnsmasq from Debian hands the httpd its address and the lease is renewed.

dnsmasq runs in the peer namespace on the bridge with a 2-minute lease (its minimum)
and the renewal time T1 (option 58) set to 5 s, which the client must honour (lwIP's
lease timers tick every second in rumpnet: rumptcpip/patches/0001, 0002); the renewal
is seen in dnsmasq's log as a second DHCPACK for the same address within 15 s.
"""

from __future__ import annotations

import re
import subprocess

from posixrig import need, run_and_expect


def test_dhcp_address_and_renewal(binaries, content, net, appliance, tmp_path):
    ns, tap = net.lan(0, "192.0.2.1/24")
    log = tmp_path / "dnsmasq.log"
    net.spawn(
        ns,
        need("dnsmasq"),
        "--keep-in-foreground",
        "--no-resolv",
        "--no-hosts",
        "--port=0",
        "--interface=rnpbr0",
        "--bind-interfaces",
        "--pid-file=",
        "--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,2m",
        "--dhcp-option=option:T1,5",
        "--dhcp-option=option:T2,50",
        f"--dhcp-leasefile={tmp_path / 'leases'}",
        "--log-dhcp",
        f"--log-facility={log}",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = appliance(
        binaries["httpd"],
        f"nic0.tap={tap}",
        f"nic0.netns={ns}",
        "nic0.mode=dhcp",
        "nic0.ipv6=off",
        "name=rnp-dhcp-test",
        f"content={content[0]}",
    )
    m = app.wait_line(r"rumpnet: nic0 up ipv4=(192\.0\.2\.1[0-5]\d)/24 gw=192\.0\.2\.1 ", 30)
    addr = m.group(1)
    ping = subprocess.run(
        ["ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", addr], capture_output=True
    )
    assert ping.returncode == 0

    def acks() -> int:
        text = log.read_text() if log.exists() else ""
        return len(re.findall(rf"DHCPACK\(rnpbr0\) {re.escape(addr)} ", text))

    assert run_and_expect(lambda: acks() >= 2, count=30, wait=0.5), log.read_text()
    assert "rnp-dhcp-test" in log.read_text()  # the hostname option went out
