"""The Xen half of `rumpnet selftest`: boot the self-test image in the lab and watch it.

Implements: run_in_lab(image, params, memory, hold) → Report. The domain is created
paused (`xl create -p`), its parameters are written to xenstore under
/local/domain/<id>/rumpnet/ (a key "a.b" becomes the node a/b: xenstore node names
cannot hold dots), then it is unpaused; the console comes from the lab's xenconsoled
log. With on_poweroff/on_crash = "preserve" the domain stays listed after it stops,
so `xl list -v` gives the shutdown reason code (0 poweroff, 1 reboot, 3 crash), then
it is destroyed. During a hold (selftest.hold > 0) the domain's CPU time is sampled
from `xl list` ten seconds apart, proving the idle kernel blocks.

Not here: parsing the console (tools/selftest.py), the lab itself (tools/lab/).
"""

from __future__ import annotations

import re
import shlex
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tools.lab import Lab, LabError
from tools.selftest import Report, SelftestError, parse_console

REASONS = {0: "poweroff", 1: "reboot", 2: "suspend", 3: "crash", 4: "watchdog"}
IDLE_SAMPLE_S = 10.0


def xl_config(
    name: str, image: Path, memory_mib: int, guest_type: str = "pv", ramdisk: Path | None = None
) -> str:
    # PVH under the lab's QEMU needs tsc_mode = "native" (see LAB_NOTES).
    tsc = 'tsc_mode = "native"\n' if guest_type == "pvh" else ""
    rd = f'ramdisk = "$FILES/{ramdisk.name}"\n' if ramdisk else ""
    return (
        f'name = "{name}"\n'
        f'type = "{guest_type}"\n'
        f"{tsc}"
        f'kernel = "$FILES/{image.name}"\n'
        f"{rd}"
        f"memory = {memory_mib}\n"
        "vcpus = 1\n"
        'on_poweroff = "preserve"\n'
        'on_reboot = "preserve"\n'
        'on_crash = "preserve"\n'
    )


def xenstore_key(key: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", key):
        raise SelftestError(f"parameter name {key!r} cannot be a xenstore node")
    return key.replace(".", "/")


def _cpu_time(lab: Lab, name: str) -> float | None:
    for dom in lab.domains():
        if dom["name"] == name:
            return dom["time"]
    return None


def _shutdown_reason(lab: Lab, name: str) -> str | None:
    rc, out = lab.exec(["xl", "list", "-v", name], timeout=30)
    if rc != 0:
        return None
    lines = out.splitlines()
    if len(lines) < 2:
        return None
    header, row = lines[0].split(), lines[1].split()
    if "Reason-Code" not in header:
        return None
    # Columns before Reason-Code are single words; the state column may read "---s--".
    idx = header.index("Reason-Code")
    try:
        code = int(row[idx])
    except (IndexError, ValueError):
        return None
    state = row[header.index("State")] if "State" in header else ""
    if "s" not in state and "c" not in state:
        return None  # still running: no reason yet
    return REASONS.get(code, f"code {code}")


def create_paused(
    lab: Lab, name: str, image: Path, memory_mib: int, guest_type: str, ramdisk: Path | None = None
) -> int:
    """Share the image (and ramdisk) and config into dom0, `xl create -p`; returns
    the domid."""
    ddir = lab.share(image, subdir=f"dom/{name}").rsplit("/", 1)[0]
    if ramdisk:
        lab.share(ramdisk, subdir=f"dom/{name}")
    cfg = lab.run_dir / "share" / "dom" / name / f"{name}.cfg"
    text = xl_config(name, image, memory_mib, guest_type, ramdisk)
    cfg.write_text(text.replace("$FILES", ddir))
    # xl itself has been seen to crash (status 139) in the emulated dom0 while other
    # domains were being created: clean up and try again before giving up.
    for attempt in range(3):
        rc, out = lab.exec(f"cd {shlex.quote(ddir)} && xl create -p {name}.cfg", timeout=120)
        rc2, domid = lab.exec(["xl", "domid", name], timeout=30)
        if rc2 == 0 and domid.strip().isdigit():
            break
        lab.exec(["xl", "destroy", name], timeout=60)
        time.sleep(1 + attempt)
    else:
        raise SelftestError(f"xl create -p {name} failed ({rc}):\n{out}")
    return int(domid.strip())


def run_in_lab(
    image: Path,
    params: dict[str, str],
    memory_mib: int,
    hold_s: int = 0,
    timeout: float = 180,
    guest_type: str = "pv",
    on_idle: Callable[[Lab, str], None] | None = None,
    ramdisk: Path | None = None,
) -> Report:
    """Boot, watch until the domain stops (or timeout), destroy it. on_idle(lab, name)
    runs once when the self-test starts its idle hold (e.g. to `xl shutdown` it)."""
    try:
        lab = Lab.up()
    except LabError as e:
        raise SelftestError(f"the Xen lab is not available: {e}") from e
    name = f"rnm-selftest-{uuid.uuid4().hex[:6]}"
    try:
        domid = create_paused(lab, name, image, memory_mib, guest_type, ramdisk)
        writes = [
            f"xenstore-write /local/domain/{domid}/rumpnet/{xenstore_key(k)} {shlex.quote(v)}"
            for k, v in params.items()
        ]
        lab.check(" && ".join([*writes, f"xl unpause {name}"]), timeout=60)
        rep = _watch(lab, name, timeout + hold_s, hold_s, on_idle)
        rep.extra["memory_mib"] = memory_mib
        rep.extra["guest_type"] = guest_type
        return rep
    finally:
        try:
            lab.destroy(name)
        except LabError:
            pass


def _watch(lab: Lab, name: str, timeout: float, hold_s: int, on_idle=None) -> Report:
    deadline = time.monotonic() + timeout
    idle: dict[str, float] = {}
    while True:
        text = lab.console(name)
        if on_idle and "selftest: idle hold=" in text:
            on_idle(lab, name)
            on_idle = None
            continue
        if hold_s >= IDLE_SAMPLE_S + 2 and "selftest: idle hold=" in text and not idle:
            time.sleep(1.0)  # let the last console write and thread exits settle
            t0 = _cpu_time(lab, name)
            time.sleep(IDLE_SAMPLE_S)
            t1 = _cpu_time(lab, name)
            if t0 is not None and t1 is not None:
                idle = {"cpu_s_before": t0, "cpu_s_after": t1, "cpu_s_delta": round(t1 - t0, 2)}
            continue
        reason = _shutdown_reason(lab, name)
        if reason or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    # xenconsoled may write the last lines to its log just after the shutdown.
    grace = time.monotonic() + 5
    while (
        reason
        and time.monotonic() < grace
        and not re.search(r"rumpnet: (exit|PANIC)", lab.console(name))
    ):
        time.sleep(0.5)
    rep = parse_console(lab.console(name), "xen")
    rep.shutdown_reason = reason
    if reason is None:
        rep.panic = rep.panic or f"domain did not shut down within {timeout:.0f} s"
    if idle:
        rep.extra["idle_cpu"] = idle
    return rep
