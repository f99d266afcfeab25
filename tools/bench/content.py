"""Bench content: the httpd profile's own files plus one 1 MiB file.

Implements: `python -m tools.bench.content DEST` writes the profile's content
directory and `bench/1mib.bin` (1,048,576 bytes of a fixed pattern, so every bench
run serves the same bytes) into DEST; `make bench` generates the bench appliance
from it with `--set httpd.content=DEST`, which gives the HTTP figures their small
file and their 1 MiB file. Not here: the figures that use them (figures.py).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROFILE_CONTENT = REPO / "profiles" / "content" / "httpd"
LARGE_NAME = "bench/1mib.bin"
LARGE_BYTES = 1 << 20


def pattern(size: int) -> bytes:
    line = b"rumpnet bench: 1 MiB of a fixed pattern, the same every run.\n"
    return (line * (size // len(line) + 1))[:size]


def make(dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(PROFILE_CONTENT, dest)
    large = dest / LARGE_NAME
    large.parent.mkdir(parents=True, exist_ok=True)
    large.write_bytes(pattern(LARGE_BYTES))
    return dest


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tools.bench.content DEST", file=sys.stderr)
        return 2
    print(make(Path(argv[0]).resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
