"""The two sides of a posix-target bench: the appliance and its Linux peer, both on one
bridge that the load generator's namespace owns.

Topology (namespaces made with the rig's Topology, so `rumpnet clean` removes them):
  client ns: bridge with 192.0.2.1/24, dnsmasq (192.0.2.100-150), wrk, iperf clients
  peer ns:   veth into the bridge, 192.0.2.3/24, nginx serving the same files and
             an iperf2 server (TCP 5001)
  appliance: `rumpnet run DIR --target posix --attach client-ns:bridge --param iperf=on`,
             address by DHCP; iperf=on starts its iperf2 endpoint (TCP 5001)

Not here: measuring (figures.py), the Xen lab variant (it comes with the Xen appliances).
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gen import archive
from nettests.nsutil import ns_cmd
from nettests.topo import Topology

BRIDGE = "rnbbr0"
IPERF_PORT = 5001
CLIENT_IP, PEER_IP = "192.0.2.1", "192.0.2.3"
ADDR_RE = re.compile(r"rumpnet: nic0 up ipv4=(\d+\.\d+\.\d+\.\d+)")

NGINX_CONF = """
worker_processes auto;
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    include /etc/nginx/mime.types;
    server {{
        listen {ip}:80;
        root {root};
    }}
}}
"""


class BenchError(RuntimeError):
    pass


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = subprocess.run(
            ["pgrep", "-P", str(todo.pop())], capture_output=True, text=True
        ).stdout.split()
        out += map(int, kids)
        todo += map(int, kids)
    return out


def _is_image(pid: int) -> bool:
    try:
        return re.search(r"rumpnet-.*\.posix", Path(f"/proc/{pid}/cmdline").read_text()) is not None
    except OSError:
        return False


def start_appliance(appliance_dir, attach, params, tmp, ready, timeout):
    """`rumpnet run DIR --target posix --attach ...` with its console in
    tmp/appliance.log; polls (deadline `timeout`) until ready(console) is true.
    Returns (process, the console so far)."""
    cmd = [sys.executable, "-m", "gen.cli", "run", str(appliance_dir), "--target", "posix"]
    cmd += ["--attach", attach, *(x for p in params for x in ("--param", p))]
    log = (tmp / "appliance.log").open("w+")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        log.seek(0)
        text = log.read()
        if ready(text) or proc.poll() is not None:
            break
        time.sleep(0.1)
    return proc, text


def teardown(procs, topo, tmp) -> None:
    """Stop the sides' processes (SIGTERM, then SIGKILL after 10 s), remove their
    namespaces and their scratch directory."""
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in reversed(procs):
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    if topo is not None:
        topo.close()
    shutil.rmtree(tmp, ignore_errors=True)


class PosixSides:
    """Context manager: the topology, nginx and the appliance, torn down on exit."""

    def __init__(self, appliance_dir: Path, params: tuple[str, ...] = ("iperf=on",)) -> None:
        self.appliance_dir = appliance_dir
        self.params = params
        self.procs: list[subprocess.Popen] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="rumpnet-bench-"))
        self.tmp.chmod(0o755)  # nginx's workers run unprivileged and read the content here
        self.topo: Topology | None = None
        self.appliance: subprocess.Popen | None = None
        self.appliance_ip: str | None = None

    # ------------------------------------------------------------ setup
    def __enter__(self) -> PosixSides:
        try:
            self._setup()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _setup(self) -> None:
        self.topo = Topology()
        self.client = self.topo.add_netns("bcli")
        self.topo.add_bridge(self.client, BRIDGE)
        self._ip(self.client, ["addr", "add", f"{CLIENT_IP}/24", "dev", BRIDGE])
        self.peer = self.topo.add_netns("bpeer")
        self.topo.add_veth(self.client, BRIDGE, "rnbv0", self.peer, "eth0")
        self._ip(self.peer, ["addr", "add", f"{PEER_IP}/24", "dev", "eth0"])
        self.content = self.tmp / "content"
        self._unpack(self.appliance_dir / "content.cpio", self.content)
        self._start_nginx()
        self._spawn(
            self.peer,
            ["iperf", "-s", "-B", PEER_IP, "-p", str(IPERF_PORT)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._start_dnsmasq()
        self._start_appliance()

    def _ip(self, ns: str, args: list[str]) -> None:
        subprocess.run(ns_cmd(ns, ["ip", *args]), check=True, capture_output=True)

    def _spawn(self, ns: str, argv: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(ns_cmd(ns, argv), **kw)
        self.procs.append(p)
        self.topo.register_pid(p.pid)
        return p

    @staticmethod
    def _unpack(cpio: Path, dest: Path) -> None:
        for e in archive.read(cpio.read_bytes()):
            path = dest / e.name
            if e.mode & 0o040000:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(e.data)

    def _start_nginx(self) -> None:
        conf = self.tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(run=self.tmp, ip=PEER_IP, root=self.content))
        self._spawn(
            self.peer,
            ["nginx", "-c", str(conf), "-e", str(self.tmp / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _start_dnsmasq(self) -> None:
        self._spawn(
            self.client,
            [
                "dnsmasq",
                "--keep-in-foreground",
                "--no-resolv",
                "--no-hosts",
                "--port=0",
                f"--interface={BRIDGE}",
                "--bind-interfaces",
                "--dhcp-authoritative",
                "--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,2m",
                f"--dhcp-leasefile={self.tmp / 'leases'}",
                f"--pid-file={self.tmp / 'dnsmasq.pid'}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _start_appliance(self, timeout: float = 30.0) -> None:
        attach = f"{self.client}:{BRIDGE}"
        self.appliance, text = start_appliance(
            self.appliance_dir, attach, self.params, self.tmp, ADDR_RE.search, timeout
        )
        self.procs.append(self.appliance)
        m = ADDR_RE.search(text)
        if not m:
            tail = text[-1500:]
            raise BenchError(f"the appliance reported no address in {timeout:.0f} s:\n{tail}")
        self.appliance_ip = m.group(1)

    # ------------------------------------------------------------ use
    def client_prefix(self) -> list[str]:
        return ns_cmd(self.client, [])

    def url(self, side: str, path: str) -> str:
        ip = self.appliance_ip if side == "appliance" else PEER_IP
        return f"http://{ip}/{path.lstrip('/')}"

    def ip(self, side: str) -> str:
        return self.appliance_ip if side == "appliance" else PEER_IP

    def pids(self, side: str) -> list[int]:
        """Processes whose CPU time is the side's cost."""
        if side == "appliance":  # the image under this bench's `rumpnet run`, not others'
            return [p for p in _descendants(self.appliance.pid) if _is_image(p)]
        pidfile = self.tmp / "nginx.pid"
        if not pidfile.exists():
            return []
        master = int(pidfile.read_text())
        kids = subprocess.run(
            ["pgrep", "-P", str(master)], capture_output=True, text=True
        ).stdout.split()
        return [master, *map(int, kids)]

    # ------------------------------------------------------------ teardown
    def __exit__(self, *exc) -> None:
        teardown(self.procs, self.topo, self.tmp)
