"""The TCP bulk throughput figures: tcp_bulk_rx and tcp_bulk_tx, in Mbit/s.

rx is the client sending to the side, tx the side sending to the client; both from
one iperf 2 tradeoff run per side (iperf.py), sides alternating run by run. The
appliance's endpoint is lwiperf, started by its parameter iperf=on; the peer's is
`iperf -s` in the nginx namespace.

Not here: how iperf is driven and parsed (iperf.py), the topology (sides.py).
"""

from __future__ import annotations

from tools.bench import iperf
from tools.bench.record import Record
from tools.bench.sides import PosixSides

SIDES = ("appliance", "peer")


def bulk(sides: PosixSides, plan, target: str) -> list[Record]:
    out: list[Record] = []
    params = {
        "tool": "iperf 2 (-c -r, tradeoff)",
        "seconds_each_way": max(1, round(plan.seconds)),
        "appliance_endpoint": "lwIP lwiperf (iperf=on), TCP 5001",
        "peer_endpoint": "iperf -s, TCP 5001",
        "mtu": 1500,
    }
    for run in range(plan.runs):
        res = {}
        for side in SIDES if run % 2 == 0 else SIDES[::-1]:
            res[side] = iperf.tradeoff(sides.client_prefix(), sides.ip(side), plan.seconds)
        a, p = res["appliance"], res["peer"]
        for fig, av, pv in (
            ("tcp_bulk_rx", a.rx_mbit, p.rx_mbit),
            ("tcp_bulk_tx", a.tx_mbit, p.tx_mbit),
        ):
            out.append(Record(fig, av, pv, "Mbit/s", "higher", run, target, "linux", params))
    return out
