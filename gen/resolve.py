"""Resolve a validated Profile into everything the later stages need.

Implements: stable automatic MACs (derived from the appliance name and NIC index
in Xen's OUI 00:16:3e, locally reproducible, never multicast), the parameter table
compiled into the image (the same dotted keys the appliance reads per instance at
boot, see appliance/include/rumpnet/hyper.h hyp_param_get), and the xl vif specs.

Not here: writing files (render.py, archive.py) or validation (profile.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import netaddr

from gen.profile import Profile

XEN_OUI = (0x00, 0x16, 0x3E)


def auto_mac(name: str, index: int) -> str:
    """00:16:3e:xx:xx:xx from SHA-256 of "<name>/<index>": same name, same MAC."""
    digest = hashlib.sha256(f"{name}/{index}".encode()).digest()
    octets = (*XEN_OUI, digest[0] & 0x7F, digest[1], digest[2])
    return ":".join(f"{o:02x}" for o in octets)


@dataclass(frozen=True)
class ResolvedNic:
    index: int
    bridge: str
    mac: str
    ipv4: str
    gateway: str | None
    mtu: int
    ipv6: str

    @property
    def mode(self) -> str:
        return "dhcp" if self.ipv4 == "dhcp" else "static"

    @property
    def vif(self) -> str:
        """The xl vif spec (xl.cfg(5) 'vif' list item)."""
        return f"mac={self.mac},bridge={self.bridge}"


@dataclass(frozen=True)
class Resolved:
    profile: Profile
    nics: tuple[ResolvedNic, ...]
    params: tuple[tuple[str, str], ...]

    @property
    def image_name(self) -> str:
        return f"rumpnet-{self.profile.kind}"


def resolve(p: Profile) -> Resolved:
    nics = tuple(
        ResolvedNic(
            index=i,
            bridge=n.bridge,
            mac=auto_mac(p.name, i)
            if n.mac == "auto"
            else str(netaddr.EUI(n.mac)).replace("-", ":").lower(),
            ipv4=n.ipv4,
            gateway=n.gateway,
            mtu=n.mtu,
            ipv6=n.ipv6,
        )
        for i, n in enumerate(p.nic)
    )
    return Resolved(profile=p, nics=nics, params=tuple(_params(p, nics)))


def _params(p: Profile, nics: tuple[ResolvedNic, ...]) -> list[tuple[str, str]]:
    out = [
        ("kind", p.kind),
        ("name", p.name),
        ("log_level", p.log_level),
        ("nics", str(len(nics))),
    ]
    for n in nics:
        k = f"nic{n.index}"
        out.append((f"{k}.mode", n.mode))
        if n.mode == "static":
            out.append((f"{k}.ipv4", n.ipv4))
        if n.gateway:
            out.append((f"{k}.gateway", n.gateway))
        out += [(f"{k}.mtu", str(n.mtu)), (f"{k}.mac", n.mac), (f"{k}.ipv6", n.ipv6)]
    out.append(("routes", str(len(p.route))))
    for i, r in enumerate(p.route):
        out.append((f"route{i}", f"{r.prefix} via {r.via}"))
    if p.httpd is not None:
        h = p.httpd
        out += [
            ("http.port", str(h.port)),
            ("http.status", "1" if h.status else "0"),
            ("http.max_conns", str(h.max_conns)),
            ("http.max_header_bytes", str(h.max_header_bytes)),
        ]
    return out
