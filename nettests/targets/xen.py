"""targets.xen - a Xen DomU appliance in the lab (Xen under QEMU).

Implements: the rig on the lab's network: the rig ports and Linux peer
namespaces are veths into the lab namespace's bridges (rnlabN: rnlabNbr0,
rnlabNbr1 <-> dom0 xenbr0, xenbr1), the peers at .4 because the lab namespace
itself holds .2 on both segments; the lab's own DHCP server is off while the
target runs (the DHCP checks' server must be the only one) and restored
afterwards; the appliance booted as a DomU (tools/xen_run.XenDomain) with
the rig's static address plan and fixed MACs (those of the POSIX target),
waited for and destroyed at the end, also on failure; domains that dead rig
runs left in the lab are destroyed first; and the DHCP checks' client: a
second DomU of the same appliance with nic0.mode=dhcp.
Not here: booting or stopping the lab (the pytest session's lab fixture
does, nettests/plugin.py asks it), building the appliance (rumpnet gen).
"""

import re
import secrets
import time

from nettests.nsutil import ns_run
from nettests.targets.base import Target, TargetUnavailable, build_rig, rig_sides
from nettests.targets.posix import PLAN, read_appliance
from nettests.topo import PREFIX, registry_dir

BOOT_DEADLINE = 90.0  # xl create + boot to "nicN up" (a few seconds when the host is idle)
QUIET = 2.0  # silence that counts as "no answer": the lab adds QEMU's latency to every hop
PEER_HOST = 4  # the lab namespace holds .2 on both segments
RIG_DOMAIN = re.compile(rf"^{PREFIX}([0-9a-f]{{4}})-")


def lab_dhcp_running(lab) -> bool:
    from tools.lab import state

    return state.alive(state.load(lab.instance).get("dnsmasq"))


def destroy_stale_domains(lab) -> list[str]:
    """Destroy rig domains (rnt<run>-...) of runs that have no live registry."""
    live = {p.stem for p in registry_dir().glob("*.json")}
    gone = []
    for dom in lab.domains():
        m = RIG_DOMAIN.match(dom.get("name", ""))
        if m and m.group(1) not in live:
            lab.destroy(dom["name"])
            gone.append(dom["name"])
    return gone


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
        lab = lab() if callable(lab) else lab
        if lab is None:
            raise TargetUnavailable("no Xen lab (the rig asks the pytest session's lab fixture)")
        self._lab, self._app, self._topo, self._clients = lab, app, topo, 0
        self._dom0 = LabDom0(lab)
        self._dom0_bridges = [net.dom0_bridge for net in lab.networks[: len(plan)]]
        self.domain = None
        self._dhcp_was = lab_dhcp_running(lab)
        destroy_stale_domains(lab)
        lab.set_dhcp(False)  # the DHCP checks' server must be the only one
        self.sides, self._lab_ifs = [], []
        try:
            rig = build_rig(
                topo, profile, switch=(lab.netns, lab.bridges[: len(plan)]), peer_host=PEER_HOST
            )
            self._lab_ifs = [x for seg in rig["segments"] for x in seg["sw_ifs"]]
            sides = rig_sides(rig, [mac for _, mac in plan])
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
            for ifname in self._lab_ifs:  # the lab's bridges as they were
                ns_run(self._lab.netns, ["ip", "link", "del", ifname], check=False)
        finally:
            if self._dhcp_was and self._lab.healthy():
                self._lab.set_dhcp(True)
