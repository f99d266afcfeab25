"""targets.xen - a Xen DomU appliance in the lab (Xen under QEMU).

Implements: asking the lab (`rumpnet lab status --json`) whether it is up and
runs an appliance domain, and turning every answer short of that into the
skip reason every check then reports. Not here: booting Xen or the DomU
(tools/lab/), and not yet: plugging the rig's ports into the lab namespace's
bridges (rnlab0: rnlabbr0/rnlabbr1) once an appliance domain boots there.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from nettests.targets.base import TargetUnavailable

REPO = Path(__file__).resolve().parents[2]


def lab_status() -> dict:
    if not (REPO / "tools" / "lab" / "cli.py").exists():
        raise TargetUnavailable("the Xen lab (tools/lab, `rumpnet lab status`) does not exist")
    exe = shutil.which("rumpnet")
    argv = [exe] if exe else [sys.executable, "-m", "gen.cli"]
    out = subprocess.run(
        [*argv, "lab", "status", "--json"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    if out.returncode != 0:
        raise TargetUnavailable(f"rumpnet lab status failed: {out.stdout}{out.stderr}".strip())
    return json.loads(out.stdout)


class XenTarget:
    def __new__(cls, profile: str, appliance_dir: str | None, topo):
        status = lab_status()
        if status.get("state") != "ready":
            raise TargetUnavailable(
                f"the lab is not ready (state {status.get('state')!r}; run `rumpnet lab up`)"
            )
        guests = [d["name"] for d in status.get("domains", []) if d.get("id") != 0]
        if not guests:
            raise TargetUnavailable(
                "the lab is up but runs no appliance domain (Xen appliances do not boot yet)"
            )
        raise TargetUnavailable(
            f"the lab runs {guests}, but the rig cannot yet attach its ports to the lab's "
            f"bridges {status.get('bridges')} in {status.get('netns')}"
        )
