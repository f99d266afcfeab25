"""The Lab object: one long-lived Xen-under-QEMU lab per machine.

Implements: up() (idempotent: reuses a healthy lab, else builds the boot files, makes
the namespace and bridges, starts dnsmasq and QEMU, waits for dom0 with progress and a
timeout that shows the last console lines), attach to the running lab, exec/put in
dom0, xl helpers (create with files, console logs, destroy, info, list), host-side
helpers (run in the namespace, DHCP leases), down() and clean(). Everything it starts
is recorded in state.py's registry first, so clean() works after any crash.
Not here: the pieces it drives (hostnet, qemu, channel, dom0, xl parsing).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sys
import time
import uuid
from pathlib import Path

from tools.lab import hostnet, qemu, state
from tools.lab.assets import lab_cache
from tools.lab.channel import Channel, ChannelError
from tools.lab.dom0 import boot_files
from tools.lab.xl import parse_info, parse_list

BOOT_TIMEOUT = 180
SHARE_IN_DOM0 = "/mnt/host"
MARKERS = (  # console text → timing name, in boot order
    ("Xen version", "xen_banner"),
    ("Linux version", "dom0_kernel"),
    ("RNLAB-READY", "dom0_ready"),
)


class LabError(RuntimeError):
    """The lab could not be brought up or did not do what was asked."""


def _stderr(msg: str) -> None:
    print(f"rnlab: {msg}", file=sys.stderr, flush=True)


class Lab:
    """A running lab. Get one with Lab.up() or Lab.attach(); see tools/lab/__init__.py."""

    def __init__(self, st: dict) -> None:
        self.state = st
        self.instance: int = st.get("instance", 0)
        self.run_dir = Path(st["run_dir"])
        self.netns: str = st["netns"]
        self.networks = hostnet.networks(self.instance)
        self.channel = Channel(self.run_dir / "ctl")

    # -- life cycle ---------------------------------------------------------------
    @classmethod
    def attach(cls, instance: int | None = None) -> Lab | None:
        """The running lab if the registry names one whose QEMU is alive, else None."""
        st = state.load(state.default_instance() if instance is None else instance)
        if st.get("status") == "ready" and state.alive(st.get("qemu")):
            return cls(st)
        return None

    @classmethod
    def up(
        cls,
        dhcp: bool | None = None,
        timeout: float = BOOT_TIMEOUT,
        progress=_stderr,
        instance: int | None = None,
        owner: str = "api",
    ) -> Lab:
        """Bring the lab up, or reuse the healthy one that is already up. Instance 0
        is the shared lab; other instances are private labs (own namespace rnlabN).
        `owner` records who booted it: "cli" (`rumpnet lab up`, also when reusing)
        pins it; "pytest" lets the last pytest session using it tear it down.
        `dhcp`: start/stop the lab's dnsmasq; None = on when booting, as is when reusing."""
        if instance is None:
            instance = state.default_instance()
        with state.locked(instance):
            lab = cls.attach(instance)
            if lab and lab.healthy():
                lab._set_dhcp(dhcp, owner)
                progress(f"lab already up (run {lab.run_dir.name})")
                return lab
            if state.load(instance):
                progress("previous lab is gone or unhealthy: cleaning it up")
            _teardown(instance, progress)
            return cls._boot(dhcp is not False, timeout, progress, instance, owner)

    @classmethod
    def _boot(cls, dhcp: bool, timeout: float, progress, instance: int, owner: str) -> Lab:
        boot = boot_files(progress=progress)
        run = state.new_run_dir(instance)
        netns, nets = hostnet.netns_name(instance), hostnet.networks(instance)
        st = {
            "run_dir": str(run),
            "netns": netns,
            "instance": instance,
            "status": "booting",
            "boot_key": boot.key,
            "versions": boot.versions,
            "qemu_version": qemu.qemu_version(),
            "accel": qemu.accel(),
            "cpu": qemu.cpu_model(),
            "started": time.time(),
            "owner": owner,
            "users": [],
        }
        state.save(st)  # before making anything, so clean() finds it after a crash
        try:
            progress(
                f"creating namespace {netns} with bridges " + ", ".join(n.bridge for n in nets)
            )
            hostnet.create(netns, nets)
            if dhcp:
                st["dnsmasq"] = state.proc_record(hostnet.start_dnsmasq(netns, run, nets))
                state.save(st)
            t0 = time.monotonic()
            pid = qemu.start(boot, run, netns, nets)
            st["qemu"] = state.proc_record(pid)
            state.save(st)
            progress(
                f"QEMU {st['qemu_version']} ({st['accel']}) pid {pid}, "
                f"console log {run / 'console.log'}"
            )
            lab = cls(st)
            st["timings"] = lab._wait_ready(t0, timeout, progress)
            st["status"] = "ready"
            st["qemu_rss_kb"] = qemu.rss_kb(pid)
            state.save(st)
            (run / "timings.json").write_text(json.dumps(st["timings"]) + "\n")
            return lab
        except BaseException:
            _teardown(instance, progress)
            raise

    def _wait_ready(self, t0: float, timeout: float, progress) -> dict:
        timings: dict[str, float] = {}
        console = self.run_dir / "console.log"
        seen_stages: set[str] = set()
        while True:
            elapsed = time.monotonic() - t0
            text = console.read_text(errors="replace") if console.exists() else ""
            for stage in re.findall(r"rnlab: stage=(\w+)", text):
                if stage not in seen_stages:
                    seen_stages.add(stage)
                    progress(f"dom0 init: {stage}")
            for marker, name in MARKERS:
                if name not in timings and marker in text:
                    timings[name] = round(elapsed, 2)
                    progress(f"{name.replace('_', ' ')} after {elapsed:.1f} s")
            if "dom0_ready" in timings:
                break
            if not state.alive(self.state.get("qemu")):
                raise LabError(
                    "QEMU exited during boot:\n"
                    + self.console_tail()
                    + _tail(self.run_dir / "qemu.log", 10)
                )
            if re.search(r"Kernel panic|Panic on CPU|FATAL PAGE FAULT", text):
                raise LabError("dom0 or Xen panicked:\n" + self.console_tail())
            if elapsed > timeout:
                raise LabError(
                    f"dom0 not ready after {timeout:.0f} s; last console "
                    f"lines:\n" + self.console_tail()
                )
            time.sleep(0.2)
        try:
            rc, out = self.exec("echo ok", timeout=30)
        except ChannelError as e:
            raise LabError(
                f"dom0 is up but its agent does not answer: {e}\n" + self.console_tail()
            ) from e
        if rc != 0 or out.strip() != "ok":
            raise LabError(f"dom0 agent answered {rc} {out!r}")
        timings["agent_ready"] = round(time.monotonic() - t0, 2)
        return timings

    def reload(self) -> None:
        """Point this object at the lab the registry names now (after a restart)."""
        st = state.load(self.instance)
        if not st:
            raise LabError("no lab is registered")
        self.__init__(st)

    def healthy(self) -> bool:
        if not state.alive(self.state.get("qemu")):
            return False
        try:
            return self.exec("echo ok", timeout=15) == (0, "ok\n")
        except ChannelError:
            return False

    def _set_dhcp(self, dhcp: bool | None, owner: str = "api") -> None:
        """(Called with the lab lock held.) DHCP on/off; a CLI `up` pins the lab."""
        st = state.load(self.instance)
        running = state.alive(st.get("dnsmasq"))
        if dhcp is None:
            dhcp = running
        if dhcp and not running:
            pid = hostnet.start_dnsmasq(self.netns, self.run_dir, self.networks)
            st["dnsmasq"] = state.proc_record(pid)
        elif not dhcp and running:
            state.kill(st.get("dnsmasq"))
            st["dnsmasq"] = None
        if owner == "cli":
            st["owner"] = "cli"
        state.save(st)
        self.state = st

    def set_dhcp(self, dhcp: bool) -> None:
        """Start or stop the lab's dnsmasq on the running lab."""
        with state.locked(self.instance):
            self._set_dhcp(dhcp)

    def set_owner(self, owner: str) -> None:
        with state.locked(self.instance):
            st = state.load(self.instance)
            if st:
                st["owner"] = owner
                state.save(st)
                self.state = st

    def add_user(self) -> None:
        """Register this process as a user of the lab (see release())."""
        with state.locked(self.instance):
            st = state.load(self.instance)
            users = [u for u in st.get("users", []) if state.alive(u)]
            st["users"] = users + [state.proc_record(os.getpid())]
            state.save(st)
            self.state = st

    def release(self, progress=_stderr) -> bool:
        """Unregister this process; stop the lab if pytest booted it and no other
        live process uses it. Returns True if it was stopped."""
        with state.locked(self.instance):
            st = state.load(self.instance)
            if not st:
                return False
            me = os.getpid()
            users = [u for u in st.get("users", []) if state.alive(u) and u["pid"] != me]
            st["users"] = users
            state.save(st)
            if users or st.get("owner") != "pytest":
                return False
            _teardown(self.instance, progress)
            return True

    def down(self, progress=_stderr) -> None:
        """Stop QEMU and dnsmasq, remove the namespace; keep the run's logs."""
        with state.locked(self.instance):
            _teardown(self.instance, progress)

    # -- dom0 -----------------------------------------------------------------------
    def exec(self, cmd: str | list[str], timeout: float = 60) -> tuple[int, str]:
        """Run a shell command (string) or argv (list) in dom0: (status, output)."""
        script = cmd if isinstance(cmd, str) else shlex.join(cmd)
        return self.channel.exec(script, timeout)

    def check(self, cmd: str | list[str], timeout: float = 60) -> str:
        """exec() that raises LabError unless the command exits 0; returns output."""
        rc, out = self.exec(cmd, timeout)
        if rc != 0:
            raise LabError(f"dom0: {cmd!r} exited {rc}:\n{out}")
        return out

    def share(self, local: str | Path, subdir: str = "files") -> str:
        """Make a host file visible in dom0 (9p share, no copy into dom0 RAM);
        returns its path in dom0. A snapshot: hard-linked when the file is on the
        cache's filesystem and replaced whole by its builder, copied otherwise."""
        local = Path(local)
        dest_dir = self.run_dir / "share" / subdir
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / local.name
        src = local.stat()
        if (
            dest.exists()
            and dest.stat().st_size == src.st_size
            and dest.stat().st_mtime >= src.st_mtime
        ):
            return f"{SHARE_IN_DOM0}/{subdir}/{local.name}"
        tmp = dest_dir / f".{local.name}.{uuid.uuid4().hex[:6]}"
        try:
            if not local.resolve().is_relative_to(lab_cache()):
                raise OSError("not a cache file: copy it")
            os.link(local, tmp)  # cache files are replaced whole, never edited in place
        except OSError:
            shutil.copyfile(local, tmp)
        tmp.replace(dest)
        return f"{SHARE_IN_DOM0}/{subdir}/{local.name}"

    def put(self, local: str | Path, remote: str, mode: str | None = None) -> None:
        """Copy a host file into dom0's own filesystem at `remote`."""
        tag = uuid.uuid4().hex[:8]
        src = self.share(local, subdir=f"xfer/{tag}")
        mode_cmd = f" && chmod {shlex.quote(mode)} {shlex.quote(remote)}" if mode else ""
        try:
            self.check(
                f'mkdir -p "$(dirname {shlex.quote(remote)})" && '
                f"cp {shlex.quote(src)} {shlex.quote(remote)}{mode_cmd}",
                timeout=120,
            )
        finally:
            shutil.rmtree(self.run_dir / "share" / "xfer" / tag, ignore_errors=True)

    # -- xl ---------------------------------------------------------------------------
    def xl(self, *args: str, timeout: float = 60) -> str:
        return self.check(["xl", *args], timeout)

    def info(self) -> dict:
        return parse_info(self.xl("info"))

    def domains(self) -> list[dict]:
        return parse_list(self.xl("list"))

    def xl_create(
        self, cfg_text: str, files: list[str | Path] | None = None, timeout: float = 120
    ) -> str:
        """Create a domain from xl config text. `files` (kernel, ramdisk, ...) are
        shared into dom0 under one directory; write $FILES/<basename> in the config
        to refer to them. Returns the domain name; its console is logged (console())."""
        m = re.search(r'^\s*name\s*=\s*["\']([^"\']+)["\']', cfg_text, re.M)
        if not m:
            raise LabError('xl config has no name = "..."')
        name = m.group(1)
        sub = f"dom/{name}"
        ddir = f"{SHARE_IN_DOM0}/{sub}"
        for f in files or []:
            self.share(f, subdir=sub)
        cfg = self.run_dir / "share" / sub / f"{name}.cfg"
        cfg.parent.mkdir(parents=True, exist_ok=True)
        cfg.write_text(cfg_text.replace("$FILES", ddir))
        (self.run_dir / "share" / "consoles" / f"guest-{name}.log").unlink(missing_ok=True)
        rc, out = self.exec(f"cd {ddir} && xl create {name}.cfg", timeout)
        if rc != 0:
            raise LabError(f"xl create {name} failed ({rc}):\n{out}")
        return name

    def destroy(self, domain: str, timeout: float = 60) -> None:
        rc, out = self.exec(["xl", "destroy", domain], timeout)
        if rc != 0 and "invalid domain identifier" not in out:
            raise LabError(f"xl destroy {domain}: {out}")

    def console_path(self, domain: str) -> Path:
        return self.run_dir / "share" / "consoles" / f"guest-{domain}.log"

    def console(self, domain: str) -> str:
        """Everything the domain wrote on its console so far (xenconsoled's log)."""
        path = self.console_path(domain)
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_console(
        self, domain: str, pattern: str, timeout: float = 60, after: int = 0
    ) -> re.Match:
        """Wait until the domain's console (from character `after` on, e.g. a
        len(lab.console(domain)) taken earlier) matches regex `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.console(domain)[after:])
            if m:
                return m
            if time.monotonic() > deadline:
                raise LabError(
                    f"{domain}: no {pattern!r} on its console after {timeout} s;"
                    f" last lines:\n{_tail_text(self.console(domain), 15)}"
                )
            time.sleep(0.2)

    def console_tail(self, lines: int = 25) -> str:
        return _tail(self.run_dir / "console.log", lines)

    # -- host side ------------------------------------------------------------------
    @property
    def bridges(self) -> list[str]:
        return [n.bridge for n in self.networks]

    def run_host(self, argv: list[str], timeout: float = 60, **kw):
        """Run a host program inside the lab namespace (curl, ping, scapy scripts)."""
        return hostnet.run_in(self.netns, argv, timeout=timeout, **kw)

    def leases(self) -> list[dict]:
        return hostnet.leases(self.run_dir)

    def wait_lease(self, mac: str, timeout: float = 60, since: float = 0) -> str:
        """The address dnsmasq leased to `mac` (granted at or after epoch `since`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for lease in self.leases():
                if lease["mac"] == mac.lower() and lease["granted"] >= int(since) - 1:
                    return lease["ip"]
            time.sleep(0.2)
        raise LabError(f"no DHCP lease for {mac} after {timeout} s")


# -- teardown and clean ---------------------------------------------------------------
def _teardown(instance: int = 0, progress=_stderr) -> list[str]:
    """Stop everything the registry names, then forget it. Returns what was done."""
    st = state.load(instance)
    done = []
    for key in ("qemu", "dnsmasq"):
        if state.kill(st.get(key)):
            done.append(f"stopped {key} (pid {st[key]['pid']})")
    if st.get("netns") and hostnet.remove(st["netns"]):
        done.append(f"removed namespace {st['netns']}")
    state.clear(instance)
    for line in done:
        progress(line)
    return done


def _lab_processes(instance: int | None = None) -> list[tuple[int, int]]:
    """(pid, instance) of QEMU and dnsmasq processes running from this cache's lab run
    dirs, of one instance or of all. Whether they are registered is for the caller."""
    found = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            argv = (p / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if not argv or not argv[0].endswith(("qemu-system-x86_64", "dnsmasq")):
            continue
        for inst in state.instances_on_disk():
            runs = str(state.runs_dir(inst)) + "/"
            if (instance is None or inst == instance) and any(runs in a for a in argv):
                found.append((int(p.name), inst))
    return found


def _registered(inst: int, what: str, value) -> bool:
    """Whether instance `inst`'s registry names this QEMU pid / namespace (a live lab,
    or one being booted: the registry is written before anything is made)."""
    st = state.load(inst)
    if what == "pid":
        return any(
            (st.get(k) or {}).get("pid") == value and state.alive(st[k])
            for k in ("qemu", "dnsmasq")
        )
    return st.get("netns") == value


def clean(progress=_stderr, instance: int | None = None, all_instances: bool = False) -> list[str]:
    """Tear down one lab instance (default: $RUMPNET_LAB_INSTANCE or 0; every instance
    with all_instances) and remove strays of any instance: QEMUs and rnlab namespaces
    that no registry names (left by crashes). Labs of other instances, and a lab being
    booted, are never touched: each check runs under that instance's lock.
    Safe to run twice, concurrently, and after a crash."""
    if instance is None:
        instance = state.default_instance()
    todo = sorted(set(state.instances()) | {instance}) if all_instances else [instance]
    done = []
    for inst in todo:
        with state.locked(inst):
            done += _teardown(inst, progress)
    extra = []
    for pid, inst in _lab_processes():
        with state.locked(inst):
            if not _registered(inst, "pid", pid):
                state.kill(state.proc_record(pid))
                extra.append(f"stopped stray process {pid} (lab instance {inst})")
    for ns in hostnet.list_namespaces():
        m = re.fullmatch(rf"{hostnet.PREFIX}(\d+)", ns)
        inst = int(m.group(1)) if m else None
        if inst is None:
            continue  # not a name the lab gives
        with state.locked(inst):
            if not _registered(inst, "netns", ns):
                hostnet.remove(ns)
                extra.append(f"removed stray namespace {ns}")
    for line in extra:
        progress(line)
    return done + extra


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return _tail_text(path.read_text(errors="replace"), lines)
    except OSError:
        return "(no log)\n"


def _tail_text(text: str, lines: int) -> str:
    rows = [r for r in text.replace("\r", "").splitlines() if r.strip()]
    return "\n".join(rows[-lines:]) + "\n"
