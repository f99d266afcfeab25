"""`rumpnet gen`: generate an appliance from a profile (a kind name or a path)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gen import archive, build, image, profile
from gen.main import generate


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("profile", help="a shipped kind (httpd, router) or a path to a profile .toml")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="DIR",
        help="appliance directory to write (replaced atomically if it holds one)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a profile value, e.g. --set memory=16 --set nic.0.mtu=1400",
    )
    p.add_argument(
        "--platform",
        default=",".join(build.PLATFORMS),
        help="platforms to build, comma-separated (default: xen,posix)",
    )


def run(args: argparse.Namespace) -> int:
    platforms = tuple(x for x in args.platform.split(",") if x)
    bad = [x for x in platforms if x not in build.PLATFORMS]
    if bad:
        print(f"rumpnet gen: unknown platform {bad[0]!r} (use xen, posix)", file=sys.stderr)
        return 2
    try:
        out = generate(args.profile, args.output, args.overrides, platforms)
    except (profile.ProfileError, archive.ArchiveError, image.OutputError) as e:
        print(f"rumpnet gen: {e}", file=sys.stderr)
        return 2
    except build.BuildError as e:
        print(f"rumpnet gen: {e}", file=sys.stderr)
        return 1
    print(out)
    return 0
