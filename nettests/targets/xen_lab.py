"""targets.xen_lab - the rig on the Xen lab's network, shared by the Xen targets.

Implements: LabRig, the rig ports and Linux peer namespaces as veths into the
lab namespace's bridges (rnlabN: rnlabNbr0, rnlabNbr1 <-> dom0 xenbr0,
xenbr1), the peers at .4 because the lab namespace itself holds .2 on both
segments; the lab's own DHCP server off while a target runs (the DHCP
checks' server must be the only one) and restored afterwards; domains that
dead rig runs left in the lab destroyed first.
Not here: booting a DUT domain (xen.py: the appliance, xen_linux.py: the
Linux reference DomU), booting or stopping the lab (nettests/plugin.py).
"""

import re

from nettests.nsutil import ns_run
from nettests.targets.base import TargetUnavailable, build_rig, rig_sides
from nettests.topo import PREFIX, registry_dir

BOOT_DEADLINE = 90.0  # xl create + boot to "up" (a few seconds when the host is idle)
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


def the_lab(lab):
    """`lab` itself, or what calling it returns; TargetUnavailable if none."""
    lab = lab() if callable(lab) else lab
    if lab is None:
        raise TargetUnavailable("no Xen lab (the rig asks the pytest session's lab fixture)")
    return lab


class LabRig:
    """The rig of `profile` plugged into the first `nics` lab bridges; release()
    leaves the lab's bridges and DHCP as they were (call it also on failure)."""

    def __init__(self, topo, profile: str, lab, nics: int):
        self.lab = lab
        self.dom0_bridges = [net.dom0_bridge for net in lab.networks[:nics]]
        self.dhcp_was = lab_dhcp_running(lab)
        self.ifs: list[str] = []
        self.rig = None
        destroy_stale_domains(lab)
        lab.set_dhcp(False)  # the DHCP checks' server must be the only one
        try:
            self.rig = build_rig(
                topo, profile, switch=(lab.netns, lab.bridges[:nics]), peer_host=PEER_HOST
            )
        except BaseException:
            self.release()
            raise
        self.ifs = [x for seg in self.rig["segments"] for x in seg["sw_ifs"]]

    def sides(self, dut_macs: list[str]):
        return rig_sides(self.rig, dut_macs)

    def release(self) -> None:
        try:
            for ifname in self.ifs:  # the lab's bridges as they were
                ns_run(self.lab.netns, ["ip", "link", "del", ifname], check=False)
            self.ifs = []
        finally:
            if self.dhcp_was and self.lab.healthy():
                self.lab.set_dhcp(True)
