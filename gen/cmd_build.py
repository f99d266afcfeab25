"""`rumpnet build`: regenerate an appliance directory from the profile it records.

Useful after changing the C sources: the same profile and overrides go through the
whole pipeline again, and the directory is replaced atomically.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gen import cmd_gen
from gen.image import MANIFEST


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("appliance", type=Path, help="an appliance directory made by `rumpnet gen`")
    p.add_argument(
        "--platform", default="xen,posix", help="platforms to build (default: xen,posix)"
    )


def run(args: argparse.Namespace) -> int:
    manifest = args.appliance / MANIFEST
    if not manifest.is_file():
        print(f"rumpnet build: {args.appliance}: no {MANIFEST}: not an appliance", file=sys.stderr)
        return 2
    doc = json.loads(manifest.read_text())
    spec = doc["inputs"]["profile"]["spec"]
    regen = argparse.Namespace(
        profile=spec,
        output=args.appliance,
        overrides=doc["inputs"]["profile"]["overrides"],
        platform=args.platform,
    )
    return cmd_gen.run(regen)
