"""What `rumpnet lab status` reports, as one JSON-able dict.

Implements: state (down | booting | ready | unhealthy), the namespace and its bridges
(`netns`, `bridge` = the one that reaches dom0's xenbr0, `bridges`, `networks`), dhcp,
QEMU version/accel/pid/RSS, `xl info` essentials, domains, boot timings, and which
guest types work with this QEMU (probe results recorded by guests.probe_guest_types,
else what is known for the QEMU version). Not here: probing (guests.py).
"""

from __future__ import annotations

import re

from tools.lab import hostnet, qemu, state
from tools.lab.channel import ChannelError
from tools.lab.dom0 import current_key
from tools.lab.lab import Lab, LabError


def expected_guest_types(qemu_version: str) -> dict[str, str]:
    m = re.match(r"(\d+)\.(\d+)", qemu_version or "")
    ver = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    linux = (
        'expected to work with tsc_mode="native" (QEMU < 9.1; not probed)'
        if ver < (9, 1)
        else "expected to fail: QEMU >= 9.1 reads CR2 as 0 in nested guests (not probed)"
    )
    return {
        "pv": "expected to work (baseline; not probed)",
        "pvh": 'expected to work with tsc_mode="native" for guests that never rely on CR2 '
        "(not probed)",
        "pvh-linux": linux,
        "hvm": "not supported by the lab (no device model in dom0)",
    }


def status(instance: int | None = None) -> dict:
    if instance is None:
        instance = state.default_instance()
    st = state.load(instance)
    out: dict = {"state": "down", "netns": None, "bridge": None, "bridges": []}
    if not st:
        out["leftover_namespaces"] = hostnet.list_namespaces()
        return out
    nets = hostnet.networks(instance)
    out.update(
        {
            "netns": st["netns"],
            "bridge": nets[0].bridge,
            "bridges": [n.bridge for n in nets],
            "networks": [
                {
                    "bridge": n.bridge,
                    "dom0_bridge": n.dom0_bridge,
                    "host_addr": n.host_addr,
                    "dhcp_range": list(n.dhcp_range),
                    "tap": n.tap,
                }
                for n in nets
            ],
            "dhcp": state.alive(st.get("dnsmasq")),
            "qemu_version": st.get("qemu_version"),
            "accel": st.get("accel"),
            "qemu_pid": (st.get("qemu") or {}).get("pid"),
            "qemu_rss_mb": None,
            "run_dir": st["run_dir"],
            "console_log": st["run_dir"] + "/console.log",
            "timings": st.get("timings", {}),
            "versions": st.get("versions", {}),
            "boot_key": st.get("boot_key"),
            "cpu": st.get("cpu"),
            "dom0_build": "current"
            if st.get("boot_key") == current_key() and st.get("cpu") == qemu.cpu_model()
            else "stale: packages, lab scripts or CPU model changed since boot (lab up --restart)",
        }
    )
    gt = expected_guest_types(st.get("qemu_version", ""))
    for kind, result in (st.get("guest_probes") or {}).items():
        gt[kind] = result
    out["guest_types"] = gt
    if not state.alive(st.get("qemu")):
        out["state"] = "dead" if st.get("status") == "ready" else st.get("status", "dead")
        return out
    rss = qemu.rss_kb(st["qemu"]["pid"])
    out["qemu_rss_mb"] = rss // 1024 if rss else None
    if st.get("status") != "ready":
        out["state"] = st.get("status", "booting")
        return out
    lab = Lab(st)
    try:
        info = lab.info()
        out["xen"] = {
            "version": info.get("xen_version"),
            "virt_caps": info.get("virt_caps_list", []),
            "free_memory_mb": info.get("free_memory"),
            "total_memory_mb": info.get("total_memory"),
        }
        out["domains"] = lab.domains()
        out["state"] = "ready"
    except (ChannelError, LabError) as e:
        out["state"] = "unhealthy"
        out["error"] = str(e)
    return out
