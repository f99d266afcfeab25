"""targets.linux - the reference DUT: a namespace running the Linux stack.

Implements: the httpd profile as nginx (Debian's nginx-light) on
192.0.2.10:80 and the router profile as a namespace with ip_forward=1 and
two interfaces (192.0.2.1/25, 198.51.100.1/24, MTU 1400 on side B), plus the
list of behaviours where Linux legitimately differs from a check (reported
as known deviations, never hidden). Not here: DHCP client reference
(dhcpclient.py).

Why nginx: it is the HTTP/1.1 server most operators trust, strict about
RFC 9112 framing (Host, Content-Length, chunked, invalid header lines), and a
real event-loop server like the appliance's; python's http.server speaks
HTTP/1.0 by default and accepts requests without Host, busybox httpd closes
after every response.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from nettests.nsutil import ns_cmd, ns_run
from nettests.targets.base import Target, TargetUnavailable, build_rig, rig_sides, wait_tcp

NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
user root;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    default_type application/octet-stream;
    types {{ text/html html; }}
    server_tokens off;
    keepalive_timeout 300s;  # no app close while the R2 check starves a response
    send_timeout 300s;  # the R2 check starves a response for 100 s
    server {{
        listen {ip}:80 default_server;
        server_name _;
        root {tmp}/www;
    }}
}}
"""

# check id -> why Linux differs (reported as a known deviation of the reference)
DEVIATIONS = {
    "httpd": {
        "arp.ignores_broadcast_sender_mac_host": "Linux accepts ARP whose sender hardware "
        "address is broadcast and caches it",
        "http.unknown_method_501": "nginx answers an unknown method on a static "
        "location with 405, not 501 (RFC 9110 §9.1 is a SHOULD)",
        "dhcp.honours_t1_option": "busybox udhcpc ignores options 58/59 and renews at "
        "half the lease",
        "dhcp.rebind_at_t2_broadcast": "busybox udhcpc starts broadcasting (REBINDING) "
        "well before T2 = 0.875 x lease",
        "dhcp.retransmission_backoff": "busybox udhcpc retransmits DISCOVER at a fixed "
        "interval (-T), without the RFC 2131 §4.1 exponential backoff",
        "http.405_has_allow": "nginx's static module sends 405 without an Allow header",
    },
    "router": {
        "arp.no_reply_for_other_interface": "Linux answers ARP for any local address on "
        "any interface by default (arp_ignore=0, weak host model)",
        "forwarding.martian_source_not_forwarded[240.0.0.1]": "Linux forwards class E "
        "(240/4) sources since 2.6.25; RFC 1812 §5.3.7 wants them dropped unless configured",
    },
}


def content(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    para = "<p>rumpnet conformance reference page, line {:04d}.</p>\n"
    body = "<html><body>\n" + "".join(para.format(i) for i in range(120)) + "</body></html>\n"
    (root / "index.html").write_text(body)
    (root / "big.bin").write_bytes(hashlib.sha256(b"rnt").digest() * 4096)  # 128 KiB


class LinuxTarget(Target):
    def __init__(self, profile: str, topo):
        for tool in ("ethtool", "ip") + (("nginx",) if profile == "httpd" else ()):
            if not shutil.which(tool):
                raise TargetUnavailable(
                    f"{tool} not installed (apt-get install "
                    f"{'nginx-light' if tool == 'nginx' else tool})"
                )
        rig = build_rig(topo, profile)
        dut = topo.add_netns(f"{profile[0]}dut")
        self._tmp = tempfile.mkdtemp(prefix="rnt-linux-")
        self._proc = None
        macs = []
        for i, seg in enumerate(rig["segments"]):
            topo.add_veth(rig["sw"], seg["bridge"], f"dut{i}", dut, f"eth{i}", mtu=seg["mtu"])
            plen = seg["net"].split("/")[1]
            ns_run(dut, ["ip", "addr", "add", f"{seg['dut_ip']}/{plen}", "dev", f"eth{i}"])
            macs.append(ns_run(dut, ["cat", f"/sys/class/net/eth{i}/address"]).stdout.strip())
        kernel = os.uname().release
        if profile == "router":
            ns_run(dut, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        super().__init__(
            name="linux",
            profile=profile,
            sides=rig_sides(rig, macs),
            build_hash=f"linux-{kernel}",
            deviations=DEVIATIONS.get(profile, {}),
            description=f"Linux {kernel} network namespace",
        )
        self.dut_ns = dut
        self._topo, self._sw = topo, rig["sw"]
        if profile == "router":
            self.unrouted_ip = "192.0.2.200"
        else:
            self._start_nginx(topo)
            self.http_large_path = "/big.bin"

    def dhcp_client(self):
        """A fresh reference DHCP client on the LAN (busybox udhcpc)."""
        from nettests.dhcpclient import UdhcpcClient

        return UdhcpcClient(self._topo, self._sw, "br0")

    def _start_nginx(self, topo) -> None:
        tmp = Path(self._tmp)
        content(tmp / "www")
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, ip=self.lan.dut_ip))
        self._log = open(tmp / "nginx.out", "w")  # noqa: SIM115 - lives as long as nginx
        self._proc = subprocess.Popen(
            ns_cmd(self.dut_ns, ["nginx", "-c", str(conf)]),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        topo.register_pid(self._proc.pid)
        if not wait_tcp(self.lan.peer_ns, self.lan.dut_ip, 80, deadline=15):
            raise TargetUnavailable("nginx did not start: " + (tmp / "nginx.out").read_text())
        ver = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
        self.description += f", {ver}"

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
            self._log.close()
        super().stop()
        shutil.rmtree(self._tmp, ignore_errors=True)
