"""`rumpnet bench DIR --target xen`: the order of the xen figures, the environment saved
with them, and the records, table and report (the same outputs as the posix target).

Order: image size; boot phases (one side at a time, alternating); memory floor; then
both sides up together for idle CPU, HTTP and TCP. A figure that cannot be measured
(e.g. no iperf server in the appliance) is named in env["unavailable"] with the reason.
Not here: the posix target (cli.py, figures.py), the router appliance (xen_router.py).
"""

from __future__ import annotations

import argparse
import platform
import re
import sys

from tools.bench import record, report, xen_figures
from tools.bench.xen_load import Dom0Load, LoadError
from tools.bench.xen_sides import DOM0_ADDR, BenchError, XenSides
from tools.xen_run import XenRunError

PARAMS = {"iperf": "on"}  # the appliance's runtime parameters for the bench


def plan_from(args: argparse.Namespace) -> xen_figures.XenPlan:
    plan = xen_figures.XenPlan.quick() if args.quick else xen_figures.XenPlan()
    if args.runs:
        plan = xen_figures.XenPlan(**{**plan.__dict__, "runs": max(1, args.runs)})
    return plan


def environment(sides: XenSides, load: Dom0Load, plan, doc: dict) -> dict:
    lab = sides.lab
    info = lab.info()
    dom0 = next((d for d in lab.domains() if d["id"] == 0), {})
    _, mtu = lab.exec("cat /sys/class/net/xenbr0/mtu")
    _, kernel = lab.exec("uname -r")
    return record.environment(
        "xen",
        {
            "plan": plan.__dict__,
            "appliance_manifest": doc["outputs"],
            "appliance_params": PARAMS,
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
            "xen_total_memory_mib": info.get("total_memory"),
            "dom0": {
                "kernel": kernel.strip(),
                "vcpus": dom0.get("vcpus"),
                "memory_mib": dom0.get("mem"),
                "address": DOM0_ADDR,
            },
            "domu_vcpus": {"appliance": int(sides.app.cfg.get("vcpus", 1)), "peer": 1},
            "domu_memory_mib": {"appliance": sides.appliance_memory, "peer": sides.peer_memory},
            "mtu": {"xenbr0": int(mtu.strip() or 0), "appliance_nic0": None},
            "load_tools": load.versions,
            "host_machine": platform.machine(),
        },
    )


def run(args: argparse.Namespace, doc: dict) -> int:
    if not doc["build"].get("xen", {}).get("image"):
        print(
            f"rumpnet bench: {args.appliance} has no xen image "
            f"({doc['build'].get('xen', {}).get('status', 'not built')})",
            file=sys.stderr,
        )
        return 2
    if doc["profile"]["kind"] == "router":
        from tools.bench import xen_router

        return xen_router.run(args, doc)
    if doc["profile"]["kind"] != "httpd":
        print(
            f"rumpnet bench: {doc['profile']['kind']} figures on the xen target are not "
            "available yet in this version",
            file=sys.stderr,
        )
        return 2
    plan = plan_from(args)
    args.out.mkdir(parents=True, exist_ok=True)
    json_path = args.json or args.out / "bench.json"
    unavailable: dict[str, str] = {}
    try:
        with XenSides(args.appliance, PARAMS) as sides:
            load = Dom0Load(sides.lab)
            env = environment(sides, load, plan, doc)
            records = xen_figures.image_size(sides)
            _say("boot phases")
            records += xen_figures.boot_phases(sides, plan)
            _say("memory floor")
            records += xen_figures.memory_floor(sides, plan)
            _say("both sides up: idle CPU, HTTP, TCP")
            up = xen_figures.serving(sides, plan)
            m = re.search(r"nic0 attached .*mtu=(\d+)", sides.lab.console(up["appliance"].name))
            env["mtu"]["appliance_nic0"] = int(m.group(1)) if m else None
            records += xen_figures.idle_cpu(sides, up, plan)
            records += xen_figures.http(sides, load, up, plan)
            tcp, why = xen_figures.tcp(sides, load, up, plan)
            records += tcp
            if why:
                unavailable["tcp/dom0_to_domu_mbit_s"] = why
    except (BenchError, LoadError, XenRunError) as e:
        print(f"rumpnet bench: {e}", file=sys.stderr)
        return 1
    env["unavailable"] = unavailable
    record.write_json(json_path, records, env)
    print(record.table(record.summarise(records)))
    for fig, why in unavailable.items():
        print(f"{fig}: unavailable: {why}")
    outputs = report.render_all(json_path)
    print(f"\nrecords: {json_path}\n" + "\n".join(f"report: {p}" for p in outputs))
    return 0


def _say(msg: str) -> None:
    print(f"rumpnet bench: {msg}", file=sys.stderr, flush=True)
