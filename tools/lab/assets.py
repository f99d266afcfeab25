"""The Debian inputs of the lab, resolved from the package index at run time.

Implements: which Debian binary packages the lab needs (Xen hypervisor, Xen tools and
the shared-library closure of the binaries we copy, the dom0/DomU kernel, busybox),
fetching and unpacking them through tools.debian.Apt, and a version key of all of them
so that built artefacts can be cached per input set. Also the small ELF and kernel
helpers the image builders need: DT_NEEDED of an ELF, the uncompressed vmlinux out of
a Debian bzImage, a module's depends= list.

Not here: building images (initramfs.py) or running anything (qemu.py).
"""

from __future__ import annotations

import hashlib
import json
import lzma
import re
import struct
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tools.cache import cache_dir
from tools.debian import INDEX_MAX_AGE_S, Apt, DebianError

XEN_HYPERVISOR = "xen-hypervisor-4.17-amd64"
XEN_UTILS = "xen-utils-4.17"
KERNEL_META = "linux-image-amd64"
BUSYBOX = "busybox-static"
XENSTORE_UTILS = "xenstore-utils"  # xenstore-read/write for the vif hotplug script
EXTRA_LIBS = ("libgcc-s1",)  # xl aborts when leaving a console without libgcc_s
# Dependencies that are not shared libraries we need to follow.
_NOT_LIBS = re.compile(r"^(python3.*|xen-utils-common|gcc-\d+-base|debconf.*|perl.*)$")


def _dep_names(depends: str) -> list[str]:
    out = []
    for alt in depends.split(","):
        name = alt.split("|")[0].strip().split(" ")[0].split(":")[0]
        if name:
            out.append(name)
    return out


@dataclass
class Assets:
    """Unpacked Debian packages of the lab; every attribute resolves lazily."""

    apt: Apt = field(default_factory=Apt)
    _roots: dict[str, Path] = field(default_factory=dict)
    _versions: dict[str, str] = field(default_factory=dict)

    _memo: dict | None = None

    def _index_stamp(self) -> str | None:
        """Identity of the private apt index; None when it is due for a refresh."""
        stamp = self.apt.root / "updated"
        lists = self.apt.root / "lists"
        if not stamp.exists() or time.time() - stamp.stat().st_mtime > INDEX_MAX_AGE_S:
            return None
        h = hashlib.sha256()
        for f in sorted(lists.glob("*")):
            if f.is_file():
                st = f.stat()
                h.update(f"{f.name} {st.st_size} {st.st_mtime_ns}\n".encode())
        return h.hexdigest()

    def _fields(self, name: str) -> dict[str, str]:
        """apt-cache show for `name`, memoised on disk per state of the apt index
        (apt-cache costs about a second a call; a lab boot needs ~25 of them)."""
        memo_file = lab_cache() / "resolved.json"
        if self._memo is None:
            stamp = self._index_stamp()
            try:
                memo = json.loads(memo_file.read_text())
            except (OSError, ValueError):
                memo = {}
            if stamp is None or memo.get("stamp") != stamp:
                self.apt.update()
                memo = {"stamp": self._index_stamp(), "fields": {}, "roots": {}}
            self._memo = memo
        fields = self._memo["fields"]
        if name not in fields:
            info = self.apt.show(name)
            fields[name] = {k: info.get(k, "") for k in ("Version", "Depends", "SHA256")}
            memo_file.write_text(json.dumps(self._memo, indent=1))
        return fields[name]

    def pkg(self, name: str) -> Path:
        if name not in self._roots:
            self._fields(name)
            roots = self._memo["roots"]
            root = Path(roots.get(name, "/nonexistent"))
            if not (root / ".rumpnet-complete").exists():
                root = self.apt.extract(name)
                roots[name] = str(root)
                (lab_cache() / "resolved.json").write_text(json.dumps(self._memo, indent=1))
            self._versions[name] = self._memo["fields"][name]["Version"]
            self._roots[name] = root
        return self._roots[name]

    def version(self, name: str) -> str:
        self.pkg(name)
        return self._versions[name]

    @cached_property
    def kernel_pkg(self) -> str:
        """linux-image-6.1.0-NN-amd64: the current dependency of linux-image-amd64."""
        deps = _dep_names(self._fields(KERNEL_META)["Depends"])
        image = [d for d in deps if d.startswith("linux-image-")]
        if not image:
            raise DebianError(f"{KERNEL_META} names no linux-image-* dependency")
        return image[0]

    @cached_property
    def lib_packages(self) -> list[str]:
        """The lib* closure of xen-utils' dependencies (plus libgcc-s1)."""
        seen: list[str] = []
        todo = [XEN_UTILS, XENSTORE_UTILS, *EXTRA_LIBS]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.append(name)
            for dep in _dep_names(self._fields(name)["Depends"]):
                if _NOT_LIBS.match(dep):
                    continue
                if dep.startswith(("lib", "zlib")) and dep not in seen:
                    todo.append(dep)
        return [n for n in seen if n not in (XEN_UTILS, XENSTORE_UTILS)]

    def fetch_all(self, progress=lambda msg: None) -> None:
        names = [XEN_HYPERVISOR, XEN_UTILS, XENSTORE_UTILS, BUSYBOX, self.kernel_pkg]
        for name in names + self.lib_packages:
            progress(f"package {name}")
            self.pkg(name)

    def key(self) -> str:
        """A short digest of every input package's name and version."""
        self.fetch_all()
        self._versions[KERNEL_META] = self._fields(KERNEL_META)["Version"]
        h = hashlib.sha256()
        for name in sorted(self._versions):
            h.update(f"{name}={self._versions[name]}\n".encode())
        return h.hexdigest()[:16]

    # -- paths inside the packages ------------------------------------------------
    def xen_gz(self) -> Path:
        found = sorted(self.pkg(XEN_HYPERVISOR).glob("boot/xen-4.17*-amd64.gz"))
        if not found:
            raise DebianError(f"{XEN_HYPERVISOR} has no boot/xen-*.gz")
        return found[-1]

    def kernel_release(self) -> str:
        mods = sorted((self.pkg(self.kernel_pkg) / "lib/modules").iterdir())
        return mods[-1].name

    def vmlinuz(self) -> Path:
        return self.pkg(self.kernel_pkg) / "boot" / f"vmlinuz-{self.kernel_release()}"

    def modules_dir(self) -> Path:
        return self.pkg(self.kernel_pkg) / "lib/modules" / self.kernel_release()

    def busybox(self) -> Path:
        return self.pkg(BUSYBOX) / "bin/busybox"

    def xen_tools_dir(self) -> Path:
        return self.pkg(XEN_UTILS) / "usr/lib/xen-4.17"

    def xenstore_utils_dir(self) -> Path:
        return self.pkg(XENSTORE_UTILS) / "usr/bin"

    def lib_dirs(self) -> list[Path]:
        dirs = []
        for name in self.lib_packages:
            root = self.pkg(name)
            for sub in (
                "lib/x86_64-linux-gnu",
                "usr/lib/x86_64-linux-gnu",
                "lib64",
                "usr/lib/xen-4.17/lib",
            ):
                if (root / sub).is_dir():
                    dirs.append(root / sub)
        return dirs


