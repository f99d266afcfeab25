"""topo - the rig's namespaces, bridges and veths, and their cleanup.

Implements: a Topology that creates run-id-prefixed network namespaces
(`rnt<id>-<role>`), bridges and veth pairs inside them with pyroute2,
disables offloads on every interface it creates, records everything in an
on-disk registry before creating it, and deletes it all on close().
clean() removes whatever earlier runs left behind (idempotent).
Not here: addresses and servers of a target (targets/), packet I/O (wire.py).

Everything lives inside namespaces the rig owns; the host namespace is never
changed, so deleting the namespaces is a complete cleanup.
"""

import json
import os
import re
import secrets
import signal
import subprocess
from pathlib import Path

from pyroute2 import NetNS, netns

from nettests.nsutil import ns_run

PREFIX = "rnt"
NS_RE = re.compile(rf"^{PREFIX}[0-9a-f]{{4}}-[a-z0-9]+$")
OFFLOADS = ("rx", "tx", "sg", "tso", "gso", "gro", "lro", "tx-checksumming", "rx-checksumming")


def registry_dir() -> Path:
    return Path(os.environ.get("RUMPNET_RUN_DIR", "/run/rumpnet")) / "nettests"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _same_process(entry) -> bool:
    """True if the recorded [pid, start time] is still that very process (a
    reused PID never matches, so clean() never signals a stranger)."""
    pid, start = (entry, None) if isinstance(entry, int) else entry
    return start is not None and _start_time(pid) == start


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Topology:
    """One run's namespaces; every creation is registered before it happens."""

    def __init__(self, run_id: str | None = None):
        self.run_id = run_id or secrets.token_hex(2)
        self.namespaces: list[str] = []
        self.procs: list = []  # [pid, start time] of servers and runners started
        self.path = registry_dir() / f"{self.run_id}.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._save()

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"owner_pid": os.getpid(), "netns": self.namespaces, "pids": self.procs})
        )
        tmp.replace(self.path)

    def ns_name(self, role: str) -> str:
        return f"{PREFIX}{self.run_id}-{role}"

    def add_netns(self, role: str) -> str:
        name = self.ns_name(role)
        self.namespaces.append(name)
        self._save()
        netns.create(name)
        with NetNS(name) as ns:
            ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
        # no IPv6 chatter (DAD, RS, MLD) from rig-created interfaces
        ns_run(name, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], check=False)
        ns_run(name, ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"], check=False)
        return name

    def add_bridge(self, ns_name: str, ifname: str) -> None:
        with NetNS(ns_name) as ns:
            ns.link("add", ifname=ifname, kind="bridge", br_stp_state=0, br_forward_delay=0)
            idx = ns.link_lookup(ifname=ifname)[0]
            ns.link("set", index=idx, state="up")
        # forward everything at once, no ageing surprises
        ns_run(ns_name, ["ip", "link", "set", ifname, "type", "bridge", "ageing_time", "30000"])
        disable_offloads(ns_name, ifname)

    def add_veth(
        self, sw_ns: str, bridge: str, sw_if: str, far_ns: str, far_if: str, mtu: int = 1500
    ) -> None:
        """veth pair: `sw_if` enslaved to `bridge` in sw_ns, `far_if` moved to far_ns."""
        tmp = f"{PREFIX}{self.run_id}t{len(self.namespaces)}{secrets.token_hex(1)}"[:15]
        with NetNS(sw_ns) as ns:
            ns.link("add", ifname=sw_if, kind="veth", peer=tmp)
            sw_idx = ns.link_lookup(ifname=sw_if)[0]
            br_idx = ns.link_lookup(ifname=bridge)[0]
            ns.link("set", index=sw_idx, master=br_idx, mtu=mtu, state="up")
            ns.link("set", index=ns.link_lookup(ifname=tmp)[0], net_ns_fd=far_ns)
        with NetNS(far_ns) as ns:
            idx = ns.link_lookup(ifname=tmp)[0]
            ns.link("set", index=idx, ifname=far_if, mtu=mtu)
            ns.link("set", index=idx, state="up")
        disable_offloads(sw_ns, sw_if)
        disable_offloads(far_ns, far_if)

    def register_pid(self, pid: int) -> None:
        self.procs.append([pid, _start_time(pid)])
        self._save()

    def close(self) -> None:
        _clean_record(self.namespaces, self.procs)
        self.path.unlink(missing_ok=True)


def disable_offloads(ns_name: str, ifname: str) -> None:
    """Checksum/segmentation offloads off, so the wire shows what the stack built."""
    # one call: ethtool applies every feature it can and names the ones it cannot
    args = [x for feature in OFFLOADS for x in (feature, "off")]
    ns_run(ns_name, ["ethtool", "-K", ifname, *args], check=False)


def offloads_of(ns_name: str, ifname: str) -> dict[str, str]:
    out = ns_run(ns_name, ["ethtool", "-k", ifname], check=False).stdout
    res = {}
    for line in out.splitlines()[1:]:
        if ":" in line:
            key, val = line.split(":", 1)
            res[key.strip()] = val.split()[0] if val.split() else ""
    return res


def _clean_record(namespaces: list[str], pids: list) -> list[str]:
    removed = []
    for entry in pids:
        if _same_process(entry):
            try:
                os.kill(entry[0], signal.SIGTERM)
            except ProcessLookupError:
                pass
    existing = set(netns.listnetns())
    for name in namespaces:
        if name in existing:
            # processes still inside keep nothing alive once the ns is unmounted,
            # but kill them so no server outlives the run
            for pid in ns_pids(name):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            netns.remove(name)
            removed.append(name)
    return removed


def ns_pids(name: str) -> list[int]:
    out = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split() if x.isdigit()]


def clean(everything: bool = False) -> list[str]:
    """Remove what dead runs left behind; with everything=True also live runs'
    and any `rnt????-*` namespace without a record. Safe to call repeatedly."""
    removed: list[str] = []
    rdir = registry_dir()
    recorded: set[str] = set()
    for path in sorted(rdir.glob("*.json")) if rdir.is_dir() else []:
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        recorded.update(rec.get("netns", []))
        if everything or not _pid_alive(rec.get("owner_pid", 0)):
            removed += _clean_record(rec.get("netns", []), rec.get("pids", []))
            path.unlink(missing_ok=True)
    for name in netns.listnetns():
        if NS_RE.match(name) and (everything or name not in recorded):
            removed += _clean_record([name], [])
    return removed
