"""The dom0 initramfs and the boot files of the lab, built once per input set.

Implements: the dom0 initramfs (busybox, the Xen tools xl/xenstored/xenconsoled/
xen-init-dom0/xenstore-* with their libraries, the dom0 kernel modules, init, control
agent and vif hotplug script from tools/lab/files/), the gunzipped Xen multiboot ELF and
the uncompressed dom0 vmlinux; all cached under lab/boot/<key> where key digests the
package versions and the script texts. Not here: starting QEMU (qemu.py).
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from tools.lab.assets import Assets, lab_cache, vmlinux_from_bzimage
from tools.lab.cpio import Tree
from tools.lab.rootfs import add_busybox, add_modules, add_programs

FILES = Path(__file__).parent / "files"
DOM0_MODULES = [
    "xen-privcmd",
    "xenfs",
    "xen-evtchn",
    "xen-gntdev",
    "xen-gntalloc",
    "xen-netback",
    "xen-blkback",
    "bridge",
    "tun",
    "e1000",
    "virtio_pci",
    "virtio_console",
    "9pnet_virtio",
    "9p",
]
XEN_PROGRAMS = [
    "xl",
    "xenstored",
    "xenconsoled",
    "xen-init-dom0",
    "xenconsole",
    "libxl-save-helper",
    "xen-cpuid",
]
XENSTORE_PROGRAMS = [
    "xenstore",
    "xenstore-read",
    "xenstore-write",
    "xenstore-ls",
    "xenstore-list",
    "xenstore-rm",
    "xenstore-exists",
    "xenstore-watch",
    "xenstore-chmod",
    "xenstore-control",
]
BUILD_REV = "1"  # bump when this file's output changes for equal inputs


@dataclass(frozen=True)
class BootFiles:
    xen: Path  # multiboot ELF for qemu -kernel
    vmlinux: Path  # uncompressed dom0 kernel (also the reference DomU kernel)
    initramfs: Path  # dom0 initramfs (gzip cpio)
    key: str
    versions: dict


DOM0_FILES = ("dom0-init.sh", "agent.sh", "watcher.sh", "vif-rnlab.sh")


BUILDERS = ("dom0.py", "rootfs.py", "cpio.py", "assets.py")


def scripts_digest(names=DOM0_FILES, rev: str = BUILD_REV) -> str:
    """Digest of the scripts that go into an image and of the builder code."""
    h = hashlib.sha256(rev.encode())
    for name in names:
        h.update(name.encode() + (FILES / name).read_bytes())
    for name in BUILDERS:
        h.update(name.encode() + (Path(__file__).parent / name).read_bytes())
    return h.hexdigest()[:8]


def prune(parent: Path, keep: Path, count: int = 2) -> None:
    """Remove all but the `count` newest builds in `parent` (never `keep`)."""
    builds = sorted(
        (p for p in parent.iterdir() if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime
    )
    for old in builds[:-count] if count else builds:
        shutil.rmtree(old, ignore_errors=True)


def build_dom0_initramfs(assets: Assets, dest: Path) -> Path:
    tree = Tree()
    add_busybox(tree, assets)
    tools = assets.xen_tools_dir() / "bin"
    progs = {f"usr/lib/xen-4.17/bin/{p}": tools / p for p in XEN_PROGRAMS}
    xs = assets.xenstore_utils_dir()
    for p in XENSTORE_PROGRAMS:
        if (xs / p).exists():
            progs[f"usr/bin/{p}"] = xs / p
    add_programs(tree, assets, progs, dlopened=("libgcc_s.so.1",))
    add_modules(tree, assets, DOM0_MODULES)
    tree.file("init", FILES / "dom0-init.sh", 0o755)
    tree.file("etc/rnlab/agent.sh", FILES / "agent.sh", 0o755)
    tree.file("etc/rnlab/watcher.sh", FILES / "watcher.sh", 0o755)
    tree.file("etc/xen/scripts/vif-rnlab", FILES / "vif-rnlab.sh", 0o755)
    tree.file(
        "etc/xen/xl.conf",
        b'autoballoon="off"\nvif.default.script="vif-rnlab"\nvif.default.bridge="xenbr0"\n',
    )
    tree.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    tree.file("etc/group", b"root:x:0:\n")
    tree.file("etc/hostname", b"rnlab-dom0\n")
    return tree.write(dest)


def current_key(assets: Assets | None = None) -> str:
    """The key boot_files() would build under now (packages + scripts + builders)."""
    return f"{(assets or Assets()).key()}-{scripts_digest()}"


def boot_files(assets: Assets | None = None, progress=lambda msg: None) -> BootFiles:
    """Xen, dom0 kernel and dom0 initramfs for the current package versions (cached)."""
    assets = assets or Assets()
    progress("resolving Debian packages")
    key = current_key(assets)
    out = lab_cache("boot", key)
    xen, vmlinux, initrd = out / "xen.elf", out / "vmlinux", out / "dom0.cpio.gz"
    if not xen.exists():
        progress("unpacking the Xen hypervisor")
        tmp = xen.with_suffix(".tmp")
        with gzip.open(assets.xen_gz()) as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        tmp.replace(xen)
    if not vmlinux.exists():
        progress("extracting the uncompressed kernel")
        vmlinux_from_bzimage(assets.vmlinuz(), vmlinux)
    if not initrd.exists():
        progress("building the dom0 initramfs")
        build_dom0_initramfs(assets, initrd)
        prune(out.parent, out)
    return BootFiles(xen, vmlinux, initrd, key, dict(assets._versions))
