"""`rumpnet bench --target xen --quick` end to end in the lab, so the xen harness cannot
rot: the httpd appliance and the reference Linux PV DomU booted for real, DHCP seen on
the lab bridge, wrk and iperf run in dom0, records, table and HTML written; and the
router appliance against the Linux PV DomU with ip_forward, UDP from a source namespace
on one lab bridge to a sink namespace on the other (about 1.5 min).

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


def quick_xen_bench(kind: str, appliance, out) -> tuple[dict, str]:
    """`rumpnet gen KIND --platform xen`, then `rumpnet bench --target xen --quick`:
    the bench.json document and the bench's console (asserting both succeed)."""
    gen = subprocess.run(
        [sys.executable, "-m", "gen.cli", "gen", kind, "-o", str(appliance), "--platform", "xen"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert gen.returncode == 0, gen.stderr
    run = subprocess.run(
        [sys.executable, "-m", "gen.cli", "bench", str(appliance), "--target", "xen"]
        + ["--quick", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((out / "bench.json").read_text()), run.stdout


def test_quick_xen_bench_has_every_figure_for_both_sides(lab, tmp_path):  # noqa: F811
    appliance = tmp_path / "httpd"
    out = tmp_path / "bench"
    doc, stdout = quick_xen_bench("httpd", appliance, out)
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
    assert "boot/http_200_ms" in stdout


ROUTER_FIGURES = {
    "image_bytes",
    *(f"router_pps_{f}" for f in (64, 512, 1500)),
    "router_latency_p50",
    "router_latency_p99",
}


def test_quick_xen_router_bench_forwards_through_both_domus(lab, tmp_path):  # noqa: F811
    """The router appliance and the Linux PV DomU with ip_forward, both between a
    source and a sink namespace on the lab's two bridges: every router figure for both
    sides, the measured rates really crossed the router, and nothing is left behind."""
    appliance = tmp_path / "router"
    out = tmp_path / "bench"
    doc, stdout = quick_xen_bench("router", appliance, out)
    records = {r["figure"]: r for r in doc["records"]}
    assert set(records) == ROUTER_FIGURES, sorted(records)

    for r in doc["records"]:
        assert set(r) >= FIELDS | {"ratio", "params", "env"}, r
        assert r["target"] == "xen", r
        assert r["appliance"] > 0 and r["peer"] > 0, r  # 0 pps: nothing got through
        if r["figure"].startswith("router_"):
            assert r["peer_name"] == "Linux PV DomU ip_forward", r
            assert "QEMU emulated NIC" in r["params"]["path"], r  # the shared path noted
    for f in (64, 512, 1500):
        p = records[f"router_pps_{f}"]["params"]
        assert p["frame_bytes"] == f and p["udp_payload_bytes"] == f - 46
        for side in ("appliance", "peer"):
            assert p["loss"][side] <= p["loss_tolerance"], p  # the figure is a passing trial
            assert p["sent_pps"][side] > 0, p
    lat = records["router_latency_p50"]["params"]["replies"]
    assert lat["appliance"] > 0 and lat["peer"] > 0

    env = doc["env"]
    gw = env["router_addresses"]
    assert gw["appliance"] == ["192.0.2.1", "198.51.100.1"]
    assert gw["peer"][0].startswith("192.0.2.") and gw["peer"][1].startswith("198.51.100.")
    # both DomUs destroyed, the namespaces and the veths on the lab's bridges gone
    assert not [d["name"] for d in lab.domains() if d["name"].startswith("rnbr-")]
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert "-xsrc" not in netns and "-xsink" not in netns, netns
    host_links = lab.run_host(["ip", "-br", "link"]).stdout
    assert "-xs0" not in host_links and "-xk1" not in host_links, host_links
    assert {p.name for p in out.iterdir()} >= {"bench.json", "bench.html"}
