"""The lab's on-disk registry: what it started and where its run lives.

Implements: lab/state.json in the cache (lab/iN/state.json for lab instance N; the
current run's dir, QEMU and dnsmasq pids
with their start times, the namespace, boot timings), run dirs under lab/runs/<stamp>
holding console logs per run, a lock serialising lab up/down/clean, and process helpers
that only ever signal a pid whose start time still matches the one recorded (a reused
pid is never killed). Not here: what the processes are (qemu.py, hostnet.py).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import time
from contextlib import contextmanager
from pathlib import Path

from tools.lab.assets import lab_cache

KEEP_RUNS = 10


def default_instance() -> int:
    """The lab instance used when none is named: $RUMPNET_LAB_INSTANCE, else 0 (the
    shared lab). Another number gives a private lab (namespace rnlabN)."""
    value = os.environ.get("RUMPNET_LAB_INSTANCE", "0")
    if not value.isdigit() or not 0 <= int(value) <= 99:
        raise ValueError(f"RUMPNET_LAB_INSTANCE={value!r}: want a number 0-99")
    return int(value)


def lab_dir(instance: int = 0) -> Path:
    return lab_cache() if instance == 0 else lab_cache(f"i{instance}")


def state_file(instance: int = 0) -> Path:
    return lab_dir(instance) / "state.json"


def load(instance: int = 0) -> dict:
    try:
        return json.loads(state_file(instance).read_text())
    except (OSError, ValueError):
        return {}


def save(state: dict) -> None:
    path = state_file(state.get("instance", 0))
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)


def clear(instance: int = 0) -> None:
    state_file(instance).unlink(missing_ok=True)


def instances() -> list[int]:
    """Lab instances that have a registry on disk."""
    found = [0] if state_file(0).exists() else []
    for p in sorted(lab_cache().glob("i*/state.json")):
        if p.parent.name[1:].isdigit():
            found.append(int(p.parent.name[1:]))
    return found


def instances_on_disk() -> list[int]:
    """Lab instances that have a directory in the cache (registry or old runs)."""
    found = [0]
    for p in sorted(lab_cache().glob("i*")):
        if p.is_dir() and p.name[1:].isdigit():
            found.append(int(p.name[1:]))
    return found


@contextmanager
def locked(instance: int = 0):
    """Exclusive lock (blocks) serialising up/down/clean of one lab instance."""
    with (lab_dir(instance) / "lab.lock").open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def runs_dir(instance: int = 0) -> Path:
    path = lab_dir(instance) / "runs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_run_dir(instance: int = 0) -> Path:
    runs = runs_dir(instance)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = runs / stamp
    n = 1
    while path.exists():
        path = runs / f"{stamp}.{n}"
        n += 1
    (path / "share" / "consoles").mkdir(parents=True)
    old = sorted(p for p in runs.iterdir() if p.is_dir())[:-KEEP_RUNS]
    for p in old:
        _rmtree(p)
    return path


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# -- processes ------------------------------------------------------------------
def start_time(pid: int) -> int | None:
    """Start time of pid in clock ticks since boot (field 22 of /proc/pid/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def proc_record(pid: int) -> dict:
    return {"pid": pid, "start": start_time(pid)}


def alive(rec: dict | None) -> bool:
    if not rec or not rec.get("pid"):
        return False
    st = start_time(rec["pid"])
    if st is None or st != rec.get("start"):
        return False
    try:
        state = Path(f"/proc/{rec['pid']}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill(rec: dict | None, grace: float = 3.0) -> bool:
    """SIGTERM, then SIGKILL after `grace` s, the recorded process if it is still it."""
    if not alive(rec):
        return False
    pid = rec["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not alive(rec):
            _reap(pid)
            return True
        time.sleep(0.05)
    if alive(rec):
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            if not alive(rec):
                break
            time.sleep(0.05)
    _reap(pid)
    return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
