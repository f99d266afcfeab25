"""Fleets: many instances of one or more appliances from one TOML file.

Implements: reading and strictly validating fleet.toml, naming the instances,
allocating IPv4 addresses from per-NIC pools with netaddr (explicit addresses,
gateways and reserved addresses are never handed out; the same file always gives
the same allocation, and adding instances at the end moves none of the others),
MACs derived from the instance name in the Xen OUI unless given, and refusing any
collision of names, MACs or addresses, each as one line naming file, key and reason.

The schema (paths relative to the fleet file):

    name = "web"                        # fleet name (default: the file's stem)
    host = "ssh://root@192.0.2.2"       # default host (--host overrides)
    reserve = ["192.0.2.2"]             # addresses never allocated

    [[appliance]]
    dir = "out/httpd"                   # a generated appliance directory
    count = 3
    name = "web-{index}"                # default "<profile name>-{index}" (count 1: the name)
    set = { "log_level" = "debug" }     # parameters of every instance
    [[appliance.nic]]                   # one per NIC, in order; all keys optional
    prefix = "192.0.2.0/24"             # pool: allocate static addresses from here
    first = "192.0.2.10"                # where the pool starts (default: first host)
    gateway = "192.0.2.1"               # written as nic<N>.gateway, never allocated
    bridge = "xenbr0"
    [[appliance.instance]]              # overrides for the instance of that index
    index = 0
    name = "web-a"
    ipv4 = "192.0.2.50/24"              # NIC 0 (or nic = [{ ipv4 = ..., mac = ... }])
    mac = "00:16:3e:00:00:01"           # NIC 0
    set = { "http.port" = "8080" }

Not here: deploying (runner.py).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import netaddr

from tools.deploy.appliance import Appliance, Instance, check_name, instance, parse_sets
from tools.deploy.sshhost import DeployError

TOP_KEYS = {"name", "host", "reserve", "appliance"}
APP_KEYS = {"dir", "count", "name", "set", "nic", "instance"}
POOL_KEYS = {"prefix", "first", "gateway", "bridge"}
INST_KEYS = {"index", "name", "ipv4", "mac", "nic", "set"}
NIC_KEYS = {"ipv4", "mac", "gateway", "bridge"}


@dataclass(frozen=True)
class Fleet:
    name: str
    host: str | None
    instances: tuple[Instance, ...]


class _Err:
    def __init__(self, source: str) -> None:
        self.source = source

    def __call__(self, key: str, reason: str) -> DeployError:
        return DeployError(f"{self.source}: {key}: {reason}", 2)


def load(path: Path, load_appliance=Appliance.load) -> Fleet:
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise DeployError(f"{path}: no such fleet file", 2) from None
    except tomllib.TOMLDecodeError as e:
        raise DeployError(f"{path}: syntax: {e}", 2) from None
    return from_dict(data, str(path), path.resolve().parent, load_appliance)


def _table(err: _Err, key: str, val: Any, allowed: set[str]) -> dict:
    if not isinstance(val, dict):
        raise err(key, f"expected a table, got {type(val).__name__}")
    for k in val:
        if k not in allowed:
            raise err(
                f"{key}.{k}" if key else k, f"unknown key (known: {', '.join(sorted(allowed))})"
            )
    return val


def _list(err: _Err, key: str, val: Any) -> list:
    if not isinstance(val, list):
        raise err(key, "expected an array")
    return val


def _str(err: _Err, key: str, val: Any) -> str:
    if not isinstance(val, str):
        raise err(key, f"expected a string, got {type(val).__name__} {val!r}")
    return val


def _sets(err: _Err, key: str, val: Any) -> list[tuple[str, str]]:
    tbl = val if isinstance(val, dict) else None
    if tbl is None:
        raise err(key, "expected a table of key = value")
    items = []
    for k, v in tbl.items():
        if isinstance(v, bool):
            v = "1" if v else "0"
        if not isinstance(v, str | int):
            raise err(f"{key}.{k}", "values are strings or integers")
        items.append(f"{k}={v}")
    try:
        return parse_sets(items)
    except DeployError as e:
        raise err(key, str(e).removeprefix("--set ")) from None


def _mac(err: _Err, key: str, val: Any) -> str:
    try:
        mac = netaddr.EUI(_str(err, key, val), version=48)
    except netaddr.AddrFormatError:
        raise err(key, f"{val!r} is not a MAC address") from None
    if mac.words[0] & 1:
        raise err(key, f"{val} is a multicast address")
    return str(mac).replace("-", ":").lower()


def _ipv4(err: _Err, key: str, val: Any) -> netaddr.IPNetwork:
    text = _str(err, key, val)
    try:
        if "/" not in text:
            raise netaddr.AddrFormatError("no prefix length")
        net = netaddr.IPNetwork(text, version=4)
    except (netaddr.AddrFormatError, ValueError):
        raise err(key, f"{text!r} is not an IPv4 address/prefix") from None
    if net.prefixlen > 30 or net.ip in (net.network, net.broadcast):
        raise err(key, f"{text} is not a usable host address")
    return net


def _addr(err: _Err, key: str, val: Any) -> netaddr.IPAddress:
    try:
        return netaddr.IPAddress(_str(err, key, val), 4)
    except (netaddr.AddrFormatError, ValueError):
        raise err(key, f"{val!r} is not an IPv4 address") from None


def from_dict(data: dict, source: str, base: Path, load_appliance=Appliance.load) -> Fleet:
    err = _Err(source)
    _table(err, "", data, TOP_KEYS)
    fleet_name = _str(err, "name", data.get("name", Path(source).stem))
    host = _str(err, "host", data["host"]) if "host" in data else None
    used: dict[netaddr.IPAddress, str] = {}
    for i, r in enumerate(_list(err, "reserve", data.get("reserve", []))):
        used[_addr(err, f"reserve[{i}]", r)] = "reserved"
    apps = _list(err, "appliance", data.get("appliance", []))
    if not apps:
        raise err("appliance", "at least one [[appliance]] is needed")

    # Pass 1: every instance with its explicit values; addresses taken by them.
    plans = []
    for a, app_tbl in enumerate(apps):
        key = f"appliance[{a}]"
        app_tbl = _table(err, key, app_tbl, APP_KEYS)
        if "dir" not in app_tbl:
            raise err(f"{key}.dir", "missing (an appliance directory made by `rumpnet gen`)")
        app = load_appliance(base / _str(err, f"{key}.dir", app_tbl["dir"]))
        count = app_tbl.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
            raise err(f"{key}.count", f"{count!r} is not a count in 1..1000")
        default = app.name if count == 1 else app.name + "-{index}"
        pattern = _str(err, f"{key}.name", app_tbl.get("name", default))
        if "{index}" not in pattern and count > 1:
            raise err(f"{key}.name", f"{pattern!r} needs {{index}} for {count} instances")
        common = _sets(err, f"{key}.set", app_tbl.get("set", {}))
        nprof = len(app.profile["nic"])
        pools = [
            _table(err, f"{key}.nic[{n}]", p, POOL_KEYS)
            for n, p in enumerate(_list(err, f"{key}.nic", app_tbl.get("nic", [])))
        ]
        if len(pools) > nprof:
            raise err(f"{key}.nic", f"{len(pools)} entries, but the appliance has {nprof} NICs")
        pools += [{}] * (nprof - len(pools))
        pool_nets = []
        for n, p in enumerate(pools):
            pool_nets.append(_pool(err, f"{key}.nic[{n}]", p, used))
        overrides: dict[int, dict] = {}
        for j, o in enumerate(_list(err, f"{key}.instance", app_tbl.get("instance", []))):
            ikey = f"{key}.instance[{j}]"
            o = _table(err, ikey, o, INST_KEYS)
            idx = o.get("index")
            if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < count:
                raise err(f"{ikey}.index", f"{idx!r} is not an instance index in 0..{count - 1}")
            if idx in overrides:
                raise err(f"{ikey}.index", f"instance {idx} is overridden twice")
            overrides[idx] = o
        for idx in range(count):
            o = overrides.get(idx, {})
            ikey = f"{key}.instance[{idx}]"
            name = _str(err, f"{ikey}.name", o.get("name", pattern.replace("{index}", str(idx))))
            try:
                check_name(name)
            except DeployError as e:
                raise err(f"{ikey}.name", str(e)) from None
            nics = _nic_overrides(err, ikey, o, nprof)
            for nic in nics:
                if "ipv4" in nic:
                    _take(err, f"{ikey}.ipv4", used, nic["ipv4"].ip, name)
            sets = common + _sets(err, f"{ikey}.set", o.get("set", {}))
            plans.append((app, name, nics, sets, pools, pool_nets, ikey))

    # Pass 2: allocate the rest from the pools, in file order.
    cursors: dict[int, netaddr.IPAddress] = {}
    instances, names, macs, addrs = [], {}, {}, {}
    for app, name, nics, sets, pools, pool_nets, ikey in plans:
        final = []
        for n, nic in enumerate(nics):
            nic = dict(nic)
            pool, net = pools[n], pool_nets[n]
            if net is not None and "ipv4" not in nic:
                nic["ipv4"] = _next_free(err, ikey, net, used, cursors, name)
            if "ipv4" in nic:
                nic["ipv4"] = str(nic["ipv4"])
            for k in ("gateway", "bridge"):
                if k in pool and k not in nic:
                    nic[k] = pool[k]
            final.append(nic)
        if name in names:
            raise err(f"{ikey}.name", f"{name!r} is also the name of {names[name]}")
        names[name] = ikey
        inst = instance(app, name, sets, final, fleet=fleet_name)
        for nic in inst.nics:
            if nic.mac in macs:
                raise err(f"{ikey}.mac", f"{nic.mac} is also the MAC of {macs[nic.mac]}")
            macs[nic.mac] = f"{name} nic{nic.index}"
            if nic.ipv4 != "dhcp":
                ip = netaddr.IPNetwork(nic.ipv4).ip
                if ip in addrs:
                    raise err(
                        f"{ikey}.ipv4",
                        f"{ip} (nic{nic.index}) is also the address of "
                        f"{addrs[ip]}: give the NIC a pool (prefix) or an address",
                    )
                addrs[ip] = f"{name} nic{nic.index}"
        instances.append(inst)
    return Fleet(name=fleet_name, host=host, instances=tuple(instances))


def _pool(err: _Err, key: str, p: dict, used: dict) -> netaddr.IPNetwork | None:
    if "bridge" in p:
        try:
            check_name(_str(err, f"{key}.bridge", p["bridge"]))
        except DeployError as e:
            raise err(f"{key}.bridge", str(e)) from None
    if "gateway" in p:
        gw = _addr(err, f"{key}.gateway", p["gateway"])
        used.setdefault(gw, "a gateway")
        p["gateway"] = str(gw)
    if "prefix" not in p:
        if "first" in p:
            raise err(f"{key}.first", "needs a prefix")
        return None
    try:
        net = netaddr.IPNetwork(_str(err, f"{key}.prefix", p["prefix"]), version=4)
        if net.ip != net.network or net.prefixlen > 30:
            raise netaddr.AddrFormatError("not a network")
    except (netaddr.AddrFormatError, ValueError):
        raise err(
            f"{key}.prefix", f"{p['prefix']!r} is not an IPv4 prefix of /30 or wider"
        ) from None
    if "gateway" in p and netaddr.IPAddress(p["gateway"]) not in net:
        raise err(f"{key}.gateway", f"{p['gateway']} is not in {net}")
    start = net.network + 1
    if "first" in p:
        start = _addr(err, f"{key}.first", p["first"])
        if start not in net or start in (net.network, net.broadcast):
            raise err(f"{key}.first", f"{start} is not a host address in {net}")
    return netaddr.IPNetwork(f"{start}/{net.prefixlen}")


def _nic_overrides(err: _Err, ikey: str, o: dict, nprof: int) -> list[dict]:
    nics = [dict() for _ in range(nprof)]
    given = _list(err, f"{ikey}.nic", o.get("nic", []))
    if len(given) > nprof:
        raise err(f"{ikey}.nic", f"{len(given)} entries, but the appliance has {nprof} NICs")
    if given and ("ipv4" in o or "mac" in o):
        raise err(ikey, "give NIC 0's ipv4/mac either directly or in nic = [...], not both")
    for n, g in enumerate(given):
        _table(err, f"{ikey}.nic[{n}]", g, NIC_KEYS)
        nics[n] = dict(g)
    if "ipv4" in o:
        nics[0]["ipv4"] = o["ipv4"]
    if "mac" in o:
        nics[0]["mac"] = o["mac"]
    for n, nic in enumerate(nics):
        k = f"{ikey}.nic[{n}]"
        if "ipv4" in nic:
            nic["ipv4"] = _ipv4(err, f"{k}.ipv4", nic["ipv4"])
        if "mac" in nic:
            nic["mac"] = _mac(err, f"{k}.mac", nic["mac"])
        if "gateway" in nic:
            nic["gateway"] = str(_addr(err, f"{k}.gateway", nic["gateway"]))
    return nics


def _take(err: _Err, key: str, used: dict, ip: netaddr.IPAddress, who: str) -> None:
    if ip in used:
        raise err(key, f"{ip} is already {used[ip]}")
    used[ip] = f"the address of {who}"


def _next_free(
    err: _Err, key: str, pool: netaddr.IPNetwork, used: dict, cursors: dict, who: str
) -> netaddr.IPNetwork:
    """The next unused host address of `pool` (a start address with the prefix length)."""
    net = pool.cidr
    ip = cursors.get(id(pool), pool.ip)
    while ip < net.broadcast:
        if ip not in used and ip != net.network:
            used[ip] = f"the address of {who}"
            cursors[id(pool)] = ip + 1
            return netaddr.IPNetwork(f"{ip}/{net.prefixlen}")
        ip += 1
    raise err(f"{key}.ipv4", f"the pool {net} has no free address left for {who}")
