"""minios's freestanding libc, compiled for the host and checked against Python.

The Xen image cannot be unit-tested in place, but its libc is plain C: this builds
appliance/minios/libc/{printf,string,stdlib}.c with the minios include paths into a
shared object (-Bsymbolic, so calls stay inside it) and compares snprintf and strtol
results with Python's own formatting and int() on many cases.
"""

from __future__ import annotations

import ctypes
import subprocess

import pytest

from tests.conftest import REPO

MINIOS = REPO / "appliance" / "minios"

STUBS = r"""
#include <stdarg.h>
#include <stddef.h>
void hyp_console_write(const char *s, size_t n) { (void)s; (void)n; }
int hyp_vprintf(const char *fmt, va_list ap) { (void)fmt; (void)ap; return 0; }
void *hyp_malloc(size_t n) { static char pool[1 << 16]; static size_t used;
  void *p = pool + used; used += (n + 15) & ~15UL; return p; }
void *hyp_calloc(size_t a, size_t b) { return hyp_malloc(a * b); }
void *hyp_memalign(size_t a, size_t n) { (void)a; return hyp_malloc(n); }
void hyp_free(void *p) { (void)p; }
size_t minios_malloc_usable_size(void *p) { (void)p; return 0; }
void hyp_panic(const char *fmt, ...) { (void)fmt; for (;;); }
void hyp_exit(int how, int st) { (void)how; (void)st; for (;;); }
long long hyp_clock_wall(void) { return 0; }
static int err; int *__errno_location(void) { return &err; }
"""


@pytest.fixture(scope="module")
def libc(tmp_path_factory):
    d = tmp_path_factory.mktemp("minios-libc")
    (d / "stubs.c").write_text(STUBS)
    gcc_inc = subprocess.run(
        ["gcc", "-print-file-name=include"], capture_output=True, text=True, check=True
    ).stdout.strip()
    so = d / "libminiosc.so"
    srcs = [MINIOS / "libc" / f for f in ("printf.c", "string.c", "stdlib.c")]
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-ffreestanding",
         "-fno-tree-loop-distribute-patterns", "-nostdinc", "-isystem", gcc_inc,
         "-I", str(MINIOS / "libc" / "include"), "-I", str(REPO / "appliance" / "include"),
         "-Wl,-Bsymbolic", "-nostdlib", "-o", str(so), *map(str, srcs), str(d / "stubs.c")],
        check=True,
    )  # fmt: skip
    return ctypes.CDLL(str(so))


def fmt(libc, f: str, *args) -> str:
    buf = ctypes.create_string_buffer(256)
    cargs = [
        ctypes.c_longlong(a) if isinstance(a, int) else ctypes.c_char_p(a.encode()) for a in args
    ]
    n = libc.snprintf(buf, ctypes.c_size_t(256), f.encode(), *cargs)
    assert n == len(buf.value)
    return buf.value.decode()


CASES = [
    ("%d", 0), ("%d", -42), ("%5d", 42), ("%-5d|", 42), ("%05d", -42), ("%+d", 7),
    ("% d", 7), ("%.3d", 5), ("%x", 255), ("%X", 0xBEEF), ("%#x", 255), ("%08x", 0xABC),
    ("%o", 8), ("%u", 4000000000), ("%lld", -(2**62)), ("%llu", 2**64 - 1),
    ("%lx", 2**63), ("%s", "hello"), ("%10s|", "hi"), ("%-10s|", "hi"), ("%.2s", "hello"),
    ("%c", 65), ("%%", None), ("%5.1s|", "xyz"), ("%zu", 123456), ("%hhu", 257),
]  # fmt: skip


@pytest.mark.parametrize(("f", "arg"), CASES)
def test_snprintf_matches_python(libc, f, arg):
    args = () if arg is None else (arg,)
    pyf = f.replace("ll", "").replace("l", "").replace("z", "").replace("hh", "")
    expect = pyf % ((chr(arg),) if f == "%c" else args) if args else pyf % ()
    if f == "%hhu":
        expect = "1"
    assert fmt(libc, f, *args) == expect


def test_snprintf_truncates_and_counts(libc):
    buf = ctypes.create_string_buffer(8)
    n = libc.snprintf(buf, ctypes.c_size_t(4), b"%s", ctypes.c_char_p(b"abcdef"))
    assert n == 6 and buf.value == b"abc"


@pytest.mark.parametrize(
    ("text", "base", "value", "rest"),
    [("123", 10, 123, ""), ("  -77x", 10, -77, "x"), ("0x1f", 16, 31, ""), ("0x1f", 0, 31, ""),
     ("017", 0, 15, ""), ("zz", 36, 1295, ""), ("abc", 10, 0, "abc")],
)  # fmt: skip
def test_strtol(libc, text, base, value, rest):
    libc.strtol.restype = ctypes.c_long
    end = ctypes.c_char_p()
    src = ctypes.c_char_p(text.encode())
    got = libc.strtol(src, ctypes.byref(end), base)
    assert got == value
    assert end.value.decode() == rest
