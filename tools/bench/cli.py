"""`rumpnet bench`: argument parsing and the order of figures; nothing else."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from tools.bench import figures, iperf, record, report, router, tcp
from tools.bench.iperf import IperfError
from tools.bench.router_sides import RouterSides
from tools.bench.sides import BenchError
from tools.bench.wrk import WrkError


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("appliance", type=Path, help="an appliance directory made by `rumpnet gen`")
    p.add_argument("--target", choices=("posix", "xen"), default="posix")
    p.add_argument(
        "--compare",
        action="store_true",
        default=True,
        help="run the peer side by side (always on: every figure is a comparison)",
    )
    p.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="where to write the records (default: OUT/bench.json)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("out/bench"),
        metavar="DIR",
        help="directory for JSON, PNG plots and bench.html (default: out/bench)",
    )
    p.add_argument("--runs", type=int, help="alternating runs per figure (default 5)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke mode: one short run of one configuration (seconds, not minutes)",
    )


def run(args: argparse.Namespace) -> int:
    manifest = args.appliance / "manifest.json"
    if not manifest.is_file():
        print(
            f"rumpnet bench: {args.appliance}: not an appliance (no manifest.json)", file=sys.stderr
        )
        return 2
    doc = json.loads(manifest.read_text())
    kind = doc["profile"]["kind"]
    if args.target == "xen":
        from tools.bench import xen_bench

        return xen_bench.run(args, doc)
    if kind not in ("httpd", "router"):
        print(
            f"rumpnet bench: {kind} figures are not available yet in this version", file=sys.stderr
        )
        return 2
    if not doc["build"].get("posix", {}).get("image"):
        print(
            f"rumpnet bench: {args.appliance} has no posix image "
            f"({doc['build'].get('posix', {}).get('status', 'not built')})",
            file=sys.stderr,
        )
        return 2
    plan = figures.Plan.quick() if args.quick else figures.Plan()
    if args.runs:
        runs = max(1, args.runs)
        plan = figures.Plan(**{**plan.__dict__, "runs": runs, "router_runs": runs})
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.json or args.out / "bench.json"
    env = record.environment(
        args.target,
        {
            "plan": plan.__dict__,
            "appliance_manifest": doc["outputs"],
            "appliance_kind": kind,
            "iperf": iperf.version(),
        },
    )
    try:
        if kind == "router":
            with RouterSides(args.appliance) as rsides:
                records = router.figures(rsides, plan, args.target)
        else:
            records = figures.image_size(args.appliance, args.target)
            with figures.PosixSides(args.appliance) as sides:
                env["appliance_address"] = sides.appliance_ip
                records += figures.http(sides, plan, args.target)
                records += tcp.bulk(sides, plan, args.target)
                records += figures.idle_cpu(sides, plan, args.target)
    except (BenchError, WrkError, IperfError, subprocess.TimeoutExpired) as e:
        print(f"rumpnet bench: {e}", file=sys.stderr)
        return 1
    record.write_json(json_path, records, env)
    print(record.table(record.summarise(records)))
    for line in router.notes(records) + figures.notes(records):
        print(line)
    outputs = report.render_all(json_path)
    print(f"\nrecords: {json_path}\n" + "\n".join(f"report: {p}" for p in outputs))
    return 0
