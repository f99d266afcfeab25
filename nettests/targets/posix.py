"""targets.posix - the POSIX appliance, a Linux process on a TAP.

Implements: starting `rumpnet run <appliance-dir> --target posix --attach
NETNS:BRIDGE[,...] --param ...` as a subprocess plugged into the rig's
bridges, with the rig's address plan as static parameters (httpd 192.0.2.10/24;
router 192.0.2.1/25 and 198.51.100.1/24) and fixed MACs, waiting for its
"rumpnet: nic<N> up" lines, reading the build hash from manifest.json, and a
DHCP client for the DHCP checks: a second instance of the same appliance
with nic0.mode=dhcp. Not here: building the appliance (rumpnet gen).
"""

import json
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from nettests.targets.base import Target, TargetUnavailable, build_rig, rig_sides

REPO = Path(__file__).resolve().parents[2]
UP = re.compile(r"rumpnet: nic(\d+) up ipv4=(\S+)")
PLAN = {
    "httpd": [("192.0.2.10/24", "02:52:4e:54:00:0a")],
    "router": [("192.0.2.1/25", "02:52:4e:54:00:01"), ("198.51.100.1/24", "02:52:4e:54:01:01")],
}


def read_appliance(appliance_dir: str | None, platform: str = "posix") -> tuple[str, str]:
    """(kind, build hash of its `platform` image) of an appliance directory,
    or TargetUnavailable."""
    if not appliance_dir:
        raise TargetUnavailable("no appliance directory given (rumpnet test <appliance-dir>)")
    d = Path(appliance_dir)
    cfg = d / "config.h"
    if not (d / "manifest.json").is_file() or not cfg.is_file():
        raise TargetUnavailable(f"{d} is not an appliance directory (rumpnet gen makes one)")
    m = re.search(r'\{\s*"kind",\s*"([^"]+)"\s*\}', cfg.read_text())
    kind = m.group(1) if m else "unknown"
    if not list(d.glob(f"rumpnet-*.{platform}")):
        what = "POSIX" if platform == "posix" else platform.capitalize()
        raise TargetUnavailable(f"{d} has no {what} image (rumpnet gen --platform {platform})")
    doc = json.loads((d / "manifest.json").read_text())
    image = doc.get("build", {}).get(platform, {}).get("image", f"rumpnet-{kind}.{platform}")
    sha = doc.get("outputs", {}).get(image, {}).get("sha256", "unknown")
    return kind, f"{image}:sha256:{sha[:16]}"


def runner_argv() -> list[str]:
    if not (REPO / "tools" / "run.py").exists():
        raise TargetUnavailable("the POSIX runner (tools/run.py) does not exist")
    exe = shutil.which("rumpnet")
    return [exe] if exe else [sys.executable, "-m", "gen.cli"]


class Instance:
    """One `rumpnet run` process; its console is kept for the record."""

    def __init__(self, topo, appliance_dir: str, attach: str, params: list[str]):
        argv = [*runner_argv(), "run", str(appliance_dir), "--target", "posix", "--attach", attach]
        for p in params:
            argv += ["--param", p]
        self.argv = argv
        self.lines: list[str] = []
        self.up: dict[int, str] = {}
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=REPO,
            text=True,
            bufsize=1,
        )
        topo.register_pid(self.proc.pid)
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip())
                m = UP.search(line)
                if m:
                    self.up[int(m.group(1))] = m.group(2)
                self._cond.notify_all()

    def wait_up(self, nics: int, deadline: float) -> bool:
        end = time.monotonic() + deadline
        with self._cond:
            while len(self.up) < nics:
                if self.proc.poll() is not None or time.monotonic() >= end:
                    return False
                self._cond.wait(0.2)
        return True

    def console(self, n: int = 15) -> str:
        with self._cond:
            return "\n".join(self.lines[-n:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # the runner tears its TAPs down on SIGTERM
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class PosixDhcpClient:
    """A second instance of the appliance, NIC 0 in DHCP mode, for the DHCP checks."""

    name = "POSIX appliance (lwIP DHCP client)"

    def __init__(self, target):
        self.target = target
        self.mac = "02:52:4e:54:dc:" + secrets.token_hex(1)
        self.inst = None
        self.output = ""

    def start(self, arp_check: bool = False, request_list: bool = True) -> None:
        t = self.target
        self.inst = Instance(
            t._topo,
            t._dir,
            f"{t._sw}:br0",
            ["nic0.mode=dhcp", f"nic0.mac={self.mac}", "nic0.ipv6=off"],
        )

    def stop(self) -> None:
        if self.inst is not None:
            self.inst.stop()
            self.output = self.inst.console(50)


class PosixTarget(Target):
    def __init__(self, profile: str, appliance_dir: str | None, topo):
        kind, build_hash = read_appliance(appliance_dir)
        if kind != profile:
            raise TargetUnavailable(f"the appliance is a {kind}, not a {profile}")
        runner_argv()
        rig = build_rig(topo, profile)
        plan = PLAN[profile]
        sides = rig_sides(rig, [mac for _, mac in plan])
        super().__init__(
            name="posix",
            profile=profile,
            sides=sides,
            build_hash=build_hash,
            description=f"POSIX appliance {appliance_dir} ({kind})",
        )
        self._topo, self._dir, self._sw = topo, appliance_dir, rig["sw"]
        params = []
        for i, (ip, mac) in enumerate(plan):
            params += [
                f"nic{i}.mtu={sides[i].mtu}",  # the rig segment's MTU (router side B: 1400)
                f"nic{i}.mode=static",
                f"nic{i}.ipv4={ip}",
                f"nic{i}.mac={mac}",
                f"nic{i}.ipv6=off",
            ]
        attach = ",".join(f"{rig['sw']}:{s['bridge']}" for s in rig["segments"])
        self.inst = Instance(topo, appliance_dir, attach, params)
        if not self.inst.wait_up(len(plan), 60):
            console = self.inst.console()
            self.stop()
            raise TargetUnavailable(f"the POSIX appliance did not come up: {console}")
        if profile == "router":
            self.unrouted_ip = "192.0.2.200"
        ok, detail = self.alive()
        if not ok:
            console = self.inst.console()
            self.stop()
            raise TargetUnavailable(
                f"the POSIX appliance is up but not alive ({detail}): {console}"
            )

    def dhcp_client(self):
        return PosixDhcpClient(self)

    def stop(self) -> None:
        if getattr(self, "inst", None) is not None:
            self.inst.stop()
        super().stop()
