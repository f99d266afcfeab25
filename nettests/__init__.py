"""nettests - the rumpnet conformance rig (scapy + pytest).

Implements: wire-level conformance checks (ARP, IPv4, ICMP, UDP, TCP, HTTP,
forwarding, DHCP client, malformed input) against a target: the Linux
reference stack (linux), the POSIX appliance (posix) or a Xen DomU (xen);
and clean(), which `rumpnet clean` calls to remove what rig runs left behind.
Not here: throughput benchmarks (rumpnet bench), building appliances.
"""


def clean() -> list[str]:
    """Remove the namespaces (and processes) of rig runs that are no longer alive."""
    from nettests.topo import clean as _clean

    return _clean()
