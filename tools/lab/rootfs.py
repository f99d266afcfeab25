"""Populating an initramfs Tree from the lab's Debian packages.

Implements: busybox (static, applets linked at boot by the init script), dynamically
linked ELF programs with their shared-library closure (read from DT_NEEDED, looked up
in the unpacked library packages; a missing library is an error, not a boot failure),
and kernel modules with their depends= closure in load order. Not here: which
programs and modules an image wants (dom0.py, domu.py).
"""

from __future__ import annotations

from pathlib import Path

from tools.lab.assets import Assets, elf_needed, module_bytes, module_depends
from tools.lab.cpio import Tree

LIBDIR = "lib/x86_64-linux-gnu"
LD_SO = "ld-linux-x86-64.so.2"


class ImageError(RuntimeError):
    """An image could not be assembled from the packages."""


def add_busybox(tree: Tree, assets: Assets) -> None:
    tree.file("bin/busybox", assets.busybox(), 0o755)
    tree.symlink("bin/sh", "busybox")
    for d in (
        "dev",
        "proc",
        "sys",
        "tmp",
        "run",
        "etc",
        "root",
        "sbin",
        "usr/bin",
        "usr/sbin",
        "var",
    ):
        tree.dir(d)
    tree.symlink("var/run", "../run")


def _soname_index(assets: Assets) -> dict[str, Path]:
    index: dict[str, Path] = {}
    for d in assets.lib_dirs():
        for f in d.iterdir():
            if ".so" in f.name and f.name not in index:
                index[f.name] = f
    return index


def add_programs(
    tree: Tree, assets: Assets, programs: dict[str, Path], dlopened: tuple[str, ...] = ()
) -> None:
    """Copy programs (dest path → source) and every shared library they need, plus
    the libraries they dlopen (`dlopened` sonames, e.g. libgcc_s.so.1 for glibc's
    pthread_cancel, without which xl aborts)."""
    index = _soname_index(assets)
    for soname in dlopened:
        if soname not in index:
            raise ImageError(f"{soname} found in no lab package")
    todo = list(programs.values()) + [index[s] for s in dlopened]
    for soname in dlopened:
        tree.file(f"{LIBDIR}/{soname}", index[soname].resolve(), 0o755)
    for dest, src in programs.items():
        tree.file(dest, src.resolve(), 0o755)
    done: set[str] = set(dlopened)
    while todo:
        elf = todo.pop()
        for soname in elf_needed(elf.resolve()):
            if soname in done:
                continue
            if soname not in index:
                raise ImageError(f"{elf.name} needs {soname}, found in no lab package")
            done.add(soname)
            tree.file(f"{LIBDIR}/{soname}", index[soname].resolve(), 0o755)
            todo.append(index[soname])
    if LD_SO not in done and programs:
        raise ImageError(f"no program pulled in {LD_SO}")
    tree.symlink(f"lib64/{LD_SO}", f"/{LIBDIR}/{LD_SO}")


def add_modules(tree: Tree, assets: Assets, wanted: list[str]) -> list[str]:
    """Copy modules and their dependencies to lib/modules/NAME.ko; return load order."""
    found = {
        p.name.split(".ko")[0].replace("-", "_"): p for p in assets.modules_dir().rglob("*.ko*")
    }
    order: list[str] = []

    def visit(name: str, stack: tuple[str, ...]) -> None:
        key = name.replace("-", "_")
        if key in order:
            return
        if key not in found:
            raise ImageError(f"kernel module {name} is not in {assets.kernel_pkg}")
        if key in stack:
            raise ImageError(f"module dependency loop at {name}")
        data = module_bytes(found[key])
        for dep in module_depends(data):
            visit(dep, stack + (key,))
        tree.file(f"lib/modules/{key}.ko", data)
        order.append(key)

    for name in wanted:
        visit(name, ())
    tree.file("etc/modules.load", ("\n".join(order) + "\n").encode())
    return order
