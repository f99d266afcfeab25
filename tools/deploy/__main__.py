"""`python -m tools.deploy deploy|undeploy|ps ...`: the commands without gen/cli.py.

Used by the tests (the same entry points `rumpnet deploy|undeploy|ps` dispatch to).
"""

from __future__ import annotations

import argparse
import sys

from tools.deploy import cli, cmd_ps, cmd_undeploy

COMMANDS = {"deploy": cli, "undeploy": cmd_undeploy, "ps": cmd_ps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rumpnet")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, mod in COMMANDS.items():
        p = sub.add_parser(name)
        mod.configure(p)
        p.set_defaults(_run=mod.run)
    args = parser.parse_args(argv)
    return args._run(args)


if __name__ == "__main__":
    sys.exit(main())
