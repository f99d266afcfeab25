"""`rumpnet lab up|status|exec|put|down|clean`: the command line of the Xen lab.

Implements: argument parsing and printing only (configure/run per the rumpnet CLI
contract); all work is in tools.lab.lab. Exit codes: 0 ok, 1 failure, 2 user error;
`exec` exits with the dom0 command's status. Not here: any lab logic.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from tools.lab import hostnet, state
from tools.lab.channel import ChannelError
from tools.lab.lab import Lab, LabError, clean
from tools.lab.status import status


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="lab_cmd", metavar="COMMAND", required=True)
    p = sub.add_parser("up", help="boot the lab (reuses a healthy one)")
    p.add_argument(
        "--no-dhcp",
        action="store_true",
        help="leave the lab's dnsmasq off (bring your own DHCP server)",
    )
    p.add_argument("--timeout", type=float, default=180, help="boot timeout, seconds")
    p.add_argument(
        "--restart",
        action="store_true",
        help="stop a running lab first (picks up new packages or lab scripts)",
    )
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p = sub.add_parser("status", help="namespace, bridges, dom0 state, guest types")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("exec", help="run a command in dom0: lab exec -- CMD...")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="command and arguments")
    p = sub.add_parser("put", help="copy a host file into dom0")
    p.add_argument("local")
    p.add_argument("remote")
    sub.add_parser("down", help="stop the lab (keeps its logs)")
    p = sub.add_parser("clean", help="remove the lab and any crash leftovers; safe to repeat")
    p.add_argument("--all", action="store_true", help="also stop private lab instances")


def run(args: argparse.Namespace) -> int:
    # SIGTERM unwinds like Ctrl-C, so a boot in progress is torn down
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return _COMMANDS[args.lab_cmd](args)
    except (LabError, ChannelError) as e:
        print(f"rumpnet lab: {e}", file=sys.stderr)
        return 1
    except FileNotFoundError as e:  # qemu-system-x86_64 or dnsmasq missing
        print(f"rumpnet lab: {e}", file=sys.stderr)
        return 1
    except PermissionError as e:
        print(f"rumpnet lab: needs root (namespaces, TAPs): {e}", file=sys.stderr)
        return 1


def _need_lab() -> Lab:
    lab = Lab.attach()
    if lab is None:
        raise LabError("no lab is running (rumpnet lab up)")
    return lab


def _up(args) -> int:
    if args.restart:
        running = Lab.attach()
        if running:
            running.down()
    Lab.up(dhcp=not args.no_dhcp, timeout=args.timeout, owner="cli")
    return _status(args)


def _status(args) -> int:
    st = status()
    if args.json:
        print(json.dumps(st, indent=1, sort_keys=True))
        return 0 if st["state"] == "ready" else 1
    print(f"state:     {st['state']}")
    if st["state"] == "down":
        return 1
    print(f"netns:     {st['netns']}   (ip netns exec {st['netns']} ...)")
    for net in st["networks"]:
        print(
            f"bridge:    {net['bridge']} {net['host_addr']} <-> dom0 {net['dom0_bridge']}"
            f"  dhcp {'-'.join(net['dhcp_range']) if st['dhcp'] else 'off'}"
        )
    print(
        f"qemu:      {st['qemu_version']} accel={st['accel']} pid={st['qemu_pid']} "
        f"rss={st['qemu_rss_mb']} MB"
    )
    print(f"cpu:       {st.get('cpu')}")
    if st.get("xen"):
        x = st["xen"]
        print(
            f"xen:       {x['version']} virt_caps={' '.join(x['virt_caps'])} "
            f"free={x['free_memory_mb']} MB"
        )
    print(f"domains:   {', '.join(d['name'] for d in st.get('domains', [])) or '-'}")
    print("guests:    " + "; ".join(f"{k}: {v}" for k, v in st["guest_types"].items()))
    print("timings:   " + ", ".join(f"{k} {v} s" for k, v in st.get("timings", {}).items()))
    print(f"dom0:      build {st['dom0_build']}")
    print(f"run dir:   {st['run_dir']}")
    return 0 if st["state"] == "ready" else 1


def _exec(args) -> int:
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        print("rumpnet lab exec: give a command after --", file=sys.stderr)
        return 2
    lab = _need_lab()
    rc, out = lab.exec(cmd[0] if len(cmd) == 1 else cmd, timeout=args.timeout)
    sys.stdout.write(out)
    return rc


def _put(args) -> int:
    if not Path(args.local).is_file():
        print(f"rumpnet lab put: {args.local}: no such file", file=sys.stderr)
        return 2
    _need_lab().put(args.local, args.remote)
    return 0


def _down(args) -> int:
    lab = Lab.attach()
    if lab is None and not state.load():
        print("rumpnet lab: no lab is running")
        return 0
    Lab.down(lab) if lab else clean(instance=state.default_instance())
    return 0


def _clean(args) -> int:
    done = clean(all_instances=args.all)
    if not done:
        print("rumpnet lab: nothing to clean")
    leftover = hostnet.list_namespaces()
    return 1 if leftover else 0


_COMMANDS = {
    "up": _up,
    "status": _status,
    "exec": _exec,
    "put": _put,
    "down": _down,
    "clean": _clean,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rumpnet lab")
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
