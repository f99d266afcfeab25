"""Plots (matplotlib, PNG) and a self-contained HTML page for a bench run.

Plots: latency percentiles per side, requests/s against concurrency, router
forwarding rate (frames/s at zero loss) against frame size, TCP bulk throughput
per direction. The HTML page
embeds them (base64) with the summary table, parameters and environment, so it can
be mailed or archived as one file.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from tools.bench.record import summarise


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_latency(summary: list[dict], out: Path) -> Path | None:
    rows = [r for r in summary if r["figure"].endswith(("/p50", "/p90", "/p99", "/p999"))]
    if not rows:
        return None
    plt = _plt()
    groups = sorted({r["figure"].rsplit("/", 1)[0] for r in rows})
    fig, axes = plt.subplots(len(groups), 1, figsize=(7, 2.6 * len(groups)), squeeze=False)
    for ax, g in zip(axes[:, 0], groups, strict=True):
        qs = [r for r in rows if r["figure"].startswith(g + "/")]
        names = [r["figure"].rsplit("/", 1)[1] for r in qs]
        x = range(len(qs))
        ax.bar([i - 0.2 for i in x], [r["appliance"] / 1000 for r in qs], 0.4, label="appliance")
        ax.bar([i + 0.2 for i in x], [r["peer"] / 1000 for r in qs], 0.4, label=qs[0]["peer_name"])
        ax.set_xticks(list(x), names)
        ax.set_ylabel("ms")
        ax.set_title(g)
        ax.legend()
    fig.tight_layout()
    path = out / "latency.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_rps(summary: list[dict], out: Path) -> Path | None:
    rows = [r for r in summary if r["figure"].startswith("http/") and r["figure"].endswith("/rps")]
    if not rows:
        return None
    plt = _plt()
    series: dict[str, list[tuple[int, dict]]] = {}
    for r in rows:
        _, label, mode, conc, _ = r["figure"].split("/")
        series.setdefault(f"{label}/{mode}", []).append((int(conc[1:]), r))
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, pts in sorted(series.items()):
        pts.sort()
        xs = [c for c, _ in pts]
        ax.plot(xs, [r["appliance"] for _, r in pts], marker="o", label=f"appliance {name}")
        ax.plot(
            xs,
            [r["peer"] for _, r in pts],
            marker="x",
            linestyle="--",
            label=f"{pts[0][1]['peer_name']} {name}",
        )
    ax.set_xlabel("concurrent connections")
    ax.set_ylabel("requests/s")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(_plt().matplotlib.ticker.ScalarFormatter())
    ax.legend(fontsize="small")
    fig.tight_layout()
    path = out / "rps.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_router_pps(summary: list[dict], out: Path) -> Path | None:
    pts = sorted(
        (int(r["figure"].rsplit("_", 1)[1]), r)
        for r in summary
        if r["figure"].startswith("router_pps_")
    )
    if not pts:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [f for f, _ in pts]
    ax.plot(xs, [r["appliance"] for _, r in pts], marker="o", label="router appliance")
    ax.plot(
        xs, [r["peer"] for _, r in pts], marker="x", linestyle="--", label=pts[0][1]["peer_name"]
    )
    ax.set_xlabel("frame size (bytes, FCS included)")
    ax.set_ylabel("frames/s forwarded, loss within tolerance")
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small")
    fig.tight_layout()
    path = out / "router_pps.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_tcp_bulk(summary: list[dict], out: Path) -> Path | None:
    rows = [r for r in summary if r["figure"].startswith("tcp_bulk_")]
    if not rows:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r["appliance"] for r in rows], 0.4, label="appliance")
    ax.bar([i + 0.2 for i in x], [r["peer"] for r in rows], 0.4, label=rows[0]["peer_name"])
    ax.set_xticks(list(x), [r["figure"] for r in rows])
    ax.set_ylabel("Mbit/s")
    ax.legend(fontsize="small")
    fig.tight_layout()
    path = out / "tcp_bulk.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write_html(doc: dict, pngs: list[Path], out: Path) -> Path:
    summary = doc["summary"]
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(c))}</td>"
            for c in (
                r["figure"],
                f"{r['appliance']:.1f}",
                f"{r['peer']:.1f}",
                r["unit"],
                "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}x",
                "" if r["ratio"] is None else f"{r['ratio_min']:.2f}-{r['ratio_max']:.2f}",
                r["better"],
                r["peer_name"],
                r["runs"],
            )
        )
        + "</tr>"
        for r in summary
    )
    imgs = "".join(f'<img alt="{p.stem}" src="data:image/png;base64,{_b64(p)}">' for p in pngs)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>rumpnet bench</title>
<style>body{{font-family:sans-serif;margin:2em}}
td,th{{padding:2px 8px;border-bottom:1px solid #ddd}}
img{{display:block;margin:1em 0;max-width:100%}}</style></head><body>
<h1>rumpnet bench</h1>
<table><tr><th>figure</th><th>appliance</th><th>peer</th><th>unit</th><th>ratio (median)</th>
<th>min-max</th><th>better</th><th>peer</th><th>runs</th></tr>{rows}</table>
{imgs}
<h2>Environment</h2><pre>{html.escape(json.dumps(doc["env"], indent=2))}</pre>
</body></html>"""
    path = out / "bench.html"
    path.write_text(page)
    return path


def render_all(json_path: Path) -> list[Path]:
    doc = json.loads(json_path.read_text())
    doc.setdefault("summary", summarise([]))
    out = json_path.parent
    plots = (plot_latency, plot_rps, plot_tcp_bulk, plot_router_pps)
    pngs = [p for p in (plot(doc["summary"], out) for plot in plots) if p]
    return [*pngs, write_html(doc, pngs, out)]
