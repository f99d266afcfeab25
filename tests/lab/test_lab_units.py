"""Lab pieces that need no lab: xl output parsing, the initramfs writer, ELF reading,
the PVH probe image. These run everywhere (no root, no QEMU)."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest

from tools.lab.assets import elf_needed
from tools.lab.cpio import Tree
from tools.lab.pvhprobe import build
from tools.lab.xl import mac_for, parse_info, parse_list, parse_network_list

XL_LIST = """Name                                        ID   Mem VCPUs\tState\tTime(s)
Domain-0                                     0   512     1     r-----      11.6
rnm-st1                                      1     8     1     -b----       0.1
"""
XL_NETWORK_LIST = """Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path
0   0  00:16:3e:23:d8:19  0      4     17     768/769         /local/domain/0/backend/vif/5/0
"""


def test_parse_xl_outputs():
    info = parse_info("xen_major : 4\nxen_minor: 17\nvirt_caps : pv hvm hap\nfree_memory : 1512")
    assert info["xen_major"] == 4 and info["free_memory"] == 1512
    assert info["virt_caps_list"] == ["pv", "hvm", "hap"]
    doms = parse_list(XL_LIST)
    assert [(d["name"], d["id"], d["mem"], d["state"]) for d in doms] == [
        ("Domain-0", 0, 512, "r-----"),
        ("rnm-st1", 1, 8, "-b----"),
    ]
    (vif,) = parse_network_list(XL_NETWORK_LIST)
    assert vif["devid"] == 0 and vif["mac"] == "00:16:3e:23:d8:19" and vif["state"] == 4
    assert vif["be_path"] == "/local/domain/0/backend/vif/5/0"


def test_mac_is_stable_unicast_in_xen_oui():
    mac = mac_for("rnlab-x", 1)
    assert mac == mac_for("rnlab-x", 1) != mac_for("rnlab-x", 0)
    assert mac.startswith("00:16:3e:") and int(mac.split(":")[3], 16) < 0x80


@pytest.mark.skipif(not shutil.which("cpio"), reason="needs cpio to read the archive back")
def test_cpio_round_trip(tmp_path):
    tree = Tree()
    tree.file("bin/tool", b"#!/bin/sh\necho hi\n", 0o755)
    tree.symlink("bin/sh", "busybox")
    tree.file("etc/odd", b"x" * 5)  # lengths not multiple of 4 exercise padding
    archive = tree.write(tmp_path / "t.cpio.gz")
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run(
        ["cpio", "-idm", "--quiet"],
        input=gzip.decompress(archive.read_bytes()),
        cwd=out,
        check=True,
    )
    assert (out / "bin/tool").read_bytes() == b"#!/bin/sh\necho hi\n"
    assert (out / "bin/tool").stat().st_mode & 0o777 == 0o755
    assert (out / "bin/sh").readlink().name == "busybox"
    assert (out / "etc/odd").read_bytes() == b"xxxxx"


@pytest.mark.skipif(not Path("/bin/ls").exists(), reason="needs a dynamic /bin/ls")
def test_elf_needed_reads_a_real_binary(tmp_path):
    assert "libc.so.6" in elf_needed(Path("/bin/ls").resolve())
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    assert elf_needed(script) == []


def test_pvh_probe_image_has_entry_note(tmp_path):
    image = build(tmp_path / "p.elf", "tok123").read_bytes()
    assert image[:4] == b"\x7fELF"
    assert b"Xen\0" in image and b"rnlab-pvh-ok tok123\n" in image
    if shutil.which("readelf"):
        notes = subprocess.run(
            ["readelf", "-n", str(tmp_path / "p.elf")], capture_output=True, text=True
        ).stdout
        assert "0x00000012" in notes  # XEN_ELFNOTE_PHYS32_ENTRY
