"""Run a generated appliance as a Linux process on TAP devices (the posix target).

Implements: run_posix(), which
  - finds the appliance's POSIX binary (rumpnet-<kind>.posix), content.cpio and NIC
    count in the appliance directory (manifest.json + config.h, made by `rumpnet gen`);
  - with attach=[(netns, bridge), ...]: creates one TAP per NIC inside each given
    namespace and plugs it into the given bridge (pyroute2);
  - without: creates a peer namespace per NIC (prefix `rnp`) with a bridge, the TAP,
    an address for the host side and, for DHCP NICs, dnsmasq handing out addresses;
  - starts the appliance in a private namespace of its own (it opens each TAP inside
    that TAP's namespace: parameter nic<N>.netns), relays its console, prints where it
    is reachable from the "rumpnet: nic<N> up ..." lines, and on Ctrl-C / SIGTERM or
    when the appliance exits removes everything it created.
Every namespace, link and helper process is recorded in the cache before it is made,
so clean() (`rumpnet clean`) removes what a killed run left behind; safe to run twice.

Not here: argument parsing (tools/run.py), building the binary (gen/build.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.cache import cache_dir

PREFIX = "rnp"
UP_LINE = re.compile(r"^rumpnet: nic(\d+) up (ipv4|ipv6)=(\S+)(?: gw=(\S+))? mac=(\S+)")
# Host-side networks for private runs (documentation ranges only).
PEER_NETS = ("192.0.2", "198.51.100")


class RunError(RuntimeError):
    """The appliance cannot be run; str() is one line for the user."""

    def __init__(self, msg: str, code: int = 1) -> None:
        super().__init__(msg)
        self.code = code


@dataclass
class Appliance:
    kind: str
    binary: Path
    content: Path | None
    nics: int
    modes: list[str]
    ipv4: list[str]


@dataclass
class Record:
    """What one run created, kept in the cache until it is removed."""

    path: Path
    runner: int = field(default_factory=os.getpid)
    netns: list[str] = field(default_factory=list)
    links: list[list[str]] = field(default_factory=list)  # [netns, ifname]
    pids: list[int] = field(default_factory=list)

    def save(self) -> None:
        data = {"runner": self.runner, "netns": self.netns, "links": self.links, "pids": self.pids}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)

    @classmethod
    def load(cls, path: Path) -> Record:
        data = json.loads(path.read_text())
        return cls(
            path,
            data.get("runner", 0),
            data.get("netns", []),
            data.get("links", []),
            data.get("pids", []),
        )


def _state_dir() -> Path:
    return cache_dir("posix-run")


# ---------------------------------------------------------------- appliance dir


def _defaults(config_h: Path) -> dict[str, str]:
    text = config_h.read_text() if config_h.is_file() else ""
    return dict(re.findall(r'\{\s*"([^"]+)",\s*"([^"]*)"\s*\}', text))


def load_appliance(directory: Path) -> Appliance:
    """Read what running needs from an appliance directory; RunError(code 2) if unusable."""
    if not directory.is_dir():
        raise RunError(f"{directory}: no such appliance directory", 2)
    manifest = directory / "manifest.json"
    kind = None
    if manifest.is_file():
        doc = json.loads(manifest.read_text())
        kind = doc.get("kind") or (doc.get("profile") or {}).get("kind")
    defaults = _defaults(directory / "config.h")
    kind = kind or defaults.get("kind")
    binaries = sorted(directory.glob("rumpnet-*.posix"))
    if kind:
        binaries = [b for b in binaries if b.name == f"rumpnet-{kind}.posix"]
    if not binaries:
        raise RunError(
            f"{directory}: no POSIX binary rumpnet-{kind or '<kind>'}.posix "
            "(generate with --platform posix, or build with make PLATFORM=posix)",
            2,
        )
    binary = binaries[0]
    kind = kind or binary.name[len("rumpnet-") : -len(".posix")]
    nics = int(defaults.get("nics", "2" if kind == "router" else "1"))
    content = directory / "content.cpio"
    return Appliance(
        kind,
        binary,
        content if content.is_file() else None,
        nics,
        [defaults.get(f"nic{i}.mode", "dhcp") for i in range(nics)],
        [defaults.get(f"nic{i}.ipv4", "") for i in range(nics)],
    )


# ---------------------------------------------------------------- plumbing


def _ns(name: str):
    from pyroute2 import NetNS

    return NetNS(name)


def _netns_exists(name: str) -> bool:
    return Path("/run/netns", name).exists()


def _create_netns(rec: Record, name: str) -> None:
    from pyroute2 import netns

    rec.netns.append(name)
    rec.save()
    netns.create(name)
    with _ns(name) as ns:
        ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")


def _add_tap(rec: Record, ns_name: str, tap: str, bridge: str, mtu: int) -> None:
    rec.links.append([ns_name, tap])
    rec.save()
    with _ns(ns_name) as ns:
        br = ns.link_lookup(ifname=bridge)
        if not br:
            raise RunError(f"no bridge {bridge} in namespace {ns_name}", 2)
        ns.link("add", ifname=tap, kind="tuntap", mode="tap")
        idx = ns.link_lookup(ifname=tap)[0]
        ns.link("set", index=idx, mtu=mtu)
        ns.link("set", index=idx, master=br[0], state="up")


def _peer(rec: Record, ns_name: str, i: int, app: Appliance) -> tuple[str, str]:
    """A private peer namespace for NIC i: bridge, host address, DHCP if needed.
    Returns (bridge, host address)."""
    _create_netns(rec, ns_name)
    bridge = f"{PREFIX}br{i}"
    with _ns(ns_name) as ns:
        ns.link("add", ifname=bridge, kind="bridge")
        idx = ns.link_lookup(ifname=bridge)[0]
        ns.link("set", index=idx, state="up")
        if app.modes[i] == "static" and app.ipv4[i]:
            addr, _, plen = app.ipv4[i].partition("/")
            parts = addr.split(".")
            host = ".".join(parts[:3] + ["254" if parts[3] != "254" else "253"])
            prefixlen = int(plen or 24)
        else:
            if i >= len(PEER_NETS):
                raise RunError(
                    f"nic{i} uses DHCP: a private run serves DHCP on two NICs at most; "
                    "use --attach",
                    2,
                )
            host, prefixlen = f"{PEER_NETS[i]}.1", 24
        ns.addr("add", index=idx, address=host, prefixlen=prefixlen)
    if app.modes[i] == "dhcp":
        _start_dnsmasq(rec, ns_name, bridge, PEER_NETS[i])
    return bridge, host


def _start_dnsmasq(rec: Record, ns_name: str, bridge: str, net: str) -> None:
    exe = shutil.which("dnsmasq")
    if exe is None:
        raise RunError(
            "the appliance uses DHCP and dnsmasq is not installed "
            "(apt-get install dnsmasq-base), or use --attach",
            2,
        )
    lease = _state_dir() / f"{ns_name}.leases"
    proc = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            ns_name,
            exe,
            "--keep-in-foreground",
            "--no-resolv",
            "--no-hosts",
            "--port=0",
            f"--interface={bridge}",
            "--bind-interfaces",
            f"--dhcp-range={net}.100,{net}.199,255.255.255.0,1h",
            f"--dhcp-leasefile={lease}",
            "--pid-file=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rec.pids.append(proc.pid)
    rec.save()


# ---------------------------------------------------------------- teardown


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop_pid(pid: int) -> None:
    if not _alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not _alive(pid):
                return
            time.sleep(0.02)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def teardown(rec: Record) -> None:
    """Remove everything a record lists, in reverse order; ignore what is gone."""
    from pyroute2 import netns

    for pid in rec.pids:
        _stop_pid(pid)
    for ns_name, link in reversed(rec.links):
        if not _netns_exists(ns_name):
            continue
        try:
            with _ns(ns_name) as ns:
                idx = ns.link_lookup(ifname=link)
                if idx:
                    ns.link("del", index=idx[0])
        except Exception:  # noqa: BLE001 - best effort, report nothing left behind
            pass
    for ns_name in reversed(rec.netns):
        if _netns_exists(ns_name):
            netns.remove(ns_name)
    for lease in _state_dir().glob("*.leases"):
        if lease.stem in rec.netns:
            lease.unlink(missing_ok=True)
    rec.path.unlink(missing_ok=True)


def clean() -> None:
    """Remove what earlier runs left behind (runs still in progress are left alone)."""
    for path in sorted(_state_dir().glob("*.json")):
        try:
            rec = Record.load(path)
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if rec.runner != os.getpid() and _alive(rec.runner) and _is_runner(rec.runner):
            continue
        teardown(rec)


def _is_runner(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"python" in cmd and (b"run" in cmd or b"posix" in cmd)


# ---------------------------------------------------------------- run


def run_posix(
    directory: Path, attach: list[tuple[str, str]] | None, params: list[str], out=sys.stdout
) -> int:
    """Run the appliance in the foreground until it exits or we are signalled."""
    app = load_appliance(directory)
    if attach is not None and len(attach) < app.nics:
        raise RunError(f"the {app.kind} has {app.nics} NICs; --attach names {len(attach)}", 2)
    for ns_name, _ in attach or []:
        if not _netns_exists(ns_name):
            raise RunError(f"--attach: no network namespace {ns_name}", 2)
    run_id = f"{PREFIX}{os.getpid() % 100000}"
    rec = Record(_state_dir() / f"{run_id}.json")
    rec.save()
    me = os.getpid()

    def on_signal(signum, _frame):
        if os.getpid() != me:  # a forked helper (pyroute2's netns child): default action
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    proc = None
    try:
        argv = _plumb(rec, run_id, app, attach, out)
        home = f"{run_id}a"
        _create_netns(rec, home)
        cmd = ["ip", "netns", "exec", home, str(app.binary), *argv, *params]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            bufsize=0,
        )
        rec.pids.insert(0, proc.pid)
        rec.save()
        return _relay(proc, attach, run_id, out)
    except KeyboardInterrupt:
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        teardown(rec)
        for s, h in old.items():
            signal.signal(s, h)


def _plumb(rec: Record, run_id: str, app: Appliance, attach, out) -> list[str]:
    argv = [f"nics={app.nics}"]
    if app.content is not None:
        argv.append(f"content={app.content.resolve()}")
    for i in range(app.nics):
        tap = f"{run_id}t{i}"
        if attach is not None:
            ns_name, bridge = attach[i]
            mtu = _bridge_mtu(ns_name, bridge)
        else:
            ns_name = f"{run_id}n{i}"
            bridge, host = _peer(rec, ns_name, i, app)
            mtu = 1500
            print(
                f"rumpnet run: nic{i} is on bridge {bridge} in namespace {ns_name} "
                f"(host side {host})",
                file=out,
                flush=True,
            )
        _add_tap(rec, ns_name, tap, bridge, mtu)
        argv += [f"nic{i}.tap={tap}", f"nic{i}.netns={ns_name}"]
    return argv


def _bridge_mtu(ns_name: str, bridge: str) -> int:
    with _ns(ns_name) as ns:
        idx = ns.link_lookup(ifname=bridge)
        if not idx:
            raise RunError(f"--attach: no bridge {bridge} in namespace {ns_name}", 2)
        return int(ns.get_links(idx[0])[0].get_attr("IFLA_MTU") or 1500)


def _relay(proc: subprocess.Popen, attach, run_id: str, out) -> int:
    """Copy the console to `out`; after each address line say where it is reachable."""
    assert proc.stdout is not None
    for raw in iter(proc.stdout.readline, b""):
        line = raw.decode(errors="replace").rstrip("\n")
        print(line, file=out, flush=True)
        m = UP_LINE.match(line)
        if m:
            nic, family, addr = int(m.group(1)), m.group(2), m.group(3)
            ns_name = attach[nic][0] if attach is not None else f"{run_id}n{nic}"
            host = addr.split("/")[0]
            print(
                f"rumpnet run: reachable nic{nic} {family} {host} from namespace {ns_name} "
                f"(e.g. ip netns exec {ns_name} ping {host})",
                file=out,
                flush=True,
            )
    rc = proc.wait()
    return 0 if rc == 0 else 1
