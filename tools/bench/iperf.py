"""Load generators and their results as numbers: TCP bulk transfer with iperf 2
(Debian's `iperf`) and UDP streams of a given frame size and rate with iperf3.

Why iperf 2: the appliance's endpoint is lwIP's own lwiperf, which speaks the
iperf 2 protocol (iperf3 has a different control channel). One `iperf -c HOST -r`
measures both directions: first the client sends (the side receives, "rx"), then
the side connects back to the client's listener on TCP 5001 and sends for the same
time ("tx", the iperf 2 tradeoff test, which lwiperf answers). Both transfers are
raw TCP from memory buffers on both ends; the figures are the receiver-independent
byte counts over the interval iperf reports (`-y C`).

Why iperf3 -u for forwarding rates: it is in Debian and already a bench tool, it
paces to a packet rate (-b with -l) and its receiver counts lost packets by sequence
number (router.py also counts frames at the source's and the sink's interfaces,
which does not depend on the receiving socket keeping up). One sending thread
reaches a few hundred thousand packets/s here, above what the router appliance
forwards; the trial records what was actually sent, so a generator-bound result is
visible. (trafgen is faster but has no receiver side.)

Not here: where iperf runs (the caller gives the argv prefix that enters a
namespace), the peer's `iperf -s` (sides.py).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass


class IperfError(RuntimeError):
    pass


@dataclass(frozen=True)
class Bulk:
    rx_mbit: float  # client -> side
    tx_mbit: float  # side -> client
    rx_bytes: int
    tx_bytes: int


def tradeoff(prefix: list[str], host: str, seconds: float, port: int = 5001) -> Bulk:
    """`iperf -c host -r -t seconds` from the client's namespace; both directions."""
    secs = max(1, round(seconds))
    cmd = [*prefix, "iperf", "-c", host, "-p", str(port), "-r", "-t", str(secs), "-y", "C"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=4 * secs + 30)
    except subprocess.TimeoutExpired as e:
        raise IperfError(f"iperf to {host} did not finish in {4 * secs + 30} s") from e
    rx = tx = None
    for line in proc.stdout.splitlines():
        f = line.split(",")
        if len(f) < 9:
            continue
        bits, nbytes = float(f[8]), int(f[7])
        if f[3] == host:  # source is the client: the side received
            rx = (bits, nbytes)
        elif f[1] == host:  # source is the side: it sent
            tx = (bits, nbytes)
    if rx is None or tx is None or proc.returncode != 0:
        raise IperfError(
            f"iperf -r to {host} gave no {'receive' if rx is None else 'send'} result "
            f"({proc.returncode}): {(proc.stderr or proc.stdout)[-400:]}"
        )
    return Bulk(rx[0] / 1e6, tx[0] / 1e6, rx[1], tx[1])


# Ethernet + IPv4 + UDP headers and the FCS: a frame of F bytes (RFC 2544 sizes,
# FCS included) carries F - 46 bytes of UDP payload.
FRAME_OVERHEAD = 14 + 20 + 8 + 4


@dataclass(frozen=True)
class UdpTrial:
    frame: int
    offered_pps: float  # asked for (0: as fast as the generator goes)
    sent_pps: float
    received_pps: float
    loss: float  # fraction of sent packets the receiver did not see
    seconds: float


def udp_trial(prefix: list[str], host: str, frame: int, pps: float, seconds: float) -> UdpTrial:
    """One iperf3 -u run of `seconds` at `pps` frames/s of `frame` bytes (0: unlimited)."""
    payload = frame - FRAME_OVERHEAD
    rate = int(pps * payload * 8) if pps > 0 else 0
    cmd = [
        *prefix,
        "iperf3",
        "-c",
        host,
        "-u",
        "-l",
        str(payload),
        "-b",
        str(rate),
        "-t",
        f"{seconds:g}",
        "--json",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
        doc = json.loads(proc.stdout)
        if doc.get("error"):  # e.g. the server still busy with the previous test
            raise KeyError(doc["error"])
        end = doc["end"]["sum"]
    except (subprocess.TimeoutExpired, ValueError, KeyError) as e:
        raise IperfError(f"iperf3 -u to {host} ({frame} B, {pps:.0f} pps) failed: {e}") from e
    secs = float(end["seconds"]) or seconds
    sent, lost = int(end["packets"]), int(end["lost_packets"])
    if sent <= 0:
        raise IperfError(f"iperf3 -u to {host} sent nothing ({frame} B, {pps:.0f} pps)")
    return UdpTrial(frame, pps, sent / secs, (sent - lost) / secs, max(0, lost) / sent, secs)


def version() -> str:
    p = subprocess.run(["iperf", "-v"], capture_output=True, text=True)
    return (p.stdout + p.stderr).strip() or "absent"
