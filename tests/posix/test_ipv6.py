"""IPv6: link-local address and SLAAC from a router advertisement (dnsmasq's RA),
then ping6 and HTTP over IPv6 to the httpd.
"""

from __future__ import annotations

import subprocess

from posixrig import need


def test_slaac_ping6_and_http(binaries, content, net, appliance, tmp_path):
    ns, tap = net.lan(0, "192.0.2.1/24")
    subprocess.run(
        ["ip", "-n", ns, "addr", "add", "2001:db8:1::1/64", "dev", "rnpbr0", "nodad"], check=True
    )
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
        "--enable-ra",
        "--ra-param=rnpbr0,3",
        "--dhcp-range=2001:db8:1::,ra-only,64",
        f"--dhcp-leasefile={tmp_path / 'leases'}",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = appliance(
        binaries["httpd"],
        f"nic0.tap={tap}",
        f"nic0.netns={ns}",
        "nic0.mode=static",
        "nic0.ipv4=192.0.2.10/24",
        "nic0.ipv6=slaac",
        f"content={content[0]}",
    )
    app.wait_line(r"rumpnet: nic0 up ipv6=fe80::")
    addr = app.wait_line(r"rumpnet: nic0 up ipv6=(2001:db8:1:[0-9a-f:]+) ", 30).group(1)
    ping = subprocess.run(
        ["ip", "netns", "exec", ns, "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", addr],
        capture_output=True,
        text=True,
    )
    assert ping.returncode == 0, ping.stdout
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
            "-g",
            f"http://[{addr}]/index.html",
        ],
        capture_output=True,
    )
    assert got.stdout == content[1]["index.html"], got.stderr
