"""The two sides of the posix router bench: the router appliance and a Linux
namespace forwarding with ip_forward=1, in the same position between two networks.

Topology (namespaces made with the rig's Topology, so `rumpnet clean` removes them):
  switch ns: bridges rnbrA (192.0.2.0/24) and rnbrB (198.51.100.0/24)
  source ns: veth into rnbrA, 192.0.2.2/24, the load generator and ping
  sink ns:   veth into rnbrB, 198.51.100.2/24, the load receiver (iperf3 -s)
  appliance: `rumpnet run DIR --target posix --attach sw:rnbrA,sw:rnbrB` with the
             profile's addresses 192.0.2.1/24 and 198.51.100.1/24
  peer ns:   veths into both bridges, 192.0.2.254/24 and 198.51.100.254/24,
             net.ipv4.ip_forward=1, offloads off (like every rig interface)
use(side) points the source's route to 198.51.100.0/24 and the sink's route to
192.0.2.0/24 at that side's addresses, so the traffic crosses only that router.

Ends (the source, the sink and the route switching) is shared with the Xen lab
variant (xen_router_sides.py).
Not here: measuring (router.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

from nettests.nsutil import ns_cmd
from nettests.topo import Topology
from tools.bench.sides import BenchError, start_appliance, teardown

BR_A, BR_B = "rnbrA", "rnbrB"
SRC_IP, SINK_IP = "192.0.2.2", "198.51.100.2"
NET_A, NET_B = "192.0.2.0/24", "198.51.100.0/24"
GATEWAYS = {
    "appliance": ("192.0.2.1", "198.51.100.1"),
    "peer": ("192.0.2.254", "198.51.100.254"),
}
UP_RE = re.compile(r"rumpnet: nic(\d) up ipv4=")


class Ends:
    """The measuring ends any router bench drives (router.py): a source namespace and
    a sink namespace (each with eth0 on one of the two networks), routes switched to
    one side's pair of addresses at a time. Subclasses set source, sink, src_ip,
    sink_ip, net_a, net_b and gateways ({side: (address on A, address on B)})."""

    source: str
    sink: str
    src_ip: str
    sink_ip: str
    net_a: str
    net_b: str
    gateways: dict[str, tuple[str, str]]

    def _ip(self, ns: str, *args: str) -> None:
        subprocess.run(ns_cmd(ns, ["ip", *args]), check=True, capture_output=True)

    def use(self, side: str) -> None:
        """Route the source<->sink traffic through `side`, and check it gets through."""
        gw_a, gw_b = self.gateways[side]
        self._ip(self.source, "route", "replace", self.net_b, "via", gw_a)
        self._ip(self.sink, "route", "replace", self.net_a, "via", gw_b)
        for ns in (self.source, self.sink):
            self._ip(ns, "neigh", "flush", "dev", "eth0")
        p = subprocess.run(
            ns_cmd(self.source, ["ping", "-c", "3", "-i", "0.2", "-W", "2", self.sink_ip]),
            capture_output=True,
            text=True,
        )
        if " 0 received" in p.stdout or p.returncode != 0:
            raise BenchError(f"no path from {self.src_ip} to {self.sink_ip} through the {side}")

    def counters(self) -> tuple[int, int]:
        """Frames sent by the source's eth0 and received by the sink's eth0 so far."""
        out = []
        for ns, way in ((self.source, "tx"), (self.sink, "rx")):
            p = subprocess.run(
                ns_cmd(ns, ["ip", "-s", "-j", "link", "show", "dev", "eth0"]),
                check=True,
                capture_output=True,
                text=True,
            )
            out.append(int(json.loads(p.stdout)[0]["stats64"][way]["packets"]))
        return out[0], out[1]

    def source_prefix(self) -> list[str]:
        return ns_cmd(self.source, [])


class RouterSides(Ends):
    """Context manager: the topology, the Linux forwarder and the router appliance."""

    src_ip, sink_ip, net_a, net_b, gateways = SRC_IP, SINK_IP, NET_A, NET_B, GATEWAYS

    def __init__(self, appliance_dir: Path) -> None:
        self.appliance_dir = appliance_dir
        self.procs: list[subprocess.Popen] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="rumpnet-bench-router-"))
        self.topo: Topology | None = None
        self.appliance: subprocess.Popen | None = None

    def __enter__(self) -> RouterSides:
        try:
            self._setup()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _setup(self) -> None:
        t = self.topo = Topology()
        self.sw = t.add_netns("rsw")
        t.add_bridge(self.sw, BR_A)
        t.add_bridge(self.sw, BR_B)
        self.source = t.add_netns("rsrc")
        t.add_veth(self.sw, BR_A, "rnsrc0", self.source, "eth0")
        self._ip(self.source, "addr", "add", f"{SRC_IP}/24", "dev", "eth0")
        self.sink = t.add_netns("rsink")
        t.add_veth(self.sw, BR_B, "rnsink0", self.sink, "eth0")
        self._ip(self.sink, "addr", "add", f"{SINK_IP}/24", "dev", "eth0")
        self.fwd = t.add_netns("rfwd")
        t.add_veth(self.sw, BR_A, "rnfwda", self.fwd, "eth0")
        t.add_veth(self.sw, BR_B, "rnfwdb", self.fwd, "eth1")
        self._ip(self.fwd, "addr", "add", f"{GATEWAYS['peer'][0]}/24", "dev", "eth0")
        self._ip(self.fwd, "addr", "add", f"{GATEWAYS['peer'][1]}/24", "dev", "eth1")
        subprocess.run(
            ns_cmd(self.fwd, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]),
            check=True,
            capture_output=True,
        )
        self.receiver = self._spawn(
            self.sink,
            ["iperf3", "-s", "-B", SINK_IP],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._start_appliance()

    def _spawn(self, ns: str, argv: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(ns_cmd(ns, argv), **kw)
        self.procs.append(p)
        self.topo.register_pid(p.pid)
        return p

    def _start_appliance(self, timeout: float = 30.0) -> None:
        def both_up(text: str) -> bool:
            return {m.group(1) for m in UP_RE.finditer(text)} >= {"0", "1"}

        attach = f"{self.sw}:{BR_A},{self.sw}:{BR_B}"
        self.appliance, text = start_appliance(
            self.appliance_dir, attach, [], self.tmp, both_up, timeout
        )
        self.procs.append(self.appliance)
        if not both_up(text):
            tail = text[-1500:]
            raise BenchError(
                f"the router appliance did not bring up both NICs in {timeout:.0f} s:\n{tail}"
            )

    # ------------------------------------------------------------ teardown
    def __exit__(self, *exc) -> None:
        teardown(self.procs, self.topo, self.tmp)
