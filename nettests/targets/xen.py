"""targets.xen - a Xen DomU appliance in the lab (Xen under QEMU).

Implements: the rig on the lab's network (xen_lab.LabRig: rig ports and
peers on the lab's bridges, the lab's DHCP off meanwhile, stale rig domains
destroyed); the appliance booted as a DomU (tools/xen_run.XenDomain) with
the rig's static address plan and fixed MACs (those of the POSIX target),
waited for and destroyed at the end, also on failure; and the DHCP checks' client: a
second DomU of the same appliance with nic0.mode=dhcp.
Not here: booting or stopping the lab (the pytest session's lab fixture
does, nettests/plugin.py asks it), building the appliance (rumpnet gen).
"""

import secrets
import time

from nettests.targets.base import Target, TargetUnavailable
from nettests.targets.posix import PLAN, read_appliance
from nettests.targets.xen_lab import BOOT_DEADLINE, QUIET, LabRig, the_lab


def console_tail(domain, n: int = 15) -> str:
    lines = [x for x in domain.console().replace("\r", "").splitlines() if x.strip()]
    return "\n".join(lines[-n:])


class XenDhcpClient:
    """A second DomU of the appliance, NIC 0 in DHCP mode, for the DHCP checks."""

    name = "Xen appliance (lwIP DHCP client)"

    def __init__(self, target):
        self.target = target
        self.mac = "02:52:4e:54:dc:" + secrets.token_hex(1)
        self.dom = None
        self.output = ""

    def start(self, arp_check: bool = False, request_list: bool = True) -> None:
        from tools.xen_run import XenDomain

        t = self.target
        t._clients += 1
        self.dom = XenDomain(
            t._app,
            t._dom0,
            name=t._topo.ns_name(f"dhcp{t._clients}"),
            params={"nic0.mode": "dhcp", "nic0.ipv6": "off"},
            bridges=[t._dom0_bridges[0]],
            macs=[self.mac],
        )
        try:
            self.dom.start()  # returns once the domain runs, as a started process would
        except Exception:
            self.stop()
            raise

    def stop(self) -> None:
        if self.dom is not None:
            self.output = console_tail(self.dom, 50)
            self.dom.destroy()
            self.dom = None


class XenTarget(Target):
    def __init__(self, profile: str, appliance_dir: str | None, topo, lab=None):
        from tools.xen_run import LabDom0, XenDomain, XenRunError, load_appliance

        kind, build_hash = read_appliance(appliance_dir, "xen")
        if kind != profile:
            raise TargetUnavailable(f"the appliance is a {kind}, not a {profile}")
        try:
            app = load_appliance(appliance_dir)
        except XenRunError as exc:
            raise TargetUnavailable(str(exc)) from exc
        plan = PLAN[profile]
        if len(app.vifs) < len(plan):
            raise TargetUnavailable(f"xl.cfg has {len(app.vifs)} vifs, the rig needs {len(plan)}")
        lab = the_lab(lab)
        self._lab, self._app, self._topo, self._clients = lab, app, topo, 0
        self._dom0 = LabDom0(lab)
        self.domain = None
        self.sides, self._rig = [], None
        try:
            self._rig = LabRig(topo, profile, lab, len(plan))
            self._dom0_bridges = self._rig.dom0_bridges
            sides = self._rig.sides([mac for _, mac in plan])
            super().__init__(
                name="xen",
                profile=profile,
                sides=sides,
                build_hash=build_hash,
                quiet=QUIET,
                description=f"Xen DomU {appliance_dir} ({kind}) in lab {lab.netns}",
            )
            if profile == "router":
                self.unrouted_ip = "192.0.2.200"
            params = {}
            for i, (ip, mac) in enumerate(plan):
                params |= {
                    f"nic{i}.mtu": str(sides[i].mtu),  # router side B: 1400
                    f"nic{i}.mode": "static",
                    f"nic{i}.ipv4": ip,
                    f"nic{i}.mac": mac,
                    f"nic{i}.ipv6": "off",
                }
            self.domain = XenDomain(
                app,
                self._dom0,
                name=topo.ns_name(f"{profile[0]}dut"),
                params=params,
                bridges=self._dom0_bridges,
                macs=[mac for _, mac in plan],
            )
            self._boot(len(plan))
        except BaseException:
            self.stop()
            raise

    def _boot(self, nics: int) -> None:
        from tools.xen_run import XenRunError

        t0 = time.monotonic()
        try:
            self.domain.start(timeout=BOOT_DEADLINE)
            self.domain.wait_console(rf"rumpnet: nic{nics - 1} up ipv4=", BOOT_DEADLINE)
        except XenRunError as exc:
            raise TargetUnavailable(f"the Xen appliance did not come up: {exc}") from exc
        self.boot_seconds = round(time.monotonic() - t0, 1)
        self.description += f", domain {self.domain.name} up in {self.boot_seconds} s"
        ok, detail = self.alive()
        if not ok:
            raise TargetUnavailable(f"the Xen appliance is up but not alive ({detail})")

    def alive(self) -> tuple[bool, str]:
        ok, detail = super().alive()
        if ok or self.domain is None:
            return ok, detail
        state = "running" if self.domain.alive() else "gone"
        return False, f"{detail}; domain {self.domain.name} {state}: {console_tail(self.domain)}"

    def dhcp_client(self):
        return XenDhcpClient(self)

    def stop(self) -> None:
        try:
            if self.domain is not None:
                self.domain.destroy()
                self.domain = None
            super().stop()
        finally:
            if self._rig is not None:
                self._rig.release()
