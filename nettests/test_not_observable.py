"""Checks from CONFORMANCE.md the rig cannot observe from the wire (yet).

Each is listed as a check that skips with the reason, so the HTML report's
coverage shows it instead of silently leaving it out.
"""

import pytest

from nettests.registry import check

AGENT = "needs a DUT agent (a control channel to make the appliance open, write or stop reading)"
NOT_OBSERVABLE = [
    ("tcp.simultaneous_open", "RFC 9293", "3.10.7.3 (MUST-10)", "MUST", "tcp", AGENT),
    ("tcp.rst_with_zero_receive_window", "RFC 9293", "3.4 (MUST-66)", "MUST", "tcp", AGENT),
    ("tcp.nagle_and_disable", "RFC 9293", "3.7.4 (SHLD-7, MUST-17)", "MUST", "tcp", AGENT),
    ("tcp.silly_window_avoidance", "RFC 9293", "3.8.6.2 (MUST-38/39)", "MUST", "tcp", AGENT),
    (
        "tcp.keepalive_off_by_default",
        "RFC 9293",
        "3.8.4 (MUST-24/25)",
        "MUST",
        "tcp",
        "the default idle time is two hours; an absence over a test's minutes proves nothing",
    ),
    (
        "tcp.syn_r2_three_minutes",
        "RFC 9293",
        "3.8.3 (MUST-23)",
        "MUST",
        "tcp",
        "concerns the DUT's own SYNs: " + AGENT,
    ),
    (
        "tcp.shrinking_window_robust",
        "RFC 9293",
        "3.8.6 (MUST-34)",
        "MUST",
        "tcp",
        "needs the DUT to have more than one window of data queued; not written yet",
    ),
    (
        "icmp.redirect_only_from_first_hop",
        "RFC 1122",
        "3.2.2.2",
        "MUST",
        "icmp",
        "the httpd appliance has no gateway in the rig topology, so a redirect has nothing "
        "to change",
    ),
    (
        "icmp.no_error_about_icmp_error",
        "RFC 1122",
        "3.2.2",
        "MUST",
        "icmp",
        "no stimulus makes a host generate an error about an ICMP error it received",
    ),
    (
        "arp.cache_timeout",
        "RFC 1122",
        "2.3.2.1",
        "MUST",
        "arp",
        "entry lifetimes are minutes; not written yet",
    ),
    (
        "dhcp.init_start_delay",
        "RFC 2131",
        "4.4.1",
        "SHOULD",
        "dhcp",
        "needs the client's boot time as a reference point",
    ),
    (
        "dhcp.init_reboot",
        "RFC 2131",
        "4.4.2 / 3.2",
        "MUST",
        "dhcp",
        "the appliances keep no lease across boots",
    ),
    (
        "forwarding.redirect_host_code_only",
        "RFC 1812",
        "5.2.7.2",
        "MUST",
        "forwarding",
        "needs a second router on one segment and a route via it in the appliance profile",
    ),
    (
        "forwarding.static_routes_longest_prefix",
        "RFC 1812",
        "5.2.4",
        "MUST",
        "forwarding",
        "needs static routes in the appliance profile (rig address plan has none)",
    ),
]


def _make(cid, rfc, section, level, proto, reason):
    profiles = ("router",) if proto == "forwarding" else ("httpd",)

    @check(cid, rfc=rfc, section=section, level=level, proto=proto, profiles=profiles)
    def test(profile):
        pytest.skip(f"not observable: {reason}")

    test.__name__ = "test_" + cid.replace(".", "_")
    return test


for _entry in NOT_OBSERVABLE:
    _fn = _make(*_entry)
    globals()[_fn.__name__] = _fn
