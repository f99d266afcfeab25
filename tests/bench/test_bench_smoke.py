"""`rumpnet bench --quick` end to end on the posix target, so the harness cannot rot:
a real posix httpd appliance and Debian's nginx in namespaces, real wrk load, real
records, plots and HTML. Numbers are not judged (benchmarks report; tests do not)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.posix


@pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and TAP devices need root")
def test_quick_bench_produces_records_for_both_sides(tmp_path):
    appliance = tmp_path / "httpd"
    gen = subprocess.run(
        [
            sys.executable,
            "-m",
            "gen.cli",
            "gen",
            "httpd",
            "-o",
            str(appliance),
            "--platform",
            "posix",
        ],
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
    doc = json.loads((out / "bench.json").read_text())
    rps = [r for r in doc["records"] if r["figure"].endswith("/rps")]
    assert rps, doc["records"]
    for r in rps:
        assert r["appliance"] > 0 and r["peer"] > 0 and r["ratio"] > 0
        assert r["params"]["errors"] == {"appliance": 0, "peer": 0}
        assert r["env"]["target"] == "posix" and r["peer_name"] == "nginx"
    assert {p.name for p in out.iterdir()} >= {"bench.json", "bench.html", "rps.png"}
    assert "http/small/keepalive/c16/rps" in run.stdout
