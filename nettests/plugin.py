"""plugin - pytest glue: options, the target fixture, per-check records.

Implements: --target/--appliance/--profile/--rnt-report/--fuzz-count/
--require-target options, session-scoped parametrization by appliance
profile (httpd, router) so one target runs at a time, the `dut` fixture (a
started Target or a skip with the target's reason; for --target xen and
xen-linux it takes the session's Xen lab from the root conftest's
lab_session), the autouse
per-check fixture (marks the capture, saves a pcap per port, detects a dead
DUT), the translation of outcomes into pass/fail/unknown/error/skip records,
known deviations of the reference target, and the end-of-run
JSONL/HTML/console summary.
Not here: the checks; the report formats themselves (report.py).

conftest.py re-exports these hooks and fixtures (pytest only reads
pytest_plugins from the rootdir conftest).
"""

import os
import platform
import re
import time
from pathlib import Path

import pytest

from nettests import report
from nettests.registry import PROFILES, PROTOCOLS, Record, Unknown, spec_of

_STATE = {"topo": None, "preflight_failed": None}


def pytest_addoption(parser):
    g = parser.getgroup("rumpnet", "rumpnet conformance rig")
    g.addoption(
        "--target",
        default=os.environ.get("RNT_TARGET", "linux"),
        choices=("linux", "posix", "xen", "xen-linux"),
        help="what to test (default linux; xen-linux: the Linux reference DomU in the lab)",
    )
    g.addoption(
        "--appliance",
        default=os.environ.get("RNT_APPLIANCE"),
        help="appliance directory (posix, xen)",
    )
    g.addoption(
        "--profile",
        default=os.environ.get("RNT_PROFILE", "httpd,router"),
        help="comma-separated profiles to run (default httpd,router)",
    )
    g.addoption(
        "--rnt-report",
        default=os.environ.get("RNT_REPORT"),
        help="directory for JSONL records, pcaps and report.html",
    )
    g.addoption(
        "--fuzz-count",
        type=int,
        default=int(os.environ.get("RNT_FUZZ_COUNT", "3000")),
        help="generated packets per fuzz class (default 3000)",
    )
    g.addoption(
        "--http-large-path",
        default=os.environ.get("RNT_HTTP_LARGE_PATH"),
        help="path of an object of several kB on the httpd (segmentation, PMTUD, "
        "fast-retransmit checks; linux: /big.bin)",
    )
    g.addoption(
        "--require-target",
        action="store_true",
        default=bool(os.environ.get("RNT_REQUIRE_TARGET")),
        help="a target that cannot start is an error of every check, not a skip (CI)",
    )
    g.addoption(
        "--fuzz-seed",
        type=int,
        default=int(os.environ.get("RNT_FUZZ_SEED", "726")),
        help="fuzz RNG seed (default 726)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "rnt(spec): a rumpnet conformance check")
    config.addinivalue_line("markers", "slow: long-timer check (make conformance-full)")
    for proto in PROTOCOLS:
        config.addinivalue_line("markers", f"{proto}: {proto} checks")
    config._rnt_records = []
    config._rnt_started = time.time()


def _profiles(config) -> list[str]:
    wanted = [p.strip() for p in config.getoption("--profile").split(",") if p.strip()]
    bad = [p for p in wanted if p not in PROFILES]
    if bad:
        raise pytest.UsageError(f"unknown profile(s) {bad}; known: {PROFILES}")
    return wanted


def pytest_generate_tests(metafunc):
    if "profile" not in metafunc.fixturenames:
        return
    spec = spec_of(metafunc.definition)
    allowed = spec.profiles if spec else PROFILES
    profs = [p for p in _profiles(metafunc.config) if p in allowed]
    metafunc.parametrize(
        "profile",
        profs
        or [
            pytest.param(None, marks=pytest.mark.skip(reason=f"profile(s) {allowed} not selected"))
        ],
        scope="session",
    )


def pytest_collection_modifyitems(config, items):
    # checks of a profile that was not selected are deselected, not skipped
    keep, drop = [], []
    for item in items:
        cs = getattr(item, "callspec", None)
        if cs is not None and "profile" in cs.params and cs.params["profile"] is None:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    # rig self-tests first, then one group per profile (one target alive at a
    # time), pre-flight first and fuzz last inside each group; otherwise file order
    order = {p: i for i, p in enumerate(PROFILES)}

    def key(item):
        spec = spec_of(item)
        cs = getattr(item, "callspec", None)
        prof = cs.params.get("profile") if cs else None
        rank = {"preflight": 0, "fuzz": 2}.get(spec.proto, 1) if spec else 1
        return (order.get(prof, -1), rank)

    items.sort(key=key)


@pytest.fixture(scope="session")
def topo():
    from nettests.topo import Topology, clean

    clean()  # leftovers of dead runs
    t = Topology()
    _STATE["topo"] = t
    yield t
    t.close()


@pytest.fixture(scope="session")
def dut(request, topo, profile):
    from nettests.targets import TargetUnavailable, make_target

    if profile is None:
        pytest.skip("profile not selected")
    cfg = request.config
    name = cfg.getoption("--target")
    try:
        lab = (lambda: _xen_lab(request)) if name in ("xen", "xen-linux") else None  # once needed
        target = make_target(name, profile, cfg.getoption("--appliance"), topo, lab)
    except TargetUnavailable as exc:
        target = exc
    if isinstance(target, TargetUnavailable):
        _STATE[("unavailable", profile)] = str(target)
        yield None
        return
    _STATE[("target", profile)] = target
    if cfg.getoption("--http-large-path"):
        target.http_large_path = cfg.getoption("--http-large-path")
    try:
        yield target
    finally:
        target.stop()
        _STATE.pop(("target", profile), None)


def _xen_lab(request):
    """The session's Xen lab (the root conftest's lab_session fixture: booted
    here if none runs, stopped at the end only if pytest booted it)."""
    from nettests.targets import TargetUnavailable

    if os.geteuid() != 0:
        raise TargetUnavailable("the Xen lab needs root (namespaces, TAPs)")
    try:
        from tools.lab import LabError
    except ImportError as exc:
        raise TargetUnavailable(f"the Xen lab (tools/lab) is not there: {exc}") from exc
    try:
        session = request.getfixturevalue("lab_session")
    except pytest.FixtureLookupError:  # run from a directory without the root conftest
        from tools.lab.pytest_plugin import LabSession

        session = LabSession()
        request.session.config.add_cleanup(session.finish)
    try:
        return session.get()
    except LabError as exc:
        raise TargetUnavailable(f"the Xen lab did not come up: {exc}") from exc


@pytest.fixture
def rec(request):
    return request.node._rnt_record


@pytest.fixture
def fuzz_count(request):
    return request.config.getoption("--fuzz-count")


@pytest.fixture
def fuzz_seed(request):
    return request.config.getoption("--fuzz-seed")


@pytest.fixture(autouse=True)
def _rnt_check(request):
    item = request.node
    item._rnt_record = Record()
    item._rnt_target = None
    if "dut" not in request.fixturenames:
        yield
        return
    target = request.getfixturevalue("dut")
    profile = request.getfixturevalue("profile")
    if target is None:
        why = f"target unavailable: {_STATE.get(('unavailable', profile))}"
        if request.config.getoption("--require-target"):
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    item._rnt_target = target
    spec = spec_of(item)
    if spec and spec.proto != "preflight" and _STATE["preflight_failed"]:
        pytest.fail(f"rig error: pre-flight failed ({_STATE['preflight_failed']})")
    if getattr(target, "_dead", None):
        ok, detail = target.alive()
        if not ok:
            raise Unknown(f"DUT unreachable since an earlier check ({detail})")
        target._dead = None
    ports = [p for s in target.sides for p in s.capture_ports()]
    marks = {p.label: p.mark() for p in ports}
    item._rnt_marks = marks
    outdir = request.config.getoption("--rnt-report")
    cs = getattr(item, "callspec", None)
    stem = "-".join(
        [spec.id if spec else item.name, *(str(v) for v in cs.params.values())]
        if cs
        else [spec.id if spec else item.name]
    )
    names = {p.label: f"{_safe_name(stem)}-{p.label}.pcap" for p in ports}
    if outdir:  # known before the check runs, so the record can name them
        item._rnt_pcaps = [f"pcap/{n}" for n in names.values()]
    yield
    if outdir:
        pdir = Path(outdir) / "pcap"
        pdir.mkdir(parents=True, exist_ok=True)
        for p in ports:
            p.write_pcap(pdir / names[p.label], marks[p.label])


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


_FAIL_TYPES = (AssertionError, pytest.fail.Exception)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    spec = spec_of(item)
    if spec is None:
        return
    excinfo = call.excinfo
    result = reason = None
    if excinfo is not None and excinfo.errisinstance(Unknown):
        rep.outcome = "skipped"
        reason = f"unknown: {excinfo.value}"
        rep.longrepr = (str(item.path), item.location[1] or 0, reason)
        result = "unknown"
    elif rep.when == "setup":
        if rep.skipped:
            result, reason = "skip", _skip_reason(rep)
        elif rep.failed:
            result, reason = "error", _short(excinfo)
    elif rep.when == "call":
        if rep.passed:
            result = "pass"
        elif rep.skipped:
            result, reason = "skip", _skip_reason(rep)
        elif excinfo is not None and excinfo.errisinstance(_FAIL_TYPES):
            result, reason = "fail", _short(excinfo)
        else:
            result, reason = "error", "rig fault: " + _short(excinfo)
    elif rep.when == "teardown" and rep.failed:
        result, reason = "error", "teardown: " + _short(excinfo)
    if result is None:
        return
    target = getattr(item, "_rnt_target", None)
    deviation = None
    cs = getattr(item, "callspec", None)
    extra = "-".join(str(v) for k, v in (cs.params.items() if cs else []) if k != "profile")
    dev_key = (
        f"{spec.id}[{extra}]"
        if f"{spec.id}[{extra}]" in getattr(target, "deviations", {})
        else spec.id
    )
    if result == "fail" and target is not None and dev_key in target.deviations:
        deviation = target.deviations[dev_key]
        rep.outcome = "skipped"
        rep.wasxfail = f"known deviation of {target.name}: {deviation}"
    if result in ("fail", "error") and target is not None and rep.when == "call":
        ok, detail = target.alive()
        if not ok:
            target._dead = detail
            reason = f"{reason} [DUT not alive afterwards: {detail}]"
    if spec.proto == "preflight" and result in ("fail", "error"):
        _STATE["preflight_failed"] = reason
    _store(item, spec, result, reason, deviation, call)


def _skip_reason(rep) -> str:
    lr = rep.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2]).removeprefix("Skipped: ")
    return str(lr)


