"""The bench figures of the posix httpd, each run for both sides, alternating, and
the Plan (how long and how often) every figure of a bench run follows.

Figures here: image size, HTTP requests/s and latency percentiles (small and large
file, keep-alive and not, several concurrencies, with wrk), idle CPU cost. A figure
returns Records (one per run); it never judges them.

Not here: TCP bulk throughput (tcp.py), the router figures (router.py), the Xen lab
figures (xen_figures.py).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from tools.bench import wrk
from tools.bench.record import Record
from tools.bench.sides import BenchError, PosixSides

SIDES = ("appliance", "peer")
LARGE_GOAL_BYTES = 1 << 20  # the "1 MiB file"


@dataclass(frozen=True)
class Plan:
    runs: int = 5
    seconds: float = 5.0
    concurrencies: tuple[int, ...] = (1, 16, 64)
    keepalive: tuple[bool, ...] = (True, False)
    idle_seconds: float = 30.0
    # router: frame sizes, loss a passing trial may show, search length, runs
    frames: tuple[int, ...] = (64, 512, 1500)
    loss_tolerance: float = 0.001
    router_trial_seconds: float = 2.0
    router_steps: int = 7
    router_runs: int = 3
    ping_count: int = 300

    @staticmethod
    def quick() -> Plan:
        return Plan(
            runs=1,
            seconds=1.0,
            concurrencies=(16,),
            keepalive=(True,),
            idle_seconds=2.0,
            router_trial_seconds=1.0,
            router_steps=2,
            router_runs=1,
            ping_count=30,
        )


def _order(run: int) -> tuple[str, str]:
    return SIDES if run % 2 == 0 else SIDES[::-1]


def image_size(appliance_dir: Path, target: str) -> list[Record]:
    images = sorted(appliance_dir.glob("rumpnet-*.posix"))
    nginx = shutil.which("nginx")
    if not images or not nginx:
        return []
    return [
        Record(
            "image_bytes",
            float(images[0].stat().st_size),
            float(os.path.getsize(nginx)),
            "bytes",
            "lower",
            0,
            target,
            "nginx binary",
            {"appliance_image": images[0].name},
        )
    ]


def pick_files(content: Path) -> dict[str, Path]:
    files = sorted(
        (p for p in content.rglob("*") if p.is_file() and p.stat().st_size),
        key=lambda p: p.stat().st_size,
    )
    if not files:
        return {}
    return {"small": files[0], "large": files[-1]} if len(files) > 1 else {"small": files[0]}


def notes(records: list[Record]) -> list[str]:
    """What a reader of the HTTP figures must know: a 'large' file under 1 MiB."""
    sizes = {r.params.get("file_bytes", 0) for r in records if r.figure.startswith("http/large")}
    if sizes and max(sizes) < LARGE_GOAL_BYTES:
        return [
            f"note: http/large: the appliance's largest file is {max(sizes)} bytes, not 1 MiB; "
            "`make bench` generates the bench appliance with a 1 MiB file "
            "(python -m tools.bench.content)"
        ]
    return []


def http(sides: PosixSides, plan: Plan, target: str) -> list[Record]:
    out: list[Record] = []
    files = pick_files(sides.content)
    for label, path in files.items():
        rel = path.relative_to(sides.content).as_posix()
        for ka in plan.keepalive:
            for conc in plan.concurrencies:
                fig = f"http/{label}/{'keepalive' if ka else 'close'}/c{conc}"
                params = {
                    "file": rel,
                    "file_bytes": path.stat().st_size,
                    "connections": conc,
                    "keepalive": ka,
                    "seconds": plan.seconds,
                    "tool": "wrk",
                }
                for run in range(plan.runs):
                    res = {}
                    for side in _order(run):
                        res[side] = wrk.run(
                            sides.client_prefix(),
                            sides.url(side, rel),
                            conc,
                            plan.seconds,
                            keepalive=ka,
                        )
                    a, p = res["appliance"], res["peer"]
                    for side, r in res.items():
                        if r.errors > r.requests // 100:
                            raise BenchError(
                                f"{fig}: {r.errors} of {r.requests} requests to the "
                                f"{side} failed (connection or non-2xx errors)"
                            )
                    par = {**params, "errors": {"appliance": a.errors, "peer": p.errors}}
                    out += wrk_records(fig, a, p, run, target, "nginx", par)
    return out


def wrk_records(
    fig: str, a: wrk.Result, p: wrk.Result, run: int, target: str, peer: str, params: dict
) -> list[Record]:
    """One run's requests/s and latency percentile records of both sides."""
    out = [
        Record(
            f"{fig}/rps", float(a.rps), float(p.rps), "req/s", "higher", run, target, peer, params
        )
    ]
    for q in ("p50", "p90", "p99", "p999"):
        a_us, p_us = float(getattr(a, f"{q}_us")), float(getattr(p, f"{q}_us"))
        out.append(Record(f"{fig}/{q}", a_us, p_us, "us", "lower", run, target, peer, params))
    return out


def _cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / tick


def idle_cpu(sides: PosixSides, plan: Plan, target: str) -> list[Record]:
    before = {s: _cpu_seconds(sides.pids(s)) for s in SIDES}
    time.sleep(plan.idle_seconds)
    after = {s: _cpu_seconds(sides.pids(s)) for s in SIDES}
    a, p = after["appliance"] - before["appliance"], after["peer"] - before["peer"]
    return [
        Record(
            "idle_cpu_seconds",
            a,
            p,
            "cpu-s",
            "lower",
            0,
            target,
            "nginx",
            {"seconds": plan.idle_seconds},
        )
    ]
