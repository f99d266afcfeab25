"""`rumpnet undeploy`: destroy domains rumpnet deployed, and their files on the host.

    rumpnet undeploy NAME... --host ssh://root@xen1
    rumpnet undeploy --fleet fleet.toml [--host ...]
    rumpnet undeploy NAME --libvirt xen+ssh://root@xen1/system

Refuses domains rumpnet did not deploy (no marker). Names that are not running are
reported "absent": for a fleet that is fine (re-runs are idempotent); a name given
on the command line that is nowhere is an error (exit 1), to catch typos.
Not here: listing (cmd_ps.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.deploy import fleet as fleet_mod
from tools.deploy import xen
from tools.deploy.common import add_host_arguments, fail, host_from
from tools.deploy.sshhost import DeployError


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", metavar="NAME", help="domain names")
    p.add_argument("--fleet", type=Path, metavar="FILE", help="undeploy that fleet's instances")
    add_host_arguments(p)


def run(args: argparse.Namespace) -> int:
    try:
        results = undeploy(args)
    except DeployError as e:
        return fail("undeploy", e)
    if args.json:
        print(json.dumps(results, indent=2))
    bad = 0
    for r in results:
        if r["status"] in ("refused", "failed") or (r["status"] == "absent" and not args.fleet):
            bad = 1
            print(f"rumpnet undeploy: {r['name']}: {r['message']}", file=sys.stderr)
        elif not args.json:
            print(f"{r['name']}: {r['message']}")
    return bad


def undeploy(args: argparse.Namespace) -> list[dict]:
    names, url = list(args.names), args.host
    if args.fleet:
        if names:
            raise DeployError("give names or --fleet, not both", 2)
        f = fleet_mod.load(args.fleet)
        names, url = [i.name for i in f.instances], url or f.host
    if not names:
        raise DeployError("give the NAMEs to undeploy (see `rumpnet ps`) or --fleet FILE", 2)
    if args.libvirt:
        from tools.deploy import virt

        return [virt.undeploy(args, n) for n in names]
    out = []
    with host_from(args, url) as host:
        facts = xen.require_xl(host, xen.facts(host))
        for name in names:
            d = facts.domains.get(name)
            if d is not None and not d.ours:
                out.append(
                    {
                        "name": name,
                        "status": "refused",
                        "message": f"domain {d.domid} was not deployed by rumpnet",
                    }
                )
                continue
            try:
                xen.destroy(host, args.root, name, d.domid if d else None)
            except DeployError as e:
                out.append({"name": name, "status": "failed", "message": str(e)})
                continue
            if d is None:
                out.append({"name": name, "status": "absent", "message": "no such domain"})
            else:
                out.append(
                    {"name": name, "status": "destroyed", "message": f"destroyed (domid {d.domid})"}
                )
        xen.gc_blobs(host, args.root)
    return out