def _short(excinfo) -> str:
    if excinfo is None:
        return ""
    text = str(excinfo.value).strip().splitlines()
    return (text[0] if text else excinfo.typename)[:400]


def _store(item, spec, result, reason, deviation, call):
    record = getattr(item, "_rnt_record", None) or Record()
    target = getattr(item, "_rnt_target", None)
    params = getattr(item, "callspec", None)
    profile = params.params.get("profile") if params else None
    cfg = item.config
    row = {
        "suite": "rumpnet-conformance",
        "check_id": spec.id,
        "test": item.nodeid,
        "rfc": spec.rfc,
        "section": spec.section,
        "level": spec.level,
        "proto": spec.proto,
        "profile": profile,
        "target": cfg.getoption("--target"),
        "dut": target.description if target else None,
        "dut_build_hash": target.build_hash if target else None,
        "result": result,
        "reason": reason,
        "deviation": deviation,
        "expected": record.expected,
        "actual": record.actual,
        "notes": record.notes,
        "metrics": record.metrics,
        "pcap": getattr(item, "_rnt_pcaps", []),
        "started": call.start,
        "duration": round(call.duration, 4),
        "env": {"kernel": platform.release(), "bridge": "linux-bridge", "offloads": "off"},
        "tool": {"name": "nettests", "argv": cfg.invocation_params.args},
    }
    item.user_properties += [
        ("rnt_" + k, row[k]) for k in ("check_id", "rfc", "section", "level", "result", "reason")
    ]
    for p in row["pcap"]:
        item.user_properties.append(("rnt_pcap", p))
    cfg._rnt_records.append(row)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    records = config._rnt_records
    if not records:
        return
    elapsed = time.time() - config._rnt_started
    for line in report.console_summary(records, elapsed):
        terminalreporter.write_line(line)
    for key, val in _STATE.items():
        if isinstance(key, tuple) and key[0] == "unavailable":
            terminalreporter.write_line(f"target unavailable for {key[1]}: {val}")
    outdir = config.getoption("--rnt-report")
    if outdir:
        paths = report.write_all(Path(outdir), records, config.getoption("--target"))
        for p in paths:
            terminalreporter.write_line(f"rnt report: {p}")
