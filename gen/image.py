"""Assemble the appliance directory: manifest, then an atomic move into place.

Implements: manifest.json (the resolved profile, the inputs with their hashes, the
build outcome per platform, and SHA-256 and size of every output file) and the
all-or-nothing placement: everything is written into a temporary directory beside
the destination and renamed into place only when every stage succeeded.

Not here: producing the outputs (render.py, archive.py, build.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1


class OutputError(ValueError):
    """The destination cannot be used (exists and is not an appliance)."""


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(work: Path, profile: dict, inputs: dict, builds: dict) -> Path:
    outputs = {
        p.name: {"sha256": sha256_file(p), "size": p.stat().st_size}
        for p in sorted(work.iterdir())
        if p.is_file() and p.name != MANIFEST
    }
    doc = {
        "format": FORMAT,
        "generator": "rumpnet",
        "profile": profile,
        "inputs": inputs,
        "build": builds,
        "outputs": outputs,
    }
    path = work / MANIFEST
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return path


def check_destination(dest: Path) -> None:
    """Refuse to replace anything but an earlier appliance (or an empty directory)."""
    if dest.exists() and not dest.is_dir():
        raise OutputError(f"{dest}: exists and is not a directory")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MANIFEST).exists():
        raise OutputError(f"{dest}: exists, is not empty and holds no rumpnet appliance")


@contextmanager
def staging(dest: Path):
    """Yield a temporary directory; on success it replaces `dest`, on error it vanishes."""
    check_destination(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.new-", dir=dest.parent))
    try:
        yield work
        os.chmod(work, 0o755)
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
            os.rename(dest, old / "x")
            os.rename(work, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(work, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
