"""The foreground run (`python3 -m tools.xen_run DIR`, what `rumpnet run DIR --target
xen` calls): it boots the appliance in the lab, relays the console, says where the
address it got is reachable, serves, and on SIGTERM destroys the domain and exits 0.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time

from tests.conftest import REPO
from tests.xen.conftest import mac_for


def test_run_reports_address_serves_and_cleans_up_on_sigterm(xen_lab, xen_appliance, request):
    directory = xen_appliance("httpd")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    argv = [sys.executable, "-m", "tools.xen_run", str(directory),
            "--param", "nic0.mode=static", "--param", "nic0.ipv4=192.0.2.70/24",
            "--param", f"nic0.mac={mac_for(request)}"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    out, name = b"", None
    try:
        deadline = time.monotonic() + 90
        while b"rumpnet run: reachable nic0 ipv4 192.0.2.70" not in out:
            assert time.monotonic() < deadline, out.decode(errors="replace")
            if select.select([proc.stdout], [], [], 1)[0]:
                out += os.read(proc.stdout.fileno(), 4096)
            assert proc.poll() is None, out.decode(errors="replace")
        name = re.search(rb"domain (rnx-\S+) \(id \d+\)", out).group(1).decode()
        got = xen_lab.run_host(
            ["curl", "-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
             "http://192.0.2.70/"], timeout=30,
        )  # fmt: skip
        assert got.stdout == "200"
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=90)
        assert proc.returncode == 0, (out + rest).decode(errors="replace")
        assert f"rumpnet run: destroyed {name}".encode() in rest
        assert name not in xen_lab.check(["xl", "list"])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if name:
            xen_lab.destroy(name)
