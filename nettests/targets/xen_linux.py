"""targets.xen_linux - the Linux reference as a PV DomU in the Xen lab.

Implements: the lab's reference DomU (tools/lab/guests.py: Debian kernel,
busybox httpd on port 80, IPv4 forwarding) as the DUT on the same lab
network as the xen target (xen_lab.LabRig), with the rig's static address
plan and MACs given on its kernel command line (httpd 192.0.2.10/24,
forwarding off; router 192.0.2.1/25 and 198.51.100.1/24 with MTU 1400 on
side B, forwarding on), waited for and destroyed at the end, also on
failure; the DHCP checks' client: a second reference DomU whose busybox
udhcpc configures its vif; and the behaviours where this reference
legitimately differs from a check (known deviations, never hidden).
Not here: the appliance in the lab (xen.py), the namespace reference
(linux.py), booting or stopping the lab (nettests/plugin.py).
"""

import re
import secrets
import time

from nettests.targets.base import Target, TargetUnavailable
from nettests.targets.linux import DEVIATIONS as LINUX_DEVIATIONS
from nettests.targets.posix import PLAN
from nettests.targets.xen_lab import BOOT_DEADLINE, QUIET, LabRig, the_lab

# check id -> why this reference differs; the namespace reference's Linux
# kernel and udhcpc entries hold here too, its nginx ones do not (busybox
# httpd serves here). Each entry below was seen on the wire (pcaps of a run).
CLOSES = "busybox httpd closes the connection after every response (no persistent connections)"
LAX = "busybox httpd does not validate request header fields"
BUSYBOX_HTTPD = {
    "http.persistent_by_default": CLOSES,
    "http.pipelined_in_order": CLOSES + ", so the pipelined second request is not answered",
    "http.head_no_body": CLOSES + "; its HEAD response itself is right (same Content-Length, "
    "no body), but the request after it on the same connection is not answered",
    "http.missing_host_400": LAX + ": it serves a request without Host",
    "http.duplicate_host_400": LAX + ": it serves a request with two Host fields",
    "http.invalid_host_400": LAX + ": it serves a request with an invalid Host",
    "http.space_before_colon_400": LAX + ": a field line with space before the colon is "
    "ignored, not refused",
    "http.nul_in_field_rejected": LAX + ": a NUL in a field value is not refused",
    "http.bad_version_rejected": "busybox httpd does not check the HTTP version of the "
    "request line (HTTP/1.x is served)",
    "http.differing_duplicate_content_length_400": "busybox httpd (no CGI here) refuses "
    "every POST with 501 before looking at its framing; refused and closed, but not with 400",
    "http.long_target_414": "busybox httpd refuses a request line longer than its buffer "
    "with 400, not 414 (the SHOULD)",
}
KERNEL = {
    # the namespace reference's host kernel has the upstream fix ("tcp: send
    # challenge ACK on SEG.ACK > SND.NXT"), this DomU's Debian kernel not
    "tcp.bad_ack_challenge_ack": "this Linux drops a segment that acknowledges unsent data "
    "(SEG.ACK > SND.NXT) silently; Linux sends the challenge ACK only since the upstream "
    "fix, which its kernel predates",
}
DEVIATIONS = {
    "httpd": {k: v for k, v in LINUX_DEVIATIONS["httpd"].items() if not v.startswith("nginx")}
    | BUSYBOX_HTTPD
    | KERNEL,
    "router": dict(LINUX_DEVIATIONS["router"]),
}


def tail(text: str, n: int = 15) -> str:
    lines = [x for x in text.replace("\r", "").splitlines() if x.strip()]
    return "\n".join(lines[-n:])


class RefDhcpClient:
    """A second reference DomU, its one vif on the LAN bridge without a static
    address: busybox udhcpc in INIT, for the DHCP checks."""

    name = "Linux reference DomU (busybox udhcpc)"

    def __init__(self, target):
        self.target = target
        self.mac = "02:52:4e:54:dc:" + secrets.token_hex(1)
        self.dom = None
        self.output = ""

    def start(self, arp_check: bool = False, request_list: bool = True) -> None:
        # udhcpc's request list is its built-in one (request_list has no switch here)
        from tools.lab.guests import create_reference

        t = self.target
        t._clients += 1
        name = t._topo.ns_name(f"dhcp{t._clients}")
        self.dom = name
        try:
            create_reference(
                t._lab,
                name,
                bridges=t._rig.dom0_bridges[:1],
                macs=[self.mac],
                args=("rnref.arpcheck=1",) if arp_check else (),
                wait=False,
            )
            # returns once udhcpc starts, as a started client process would
            t._lab.wait_console(name, r"rnref: eth0 dhcp", BOOT_DEADLINE)
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        if self.dom is not None:
            lab = self.target._lab
            self.output = tail(lab.console(self.dom), 50)
            lab.destroy(self.dom)
            self.dom = None


class XenLinuxTarget(Target):
    def __init__(self, profile: str, topo, lab=None):
        from tools.lab import LabError
        from tools.lab.guests import create_reference

        plan = PLAN[profile]
        lab = the_lab(lab)
        self._lab, self._topo, self._clients = lab, topo, 0
        self.domain = None
        self.sides, self._rig = [], None
        try:
            self._rig = LabRig(topo, profile, lab, len(plan))
            sides = self._rig.sides([mac for _, mac in plan])
            super().__init__(
                name="xen-linux",
                profile=profile,
                sides=sides,
                build_hash="linux-unknown",
                quiet=QUIET,
                deviations=DEVIATIONS[profile],
                description=f"Linux reference PV DomU in lab {lab.netns}",
            )
            args = ["rnref.forward=0"] if profile == "httpd" else []
            args += [f"rnref.mtu=eth{i}:{s.mtu}" for i, s in enumerate(sides) if s.mtu != 1500]
            name = topo.ns_name(f"{profile[0]}dut")
            t0 = time.monotonic()
            self.domain = name
            create_reference(
                lab,
                name,
                bridges=self._rig.dom0_bridges,
                static={i: ip for i, (ip, _) in enumerate(plan)},
                macs=[mac for _, mac in plan],
                args=tuple(args),
                wait=False,
            )
            lab.wait_console(name, r"rnref: ready", BOOT_DEADLINE)
            self.boot_seconds = round(time.monotonic() - t0, 1)
        except LabError as exc:
            self.stop()
            raise TargetUnavailable(f"the reference DomU did not come up: {exc}") from exc
        except BaseException:
            self.stop()
            raise
        m = re.search(r"rnref: kernel (\S+)", lab.console(name))
        kernel = m.group(1) if m else "unknown"
        self.build_hash = f"linux-{kernel}"
        self.description += f" (Linux {kernel}, busybox httpd), {name} up in {self.boot_seconds} s"
        if profile == "router":
            self.unrouted_ip = "192.0.2.200"
        else:
            self.http_large_path = "/big.bin"
        ok, detail = self.alive()
        if not ok:
            self.stop()
            raise TargetUnavailable(f"the reference DomU is up but not alive ({detail})")

    def alive(self) -> tuple[bool, str]:
        ok, detail = super().alive()
        if ok or self.domain is None:
            return ok, detail
        return False, f"{detail}; domain {self.domain}: {tail(self._lab.console(self.domain))}"

    def dhcp_client(self):
        return RefDhcpClient(self)

    def stop(self) -> None:
        try:
            if self.domain is not None:
                self._lab.destroy(self.domain)
                self.domain = None
            super().stop()
        finally:
            if self._rig is not None:
                self._rig.release()
                self._rig = None
