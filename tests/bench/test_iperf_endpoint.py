"""The httpd appliance's iperf endpoint (lwIP's lwiperf behind the parameter
iperf=on), on the wire against Debian's iperf 2: closed without the parameter,
and with it both directions of a tradeoff test (`iperf -c -r`) move data, the
second over the connection the appliance opens back to the client."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from nettests.nsutil import socket_in
from tests.conftest import REPO
from tools.bench import iperf
from tools.bench.sides import IPERF_PORT, PosixSides

pytestmark = [
    pytest.mark.posix,
    pytest.mark.skipif(os.geteuid() != 0, reason="namespaces and TAP devices need root"),
]


@pytest.fixture(scope="module")
def httpd(tmp_path_factory):
    out = tmp_path_factory.mktemp("iperf") / "httpd"
    gen = subprocess.run(
        [sys.executable, "-m", "gen.cli", "gen", "httpd", "-o", str(out), "--platform", "posix"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert gen.returncode == 0, gen.stderr
    return out


def test_iperf_port_is_closed_without_the_parameter(httpd):
    with PosixSides(httpd, params=()) as sides:
        s = socket_in(sides.client)
        s.settimeout(5)
        try:
            with pytest.raises(ConnectionRefusedError):
                s.connect((sides.appliance_ip, IPERF_PORT))
            s2 = socket_in(sides.client)
            s2.settimeout(5)
            s2.connect((sides.appliance_ip, 80))  # the httpd itself is there
            s2.close()
        finally:
            s.close()


def test_iperf_on_answers_both_directions(httpd):
    with PosixSides(httpd, params=("iperf=on",)) as sides:
        res = iperf.tradeoff(sides.client_prefix(), sides.appliance_ip, 1)
    assert res.rx_bytes > 1_000_000 and res.tx_bytes > 1_000_000, res
