"""The content archive: a directory packed into a cpio "newc" archive.

Implements: a deterministic writer (sorted paths, mtime 0, uid/gid 0, normalised
modes, inodes numbered in order: the same tree always gives the same bytes) and a
reader used to check archives. The appliance's httpd serves straight from this
archive, mapped at boot (the PV ramdisk on Xen), never from a file-system image.

Not here: compression (the appliance reads the archive in place), symlinks, device
nodes or hard links (refused with a clear error: the appliance serves regular files).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"070701"
TRAILER = "TRAILER!!!"
MAX_PATH = 1024
MAX_FILE = 64 << 20


class ArchiveError(ValueError):
    """The content cannot be packed (or an archive cannot be read)."""


@dataclass(frozen=True)
class Entry:
    name: str
    mode: int
    data: bytes


def _pad4(n: int) -> int:
    return (4 - n % 4) % 4


def _header(ino: int, mode: int, size: int, namesize: int) -> bytes:
    fields = (ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, size, 0, 0, 0, 0, namesize, 0)
    return MAGIC + b"".join(f"{v:08x}".encode() for v in fields)


def _record(ino: int, mode: int, name: str, data: bytes) -> bytes:
    bname = name.encode() + b"\0"
    head = _header(ino, mode, len(data), len(bname)) + bname
    head += b"\0" * _pad4(len(head))
    return head + data + b"\0" * _pad4(len(data))


def collect(root: Path) -> list[Entry]:
    """The entries of `root`, sorted, directories before their contents."""
    if not root.is_dir():
        raise ArchiveError(f"{root}: not a directory")
    entries: list[Entry] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(dirnames + filenames):
            path = base / name
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if len(rel.encode()) > MAX_PATH:
                raise ArchiveError(f"{path}: path longer than {MAX_PATH} bytes")
            if stat.S_ISDIR(st.st_mode):
                entries.append(Entry(rel, stat.S_IFDIR | 0o755, b""))
            elif stat.S_ISREG(st.st_mode):
                if st.st_size > MAX_FILE:
                    raise ArchiveError(f"{path}: larger than {MAX_FILE >> 20} MiB")
                entries.append(Entry(rel, stat.S_IFREG | 0o644, path.read_bytes()))
            else:
                raise ArchiveError(f"{path}: only regular files and directories can be served")
    entries.sort(key=lambda e: e.name.split("/"))
    return entries


def pack(root: Path) -> bytes:
    """The newc archive of directory `root`."""
    out = bytearray()
    for ino, e in enumerate(collect(root), start=1):
        out += _record(ino, e.mode, e.name, e.data)
    out += _record(0, 0, TRAILER, b"")
    return bytes(out)


def read(blob: bytes) -> list[Entry]:
    """Parse a newc archive (entries before the trailer); raises ArchiveError."""
    entries, off = [], 0
    while True:
        if blob[off : off + 6] != MAGIC:
            raise ArchiveError(f"bad cpio magic at offset {off}")
        try:
            vals = [int(blob[off + 6 + 8 * i : off + 14 + 8 * i], 16) for i in range(13)]
        except ValueError:
            raise ArchiveError(f"bad cpio header at offset {off}") from None
        mode, size, namesize = vals[1], vals[6], vals[11]
        name_start = off + 110
        name = blob[name_start : name_start + namesize - 1].decode()
        data_start = name_start + namesize + _pad4(110 + namesize)
        if data_start + size > len(blob):
            raise ArchiveError(f"{name}: truncated")
        if name == TRAILER:
            return entries
        entries.append(Entry(name, mode, blob[data_start : data_start + size]))
        off = data_start + size + _pad4(size)
