"""The two sides of a xen-target bench in the lab: the appliance (XenDomain) and the
reference Linux PV DomU (tools.lab.guests, its bench variant with iperf), booted one
at a time with their boot phases measured on the wire.

A boot: tcpdump on the lab bridge (host namespace) is listening first; then
`xl create`; the phases are seconds from the start of `xl create` to the first DHCP
DISCOVER from the domain's MAC, to the DHCP ACK for it (address bound), and to the
first HTTP 200 from its address (curl from the lab namespace, polled). The appliance
also reports its own first-instruction→main time (console and xenstore state key
boot/main_us). dom0 gets a static address on xenbr0 so the load generators can run
there (xen_load.py).

Not here: the figures (xen_figures.py), running wrk and iperf (xen_load.py).
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from gen import archive
from tools.lab import Lab, LabError
from tools.lab.cpio import Tree
from tools.lab.guests import reference_config, reference_files
from tools.lab.xl import mac_for
from tools.xen_run import LabDom0, XenDomain, XenRunError, load_appliance

DOM0_ADDR = "192.0.2.9/24"  # dom0 on xenbr0: outside the lab's DHCP range and host address
MAIN_RE = re.compile(r"rumpnet: boot first-instruction->main (\d+) us")
PREFIX = "rnb"
SIDES = ("appliance", "peer")
PEER_NAME = "linux-pv"


class BenchError(RuntimeError):
    pass


@dataclass
class Booted:
    side: str
    name: str
    mac: str
    memory: int
    ip: str | None = None
    phases: dict[str, float] = field(default_factory=dict)  # s after xl create began
    main_us: int | None = None
    dom: XenDomain | None = None  # the appliance's XenDomain


class XenSides:
    """Context manager: the lab, dom0's address, the two sides' images; every domain
    it boots is destroyed on exit."""

    def __init__(self, appliance_dir: Path, params: dict[str, str] | None = None) -> None:
        self.app = load_appliance(appliance_dir)
        self.params = dict(params or {})
        self.serial = 0
        self.live: list[Booted] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="rumpnet-xbench-"))

    def __enter__(self) -> XenSides:
        try:
            self.lab = Lab.up(dhcp=True)
        except LabError as e:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise BenchError(f"the lab did not come up: {e}") from e
        self.lab.add_user()
        try:
            self._prepare()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _prepare(self) -> None:
        self.dom0 = LabDom0(self.lab)
        self.kernel, bench_initrd = reference_files(bench=True)
        self.plain_initrd = reference_files()[1]
        self.initrd = self._with_content(bench_initrd)
        self.lab.exec(f"ip addr add {DOM0_ADDR} dev xenbr0 2>/dev/null; ip link set xenbr0 up")

    def __exit__(self, *exc) -> None:
        for b in list(self.live):
            self.stop(b)
        try:
            self.lab.exec(f"ip addr del {DOM0_ADDR} dev xenbr0 2>/dev/null")
        finally:
            self.lab.release(progress=lambda msg: None)
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _with_content(self, initrd: Path) -> Path:
        """The reference initramfs with the appliance's files appended under /www (a
        second archive: Linux unpacks concatenated ones), so both sides serve the
        same bytes."""
        tree = Tree()
        if self.app.ramdisk is not None:
            for e in archive.read(self.app.ramdisk.read_bytes()):
                if stat.S_ISREG(e.mode):
                    tree.file(f"www/{e.name}", e.data)
        extra = tree.write(self.tmp / "content.cpio.gz")
        out = self.tmp / "rnref-bench-content.cpio.gz"
        out.write_bytes(initrd.read_bytes() + extra.read_bytes())
        return out

    # ---------------------------------------------------------------- sizes, memory
    @property
    def appliance_memory(self) -> int:
        return int(self.app.cfg.get("memory", 8))

    peer_memory = 160  # the reference DomU's configured memory (guests.py)

    def image_bytes(self, side: str) -> dict[str, int]:
        if side == "appliance":
            files = [self.app.kernel] + ([self.app.ramdisk] if self.app.ramdisk else [])
        else:
            files = [self.kernel, self.plain_initrd]
        return {f.name: f.stat().st_size for f in files}

    # ---------------------------------------------------------------- boot
    def boot(
        self,
        side: str,
        memory: int | None = None,
        timeout: float = 90,
        params: dict[str, str] | None = None,
    ) -> Booted:
        """Boot `side` and wait for its first HTTP 200; BenchError if it does not
        serve within `timeout` (the domain is destroyed then)."""
        self.serial += 1
        name = f"{PREFIX}-{side[:4]}-{self.lab.instance}-{self.serial}"
        mac = mac_for(name, 0)
        mem = memory or (self.appliance_memory if side == "appliance" else self.peer_memory)
        b = Booted(side, name, mac, mem)
        self.live.append(b)
        sniff = self._sniff_start(mac)
        try:
            t0 = time.time()
            if side == "appliance":
                b.dom = XenDomain(
                    self.app,
                    self.dom0,
                    name=name,
                    macs=[mac],
                    memory=mem,
                    params={**self.params, **(params or {})},
                    extra_cfg={"on_crash": "destroy"},
                )
                b.dom.start()
            else:
                cfg = reference_config(
                    name, ("xenbr0",), memory=mem, ramdisk=self.initrd.name
                ).replace('on_crash = "preserve"', 'on_crash = "destroy"')
                self.lab.xl_create(cfg, files=[self.kernel, self.initrd])
            b.phases["created"] = time.time() - t0
            b.ip = self._wait_lease(b, t0, timeout)
            b.phases["http_200"] = self._wait_http(b, t0, timeout) - t0
        except (XenRunError, LabError, BenchError) as e:
            self.stop(b)
            raise BenchError(f"{side} ({mem} MiB) did not serve: {str(e)[-600:]}") from e
        finally:
            wire = self._sniff_stop(sniff)
        for what, key in (
            ("Discover", "dhcp_discover"),
            ("Offer", "dhcp_offer"),
            ("ACK", "dhcp_ack"),
        ):
            if what in wire:
                b.phases[key] = wire[what] - t0
        if side == "appliance":
            m = MAIN_RE.search(self.lab.console(name))
            b.main_us = int(m.group(1)) if m else None
        return b

    def stop(self, b: Booted) -> None:
        if b in self.live:
            self.live.remove(b)
        if b.dom is not None:
            b.dom.destroy()
        else:
            try:
                self.lab.destroy(b.name)
            except LabError:
                pass
            self.dom0.unstage(b.name)

    def alive(self, b: Booted) -> bool:
        rc, out = self.lab.exec(["xl", "domid", b.name], 30)
        return rc == 0 and out.strip().isdigit()

    def _wait_lease(self, b: Booted, t0: float, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for lease in self.lab.leases():
                if lease["mac"] == b.mac and lease["granted"] >= int(t0) - 1:
                    return lease["ip"]
            if not self.alive(b):
                raise BenchError(f"{b.name} is gone before its DHCP lease")
            time.sleep(0.1)
        raise BenchError(f"no DHCP lease for {b.name} after {timeout:.0f} s")

    def _wait_http(self, b: Booted, t0: float, timeout: float) -> float:
        """Epoch time of the first HTTP 200 from b.ip (polled every 50 ms)."""
        deadline = t0 + timeout
        while time.time() < deadline:
            p = self.lab.run_host(
                [
                    "curl",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-m",
                    "1",
                    "-w",
                    "%{http_code}",
                    f"http://{b.ip}/",
                ],
                timeout=10,
            )
            if p.stdout.strip() == "200":
                return time.time()
            time.sleep(0.05)
        raise BenchError(f"no HTTP 200 from {b.name} ({b.ip}) after {timeout:.0f} s")

    # ---------------------------------------------------------------- the wire
    def _sniff_start(self, mac: str) -> tuple[subprocess.Popen, Path]:
        out = self.tmp / f"dhcp-{mac.replace(':', '')}.txt"
        f = out.open("w")
        argv = [
            "ip",
            "netns",
            "exec",
            self.lab.netns,
            "tcpdump",
            "-i",
            self.lab.bridges[0],
            "-n",
            "-l",
            "-tt",
            "-v",
            "-U",
            f"ether src {mac} or ether dst {mac}",
            "and udp and (port 67 or port 68)",
        ]
        p = subprocess.Popen(argv, stdout=f, stderr=subprocess.PIPE, text=True)
        f.close()
        line = p.stderr.readline()  # "listening on ..." once the capture runs
        if "listening" not in line:
            p.kill()
            raise BenchError(f"tcpdump on {self.lab.bridges[0]} did not start: {line}")
        return p, out

    @staticmethod
    def _sniff_stop(sniff: tuple[subprocess.Popen, Path]) -> dict[str, float]:
        """{DHCP message type: epoch time of its first occurrence}."""
        p, out = sniff
        time.sleep(0.2)
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        first: dict[str, float] = {}
        stamp = None
        for line in out.read_text(errors="replace").splitlines():
            m = re.match(r"^(\d+\.\d+) ", line)
            if m:
                stamp = float(m.group(1))
                continue
            m = re.search(r"DHCP-Message \(53\), length 1: (\w+)", line)
            if m and stamp is not None:
                first.setdefault(m.group(1), stamp)
        out.unlink(missing_ok=True)
        return first

    # ---------------------------------------------------------------- cost
    def cpu_seconds(self, names: list[str]) -> dict[str, float]:
        """Time(s) of `xl list` for each domain name."""
        return {r["name"]: r["time"] for r in self.lab.domains() if r["name"] in names}
