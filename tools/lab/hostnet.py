"""Host side of the lab network: one namespace, its bridges, QEMU's TAPs, dnsmasq.

Implements: creating the lab namespace (rnlab0) with one bridge per lab network
(rnlabbr0 = 192.0.2.2/24, rnlabbr1 = 198.51.100.2/24), a persistent TAP per network
(rnlabt0, rnlabt1) enslaved to its bridge for QEMU to open (a second lab instance N,
used by tests that must not disturb the shared lab, uses rnlabN, rnlabNbr0, rnlabNt0),
a dnsmasq DHCP server on the bridges (documentation ranges only), running a program
inside the namespace, and removal. Nothing is configured in the host's root namespace.
Not here: QEMU (qemu.py) or remembering what was made (state.py).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import struct
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pyroute2 import NetNS, netns

PREFIX = "rnlab"
NETNS = "rnlab0"
CLONE_NEWNET = 0x40000000
TUNSETIFF, TUNSETPERSIST = 0x400454CA, 0x400454CB
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class LabNet:
    """One lab network: host bridge + TAP in the namespace, xenbrN in dom0."""

    index: int
    bridge: str  # host-side bridge in the namespace
    tap: str  # QEMU's TAP, enslaved to `bridge`
    dom0_bridge: str  # the bridge dom0 builds over the matching emulated NIC
    host_addr: str  # the namespace's address on `bridge`, with prefix length
    dhcp_range: tuple[str, str]
    mac: str  # the emulated NIC's MAC address


def netns_name(instance: int = 0) -> str:
    return f"{PREFIX}{instance}"


def networks(instance: int = 0) -> tuple[LabNet, ...]:
    p = PREFIX if instance == 0 else f"{PREFIX}{instance}"
    return (
        LabNet(
            0,
            f"{p}br0",
            f"{p}t0",
            "xenbr0",
            "192.0.2.2/24",
            ("192.0.2.100", "192.0.2.199"),
            "52:54:00:72:6e:00",
        ),
        LabNet(
            1,
            f"{p}br1",
            f"{p}t1",
            "xenbr1",
            "198.51.100.2/24",
            ("198.51.100.100", "198.51.100.199"),
            "52:54:00:72:6e:01",
        ),
    )


NETWORKS = networks(0)


def setns(name: str) -> None:
    """Move the calling thread (or a forked child before exec) into netns `name`."""
    fd = os.open(f"/var/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def in_netns(name: str, fn):
    """Run fn() in a throw-away thread inside netns `name`; return its result."""
    box: dict = {}

    def worker():
        try:
            setns(name)
            box["ret"] = fn()
        except BaseException as exc:  # handed to the caller
            box["exc"] = exc

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    if "exc" in box:
        raise box["exc"]
    return box.get("ret")


def _make_persistent_tap(name: str) -> None:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    try:
        ifr = struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)
        fcntl.ioctl(fd, TUNSETIFF, ifr)
        fcntl.ioctl(fd, TUNSETPERSIST, 1)
    finally:
        os.close(fd)


def list_namespaces() -> list[str]:
    return sorted(n for n in netns.listnetns() if n.startswith(PREFIX))


def _wait_enterable(name: str, deadline_s: float = 5.0) -> None:
    """Poll until `ip netns exec NAME` (how the lab starts dnsmasq and QEMU) can
    enter the new namespace; labs booted side by side were seen to fail there."""
    end = time.monotonic() + deadline_s
    while True:
        rc = subprocess.run(["ip", "netns", "exec", name, "true"], capture_output=True, text=True)
        if rc.returncode == 0:
            return
        if time.monotonic() > end:
            raise OSError(f"network namespace {name} cannot be entered: {rc.stderr.strip()}")
        time.sleep(0.1)


def create(name: str = NETNS, networks=NETWORKS) -> None:
    """Namespace + bridges + TAPs; raises if the namespace already exists."""
    if name in netns.listnetns():
        raise FileExistsError(f"network namespace {name} already exists")
    netns.create(name)
    try:
        _wait_enterable(name)
        for net in networks:
            in_netns(name, lambda n=net: _make_persistent_tap(n.tap))
        with NetNS(name) as ns:
            ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
            for net in networks:
                ns.link("add", ifname=net.bridge, kind="bridge", br_stp_state=0, br_forward_delay=0)
                br = ns.link_lookup(ifname=net.bridge)[0]
                addr, plen = net.host_addr.split("/")
                ns.addr("add", index=br, address=addr, prefixlen=int(plen))
                tap = ns.link_lookup(ifname=net.tap)[0]
                ns.link("set", index=tap, master=br, state="up")
                ns.link("set", index=br, state="up")
    except BaseException:
        remove(name)
        raise


def remove(name: str) -> bool:
    """Delete the namespace (and with it every TAP and bridge in it)."""
    if name not in netns.listnetns():
        return False
    netns.remove(name)
    return True


def links(name: str = NETNS) -> dict[str, dict]:
    """Links of the namespace: name → {state, master, addresses}."""
    out: dict[str, dict] = {}
    with NetNS(name) as ns:
        byidx = {}
        for link in ns.get_links():
            byidx[link["index"]] = link.get_attr("IFLA_IFNAME")
        for link in ns.get_links():
            master = link.get_attr("IFLA_MASTER")
            out[link.get_attr("IFLA_IFNAME")] = {
                "state": link.get_attr("IFLA_OPERSTATE"),
                "master": byidx.get(master) if master else None,
                "addresses": [],
            }
        for a in ns.get_addr():
            ifn = byidx.get(a["index"])
            if ifn in out:
                out[ifn]["addresses"].append(f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}")
    return out


def popen_in(name: str, argv: list[str], **kw) -> subprocess.Popen:
    """Start argv inside netns `name`."""
    # `ip netns exec` rather than a preexec_fn: a Python callback between fork and
    # exec is unsafe in a threaded process (it failed now and then in `lab up`).
    return subprocess.Popen(["ip", "netns", "exec", name, *argv], **kw)


def run_in(name: str, argv: list[str], timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(["ip", "netns", "exec", name, *argv], timeout=timeout, **kw)


# -- dnsmasq ---------------------------------------------------------------------
def start_dnsmasq(name: str, run_dir: Path, networks=NETWORKS) -> int:
    """dnsmasq as DHCP server only (port=0) on the lab bridges; returns its pid."""
    pidfile = run_dir / "dnsmasq.pid"
    argv = [
        "dnsmasq",
        "--conf-file=/dev/null",
        "--port=0",
        "--bind-interfaces",
        "--except-interface=lo",
        f"--pid-file={pidfile}",
        "--user=root",
        "--group=root",
        f"--dhcp-leasefile={run_dir / 'dnsmasq.leases'}",
        "--dhcp-authoritative",
        f"--log-facility={run_dir / 'dnsmasq.log'}",
        "--log-dhcp",
    ]
    for net in networks:
        lo, hi = net.dhcp_range
        argv += [f"--interface={net.bridge}", f"--dhcp-range={lo},{hi},255.255.255.0,{LEASE_S}"]
        # no default route or DNS handed out: the lab networks lead nowhere
        argv += [f"--dhcp-option=tag:{net.bridge},option:router"]
    if not shutil.which("dnsmasq"):
        raise FileNotFoundError("dnsmasq not found (Debian: dnsmasq); or use --no-dhcp")
    proc = run_in(name, argv, timeout=20)
    if proc.returncode != 0:
        raise RuntimeError(f"dnsmasq failed: {proc.stderr.strip()}")
    for _ in range(50):
        if pidfile.exists() and pidfile.read_text().strip():
            return int(pidfile.read_text())
        time.sleep(0.1)
    raise RuntimeError("dnsmasq wrote no pid file")


LEASE_S = 12 * 3600


def leases(run_dir: Path) -> list[dict]:
    """dnsmasq's current leases: mac, ip, hostname, granted (epoch seconds)."""
    path = run_dir / "dnsmasq.leases"
    out = []
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 4:
                out.append(
                    {
                        "mac": parts[1].lower(),
                        "ip": parts[2],
                        "hostname": parts[3],
                        "granted": int(parts[0]) - LEASE_S,
                    }
                )
    return out
