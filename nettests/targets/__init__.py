"""targets - what the rig tests: linux (reference), posix, xen, xen-linux (reference).

Implements: make_target(), which returns a started Target or raises
TargetUnavailable with the reason every check then reports as skip.
Not here: the checks themselves.
"""

from nettests.targets.base import Side, Target, TargetUnavailable

TARGETS = ("linux", "posix", "xen", "xen-linux")


def make_target(name: str, profile: str, appliance_dir: str | None, topo, lab=None) -> Target:
    """`lab`: for the xen and xen-linux targets, the running Xen lab (tools.lab.Lab) or a
    function returning it, called once the appliance is known to be bootable."""
    if name == "linux":
        from nettests.targets.linux import LinuxTarget

        return LinuxTarget(profile, topo)
    if name == "posix":
        from nettests.targets.posix import PosixTarget

        return PosixTarget(profile, appliance_dir, topo)
    if name == "xen":
        from nettests.targets.xen import XenTarget

        return XenTarget(profile, appliance_dir, topo, lab)
    if name == "xen-linux":
        from nettests.targets.xen_linux import XenLinuxTarget

        return XenLinuxTarget(profile, topo, lab)
    raise ValueError(f"unknown target {name!r} ({', '.join(TARGETS)})")


__all__ = [
    "TARGETS",
    "Side",
    "Target",
    "TargetUnavailable",
    "make_target",
]
