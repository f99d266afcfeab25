"""Print a short human summary of an appliance directory (used by tools/demo.sh).

Reads manifest.json and says what each output is, its size and hash, and for each
platform whether an image was built or why not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

WHAT = {
    "xl.cfg": "xl domain configuration",
    "config.h": "C build configuration (parameter defaults)",
    "content.cpio": "content archive (cpio newc), the domain's ramdisk",
    "manifest.json": "this summary's source: profile, inputs, hashes",
    "libvirt.xml": "libvirt domain XML (Xen libxl driver)",
}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tools.show_appliance APPLIANCE_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    doc = json.loads((out / "manifest.json").read_text())
    prof = doc["profile"]
    print(f"\nappliance {prof['name']!r} ({prof['kind']}) in {out}/")
    for name, rec in sorted(doc["outputs"].items()):
        what = WHAT.get(name, "")
        if name.endswith(".xen"):
            what = "the appliance's Xen kernel image (PV, also boots as PVH)"
        elif name.endswith(".posix"):
            what = "the same appliance as a Linux process on TAP (posix target)"
        print(f"  {name:<22} {rec['size']:>9} bytes  sha256 {rec['sha256'][:16]}…  {what}")
    for plat, b in sorted(doc["build"].items()):
        print(f"  {plat} image: {b['image'] or b['status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
