"""wire - the parent side of a rig port, and deadline-based waiting.

Implements: Port (send frames, capture everything from a mark, wait for a
matching frame or for silence, save a pcap per check) on top of a worker
process in the port's namespace, and run_and_expect(), the one polling helper
every wait in the rig goes through. Not here: protocol logic (checks/).
"""

import multiprocessing
import threading
import time
from dataclasses import dataclass

from scapy.all import Ether, Packet, wrpcap

from nettests.worker import worker_main

IN, OUT = 0, 1


@dataclass
class Frame:
    ts: float
    direction: int  # IN: arrived at the rig port; OUT: left it
    data: bytes
    injected: bool = False  # sent by the rig itself

    def pkt(self) -> Packet:
        p = Ether(self.data)
        p.time = self.ts
        return p


def run_and_expect(func, deadline: float, interval: float = 0.05):
    """Call func() until it returns a truthy value or `deadline` (seconds from
    now) passes; return the last value. The one wait primitive of the rig."""
    end = time.monotonic() + deadline
    while True:
        value = func()
        if value or time.monotonic() >= end:
            return value
        time.sleep(min(interval, max(0.0, end - time.monotonic())))


class Port:
    """A rig port: a raw L2 socket on `ifname` inside netns `ns_name`."""

    def __init__(self, ns_name: str, ifname: str, label: str):
        self.ns_name, self.ifname, self.label = ns_name, ifname, label
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=worker_main,
            args=(child, ns_name, ifname),
            daemon=True,
            name=f"rnt-port-{label}",
        )
        self.proc.start()
        child.close()
        if not self._conn.poll(20):
            raise RuntimeError(f"port worker for {ns_name}:{ifname} did not start")
        kind, mac = self._conn.recv()
        self.mac = ":".join(f"{b:02x}" for b in mac)
        self.frames: list[Frame] = []
        self.errors: list[str] = []
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._subscribers: list = []
        self._acks = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                kind, ts, direction, data = self._conn.recv()
            except (EOFError, OSError):
                return
            with self._cond:
                if kind in ("f", "fi"):
                    self.frames.append(Frame(ts, direction, data, injected=kind == "fi"))
                elif kind == "ack":
                    self._acks += 1
                else:
                    self.errors.append(data.decode())
                self._cond.notify_all()
                subscribers = list(self._subscribers)
            if kind == "f" and direction == IN:
                for cb in subscribers:
                    try:
                        cb(data)
                    except Exception as exc:  # a rig fault, kept for the check
                        self.errors.append(f"subscriber {cb!r}: {exc!r}")

    def subscribe(self, callback) -> None:
        """callback(frame_bytes) for every incoming frame (reader thread)."""
        with self._cond:
            self._subscribers.append(callback)

    def unsubscribe(self, callback) -> None:
        with self._cond:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def own(self, networks: list[str]) -> None:
        """Answer ARP for these addresses/networks with this port's MAC."""
        self._owned = list(networks)
        with self._cond:
            want = self._acks + 1
        with self._send_lock:
            self._conn.send(("own", list(self._owned)))
        # synchronous: once this returns the worker answers for these addresses
        if not run_and_expect(lambda: self._acks >= want, 5, 0.005):
            raise RuntimeError(f"port worker {self.label} did not take the address list")

    def own_add(self, network: str) -> None:
        self.own([*getattr(self, "_owned", []), network])

    def send(self, *pkts) -> float:
        frames = []
        for p in pkts:
            if isinstance(p, (list, tuple)):
                frames += [bytes(x) for x in p]
            else:
                frames.append(bytes(p))
        now = time.time()
        with self._cond:
            for f in frames:
                self.frames.append(Frame(now, OUT, f, injected=True))
        with self._send_lock:
            self._conn.send(("send", frames))
        return now

    def mark(self) -> int:
        with self._cond:
            return len(self.frames)

    def since(self, mark: int = 0, direction: int | None = IN) -> list[Frame]:
        with self._cond:
            frames = self.frames[mark:]
        return [f for f in frames if direction is None or f.direction == direction]

    def expect(
        self,
        match,
        timeout: float = 2.0,
        since: int | None = None,
        count: int = 1,
        direction: int = IN,
    ) -> list[Packet]:
        """Wait until `count` frames after `since` satisfy match(pkt); return them
        (fewer if the deadline passed)."""
        start = self.mark() if since is None else since
        end = time.monotonic() + timeout
        scanned, hits = start, []
        while True:
            with self._cond:
                new = self.frames[scanned:]
                base = scanned
                scanned += len(new)
            for i, f in enumerate(new):
                if f.direction != direction or f.injected:
                    continue
                try:
                    p = f.pkt()
                    ok = match(p)
                except Exception:  # a malformed frame never matches
                    ok = False
                if ok:
                    p.rnt_index = base + i  # where it sits in self.frames
                    hits.append(p)
                    if len(hits) >= count:
                        return hits
            remaining = end - time.monotonic()
            if remaining <= 0:
                return hits
            with self._cond:
                if len(self.frames) == scanned:
                    self._cond.wait(min(remaining, 0.05))

    def expect_one(self, match, timeout: float = 2.0, since: int | None = None):
        hits = self.expect(match, timeout, since)
        return hits[0] if hits else None

    def quiet(self, match, window: float, since: int | None = None) -> list[Packet]:
        """Frames matching during the whole `window` (an absence check)."""
        start = self.mark() if since is None else since
        end = time.monotonic() + window
        while time.monotonic() < end:
            with self._cond:
                self._cond.wait(max(0.0, min(0.1, end - time.monotonic())))
        return [p for p in self._parsed(start) if _safe(match, p)]

    def _parsed(self, start: int, direction: int = IN) -> list[Packet]:
        out = []
        for f in self.since(start, direction):
            if f.injected:
                continue
            try:
                out.append(f.pkt())
            except Exception:
                continue
        return out

    def write_pcap(self, path, since: int = 0) -> int:
        frames = self.since(since, direction=None)
        pkts = []
        for f in frames:
            p = Ether(f.data) if len(f.data) >= 14 else None
            if p is None:
                continue
            p.time = f.ts
            pkts.append(p)
        wrpcap(str(path), pkts, linktype=1)  # an empty capture is still a valid file
        return len(pkts)

    def close(self) -> None:
        try:
            self._conn.send(("stop", None))
        except (OSError, EOFError):
            pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)


def _safe(match, p) -> bool:
    try:
        return bool(match(p))
    except Exception:
        return False
