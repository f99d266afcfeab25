"""fleet.toml: instance names, MACs derived stably from the names in the Xen OUI,
addresses from netaddr pools without collisions, and one clear line per mistake."""

from __future__ import annotations

import textwrap

import netaddr
import pytest

from gen.resolve import auto_mac
from tools.deploy import fleet
from tools.deploy.sshhost import DeployError


def load(tmp_path, text: str, appliances) -> fleet.Fleet:
    text = text.replace("HTTPD", str(appliances["httpd"]))
    text = text.replace("ROUTER", str(appliances["router"]))
    path = tmp_path / "fleet.toml"
    path.write_text(textwrap.dedent(text))
    return fleet.load(path)


def summary(f: fleet.Fleet) -> list[tuple]:
    return [(i.name, tuple((n.mac, n.ipv4, n.gateway) for n in i.nics)) for i in f.instances]


WEB = """\
    name = "web"
    reserve = ["192.0.2.11"]
    [[appliance]]
    dir = "HTTPD"
    count = 4
    name = "web-{index}"
    set = { log_level = "debug" }
    [[appliance.nic]]
    prefix = "192.0.2.0/24"
    first = "192.0.2.10"
    gateway = "192.0.2.1"
    [[appliance.instance]]
    index = 2
    name = "web-b"
    ipv4 = "192.0.2.13/24"
    set = { "http.port" = 8080 }
    """


def test_allocation_skips_reserved_gateway_and_explicit_addresses(tmp_path, appliances):
    f = load(tmp_path, WEB, appliances)
    assert [i.name for i in f.instances] == ["web-0", "web-1", "web-b", "web-3"]
    addrs = [i.nics[0].ipv4 for i in f.instances]
    assert addrs == ["192.0.2.10/24", "192.0.2.12/24", "192.0.2.13/24", "192.0.2.14/24"]
    assert {i.nics[0].gateway for i in f.instances} == {"192.0.2.1"}
    web_b = dict(f.instances[2].params)
    assert web_b["http.port"] == "8080" and web_b["log_level"] == "debug"
    assert web_b["nic0.ipv4"] == "192.0.2.13/24" and web_b["nic0.mode"] == "static"
    assert web_b["name"] == "web-b"
    assert {i.fleet for i in f.instances} == {"web"}


def test_same_file_same_fleet_and_growing_it_moves_nobody(tmp_path, appliances):
    first = summary(load(tmp_path, WEB, appliances))
    assert summary(load(tmp_path, WEB, appliances)) == first
    grown = summary(load(tmp_path, WEB.replace("count = 4", "count = 6"), appliances))
    assert grown[:4] == first
    assert [n[1][0][1] for n in grown[4:]] == ["192.0.2.15/24", "192.0.2.16/24"]


def test_macs_derive_from_instance_names_in_the_xen_oui(tmp_path, appliances):
    f = load(tmp_path, WEB, appliances)
    for inst in f.instances:
        assert inst.nics[0].mac == auto_mac(inst.name, 0)
        mac = netaddr.EUI(inst.nics[0].mac)
        assert str(mac.oui) == "00-16-3E" and not mac.words[0] & 1
    assert len({i.nics[0].mac for i in f.instances}) == 4
    # Renaming one instance changes its MAC only; the others keep theirs.
    renamed = load(tmp_path, WEB.replace('name = "web-b"', 'name = "web-c"'), appliances)
    changed = [
        a.name
        for a, b in zip(f.instances, renamed.instances, strict=True)
        if a.nics[0].mac != b.nics[0].mac
    ]
    assert changed == ["web-b"]


def test_two_appliances_share_a_pool_without_collisions(tmp_path, appliances):
    f = load(
        tmp_path,
        """\
        [[appliance]]
        dir = "HTTPD"
        count = 2
        [[appliance.nic]]
        prefix = "192.0.2.0/29"
        [[appliance]]
        dir = "ROUTER"
        [[appliance.nic]]
        prefix = "192.0.2.0/29"
        [[appliance.nic]]
        bridge = "rndbr1"
        [[appliance.instance]]
        index = 0
        nic = [{ mac = "00:16:3e:00:00:01" }, { ipv4 = "198.51.100.7/24" }]
        """,
        appliances,
    )
    assert summary(f) == [
        ("httpd-0", ((auto_mac("httpd-0", 0), "192.0.2.1/29", None),)),
        ("httpd-1", ((auto_mac("httpd-1", 0), "192.0.2.2/29", None),)),
        (
            "router",
            (
                ("00:16:3e:00:00:01", "192.0.2.3/29", None),
                (auto_mac("router", 1), "198.51.100.7/24", None),
            ),
        ),
    ]
    assert f.instances[2].nics[1].bridge == "rndbr1"


@pytest.mark.parametrize(
    "text, message",
    [
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        count = 3
        [[appliance.nic]]
        prefix = "192.0.2.0/30"
        """,
            "appliance[0].instance[2].ipv4: the pool 192.0.2.0/30 has no free address left "
            "for httpd-2",
        ),
        (
            """\
        [[appliance]]
        dir = "ROUTER"
        count = 2
        """,
            "appliance[0].instance[1].ipv4: 192.0.2.1 (nic0) is also the address of router-0 "
            "nic0: give the NIC a pool (prefix) or an address",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        count = 2
        name = "web"
        """,
            "appliance[0].name: 'web' needs {index} for 2 instances",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        count = 2
        [[appliance.instance]]
        index = 1
        name = "httpd-0"
        """,
            "appliance[0].instance[1].name: 'httpd-0' is also the name of appliance[0].instance[0]",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        count = 2
        [[appliance.instance]]
        index = 0
        ipv4 = "192.0.2.5/24"
        [[appliance.instance]]
        index = 1
        ipv4 = "192.0.2.5/24"
        """,
            "appliance[0].instance[1].ipv4: 192.0.2.5 is already the address of httpd-0",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        count = 2
        [[appliance.instance]]
        index = 0
        mac = "00:16:3e:00:00:09"
        [[appliance.instance]]
        index = 1
        mac = "00:16:3E:00:00:09"
        """,
            "appliance[0].instance[1].mac: 00:16:3e:00:00:09 is also the MAC of httpd-0 nic0",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        [[appliance.instance]]
        index = 0
        mac = "01:16:3e:00:00:09"
        """,
            "appliance[0].instance[0].nic[0].mac: 01:16:3e:00:00:09 is a multicast address",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        count = 1
        [[appliance.instance]]
        index = 1
        """,
            "appliance[0].instance[0].index: 1 is not an instance index in 0..0",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        cuont = 2
        """,
            "appliance[0].cuont: unknown key (known: count, dir, instance, name, nic, set)",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        set = { "state.nic0" = "x" }
        """,
            "appliance[0].set: 'state.nic0=x': keys under 'state.' belong to the appliance",
        ),
        (
            """\
        [[appliance]]
        dir = "HTTPD"
        [[appliance.nic]]
        prefix = "192.0.2.0/24"
        gateway = "198.51.100.1"
        """,
            "appliance[0].nic[0].gateway: 198.51.100.1 is not in 192.0.2.0/24",
        ),
        (
            """\
        [[appliance]]
        dir = "nowhere"
        """,
            "nowhere: not an appliance directory (no manifest.json)",
        ),
        ("", "appliance: at least one [[appliance]] is needed"),
    ],
)
def test_mistakes_give_one_line_naming_the_key(tmp_path, appliances, text, message):
    with pytest.raises(DeployError) as e:
        load(tmp_path, text, appliances)
    assert e.value.code == 2
    assert str(e.value).endswith(message), str(e.value)
    assert "\n" not in str(e.value)
