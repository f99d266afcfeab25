"""`rumpnet run <dir> --target xen`: boot a generated appliance as a Xen DomU.

Implements: reading an appliance directory (xl.cfg, the .xen kernel, the content
ramdisk); XenDomain, one running instance: `xl create -p` from a per-instance copy of
xl.cfg (own name, MACs, bridges, memory), the per-instance parameters written to
xenstore under /local/domain/<domid>/rumpnet/<key> (dots become path separators, as
appliance/minios/params.c reads them), `xl unpause`, the console, the addresses the
appliance reports (`rumpnet: nicN up ipv4=...`), and `xl destroy`; run_xen(), the
foreground command: console to stdout until Ctrl-C/SIGTERM or the domain stops, then
destroy and clean up. Works on the QEMU lab (tools.lab: files go to dom0 over its 9p
share, commands over its control channel) or, when `xl` is on this host and /proc/xen
exists, on the local Xen (commands run here, console through `xl console`).
Not here: building images (gen/), the lab itself (tools/lab/), argument parsing
(tools/run.py calls run_xen()).
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "rnx"
UP_LINE = re.compile(r"rumpnet: nic(\d+) up (ipv4|ipv6)=(\S+)")
EXIT_LINE = re.compile(r"rumpnet: exit (\w+) status (-?\d+)")
_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_serial = itertools.count()


class XenRunError(RuntimeError):
    """Running failed; `code` is the exit code for the CLI (1 failure, 2 user error)."""

    def __init__(self, msg: str, code: int = 1) -> None:
        super().__init__(msg)
        self.code = code


# ---------------------------------------------------------------- xl.cfg


def parse_xl_cfg(text: str) -> dict:
    """The subset of xl.cfg(5) that rumpnet writes: key = "str" | int | ["str", ...]."""
    cfg: dict = {}
    body = re.sub(r"#[^\n]*", "", text)
    for m in re.finditer(r'(\w+)\s*=\s*("[^"]*"|\'[^\']*\'|\[[^\]]*\]|[^\s]+)', body):
        key, val = m.group(1), m.group(2)
        if val.startswith("["):
            cfg[key] = re.findall(r'"([^"]*)"|\'([^\']*)\'', val)
            cfg[key] = [a or b for a, b in cfg[key]]
        elif val[0] in "\"'":
            cfg[key] = val[1:-1]
        else:
            cfg[key] = int(val) if val.isdigit() else val
    return cfg


def render_xl_cfg(cfg: dict) -> str:
    lines = ["# written by rumpnet run (tools/xen_run.py) for one instance"]
    for key, val in cfg.items():
        if isinstance(val, list):
            lines.append(f"{key} = [" + ", ".join(f'"{v}"' for v in val) + "]")
        elif isinstance(val, int):
            lines.append(f"{key} = {val}")
        else:
            lines.append(f'{key} = "{val}"')
    return "\n".join(lines) + "\n"


def vif_get(spec: str, key: str) -> str | None:
    for item in spec.split(","):
        k, _, v = item.strip().partition("=")
        if k == key:
            return v
    return None


def vif_set(spec: str, key: str, value: str) -> str:
    items = [i.strip() for i in spec.split(",") if i.strip()]
    items = [i for i in items if i.partition("=")[0] != key] + [f"{key}={value}"]
    return ",".join(items)


# ---------------------------------------------------------------- appliance


@dataclass
class XenAppliance:
    directory: Path
    kind: str
    cfg: dict  # parsed xl.cfg
    kernel: Path
    ramdisk: Path | None

    @property
    def vifs(self) -> list[str]:
        return list(self.cfg.get("vif", []))


def load_appliance(directory: Path) -> XenAppliance:
    """Read what booting needs; XenRunError(code 2) if the directory cannot be booted."""
    directory = Path(directory)
    cfg_path = directory / "xl.cfg"
    if not cfg_path.is_file():
        raise XenRunError(f"{directory}: no xl.cfg (not an appliance made by rumpnet gen)", 2)
    cfg = parse_xl_cfg(cfg_path.read_text())
    kernel = directory / str(cfg.get("kernel", ""))
    if not cfg.get("kernel") or not kernel.is_file():
        raise XenRunError(
            f"{directory}: no Xen image {cfg.get('kernel')!r} (the xen build "
            "did not run or failed: see manifest.json)",
            2,
        )
    ramdisk = directory / cfg["ramdisk"] if cfg.get("ramdisk") else None
    if ramdisk is not None and not ramdisk.is_file():
        raise XenRunError(f"{directory}: xl.cfg names ramdisk {ramdisk.name}, missing", 2)
    kind = kernel.name.removeprefix("rumpnet-").removesuffix(".xen")
    return XenAppliance(directory, kind, cfg, kernel, ramdisk)


def parse_params(params: list[str] | tuple[str, ...]) -> dict[str, str]:
    out = {}
    for kv in params:
        key, sep, val = kv.partition("=")
        if not sep or not _KEY.match(key):
            raise XenRunError(f"--param wants KEY=VALUE with KEY like nic0.ipv4, not {kv!r}", 2)
        out[key] = val
    return out


# ---------------------------------------------------------------- where dom0 is


class LabDom0:
    """dom0 of the QEMU lab (tools.lab)."""

    where = "the rumpnet lab"

    def __init__(self, lab) -> None:
        from tools.lab.lab import SHARE_IN_DOM0

        self.lab = lab
        self.netns = lab.netns
        self.root = SHARE_IN_DOM0  # where dom0 sees the lab's share directory

    def exec(self, cmd: str | list[str], timeout: float = 60) -> tuple[int, str]:
        return self.lab.exec(cmd, timeout)

    def stage(self, name: str, files: list[Path]) -> str:
        """Put files where dom0 sees them; returns that directory in dom0."""
        sub = f"dom/{name}"
        for f in files:
            self.lab.share(f, subdir=sub)
        return f"{self.root}/{sub}"

    def write_cfg(self, name: str, text: str) -> str:
        path = self.lab.run_dir / "share" / "dom" / name / f"{name}.cfg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return f"{self.root}/dom/{name}/{name}.cfg"

    def console_start(self, name: str) -> None:
        """Before xl create: xenconsoled appends to a log named after the domain."""
        self.lab.console_path(name).unlink(missing_ok=True)

    def console_attach(self, name: str) -> None:
        pass

    def console(self, name: str) -> str:
        return self.lab.console(name)

    def unstage(self, name: str) -> None:
        shutil.rmtree(self.lab.run_dir / "share" / "dom" / name, ignore_errors=True)

    def dom0_bridge(self, host_bridge: str) -> str:
        for net in self.lab.networks:
            if host_bridge in (net.bridge, net.dom0_bridge):
                return net.dom0_bridge
        raise XenRunError(
            f"the lab has no bridge {host_bridge!r} (it has {', '.join(self.lab.bridges)})", 2
        )


class LocalDom0:
    """This host is dom0 of a real Xen (xl on PATH, /proc/xen present, root)."""

    where = "this host's Xen"
    netns = None

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-"))
        self.consoles: dict[str, tuple[subprocess.Popen | None, Path]] = {}

    @staticmethod
    def available() -> bool:
        return shutil.which("xl") is not None and Path("/proc/xen").exists() and os.geteuid() == 0

    def exec(self, cmd: str | list[str], timeout: float = 60) -> tuple[int, str]:
        script = cmd if isinstance(cmd, str) else shlex.join(cmd)
        try:
            p = subprocess.run(
                ["sh", "-c", script], capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return 137, ""
        return p.returncode, p.stdout + p.stderr

    def stage(self, name: str, files: list[Path]) -> str:
        d = self.tmp / name
        d.mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copyfile(f, d / f.name)
        return str(d)

    def write_cfg(self, name: str, text: str) -> str:
        path = self.tmp / name / f"{name}.cfg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return str(path)

    def console_start(self, name: str) -> None:
        pass

    def console_attach(self, name: str) -> None:
        """After xl create -p: xenconsoled's guest log if it keeps one, else follow
        `xl console` into a file (its stdin is a pipe we keep open: EOF would end it)."""
        log = Path(f"/var/log/xen/console/guest-{name}.log")
        if log.is_file():  # xenconsoled runs with --log=guest (XENCONSOLED_TRACE)
            self.consoles[name] = (None, log)
            return
        log = self.tmp / f"{name}.console"
        with log.open("wb") as f:
            p = subprocess.Popen(
                ["xl", "console", name], stdin=subprocess.PIPE, stdout=f, stderr=subprocess.STDOUT
            )
        self.consoles[name] = (p, log)

    def console(self, name: str) -> str:
        entry = self.consoles.get(name)
        if not entry or not entry[1].exists():
            return ""
        return entry[1].read_text(errors="replace")

    def unstage(self, name: str) -> None:
        p, _ = self.consoles.pop(name, (None, None))
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.tmp / name, ignore_errors=True)

    def dom0_bridge(self, host_bridge: str) -> str:
        return host_bridge


def find_dom0(boot_lab: bool = True):
    """The local Xen if this host is dom0, else the running lab (booted if asked)."""
    if LocalDom0.available():
        return LocalDom0()
    try:
        from tools.lab import Lab, LabError
    except ImportError as e:
        raise XenRunError(f"no xl on this host and the lab is not installed ({e})") from e
    lab = Lab.attach()
    if lab is None and boot_lab:
        try:
            lab = Lab.up()
        except LabError as e:
            raise XenRunError(f"cannot bring the lab up: {e}") from e
    if lab is None:
        raise XenRunError("no xl on this host and no lab running (rumpnet lab up)")
    return LabDom0(lab)


# ---------------------------------------------------------------- one domain


@dataclass
class XenDomain:
    """One instance of an appliance. Use as a context manager (destroys on exit)."""

    app: XenAppliance
    dom0: object
    name: str = ""
    params: dict[str, str] = field(default_factory=dict)
    bridges: list[str] | None = None  # dom0 bridge per NIC (default: xl.cfg's)
    macs: list[str] | None = None  # MAC per NIC (default: xl.cfg's)
    memory: int | None = None  # MiB (default: xl.cfg's)
    extra_cfg: dict | None = None  # more xl.cfg keys, e.g. {"type": "pvh"}
    domid: int | None = None
    created: float = 0.0

    def __post_init__(self) -> None:
        if not self.name:
            self.name = f"{PREFIX}-{self.app.kind}-{os.getpid() % 100000}-{next(_serial)}"

    # -- life cycle
    def instance_cfg(self, files_dir: str) -> dict:
        cfg = dict(self.app.cfg)
        cfg["name"] = self.name
        cfg["kernel"] = f"{files_dir}/{self.app.kernel.name}"
        if self.app.ramdisk is not None:
            cfg["ramdisk"] = f"{files_dir}/{self.app.ramdisk.name}"
        if self.memory is not None:
            cfg["memory"] = cfg["maxmem"] = int(self.memory)
        vifs = self.app.vifs
        for i, spec in enumerate(vifs):
            if self.bridges and i < len(self.bridges):
                spec = vif_set(spec, "bridge", self.bridges[i])
            if self.macs and i < len(self.macs):
                spec = vif_set(spec, "mac", self.macs[i])
            vifs[i] = spec
        cfg["vif"] = vifs
        cfg.update(self.extra_cfg or {})
        return cfg

    def start(self, timeout: float = 120) -> XenDomain:
        files = [self.app.kernel] + ([self.app.ramdisk] if self.app.ramdisk else [])
        files_dir = self.dom0.stage(self.name, files)
        cfg_path = self.dom0.write_cfg(self.name, render_xl_cfg(self.instance_cfg(files_dir)))
        self.dom0.console_start(self.name)
        self.created = time.monotonic()
        rc, out = self.dom0.exec(["xl", "create", "-p", cfg_path], timeout)
        # Debian's xl in the lab may abort after creating (libgcc_s): trust xl domid.
        rc2, dom = self.dom0.exec(["xl", "domid", self.name], 30)
        if rc2 != 0 or not dom.strip().isdigit():
            raise XenRunError(f"xl create -p {self.name} failed ({rc}):\n{out}")
        self.domid = int(dom.strip())
        self.dom0.console_attach(self.name)
        params = dict(self.params)
        if self.macs:  # the stack must use the vif's MAC, not the profile's
            for i, mac in enumerate(self.macs):
                params.setdefault(f"nic{i}.mac", mac)
        self.write_params(params)
        rc, out = self.dom0.exec(["xl", "unpause", self.name], 60)
        if rc != 0:
            raise XenRunError(f"xl unpause {self.name} failed ({rc}):\n{out}")
        return self

    def write_params(self, params: dict[str, str]) -> None:
        """Parameters under ~/rumpnet (the guest may read them) and an empty
        ~/rumpnet/state that the guest owns (it reports its addresses there)."""
        base = f"/local/domain/{self.domid}/rumpnet"
        cmds = [
            shlex.join(["xenstore-write", f"{base}/{k.replace('.', '/')}", v])
            for k, v in sorted(params.items())
        ]
        cmds.append(shlex.join(["xenstore-write", f"{base}/state", ""]))
        # readable by the guest: owner dom0, read for the domain, recursively
        cmds.append(shlex.join(["xenstore-chmod", "-r", base, "n0", f"r{self.domid}"]))
        cmds.append(shlex.join(["xenstore-chmod", f"{base}/state", f"n{self.domid}"]))
        rc, out = self.dom0.exec(" && ".join(cmds), 60)
        if rc != 0:
            raise XenRunError(f"writing parameters to xenstore failed ({rc}):\n{out}")

    def destroy(self) -> None:
        """xl destroy (if created) and remove the staged files; never raises when dom0
        itself is gone (the domain went with it)."""
        try:
            if self.domid is not None:
                self.dom0.exec(["xl", "destroy", self.name], 60)
        except Exception as e:  # the lab's channel: dom0 down, nothing left to destroy
            print(f"rumpnet run: xl destroy {self.name}: {e}", file=sys.stderr)
        finally:
            self.domid = None
            self.dom0.unstage(self.name)

    def __enter__(self) -> XenDomain:
        return self

    def __exit__(self, *exc) -> None:
        self.destroy()

    # -- observation
    def alive(self) -> bool:
        rc, out = self.dom0.exec(["xl", "domid", self.name], 30)
        return rc == 0 and out.strip().isdigit()

    def console(self) -> str:
        return self.dom0.console(self.name)

    def wait_console(self, pattern: str, timeout: float = 60, since: int = 0) -> re.Match:
        """Wait until the console (from offset `since`) matches `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.console()
            m = re.compile(pattern).search(text, since)
            if m:
                return m
            if time.monotonic() > deadline:
                tail = "\n".join(text.replace("\r", "").splitlines()[-15:])
                _, state = self.dom0.exec(["xl", "list", self.name], 30)
                raise XenRunError(
                    f"{self.name}: no {pattern!r} on the console after "
                    f"{timeout:.0f} s; xl list says:\n{state}last lines:\n{tail}"
                )
            time.sleep(0.2)

    def addresses(self) -> dict[int, dict[str, str]]:
        """{nic: {"ipv4": "A.B.C.D/L", "ipv6": ...}} as the appliance last reported."""
        found: dict[int, dict[str, str]] = {}
        for m in UP_LINE.finditer(self.console()):
            found.setdefault(int(m.group(1)), {})[m.group(2)] = m.group(3)
        return found

    def wait_ipv4(self, nic: int = 0, timeout: float = 90) -> str:
        """The IPv4 address (without length) nic reports, waiting for it."""
        m = self.wait_console(rf"rumpnet: nic{nic} up ipv4=([0-9.]+)/\d+", timeout)
        return m.group(1)


# ---------------------------------------------------------------- foreground run


def bridges_from_attach(dom0, attach: list[tuple[str, str]] | None) -> list[str] | None:
    """--attach NETNS:BRIDGE pairs → dom0 bridges (lab: rnlabbr1 or xenbr1 → xenbr1)."""
    if not attach:
        return None
    return [dom0.dom0_bridge(br) for _, br in attach]


def run_xen(
    directory: Path,
    params: list[str] | tuple[str, ...] = (),
    attach: list[tuple[str, str]] | None = None,
    out=sys.stdout,
    memory: int | None = None,
) -> int:
    """Boot the appliance, relay its console until Ctrl-C/SIGTERM or it stops, then
    destroy it. 0 after a clean stop, 1 on failure; XenRunError(code) for the CLI."""
    app = load_appliance(directory)
    values = parse_params(params)
    dom0 = find_dom0()
    bridges = bridges_from_attach(dom0, attach)
    me = os.getpid()

    def on_signal(signum, _frame):
        if os.getpid() != me:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    dom = XenDomain(app, dom0, params=values, bridges=bridges, memory=memory)
    try:
        dom.start()
        _say(
            out,
            f"domain {dom.name} (id {dom.domid}) on {dom0.where}; console follows, Ctrl-C stops it",
        )
        return _relay(dom, dom0, out)
    except KeyboardInterrupt:
        return 0
    finally:
        try:
            dom.destroy()
            _say(out, f"destroyed {dom.name}")
        finally:
            for s, h in old.items():
                signal.signal(s, h)


def _say(out, msg: str) -> None:
    print(f"rumpnet run: {msg}", file=out, flush=True)


def _relay(dom: XenDomain, dom0, out) -> int:
    """Copy the console to `out`; after each address line say where it is reachable."""
    seen, next_check = 0, time.monotonic() + 2
    while True:
        text = dom.console()
        if len(text) > seen:
            end = text.rfind("\n") + 1
            for line in text[seen:end].replace("\r", "").splitlines():
                print(line, file=out, flush=True)
                m = UP_LINE.match(line)
                if m and dom0.netns:
                    host = m.group(3).split("/")[0]
                    _say(
                        out,
                        f"reachable nic{m.group(1)} {m.group(2)} {host} from namespace"
                        f" {dom0.netns} (e.g. ip netns exec {dom0.netns} ping {host})",
                    )
                ex = EXIT_LINE.search(line)
                if ex:
                    return 0 if ex.group(2) == "0" else 1
            seen = max(seen, end)
        if time.monotonic() >= next_check:
            if not dom.alive():
                _say(out, f"domain {dom.name} is gone")
                dom.domid = None
                return 1
            next_check = time.monotonic() + 2
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python3 -m tools.xen_run")
    p.add_argument("appliance", type=Path)
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--memory", type=int, help="MiB, overriding xl.cfg")
    a = p.parse_args(argv)
    try:
        return run_xen(a.appliance, a.param, memory=a.memory)
    except XenRunError as e:
        print(f"rumpnet run: {e}", file=sys.stderr)
        return e.code


if __name__ == "__main__":
    sys.exit(main())
