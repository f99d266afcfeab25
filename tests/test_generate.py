"""`rumpnet gen`: rendered files match their golden copies byte for byte, the content
archive reads back with a real cpio reader, the manifest's hashes match the files,
output is reproducible, and a failing stage leaves nothing behind."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest

from gen import archive, build, image, profile
from gen.main import generate
from tests.conftest import REPO, build_file_tree

GOLDEN = REPO / "tests" / "golden"
NO_BUILD: tuple[str, ...] = ()


def quiet(msg: str) -> None:
    pass


@pytest.mark.parametrize("kind", ["httpd", "router"])
@pytest.mark.parametrize("name", ["xl.cfg", "config.h", "libvirt.xml"])
def test_rendered_files_match_golden(tmp_path, kind, name):
    out = generate(kind, tmp_path / kind, platforms=NO_BUILD, log=quiet)
    assert (out / name).read_bytes() == (GOLDEN / kind / name).read_bytes()


def test_content_archive_reads_back_with_cpio(tmp_path):
    out = generate("httpd", tmp_path / "a", platforms=NO_BUILD, log=quiet)
    cpio = out / "content.cpio"
    listing = (
        subprocess.run(
            ["cpio", "-it", "--quiet"], input=cpio.read_bytes(), capture_output=True, check=True
        )
        .stdout.decode()
        .split()
    )
    assert listing == ["docs", "docs/about.txt", "index.html", "style.css"]
    extract = tmp_path / "x"
    extract.mkdir()
    subprocess.run(["cpio", "-id", "--quiet"], input=cpio.read_bytes(), cwd=extract, check=True)
    src = profile.PROFILES_DIR / "content" / "httpd"
    for rel in ("docs/about.txt", "index.html", "style.css"):
        assert (extract / rel).read_bytes() == (src / rel).read_bytes()


def test_archive_reader_matches_writer(tmp_path):
    tree = build_file_tree(
        tmp_path / "t", {"b.txt": b"\x00\x01" * 3, "a/c.html": "x" * 4097, "e": ""}
    )
    entries = archive.read(archive.pack(tree))
    assert [(e.name, e.data) for e in entries] == [
        ("a", b""),
        ("a/c.html", b"x" * 4097),
        ("b.txt", b"\x00\x01" * 3),
        ("e", b""),
    ]


def test_manifest_hashes_match_files(tmp_path):
    out = generate("router", tmp_path / "r", platforms=NO_BUILD, log=quiet)
    doc = json.loads((out / "manifest.json").read_text())
    files = sorted(p.name for p in out.iterdir() if p.name != "manifest.json")
    assert sorted(doc["outputs"]) == files
    for name, rec in doc["outputs"].items():
        data = (out / name).read_bytes()
        assert rec == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert doc["profile"]["kind"] == "router"
    assert doc["profile"]["nic"][1]["ipv4"] == "198.51.100.1/24"


def test_same_inputs_give_identical_bytes(tmp_path):
    a = generate("httpd", tmp_path / "a", platforms=NO_BUILD, log=quiet)
    b = generate("httpd", tmp_path / "b", platforms=NO_BUILD, log=quiet)
    for p in sorted(a.iterdir()):
        assert p.read_bytes() == (b / p.name).read_bytes(), p.name


def test_regenerating_replaces_an_appliance(tmp_path):
    out = generate("httpd", tmp_path / "h", platforms=NO_BUILD, log=quiet)
    generate("httpd", out, ["memory=32"], platforms=NO_BUILD, log=quiet)
    assert "memory = 32" in (out / "xl.cfg").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_refuses_to_overwrite_a_foreign_directory(tmp_path):
    foreign = build_file_tree(tmp_path / "mine", {"notes.txt": "keep me"})
    with pytest.raises(image.OutputError, match="holds no rumpnet appliance"):
        generate("httpd", foreign, platforms=NO_BUILD, log=quiet)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_failing_archive_stage_leaves_nothing(tmp_path):
    site = build_file_tree(tmp_path / "site", {"index.html": "hi"})
    os.mkfifo(site / "pipe")
    prof = build_file_tree(
        tmp_path, {"p.toml": 'kind = "httpd"\n[[nic]]\n[httpd]\ncontent = "site"\n'}
    )
    with pytest.raises(archive.ArchiveError, match="only regular files"):
        generate(str(prof / "p.toml"), tmp_path / "out", platforms=NO_BUILD, log=quiet)
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_failing_build_stage_leaves_previous_appliance_intact(tmp_path, monkeypatch):
    """A real late-stage failure: the C compiler fails, so `make` fails."""
    if build.missing_parts("posix"):
        pytest.skip("the posix platform sources have not landed: nothing to build")
    out = generate("httpd", tmp_path / "h", platforms=NO_BUILD, log=quiet)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setenv("CC", "false")  # also a fresh object directory: nothing cached
    with pytest.raises(build.BuildError, match="posix build of httpd failed"):
        generate("httpd", out, ["memory=64"], platforms=("posix",), log=quiet)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_platform_without_sources_is_reported_not_yet_buildable(tmp_path, monkeypatch):
    monkeypatch.setitem(build.FRAGMENTS, "xen", ("minios/not-written.mk",))
    out = generate("httpd", tmp_path / "h", platforms=("xen",), log=quiet)
    doc = json.loads((out / "manifest.json").read_text())
    assert doc["build"]["xen"] == {
        "image": None,
        "status": "not yet buildable: minios/not-written.mk not written yet",
    }


def test_auto_macs_are_stable_xen_unicast():
    from gen.resolve import auto_mac

    macs = {auto_mac(n, i) for n in ("httpd", "router", "edge-1") for i in range(4)}
    assert len(macs) == 12
    for m in macs:
        assert m.startswith("00:16:3e:") and int(m.split(":")[3], 16) < 0x80
    assert auto_mac("httpd", 0) == auto_mac("httpd", 0)
