"""`rumpnet ps`: list the domains rumpnet deployed on a host (and only those).

    rumpnet ps --host ssh://root@xen1 [--json]
    rumpnet ps --libvirt xen+ssh://root@xen1/system

A domain is rumpnet's when dom0 wrote its marker /local/domain/<domid>/rumpnet-deployed
(xl path) or its libvirt definition carries rumpnet's <metadata> element.
Not here: destroying them (cmd_undeploy.py).
"""

from __future__ import annotations

import argparse
import json

from tools.deploy import xen
from tools.deploy.common import add_host_arguments, fail, host_from
from tools.deploy.sshhost import DeployError


def configure(p: argparse.ArgumentParser) -> None:
    add_host_arguments(p)


def run(args: argparse.Namespace) -> int:
    try:
        rows = list_domains(args)
    except DeployError as e:
        return fail("ps", e)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    table = [("NAME", "DOMID", "KIND", "FLEET", "ADDRESSES")]
    for r in rows:
        addrs = " ".join(f"{k}={v}" for k, v in sorted(r["addresses"].items())) or "-"
        domid = "-" if r["domid"] is None else str(r["domid"])
        table.append((r["name"], domid, r["kind"], r["fleet"] or "-", addrs))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return 0


def list_domains(args: argparse.Namespace) -> list[dict]:
    if args.libvirt:
        from tools.deploy import virt

        return virt.ps(args.libvirt)
    with host_from(args) as host:
        facts = xen.require_xl(host, xen.facts(host))
    return [
        {
            "name": d.name,
            "domid": d.domid,
            "kind": d.marker.get("kind", "?"),
            "fleet": d.marker.get("fleet", ""),
            "addresses": d.addresses,
        }
        for d in sorted(facts.domains.values(), key=lambda d: d.name)
        if d.ours
    ]
