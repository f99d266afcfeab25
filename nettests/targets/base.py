"""targets.base - the handle every check gets, whatever the DUT is.

Implements: Side (one Ethernet segment: the rig port, the DUT's address and
MAC there, the addresses scapy may use, a Linux-stack peer namespace),
Target (profile, sides, ports, liveness, build hash, known deviations) and
the shared rig-side topology builder. Not here: starting a particular DUT.

Address plan (documentation ranges only):
  httpd:  192.0.2.0/24     DUT .10, Linux peer .2, DHCP server .1,
                            scapy-owned 192.0.2.64/26
  router: A 192.0.2.0/25   DUT .1, peer .2, scapy 192.0.2.64/26
          B 198.51.100.0/24 DUT .1, peer .2, scapy 198.51.100.64/26
          192.0.2.128/25 is routed nowhere (no-route checks).
On the Xen lab's bridges the lab namespace itself holds .2 on both segments,
so there the Linux peers take .4 (build_rig(peer_host=4)).
"""

import ipaddress
import socket
from dataclasses import dataclass, field

from nettests.nsutil import ns_run, socket_in
from nettests.wire import Port


class TargetUnavailable(Exception):
    """The target cannot run here; the message is the skip reason."""


@dataclass
class Side:
    name: str
    port: Port
    net: str
    dut_ip: str
    dut_mac: str
    peer_ns: str
    peer_ip: str
    rig_net: str
    mtu: int = 1500
    sniffer: Port | None = None  # capture-only port on the peer's interface (HTTP, pcaps)
    _next: int = field(default=0, repr=False)

    def capture_ports(self) -> list[Port]:
        return [self.port] + ([self.sniffer] if self.sniffer is not None else [])

    @property
    def prefixlen(self) -> int:
        return ipaddress.IPv4Network(self.net).prefixlen

    @property
    def broadcast(self) -> str:
        return str(ipaddress.IPv4Network(self.net).broadcast_address)

    def rig_ip(self) -> str:
        """A fresh scapy-owned source address (per-peer ICMP rate limits and
        ARP cache state never leak from one check into the next)."""
        hosts = list(ipaddress.IPv4Network(self.rig_net).hosts())
        ip = hosts[self._next % len(hosts)]
        self._next += 1
        return str(ip)


@dataclass
class Target:
    name: str
    profile: str
    sides: list
    build_hash: str = "unknown"
    http_port: int = 80
    closed_tcp_port: int = 7
    closed_udp_port: int = 9
    quiet: float = 1.0  # how long silence must last to count as "no answer"
    deviations: dict = field(default_factory=dict)
    description: str = ""
    unrouted_ip: str | None = None
    http_large_path: str | None = None

    @property
    def lan(self) -> Side:
        return self.sides[0]

    def ports(self) -> list[Port]:
        return [s.port for s in self.sides]

    # --- liveness -------------------------------------------------------
    def alive(self) -> tuple[bool, str]:
        """ARP + ping on every side, HTTP 200 for httpd; (ok, detail)."""
        from nettests.probes import arp_resolve, ping
        from nettests.wire import run_and_expect

        # each probe is retried until a 5 s deadline: a DUT whose ICMP token
        # bucket was just emptied (fuzz) is alive, one silent for 5 s is not
        for side in self.sides:
            if not run_and_expect(lambda s=side: arp_resolve(s, s.dut_ip, 0.5), 5, 0.2):
                return False, f"no ARP reply from {side.dut_ip} on {side.name} for 5 s"
            if not run_and_expect(lambda s=side: ping(s, s.dut_ip, 0.5), 5, 0.2):
                return False, f"no echo reply from {side.dut_ip} on {side.name} for 5 s"
        if self.profile == "httpd":
            status = run_and_expect(
                lambda: http_status(self.lan.peer_ns, self.lan.dut_ip, self.http_port, 2.0) == 200,
                6,
                0.5,
            )
            if not status:
                last = http_status(self.lan.peer_ns, self.lan.dut_ip, self.http_port, 2.0)
                return False, f"no 200 for GET / during 6 s (one more try: {last!r})"
        return True, "ARP, ping" + (", HTTP 200" if self.profile == "httpd" else "")

    def dhcp_client(self):
        """A DHCP client in INIT the DHCP checks can start (start()/stop()/mac)."""
        from nettests.registry import Unknown

        raise Unknown(f"target {self.name} cannot restart its DHCP client yet")

    def stop(self) -> None:
        for side in self.sides:
            for port in side.capture_ports():
                port.close()


