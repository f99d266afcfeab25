"""HTTP load with wrk (Debian's), and its results as numbers.

Why wrk: it drives many keep-alive connections from few threads at rates far past
what our appliances serve, does connection-per-request when told
(`Connection: close`), and its Lua `done` hook exposes the full latency histogram,
so p99.9 comes from wrk itself. ab is single-threaded and HTTP/1.0-minded; h2load
is built around HTTP/2.

Not here: where wrk runs (the caller gives the argv prefix that enters a namespace).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA = r"""
local close = os.getenv("RUMPNET_WRK_CLOSE") == "1"
if close then wrk.headers["Connection"] = "close" end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RUMPNET-WRK {"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d,' ..
    '"status_errors":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
"""


@dataclass(frozen=True)
class Result:
    rps: float
    p50_us: float
    p90_us: float
    p99_us: float
    p999_us: float
    errors: int
    requests: int


class WrkError(RuntimeError):
    pass


def run(
    prefix: list[str],
    url: str,
    connections: int,
    seconds: float,
    keepalive: bool = True,
    threads: int = 2,
) -> Result:
    """Run wrk against url; prefix enters the client's namespace."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA)
        script = f.name
    try:
        threads = max(1, min(threads, connections))
        cmd = [
            *prefix,
            "env",
            f"RUMPNET_WRK_CLOSE={0 if keepalive else 1}",
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            script,
            url,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        Path(script).unlink(missing_ok=True)
    result = parse(proc.stdout)
    if proc.returncode != 0 or result is None:
        raise WrkError(f"wrk failed ({proc.returncode}): {(proc.stderr or proc.stdout)[-400:]}")
    return result


def parse(stdout: str) -> Result | None:
    """The Result in wrk's output (the LUA script's RUMPNET-WRK line), or None."""
    line = next((ln for ln in stdout.splitlines() if ln.startswith("RUMPNET-WRK ")), None)
    if line is None:
        return None
    d = json.loads(line.split(" ", 1)[1])
    return Result(
        rps=d["requests"] / (d["duration_us"] / 1e6),
        p50_us=d["p50"],
        p90_us=d["p90"],
        p99_us=d["p99"],
        p999_us=d["p999"],
        errors=d["errors"] + d["status_errors"],
        requests=d["requests"],
    )
