"""The lwIP source tree rumpnet builds against: Debian's `lwip` source package.

Implements: lwip_dir(), which fetches (once, through tools/debian.py: apt-get source,
verified against the .dsc SHA-256 checksums, unpacked into the cache) and checks that
the tree looks like lwIP 2.1 (src/core, src/include/lwip, the files the build lists).
`python3 -m tools.lwip` prints the path (appliance/rumptcpip/rumptcpip.mk uses it).

Not here: patching or building lwIP (appliance/rumptcpip/rumptcpip.mk does that in the
build directory; the cached tree is never modified).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tools.debian import Apt, DebianError

# Files the appliance build compiles or includes; a tree without them is not usable.
REQUIRED = (
    "src/core/tcp.c",
    "src/core/ipv4/dhcp.c",
    "src/core/ipv6/nd6.c",
    "src/api/tcpip.c",
    "src/netif/ethernet.c",
    "src/include/lwip/opt.h",
    "src/include/lwip/init.h",
)


class LwipError(RuntimeError):
    """The lwIP source tree is missing or not what the build expects."""


def check_tree(root: Path) -> Path:
    """Return root if it is an lwIP 2.x source tree, else raise LwipError."""
    missing = [rel for rel in REQUIRED if not (root / rel).is_file()]
    if missing:
        raise LwipError(f"{root}: not an lwIP source tree (missing {', '.join(missing)})")
    init_h = (root / "src/include/lwip/init.h").read_text(errors="replace")
    if "#define LWIP_VERSION_MAJOR      2" not in init_h:
        raise LwipError(f"{root}: lwIP major version is not 2")
    return root


def lwip_version(root: Path) -> str:
    """The lwIP version of a tree as 'major.minor.revision'."""
    text = (root / "src/include/lwip/init.h").read_text(errors="replace")
    parts = []
    for name in ("MAJOR", "MINOR", "REVISION"):
        for line in text.splitlines():
            if line.startswith(f"#define LWIP_VERSION_{name} "):
                parts.append(line.split()[2].rstrip("U"))
                break
    return ".".join(parts)


def lwip_dir(apt: Apt | None = None) -> Path:
    """The unpacked, verified lwIP source tree in the cache (fetched on first use)."""
    try:
        root = (apt or Apt()).source("lwip")
    except DebianError as exc:
        raise LwipError(f"cannot fetch lwIP: {exc}") from exc
    return check_tree(root)


def main() -> int:
    try:
        print(lwip_dir())
    except LwipError as exc:
        print(f"rumpnet: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
