"""Command-line pieces shared by `rumpnet deploy`, `undeploy` and `ps`: how to reach a
host (--host, --identity, --ssh-option, --root) and printing a DeployError.

Not here: any command's own arguments (cli.py, cmd_undeploy.py, cmd_ps.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.deploy import xen
from tools.deploy.sshhost import DeployError, Host, Target


def add_host_arguments(p: argparse.ArgumentParser, libvirt: bool = True) -> None:
    p.add_argument(
        "--host",
        metavar="ssh://USER@HOST[:PORT]",
        help="the Xen host (its dom0), reached with OpenSSH",
    )
    p.add_argument(
        "--identity",
        "-i",
        type=Path,
        metavar="FILE",
        help="SSH private key (default: the keys of your ssh-agent)",
    )
    p.add_argument(
        "--ssh-option",
        "-o",
        dest="ssh_options",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra ssh -o option, e.g. UserKnownHostsFile=FILE",
    )
    p.add_argument(
        "--root",
        default=xen.ROOT,
        metavar="DIR",
        help=f"where rumpnet keeps files on the host (default {xen.ROOT})",
    )
    if libvirt:
        p.add_argument(
            "--libvirt",
            metavar="URI",
            help="go through libvirt (e.g. xen+ssh://root@host/system) instead of xl",
        )
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def host_from(args: argparse.Namespace, url: str | None = None) -> Host:
    url = url or args.host
    if not url:
        raise DeployError("--host ssh://USER@HOST[:PORT] is required", 2)
    return Host(Target.parse(url), identity=args.identity, options=tuple(args.ssh_options))


def fail(cmd: str, e: DeployError) -> int:
    for line in str(e).splitlines():
        print(f"rumpnet {cmd}: {line}", file=sys.stderr)
    return e.code
