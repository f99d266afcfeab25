"""Profile parsing: the shipped profiles load, and every kind of bad input is refused
with one clear line naming the file, the key and the reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gen import profile
from tests.conftest import REPO, build_file_tree

HTTPD = """
kind = "httpd"
[[nic]]
ipv4 = "dhcp"
[httpd]
content = "site"
"""


def write_profile(tmp_path: Path, text: str) -> Path:
    build_file_tree(tmp_path, {"p.toml": text, "site/index.html": "hi"})
    return tmp_path / "p.toml"


def test_shipped_httpd_defaults():
    p = profile.load("httpd")
    assert p.kind == "httpd" and p.name == "httpd"
    assert [n.ipv4 for n in p.nic] == ["dhcp"]
    assert p.httpd.port == 80 and p.httpd.status is True
    assert (p.content_dir / "index.html").is_file()


def test_shipped_router_defaults():
    p = profile.load("router")
    assert [n.ipv4 for n in p.nic] == ["192.0.2.1/24", "198.51.100.1/24"]
    assert all(not n.is_dhcp for n in p.nic)
    assert p.httpd is None


def test_minimal_profile_gets_defaults(tmp_path):
    p = profile.load(str(write_profile(tmp_path, HTTPD)))
    assert p.name == "httpd" and p.memory == 8 and p.nic[0].mac == "auto"


def test_override_sets_nested_values():
    p = profile.load("router", ["nic.1.mtu=1400", "memory=16", "name=edge-1"])
    assert p.nic[1].mtu == 1400 and p.memory == 16 and p.name == "edge-1"


@pytest.mark.parametrize(
    "overrides, key, reason",
    [
        (["colour=1"], "colour", "unknown key"),
        (["nic.0.speed=10"], "nic[0].speed", "unknown key"),
        (["httpd.gzip=true"], "httpd.gzip", "unknown key"),
        (['memory="lots"'], "memory", "expected an integer"),
        (["memory=true"], "memory", "expected an integer"),
        (["httpd.status=1"], "httpd.status", "expected true or false"),
        (["nic.0.mac=00:16:3e:zz:00:01"], "nic[0].mac", "is not a MAC address"),
        (["nic.0.mac=01:16:3e:00:00:01"], "nic[0].mac", "multicast"),
        (["nic.0.ipv4=192.0.2.300/24"], "nic[0].ipv4", "neither 'dhcp' nor"),
        (["nic.0.ipv4=192.0.2.0/24"], "nic[0].ipv4", "not a usable host address"),
        (["nic.0.gateway=192.0.2.254"], "nic[0].gateway", "takes its gateway from DHCP"),
        (["nic.0.mtu=9000"], "nic[0].mtu", "outside"),
        (['kind="firewall"'], "kind", "is not one of"),
        (["httpd.port=70000"], "httpd.port", "outside"),
        (['httpd.content="nowhere"'], "httpd.content", "is not a directory"),
        (['name="a b"'], "name", "use 1-63 letters"),
    ],
)
def test_bad_httpd_values_are_refused(overrides, key, reason):
    with pytest.raises(profile.ProfileError) as exc:
        profile.load("httpd", overrides)
    assert exc.value.key == key
    assert reason in exc.value.reason
    assert str(exc.value).startswith("profiles/httpd.toml: ") or "httpd.toml: " in str(exc.value)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize(
    "overrides, key, reason",
    [
        (['nic.1.ipv4="192.0.2.129/25"'], "nic[1].ipv4", "overlaps nic[0]"),
        (
            ['nic.0.gateway="198.51.100.7"'],
            "nic[0].gateway",
            "not a usable address in 192.0.2.0/24",
        ),
        (['nic.0.gateway="192.0.2.1"'], "nic[0].gateway", "not a usable address"),
        (['nic.1.ipv4="dhcp"'], "nic[1].ipv4", "need static addresses"),
    ],
)
def test_bad_router_values_are_refused(overrides, key, reason):
    with pytest.raises(profile.ProfileError) as exc:
        profile.load("router", overrides)
    assert (exc.value.key, reason in exc.value.reason) == (key, True)


def test_route_must_be_reachable(tmp_path):
    text = (profile.PROFILES_DIR / "router.toml").read_text()
    text += '\n[[route]]\nprefix = "0.0.0.0/0"\nvia = "198.51.100.254"\n'
    ok = profile.load(str(write_profile(tmp_path, text)))
    assert ok.route[0].via == "198.51.100.254"
    bad = text.replace("198.51.100.254", "192.0.3.1")
    with pytest.raises(profile.ProfileError, match=r"route\[0\]\.via: 192.0.3.1 is on none"):
        profile.load(str(write_profile(tmp_path, bad)))
    bad = text.replace('prefix = "0.0.0.0/0"', 'prefix = "192.0.2.7/24"')
    with pytest.raises(profile.ProfileError, match=r"route\[0\]\.prefix"):
        profile.load(str(write_profile(tmp_path, bad)))


def test_structure_errors(tmp_path):
    with pytest.raises(profile.ProfileError, match="kind: missing"):
        profile.load(str(write_profile(tmp_path, HTTPD.replace('kind = "httpd"', ""))))
    with pytest.raises(profile.ProfileError, match="syntax"):
        profile.load(str(write_profile(tmp_path, "kind = ")))
    with pytest.raises(profile.ProfileError, match="at least one"):
        profile.load(str(write_profile(tmp_path, 'kind = "httpd"\n[httpd]\ncontent = "site"\n')))
    with pytest.raises(profile.ProfileError, match="no shipped profile"):
        profile.load("toaster")
    with pytest.raises(profile.ProfileError, match="no such profile file"):
        profile.load(str(tmp_path / "missing.toml"))


def test_cli_reports_one_line_and_exit_2(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "gen.cli", "gen", "httpd", "-o", str(out), "--set", "nic.0.mtu=99"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "rumpnet gen: profiles/httpd.toml: nic[0].mtu: 99 is outside 576..1500"
    ]
    assert not out.exists()
