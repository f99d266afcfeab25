"""`rumpnet bench DIR --target xen` for a router appliance: the router figures of
router.py (zero-loss forwarding rate at 64/512/1500-byte frames, latency through the
router) measured in the Xen lab, the appliance DomU against the reference Linux PV
DomU with ip_forward=1, plus the image size; records, table and report like the
other targets.

The plan is scaled for the lab: everything runs under QEMU TCG, so routers forward
thousands, not hundreds of thousands, of frames/s; the first trial is offered at
router_max_pps instead of the generator's full speed, and trials are short.
Not here: the search and latency logic (router.py), the topology
(xen_router_sides.py), boot figures of the router (not measured on this target).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass

from tools.bench import iperf, record, report, router, xen_figures
from tools.bench.iperf import IperfError
from tools.bench.sides import BenchError
from tools.bench.xen_router_sides import SHARED_PATH, XenRouterSides
from tools.xen_run import XenRunError

TARGET = "xen"
PEER_NAME = "Linux PV DomU ip_forward"


@dataclass(frozen=True)
class XenRouterPlan:
    frames: tuple[int, ...] = (64, 512, 1500)
    loss_tolerance: float = 0.001
    router_trial_seconds: float = 3.0
    router_steps: int = 6
    router_runs: int = 3
    router_max_pps: float = 25000.0  # the first trial's offered rate (the search's top)
    ping_count: int = 300
    boot_timeout: float = 90.0

    @staticmethod
    def quick() -> XenRouterPlan:
        return XenRouterPlan(router_trial_seconds=1.0, router_steps=2, router_runs=1, ping_count=30)


def plan_from(args: argparse.Namespace) -> XenRouterPlan:
    plan = XenRouterPlan.quick() if args.quick else XenRouterPlan()
    if args.runs:
        plan = XenRouterPlan(**{**plan.__dict__, "router_runs": max(1, args.runs)})
    return plan


def environment(sides: XenRouterSides, plan: XenRouterPlan, doc: dict) -> dict:
    lab = sides.lab
    info = lab.info()
    dom0 = next((d for d in lab.domains() if d["id"] == 0), {})
    _, kernel = lab.exec("uname -r")
    return record.environment(
        TARGET,
        {
            "plan": plan.__dict__,
            "appliance_manifest": doc["outputs"],
            "appliance_kind": "router",
            "lab": {
                "instance": lab.instance,
                "run_dir": lab.run_dir.name,
                "qemu": lab.state.get("qemu_version"),
                "accel": lab.state.get("accel"),
                "cpu": lab.state.get("cpu"),
                "debian_packages": lab.state.get("versions"),
            },
            "xen_version": info.get("xen_version"),
            "xen_pcpus": info.get("nr_cpus"),
            "dom0": {"kernel": kernel.strip(), "vcpus": dom0.get("vcpus")},
            "domu_vcpus": {"appliance": int(sides.app.cfg.get("vcpus", 1)), "peer": 1},
            "router_addresses": sides.gateways,
            "ends": {"source": sides.src_ip, "sink": sides.sink_ip},
            "shared_path": SHARED_PATH,
            "up_seconds": sides.boot_seconds,
            "iperf": iperf.version(),
        },
    )


def run(args: argparse.Namespace, doc: dict) -> int:
    plan = plan_from(args)
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.json or args.out / "bench.json"
    extra = {"path": SHARED_PATH, "router_max_pps": plan.router_max_pps}
    try:
        with XenRouterSides(args.appliance, plan.boot_timeout) as sides:
            env = environment(sides, plan, doc)
            records = xen_figures.image_size(sides)
            _say(f"both routers up ({sides.boot_seconds}); forwarding rate and latency")
            records += router.figures(sides, plan, TARGET, PEER_NAME, extra)
    except (BenchError, IperfError, XenRunError, subprocess.TimeoutExpired) as e:
        print(f"rumpnet bench: {e}", file=sys.stderr)
        return 1
    record.write_json(json_path, records, env)
    print(record.table(record.summarise(records)))
    for line in router.notes(records):
        print(line.replace("generator's full speed", "first (capped) rate"))
    print(f"note: shared path: {SHARED_PATH}")
    outputs = report.render_all(json_path)
    print(f"\nrecords: {json_path}\n" + "\n".join(f"report: {p}" for p in outputs))
    return 0


def _say(msg: str) -> None:
    print(f"rumpnet bench: {msg}", file=sys.stderr, flush=True)
