"""The rig's DHCP server against a real client (busybox udhcpc) in a namespace.

If these fail, every DHCP check result is suspect: the server itself is wrong.
"""

import shutil
import time

import pytest

from nettests.dhcpclient import UdhcpcClient
from nettests.dhcpd import DhcpServer
from nettests.topo import Topology
from nettests.wire import Port, run_and_expect

pytestmark = pytest.mark.skipif(not shutil.which("busybox"), reason="busybox not installed")


@pytest.fixture(scope="module")
def lan():
    topo = Topology()
    try:
        sw = topo.add_netns("stsw")
        srv_ns = topo.add_netns("stsrv")
        topo.add_bridge(sw, "br0")
        topo.add_veth(sw, "br0", "srv0", srv_ns, "eth0")
        port = Port(srv_ns, "eth0", "dhcpd")
        yield topo, sw, port
        port.close()
    finally:
        topo.close()


def _client(lan):
    topo, sw, _ = lan
    return UdhcpcClient(topo, sw, "br0")


def test_lease_is_configured_on_the_client(lan):
    _, _, port = lan
    client = _client(lan)
    srv = DhcpServer(port, "192.0.2.1", pool=["192.0.2.33"], prefixlen=24, lease=600)
    srv.only_mac = client.mac
    with srv:
        client.start()
        try:
            got = run_and_expect(client.addresses, 10, 0.1)
        finally:
            client.stop()
    assert got == ["192.0.2.33/24"], f"client configured {got}; log:\n{client.output}"
    kinds = [s.kind for s in srv.log]
    assert kinds[:2] == ["discover", "request"], kinds
    assert [k for k, _ in srv.sent][:2] == ["offer", "ack"]


def test_overloaded_options_are_read_by_the_client(lan):
    _, _, port = lan
    client = _client(lan)
    srv = DhcpServer(port, "192.0.2.1", pool=["192.0.2.34"], prefixlen=24, lease=600)
    srv.only_mac = client.mac
    srv.overload = True
    with srv:
        client.start()
        try:
            req = srv.wait_for("request", 10)
            got = run_and_expect(client.addresses, 10, 0.1)
        finally:
            client.stop()
    assert req is not None and req.opts.get("server_id") == "192.0.2.1"
    assert got == ["192.0.2.34/24"]
    assert "lease time 600" in client.output


def test_nak_sends_the_client_back_to_discover(lan):
    _, _, port = lan
    client = _client(lan)
    srv = DhcpServer(port, "192.0.2.1", pool=["192.0.2.35"], prefixlen=24)
    srv.only_mac = client.mac
    srv.nak_requests = True
    with srv:
        client.start()
        try:
            first = srv.wait_for("request", 10)
            again = srv.wait_for("discover", 15, after=srv.log.index(first) + 1)
        finally:
            client.stop()
    assert again is not None
    assert "nak" in client.output.lower(), client.output


def test_silent_server_means_no_lease(lan):
    _, _, port = lan
    client = _client(lan)
    srv = DhcpServer(port, "192.0.2.1", pool=["192.0.2.36"], prefixlen=24)
    srv.only_mac = client.mac
    srv.answer_discover = False
    with srv:
        client.start()
        try:
            t0 = time.monotonic()
            assert srv.wait_for("discover", 10) is not None
            got = run_and_expect(client.addresses, 4, 0.2)
        finally:
            client.stop()
    assert not got and time.monotonic() - t0 >= 4
