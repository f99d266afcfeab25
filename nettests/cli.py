"""cli - `rumpnet test`: run the conformance rig against an appliance.

Implements the command-line side only: configure(parser) and run(args) for
gen/cli.py, translating options into a pytest run of nettests/ with the rig's
plugin options. Exit codes: 0 no check failed, 1 a check failed or errored,
2 user error (one line on stderr).
Not here: the checks, targets and reports (the rest of nettests/).

    rumpnet test <appliance-dir> --target posix [--junit FILE] [--report DIR]
    rumpnet test --target linux --report out/      # the Linux reference alone
    rumpnet test --target xen-linux --profile httpd # the reference DomU in the lab
"""

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "appliance",
        nargs="?",
        type=Path,
        help="appliance directory (rumpnet gen); not needed for --target linux, xen-linux",
    )
    p.add_argument(
        "--target",
        choices=("posix", "xen", "linux", "xen-linux"),
        default="posix",
        help="posix: the appliance as a Linux process (default); xen: in the lab; "
        "linux: the Linux reference stack; xen-linux: the Linux reference DomU in the lab",
    )
    p.add_argument(
        "--profile",
        help="httpd, router or both (default: the appliance's kind; both for the references)",
    )
    p.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here")
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write results-<target>.jsonl, pcaps and report.html here",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="also the long-timer checks (marker slow: DHCP backoff/expiry, ...)",
    )
    p.add_argument("-k", metavar="EXPR", help="only checks matching this pytest -k expression")
    p.add_argument(
        "--fuzz-count",
        type=int,
        default=3000,
        help="generated inputs per fuzz class (default 3000)",
    )
    p.add_argument(
        "--http-large-path",
        metavar="PATH",
        help="an object of several kB the httpd serves (enables segmentation checks)",
    )
    p.add_argument("--fuzz-seed", type=int, default=726, help="fuzz seed (default 726)")
    p.add_argument(
        "--allow-fail",
        action="store_true",
        help="exit 0 even when checks fail (CI tracking an appliance's known gaps); "
        "a rig error still exits 1",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the per-protocol result counts as JSON at the end",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="one line per check")


def _kind(appliance: Path) -> str | None:
    cfg = appliance / "config.h"
    if not cfg.is_file():
        return None
    m = re.search(r'\{\s*"kind",\s*"([^"]+)"\s*\}', cfg.read_text())
    return m.group(1) if m else None


def build_argv(args: argparse.Namespace, report: Path) -> list[str]:
    profile = args.profile
    if args.target not in ("linux", "xen-linux"):
        if args.appliance is None:
            raise ValueError(f"--target {args.target} needs an appliance directory")
        if not args.appliance.is_dir():
            raise ValueError(f"{args.appliance}: no such appliance directory")
        profile = profile or _kind(args.appliance)
        if profile is None:
            raise ValueError(f"{args.appliance}: no config.h naming the appliance kind")
    profile = profile or "httpd,router"
    argv = [
        str(HERE),
        "-p",
        "no:cacheprovider",
        "--ignore",
        str(HERE / "selftests"),
        "--target",
        args.target,
        "--profile",
        profile,
        "--rnt-report",
        str(report),
        "--fuzz-count",
        str(args.fuzz_count),
        "--fuzz-seed",
        str(args.fuzz_seed),
        "-rfEx",
        "-v" if args.verbose else "-q",
    ]
    if args.appliance is not None:
        argv += ["--appliance", str(args.appliance.resolve())]
    if not args.full:
        argv += ["-m", "not slow"]
    if args.http_large_path:
        argv += ["--http-large-path", args.http_large_path]
    if args.k:
        argv += ["-k", args.k]
    if args.junit:
        argv += ["--junitxml", str(args.junit)]
    return argv


def run(args: argparse.Namespace) -> int:
    import pytest

    report = args.report or Path(tempfile.mkdtemp(prefix="rnt-report-"))
    try:
        argv = build_argv(args, report)
    except ValueError as exc:
        print(f"rumpnet test: {exc}", file=sys.stderr)
        return 2
    code = pytest.main(argv)
    profiles = set(argv[argv.index("--profile") + 1].split(","))
    records = [
        r
        for p in sorted(report.glob(f"results-{args.target}-*.jsonl"))
        for r in map(json.loads, filter(str.strip, p.read_text().splitlines()))
        if r.get("profile") in profiles
    ]
    if args.json:
        from nettests.report import counts_by_proto

        print(
            json.dumps(
                {
                    "target": args.target,
                    "report": str(report),
                    "counts": {k: dict(v) for k, v in counts_by_proto(records).items()},
                },
                indent=1,
            )
        )
    if code == 0:
        return 0
    if args.allow_fail and code == pytest.ExitCode.TESTS_FAILED:
        errors = [r["check_id"] for r in records if r["result"] == "error"]
        if errors:
            print(f"rumpnet test: rig errors in {errors}", file=sys.stderr)
            return 1
        return 0
    if code in (pytest.ExitCode.USAGE_ERROR,):
        return 2
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("rumpnet test: no check selected", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rumpnet test", description=__doc__.splitlines()[0])
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
