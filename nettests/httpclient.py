"""httpclient - raw HTTP/1.1 exchanges over a kernel TCP socket.

Implements: exchange(), which sends exact request bytes from a Linux-stack
peer namespace and parses what comes back (status, headers, body framed by
Content-Length / chunked / close) and whether the server closed after the
response. Not here: HTTP verdicts (test_http.py). The requests are written
out byte for byte so malformed framing reaches the DUT unchanged.
"""

import socket
import time
from dataclasses import dataclass, field

from nettests.nsutil import socket_in


@dataclass
class Response:
    status: int | None = None
    reason: str = ""
    version: str = ""
    headers: list = field(default_factory=list)
    body: bytes = b""
    closed: bool = False
    raw: bytes = b""
    error: str = ""

    def header(self, name: str):
        vals = [v for k, v in self.headers if k.lower() == name.lower()]
        return vals[0] if vals else None

    def summary(self) -> str:
        if self.status is None:
            return f"no response ({self.error or 'nothing'}; closed={self.closed})"
        return (
            f"{self.version} {self.status} {self.reason}; {len(self.body)} body bytes; "
            f"closed={self.closed}"
        )


class Conn:
    """One kernel TCP connection from the peer namespace to the DUT."""

    def __init__(self, dut, timeout: float = 3.0):
        self.sock = socket_in(dut.lan.peer_ns, socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect((dut.lan.dut_ip, dut.http_port))
        self.buf = b""
        self.eof = False
        self.timeout = timeout

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, deadline: float) -> bool:
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            return False
        except ConnectionResetError:
            self.eof = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def response(self, head: bool = False, timeout: float | None = None) -> Response:
        deadline = time.monotonic() + (timeout or self.timeout)
        r = Response()
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                r.closed, r.raw = self.eof, self.buf
                r.error = "no complete header"
                return r
        head_bytes, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        r.version = parts[0]
        try:
            r.status = int(parts[1])
        except (IndexError, ValueError):
            r.error = f"bad status line {lines[0]!r}"
            return r
        r.reason = parts[2] if len(parts) > 2 else ""
        r.headers = [tuple(x.strip() for x in ln.split(":", 1)) for ln in lines[1:] if ":" in ln]
        te, cl = r.header("Transfer-Encoding"), r.header("Content-Length")
        if head or r.status in (204, 304) or 100 <= r.status < 200:
            pass
        elif te and "chunked" in te.lower():
            r.body = self._chunked(deadline)
        elif cl is not None:
            n = int(cl)
            while len(self.buf) < n and self._fill(deadline):
                pass
            r.body, self.buf = self.buf[:n], self.buf[n:]
        else:
            while self._fill(deadline):
                pass
            r.body, self.buf = self.buf, b""
        r.raw = head_bytes + b"\r\n\r\n" + r.body
        return r

    def _chunked(self, deadline: float) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buf and self._fill(deadline):
                pass
            if b"\r\n" not in self.buf:
                return body
            line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            while len(self.buf) < size + 2 and self._fill(deadline):
                pass
            if size == 0:  # trailer section up to the empty line
                while True:
                    while b"\r\n" not in self.buf and self._fill(deadline):
                        pass
                    if b"\r\n" not in self.buf:
                        return body
                    line, self.buf = self.buf.split(b"\r\n", 1)
                    if not line:
                        return body
            body += self.buf[:size]
            self.buf = self.buf[size + 2 :]

    def closed_within(self, window: float) -> bool:
        """True when the server closes (EOF/RST) within `window` seconds."""
        deadline = time.monotonic() + window
        while not self.eof and self._fill(deadline):
            pass
        return self.eof

    def close(self) -> None:
        self.sock.close()


def exchange(
    dut, request: bytes, head: bool = False, close_window: float = 0.5, timeout: float = 3.0
) -> Response:
    """Send one raw request; return the response and whether the server closed."""
    try:
        c = Conn(dut, timeout)
    except OSError as exc:
        return Response(error=f"connect: {exc}")
    try:
        c.send(request)
        r = c.response(head=head)
        r.closed = c.closed_within(close_window) if r.status is not None else c.eof
        return r
    except OSError as exc:
        return Response(error=repr(exc), closed=True)
    finally:
        c.close()


def req(
    method: str = "GET",
    target: str = "/",
    version: str = "HTTP/1.1",
    headers: list | None = None,
    body: bytes = b"",
    host: str | None = "rnt.test",
) -> bytes:
    lines = [f"{method} {target} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += headers or []
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
