"""`rumpnet bench --target xen --quick` end to end in the lab, so the xen harness cannot
rot: the httpd appliance and the reference Linux PV DomU booted for real, DHCP seen on
the lab bridge, wrk and iperf run in dom0, records, table and HTML written.

It fails when a figure is missing or a record is malformed (fields, types, ratio,
environment, the memory floor's own probes, the causal order of the DHCP exchange);
it never judges a timing (benchmarks report; tests do not).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tools.lab.pytest_plugin import lab, lab_session  # noqa: F401  (fixtures)

pytestmark = pytest.mark.lab

FIGURES = {
    "image_bytes",
    "boot/created_ms",
    "boot/dhcp_discover_ms",
    "boot/dhcp_offer_ms",
    "boot/dhcp_ack_ms",
    "boot/http_200_ms",
    "boot/first_instruction_to_main_us",
    "memory_floor_mib",
    "idle_cpu_seconds",
    "tcp/dom0_to_domu_mbit_s",
    *(f"http/index/keepalive/c16/{q}" for q in ("rps", "p50", "p90", "p99", "p999")),
}
FIELDS = {"figure", "appliance", "peer", "unit", "better", "run", "target", "peer_name"}


def test_quick_xen_bench_has_every_figure_for_both_sides(lab, tmp_path):  # noqa: F811
    appliance = tmp_path / "httpd"
    gen = subprocess.run(
        [sys.executable, "-m", "gen.cli", "gen", "httpd", "-o", str(appliance)]
        + ["--platform", "xen"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert gen.returncode == 0, gen.stderr
    out = tmp_path / "bench"
    run = subprocess.run(
        [sys.executable, "-m", "gen.cli", "bench", str(appliance), "--target", "xen"]
        + ["--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads((out / "bench.json").read_text())
    records = {r["figure"]: r for r in doc["records"]}
    assert set(records) >= FIGURES, sorted(FIGURES - set(records))
    assert doc["env"]["unavailable"] == {}

    for r in doc["records"]:
        assert set(r) >= FIELDS | {"ratio", "params", "env"}, r
        assert isinstance(r["appliance"], float) and isinstance(r["peer"], float), r
        assert r["better"] in ("higher", "lower") and r["unit"], r
        assert r["target"] == "xen" and r["peer_name"] == "linux-pv", r
        if r["figure"] == "idle_cpu_seconds":  # 0.1 s resolution: 0 is a measurement
            assert r["appliance"] >= 0 and r["peer"] >= 0, r
            continue
        assert r["appliance"] > 0 and r["peer"] > 0, r
        assert r["ratio"] == pytest.approx(r["appliance"] / r["peer"]), r

    # the DHCP exchange and the first answer, in the order they happen on the wire
    for side in ("appliance", "peer"):
        seq = [records[f"boot/{p}_ms"][side] for p in ("dhcp_discover", "dhcp_offer")]
        seq += [records[f"boot/{p}_ms"][side] for p in ("dhcp_ack", "http_200")]
        assert seq == sorted(seq), (side, seq)

    # the floor is the smallest size that served: it served, one MiB less did not
    floor = records["memory_floor_mib"]
    probes = {mib: ok for mib, ok in floor["params"]["appliance_probes"]}
    a = int(floor["appliance"])
    assert probes[a] is True and (a == 1 or probes[a - 1] is False), probes
    assert a <= doc["env"]["domu_memory_mib"]["appliance"]

    rps = records["http/index/keepalive/c16/rps"]["params"]
    assert rps["errors"] == {"appliance": 0, "peer": 0}
    assert rps["file_bytes"]["appliance"] == rps["file_bytes"]["peer"]  # same file served

    env = doc["env"]
    assert env["target"] == "xen" and env["lab"]["accel"]
    assert env["xen_version"] and env["dom0"]["vcpus"] >= 1
    assert env["mtu"]["xenbr0"] > 0 and env["mtu"]["appliance_nic0"] > 0
    assert set(env["load_tools"]) == {"wrk", "iperf"}
    assert {p.name for p in out.iterdir()} >= {"bench.json", "bench.html", "rps.png"}
    assert "boot/http_200_ms" in run.stdout
