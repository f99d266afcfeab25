"""Bench records: one per figure and run, with parameters and environment.

A record holds the appliance's and the peer's value of one metric and their ratio
(appliance / peer; `better` says which direction wins). summarise() folds the runs
of a figure into median and min-max of the ratio, the numbers the console table,
the plots and the closing notes quote.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Record:
    figure: str  # e.g. "http_rps/small/keepalive/c16"
    appliance: float
    peer: float
    unit: str
    better: str  # "higher" or "lower"
    run: int
    target: str
    peer_name: str
    params: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return self.appliance / self.peer if self.peer else None

    def to_json(self, env: dict) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        d["peer"] = self.peer
        d["env"] = env
        return d


def summarise(records: list[Record]) -> list[dict]:
    """One row per figure: medians and ratio median/min/max over its runs."""
    rows: dict[str, list[Record]] = {}
    for r in records:
        rows.setdefault(r.figure, []).append(r)
    out = []
    for fig, rs in rows.items():
        ratios = [r.ratio for r in rs if r.ratio is not None]
        out.append(
            {
                "figure": fig,
                "unit": rs[0].unit,
                "better": rs[0].better,
                "runs": len(rs),
                "appliance": statistics.median(r.appliance for r in rs),
                "peer": statistics.median(r.peer for r in rs),
                "peer_name": rs[0].peer_name,
                "ratio": statistics.median(ratios) if ratios else None,
                "ratio_min": min(ratios) if ratios else None,
                "ratio_max": max(ratios) if ratios else None,
            }
        )
    return out


def _version(cmd: list[str]) -> str:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "absent"
    text = (p.stdout + p.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def environment(target: str, extra: dict | None = None) -> dict:
    """What a reader needs to compare runs: machine, versions, where it ran."""
    env = {
        "target": target,
        "where": "lab" if target == "xen" else "host",
        "host_cpus": os.cpu_count(),
        "host_kernel": platform.release(),
        "python": platform.python_version(),
        "nginx": _version(["nginx", "-v"]),
        "wrk": _version(["wrk", "--version"]),
        "iperf3": _version(["iperf3", "--version"]),
    }
    env.update(extra or {})
    return env


def write_json(path: Path, records: list[Record], env: dict) -> None:
    doc = {"env": env, "records": [r.to_json(env) for r in records], "summary": summarise(records)}
    path.write_text(json.dumps(doc, indent=2) + "\n")


def table(summary: list[dict]) -> str:
    """The console table: appliance, peer and ratio per figure."""
    head = f"{'figure':<40} {'appliance':>12} {'peer':>12} {'unit':<8} {'ratio':>7}  min-max"
    lines = [head, "-" * len(head)]
    for row in summary:
        ratio = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}x"
        span = "" if row["ratio"] is None else f"{row['ratio_min']:.2f}-{row['ratio_max']:.2f}"
        lines.append(
            f"{row['figure']:<40} {row['appliance']:>12.1f} {row['peer']:>12.1f} "
            f"{row['unit']:<8} {ratio:>7}  {span}  ({row['better']} is better, "
            f"peer {row['peer_name']}, {row['runs']} runs)"
        )
    return "\n".join(lines)
