"""report - results out: console summary, JSON lines, self-contained HTML.

Implements: per-protocol counts for the console, results-<target>.jsonl
(one record per check, CONFORMANCE.md's record shape), and report.html: a
single file with inline CSS showing counts per protocol and target, the
per-RFC MUST coverage table, and every check side by side across all targets
whose JSONL sits in the same directory, with links to the per-check pcaps.
Not here: JUnit XML (pytest's --junitxml, with rnt_* properties per check).
"""

import html
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

RESULTS = ("pass", "fail", "unknown", "error", "skip")


def counts_by_proto(records) -> dict:
    table: dict = defaultdict(Counter)
    for r in records:
        key = f"{r['proto']}" + (f"[{r['profile']}]" if r.get("profile") else "")
        table[key][r["result"]] += 1
        if r.get("deviation"):
            table[key]["deviation"] += 1
    return table


def console_summary(records, elapsed: float) -> list[str]:
    table = counts_by_proto(records)
    lines = [
        "",
        f"rumpnet conformance summary (target {records[0]['target']}, {elapsed:.0f} s)",
        f"{'protocol[profile]':24} " + " ".join(f"{x:>7}" for x in RESULTS) + "  known-dev",
    ]
    total: Counter = Counter()
    for key in sorted(table):
        c = table[key]
        total.update(c)
        lines.append(
            f"{key:24} " + " ".join(f"{c[x]:>7}" for x in RESULTS) + f"  {c['deviation']:>9}"
        )
    lines.append(
        f"{'total':24} "
        + " ".join(f"{total[x]:>7}" for x in RESULTS)
        + f"  {total['deviation']:>9}"
    )
    for r in records:
        if r["result"] in ("fail", "error") and not r.get("deviation"):
            lines.append(
                f"  {r['result'].upper()} {r['check_id']} ({r['rfc']} §{r['section']},"
                f" {r['level']}) [{r.get('profile')}]: {r['reason']}"
            )
    for r in records:
        if r.get("deviation"):
            lines.append(
                f"  KNOWN-DEVIATION {r['check_id']} [{r.get('profile')}]: {r['deviation']}"
            )
    return lines


def write_jsonl(path: Path, records) -> None:
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r, default=str) + "\n")


def load_all(outdir: Path) -> dict[str, list]:
    """Every results-*.jsonl in outdir, grouped by target (one column each)."""
    runs: dict[str, list] = {}
    for p in sorted(outdir.glob("results-*.jsonl")):
        with open(p) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    runs.setdefault(r.get("target") or p.stem, []).append(r)
    return runs


def must_coverage(records) -> list[dict]:
    by_rfc: dict = defaultdict(Counter)
    for r in records:
        if r["level"] != "MUST" or r["proto"] in ("rig", "preflight"):
            continue
        by_rfc[r["rfc"]]["total"] += 1
        by_rfc[r["rfc"]][r["result"]] += 1
    rows = []

    def number(rfc: str):
        digits = "".join(ch for ch in rfc if ch.isdigit())
        return (int(digits) if digits else 0, rfc)

    for rfc in sorted(by_rfc, key=number):
        c = by_rfc[rfc]
        rows.append(
            {
                "rfc": rfc,
                "total": c["total"],
                **{x: c[x] for x in RESULTS},
                "coverage": c["pass"] / c["total"] if c["total"] else 0.0,
            }
        )
    return rows


CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.2em .5em;font-size:13px;vertical-align:top}
th{background:#eee}.pass{background:#d7f5d7}.fail{background:#f7c8c8}
.unknown{background:#fff0b3}.error{background:#f0b3f0}.skip{background:#e6e6e6}
.dev{outline:2px dashed #c60}code{font-size:12px}small{color:#555}
"""


def _cell(r) -> str:
    if r is None:
        return "<td>—</td>"
    cls = r["result"] + (" dev" if r.get("deviation") else "")
    detail = []
    if r.get("reason"):
        detail.append(html.escape(r["reason"]))
    if r.get("deviation"):
        detail.append("<b>known deviation:</b> " + html.escape(r["deviation"]))
    if r.get("expected"):
        detail.append("<b>expected:</b> " + html.escape(str(r["expected"])))
    if r.get("actual"):
        detail.append("<b>actual:</b> " + html.escape(str(r["actual"])))
    links = " ".join(f'<a href="{html.escape(p)}">pcap</a>' for p in r.get("pcap", []))
    return (
        f'<td class="{cls}"><b>{r["result"]}</b> <small>{r["duration"]:.2f}s</small> {links}'
        f"<br><small>{'<br>'.join(detail)}</small></td>"
    )


def render_html(runs: dict[str, list]) -> str:
    targets = list(runs)
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>rumpnet conformance"
        f"</title><style>{CSS}</style></head><body><h1>rumpnet conformance report</h1>",
        f"<p>generated {time.strftime('%Y-%m-%d %H:%M:%S')}; targets: "
        + ", ".join(html.escape(t) for t in targets)
        + "</p>",
    ]
    for t, recs in runs.items():
        dut = next((r["dut"] for r in recs if r.get("dut")), "unavailable")
        bh = next((r["dut_build_hash"] for r in recs if r.get("dut_build_hash")), "unknown")
        out.append(
            f"<h2>{html.escape(t)}</h2><p>{html.escape(str(dut))}; build "
            f"<code>{html.escape(str(bh))}</code></p>"
        )
        out.append(
            "<table><tr><th>protocol[profile]</th>"
            + "".join(f"<th>{x}</th>" for x in RESULTS)
            + "<th>known deviations</th></tr>"
        )
        for key, c in sorted(counts_by_proto(recs).items()):
            out.append(
                f"<tr><td>{html.escape(key)}</td>"
                + "".join(f"<td class='{x}'>{c[x]}</td>" for x in RESULTS)
                + f"<td>{c['deviation']}</td></tr>"
            )
        out.append(
            "</table><h3>MUST coverage per RFC</h3><table><tr><th>RFC</th><th>MUST "
            "checks</th>"
            + "".join(f"<th>{x}</th>" for x in RESULTS)
            + "<th>covered (pass)</th></tr>"
        )
        for row in must_coverage(recs):
            out.append(
                f"<tr><td>{html.escape(row['rfc'])}</td><td>{row['total']}</td>"
                + "".join(f"<td class='{x}'>{row[x]}</td>" for x in RESULTS)
                + f"<td>{row['coverage']:.0%}</td></tr>"
            )
        out.append("</table>")
    out.append(
        "<h2>All checks</h2><table><tr><th>check</th><th>RFC §</th><th>level</th>"
        "<th>profile</th>" + "".join(f"<th>{html.escape(t)}</th>" for t in targets) + "</tr>"
    )
    keys: dict = {}
    for recs in runs.values():
        for r in recs:
            keys.setdefault((r["proto"], r["check_id"], r.get("profile")), r)
    index = {
        t: {(r["proto"], r["check_id"], r.get("profile")): r for r in recs}
        for t, recs in runs.items()
    }
    for key in sorted(keys, key=lambda k: (k[0], k[1], str(k[2]))):
        r = keys[key]
        out.append(
            f"<tr><td><code>{html.escape(r['check_id'])}</code></td><td>"
            f"{html.escape(r['rfc'])} §{html.escape(r['section'])}</td><td>{r['level']}</td>"
            f"<td>{html.escape(str(r.get('profile')))}</td>"
            + "".join(_cell(index[t].get(key)) for t in targets)
            + "</tr>"
        )
    out.append("</table></body></html>")
    return "\n".join(out)


def write_all(outdir: Path, records, target: str) -> list[Path]:
    """results-<target>-<profiles>.jsonl (a rerun of the same selection replaces
    its file; other targets' and profiles' files stay) and report.html."""
    outdir.mkdir(parents=True, exist_ok=True)
    profiles = sorted({str(r.get("profile")) for r in records if r.get("profile")}) or ["rig"]
    jl = outdir / f"results-{target}-{'+'.join(profiles)}.jsonl"
    write_jsonl(jl, records)
    page = outdir / "report.html"
    page.write_text(render_html(load_all(outdir)))
    return [jl, page]
