"""`rumpnet deploy`: deploy an appliance, or a fleet, to a Xen host over SSH or libvirt.

    rumpnet deploy out/httpd --host ssh://root@xen1 [--name web1] [--set nic0.ipv4=...]
    rumpnet deploy --fleet fleet.toml [--host ssh://root@xen1] [--jobs 4]
    rumpnet deploy out/httpd --libvirt xen+ssh://root@xen1/system [--host ssh://root@xen1]

Prints the name, domid and addresses of each instance (a table for fleets, JSON with
--json). Exit status: 0 all deployed (or already there), 1 a failure on the host
(pre-flight problems are printed one per line), 2 a usage error.
Not here: the steps themselves (runner.py, virt.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.deploy import fleet as fleet_mod
from tools.deploy import runner
from tools.deploy.appliance import Appliance, instance, parse_sets
from tools.deploy.common import add_host_arguments, fail, host_from
from tools.deploy.sshhost import DeployError


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("appliance", nargs="?", type=Path, help="appliance directory (rumpnet gen -o)")
    p.add_argument("--fleet", type=Path, metavar="FILE", help="deploy the fleet described there")
    p.add_argument("--name", help="domain name (default: the profile's name)")
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="per-instance parameter written to xenstore ~/rumpnet/KEY",
    )
    add_host_arguments(p)
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="do not wait for the appliance to report its addresses",
    )
    p.add_argument(
        "--timeout",
        type=int,
        default=60,
        metavar="S",
        help="seconds to wait for the addresses (default 60)",
    )
    p.add_argument("--jobs", "-j", type=int, default=4, help="parallel deploys (default 4)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    try:
        insts, host_url = _instances(args)
        if args.libvirt:
            from tools.deploy import virt

            results = virt.deploy(args, insts)
        else:
            with host_from(args, host_url) as host:
                results = runner.deploy(
                    host,
                    insts,
                    root=args.root,
                    wait=not args.no_wait,
                    timeout=args.timeout,
                    jobs=args.jobs,
                    progress=runner.Progress(len(insts), quiet=args.quiet),
                )
    except DeployError as e:
        return fail("deploy", e)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    elif len(results) == 1 and not args.fleet:
        r = results[0]
        if r.ok:
            addrs = " ".join(f"{k}={v}" for k, v in sorted(r.addresses.items()))
            print(f"{r.name} domid={r.domid} {r.status} {addrs}".rstrip())
        else:
            print(f"rumpnet deploy: {r.name}: {r.error}", file=sys.stderr)
    else:
        print(runner.table(results))
    return 0 if all(r.ok for r in results) else 1


def _instances(args: argparse.Namespace):
    if args.fleet:
        if args.appliance or args.name or args.sets:
            raise DeployError(
                "--fleet takes no appliance, --name or --set (put them in the fleet file)", 2
            )
        f = fleet_mod.load(args.fleet)
        return list(f.instances), args.host or f.host
    if args.appliance is None:
        raise DeployError("give an appliance directory or --fleet FILE", 2)
    app = Appliance.load(args.appliance)
    return [instance(app, args.name, parse_sets(args.sets))], args.host
