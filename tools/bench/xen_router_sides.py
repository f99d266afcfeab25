"""The two sides of the xen-target router bench in the lab: the router appliance
(XenDomain, the profile's static addresses) and the reference Linux PV DomU
(tools.lab.guests, ip_forward=1, DHCP addresses), each with one vif on dom0's xenbr0
and one on xenbr1, both up together; the traffic is switched between them by routes.

Topology (namespaces made with the rig's Topology, so `rumpnet clean` removes them):
  source ns: veth into the lab namespace's bridge 0 (192.0.2.0/24), 192.0.2.20/24
  sink ns:   veth into the lab namespace's bridge 1 (198.51.100.0/24), 198.51.100.20/24,
             the load receiver (iperf3 -s)
  path:      lab bridge -> QEMU NIC -> dom0 xenbr0 -> vif -> DomU -> vif -> xenbr1
             -> QEMU NIC -> lab bridge; everything but the DomU is shared by both sides
The lab namespace holds .2 on both networks and its DHCP server leases .100-.199; .20
collides with neither, nor with the appliance's .1.
The veths, namespaces and both domains are removed on exit, also on failure.

Not here: measuring (router.py), the posix topology (router_sides.py).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from nettests.nsutil import ns_cmd, ns_run
from nettests.topo import Topology
from tools.bench.router_sides import Ends
from tools.bench.sides import BenchError
from tools.lab import Lab, LabError
from tools.lab.guests import create_reference, reference_files
from tools.lab.xl import mac_for
from tools.xen_run import LabDom0, XenDomain, XenRunError, load_appliance

SRC_IP, SINK_IP = "192.0.2.20", "198.51.100.20"
NET_A, NET_B = "192.0.2.0/24", "198.51.100.0/24"
APPLIANCE_ADDRS = ("192.0.2.1/24", "198.51.100.1/24")  # profiles/router.toml's
PREFIX = "rnbr"
PEER_MEMORY = 160  # the reference DomU's configured memory (guests.py)
SHARED_PATH = (
    "host namespaces -> lab bridge -> QEMU emulated NIC -> dom0 xenbr0 -> vif -> DomU "
    "-> vif -> xenbr1 -> QEMU emulated NIC -> lab bridge; only the DomU differs "
    "between the sides (both run under QEMU TCG)"
)


class XenRouterSides(Ends):
    """Context manager: the lab, the source and sink namespaces, both routers up."""

    src_ip, sink_ip, net_a, net_b = SRC_IP, SINK_IP, NET_A, NET_B

    def __init__(self, appliance_dir: Path, boot_timeout: float = 90) -> None:
        self.app = load_appliance(appliance_dir)
        self.boot_timeout = boot_timeout
        self.gateways: dict[str, tuple[str, str]] = {}
        self.topo: Topology | None = None
        self.procs: list[subprocess.Popen] = []
        self.lab_ifs: list[str] = []
        self.appliance: XenDomain | None = None
        self.peer_name: str | None = None
        self.boot_seconds: dict[str, float] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="rumpnet-xbench-router-"))

    def __enter__(self) -> XenRouterSides:
        try:
            self.lab = Lab.up(dhcp=True)
        except LabError as e:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise BenchError(f"the lab did not come up: {e}") from e
        self.lab.add_user()
        try:
            self.dom0 = LabDom0(self.lab)
            self._ends()
            self._boot_appliance()
            self._boot_peer()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    # ---------------------------------------------------------------- the ends
    def _ends(self) -> None:
        t = self.topo = Topology()
        lab_ns, (br0, br1) = self.lab.netns, self.lab.bridges[:2]
        self.source = t.add_netns("xsrc")
        self.sink = t.add_netns("xsink")
        ends = ((self.source, br0, "xs0", SRC_IP), (self.sink, br1, "xk1", SINK_IP))
        for ns, br, role, ip in ends:
            end = t.ns_name(role)
            self.lab_ifs.append(end)
            t.add_veth(lab_ns, br, end, ns, "eth0")
            ns_run(ns, ["ip", "addr", "add", f"{ip}/24", "dev", "eth0"])
        p = subprocess.Popen(
            ns_cmd(self.sink, ["iperf3", "-s", "-B", SINK_IP]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(p)
        t.register_pid(p.pid)

    # ---------------------------------------------------------------- the routers
    def _name(self, side: str) -> str:
        return f"{PREFIX}-{side}-{self.lab.instance}-{self.topo.run_id}"

    def _boot_appliance(self) -> None:
        name = self._name("app")
        bridges = [net.dom0_bridge for net in self.lab.networks[:2]]
        params = {}
        for i, addr in enumerate(APPLIANCE_ADDRS):
            params |= {f"nic{i}.mode": "static", f"nic{i}.ipv4": addr, f"nic{i}.ipv6": "off"}
        self.appliance = XenDomain(
            self.app,
            self.dom0,
            name=name,
            params=params,
            bridges=bridges,
            macs=[mac_for(name, i) for i in range(2)],
            extra_cfg={"on_crash": "destroy"},
        )
        t0 = time.monotonic()
        try:
            self.appliance.start(timeout=self.boot_timeout)
            self.appliance.wait_console(r"rumpnet: nic1 up ipv4=", self.boot_timeout)
        except XenRunError as e:
            raise BenchError(f"the router appliance did not come up: {str(e)[-800:]}") from e
        self.boot_seconds["appliance"] = round(time.monotonic() - t0, 1)
        self.gateways["appliance"] = tuple(a.split("/")[0] for a in APPLIANCE_ADDRS)

    def _boot_peer(self) -> None:
        name = self._name("peer")
        bridges = tuple(net.dom0_bridge for net in self.lab.networks[:2])
        t0 = time.monotonic()
        self.peer_name = name
        try:
            guest = create_reference(self.lab, name, bridges=bridges, timeout=self.boot_timeout)
            a = guest.wait_address(self.lab, 0, self.boot_timeout)
            b = guest.wait_address(self.lab, 1, self.boot_timeout)
        except LabError as e:
            raise BenchError(f"the Linux DomU did not get its addresses: {e}") from e
        self.boot_seconds["peer"] = round(time.monotonic() - t0, 1)
        self.gateways["peer"] = (a, b)

    # ---------------------------------------------------------------- sizes
    def image_bytes(self, side: str) -> dict[str, int]:
        if side == "appliance":
            files = [self.app.kernel] + ([self.app.ramdisk] if self.app.ramdisk else [])
        else:
            files = list(reference_files())
        return {f.name: f.stat().st_size for f in files}

    # ---------------------------------------------------------------- teardown
    def __exit__(self, *exc) -> None:
        try:
            if self.appliance is not None:
                self.appliance.destroy()
                self.appliance = None
            if self.peer_name is not None:
                try:
                    self.lab.destroy(self.peer_name)
                except LabError:
                    pass
                self.dom0.unstage(self.peer_name)
                self.peer_name = None
            for p in self.procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
            if self.topo is not None:
                self.topo.close()
            for ifname in self.lab_ifs:  # the lab's bridges as they were
                ns_run(self.lab.netns, ["ip", "link", "del", ifname], check=False)
        finally:
            self.lab.release(progress=lambda msg: None)
            shutil.rmtree(self.tmp, ignore_errors=True)
