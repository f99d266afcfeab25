"""tcpscript - packetdrill-style TCP steps driven from scapy.

Implements: TcpPeer, one rig-side TCP endpoint on a scapy-owned address.
Steps are written with numbers relative to each side's ISN (our seq 0 = our
ISN, DUT seq 0 = the DUT's ISN, as packetdrill prints them): send() injects
a segment, expect() takes the DUT's next segment on this connection and
compares it field by field against the expectation, where ANY is a wildcard,
failing with a two-line expected/actual diff. Plus helpers for the common
prefixes: handshake, sending a request, reading the answer.
Not here: verdicts about a particular RFC rule (test_tcp_*.py).
"""

import random
import time

from scapy.all import IP, TCP, Raw

from nettests.probes import l2

ANY = object()
_rand = random.Random(0x7463)


class ScriptFailure(AssertionError):
    pass


def _flags(p) -> str:
    return str(p[TCP].flags)


def fmt(flags, seq, ack, length, win=ANY, opts=ANY) -> str:
    def v(x):
        return "*" if x is ANY else str(x)

    return f"{flags} seq {v(seq)} ack {v(ack)} len {v(length)} win {v(win)}" + (
        "" if opts is ANY else f" <{opts}>"
    )


def http_complete(buf: bytes) -> bool:
    """True once buf holds a whole response framed by Content-Length."""
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return len(body) >= int(value.strip())
            except ValueError:
                return False
    return False


