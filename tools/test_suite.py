"""The whole test suite, as README's test command runs it (tools/test.sh).

Stages, in one Xen lab session where they need one:
  1. pytest over tests/ and nettests/: the generator, Debian fetching, the lab, minios
     self-tests on Xen and posix, the appliances on Xen and on posix, deployment, bench
     bookkeeping, and the conformance rig against the Linux reference;
  2. the conformance rig against the POSIX appliances (httpd, router), generated here;
  3. the conformance rig against the same appliances as Xen DomUs in the lab (each stage's
     pytest session boots the lab and stops it), with a reduced fuzz count
     (XEN_CI_FUZZ_COUNT; `rumpnet test DIR --target xen` runs the full count); a DomU
     that does not come up fails these stages (--require-target) instead of skipping.
Each stage writes JUnit XML under out/test-results/; the rig stages also write their
HTML report there. The last line sums every stage as "N passed, N failed, N skipped".

With arguments, it is plain pytest with those arguments (`sh tools/test.sh -k arp`).
Not here: installing anything (tools/bootstrap.sh), slow checks and benchmarks
(`make conformance-full`, `make bench`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "out" / "test-results"
RIG_PROFILES = ("httpd", "router")
# Xen under QEMU TCG: both xen rig stages together fit ~7 minutes on 2 cores with this
XEN_CI_FUZZ_COUNT = 500


def pytest(args: list[str]) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=REPO)


def counts(junit: Path) -> tuple[int, int, int]:
    """passed, failed (failures + errors), skipped of one JUnit file."""
    if not junit.exists():
        return 0, 0, 0
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    t = f = s = 0
    for suite in suites:
        t += int(suite.get("tests", 0))
        f += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        s += int(suite.get("skipped", 0))
    return t - f - s, f, s


def stage(name: str, args: list[str], log: list) -> int:
    junit = RESULTS / f"{name}.xml"
    t0 = time.monotonic()
    print(f"\n==== rumpnet test stage: {name}", flush=True)
    rc = pytest([*args, f"--junitxml={junit}"])
    log.append((name, rc, counts(junit), time.monotonic() - t0))
    return rc


def generate(kind: str, platform: str = "posix") -> Path:
    out = REPO / "out" / "test-appliances" / (kind if platform == "posix" else f"{platform}-{kind}")
    subprocess.run(
        [sys.executable, "-m", "gen.cli", "gen", kind, "-o", str(out), "--platform", platform],
        cwd=REPO,
        check=True,
    )
    return out


def rig_stage(platform: str, kind: str, log: list, extra: list[str] = ()) -> int:
    name = f"rig-{platform}-{kind}"
    try:
        appliance = generate(kind, platform)
    except subprocess.CalledProcessError as e:
        print(f"rumpnet test: generating the {platform} {kind} appliance failed: {e}")
        log.append((name, 1, (0, 1, 0), 0.0))
        return 1
    args = ["nettests", "--target", platform, "--appliance", str(appliance), "--profile", kind]
    return stage(name, [*args, "--rnt-report", str(RESULTS / name), *extra], log)


def main(argv: list[str]) -> int:
    if argv:
        return pytest(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    log: list = []
    rcs = [stage("main", [], log)]
    for kind in RIG_PROFILES:
        rcs.append(rig_stage("posix", kind, log))
    for kind in RIG_PROFILES:
        print(
            f"\nrumpnet test: rig-xen-{kind} runs --fuzz-count {XEN_CI_FUZZ_COUNT} (CI budget; "
            f"the full count: rumpnet test DIR --target xen)",
            flush=True,
        )
        extra = ["--fuzz-count", str(XEN_CI_FUZZ_COUNT), "--require-target"]
        rcs.append(rig_stage("xen", kind, log, extra))
    print("\n==== rumpnet test summary")
    tot = [0, 0, 0]
    for name, rc, (p, f, s), secs in log:
        print(f"  {name:<20} {p:>5} passed {f:>4} failed {s:>4} skipped  ({secs:.0f} s, exit {rc})")
        tot = [tot[0] + p, tot[1] + f, tot[2] + s]
    failed = any(rc != 0 for rc in rcs)
    if failed and tot[1] == 0:  # a stage failed without a failing test (collection, crash)
        tot[1] = 1
    print(f"all stages: {tot[0]} passed, {tot[1]} failed, {tot[2]} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main(sys.argv[1:]))
