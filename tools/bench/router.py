"""The router figures: forwarding rate at zero loss and latency through the router.

router_pps_<F> (F = 64, 512, 1500-byte Ethernet frames, FCS included, RFC 2544
style): the highest offered rate, in frames/s, whose trial loses at most
plan.loss_tolerance of the frames (default 0.1 %). Loss is counted at the
interfaces: frames out of the source's eth0 against frames into the sink's eth0
(everything crossing the router; iperf3's own receiver count is kept as
receiver_loss). Search per side and frame size: one trial at the generator's full
speed gives the upper bound (if it passes, the figure is that rate and the record
says generator_bound); the first probe is just under the rate that got through at
full speed, then a binary search between 0 and the bound for plan.router_steps
trials (halving further if none passed). The figure is the received rate of the
best passing trial.
Counters are read before a trial and again once the sink's count stops moving after
it (frames still queued on the path count for the trial that sent them). A trial
whose generator itself fails (iperf3's control connection starved by the previous
overload) is retried up to ATTEMPTS times.
router_latency_p50/p99: round trip through the router with ping (-i 0.01, 56-byte
payload, no other load), source to sink and back, in microseconds.

The search drives any Ends (router_sides.py): the posix topology or the Xen lab's
(xen_router_sides.py). A plan may cap the first trial's rate (router_max_pps, for
routers far slower than the generator, e.g. under emulation); a pass at the cap is
marked generator_bound like a pass at full speed.
Not here: the topologies, the generator (iperf.py).
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass

from tools.bench import iperf
from tools.bench.record import Record
from tools.bench.router_sides import Ends
from tools.bench.sides import BenchError

SIDES = ("appliance", "peer")
PEER_NAME = "linux ip_forward"
RTT_RE = re.compile(r"time=([\d.]+) ms")
ATTEMPTS = 3  # tries per trial when iperf3 itself fails (not the router)


@dataclass(frozen=True)
class Trial:
    offered_pps: float  # 0: the generator's full speed
    sent_pps: float  # frames out of the source's interface
    received_pps: float  # frames into the sink's interface
    loss: float  # 1 - received / sent, counted at the interfaces
    receiver_loss: float  # what iperf3's receiver counted (includes socket drops)


def trial(sides: Ends, frame: int, pps: float, seconds: float) -> Trial:
    for attempt in range(ATTEMPTS):
        tx0, rx0 = sides.counters()
        try:
            t = iperf.udp_trial(sides.source_prefix(), sides.sink_ip, frame, pps, seconds)
            break
        except iperf.IperfError:
            # an overloaded router may starve iperf3's control connection, or leave
            # the server busy with the last test for a moment: settle and try again
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(2)
    tx1, rx1 = settled(sides)
    tx, rx = tx1 - tx0, rx1 - rx0
    loss = max(0.0, 1 - rx / tx) if tx > 0 else 1.0
    return Trial(pps, tx / t.seconds, rx / t.seconds, loss, t.loss)


def settled(sides: Ends, limit: float = 5.0) -> tuple[int, int]:
    """The counters once the sink's stops moving: frames still queued on the path when
    the generator stopped belong to this trial, not to the next one (deep queues of
    an emulated path drain for a while)."""
    last = sides.counters()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = sides.counters()
        if now[1] == last[1]:
            return now
        last = now
    return last


NOTHING = Trial(0.0, 0.0, 0.0, 1.0, 1.0)


def search(sides: Ends, frame: int, plan) -> tuple[Trial, bool, int]:
    """Best passing trial, whether the generator (or the plan's cap) bounded it,
    trials run."""
    secs, tol = plan.router_trial_seconds, plan.loss_tolerance
    top = trial(sides, frame, getattr(plan, "router_max_pps", 0), secs)
    if top.loss <= tol:
        return top, True, 1
    lo, hi, best, n = 0.0, top.sent_pps, None, 1
    for step in range(plan.router_steps):
        # first guess: a little under what got through at full speed
        mid = 0.95 * min(top.received_pps, hi) if step == 0 else (lo + hi) / 2
        t = trial(sides, frame, mid, secs)
        n += 1
        if t.loss <= tol:
            lo, best = mid, t
        else:
            hi = mid
    for _ in range(6):  # nothing passed yet: halve until something does
        if best is not None:
            break
        hi /= 2
        t = trial(sides, frame, hi, secs)
        n += 1
        best = t if t.loss <= tol else None
    return best or NOTHING, False, n


def ping_rtts(sides: Ends, count: int) -> list[float]:
    p = subprocess.run(
        [*sides.source_prefix(), "ping", "-n", "-i", "0.01", "-c", str(count), "-W", "1"]
        + [sides.sink_ip],
        capture_output=True,
        text=True,
        timeout=count * 0.1 + 30,
    )
    return [round(float(m.group(1)) * 1000, 1) for m in RTT_RE.finditer(p.stdout)]


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def figures(
    sides: Ends, plan, target: str, peer_name: str = PEER_NAME, extra: dict | None = None
) -> list[Record]:
    """The router records of plan.router_runs runs, sides alternating; `extra` goes
    into every record's params (what the topology shares between the sides)."""
    out: list[Record] = []
    for run in range(plan.router_runs):
        res: dict[str, dict] = {}
        for side in SIDES if run % 2 == 0 else SIDES[::-1]:
            sides.use(side)
            r = res[side] = {"rtt": ping_rtts(sides, plan.ping_count)}
            if not r["rtt"]:
                raise BenchError(f"ping through the {side} got no replies")
            for frame in plan.frames:
                r[frame] = search(sides, frame, plan)
        for frame in plan.frames:
            (a, a_bound, a_n), (p, p_bound, p_n) = res["appliance"][frame], res["peer"][frame]
            params = {
                "frame_bytes": frame,
                "udp_payload_bytes": frame - iperf.FRAME_OVERHEAD,
                "loss_tolerance": plan.loss_tolerance,
                "trial_seconds": plan.router_trial_seconds,
                "search_steps": plan.router_steps,
                "generator": "iperf3 -u (one stream)",
                "trials": {"appliance": a_n, "peer": p_n},
                "generator_bound": {"appliance": a_bound, "peer": p_bound},
                "offered_pps": {"appliance": a.offered_pps, "peer": p.offered_pps},
                "sent_pps": {"appliance": a.sent_pps, "peer": p.sent_pps},
                "loss": {"appliance": a.loss, "peer": p.loss},
                "receiver_loss": {"appliance": a.receiver_loss, "peer": p.receiver_loss},
                **(extra or {}),
            }
            out.append(
                Record(
                    f"router_pps_{frame}",
                    a.received_pps,
                    p.received_pps,
                    "pps",
                    "higher",
                    run,
                    target,
                    peer_name,
                    params,
                )
            )
        for q, name in ((0.5, "p50"), (0.99, "p99")):
            ra, rp = res["appliance"]["rtt"], res["peer"]["rtt"]
            out.append(
                Record(
                    f"router_latency_{name}",
                    _pct(ra, q),
                    _pct(rp, q),
                    "us",
                    "lower",
                    run,
                    target,
                    peer_name,
                    {
                        "tool": "ping -i 0.01 -s 56",
                        "count": plan.ping_count,
                        "replies": {"appliance": len(ra), "peer": len(rp)},
                        **(extra or {}),
                    },
                )
            )
    return out


def notes(records: list[Record]) -> list[str]:
    """Lines for below the console table: which rates the generator, not the router,
    bounded (those values are lower bounds of what that router forwards)."""
    bound: dict[str, set[str]] = {}
    for r in records:
        for side, b in r.params.get("generator_bound", {}).items():
            if b:
                bound.setdefault(r.figure, set()).add(side)
    return [
        f"note: {fig}: the generator's full speed passed for the "
        f"{' and '.join(sorted(sides))} in some runs; that value is a lower bound"
        for fig, sides in bound.items()
    ]
