"""minios libc's sscanf() and bsearch() (appliance/minios/libc/scan.c, which the Xen
apps need for MACs, route specs and the content index), compiled for the host into a
shared object with the minios include paths and called through ctypes: results are
compared with what C's sscanf is specified to give.
"""

from __future__ import annotations

import ctypes
import subprocess

import pytest

from tests.conftest import REPO

MINIOS = REPO / "appliance" / "minios"


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    d = tmp_path_factory.mktemp("minios-scan")
    gcc_inc = subprocess.run(
        ["gcc", "-print-file-name=include"], capture_output=True, text=True, check=True
    ).stdout.strip()
    so = d / "libscan.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-ffreestanding",
         "-fno-tree-loop-distribute-patterns", "-nostdinc", "-isystem", gcc_inc,
         "-I", str(MINIOS / "libc" / "include"), "-I", str(REPO / "appliance" / "include"),
         "-Wl,-Bsymbolic", "-nostdlib", "-o", str(so), str(MINIOS / "libc" / "scan.c")],
        check=True,
    )  # fmt: skip
    return ctypes.CDLL(str(so))


def test_mac_with_hex_conversions(scan):
    b = [ctypes.c_uint() for _ in range(6)]
    n = scan.sscanf(b"00:16:3e:7f:AD:f3", b"%x:%x:%x:%x:%x:%x", *map(ctypes.byref, b))
    assert n == 6 and [x.value for x in b] == [0, 0x16, 0x3E, 0x7F, 0xAD, 0xF3]


def test_route_spec_with_string_widths(scan):
    p, v, g = (ctypes.create_string_buffer(40) for _ in range(3))
    n = scan.sscanf(b"198.51.100.128/26  via\t198.51.100.2", b"%39s %7s %19s", p, v, g)
    assert (n, p.value, v.value, g.value) == (3, b"198.51.100.128/26", b"via", b"198.51.100.2")
    n = scan.sscanf(b"0123456789", b"%4s", p)
    assert (n, p.value) == (1, b"0123")


def test_integers_literals_and_count(scan):
    x, y, pos = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    assert scan.sscanf(b"12 -7x", b"%d %d%n", ctypes.byref(x), ctypes.byref(y),
                       ctypes.byref(pos)) == 2  # fmt: skip
    assert (x.value, y.value, pos.value) == (12, -7, 5)
    assert scan.sscanf(b"1.2", b"%d.%d", ctypes.byref(x), ctypes.byref(y)) == 2
    assert scan.sscanf(b"0x1f", b"%i", ctypes.byref(x)) == 1 and x.value == 31


def test_failures_and_eof(scan):
    x = ctypes.c_int(99)
    assert scan.sscanf(b"", b"%d", ctypes.byref(x)) == -1  # EOF before any conversion
    assert scan.sscanf(b"abc", b"%d", ctypes.byref(x)) == 0 and x.value == 99
    assert scan.sscanf(b"1-2", b"%d.%d", ctypes.byref(x), ctypes.byref(x)) == 1


def test_bsearch_finds_every_element_and_nothing_else(scan):
    arr = (ctypes.c_int * 6)(1, 3, 5, 7, 9, 11)
    cmp_t = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)

    @cmp_t
    def cmp(a, b):
        return ctypes.c_int.from_address(a).value - ctypes.c_int.from_address(b).value

    scan.bsearch.restype = ctypes.c_void_p
    base = ctypes.addressof(arr)
    for k in range(13):
        key = ctypes.c_int(k)
        got = scan.bsearch(ctypes.byref(key), arr, ctypes.c_size_t(6), ctypes.c_size_t(4), cmp)
        assert got == (base + 4 * [1, 3, 5, 7, 9, 11].index(k) if k % 2 else None), k
