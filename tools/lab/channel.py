"""Host end of the dom0 control channel (virtio-serial port `rnlab.ctl`).

Why this design: a virtio-serial port is a private, lossless byte pipe that exists
before dom0 has any network and stays off the lab networks that tests sniff; the dom0
end is a 20-line busybox shell agent (files/agent.sh). On the host the port is a FIFO
pair (run/ctl.in, run/ctl.out) that QEMU keeps open, so the port always looks
connected and the agent's read blocks (a socket chardev makes dom0 reads return EOF
whenever no client is connected, forcing the agent to poll). Commands and output travel
base64-framed with a request id, so stray bytes from an interrupted earlier exchange
are skipped, and the exit status comes back explicitly. Files go through the 9p share
instead (fast, no encoding), see lab.py.

Implements: exec(script, timeout) → (rc, output), serialised between processes by a
lock file beside the socket. Not here: the agent itself, or file transfer.
"""

from __future__ import annotations

import base64
import fcntl
import os
import select
import time
from pathlib import Path


class ChannelError(RuntimeError):
    """The agent did not answer (dom0 hung, QEMU gone, or the timeout passed)."""


class Channel:
    def __init__(self, fifo_base: Path) -> None:
        self.base = Path(fifo_base)
        self.lock_path = self.base.with_suffix(".lock")

    def exec(self, script: str, timeout: float = 60) -> tuple[int, str]:
        """Run a shell script in dom0; (exit status, stdout+stderr). Status 137
        means the agent killed it at `timeout` seconds."""
        rid = f"r{os.getpid()}x{time.monotonic_ns() % 10**9}"
        b64 = base64.b64encode(script.encode()).decode()
        tmo = max(1, int(timeout))
        deadline = time.monotonic() + timeout + 15
        with self.lock_path.open("w") as lockf:
            fcntl.flock(lockf, fcntl.LOCK_EX)
            try:
                # O_NONBLOCK: never hang here if QEMU (the FIFOs' other end) is gone
                wfd = os.open(self.base.with_suffix(".in"), os.O_WRONLY | os.O_NONBLOCK)
                rfd = os.open(self.base.with_suffix(".out"), os.O_RDONLY | os.O_NONBLOCK)
            except OSError as e:
                fcntl.flock(lockf, fcntl.LOCK_UN)
                raise ChannelError(f"cannot reach the lab's control channel: {e}") from e
            try:
                _write_all(wfd, f"{rid} {tmo} {b64}\n".encode(), deadline)
                return self._reply(rfd, rid, deadline)
            finally:
                os.close(wfd)
                os.close(rfd)
                fcntl.flock(lockf, fcntl.LOCK_UN)

    @staticmethod
    def _reply(fd: int, rid: str, deadline: float) -> tuple[int, str]:
        buf = b""
        body: list[bytes] | None = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelError("dom0 agent did not answer in time")
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:  # no writer: QEMU is gone
                raise ChannelError("control channel closed (QEMU gone?)")
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.strip()
                if body is None:
                    if line == f"{rid} BEGIN".encode():
                        body = []
                    continue
                if line.startswith(f"{rid} END ".encode()):
                    rc = int(line.split()[2])
                    out = base64.b64decode(b"".join(body)) if body else b""
                    return rc, out.decode(errors="replace")
                body.append(line)


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    while data:
        if time.monotonic() > deadline:
            raise ChannelError("dom0 agent does not take requests")
        _, ready, _ = select.select([], [fd], [], 1.0)
        if ready:
            data = data[os.write(fd, data) :]
