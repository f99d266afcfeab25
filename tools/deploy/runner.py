"""Deploying instances to one Xen host: pre-flight, then each instance in parallel.

Implements: the order of a deploy (pre-flight of the whole batch, images uploaded
once, then per instance: xl.cfg, `xl create -p`, marker and parameters in xenstore,
unpause, wait for the addresses), roll-back of an instance that fails (its domain
destroyed, its files removed) without stopping the others, idempotent re-runs (an
identical instance already running is reported "unchanged"), a progress line per
step on stderr and the result rows for the summary table.

Not here: the host commands themselves (xen.py), the command line (cli.py).
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tools.deploy import xen
from tools.deploy.appliance import Instance, instance_xl_cfg, sha256_file
from tools.deploy.sshhost import DeployError, Host


@dataclass
class Result:
    name: str
    status: str  # "running", "unchanged", "created" (--no-wait), "failed"
    domid: int | None = None
    addresses: dict[str, str] = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict:
        return dict(vars(self))


class Progress:
    """One line per step on stderr, numbered by instance: readable in a log and a tty."""

    def __init__(self, total: int, stream=sys.stderr, quiet: bool = False) -> None:
        self.total, self.stream, self.quiet = total, stream, quiet
        self.lock = threading.Lock()
        self.done = 0

    def step(self, name: str, what: str, finished: bool = False) -> None:
        with self.lock:
            if finished:
                self.done += 1
            if not self.quiet:
                print(f"[{self.done}/{self.total}] {name}: {what}", file=self.stream, flush=True)


def deploy(
    host: Host,
    insts: list[Instance],
    root: str = xen.ROOT,
    wait: bool = True,
    timeout: int = 60,
    jobs: int = 4,
    progress: Progress | None = None,
) -> list[Result]:
    """Deploy `insts` to `host`; raises DeployError when the pre-flight fails."""
    progress = progress or Progress(len(insts))
    facts, problems = xen.preflight(host, insts)
    if problems:
        raise DeployError("\n".join(problems))
    for inst in insts:  # local checks before anything lands on the host
        inst.appliance.image()
        inst.appliance.ramdisk()
    blobs = _upload_images(host, root, insts, facts, progress)
    results: list[Result] = []

    def one(inst: Instance) -> Result:
        t0 = time.monotonic()
        if xen.same_deploy(facts, inst):
            d = facts.domains[inst.name]
            progress.step(inst.name, f"unchanged (domid {d.domid})", finished=True)
            return Result(inst.name, "unchanged", d.domid, d.addresses)
        res = Result(inst.name, "failed")
        try:
            _deploy_one(host, root, inst, blobs, wait, timeout, res, progress)
        except DeployError as e:
            res.status, res.error = "failed", str(e)
            progress.step(inst.name, f"failed: {e}")
            _rollback(host, root, inst, res, progress)
        res.seconds = round(time.monotonic() - t0, 2)
        progress.step(inst.name, res.status if res.ok else "rolled back", finished=True)
        return res

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, insts))
    if any(not r.ok for r in results):
        try:
            xen.gc_blobs(host, root)
        except DeployError as e:
            progress.step("host", f"could not remove unused images: {e}")
    return results


def _upload_images(host: Host, root: str, insts: list[Instance], facts, progress) -> dict:
    """Upload every image not yet on the host, once; returns path -> remote path."""
    files = {}
    for inst in insts:
        if xen.same_deploy(facts, inst):
            continue
        for p in (inst.appliance.image(), inst.appliance.ramdisk()):
            if p is not None and p not in files:
                files[p] = sha256_file(p)
    have = xen.existing_blobs(host, root, sorted(set(files.values()))) if files else set()
    remote = {}
    for p, digest in files.items():
        remote[p] = f"{root}/blobs/{digest}"
        if digest in have:
            continue
        progress.step("host", f"copying {p.name} ({p.stat().st_size} bytes)")
        host.upload(p, remote[p], digest)
    return remote


def _deploy_one(host, root, inst, blobs, wait, timeout, res, progress) -> None:
    app = inst.appliance
    ramdisk = app.ramdisk()
    cfg = instance_xl_cfg(inst, blobs[app.image()], blobs[ramdisk] if ramdisk else None)
    path = xen.write_config(host, root, inst.name, cfg)
    res.domid = xen.create_paused(host, path, inst.name)
    progress.step(inst.name, f"created paused (domid {res.domid})")
    xen.configure(host, res.domid, inst)
    xen.unpause(host, res.domid)
    if not wait:
        res.status = "created"
        return
    progress.step(inst.name, "running, waiting for its addresses")
    res.addresses = xen.wait_ready(host, res.domid, len(inst.nics), timeout)
    res.status = "running"


def _rollback(host, root, inst, res, progress) -> None:
    try:
        xen.destroy(host, root, inst.name, res.domid, by_name=True)
    except DeployError as e:
        res.error += f" (roll-back failed: {e})"
        progress.step(inst.name, f"roll-back failed: {e}")


def table(results: list[Result]) -> str:
    """The summary: one row per instance."""
    rows = [("NAME", "STATUS", "DOMID", "ADDRESSES", "SECONDS")]
    for r in results:
        addrs = " ".join(f"{k}={v}" for k, v in sorted(r.addresses.items())) or "-"
        rows.append(
            (r.name, r.status, "-" if r.domid is None else str(r.domid), addrs, f"{r.seconds:.1f}")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    for r in results:
        if r.error:
            lines.append(f"{r.name}: {r.error}")
    return "\n".join(lines)
