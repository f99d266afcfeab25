"""worker - one process per rig port: a raw L2 socket inside a netns.

Implements: the child side of a rig port. It enters the namespace, opens one
long-lived AF_PACKET socket on the interface, streams every received frame
(incoming, and outgoing frames sent by anything else in that namespace) to the
parent with a timestamp, sends the frames the parent hands it, and answers
ARP requests for the addresses the parent says the rig owns (so scapy-driven
addresses need no host IP). Not here: packet parsing or matching (wire.py).
"""

import ipaddress
import socket
import struct
import threading
import time

from nettests.nsutil import setns

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def _arp_reply(frame: bytes, mac: bytes, owned) -> bytes | None:
    """An ARP reply if `frame` is a request for an address in `owned`."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", frame[14:22])
    if (htype, ptype, hlen, plen, op) != (1, 0x0800, 6, 4, 1):
        return None
    sha, spa, tpa = frame[22:28], frame[28:32], frame[38:42]
    target = ipaddress.IPv4Address(tpa)
    if not any(target in net for net in owned) or spa == tpa:
        return None
    eth = sha + mac + b"\x08\x06"
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + tpa + sha + spa
    return eth + arp + b"\x00" * 18


def worker_main(conn, ns_name: str, ifname: str) -> None:
    setns(ns_name)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((ifname, 0))
    mac = sock.getsockname()[4][:6]
    owned: list = []
    lock = threading.Lock()
    conn.send(("ready", mac))

    def rx_loop():
        while True:
            try:
                data, addr = sock.recvfrom(65536)
            except OSError:
                return
            ts = time.time()
            if addr[2] != PACKET_OUTGOING and owned:
                reply = _arp_reply(data, mac, owned)
                if reply is not None:
                    sock.send(reply)
                    with lock:
                        conn.send(("f", ts, 0, data))
                        conn.send(("fi", time.time(), 1, reply))  # rig-made
                    continue
            with lock:
                try:
                    conn.send(("f", ts, 1 if addr[2] == PACKET_OUTGOING else 0, data))
                except (OSError, EOFError):
                    return

    threading.Thread(target=rx_loop, daemon=True).start()
    while True:
        try:
            cmd, arg = conn.recv()
        except (EOFError, OSError):
            break
        if cmd == "send":
            for frame in arg:
                try:
                    sock.send(frame)
                except OSError as exc:  # e.g. frame too long for the MTU
                    with lock:
                        conn.send(("err", time.time(), 0, str(exc).encode()))
        elif cmd == "own":
            owned[:] = [ipaddress.IPv4Network(n) for n in arg]
            with lock:
                conn.send(("ack", time.time(), 0, b"own"))
        elif cmd == "stop":
            break
    sock.close()
