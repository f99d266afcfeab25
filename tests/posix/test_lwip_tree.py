"""tools/lwip.py: the lwIP tree comes from Debian's verified source package and is
checked before the build uses it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from posixrig import REPO

from tools.lwip import REQUIRED, LwipError, check_tree, lwip_dir, lwip_version


def test_lwip_dir_is_a_verified_lwip_2_1_tree():
    root = lwip_dir()
    assert check_tree(root) == root
    assert lwip_version(root).startswith("2.1.")
    assert (root / ".rumpnet-complete").read_text().startswith("lwip_")  # unpacked from a .dsc
    assert not (REPO / "appliance" / "rumptcpip" / "src").exists()  # never copied in


def test_module_prints_the_path():
    out = subprocess.run(
        [sys.executable, "-m", "tools.lwip"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == str(lwip_dir())


def test_incomplete_tree_rejected(tmp_path):
    with pytest.raises(LwipError, match="not an lwIP source tree"):
        check_tree(tmp_path)
    for rel in REQUIRED:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("#define LWIP_VERSION_MAJOR      1\n")
    with pytest.raises(LwipError, match="major version is not 2"):
        check_tree(tmp_path)
