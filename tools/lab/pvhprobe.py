"""A 64-byte PVH guest that proves the lab can start PVH (HVM container) domains.

Implements: an ELF64 image with one PT_LOAD at 1 MiB and the Xen ELF notes a PVH
boot needs (PHYS32_ENTRY, plus GUEST_OS/XEN_VERSION/LOADER), whose 32-bit code writes
"rnlab-pvh-ok TOKEN" to the Xen debug port 0xE9 (shown in `xl dmesg` as "(dN) ..." with
guest_loglvl=all) and halts with interrupts off (Xen then powers the domain off:
reason code 0, as for any HVM guest that halts so). It never takes a page fault, so
QEMU's CR2 bug in nested guests cannot touch it. Not here: booting it (guests.probe_guest_types).
"""

from __future__ import annotations

import struct
from pathlib import Path

BASE = 0x100000
MESSAGE = "rnlab-pvh-ok {token}\n"
XEN_ELFNOTE_GUEST_OS, XEN_ELFNOTE_XEN_VERSION, XEN_ELFNOTE_LOADER = 6, 5, 8
XEN_ELFNOTE_PHYS32_ENTRY = 18


def _code(msg_addr: int) -> bytes:
    return (
        b"\xbe"
        + struct.pack("<I", msg_addr)  # mov esi, msg
        + b"\x66\xba\xe9\x00"  # mov dx, 0xe9
        + b"\xac"  # loop: lodsb
        + b"\x84\xc0"  # test al, al
        + b"\x74\x03"  # jz done
        + b"\xee"  # out dx, al
        + b"\xeb\xf8"  # jmp loop
        + b"\xfa\xf4\xeb\xfc"  # done: cli; hlt; jmp done
    )


def _note(ntype: int, desc: bytes) -> bytes:
    name = b"Xen\0"
    pad = b"\0" * (-len(desc) % 4)
    return struct.pack("<III", len(name), len(desc), ntype) + name + desc + pad


def build(dest: Path, token: str = "") -> Path:
    """Write the probe image; it prints "rnlab-pvh-ok <token>" on port 0xE9."""
    code_len = len(_code(0))
    body = _code(BASE + code_len) + MESSAGE.format(token=token).encode() + b"\0"
    notes = (
        _note(XEN_ELFNOTE_PHYS32_ENTRY, struct.pack("<I", BASE))
        + _note(XEN_ELFNOTE_GUEST_OS, b"rnlab-pvh-probe\0")
        + _note(XEN_ELFNOTE_XEN_VERSION, b"xen-3.0\0")
        + _note(XEN_ELFNOTE_LOADER, b"generic\0")
    )
    ehsize, phsize, phnum = 64, 56, 2
    load_off = 0x1000
    note_off = ehsize + phsize * phnum
    ehdr = struct.pack(
        "<4sBBBBB7sHHIQQQIHHHHHH",
        b"\x7fELF",
        2,
        1,
        1,
        0,
        0,
        b"\0" * 7,  # ELF64, little endian, SysV
        2,
        62,
        1,
        BASE,
        ehsize,
        0,  # ET_EXEC, EM_X86_64, entry, phoff, shoff
        0,
        ehsize,
        phsize,
        phnum,
        64,
        0,
        0,
    )
    load = struct.pack("<IIQQQQQQ", 1, 7, load_off, BASE, BASE, len(body), len(body), 0x1000)
    note = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(notes), len(notes), 4)
    image = ehdr + load + note + notes
    image += b"\0" * (load_off - len(image)) + body
    dest.write_bytes(image)
    return dest
