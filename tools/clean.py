"""`rumpnet clean`: remove whatever rumpnet's runs left behind. Safe to run twice.

Calls the clean-up of each part that creates host state (the posix runner's
namespaces and taps; the rig's topology; with --lab also the lab's QEMU, taps
and namespaces), each of which removes only what it recorded creating. The lab is
left alone by default: it is long-lived and shared by design (`rumpnet lab clean`).
Not here: the cache (delete $RUMPNET_CACHE by hand to refetch everything).
"""

from __future__ import annotations

import argparse
import importlib
import sys

CLEANERS = ("tools.lab", "tools.posix_run", "nettests")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lab", action="store_true", help="also stop the Xen lab (same as `rumpnet lab clean`)"
    )


def run(args: argparse.Namespace) -> int:
    failed = 0
    for name in CLEANERS:
        if name == "tools.lab" and not args.lab:
            continue
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        clean = getattr(mod, "clean", None)
        if clean is None:
            continue
        try:
            clean()
        except Exception as e:  # report every part, then fail
            print(f"rumpnet clean: {name}: {e}", file=sys.stderr)
            failed = 1
    return failed
