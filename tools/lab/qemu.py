"""The QEMU process that runs Xen and dom0.

Implements: choosing the accelerator (TCG unless KVM is explicitly asked for and
works: on these machines KVM hangs guests, see LAB_NOTES), the QEMU command line
(Xen as multiboot kernel, dom0 kernel + initramfs as modules, one e1000 per lab
network on its TAP, a virtio-serial control port on a FIFO pair and a 9p share of the run dir),
starting it detached inside the lab namespace, and reading its resident memory.
Not here: the namespace (hostnet.py) or talking to dom0 (channel.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tools.lab.dom0 import BootFiles
from tools.lab.hostnet import NETWORKS, popen_in

XEN_ARGS = (
    "console=com1 com1=115200,8n1 dom0_mem=512M,max:512M dom0_max_vcpus=1 "
    "loglvl=all guest_loglvl=all noreboot no-real-mode bootscrub=0"
)
DOM0_ARGS = "console=hvc0 earlyprintk=xen loglevel=4"
# No XSAVE (hence no AVX): with XSAVE, Xen's save/restore of vCPU FPU state under
# QEMU 10 TCG corrupts dom0 processes whenever busy DomUs share the CPUs (measured:
# 23-45 of ~100 dom0 commands crashed in 90 s with two busy DomUs, with or without
# AVX, XSAVEOPT/XSAVEC/XSAVES or FSGSBASE; 0 of 110 without XSAVE). Xen then uses
# FXSAVE. RUMPNET_LAB_CPU overrides (experiments).
CPU_TCG = "max,-xsave,-xsaveopt,-xsavec,-xsaves,-avx,-avx2,-avx512f"
MEMORY_MB = 2048
CPUS = 2


def qemu_binary() -> str:
    path = shutil.which("qemu-system-x86_64")
    if not path:
        raise FileNotFoundError("qemu-system-x86_64 not found (Debian: qemu-system-x86)")
    return path


def qemu_version() -> str:
    out = subprocess.run([qemu_binary(), "--version"], capture_output=True, text=True)
    return out.stdout.split("\n")[0].replace("QEMU emulator version ", "").strip()


def accel() -> str:
    """tcg, unless RUMPNET_LAB_ACCEL=kvm asks for KVM and /dev/kvm opens."""
    if os.environ.get("RUMPNET_LAB_ACCEL") == "kvm" and os.access("/dev/kvm", os.W_OK):
        return "kvm"
    return "tcg"


def cpu_model(a: str | None = None) -> str:
    a = a or accel()
    return os.environ.get("RUMPNET_LAB_CPU") or ("host" if a == "kvm" else CPU_TCG)


def command(boot: BootFiles, run_dir: Path, networks=NETWORKS) -> list[str]:
    a = accel()
    cpu = cpu_model(a)
    argv = [
        qemu_binary(),
        "-name",
        "rnlab",
        "-nodefaults",
        "-no-user-config",
        "-machine",
        "pc",
        "-accel",
        a,
        "-cpu",
        cpu,
        "-m",
        str(MEMORY_MB),
        "-smp",
        str(CPUS),
        "-display",
        "none",
        "-vga",
        "none",
        "-no-reboot",
        "-kernel",
        str(boot.xen),
        "-append",
        XEN_ARGS,
        "-initrd",
        f"{boot.vmlinux} {DOM0_ARGS},{boot.initramfs}",
        "-chardev",
        f"file,id=con,path={run_dir / 'console.log'}",
        "-serial",
        "chardev:con",
        "-monitor",
        f"unix:{run_dir / 'monitor.sock'},server=on,wait=off",
        "-device",
        "virtio-serial-pci,id=vs0",
        "-chardev",
        f"pipe,id=ctl,path={run_dir / 'ctl'}",
        "-device",
        "virtserialport,bus=vs0.0,chardev=ctl,name=rnlab.ctl",
        "-fsdev",
        f"local,id=share,path={run_dir / 'share'},security_model=none",
        "-device",
        "virtio-9p-pci,fsdev=share,mount_tag=rnlab",
        "-pidfile",
        str(run_dir / "qemu.pid"),
    ]
    for net in networks:
        argv += [
            "-netdev",
            f"tap,id=n{net.index},ifname={net.tap},script=no,downscript=no",
            "-device",
            f"e1000,netdev=n{net.index},mac={net.mac},romfile=",
        ]
    return argv


def start(boot: BootFiles, run_dir: Path, netns_name: str, networks=NETWORKS) -> int:
    """Start QEMU detached (own session) inside the namespace; returns its pid."""
    (run_dir / "share").mkdir(parents=True, exist_ok=True)
    for fifo in ("ctl.in", "ctl.out"):  # the control channel: QEMU holds both open, so
        os.mkfifo(run_dir / fifo)  # dom0's port always looks connected and blocks
    argv = command(boot, run_dir, networks)
    (run_dir / "qemu.cmd").write_text(" ".join(argv) + "\n")
    log = (run_dir / "qemu.log").open("ab")
    proc = popen_in(
        netns_name,
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        close_fds=True,
    )
    log.close()
    return proc.pid


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