def http_status(ns: str, ip: str, port: int, timeout: float = 3.0):
    """Status code of GET / over a kernel TCP socket from namespace `ns`."""
    try:
        s = socket_in(ns, socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        with s:
            s.connect((ip, port))
            s.sendall(f"GET / HTTP/1.1\r\nHost: {ip}\r\nConnection: close\r\n\r\n".encode())
            data = s.recv(64)
        return int(data.split(b" ", 2)[1])
    except (OSError, ValueError, IndexError) as exc:
        return repr(exc)


def build_rig(topo, profile: str, switch=None, peer_host: int = 2) -> dict:
    """Switch namespace with one bridge per segment, rig port namespace with
    one port per segment, one Linux peer namespace per segment.
    `switch` = (netns, [bridge per segment]) plugs the ports and peers into
    bridges someone else owns (the Xen lab's) instead of making a switch
    namespace; `peer_host` is the peers' host number on each segment.
    Returns {'sw': ns, 'rig': ns, 'segments': [(bridge, net, peer_ns, peer_ip, mtu)]}."""
    p = profile[0]  # one topology per profile in the same run: hsw, rsw, ...
    sw = switch[0] if switch else topo.add_netns(f"{p}sw")
    rig = topo.add_netns(f"{p}rig")
    if profile == "router":
        segs = [
            ("br0", "192.0.2.0/25", f"192.0.2.{peer_host}", "192.0.2.64/26", 1500, "192.0.2.1"),
            (
                "br1",
                "198.51.100.0/24",
                f"198.51.100.{peer_host}",
                "198.51.100.64/26",
                1400,
                "198.51.100.1",
            ),
        ]
    else:
        segs = [
            ("br0", "192.0.2.0/24", f"192.0.2.{peer_host}", "192.0.2.64/26", 1500, "192.0.2.10")
        ]
    out = {"sw": sw, "rig": rig, "segments": []}
    for i, (br, net, peer_ip, rig_net, mtu, dut_ip) in enumerate(segs):
        if switch:  # someone else's bridge: names that say whose they are
            br = switch[1][i]
            rig_end, peer_end = topo.ns_name(f"{p}r{i}"), topo.ns_name(f"{p}p{i}")
        else:
            topo.add_bridge(sw, br)
            rig_end, peer_end = f"rig{i}", f"peer{i}"
        topo.add_veth(sw, br, rig_end, rig, f"eth{i}", mtu=mtu)
        peer = topo.add_netns(f"{p}peer{i}")
        topo.add_veth(sw, br, peer_end, peer, "eth0", mtu=mtu)
        plen = ipaddress.IPv4Network(net).prefixlen
        ns_run(peer, ["ip", "addr", "add", f"{peer_ip}/{plen}", "dev", "eth0"])
        if profile == "router":
            ns_run(peer, ["ip", "route", "add", "default", "via", dut_ip])
        out["segments"].append(
            {
                "bridge": br,
                "net": net,
                "peer_ns": peer,
                "peer_ip": peer_ip,
                "rig_net": rig_net,
                "mtu": mtu,
                "dut_ip": dut_ip,
                "rig_if": f"eth{i}",
                "sw_ifs": [rig_end, peer_end],  # the veth ends on the bridge
            }
        )
    return out


def rig_sides(rig: dict, dut_macs: list[str]) -> list[Side]:
    sides = []
    for i, seg in enumerate(rig["segments"]):
        port = Port(rig["rig"], seg["rig_if"], label=f"side{i}")
        port.own([seg["rig_net"]])
        sides.append(
            Side(
                name="lan" if i == 0 else f"side{i}",
                port=port,
                net=seg["net"],
                dut_ip=seg["dut_ip"],
                dut_mac=dut_macs[i],
                peer_ns=seg["peer_ns"],
                peer_ip=seg["peer_ip"],
                rig_net=seg["rig_net"],
                mtu=seg["mtu"],
                sniffer=Port(seg["peer_ns"], "eth0", label=f"side{i}-peer"),
            )
        )
    return sides


def wait_tcp(ns: str, ip: str, port: int, deadline: float) -> bool:
    from nettests.wire import run_and_expect

    def probe():
        try:
            s = socket_in(ns, socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(0.5)
            with s:
                s.connect((ip, port))
            return True
        except OSError:
            return False

    return run_and_expect(probe, deadline, interval=0.1)