def lab_cache(*parts: str) -> Path:
    return cache_dir("lab", *parts)


# -- ELF and kernel helpers ---------------------------------------------------------
def elf_needed(path: Path) -> list[str]:
    """DT_NEEDED entries of a 64-bit little-endian ELF (empty for static ones)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return []
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    dyn = None
    loads = []
    for i in range(phnum):
        p_type, _f, p_off, p_vaddr, _pa, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize
        )
        if p_type == 2:
            dyn = (p_off, p_filesz)
        elif p_type == 1:
            loads.append((p_vaddr, p_off, p_filesz))
    if not dyn:
        return []

    def v2o(vaddr: int) -> int:
        for va, off, size in loads:
            if va <= vaddr < va + size:
                return off + vaddr - va
        raise ValueError(f"{path}: address {vaddr:#x} not in a PT_LOAD")

    needed, strtab = [], None
    off, end = dyn[0], dyn[0] + dyn[1]
    while off < end:
        tag, val = struct.unpack_from("<qQ", data, off)
        off += 16
        if tag == 0:
            break
        if tag == 1:
            needed.append(val)
        elif tag == 5:
            strtab = v2o(val)
    names = []
    for n in needed:
        s = strtab + n
        names.append(data[s : data.index(b"\0", s)].decode())
    return names


def vmlinux_from_bzimage(bzimage: Path, dest: Path) -> Path:
    """Write the uncompressed ELF kernel held in a Debian (xz) bzImage."""
    data = bzimage.read_bytes()
    pos = data.find(b"\xfd7zXZ\x00")
    while pos >= 0:
        try:
            out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[pos:])
        except lzma.LZMAError:
            out = b""
        if out[:4] == b"\x7fELF":
            tmp = dest.with_suffix(".tmp")
            tmp.write_bytes(out)
            tmp.replace(dest)
            return dest
        pos = data.find(b"\xfd7zXZ\x00", pos + 1)
    raise DebianError(f"{bzimage}: no xz-compressed ELF kernel inside")


def module_bytes(path: Path) -> bytes:
    """A kernel module's bytes, uncompressed (.ko, .ko.xz, .ko.zst)."""
    if path.name.endswith(".xz"):
        return lzma.decompress(path.read_bytes())
    if path.name.endswith(".zst"):
        import subprocess

        return subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
    return path.read_bytes()


def module_depends(data: bytes) -> list[str]:
    m = re.search(rb"depends=([^\0]*)\0", data)
    return [d.decode() for d in m.group(1).split(b",") if d] if m else []
