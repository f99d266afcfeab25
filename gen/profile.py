"""Appliance profiles: TOML in, a strict typed Profile out.

Implements: reading a profile (a shipped kind name or a path) with the standard
library's TOML reader, `--set key=value` overrides, and validation that refuses
unknown keys, wrong types, bad MACs, bad or overlapping addresses, gateways outside
their subnet and routes that cannot be reached, each as one ProfileError naming the
file, the key and the reason.

Not here: derived values such as automatic MACs or the parameter table (resolve.py).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import netaddr

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
KINDS = ("httpd", "router")
LOG_LEVELS = ("error", "warn", "info", "debug")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
MTU_MIN, MTU_MAX = 576, 1500  # netfront without scatter-gather carries 1500 at most


class ProfileError(ValueError):
    """A profile that cannot be used; str() is the one-line message for the user."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(f"{source}: {key}: {reason}")
        self.source, self.key, self.reason = source, key, reason


@dataclass(frozen=True)
class Nic:
    bridge: str = "xenbr0"
    mac: str = "auto"
    ipv4: str = "dhcp"  # "dhcp" or "A.B.C.D/LEN"
    gateway: str | None = None
    mtu: int = 1500
    ipv6: str = "slaac"  # "slaac" or "off"

    @property
    def is_dhcp(self) -> bool:
        return self.ipv4 == "dhcp"

    @property
    def network(self) -> netaddr.IPNetwork | None:
        return None if self.is_dhcp else netaddr.IPNetwork(self.ipv4)


@dataclass(frozen=True)
class Route:
    prefix: str
    via: str


@dataclass(frozen=True)
class Httpd:
    content: str = "content/httpd"
    port: int = 80
    status: bool = True
    max_conns: int = 64
    max_header_bytes: int = 8192


@dataclass(frozen=True)
class Profile:
    kind: str
    name: str
    memory: int = 8
    vcpus: int = 1
    log_level: str = "info"
    nic: tuple[Nic, ...] = ()
    route: tuple[Route, ...] = ()
    httpd: Httpd | None = None
    source: str = field(default="<profile>", compare=False)
    base_dir: Path = field(default=Path("."), compare=False)

    @property
    def content_dir(self) -> Path | None:
        if self.httpd is None:
            return None
        return (self.base_dir / self.httpd.content).resolve()

    def to_dict(self) -> dict[str, Any]:
        """The profile as plain data (for the manifest), without where it came from."""
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("source", "base_dir"):
                continue
            val = getattr(self, f.name)
            if isinstance(val, tuple):
                val = [vars(v).copy() for v in val]
            elif val is not None and hasattr(val, "__dataclass_fields__"):
                val = vars(val).copy()
            out[f.name] = val
        return out


# ---------------------------------------------------------------- loading


def locate(spec: str) -> Path:
    """A kind name ("httpd") means profiles/<kind>.toml; anything else is a path."""
    if "/" not in spec and not spec.endswith(".toml"):
        path = PROFILES_DIR / f"{spec}.toml"
        if not path.exists():
            kinds = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
            raise ProfileError(spec, "kind", f"no shipped profile of that name (have: {kinds})")
        return path
    path = Path(spec)
    if not path.is_file():
        raise ProfileError(spec, "file", "no such profile file")
    return path


