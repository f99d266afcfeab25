"""targets - what the rig tests: linux (reference), posix, xen.

Implements: make_target(), which returns a started Target or raises
TargetUnavailable with the reason every check then reports as skip.
Not here: the checks themselves.
"""

from nettests.targets.base import Side, Target, TargetUnavailable


def make_target(name: str, profile: str, appliance_dir: str | None, topo, lab=None) -> Target:
    """`lab`: for the xen target, the running Xen lab (tools.lab.Lab) or a
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
    raise ValueError(f"unknown target {name!r} (linux, posix, xen)")


__all__ = ["Side", "Target", "TargetUnavailable", "make_target"]
