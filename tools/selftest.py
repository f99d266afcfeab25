"""`rumpnet selftest`: build the kernel self-test image, boot it, check every line.

Implements: building appliance/ with APP=selftest for the target (make, host gcc), running
it (posix: the Linux process; xen: `xl create` in the lab's dom0 through tools/lab, the
parameters written to xenstore while the domain is paused), parsing the console's
`selftest:` lines, printing a summary (or --json), and the verdict: exit 0 only if every
check passed, the summary agrees, the token parameter came back, and the appliance shut
down cleanly (poweroff, status 0; on Xen also shutdown reason poweroff from xl).

Not here: the checks themselves (appliance/apps/selftest/), the lab (tools/lab/).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APPLIANCE = REPO / "appliance"

CHECK_RE = re.compile(r"^selftest: check=(\S+) result=(pass|fail) detail=(.*)$")
SUMMARY_RE = re.compile(r"^selftest: summary passed=(\d+) failed=(\d+)$")
EXIT_RE = re.compile(r"^rumpnet: exit (\w+) status (-?\d+)$")
PANIC_RE = re.compile(r"^rumpnet: PANIC: (.*)$")


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class Report:
    """What one self-test run printed, and how it ended."""

    target: str
    checks: list[Check] = field(default_factory=list)
    summary: tuple[int, int] | None = None  # (passed, failed) as printed
    exit_how: str | None = None  # "poweroff", "reboot", "crash"
    exit_status: int | None = None
    panic: str | None = None
    shutdown_reason: str | None = None  # xen: what xl reported
    token_expected: str | None = None
    extra: dict[str, object] = field(default_factory=dict)  # memory, cpu time...
    console: str = ""

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def problems(self) -> list[str]:
        """Every reason this run is not a clean pass (empty list: all good)."""
        out = [f"check {c.name} failed: {c.detail}" for c in self.checks if not c.passed]
        if not self.checks:
            out.append("no check lines on the console")
        if self.panic:
            out.append(f"panic: {self.panic}")
        npass = sum(c.passed for c in self.checks)
        if self.summary is None:
            out.append("no summary line")
        elif self.summary != (npass, len(self.checks) - npass):
            out.append(f"summary {self.summary} disagrees with the check lines")
        if (self.exit_how, self.exit_status) != ("poweroff", 0):
            out.append(f"exit was {self.exit_how} status {self.exit_status}, not poweroff 0")
        if self.shutdown_reason not in (None, "poweroff"):
            out.append(f"xl reported shutdown reason {self.shutdown_reason}")
        if self.token_expected:
            param = self.check("param")
            if not param or f"token={self.token_expected} " not in param.detail + " ":
                out.append("the selftest.token parameter did not come back")
        return out

    def ok(self) -> bool:
        return not self.problems()


def parse_console(text: str, target: str = "xen") -> Report:
    """Parse a console transcript (\\r\\n or \\n line ends) into a Report."""
    rep = Report(target=target, console=text)
    for raw in text.splitlines():
        line = raw.strip("\r").strip()
        if m := CHECK_RE.match(line):
            rep.checks.append(Check(m[1], m[2] == "pass", m[3]))
        elif m := SUMMARY_RE.match(line):
            rep.summary = (int(m[1]), int(m[2]))
        elif m := EXIT_RE.match(line):
            rep.exit_how, rep.exit_status = m[1], int(m[2])
        elif (m := PANIC_RE.match(line)) and rep.panic is None:
            rep.panic = m[1]
    return rep


def build(target: str, out_dir: Path | None = None, extra_make: list[str] | None = None) -> Path:
    """Build the self-test image for target ("xen" or "posix"); return its path."""
    out = out_dir or APPLIANCE / "build" / f"selftest-{target}"
    cmd = [
        "make",
        "-C",
        str(APPLIANCE),
        "-j2",
        f"PLATFORM={target}",
        "APP=selftest",
        f"O={out}",
        *(extra_make or []),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        log = proc.stdout[-3000:] + proc.stderr[-3000:]
        raise SelftestError(f"build failed ({' '.join(cmd)}):\n{log}")
    image = out / f"rumpnet-selftest.{target}"
    if not image.is_file():
        raise SelftestError(f"build produced no {image}")
    return image


class SelftestError(RuntimeError):
    """The self-test could not be built or run (as opposed to: it ran and failed)."""


def params_for(token: str, tolerance_ms: int, hold_s: int) -> dict[str, str]:
    params = {"selftest.token": token, "selftest.tolerance_ms": str(tolerance_ms)}
    if hold_s:
        params["selftest.hold"] = str(hold_s)
    return params


def run_posix(image: Path, params: dict[str, str], timeout: float = 120) -> Report:
    """Run the POSIX build with key=value arguments; the console is its stdout/stderr."""
    args = [str(image), *(f"{k}={v}" for k, v in params.items())]
    try:
        proc = subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else ""
        rep = parse_console(text, "posix")
        rep.panic = rep.panic or f"timed out after {timeout:.0f} s"
        return rep
    rep = parse_console(proc.stdout + proc.stderr, "posix")
    rep.extra["returncode"] = proc.returncode
    if proc.returncode != (rep.exit_status or 0):
        rep.panic = rep.panic or f"process exit code {proc.returncode}"
    return rep


def run_xen(
    image: Path, params: dict[str, str], memory_mib: int, hold_s: int = 0, guest_type: str = "pv"
) -> Report:
    """Boot the image in the lab (started if needed) and return its Report."""
    from tools.selftest_xen import run_in_lab  # the lab is only needed here

    return run_in_lab(image, params, memory_mib, hold_s, guest_type=guest_type)


def print_report(rep: Report, stream=sys.stdout) -> None:
    width = max((len(c.name) for c in rep.checks), default=10)
    for c in rep.checks:
        print(f"  {'PASS' if c.passed else 'FAIL'}  {c.name:<{width}}  {c.detail}", file=stream)
    for key, value in rep.extra.items():
        print(f"  info  {key}: {value}", file=stream)
    problems = rep.problems()
    npass = sum(c.passed for c in rep.checks)
    verdict = "ok" if not problems else "FAILED"
    print(
        f"rumpnet selftest --target {rep.target}: {verdict}: {npass}/{len(rep.checks)} checks "
        f"passed, exit {rep.exit_how} status {rep.exit_status}"
        + (f", xl shutdown reason {rep.shutdown_reason}" if rep.shutdown_reason else ""),
        file=stream,
    )
    for p in problems:
        print(f"  problem: {p}", file=stream)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=("xen", "posix"), default="xen")
    parser.add_argument("--memory", type=int, default=8, help="xen: domain memory in MiB")
    parser.add_argument(
        "--type", dest="guest_type", choices=("pv", "pvh"), default="pv", help="xen guest type"
    )
    parser.add_argument(
        "--tolerance-ms",
        type=int,
        default=int(os.environ.get("RUMPNET_TIMER_TOLERANCE_MS", 100)),
        help="allowed timer lateness (software-emulated Xen is slow)",
    )
    parser.add_argument("--hold", type=int, default=0, help="seconds to stay idle after the checks")
    parser.add_argument("--image", type=Path, help="use this image instead of building one")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--console", action="store_true", help="also print the raw console")


def run(args: argparse.Namespace) -> int:
    token = secrets.token_hex(6)
    params = params_for(token, args.tolerance_ms, args.hold)
    try:
        image = args.image or build(args.target)
        if args.target == "posix":
            rep = run_posix(image, params, timeout=120 + args.hold)
        else:
            rep = run_xen(image, params, args.memory, args.hold, args.guest_type)
    except SelftestError as e:
        print(f"rumpnet selftest: {e}", file=sys.stderr)
        return 1
    rep.token_expected = token
    rep.extra.setdefault("image_bytes", image.stat().st_size)
    if args.console:
        print(rep.console)
    if args.json:
        data = asdict(rep)
        data.pop("console")
        data["ok"] = rep.ok()
        data["problems"] = rep.problems()
        print(json.dumps(data, indent=2))
    else:
        print_report(rep)
    return 0 if rep.ok() else 1


if __name__ == "__main__":
    p = argparse.ArgumentParser(prog="rumpnet selftest")
    configure(p)
    sys.exit(run(p.parse_args()))
