"""The result pipeline: outcomes -> records -> JSONL, JUnit properties, HTML.

Runs a small pytest session with the rig's plugin over checks that pass, fail,
skip, are unknown and error, and reads back every output.
"""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from nettests.report import must_coverage, render_html

REPO = Path(__file__).resolve().parents[2]

CHECKS = """
import pytest
from nettests.registry import Unknown, check

@check("demo.pass", rfc="RFC 9999", section="1", level="MUST", proto="rig")
def test_pass(rec):
    rec.saw("x", "x")

@check("demo.fail", rfc="RFC 9999", section="2", level="MUST", proto="rig")
def test_fail(rec):
    rec.saw("y", "z")
    assert False, "z is not y"

@check("demo.unknown", rfc="RFC 9998", section="3", level="SHOULD", proto="rig")
def test_unknown():
    raise Unknown("cannot tell")

@check("demo.skip", rfc="RFC 9998", section="4", level="MAY", proto="rig")
def test_skip():
    pytest.skip("not applicable")

@check("demo.error", rfc="RFC 9999", section="5", level="MUST", proto="rig")
def test_error():
    raise OSError("rig broke")
"""


def test_outcomes_reach_every_output(tmp_path):
    (tmp_path / "test_demo.py").write_text(CHECKS)
    out = tmp_path / "out"
    junit = tmp_path / "junit.xml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "nettests.plugin",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_demo.py"),
            "--rnt-report",
            str(out),
            "--junitxml",
            str(junit),
            "-q",
            "--rootdir",
            str(tmp_path),
            "-o",
            "addopts=",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    recs = {r["check_id"]: r for r in map(json.loads, (out / "results-linux-rig.jsonl").open())}
    assert {k: r["result"] for k, r in recs.items()} == {
        "demo.pass": "pass",
        "demo.fail": "fail",
        "demo.unknown": "unknown",
        "demo.skip": "skip",
        "demo.error": "error",
    }
    assert recs["demo.fail"]["expected"] == "y" and recs["demo.fail"]["actual"] == "z"
    assert "z is not y" in recs["demo.fail"]["reason"]
    assert recs["demo.error"]["reason"].startswith("rig fault")
    props = {
        p.get("value") for p in ET.parse(junit).iter("property") if p.get("name") == "rnt_check_id"
    }
    assert props == set(recs)
    page = (out / "report.html").read_text()
    assert "MUST coverage per RFC" in page and "demo.unknown" in page
    assert "rumpnet conformance summary" in proc.stdout


def test_must_coverage_counts_only_must():
    recs = [
        {"level": "MUST", "proto": "tcp", "rfc": "RFC 9293", "result": "pass"},
        {"level": "MUST", "proto": "tcp", "rfc": "RFC 9293", "result": "fail"},
        {"level": "SHOULD", "proto": "tcp", "rfc": "RFC 9293", "result": "fail"},
    ]
    (row,) = must_coverage(recs)
    assert row["total"] == 2 and row["pass"] == 1 and row["coverage"] == 0.5


def test_html_is_self_contained():
    rec = {
        "proto": "arp",
        "check_id": "a",
        "profile": "httpd",
        "rfc": "RFC 826",
        "section": "x",
        "level": "MUST",
        "result": "pass",
        "duration": 0.1,
        "pcap": ["pcap/a.pcap"],
        "dut": "d",
        "dut_build_hash": "h",
        "reason": None,
        "expected": "<b>",
        "actual": "",
    }
    page = render_html({"linux": [rec], "posix": [dict(rec, result="fail")]})
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "&lt;b&gt;" in page  # escaped
    assert page.count('class="pass') >= 1 and page.count('class="fail') >= 1
