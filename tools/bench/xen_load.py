"""Load from dom0 in the lab: wrk (HTTP) and the iperf2 client (TCP throughput), both
Debian's, run from the lab's share (tools.lab.benchtools) through dom0's agent.

wrk uses the same Lua `done` hook as the posix bench (tools/bench/wrk.py) so the
percentiles come from wrk's own histogram. iperf reports in CSV (-y C): the last
field of its summary line is bits per second.

Not here: booting the sides (xen_sides.py), records (xen_figures.py).
"""

from __future__ import annotations

import re
import shlex
import uuid

from tools.bench import wrk
from tools.bench.wrk import LUA, Result
from tools.lab.benchtools import dom0_tools


class LoadError(RuntimeError):
    pass


class Dom0Load:
    """wrk and iperf in dom0; the Lua script goes on the share once."""

    def __init__(self, lab) -> None:
        self.lab = lab
        self.tools = dom0_tools(lab)
        script = lab.run_dir / f"rumpnet-wrk-{uuid.uuid4().hex[:6]}.lua"
        script.write_text(LUA)
        self.script = lab.share(script, subdir="benchtools/lua")
        script.unlink()

    @property
    def versions(self) -> dict[str, str]:
        return {"wrk": self.tools.versions["wrk"], "iperf": self.tools.versions["iperf"]}

    def wrk(self, url: str, connections: int, seconds: float, keepalive: bool = True) -> Result:
        secs = max(1, round(seconds))
        args = [
            "-t1",  # dom0 has one vCPU
            f"-c{connections}",
            f"-d{secs}s",
            "--timeout",
            "5s",
            "-s",
            self.script,
            url,
        ]
        cmd = f"RUMPNET_WRK_CLOSE={0 if keepalive else 1} " + self.tools.shell("wrk", args)
        rc, out = self.lab.exec(cmd, timeout=secs + 60)
        result = wrk.parse(out)
        if rc != 0 or result is None:
            raise LoadError(f"wrk in dom0 failed ({rc}): {out[-400:]}")
        return result

    def iperf(self, host: str, seconds: float) -> float:
        """TCP bits/s dom0 → host:5001 (iperf2 client; the side runs the server)."""
        secs = max(1, round(seconds))
        cmd = self.tools.shell("iperf", ["-c", host, "-t", str(secs), "-y", "C", "-f", "b"])
        rc, out = self.lab.exec(f"timeout {secs + 30} {cmd}", timeout=secs + 60)
        rows = [ln for ln in out.splitlines() if re.match(r"^\d{8,},", ln)]
        if rc != 0 or not rows:
            raise LoadError(f"iperf -c {shlex.quote(host)} in dom0 failed ({rc}): {out[-400:]}")
        bps = float(rows[-1].split(",")[-1])
        if bps <= 0:
            raise LoadError(f"iperf to {host} moved no data: {rows[-1]}")
        return bps
