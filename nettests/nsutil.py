"""nsutil - enter network namespaces without touching the calling thread.

Implements: setns() for the current thread, socket creation inside a named
netns (the socket stays bound to that netns forever), and running a command
in a netns. Not here: creating or deleting namespaces (topo.py).
"""

import ctypes
import os
import socket
import subprocess
import threading

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/var/run/netns"
_libc = ctypes.CDLL(None, use_errno=True)


def setns(name: str) -> None:
    """Move the calling thread into netns `name` (process-wide if single-threaded)."""
    fd = os.open(os.path.join(NETNS_RUN_DIR, name), os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


def socket_in(name: str, family=socket.AF_INET, type_=socket.SOCK_STREAM, proto=0):
    """Create a socket inside netns `name` from a throw-away thread."""
    box: dict = {}

    def worker():
        try:
            setns(name)
            box["sock"] = socket.socket(family, type_, proto)
        except BaseException as exc:  # handed to the caller below
            box["exc"] = exc

    t = threading.Thread(target=worker, name=f"socket_in:{name}")
    t.start()
    t.join()
    if "exc" in box:
        raise box["exc"]
    return box["sock"]


def ns_cmd(name: str, argv: list[str]) -> list[str]:
    """The argv that runs `argv` inside netns `name`."""
    return ["ip", "netns", "exec", name, *argv]


def ns_run(name: str, argv: list[str], check=True, timeout=30) -> subprocess.CompletedProcess:
    return subprocess.run(
        ns_cmd(name, argv), check=check, timeout=timeout, capture_output=True, text=True
    )
