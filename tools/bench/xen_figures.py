"""The bench figures of the xen target: the httpd appliance against the reference Linux
PV DomU in the same lab, sides alternating run by run. Each figure returns Records
(tools/bench/record.py) and never judges them.

Figures: image size (appliance kernel + content ramdisk; Linux kernel + initramfs),
memory floor (smallest `memory =` in MiB that boots and serves HTTP 200, by binary
search; Linux's only when the plan allows the time, else its configured memory,
marked so), boot phases on the wire (xen_sides.py), time from the first instruction
to main (appliance: its own report; Linux: /proc/uptime when its init starts), HTTP
requests/s and latency (wrk in dom0), TCP throughput (iperf2 client in dom0 against
the appliance's lwiperf server, `iperf=on`, and `iperf -s` in the Linux DomU), idle
CPU (`xl list` Time(s) deltas).

Not here: booting (xen_sides.py), load tools (xen_load.py), the router appliance.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from tools.bench.figures import wrk_records
from tools.bench.record import Record
from tools.bench.xen_load import Dom0Load, LoadError
from tools.bench.xen_sides import PEER_NAME, SIDES, BenchError, Booted, XenSides

TARGET = "xen"
PEER_INIT_RE = re.compile(r"rnref: init (\d+\.\d+)")
TX_FULL_RE = re.compile(r'"tx_full":(\d+)')
PHASES = ("created", "dhcp_discover", "dhcp_offer", "dhcp_ack", "http_200")


@dataclass(frozen=True)
class XenPlan:
    runs: int = 5
    seconds: float = 5.0
    concurrencies: tuple[int, ...] = (1, 16, 64)
    keepalive: tuple[bool, ...] = (True, False)
    idle_seconds: float = 30.0
    iperf_seconds: float = 5.0
    peer_floor: bool = True  # binary-search Linux's memory floor too (minutes)
    boot_timeout: float = 90.0

    @staticmethod
    def quick() -> XenPlan:
        return XenPlan(
            runs=1,
            seconds=2.0,
            concurrencies=(16,),
            keepalive=(True,),
            idle_seconds=5.0,
            iperf_seconds=2.0,
            peer_floor=False,
        )


def _order(run: int) -> tuple[str, str]:
    return SIDES if run % 2 == 0 else SIDES[::-1]


def _rec(fig, a, p, unit, better, run, params=None) -> Record:
    return Record(fig, float(a), float(p), unit, better, run, TARGET, PEER_NAME, params or {})


# ------------------------------------------------------------------ image size
def image_size(sides: XenSides) -> list[Record]:
    a, p = sides.image_bytes("appliance"), sides.image_bytes("peer")
    return [
        _rec(
            "image_bytes",
            sum(a.values()),
            sum(p.values()),
            "bytes",
            "lower",
            0,
            {"appliance_files": a, "peer_files": p},
        )
    ]


# ------------------------------------------------------------------ boot
def _linux_main_us(sides: XenSides, b: Booted) -> int | None:
    m = PEER_INIT_RE.search(sides.lab.console(b.name))
    return round(float(m.group(1)) * 1e6) if m else None


def boot_phases(sides: XenSides, plan: XenPlan) -> list[Record]:
    """One boot per side and run, alternating; each domain is gone before the next."""
    out: list[Record] = []
    for run in range(plan.runs):
        got: dict[str, Booted] = {}
        for side in _order(run):
            b = sides.boot(side, timeout=plan.boot_timeout)
            if side == "peer":
                b.main_us = _linux_main_us(sides, b)
            sides.stop(b)
            got[side] = b
        a, p = got["appliance"], got["peer"]
        params = {"memory_mib": {"appliance": a.memory, "peer": p.memory}}
        for ph in PHASES:
            if ph in a.phases and ph in p.phases:
                out.append(
                    _rec(
                        f"boot/{ph}_ms",
                        a.phases[ph] * 1000,
                        p.phases[ph] * 1000,
                        "ms",
                        "lower",
                        run,
                        {**params, "from": "start of xl create", "seen": _SEEN[ph]},
                    )
                )
            else:
                raise BenchError(
                    f"boot phase {ph} not seen (appliance {a.phases}, peer {p.phases})"
                )
        if a.main_us is None or p.main_us is None:
            raise BenchError(
                f"no first-instruction->main time (appliance {a.main_us}, linux {p.main_us})"
            )
        out.append(
            _rec(
                "boot/first_instruction_to_main_us",
                a.main_us,
                p.main_us,
                "us",
                "lower",
                run,
                {
                    "appliance": "minios: TSC at the first instruction to rumpnet_main()",
                    "peer": "Linux: /proc/uptime when /init starts",
                },
            )
        )
    return out


_SEEN = {
    "created": "xl create (appliance: create -p, xenstore parameters, unpause) returned",
    "dhcp_discover": "first DHCP DISCOVER from the domain's MAC on the lab bridge",
    "dhcp_offer": "first DHCP OFFER to it on the lab bridge",
    "dhcp_ack": "DHCP ACK to it on the lab bridge (address bound)",
    "http_200": "first HTTP 200 of GET / from the lab namespace (polled every 50 ms)",
}


# ------------------------------------------------------------------ memory floor
def _serves(sides: XenSides, side: str, mib: int, timeout: float) -> bool:
    try:
        b = sides.boot(side, memory=mib, timeout=timeout)
    except BenchError:
        return False
    sides.stop(b)
    return True


def floor_search(sides: XenSides, side: str, lo: int, hi: int, timeout: float) -> tuple[int, list]:
    """Smallest MiB in (lo, hi] that serves, given that hi serves and lo does not
    (lo may be 0: untested). Returns it and the probes [(MiB, served)]."""
    probes = []
    if not _serves(sides, side, hi, timeout):
        raise BenchError(f"{side} does not serve even with {hi} MiB")
    probes.append((hi, True))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        ok = _serves(sides, side, mid, timeout)
        probes.append((mid, ok))
        if ok:
            hi = mid
        else:
            lo = mid
    return hi, probes


def memory_floor(sides: XenSides, plan: XenPlan) -> list[Record]:
    a, a_probes = floor_search(sides, "appliance", 0, sides.appliance_memory, 45)
    if plan.peer_floor:
        p, p_probes = floor_search(sides, "peer", 0, sides.peer_memory, plan.boot_timeout)
        how = "searched"
    else:
        p, p_probes, how = sides.peer_memory, [], "configured (not searched: quick plan)"
    return [
        _rec(
            "memory_floor_mib",
            a,
            p,
            "MiB",
            "lower",
            0,
            {
                "criterion": "boots and serves HTTP 200 to GET /",
                "appliance_probes": a_probes,
                "peer_probes": p_probes,
                "peer_value": how,
            },
        )
    ]


# ------------------------------------------------------------------ with both sides up
def _tx_full(sides: XenSides, b: Booted) -> int | None:
    p = sides.lab.run_host(["curl", "-s", "-m", "5", f"http://{b.ip}/.rumpnet/status"], timeout=15)
    m = TX_FULL_RE.search(p.stdout)
    return int(m.group(1)) if m else None


def http(sides: XenSides, load: Dom0Load, up: dict[str, Booted], plan: XenPlan) -> list[Record]:
    out: list[Record] = []
    rel = "index.html"
    sizes = {
        "appliance": len(_get(sides, up["appliance"], rel)),
        "peer": len(_get(sides, up["peer"], rel)),
    }
    for ka in plan.keepalive:
        for conc in plan.concurrencies:
            fig = f"http/index/{'keepalive' if ka else 'close'}/c{conc}"
            for run in range(plan.runs):
                res = {}
                before = _tx_full(sides, up["appliance"])
                for side in _order(run):
                    url = f"http://{up[side].ip}:80/{rel}"
                    res[side] = load.wrk(url, conc, plan.seconds, keepalive=ka)
                after = _tx_full(sides, up["appliance"])
                for side, r in res.items():
                    if r.errors > r.requests // 100 or r.requests == 0:
                        raise BenchError(
                            f"{fig}: {r.errors} of {r.requests} requests to the {side} failed"
                        )
                a, p = res["appliance"], res["peer"]
                params = {
                    "file": rel,
                    "file_bytes": sizes,
                    "connections": conc,
                    "keepalive": ka,
                    "seconds": plan.seconds,
                    "tool": "wrk -t1 in dom0",
                    "peer_server": "busybox httpd",
                    "errors": {"appliance": a.errors, "peer": p.errors},
                    "appliance_tx_full": None if None in (before, after) else after - before,
                }
                out += wrk_records(fig, a, p, run, TARGET, PEER_NAME, params)
    return out


def _get(sides: XenSides, b: Booted, rel: str) -> bytes:
    url = f"http://{b.ip}/{rel}"
    p = sides.lab.run_host(["curl", "-sf", "-m", "5", url], timeout=15, text=False)
    if p.returncode != 0:
        raise BenchError(f"GET /{rel} from the {b.side} failed (curl {p.returncode})")
    return p.stdout


def tcp(
    sides: XenSides, load: Dom0Load, up: dict[str, Booted], plan: XenPlan
) -> tuple[list[Record], str | None]:
    """(records, None) or ([], why the figure is unavailable)."""
    console = sides.lab.console(up["appliance"].name)
    if "iperf listening" not in console:
        return [], "the appliance runs no iperf server (no 'iperf listening' on its console)"
    if "iperf listening" not in sides.lab.console(up["peer"].name):
        return [], "the Linux DomU runs no iperf server"
    out = []
    for run in range(plan.runs):
        res = {side: load.iperf(up[side].ip, plan.iperf_seconds) for side in _order(run)}
        out.append(
            _rec(
                "tcp/dom0_to_domu_mbit_s",
                res["appliance"] / 1e6,
                res["peer"] / 1e6,
                "Mbit/s",
                "higher",
                run,
                {
                    "seconds": plan.iperf_seconds,
                    "tool": "iperf2 client in dom0, one stream",
                    "appliance_server": "lwIP lwiperf (iperf=on)",
                    "peer_server": "iperf -s",
                },
            )
        )
    return out, None


def idle_cpu(sides: XenSides, up: dict[str, Booted], plan: XenPlan) -> list[Record]:
    names = [up[s].name for s in SIDES]
    before = sides.cpu_seconds(names)
    t0 = time.monotonic()
    time.sleep(plan.idle_seconds)
    after = sides.cpu_seconds(names)
    span = time.monotonic() - t0
    a, p = (after[up[s].name] - before[up[s].name] for s in SIDES)
    return [
        _rec(
            "idle_cpu_seconds",
            a,
            p,
            "cpu-s",
            "lower",
            0,
            {"seconds": round(span, 1), "source": "xl list Time(s), 0.1 s resolution"},
        )
    ]


def serving(sides: XenSides, plan: XenPlan) -> dict[str, Booted]:
    """Both sides up together for the load and idle figures."""
    return {side: sides.boot(side, timeout=plan.boot_timeout) for side in SIDES}


__all__ = [
    "XenPlan",
    "image_size",
    "boot_phases",
    "memory_floor",
    "http",
    "tcp",
    "idle_cpu",
    "serving",
    "LoadError",
]
