"""dhcpclient - DHCP clients the DHCP checks drive: the Linux reference.

Implements: UdhcpcClient, busybox udhcpc in its own namespace on the LAN
bridge (fresh namespace and MAC per instance, so every check starts in
INIT), with a tiny script that applies the lease with `ip addr`. The target
decides which client a DHCP check gets (Target.dhcp_client()).
Not here: the server (dhcpd.py).
"""

import os
import shutil
import stat
import subprocess
import tempfile

from nettests.nsutil import ns_cmd, ns_run

SCRIPT = """#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface" ;;
  bound|renew) ip -4 addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface" ;;
esac
exit 0
"""

_count = [0]


class UdhcpcClient:
    name = "busybox udhcpc"

    def __init__(self, topo, sw_ns: str, bridge: str):
        if not shutil.which("busybox"):
            raise RuntimeError("busybox not installed (apt-get install busybox)")
        _count[0] += 1
        self.ns = topo.add_netns(f"dhc{_count[0]}")
        topo.add_veth(sw_ns, bridge, f"dhc{_count[0]}", self.ns, "eth0")
        self.mac = ns_run(self.ns, ["cat", "/sys/class/net/eth0/address"]).stdout.strip()
        self.topo = topo
        self.tmp = tempfile.mkdtemp(prefix="rnt-dhc-")
        self.script = os.path.join(self.tmp, "udhcpc.sh")
        with open(self.script, "w") as f:
            f.write(SCRIPT)
        os.chmod(self.script, stat.S_IRWXU)
        self.proc = None
        self.output = ""

    def start(self, arp_check: bool = False, request_list: bool = True) -> None:
        argv = [
            "busybox",
            "udhcpc",
            "-f",
            "-i",
            "eth0",
            "-s",
            self.script,
            "-t",
            "20",
            "-T",
            "3",
            "-A",
            "2",
        ]
        if arp_check:
            argv.append("-a")
        if request_list:
            argv += ["-O", "router", "-O", "dns"]
        self.log = open(os.path.join(self.tmp, "udhcpc.log"), "w")  # noqa: SIM115 - lives as long as the client
        self.proc = subprocess.Popen(
            ns_cmd(self.ns, argv), stdout=self.log, stderr=subprocess.STDOUT
        )
        self.topo.register_pid(self.proc.pid)

    def addresses(self) -> list[str]:
        out = ns_run(self.ns, ["ip", "-4", "-o", "addr", "show", "dev", "eth0"], check=False)
        return [line.split()[3] for line in out.stdout.splitlines()]

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.log.close()
            self.proc = None
            with open(os.path.join(self.tmp, "udhcpc.log")) as f:
                self.output = f.read()
        shutil.rmtree(self.tmp, ignore_errors=True)
        try:
            from pyroute2 import netns

            netns.remove(self.ns)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
