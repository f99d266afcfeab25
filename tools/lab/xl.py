"""Parsing what xl prints, and small xl config helpers.

Implements: `xl info` → dict (with version, virt_caps list and free memory as ints),
`xl list` → list of domains, `xl network-list` → vifs, deterministic MAC addresses
in Xen's 00:16:3e OUI, and rendering a vif spec. Not here: running xl (lab.py).
"""

from __future__ import annotations

import hashlib


def parse_info(text: str) -> dict:
    info: dict = {}
    for line in text.splitlines():
        key, sep, val = line.partition(":")
        if sep:
            info[key.strip()] = val.strip()
    if "virt_caps" in info:
        info["virt_caps_list"] = info["virt_caps"].split()
    for k in ("total_memory", "free_memory", "nr_cpus", "xen_major", "xen_minor"):
        if k in info and info[k].isdigit():
            info[k] = int(info[k])
    return info


def parse_list(text: str) -> list[dict]:
    """`xl list` rows: name, id, mem (MiB), vcpus, state, time."""
    out = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 6 and parts[1].isdigit():
            out.append(
                {
                    "name": parts[0],
                    "id": int(parts[1]),
                    "mem": int(parts[2]),
                    "vcpus": int(parts[3]),
                    "state": parts[4],
                    "time": float(parts[5]),
                }
            )
    return out


def parse_network_list(text: str) -> list[dict]:
    """`xl network-list DOM` rows (Idx BE Mac handle state evt-ch rings BE-path):
    devid, backend domid, mac, xenbus state, backend path."""
    out = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 8 and parts[0].isdigit():
            out.append(
                {
                    "devid": int(parts[0]),
                    "backend": int(parts[1]),
                    "mac": parts[2],
                    "state": int(parts[4]),
                    "be_path": parts[-1],
                }
            )
    return out


def mac_for(name: str, index: int = 0) -> str:
    """A stable MAC in Xen's OUI for vif `index` of domain `name`."""
    h = hashlib.sha256(f"{name}/{index}".encode()).digest()
    return f"00:16:3e:{h[0] & 0x7F:02x}:{h[1]:02x}:{h[2]:02x}"


def vif_spec(bridge: str, mac: str, script: str = "vif-rnlab") -> str:
    return f"bridge={bridge},mac={mac},script={script}"
