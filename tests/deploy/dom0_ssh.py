"""An SSH server in the lab's dom0: Debian's dropbear, for the deploy lab tests.

Implements: putting dropbear (and the shared libraries it needs that dom0 lacks, from
Debian packages through tools/debian.py) into the running lab's dom0, a host key made
there by dropbearkey and pinned in a known_hosts file on our side, the client key in
root's authorized_keys, an address on dom0's xenbr0 (192.0.2.250, outside the lab's
DHCP range) and dropbear listening on it, port 2222; and stopping all of it again.
Not here: the lab itself (tools/lab).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tools.debian import Apt
from tools.lab.assets import elf_needed

ADDRESS, PORT = "192.0.2.250", 2222
LIBDIR = "/lib/x86_64-linux-gnu"
LIB_PACKAGES = ("libtomcrypt1", "libtommath1", "libgmp10", "zlib1g", "libcrypt1")
HOSTKEY = "/etc/dropbear/rnd_ed25519"
PIDFILE = "/run/rnd-dropbear.pid"


def start(lab, workdir: Path) -> str:
    """Start dropbear in dom0; returns the ssh:// URL. workdir gets id_client, known_hosts."""
    apt = Apt()
    pkg = apt.extract("dropbear-bin")
    libs = {f.name: f for p in LIB_PACKAGES for f in apt.extract(p).rglob("*.so*")}
    todo, seen = [pkg / "usr/sbin/dropbear"], set()
    while todo:
        for so in elf_needed(todo.pop().resolve()):
            if so in seen:
                continue
            seen.add(so)
            if lab.exec(f"test -e {LIBDIR}/{so}")[0] == 0:
                continue
            lab.put(libs[so].resolve(), f"{LIBDIR}/{so}", "755")
            todo.append(libs[so])
    lab.put(pkg / "usr/sbin/dropbear", "/usr/sbin/dropbear", "755")
    lab.put(pkg / "usr/bin/dropbearkey", "/usr/bin/dropbearkey", "755")
    key = workdir / "id_client"
    if not key.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    lab.put(key.with_suffix(".pub"), "/root/.ssh/authorized_keys", "600")
    pub = lab.check(
        f"chmod 700 /root/.ssh && mkdir -p /etc/dropbear && "
        f"{{ [ -f {HOSTKEY} ] || dropbearkey -t ed25519 -f {HOSTKEY} >/dev/null 2>&1; }} "
        f"&& dropbearkey -y -f {HOSTKEY} | grep ^ssh-"
    )
    key_type, key_b64 = next(x for x in pub.splitlines() if x.startswith("ssh-")).split()[:2]
    (workdir / "known_hosts").write_text(f"[{ADDRESS}]:{PORT} {key_type} {key_b64}\n")
    lab.check(
        f"ip addr show dev xenbr0 | grep -q ' {ADDRESS}/' || "
        f"ip addr add {ADDRESS}/24 dev xenbr0; "
        f"dropbear -r {HOSTKEY} -p {ADDRESS}:{PORT} -P {PIDFILE} -s"
    )
    url = f"ssh://root@{ADDRESS}:{PORT}"
    deadline = time.monotonic() + 30
    while True:
        r = lab.run_host(
            [
                "ssh",
                "-o",
                "BatchMode=yes",
                "-i",
                str(key),
                "-p",
                str(PORT),
                "-o",
                f"UserKnownHostsFile={workdir / 'known_hosts'}",
                "-o",
                "StrictHostKeyChecking=yes",
                f"root@{ADDRESS}",
                "true",
            ],
            capture_output=True,
            text=True,
        )
        if r.returncode == 0:
            return url
        if time.monotonic() > deadline:
            raise RuntimeError(f"dropbear in dom0 does not answer: {r.stderr.strip()}")
        time.sleep(0.5)


def stop(lab) -> None:
    lab.exec(
        f"[ -f {PIDFILE} ] && kill $(cat {PIDFILE}); rm -f {PIDFILE} "
        f"/root/.ssh/authorized_keys; ip addr del {ADDRESS}/24 dev xenbr0 2>/dev/null; true"
    )
