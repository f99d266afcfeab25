"""The reference Linux PV DomU, and the guest-type probe.

Implements: the reference DomU's initramfs (busybox, xen-netfront, files/domu-init.sh:
DHCP on every vif, ip_forward, busybox httpd serving "rnref <name> ok"), built once per
input set and booted with the same uncompressed Debian kernel as dom0; its xl config
with N vifs on given dom0 bridges; create_reference() to start one in a lab and wait
for its first console line; probe_guest_types() recording in the lab state whether PV
Linux, a tiny PVH guest (pvhprobe.py) and PVH Linux (tsc_mode = "native") run here.
Not here: running xl (lab.py).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tools.lab import pvhprobe, state
from tools.lab.assets import Assets, lab_cache
from tools.lab.cpio import Tree
from tools.lab.dom0 import FILES, boot_files, prune, scripts_digest
from tools.lab.lab import LabError
from tools.lab.rootfs import add_busybox, add_modules
from tools.lab.xl import mac_for, vif_spec

DOMU_FILES = ("domu-init.sh", "udhcpc.sh")
BUILD_REV = "1"


def reference_files(assets: Assets | None = None, bench: bool = False) -> tuple[Path, Path]:
    """(uncompressed kernel, initramfs) of the reference DomU (cached). bench=True:
    the variant that also carries iperf (benchtools.py) and runs `iperf -s`."""
    assets = assets or Assets()
    boot = boot_files(assets)
    out = lab_cache("domu", f"{assets.key()}-{scripts_digest(DOMU_FILES, BUILD_REV)}")
    initrd = out / ("rnref-bench.cpio.gz" if bench else "rnref.cpio.gz")
    if not initrd.exists():
        tree = Tree()
        add_busybox(tree, assets)
        add_modules(tree, assets, ["xen-netfront"])
        if bench:
            from tools.lab.benchtools import add_domu_programs

            add_domu_programs(tree, ("iperf",))
        tree.file("init", FILES / "domu-init.sh", 0o755)
        tree.file("etc/udhcpc.sh", FILES / "udhcpc.sh", 0o755)
        tree.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
        tree.write(initrd)
        prune(out.parent, out)
    return boot.vmlinux, initrd


def reference_config(
    name: str,
    bridges=("xenbr0",),
    memory: int = 160,
    kind: str = "pv",
    static: dict[int, str] | None = None,
    busy: bool = False,
    ramdisk: str = "rnref.cpio.gz",
    macs: list[str] | None = None,
    args: tuple[str, ...] = (),
) -> str:
    """xl config of a reference DomU with one vif per bridge (files under $FILES).
    macs: the vifs' MACs (default mac_for); args: more rnref.* command-line words
    for domu-init.sh (rnref.mtu=ethN:MTU, rnref.forward=0, rnref.arpcheck=1)."""
    macs = macs or [mac_for(name, i) for i in range(len(bridges))]
    vifs = ", ".join(f"'{vif_spec(br, macs[i])}'" for i, br in enumerate(bridges))
    extra = f"console=hvc0 loglevel=4 rnref.name={name}"
    if busy:
        extra += " rnref.busy=1"
    for idx, addr in (static or {}).items():
        extra += f" rnref.static=eth{idx}:{addr}"
    for word in args:
        extra += f" {word}"
    lines = [
        f'name = "{name}"',
        f'type = "{kind}"',
        'kernel = "$FILES/vmlinux"',
        f'ramdisk = "$FILES/{ramdisk}"',
        f'extra = "{extra}"',
        f"memory = {memory}",
        "vcpus = 1",
        f"vif = [{vifs}]",
        'on_crash = "preserve"',
    ]
    if kind == "pvh":
        lines.append('tsc_mode = "native"')
    return "\n".join(lines) + "\n"


@dataclass
class RefGuest:
    name: str
    bridges: tuple[str, ...]
    macs: list[str]
    created: float = 0.0  # epoch seconds when xl create was started
    timings: dict = field(default_factory=dict)

    def wait_address(self, lab, index: int = 0, timeout: float = 60) -> str:
        """The DHCP address of vif `index`: the guest reports it bound on its console
        and dnsmasq in the host namespace holds the matching lease."""
        m = lab.wait_console(self.name, rf"rnref: eth{index} bound ([0-9.]+)/", timeout)
        ip = lab.wait_lease(self.macs[index], timeout=10, since=self.created)
        if ip != m.group(1):
            raise LabError(
                f"{self.name} eth{index}: console says {m.group(1)}, dnsmasq leased {ip}"
            )
        return ip


def create_reference(
    lab,
    name: str,
    bridges=("xenbr0",),
    kind: str = "pv",
    wait: bool = True,
    timeout: float = 90,
    static: dict[int, str] | None = None,
    busy: bool = False,
    macs: list[str] | None = None,
    args: tuple[str, ...] = (),
) -> RefGuest:
    """Start a reference DomU in `lab`; wait for its first console line unless
    wait=False. timings: create (xl create returned), first_console.
    macs, args: as reference_config."""
    kernel, initrd = reference_files()
    macs = macs or [mac_for(name, i) for i in range(len(bridges))]
    cfg = reference_config(
        name, tuple(bridges), kind=kind, static=static, busy=busy, macs=macs, args=args
    )
    t0, created = time.monotonic(), time.time()
    lab.xl_create(cfg, files=[kernel, initrd])
    guest = RefGuest(name, tuple(bridges), list(macs), created)
    guest.timings["create"] = round(time.monotonic() - t0, 2)
    if wait:
        lab.wait_console(name, r"\S", timeout)
        guest.timings["first_console"] = round(time.monotonic() - t0, 2)
    return guest


def record_guest_type(lab, kind: str, result: str) -> None:
    """Remember a guest-type result for `rumpnet lab status`."""
    with state.locked(lab.instance):
        st = state.load(lab.instance)
        if st:
            st.setdefault("guest_probes", {})[kind] = result
            state.save(st)


PROBE_KINDS = ("pv", "pvh", "pvh-linux")


def probe_guest_types(lab, kinds=PROBE_KINDS, timeout: float = 60) -> dict[str, str]:
    """Probe guest types and record the results for `rumpnet lab status`:
    pv = the reference Linux as PV, pvh = the tiny PVH probe (tsc_mode native),
    pvh-linux = the reference Linux as PVH (tsc_mode native)."""
    results = {}
    for kind in kinds:
        name = f"rnlab-probe-{kind}"
        lab.destroy(name)
        try:
            if kind == "pvh":
                results[kind] = _probe_tiny_pvh(lab, name, timeout)
            else:
                create_reference(lab, name, bridges=(), kind=kind[:3], wait=False)
                results[kind] = _watch_boot(lab, name, timeout)
        except Exception as e:  # a failure to create is the probe's result too
            results[kind] = f"fails (probed: {str(e).strip().splitlines()[-1][:120]})"
        finally:
            lab.destroy(name)
        record_guest_type(lab, kind, results[kind])
    return results


def _probe_tiny_pvh(lab, name: str, timeout: float) -> str:
    token = uuid.uuid4().hex[:12]
    image = pvhprobe.build(lab_cache() / "pvhprobe.elf", token)
    cfg = (
        f'name = "{name}"\ntype = "pvh"\nkernel = "$FILES/pvhprobe.elf"\nmemory = 32\n'
        'vcpus = 1\ntsc_mode = "native"\n'
    )
    lab.xl_create(cfg, files=[image])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, out = lab.exec(f"xl dmesg | grep -c 'rnlab-pvh-ok {token}'")
        if out.strip() not in ("", "0"):
            return 'works (probed: tiny PVH guest, tsc_mode = "native", output on port 0xE9)'
        time.sleep(0.5)
    return f"fails (probed: tiny PVH guest printed nothing in {timeout:.0f} s)"


def _watch_boot(lab, name: str, timeout: float) -> str:
    """Until the reference init says ready, the domain crashes, or timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "rnref: ready" in lab.console(name):
            return "works (probed: Linux reached userspace)"
        rc, out = lab.exec(["xl", "list", name], timeout=30)
        rows = out.strip().splitlines()
        if rc != 0 or len(rows) < 2 or any(c in rows[-1].split()[4] for c in "cs"):
            _, log = lab.exec(f"grep -h 'shut down' /var/log/xen/xl-{name}.log | tail -1")
            lines = [ln for ln in lab.console(name).splitlines() if ln.strip()]
            last = f"last console line: {lines[-1][:100]}" if lines else "no console output"
            return f"fails (probed: {log.strip() or 'domain crashed'}; {last})"
        time.sleep(1)
    return f"fails (probed: no userspace after {timeout:.0f} s)"
