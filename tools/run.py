"""`rumpnet run`: run a generated appliance in the foreground.

Implements the command-line side only: `rumpnet run <appliance-dir> --target posix
[--attach NETNS:BRIDGE[,NETNS:BRIDGE...]] [--param KEY=VALUE ...]`. The posix target
is tools/posix_run.py, the xen target tools/xen_run.py (the lab, or a local Xen when
this host is dom0). Exit codes: 0 after a
clean stop (Ctrl-C/SIGTERM or the appliance powered off with status 0), 1 on failure,
2 on a user error (one line on stderr).
Not here: the plumbing (tools/posix_run.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse_attach(text: str) -> list[tuple[str, str]]:
    """'ns1:br1,ns2:br2' -> [('ns1', 'br1'), ('ns2', 'br2')]; ValueError if malformed."""
    pairs = []
    for item in text.split(","):
        ns, sep, br = item.strip().partition(":")
        if not sep or not ns or not br:
            raise ValueError(f"--attach wants NETNS:BRIDGE[,NETNS:BRIDGE...], not {text!r}")
        pairs.append((ns, br))
    return pairs


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("appliance", type=Path, help="appliance directory (made by rumpnet gen)")
    p.add_argument(
        "--target",
        choices=("posix", "xen"),
        default="posix",
        help="posix: a Linux process on TAP devices (default); xen: a DomU in the lab "
        "(or on this host's Xen when it is dom0)",
    )
    p.add_argument(
        "--attach",
        metavar="NETNS:BRIDGE[,...]",
        help="plug NIC 0, 1, ... into these bridges of existing namespaces; "
        "default: private namespaces with a peer each",
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="per-instance parameter overriding the profile (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        attach = parse_attach(args.attach) if args.attach else None
        for kv in args.param:
            if "=" not in kv or kv.startswith("="):
                raise ValueError(f"--param wants KEY=VALUE, not {kv!r}")
    except ValueError as e:
        print(f"rumpnet run: {e}", file=sys.stderr)
        return 2
    if args.target == "xen":
        from tools.xen_run import XenRunError, run_xen

        try:
            return run_xen(args.appliance, args.param, attach=attach)
        except XenRunError as e:
            print(f"rumpnet run: {e}", file=sys.stderr)
            return e.code
    from tools.posix_run import RunError, run_posix

    try:
        return run_posix(args.appliance, attach, args.param)
    except ValueError as e:
        print(f"rumpnet run: {e}", file=sys.stderr)
        return 2
    except RunError as e:
        print(f"rumpnet run: {e}", file=sys.stderr)
        return e.code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rumpnet run")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
