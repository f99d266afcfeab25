"""The pre-flight really catches a kernel stack answering from the rig side.

A rig namespace that (wrongly) owns the scapy source address must produce a
foreign RST in stray_frames(); the same set-up without the address must not.
A DHCP server on the segment (dnsmasq) must show in foreign_dhcp_offers().
"""

import shutil
import socket
import subprocess
import tempfile

import pytest

from nettests.nsutil import ns_cmd, ns_run, socket_in
from nettests.preflight import foreign_dhcp_offers, stray_frames
from nettests.topo import Topology
from nettests.wire import Port


class _Side:
    def __init__(self, port, dut_mac):
        self.port, self.dut_mac = port, dut_mac


@pytest.fixture(scope="module")
def lan():
    topo = Topology()
    try:
        sw, rig, dut = topo.add_netns("pfsw"), topo.add_netns("pfrig"), topo.add_netns("pfdut")
        topo.add_bridge(sw, "br0")
        topo.add_veth(sw, "br0", "rig0", rig, "eth0")
        topo.add_veth(sw, "br0", "dut0", dut, "eth0")
        ns_run(dut, ["ip", "addr", "add", "192.0.2.10/24", "dev", "eth0"])
        listener = socket_in(dut, socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("192.0.2.10", 80))
        listener.listen(8)
        mac = ns_run(dut, ["cat", "/sys/class/net/eth0/address"]).stdout.strip()
        port = Port(rig, "eth0", "pf")
        port.own(["192.0.2.64/26"])
        yield rig, _Side(port, mac), dut
        port.close()
        listener.close()
    finally:
        topo.close()


def test_clean_rig_namespace_passes(lan):
    _, side, _ = lan
    answer, outgoing = stray_frames(side, [side], "192.0.2.70", "192.0.2.10", 80, 1.0)
    assert answer is not None and answer.sprintf("%TCP.flags%") == "SA"
    assert outgoing == []


def test_rig_namespace_with_the_address_is_caught(lan):
    rig, side, _ = lan
    ns_run(rig, ["ip", "addr", "add", "192.0.2.71/24", "dev", "eth0"])
    try:
        answer, outgoing = stray_frames(side, [side], "192.0.2.71", "192.0.2.10", 80, 1.0)
    finally:
        ns_run(rig, ["ip", "addr", "del", "192.0.2.71/24", "dev", "eth0"])
    assert answer is not None
    assert outgoing, "the kernel's RST to the DUT's SYN-ACK went unnoticed"


def test_no_dhcp_server_no_offer(lan):
    _, side, _ = lan
    assert foreign_dhcp_offers(side, 1.0) == []


@pytest.mark.skipif(not shutil.which("dnsmasq"), reason="dnsmasq not installed")
def test_dhcp_server_on_the_segment_is_caught(lan):
    _, side, dut = lan
    with tempfile.TemporaryDirectory(prefix="rnt-pf-") as tmp:
        proc = subprocess.Popen(
            ns_cmd(
                dut,
                [
                    "dnsmasq",
                    "--keep-in-foreground",
                    "--conf-file=/dev/null",
                    "--port=0",
                    "--no-ping",
                    "--interface=eth0",
                    "--bind-interfaces",
                    f"--dhcp-leasefile={tmp}/leases",
                    f"--pid-file={tmp}/pid",
                    "--dhcp-range=192.0.2.150,192.0.2.160,255.255.255.0,600",
                ],
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            from nettests.wire import run_and_expect

            offers = run_and_expect(lambda: foreign_dhcp_offers(side, 1.0), 10, 0.1)
        finally:
            proc.terminate()
            proc.wait(10)
    assert offers, "dnsmasq on the segment offered nothing the check saw"