class TcpPeer:
    def __init__(
        self,
        dut,
        dport: int,
        side=None,
        mss: int | None = 1460,
        window: int = 65535,
        wscale: int | None = None,
        sack: bool = False,
        timestamps: bool = False,
        src: str | None = None,
        sport: int | None = None,
    ):
        self.dut, self.side = dut, side or dut.lan
        self.port = self.side.port
        self.src = src or self.side.rig_ip()
        self.dst = self.side.dut_ip
        self.sport = sport or _rand.randrange(30000, 60000)
        self.dport = dport
        self.iss = _rand.randrange(1 << 31)
        self.irs = None
        self.snd_nxt = 0  # relative to iss
        self.rcv_nxt = 0  # relative to irs
        self.window, self.mss, self.wscale = window, mss, wscale
        self.sack, self.timestamps = sack, timestamps
        self.cursor = self.port.mark()
        self.seen: list = []
        self.ts_val = 1000
        self.peer_ts = 0

    # --- building and sending ------------------------------------------
    def syn_options(self) -> list:
        opts = []
        if self.mss is not None:
            opts.append(("MSS", self.mss))
        if self.sack:
            opts.append(("SAckOK", b""))
        if self.timestamps:
            opts.append(("Timestamp", (self.ts_val, 0)))
        if self.wscale is not None:
            opts += [("NOP", None), ("WScale", self.wscale)]
        return opts

    def seg(
        self,
        flags: str = "A",
        seq: int | None = None,
        ack: int | None = None,
        data: bytes = b"",
        window: int | None = None,
        options=None,
        raw_abs=False,
        **tcpkw,
    ):
        """A segment with relative seq/ack (defaults: snd_nxt / rcv_nxt)."""
        rseq = self.snd_nxt if seq is None else seq
        rack = self.rcv_nxt if ack is None else ack
        abs_seq = rseq if raw_abs else (self.iss + rseq) & 0xFFFFFFFF
        abs_ack = (rack if raw_abs else (self.irs or 0) + rack) & 0xFFFFFFFF
        if options is None:
            options = []
            if self.timestamps and self.irs is not None and "R" not in flags:
                options = [("NOP", None), ("NOP", None), ("Timestamp", (self.ts_val, self.peer_ts))]
        t = TCP(
            sport=self.sport,
            dport=self.dport,
            flags=flags,
            seq=abs_seq,
            ack=abs_ack if "A" in flags else 0,
            window=self.window if window is None else window,
            options=options,
            **tcpkw,
        )
        p = l2(self.side) / IP(src=self.src, dst=self.dst) / t
        if data:
            p = p / Raw(data)
        return p

    def send(self, flags: str = "A", data: bytes = b"", advance: bool = True, **kw):
        p = self.seg(flags, data=data, **kw)
        self.port.send(p)
        if advance and kw.get("seq") is None:
            self.snd_nxt += len(data) + ("S" in flags) + ("F" in flags)
        return p

    # --- receiving ------------------------------------------------------
    def _mine(self, p) -> bool:
        return (
            TCP in p
            and p[IP].src == self.dst
            and p[IP].dst == self.src
            and p[TCP].sport == self.dport
            and p[TCP].dport == self.sport
        )

    def next(self, timeout: float = 2.0):
        """The DUT's next segment on this connection, or None at the deadline."""
        hits = self.port.expect(self._mine, timeout, since=self.cursor)
        if not hits:
            self.cursor = self.port.mark()
            return None
        p = hits[0]
        self.cursor = p.rnt_index + 1  # each DUT segment is taken once
        self.seen.append(p)
        if self.timestamps:
            for name, val in p[TCP].options:
                if name == "Timestamp":
                    self.peer_ts = val[0]
        return p

    def rel(self, p) -> tuple:
        t = p[TCP]
        seq = (t.seq - self.irs) & 0xFFFFFFFF if self.irs is not None else t.seq
        ack = (t.ack - self.iss) & 0xFFFFFFFF if "A" in str(t.flags) else None
        return seq, ack, len(t.payload)

    def describe(self, p) -> str:
        if p is None:
            return "nothing"
        seq, ack, n = self.rel(p)
        return fmt(_flags(p), seq, ack, n, p[TCP].window, p[TCP].options)

    def expect(self, flags, seq=ANY, ack=ANY, length=ANY, timeout: float = 2.0, win=ANY):
        """Take the DUT's next segment and require it to match (strict order)."""
        p = self.next(timeout)
        want = fmt(flags, seq, ack, length, win)
        if p is None:
            raise ScriptFailure(f"expected: {want}\n  actual: nothing within {timeout}s")
        rseq, rack, n = self.rel(p)
        ok = (
            set(_flags(p)) == set(flags)
            and (seq is ANY or rseq == seq)
            and (ack is ANY or rack == ack)
            and (length is ANY or n == length)
            and (win is ANY or p[TCP].window == win)
        )
        if not ok:
            raise ScriptFailure(f"expected: {want}\n  actual: {self.describe(p)}")
        return p

    def expect_nothing(self, window: float | None = None, match=None) -> list:
        """Segments from the DUT on this connection during `window` (should be [])."""
        w = self.dut.quiet if window is None else window
        hits = self.port.quiet(
            lambda p: self._mine(p) and (match is None or match(p)), w, since=self.cursor
        )
        self.cursor = self.port.mark()
        return hits

    # --- common prefixes ------------------------------------------------
    def handshake(self, timeout: float = 3.0):
        self.send("S", options=self.syn_options())
        p = self.next(timeout)
        if p is None or set(_flags(p)) != {"S", "A"}:
            raise ScriptFailure(
                f"expected: SA ack 1 (SYN-ACK)\n  actual: "
                f"{p.summary() if p is not None else 'nothing'}"
            )
        self.irs = p[TCP].seq
        self.synack = p
        self.rcv_nxt = 1
        if (p[TCP].ack - self.iss) & 0xFFFFFFFF != 1:
            raise ScriptFailure(f"SYN-ACK acks {(p[TCP].ack - self.iss) & 0xFFFFFFFF}, not 1")
        self.send("A")
        return p

    def request(self, data: bytes):
        return self.send("PA", data=data)

    def read(
        self, until_fin: bool = True, timeout: float = 5.0, ack: bool = True, ack_fin: bool = True
    ) -> bytes:
        """Collect in-order data from the DUT, ACKing it, until FIN, or (until_fin
        False) a complete HTTP response or a 2.5 s quiet gap."""
        buf = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not until_fin and http_complete(buf):
                break
            p = self.next(min(2.5, max(0.05, end - time.monotonic())))
            if p is None:
                if not until_fin and buf:
                    break
                continue
            seq, _, n = self.rel(p)
            if "R" in _flags(p):
                break
            if n and seq == self.rcv_nxt:
                buf += bytes(p[TCP].payload)
                self.rcv_nxt += n
            if "F" in _flags(p) and seq + n == self.rcv_nxt:
                if ack and not ack_fin:
                    self.send("A")  # the data only: the FIN stays unacknowledged
                    return buf
                self.rcv_nxt += 1
                if ack:
                    self.send("A")
                return buf
            if ack and n:
                self.send("A")
        return buf

    def reset(self) -> None:
        """Tear the connection down quietly (RST at snd_nxt)."""
        self.send("R", advance=False, options=[])
