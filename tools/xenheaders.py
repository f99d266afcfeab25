"""Xen's public headers for building minios, from Debian's libxen-dev.

Implements: fetch and unpack libxen-dev into the cache (through tools.debian) and
return the include directory that holds `xen/` (so `#include <xen/xen.h>` works).
`python3 -m tools.xenheaders` prints that directory; appliance/minios/minios.mk calls
it when XEN_INCLUDE is not given.

Not here: installing anything on the host, or any header content of our own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tools.debian import Apt, DebianError


def xen_include_dir() -> Path:
    """The directory holding xen/xen.h, xen/io/*.h ... (unpacked once)."""
    root = Apt().extract("libxen-dev")
    inc = root / "usr" / "include"
    if not (inc / "xen" / "xen.h").is_file():
        raise DebianError(f"libxen-dev unpacked at {root} has no usr/include/xen/xen.h")
    return inc


def main() -> int:
    try:
        print(xen_include_dir())
    except DebianError as e:
        print(f"rumpnet: xen headers: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
