"""Enable <codename>-backports on the host, from the machine's own Debian source.

Used by tools/bootstrap.sh before installing QEMU from backports (the lab prefers
QEMU 10). Writes /etc/apt/sources.list.d/rumpnet-backports.sources naming the same
archive URI and keyring as the machine's configured main Debian suite, and nothing
else. Safe to run twice. Not here: apt-get update or installs (the caller does them).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tools.debian import DebianError, _codename, host_debian_sources

TARGET = Path("/etc/apt/sources.list.d/rumpnet-backports.sources")


def render() -> str:
    codename = _codename()
    mains = [s for s in host_debian_sources() if codename in s.suites]
    if not mains:
        raise DebianError(f"no '{codename}' suite is configured in /etc/apt")
    if any(f"{codename}-backports" in s.suites for s in host_debian_sources()):
        return ""
    src = mains[0]
    return (
        "# Written by rumpnet's bootstrap: the machine's own Debian archive, backports suite.\n"
        "Types: deb\n"
        f"URIs: {src.uri}\n"
        f"Suites: {codename}-backports\n"
        f"Components: {' '.join(src.components)}\n"
        f"Signed-By: {src.signed_by}\n"
    )


def main() -> int:
    try:
        text = render()
    except DebianError as e:
        print(f"rumpnet: {e}", file=sys.stderr)
        return 1
    if text and (not TARGET.exists() or TARGET.read_text() != text):
        TARGET.write_text(text)
        print(f"rumpnet: enabled backports in {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
