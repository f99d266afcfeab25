"""`rumpnet bench --quick` end to end on the posix target, so the harness cannot rot:
a real posix httpd appliance and Debian's nginx in namespaces, real wrk load, real
iperf 2 transfers against the appliance's lwiperf and the peer's `iperf -s`; a real
posix router appliance and a Linux forwarder between two bridges with iperf3 -u load
and ping; real records, plots and HTML. Numbers are not judged (benchmarks report;
tests do not): a figure must exist for both sides, be positive and carry its
parameters."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.posix


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and TAP devices need root")


def _gen_and_bench(tmp_path, kind: str):
    appliance = tmp_path / kind
    gen = subprocess.run(
        [sys.executable, "-m", "gen.cli", "gen", kind, "-o", str(appliance), "--platform", "posix"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert gen.returncode == 0, gen.stderr
    out = tmp_path / "bench"
    run = subprocess.run(
        [sys.executable, "-m", "gen.cli", "bench", str(appliance), "--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return out, run, json.loads((out / "bench.json").read_text())


def _one(doc: dict, figure: str) -> dict:
    rs = [r for r in doc["records"] if r["figure"] == figure]
    assert len(rs) == 1, (figure, [r["figure"] for r in doc["records"]])
    r = rs[0]
    assert r["env"]["target"] == "posix"
    assert r["appliance"] > 0 and r["peer"] > 0 and r["ratio"] > 0, r
    return r


@needs_root
def test_quick_bench_produces_records_for_both_sides(tmp_path):
    out, run, doc = _gen_and_bench(tmp_path, "httpd")
    rps = [r for r in doc["records"] if r["figure"].endswith("/rps")]
    assert rps, doc["records"]
    for r in rps:
        assert r["appliance"] > 0 and r["peer"] > 0 and r["ratio"] > 0
        assert r["params"]["errors"] == {"appliance": 0, "peer": 0}
        assert r["env"]["target"] == "posix" and r["peer_name"] == "nginx"
    assert {p.name for p in out.iterdir()} >= {"bench.json", "bench.html", "rps.png"}
    assert "http/small/keepalive/c16/rps" in run.stdout
    for fig in ("tcp_bulk_rx", "tcp_bulk_tx"):
        r = _one(doc, fig)
        assert r["unit"] == "Mbit/s" and r["better"] == "higher"
        assert r["params"]["seconds_each_way"] >= 1
        assert "lwiperf" in r["params"]["appliance_endpoint"]
        assert fig in run.stdout
    assert (out / "tcp_bulk.png").stat().st_size > 0


@needs_root
def test_quick_router_bench_produces_forwarding_and_latency_records(tmp_path):
    out, run, doc = _gen_and_bench(tmp_path, "router")
    for frame in (64, 512, 1500):
        r = _one(doc, f"router_pps_{frame}")
        p = r["params"]
        assert r["unit"] == "pps" and r["peer_name"] == "linux ip_forward"
        assert p["frame_bytes"] == frame and p["udp_payload_bytes"] == frame - 46
        for side in ("appliance", "peer"):
            assert p["loss"][side] <= p["loss_tolerance"], p
            assert p["sent_pps"][side] >= r[side] * (1 - p["loss_tolerance"]) - 1, p
        assert f"router_pps_{frame}" in run.stdout
    for q in ("p50", "p99"):
        r = _one(doc, f"router_latency_{q}")
        assert r["unit"] == "us" and min(r["params"]["replies"].values()) > 0
    p50, p99 = _one(doc, "router_latency_p50"), _one(doc, "router_latency_p99")
    assert p99["appliance"] >= p50["appliance"] and p99["peer"] >= p50["peer"]
    assert {p.name for p in out.iterdir()} >= {"bench.json", "bench.html", "router_pps.png"}
