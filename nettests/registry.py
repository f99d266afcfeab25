"""registry - what a check is: id, RFC, section, level, protocol, profiles.

Implements: the @check decorator (a pytest marker carrying the metadata, plus
a protocol marker and `slow` where asked), the Unknown outcome, and the
Record a check fills with what it expected and what it saw.
Not here: running checks or writing results (plugin.py, report.py).

Results: pass, fail, unknown (inconclusive / DUT unreachable), error (rig
fault), skip (with reason).
"""

from dataclasses import dataclass, field

import pytest

LEVELS = ("MUST", "SHOULD", "MAY")
PROTOCOLS = (
    "preflight",
    "arp",
    "ipv4",
    "icmp",
    "udp",
    "tcp",
    "http",
    "forwarding",
    "dhcp",
    "fuzz",
    "rig",
)
PROFILES = ("httpd", "router")


class Unknown(Exception):
    """The check could not decide (DUT unreachable, stimulus not applicable)."""


@dataclass(frozen=True)
class CheckSpec:
    id: str
    rfc: str
    section: str
    level: str
    proto: str
    profiles: tuple
    title: str = ""


def check(
    cid: str,
    *,
    rfc: str,
    section: str,
    level: str,
    proto: str,
    profiles=("httpd",),
    slow: bool = False,
    title: str = "",
):
    """Decorate a test function as a conformance check."""
    assert level in LEVELS, level
    assert proto in PROTOCOLS, proto
    spec = CheckSpec(cid, rfc, section, level, proto, tuple(profiles), title)
    marks = [pytest.mark.rnt(spec), getattr(pytest.mark, proto)]
    if slow:
        marks.append(pytest.mark.slow)

    def deco(fn):
        for m in marks:
            fn = m(fn)
        return fn

    return deco


def spec_of(item) -> CheckSpec | None:
    mark = item.get_closest_marker("rnt")
    return mark.args[0] if mark else None


@dataclass
class Record:
    """Filled by the check (expected/actual/notes), completed by the plugin."""

    expected: str = ""
    actual: str = ""
    notes: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def saw(self, expected: str, actual) -> None:
        self.expected, self.actual = expected, summarize(actual)


def summarize(obj) -> str:
    if obj is None:
        return "nothing"
    if isinstance(obj, list):
        return "; ".join(summarize(x) for x in obj[:6]) + (" ..." if len(obj) > 6 else "")
    if hasattr(obj, "summary"):
        try:
            return obj.summary()
        except Exception:
            return repr(obj)[:300]
    return str(obj)[:500]
