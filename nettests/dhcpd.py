"""dhcpd - the rig's scriptable DHCP server (scapy), RFC 2131 / RFC 2132.

Implements: DhcpServer, attached to a rig port (it sees every frame there),
answering DISCOVER with OFFER and REQUEST with ACK or NAK from a small pool,
with knobs a check turns per test: stay silent, NAK, wrong xid, ACK instead
of OFFER, lease/T1/T2 times, option overload (option 52: options carried in
the `file` field), extra or replaced options, and a mutate hook that rewrites
the reply bytes (malformed replies). Every client message is logged with its
arrival time. Several servers may share one port (multiple-server checks).
Not here: a DHCP client (dhcpclient.py holds the Linux reference client).
"""

import ipaddress
import threading
import time
from dataclasses import dataclass, field

from scapy.all import BOOTP, DHCP, IP, UDP, Ether

MSG = {
    1: "discover",
    2: "offer",
    3: "request",
    4: "decline",
    5: "ack",
    6: "nak",
    7: "release",
    8: "inform",
}


def options_of(pkt) -> dict:
    out = {}
    if DHCP in pkt:
        for opt in pkt[DHCP].options:
            if isinstance(opt, tuple) and len(opt) >= 2:
                out[opt[0]] = opt[1] if len(opt) == 2 else opt[1:]
    return out


def msg_type(pkt) -> str | None:
    t = options_of(pkt).get("message-type")
    return MSG.get(t, str(t)) if t is not None else None


@dataclass
class Seen:
    ts: float
    kind: str
    pkt: object
    opts: dict = field(default_factory=dict)


class DhcpServer:
    def __init__(
        self,
        port,
        server_ip: str,
        pool: list[str],
        prefixlen: int = 24,
        lease: int = 600,
        t1: int | None = None,
        t2: int | None = None,
        router: str | None = None,
        server_mac: str | None = None,
    ):
        self.port, self.server_ip, self.pool = port, server_ip, list(pool)
        self.prefixlen, self.lease, self.t1, self.t2 = prefixlen, lease, t1, t2
        self.router = router
        self.mac = server_mac or port.mac
        self.answer_discover = True
        self.answer_request = True
        self.nak_requests = False
        self.ack_instead_of_offer = False
        self.xid_delta = 0
        self.overload = False
        self.extra_options: list = []
        self.mutate = None  # callable(bytes) -> bytes | list[bytes]
        self.only_mac: str | None = None
        self.log: list[Seen] = []
        self.sent: list = []
        self.leases: dict[str, str] = {}
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)

    # --- lifecycle ------------------------------------------------------
    def start(self) -> "DhcpServer":
        self.port.own_add(f"{self.server_ip}/32")
        self.port.subscribe(self._on_frame)
        return self

    def stop(self) -> None:
        self.port.unsubscribe(self._on_frame)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- observation ----------------------------------------------------
    def wait_for(self, kind: str, timeout: float, after: int = 0, pred=None) -> Seen | None:
        """The first logged client message of `kind` (index >= after)."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                for s in self.log[after:]:
                    if s.kind == kind and (pred is None or pred(s)):
                        return s
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(min(remaining, 0.1))

    def count(self) -> int:
        with self._lock:
            return len(self.log)

    # --- protocol -------------------------------------------------------
    def _on_frame(self, data: bytes) -> None:
        if len(data) < 282 or data[12:14] != b"\x08\x00" or data[23] != 17:
            return
        pkt = Ether(data)
        if UDP not in pkt or pkt[UDP].dport != 67 or BOOTP not in pkt or pkt[BOOTP].op != 1:
            return
        chaddr = ":".join(f"{b:02x}" for b in bytes(pkt[BOOTP].chaddr)[:6])
        if self.only_mac and chaddr != self.only_mac:
            return
        kind = msg_type(pkt) or "bootp"
        with self._cond:
            self.log.append(Seen(pkt.time, kind, pkt, options_of(pkt)))
            self._cond.notify_all()
        if kind == "discover" and self.answer_discover:
            self._send(pkt, "ack" if self.ack_instead_of_offer else "offer", chaddr)
        elif kind == "request" and self.answer_request:
            opts = options_of(pkt)
            sid = opts.get("server_id")
            if sid is not None and sid != self.server_ip:
                return  # the client chose another server
            self._send(pkt, "nak" if self.nak_requests else "ack", chaddr)

    def address_for(self, chaddr: str) -> str:
        if chaddr not in self.leases:
            self.leases[chaddr] = self.pool[len(self.leases) % len(self.pool)]
        return self.leases[chaddr]

    def build(self, req, kind: str, chaddr: str):
        yiaddr = "0.0.0.0" if kind == "nak" else self.address_for(chaddr)
        mask = str(ipaddress.IPv4Network(f"0.0.0.0/{self.prefixlen}").netmask)
        opts = [("message-type", kind), ("server_id", self.server_ip)]
        if kind != "nak":
            opts += [("lease_time", self.lease), ("subnet_mask", mask)]
            if self.t1 is not None:
                opts.append(("renewal_time", self.t1))
            if self.t2 is not None:
                opts.append(("rebinding_time", self.t2))
            if self.router:
                opts.append(("router", self.router))
        opts += self.extra_options
        file_field = b""
        if self.overload and kind != "nak":
            moved = [o for o in opts if o[0] in ("server_id", "lease_time")]
            opts = [o for o in opts if o not in moved]
            file_field = bytes(DHCP(options=moved + ["end"]))
            opts.append(("dhcp-option-overload", 1))
        opts.append("end")
        ciaddr = req[BOOTP].ciaddr
        unicast = ciaddr != "0.0.0.0" and kind != "nak"
        return (
            Ether(src=self.mac, dst=req[Ether].src if unicast else "ff:ff:ff:ff:ff:ff")
            / IP(src=self.server_ip, dst=ciaddr if unicast else "255.255.255.255")
            / UDP(sport=67, dport=68)
            / BOOTP(
                op=2,
                xid=(req[BOOTP].xid + self.xid_delta) & 0xFFFFFFFF,
                yiaddr=yiaddr,
                siaddr=self.server_ip,
                giaddr=req[BOOTP].giaddr,
                flags=req[BOOTP].flags,
                chaddr=req[BOOTP].chaddr,
                file=file_field.ljust(128, b"\x00"),
            )
            / DHCP(options=opts)
        )

    def _send(self, req, kind: str, chaddr: str) -> None:
        frame = bytes(self.build(req, kind, chaddr))
        frames = [frame]
        if self.mutate is not None:
            out = self.mutate(frame)
            frames = out if isinstance(out, list) else [out]
        self.sent += [(kind, f) for f in frames]
        self.port.send(*frames)


def truncate(frame: bytes, keep: int) -> bytes:
    return frame[:keep]


def fix_lengths(frame: bytes) -> bytes:
    """Recompute IP/UDP lengths and checksums after a byte-level edit."""
    p = Ether(frame)
    if IP in p:
        p[IP].len = None
        p[IP].chksum = None
        if UDP in p:
            p[UDP].len = None
            p[UDP].chksum = None
    return bytes(p)


def set_byte(frame: bytes, offset: int, value: int) -> bytes:
    b = bytearray(frame)
    b[offset] = value
    return bytes(b)


BOOTP_OFF = 14 + 20 + 8  # Ethernet + IP (no options) + UDP
OP_OFF = BOOTP_OFF
CHADDR_OFF = BOOTP_OFF + 28
OPTIONS_OFF = BOOTP_OFF + 236 + 4  # after the magic cookie
