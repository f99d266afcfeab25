"""Build the appliance kernel images from our C sources.

Implements: for each platform (xen: a PV kernel ELF on minios; posix: a Linux
process on TAP devices), `make -C appliance PLATFORM=... APP=<kind>` with the
rendered config.h, lwIP from Debian's source package and Xen's public headers from
Debian's libxen-dev (both fetched, verified and cached by tools/debian.py). Object
files are kept in the cache, keyed by the configuration and the checkout, so a
second generation is fast; the image is copied into the appliance being generated.

A platform whose sources have not landed yet is reported as "not yet buildable"
with the reason, and generation goes on without it; a build that fails stops the
whole generation (nothing is written).

Not here: rendering (render.py), the manifest (image.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.cache import cache_dir

APPLIANCE = Path(__file__).resolve().parent.parent / "appliance"
PLATFORMS = ("xen", "posix")
FRAGMENTS = {
    "xen": ("minios/minios.mk", "rumptcpip/rumptcpip.mk", "netfront/netfront.mk"),
    "posix": ("posix/posix.mk", "rumptcpip/rumptcpip.mk"),
}
SUFFIX = {"xen": ".xen", "posix": ".posix"}


class BuildError(RuntimeError):
    """The C build failed; str() says which platform and how."""


@dataclass(frozen=True)
class Outcome:
    platform: str
    image: Path | None  # the built image, None when not buildable
    reason: str  # "built" or why not


def missing_parts(platform: str) -> list[str]:
    return [f for f in FRAGMENTS[platform] if not (APPLIANCE / f).exists()]


def build(platform: str, kind: str, config_h: Path, dest_dir: Path, log=None) -> Outcome:
    """Build `kind` for `platform` with `config_h`; copy the image into dest_dir."""
    missing = missing_parts(platform)
    if missing:
        return Outcome(platform, None, f"not yet buildable: {', '.join(missing)} not written yet")
    # imported here: gen's other stages need no apt
    from tools.debian import DebianError
    from tools.lwip import LwipError
    from tools.lwip import lwip_dir as fetch_lwip
    from tools.xenheaders import xen_include_dir

    try:
        lwip_dir = fetch_lwip()
        xen_inc = xen_include_dir()
    except (LwipError, DebianError) as e:
        raise BuildError(f"the {platform} build of {kind} lacks its sources: {e}") from e
    # The checkout's own path is part of the key: make's dependency files name
    # absolute source paths, so objects are only reused by the tree that made them.
    ident = f"{platform}/{kind}/{os.environ.get('CC', 'gcc')}/{APPLIANCE.resolve()}".encode()
    key = hashlib.sha256(config_h.read_bytes() + ident).hexdigest()[:16]
    obj_dir = cache_dir("build", f"{kind}-{platform}-{key}")
    cmd = [
        "make",
        "-C",
        str(APPLIANCE),
        f"-j{min(os.cpu_count() or 1, 4)}",
        f"PLATFORM={platform}",
        f"APP={kind}",
        f"O={obj_dir}",
        f"CONFIG_H={config_h.resolve()}",
        f"LWIP_DIR={lwip_dir}",
        f"XEN_INCLUDE={xen_inc}",
    ]
    if log:
        log(f"build: {platform} image (make PLATFORM={platform} APP={kind})")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise BuildError(f"the {platform} build of {kind} failed:\n{tail}")
    image = obj_dir / f"rumpnet-{kind}{SUFFIX[platform]}"
    if not image.exists():
        raise BuildError(f"the {platform} build of {kind} produced no {image.name}")
    dest = dest_dir / image.name
    shutil.copyfile(image, dest)
    shutil.copymode(image, dest)
    return Outcome(platform, dest, "built")


def source_digest() -> str:
    """SHA-256 over our appliance sources (paths and bytes), for the manifest."""
    h = hashlib.sha256()
    for path in sorted(APPLIANCE.rglob("*")):
        rel = path.relative_to(APPLIANCE)
        if not path.is_file() or rel.parts[0] == "build":
            continue
        h.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def progress(msg: str) -> None:
    print(f"rumpnet: {msg}", file=sys.stderr, flush=True)
