"""The `rumpnet` command: argument parsing and dispatch, nothing else.

Each sub-command lives in its own module exposing `configure(parser)` and
`run(args) -> int`; only the module of the command being run is imported, so
`rumpnet --help` stays fast. Exit codes: 0 success, 1 failure, 2 user error
(one clear line on stderr). A command whose capability has not landed yet exists,
and says so plainly with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help); module None: not available yet (issue text).
COMMANDS: dict[str, tuple[str | None, str]] = {
    "gen": ("gen.cmd_gen", "generate an appliance (image, xl.cfg, content archive, manifest)"),
    "build": ("gen.cmd_build", "rebuild the images of a generated appliance directory"),
    "run": ("tools.run", "run an appliance: as a Linux process on TAP (posix) or a Xen DomU"),
    "test": ("nettests.cli", "run the conformance rig against an appliance"),
    "bench": ("tools.bench.cli", "side-by-side performance against a Linux peer"),
    "lab": ("tools.lab.cli", "the Xen lab: real Xen under QEMU, bridged to host namespaces"),
    "selftest": ("tools.selftest", "boot the kernel self-test image and check every subsystem"),
    "deploy": ("tools.deploy.cli", "deploy appliances to Xen hosts over SSH or libvirt"),
    "ps": ("tools.deploy.cmd_ps", "list the domains rumpnet deployed on a host"),
    "undeploy": ("tools.deploy.cmd_undeploy", "destroy domains rumpnet deployed"),
    "clean": ("tools.clean", "remove everything rumpnet runs left behind (safe to run twice)"),
}


def _load(name: str):
    module, _ = COMMANDS[name]
    if module is None:
        return None
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name):
            return None
        raise
    return mod if hasattr(mod, "configure") and hasattr(mod, "run") else None


def build_parser(selected: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rumpnet",
        description="Generate tiny single-purpose Xen network appliances, prove them on the wire.",
        epilog="Run `rumpnet COMMAND --help` for a command's options.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name != selected:
            continue
        mod = _load(name)
        if mod is None:
            p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            p.set_defaults(_run=_not_yet(name))
        else:
            mod.configure(p)
            p.set_defaults(_run=mod.run)
    return parser


def _not_yet(name: str):
    def run(args: argparse.Namespace) -> int:
        print(f"rumpnet {name}: not available yet in this version", file=sys.stderr)
        return 2

    return run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    selected = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(selected if selected in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2 if args.command is None and argv else 0
    try:
        return args._run(args)
    except KeyboardInterrupt:
        print("rumpnet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
