"""Load generators for the lab's benchmarks: Debian's wrk and iperf (iperf2).

Implements: fetching the programs' packages and their shared-library packages (the
lib* part of their Depends, first alternative), the ELF library closure of each
program (DT_NEEDED, looked up in those packages); dom0_tools(lab): the programs and
libraries put on the lab's share, so dom0 runs them from there (no dom0 image
rebuild, nothing copied into dom0's RAM); add_domu_programs(tree): the same programs
with their libraries into an initramfs Tree (the reference DomU's bench variant).
Not here: running them or reading their output (tools/bench/xen_load.py).
"""

from __future__ import annotations

import hashlib
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from tools.debian import Apt
from tools.lab.assets import elf_needed, lab_cache
from tools.lab.cpio import Tree
from tools.lab.rootfs import LIBDIR, ImageError

PROGRAMS = {"wrk": ("wrk", "usr/bin/wrk"), "iperf": ("iperf", "usr/bin/iperf")}
LIB_SUBDIRS = ("lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu")
SHARE_SUBDIR = "benchtools"
LD_SO = "ld-linux-x86-64.so.2"


def _dep_names(depends: str) -> list[str]:
    return [
        alt.split("|")[0].strip().split(" ")[0].split(":")[0]
        for alt in depends.split(",")
        if alt.strip()
    ]


@dataclass
class Program:
    name: str
    path: Path  # the unpacked binary
    libs: dict[str, Path]  # soname -> unpacked library (closure, ld.so included)
    versions: dict[str, str]  # package -> version


def resolve(name: str, apt: Apt | None = None) -> Program:
    """The program `name` (a key of PROGRAMS) and its library closure, unpacked."""
    apt = apt or Apt()
    pkg, rel = PROGRAMS[name]
    versions: dict[str, str] = {}
    roots: list[Path] = []
    todo, seen = [pkg], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        info = apt.show(p)
        versions[p] = info["Version"]
        roots.append(apt.extract(p))
        for dep in _dep_names(info.get("Depends", "")):
            if dep.startswith("lib") and dep not in seen:
                todo.append(dep)
    index: dict[str, Path] = {}
    for root in roots:
        for sub in LIB_SUBDIRS:
            d = root / sub
            if d.is_dir():
                for f in d.iterdir():
                    if ".so" in f.name:
                        index.setdefault(f.name, f)
    binary = roots[0] / rel
    if not binary.is_file():
        raise ImageError(f"package {pkg} has no {rel}")
    libs: dict[str, Path] = {}
    stack = [binary]
    while stack:
        elf = stack.pop()
        for soname in elf_needed(elf.resolve()):
            if soname in libs:
                continue
            if soname not in index:
                raise ImageError(f"{elf.name} needs {soname}, found in no package of {pkg}")
            libs[soname] = index[soname]
            stack.append(index[soname])
    if LD_SO in index:
        libs.setdefault(LD_SO, index[LD_SO])
    return Program(name, binary, libs, versions)


@dataclass
class Dom0Tools:
    """Commands that run the shared programs in dom0 (their own ld.so and libraries)."""

    root: str  # dom0 path of the share subdirectory
    versions: dict[str, str]

    def argv(self, program: str) -> list[str]:
        return [
            f"{self.root}/lib/{LD_SO}",
            "--library-path",
            f"{self.root}/lib",
            f"{self.root}/bin/{program}",
        ]

    def shell(self, program: str, args: list[str]) -> str:
        return shlex.join([*self.argv(program), *args])


def stage(names=("wrk", "iperf")) -> tuple[Path, dict[str, str]]:
    """bin/<program> and lib/<soname> for `names` in a cache directory (made once
    per package versions); returns it and the package versions."""
    progs = [resolve(n) for n in names]
    versions = {k: v for p in progs for k, v in sorted(p.versions.items())}
    key = hashlib.sha256(repr(sorted(versions.items())).encode()).hexdigest()[:12]
    out = lab_cache(SHARE_SUBDIR, key)
    if not (out / ".complete").exists():
        for p in progs:
            (out / "bin").mkdir(parents=True, exist_ok=True)
            (out / "lib").mkdir(exist_ok=True)
            shutil.copyfile(p.path.resolve(), out / "bin" / p.name)
            (out / "bin" / p.name).chmod(0o755)
            for soname, lib in p.libs.items():
                shutil.copyfile(lib.resolve(), out / "lib" / soname)
                (out / "lib" / soname).chmod(0o755)
        (out / ".complete").write_text("")
    return out, versions


def dom0_tools(lab, names=("wrk", "iperf")) -> Dom0Tools:
    """Put the programs and their libraries on the lab's share; see Dom0Tools."""
    out, versions = stage(names)
    root = ""
    for sub in ("bin", "lib"):
        for f in sorted((out / sub).iterdir()):
            root = lab.share(f, subdir=f"{SHARE_SUBDIR}/{sub}").rsplit(f"/{sub}/", 1)[0]
    return Dom0Tools(root, versions)


def add_domu_programs(tree: Tree, names=("iperf",)) -> dict[str, str]:
    """Programs into usr/bin of an initramfs with their libraries (and ld.so)."""
    versions: dict[str, str] = {}
    for name in names:
        prog = resolve(name)
        versions.update(prog.versions)
        tree.file(f"usr/bin/{name}", prog.path.resolve(), 0o755)
        for soname, lib in prog.libs.items():
            if f"{LIBDIR}/{soname}" not in tree:
                tree.file(f"{LIBDIR}/{soname}", lib.resolve(), 0o755)
    if f"lib64/{LD_SO}" not in tree:
        tree.symlink(f"lib64/{LD_SO}", f"/{LIBDIR}/{LD_SO}")
    return versions
