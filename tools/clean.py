"""`rumpnet clean`: remove whatever rumpnet's runs left behind. Safe to run twice.

Calls the clean-up of each part that creates host state (the lab's QEMU, taps and
namespaces; the posix runner's namespaces and taps; the rig's topology), each of
which removes only what it recorded creating. Not here: the cache (delete
$RUMPNET_CACHE by hand to refetch everything).
"""

from __future__ import annotations

import argparse
import importlib
import sys

CLEANERS = ("tools.lab", "tools.posix_run", "nettests")


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-lab", action="store_true", help="leave a running lab alone")


def run(args: argparse.Namespace) -> int:
    failed = 0
    for name in CLEANERS:
        if args.keep_lab and name == "tools.lab":
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
