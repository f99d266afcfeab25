"""A file tree written as a gzip-compressed newc cpio archive (a Linux initramfs).

Implements: Tree, an in-memory list of directories, files and symlinks with their
modes, written deterministically (fixed mtime, uid 0) so equal inputs give equal
archives. Not here: what goes into an initramfs (dom0.py, domu.py choose that).
"""

from __future__ import annotations

import gzip
from pathlib import Path, PurePosixPath


class Tree:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, bytes]] = {}

    def _parents(self, path: str) -> None:
        for parent in reversed(PurePosixPath(path).parents):
            p = str(parent).lstrip("/")
            if p and p not in self._entries:
                self._entries[p] = (0o040755, b"")

    def dir(self, path: str, mode: int = 0o755) -> None:
        path = path.strip("/")
        self._parents(path)
        self._entries[path] = (0o040000 | mode, b"")

    def file(self, path: str, data: bytes | Path, mode: int = 0o644) -> None:
        path = path.strip("/")
        self._parents(path)
        if isinstance(data, Path):
            data = data.read_bytes()
        self._entries[path] = (0o100000 | mode, data)

    def symlink(self, path: str, target: str) -> None:
        path = path.strip("/")
        self._parents(path)
        self._entries[path] = (0o120777, target.encode())

    def __contains__(self, path: str) -> bool:
        return path.strip("/") in self._entries

    def write(self, dest: Path, level: int = 6) -> Path:
        tmp = dest.with_name(dest.name + ".tmp")
        with gzip.GzipFile(tmp, "wb", compresslevel=level, mtime=0) as out:
            ino = 1
            for name in sorted(self._entries):
                mode, data = self._entries[name]
                out.write(_header(ino, mode, len(data), name))
                out.write(data)
                out.write(b"\0" * (-len(data) % 4))
                ino += 1
            out.write(_header(0, 0, 0, "TRAILER!!!"))
        tmp.replace(dest)
        return dest


def _header(ino: int, mode: int, size: int, name: str) -> bytes:
    nb = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, len(nb), 0]
    hdr = b"070701" + b"".join(b"%08X" % f for f in fields) + nb
    return hdr + b"\0" * (-len(hdr) % 4)