def load(spec: str, overrides: list[str] | tuple[str, ...] = ()) -> Profile:
    """Read, override and validate a profile; raises ProfileError."""
    path = locate(spec)
    source = _display(path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(source, "syntax", str(e)) from None
    for item in overrides:
        apply_override(data, item, source)
    return from_dict(data, source, path.resolve().parent)


def _display(path: Path) -> str:
    """The path as the user would like to read it: relative to here when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def apply_override(data: dict[str, Any], item: str, source: str) -> None:
    """Apply one `a.b.c=value`; list items are addressed by index (`nic.0.mtu=1400`)."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ProfileError(source, item, "an override must look like key=value")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    node: Any = data
    parts = key.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ProfileError(source, key, f"no list item {part!r}")
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif last:
            node[part] = value
        else:
            node = node.setdefault(part, {})
            if not isinstance(node, dict | list):
                raise ProfileError(source, key, f"{part!r} is not a table")


# ---------------------------------------------------------------- validation


def _typed(source: str, key: str, value: Any, want: type, what: str) -> Any:
    ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
    if not ok:
        raise ProfileError(source, key, f"expected {what}, got {type(value).__name__} {value!r}")
    return value


def _build(cls: type, data: Any, source: str, prefix: str) -> Any:
    """Construct dataclass `cls` from a TOML table, refusing unknown keys and bad types."""
    if not isinstance(data, dict):
        raise ProfileError(source, prefix, f"expected a table, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls) if f.name not in ("source", "base_dir")}
    for key in data:
        if key not in known:
            raise ProfileError(source, f"{prefix}{key}", f"unknown key (known: {', '.join(known)})")
    kwargs = {}
    types = {"str": (str, "a string"), "int": (int, "an integer"), "bool": (bool, "true or false")}
    for name, f in known.items():
        if name not in data:
            continue
        val = data[name]
        kind = str(f.type).replace(" | None", "")
        if kind in types:
            _typed(source, f"{prefix}{name}", val, *types[kind])
        kwargs[name] = val
    return cls(**kwargs)


def from_dict(data: dict[str, Any], source: str, base_dir: Path) -> Profile:
    top = dict(data)
    nics = top.pop("nic", [])
    routes = top.pop("route", [])
    httpd = top.pop("httpd", None)
    if "kind" not in top:
        raise ProfileError(source, "kind", f"missing (one of: {', '.join(KINDS)})")
    top.setdefault("name", top["kind"])
    base = _build(Profile, top, source, "")
    if not isinstance(nics, list):
        raise ProfileError(source, "nic", "expected an array of tables ([[nic]])")
    if not isinstance(routes, list):
        raise ProfileError(source, "route", "expected an array of tables ([[route]])")
    nic_objs = tuple(_build(Nic, n, source, f"nic[{i}].") for i, n in enumerate(nics))
    route_objs = tuple(_build(Route, r, source, f"route[{i}].") for i, r in enumerate(routes))
    httpd_obj = _build(Httpd, httpd, source, "httpd.") if httpd is not None else None
    prof = Profile(
        kind=base.kind,
        name=base.name,
        memory=base.memory,
        vcpus=base.vcpus,
        log_level=base.log_level,
        nic=nic_objs,
        route=route_objs,
        httpd=httpd_obj,
        source=source,
        base_dir=base_dir,
    )
    validate(prof)
    return prof


def validate(p: Profile) -> None:
    src = p.source
    if p.kind not in KINDS:
        raise ProfileError(src, "kind", f"{p.kind!r} is not one of: {', '.join(KINDS)}")
    if not NAME_RE.match(p.name):
        raise ProfileError(src, "name", f"{p.name!r}: use 1-63 letters, digits, '_', '.', '-'")
    if not 1 <= p.memory <= 65536:
        raise ProfileError(src, "memory", f"{p.memory} MiB is outside 1..65536")
    if not 1 <= p.vcpus <= 64:
        raise ProfileError(src, "vcpus", f"{p.vcpus} is outside 1..64")
    if p.log_level not in LOG_LEVELS:
        raise ProfileError(src, "log_level", f"{p.log_level!r} is not one of {LOG_LEVELS}")
    if not p.nic:
        raise ProfileError(src, "nic", "at least one [[nic]] is needed")
    for i, nic in enumerate(p.nic):
        _validate_nic(src, f"nic[{i}]", nic)
    _validate_overlaps(p)
    _validate_kind(p)
    for i, r in enumerate(p.route):
        _validate_route(p, f"route[{i}]", r)


def _validate_nic(src: str, key: str, nic: Nic) -> None:
    if not NAME_RE.match(nic.bridge):
        raise ProfileError(src, f"{key}.bridge", f"{nic.bridge!r} is not a bridge name")
    if nic.mac != "auto":
        try:
            mac = netaddr.EUI(nic.mac, version=48)
        except (netaddr.AddrFormatError, TypeError):
            raise ProfileError(src, f"{key}.mac", f"{nic.mac!r} is not a MAC address") from None
        if mac.words[0] & 1:
            raise ProfileError(src, f"{key}.mac", f"{nic.mac} is a multicast address")
    if not MTU_MIN <= nic.mtu <= MTU_MAX:
        raise ProfileError(src, f"{key}.mtu", f"{nic.mtu} is outside {MTU_MIN}..{MTU_MAX}")
    if nic.ipv6 not in ("slaac", "off"):
        raise ProfileError(src, f"{key}.ipv6", f"{nic.ipv6!r} is not 'slaac' or 'off'")
    if nic.is_dhcp:
        if nic.gateway is not None:
            raise ProfileError(
                src, f"{key}.gateway", "a DHCP interface takes its gateway from DHCP"
            )
        return
    try:
        if "/" not in nic.ipv4:
            raise netaddr.AddrFormatError("no prefix length")
        net = netaddr.IPNetwork(nic.ipv4, version=4)
    except (netaddr.AddrFormatError, ValueError):
        raise ProfileError(
            src, f"{key}.ipv4", f"{nic.ipv4!r} is neither 'dhcp' nor an IPv4 address/prefix"
        ) from None
    if net.prefixlen > 30 or net.ip in (net.network, net.broadcast):
        raise ProfileError(src, f"{key}.ipv4", f"{nic.ipv4} is not a usable host address")
    if nic.gateway is not None:
        try:
            gw = netaddr.IPAddress(nic.gateway, 4)
        except (netaddr.AddrFormatError, ValueError):
            raise ProfileError(
                src, f"{key}.gateway", f"{nic.gateway!r} is not an IPv4 address"
            ) from None
        if gw not in net or gw in (net.network, net.broadcast, net.ip):
            raise ProfileError(src, f"{key}.gateway", f"{gw} is not a usable address in {net.cidr}")


def _validate_overlaps(p: Profile) -> None:
    nets = [(i, n.network) for i, n in enumerate(p.nic) if n.network is not None]
    for a, (i, na) in enumerate(nets):
        for j, nb in nets[a + 1 :]:
            if na.cidr in nb.cidr or nb.cidr in na.cidr:
                raise ProfileError(
                    p.source, f"nic[{j}].ipv4", f"subnet {nb.cidr} overlaps nic[{i}]'s {na.cidr}"
                )
    gateways = [i for i, n in enumerate(p.nic) if n.gateway]
    if len(gateways) > 1:
        raise ProfileError(
            p.source, f"nic[{gateways[1]}].gateway", "only one NIC may set a gateway"
        )


def _validate_kind(p: Profile) -> None:
    if p.kind == "httpd":
        if p.httpd is None:
            raise ProfileError(p.source, "httpd", "an httpd profile needs an [httpd] table")
        h = p.httpd
        if not 1 <= h.port <= 65535:
            raise ProfileError(p.source, "httpd.port", f"{h.port} is outside 1..65535")
        if not 1 <= h.max_conns <= 4096:
            raise ProfileError(p.source, "httpd.max_conns", f"{h.max_conns} is outside 1..4096")
        if not 1024 <= h.max_header_bytes <= 65536:
            raise ProfileError(
                p.source, "httpd.max_header_bytes", f"{h.max_header_bytes} is outside 1024..65536"
            )
        if not p.content_dir or not p.content_dir.is_dir():
            raise ProfileError(p.source, "httpd.content", f"{h.content!r} is not a directory")
        if p.route:
            raise ProfileError(p.source, "route", "routes belong to router profiles")
    else:
        if p.httpd is not None:
            raise ProfileError(p.source, "httpd", "an [httpd] table belongs to httpd profiles")
        if len(p.nic) < 2:
            raise ProfileError(p.source, "nic", "a router needs at least two [[nic]]")
        for i, nic in enumerate(p.nic):
            if nic.is_dhcp:
                raise ProfileError(
                    p.source, f"nic[{i}].ipv4", "router interfaces need static addresses"
                )


def _validate_route(p: Profile, key: str, r: Route) -> None:
    try:
        net = netaddr.IPNetwork(r.prefix, version=4)
        if "/" not in r.prefix or net.ip != net.network:
            raise netaddr.AddrFormatError("not a network prefix")
    except (netaddr.AddrFormatError, ValueError):
        raise ProfileError(
            p.source, f"{key}.prefix", f"{r.prefix!r} is not an IPv4 prefix"
        ) from None
    try:
        via = netaddr.IPAddress(r.via, 4)
    except (netaddr.AddrFormatError, ValueError):
        raise ProfileError(p.source, f"{key}.via", f"{r.via!r} is not an IPv4 address") from None
    if not any(n.network is not None and via in n.network.cidr for n in p.nic):
        raise ProfileError(p.source, f"{key}.via", f"{via} is on none of the NICs' subnets")
