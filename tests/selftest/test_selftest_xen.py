"""The minios kernel on real Xen (the lab): every subsystem check passes, clean exits.

Boots appliance/apps/selftest (PLATFORM=xen) with `xl create` in the lab's dom0 through
tools/selftest_xen.py: created paused, parameters written to xenstore, unpaused, console
read from xenconsoled's log, shutdown reason from `xl list -v`.

- PV: every check passes, the domain powers off with status 0 and xl says "poweroff";
  the image boots with memory = 4 (MiB) and reports how much memory it used; an idle
  domain's CPU time stays flat over ten seconds (`xl list`);
- PVH (same image, type = "pvh", tsc_mode = "native", also memory = 4): the same
  checks, the same clean poweroff, the same flat idle;
- on both: hyp_panic() and a NULL write (unhandled page fault) print a PANIC line with
  a backtrace and crash the domain (xl reason "crash");
- `xl shutdown` of an idle appliance powers it off cleanly (~/control/shutdown);
- a ramdisk (a cpio newc archive) is what hyp_content() returns, on PV and PVH.
"""

from __future__ import annotations

import re

import pytest

from tools import selftest

pytestmark = pytest.mark.lab

TOKEN = "rnmtok42"


@pytest.fixture(scope="module")
def xen_image(tmp_path_factory):
    return selftest.build("xen", tmp_path_factory.mktemp("selftest-xen"))


def boot(lab, image, params, memory_mib=8, hold_s=0, timeout=180, guest_type="pv", **kw):
    from tools.selftest_xen import run_in_lab

    rep = run_in_lab(
        image, params, memory_mib, hold_s, timeout=timeout, guest_type=guest_type, **kw
    )
    if guest_type == "pvh" and not rep.checks:
        # PVH runs as a nested HVM container under QEMU's TCG; once in a few CI runs
        # such a guest stopped printing right after its boot lines (LAB_NOTES: PVH is
        # the fragile mode here). One more boot; a second silent one fails the test.
        print(f"PVH guest printed no check (console: {rep.console[-300:]!r}); booting again")
        rep = run_in_lab(
            image, params, memory_mib, hold_s, timeout=timeout, guest_type=guest_type, **kw
        )
    return rep


@pytest.mark.parametrize(("guest_type", "memory_mib"), [("pv", 4), ("pvh", 4)])
def test_all_checks_pass_and_idle_is_flat(lab, xen_image, guest_type, memory_mib):
    params = selftest.params_for(TOKEN, tolerance_ms=100, hold_s=15)
    rep = boot(lab, xen_image, params, memory_mib=memory_mib, hold_s=15, guest_type=guest_type)
    rep.token_expected = TOKEN
    print(rep.console)
    assert rep.ok(), "\n".join(rep.problems())
    assert rep.shutdown_reason == "poweroff"
    names = {c.name for c in rep.checks}
    assert {
        "alloc_stress", "thread_pingpong", "timers_order", "evtchn_loopback", "grant_copy",
        "xenstore_rw", "xenstore_watch", "xenstore_transaction", "param", "memory",
    } <= names  # fmt: skip
    mem = re.search(r"total_kib=(\d+) used_kib=(\d+) peak_kib=(\d+)", rep.check("memory").detail)
    assert mem, rep.check("memory").detail
    total, used, peak = map(int, mem.groups())
    print(f"{guest_type} {memory_mib} MiB: heap {total} KiB, used {used}, peak {peak} KiB")
    assert 0 < total < memory_mib * 1024 and peak <= total
    idle = rep.extra.get("idle_cpu")
    assert idle, "the domain's CPU time was not sampled during its idle hold"
    print(f"idle CPU over 10 s: {idle}")
    assert idle["cpu_s_delta"] <= 0.1, idle


@pytest.mark.parametrize("guest_type", ["pv", "pvh"])
@pytest.mark.parametrize(
    ("how", "line"),
    [("panic", r"rumpnet: PANIC: selftest: deliberate panic"),
     ("fault", r"rumpnet: PANIC: trap 14 \(page fault\) error 0x\w+ at rip 0x[0-9a-f]+")],
)  # fmt: skip
def test_fatal_errors_print_backtrace_and_crash(lab, xen_image, how, line, guest_type):
    rep = boot(lab, xen_image, {"selftest.crash": how}, timeout=90, guest_type=guest_type)
    assert re.search(line, rep.console), rep.console
    assert re.search(r"rumpnet: backtrace:( 0x[0-9a-f]+){2,}", rep.console), rep.console
    assert rep.shutdown_reason == "crash", rep.console
    assert not rep.checks  # it crashed before any check ran


def test_xl_shutdown_powers_off_an_idle_appliance(lab, xen_image):
    def shutdown(lab, name):
        lab.check(["xl", "shutdown", name], timeout=60)

    params = selftest.params_for(TOKEN, tolerance_ms=100, hold_s=120)
    rep = boot(lab, xen_image, params, hold_s=120, timeout=90, on_idle=shutdown)
    assert rep.summary == (len(rep.checks), 0), rep.console
    assert "selftest: idle done" not in rep.console  # stopped during the hold
    assert (rep.exit_how, rep.exit_status) == ("poweroff", 0), rep.console
    assert rep.shutdown_reason == "poweroff"


def newc(files: dict[str, bytes]) -> bytes:
    """A cpio newc archive (what rumpnet's content archives are)."""
    out = b""
    for ino, (name, data) in enumerate([*files.items(), ("TRAILER!!!", b"")], 1):
        mode = 0o100644 if data or name != "TRAILER!!!" else 0
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join(
            f"{v:08x}" for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0)
        )
        out += hdr.encode() + nb
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return out


@pytest.mark.parametrize("guest_type", ["pv", "pvh"])
def test_ramdisk_is_the_content_archive(lab, xen_image, tmp_path, guest_type):
    archive = tmp_path / "content.cpio"
    archive.write_bytes(newc({"index.html": b"<h1>rumpnet</h1>\n" * 100}))
    params = selftest.params_for(TOKEN, tolerance_ms=100, hold_s=0)
    rep = boot(lab, xen_image, params, guest_type=guest_type, ramdisk=archive)
    content = rep.check("content")
    assert content and content.passed, rep.console
    assert f"len={archive.stat().st_size}" in content.detail
