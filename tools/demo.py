"""The main job, end to end: boot a generated httpd appliance in the Xen lab, let it
take an address from the lab's DHCP server, fetch every file of its content archive
from the host side with curl, compare the bytes, and say what happened and how long
each step took. Used by tools/demo.sh after `rumpnet gen httpd -o out/httpd`.

Brings the lab up when none runs and takes it down again at the end (unless
--keep-lab); destroys the domain on every path. Not here: generating the appliance
(rumpnet gen) or the conformance checks (rumpnet test).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

from gen import archive
from tools.lab import Lab, LabError
from tools.xen_run import LabDom0, XenDomain, XenRunError, load_appliance


def say(msg: str) -> None:
    print(f"rumpnet demo: {msg}", flush=True)


def fetch_all(lab: Lab, ip: str, appliance: Path) -> list[tuple[str, int, bool]]:
    """curl every regular file of the archive from the lab's host namespace."""
    results = []
    for e in archive.read((appliance / "content.cpio").read_bytes()):
        if e.mode & 0o170000 != 0o100000:
            continue
        proc = lab.run_host(
            ["curl", "-sS", "--max-time", "20", f"http://{ip}/{e.name}"], timeout=30, text=False
        )
        body = proc.stdout
        ok = (
            proc.returncode == 0
            and hashlib.sha256(body).digest() == hashlib.sha256(e.data).digest()
        )
        results.append((e.name, len(body), ok))
    return results


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.demo")
    ap.add_argument("appliance", type=Path)
    ap.add_argument("--keep-lab", action="store_true", help="leave the lab running")
    args = ap.parse_args(argv)
    doc = json.loads((args.appliance / "manifest.json").read_text())
    if not doc["build"]["xen"]["image"]:
        say(f"no Xen image in {args.appliance}: {doc['build']['xen']['status']}")
        return 1
    booted_lab = Lab.attach() is None
    t0 = time.monotonic()
    try:
        lab = Lab.up()
    except LabError as e:
        say(f"the lab did not come up: {e}")
        return 1
    say(
        f"lab ready in {time.monotonic() - t0:.1f} s (Xen {lab.info().get('xen_version', '?')}, "
        f"host namespace {lab.netns}, bridge {lab.bridges[0]})"
    )
    failed = True
    dom = XenDomain(load_appliance(args.appliance), LabDom0(lab))
    try:
        t1 = time.monotonic()
        dom.start()
        say(
            f"xl create: domain {dom.name} (id {dom.domid}), "
            f"image {doc['build']['xen']['image']} "
            f"({doc['outputs'][doc['build']['xen']['image']]['size']} bytes), "
            f"memory {doc['profile']['memory']} MiB"
        )
        ip = dom.wait_ipv4(0, timeout=120)
        t2 = time.monotonic()
        say(f"DHCP: the appliance took {ip} from the lab's dnsmasq {t2 - t1:.1f} s after xl create")
        results = fetch_all(lab, ip, args.appliance)
        t3 = time.monotonic()
        for name, size, ok in results:
            say(f"  GET /{name}: {size} bytes, {'bytes match' if ok else 'MISMATCH'}")
        failed = not results or not all(ok for _, _, ok in results)
        say(
            f"{sum(ok for *_, ok in results)}/{len(results)} files served correctly "
            f"({t3 - t2:.1f} s); first HTTP answer {t3 - t1:.1f} s after xl create"
        )
    except (XenRunError, LabError, subprocess.SubprocessError) as e:
        say(f"failed: {e}")
        print(dom.console()[-2000:] if dom.domid is not None else "", file=sys.stderr)
    finally:
        dom.destroy()
        if booted_lab and not args.keep_lab:
            lab.down()
            say("lab stopped")
    say("result: " + ("FAILED" if failed else "the appliance booted on Xen and served its content"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
