"""Pre-flight: the rig is isolated from the host stack before any check runs.

Checks: rig ports carry no address, offloads are off on rig-created
interfaces, when the DUT answers a scapy SYN nothing but scapy answers
back (no stray RST from a kernel stack), and (httpd, whose DHCP client the
rig checks) no DHCP server but the rig's own answers on the LAN. A failure here fails every later
check as a rig error.
"""

import json

from nettests.nsutil import ns_run
from nettests.preflight import foreign_dhcp_offers, stray_frames
from nettests.registry import check
from nettests.topo import offloads_of


@check(
    "preflight.rig_ports_have_no_address",
    rfc="rig",
    section="isolation",
    level="MUST",
    proto="preflight",
    profiles=("httpd", "router"),
)
def test_rig_ports_have_no_address(dut, rec):
    for side in dut.sides:
        out = ns_run(side.port.ns_name, ["ip", "-j", "addr", "show", "dev", side.port.ifname])
        addrs = [a["local"] for link in json.loads(out.stdout) for a in link.get("addr_info", [])]
        rec.saw("no address on rig ports", f"{side.port.ifname}: {addrs}")
        assert not addrs, f"rig port {side.port.ifname} carries {addrs}"


@check(
    "preflight.offloads_disabled",
    rfc="rig",
    section="isolation",
    level="MUST",
    proto="preflight",
    profiles=("httpd", "router"),
)
def test_offloads_disabled(dut, rec):
    for side in dut.sides:
        feats = offloads_of(side.port.ns_name, side.port.ifname)
        on = [
            k
            for k in (
                "tx-checksumming",
                "rx-checksumming",
                "tcp-segmentation-offload",
                "generic-receive-offload",
            )
            if feats.get(k) == "on"
        ]
        rec.saw("checksum/segmentation offloads off", f"{side.port.ifname}: on={on}")
        assert not on, f"offloads still on at {side.port.ifname}: {on}"


@check(
    "preflight.no_stray_host_rst",
    rfc="rig",
    section="isolation",
    level="MUST",
    proto="preflight",
    profiles=("httpd", "router"),
)
def test_no_stray_host_rst(dut, rec):
    side = dut.lan
    if dut.profile == "router":  # a SYN forwarded to a scapy address on the far side
        far = dut.sides[1]
        dst, dport = far.rig_ip(), 40002
    else:  # the httpd's SYN-ACK to a scapy address
        dst, dport = side.dut_ip, dut.http_port
    answer, outgoing = stray_frames(side, dut.sides, side.rig_ip(), dst, dport, dut.quiet)
    rec.saw(
        "only the rig's own frames leave the rig ports",
        f"{len(outgoing)} foreign outgoing frames; stimulus answered by "
        f"{answer.summary() if answer is not None else None}",
    )
    assert answer is not None, "the SYN drew no answer (pre-flight needs one)"
    assert not outgoing, f"something in the rig namespace answered: {outgoing[:3]}"


# a DHCP server may probe an address (ping) for seconds before it offers it
DHCP_OFFER_WINDOW = 5.0


@check(
    "preflight.no_foreign_dhcp_server",
    rfc="rig",
    section="isolation",
    level="MUST",
    proto="preflight",
    profiles=("httpd",),
)
def test_no_foreign_dhcp_server(dut, rec):
    offers = foreign_dhcp_offers(dut.lan, max(DHCP_OFFER_WINDOW, 2 * dut.quiet))
    rec.saw(
        "no answer to a DHCPDISCOVER from a scapy MAC (the rig's server is the only one)",
        [p.summary() for p in offers],
    )
    assert not offers, f"a DHCP server on the LAN answers: {offers[0].summary()}"
