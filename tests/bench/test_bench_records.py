"""The bench harness's bookkeeping: summaries, the console table, plots and the HTML
page, from records made in the test (no timings are judged here)."""

from __future__ import annotations

import json

from tools.bench import record, report


def make_records() -> list[record.Record]:
    rs = []
    for run, (a, p) in enumerate([(900.0, 1000.0), (1200.0, 1000.0), (1100.0, 1000.0)]):
        rs.append(
            record.Record(
                "http/small/keepalive/c16/rps",
                a,
                p,
                "req/s",
                "higher",
                run,
                "posix",
                "nginx",
                {"connections": 16},
            )
        )
        for q, scale in (("p50", 1), ("p90", 2), ("p99", 4), ("p999", 8)):
            rs.append(
                record.Record(
                    f"http/small/keepalive/c16/{q}",
                    100.0 * scale,
                    80.0 * scale,
                    "us",
                    "lower",
                    run,
                    "posix",
                    "nginx",
                    {},
                )
            )
    rs.append(
        record.Record(
            "http/small/keepalive/c64/rps",
            2000.0,
            1000.0,
            "req/s",
            "higher",
            0,
            "posix",
            "nginx",
            {},
        )
    )
    return rs


def test_summary_takes_medians_and_ratio_span():
    rows = {r["figure"]: r for r in record.summarise(make_records())}
    rps = rows["http/small/keepalive/c16/rps"]
    assert (rps["appliance"], rps["peer"], rps["runs"]) == (1100.0, 1000.0, 3)
    assert (rps["ratio"], rps["ratio_min"], rps["ratio_max"]) == (1.1, 0.9, 1.2)
    assert rows["http/small/keepalive/c16/p99"]["ratio"] == 1.25


def test_table_names_appliance_peer_and_ratio():
    text = record.table(record.summarise(make_records()))
    line = next(ln for ln in text.splitlines() if ln.startswith("http/small/keepalive/c16/rps"))
    assert "1100.0" in line and "1000.0" in line and "1.10x" in line and "0.90-1.20" in line


def test_json_records_carry_figure_appliance_peer_ratio(tmp_path):
    path = tmp_path / "bench.json"
    record.write_json(path, make_records(), record.environment("posix"))
    doc = json.loads(path.read_text())
    first = doc["records"][0]
    assert {"figure", "appliance", "peer", "ratio", "env", "params"} <= set(first)
    assert first["ratio"] == 0.9 and doc["env"]["target"] == "posix"


def test_report_writes_plots_and_self_contained_html(tmp_path):
    path = tmp_path / "bench.json"
    record.write_json(path, make_records(), record.environment("posix"))
    outputs = report.render_all(path)
    names = sorted(p.name for p in outputs)
    assert names == ["bench.html", "latency.png", "rps.png"]
    for p in outputs:
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (tmp_path / "bench.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "1.10x" in page
