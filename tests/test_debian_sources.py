"""Fetching from Debian: the private apt configuration is derived from the machine's
own sources, and lwIP's source package is downloaded, verified against its .dsc and
unpacked. These talk to the configured Debian archive for real."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import build_file_tree
from tools import debian


def test_sources_are_derived_from_host_configuration(tmp_path):
    codename = debian._codename()
    etc = build_file_tree(
        tmp_path,
        {
            "sources.list": f"deb [signed-by=/k.gpg] http://archive.example/debian {codename} main\n"  # noqa: E501
            "deb http://elsewhere.example/apt cloud-sdk main\n",
            "sources.list.d/d.sources": (
                "Types: deb\nURIs: http://archive.example/debian-security\n"
                f"Suites: {codename}-security\nComponents: main\nSigned-By: /s.gpg\n\n"
                "Types: deb\nURIs: http://node.example\nSuites: nodistro\nComponents: main\n"
            ),
        },
    )
    srcs = debian.host_debian_sources(etc)
    assert [(s.uri, s.suites) for s in srcs] == [
        ("http://archive.example/debian", (codename,)),
        ("http://archive.example/debian-security", (f"{codename}-security",)),
    ]
    text = debian.render_sources_list(srcs, codename)
    assert (
        f"deb-src [signed-by=/k.gpg] http://archive.example/debian {codename}-backports main"
        in text
    )
    assert "deb [signed-by=/s.gpg] http://archive.example/debian-security" in text
    assert "elsewhere" not in text and "node.example" not in text


def test_no_debian_source_is_a_clear_error(tmp_path):
    etc = build_file_tree(tmp_path, {"sources.list": "deb http://x.example/apt stable main\n"})
    with pytest.raises(debian.DebianError, match="no Debian archive is configured"):
        debian.host_debian_sources(etc)


@pytest.fixture(scope="module")
def lwip_tree():
    return debian.Apt().source("lwip")


def test_lwip_source_is_fetched_and_unpacked(lwip_tree):
    assert (lwip_tree / "src" / "core" / "tcp.c").is_file()
    assert (lwip_tree / "src" / "include" / "lwip" / "opt.h").is_file()
    assert (lwip_tree / ".rumpnet-complete").is_file()
    assert debian.Apt().source("lwip") == lwip_tree  # unpacked once, reused


def test_dsc_verification_catches_tampering(lwip_tree, tmp_path):
    src = lwip_tree.parent
    dsc = sorted(src.glob("lwip_*.dsc"))[-1]
    files = debian.verify_dsc(dsc)
    assert any(".orig.tar." in f.name for f in files)
    for f in [dsc, *files]:
        shutil.copy(f, tmp_path / f.name)
    victim = tmp_path / files[0].name
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(debian.DebianError, match="does not match its SHA-256"):
        debian.verify_dsc(tmp_path / dsc.name)
