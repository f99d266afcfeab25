"""Cleanup after a forced failure leaves nothing behind. Uses a private lab instance
(namespace rnlab7) so the lab other tests and suites use stays untouched."""

from __future__ import annotations

import os
import signal

import pytest

from tools.lab import hostnet, state
from tools.lab.lab import Lab, LabError, _lab_processes, clean

pytestmark = pytest.mark.lab
INSTANCE = 8 if state.default_instance() == 7 else 7
QUIET = {"progress": lambda msg: None, "instance": INSTANCE}


def test_clean_after_crash_with_registry_lost(lab_session):
    clean(**QUIET)
    try:
        private = Lab.up(dhcp=True, **QUIET)
        ns = f"rnlab{INSTANCE}"
        assert private.netns == ns and private.bridges == [f"{ns}br0", f"{ns}br1"]
        assert private.exec("xl list | grep -c Domain-0") == (0, "1\n")
        qemu, dnsmasq = private.state["qemu"], private.state["dnsmasq"]
        assert {qemu["pid"], dnsmasq["pid"]} == {p for p, _ in _lab_processes(INSTANCE)}
        # the forced failure: QEMU dies and the registry is lost with it
        os.kill(qemu["pid"], signal.SIGKILL)
        state.clear(INSTANCE)
        assert Lab.attach(INSTANCE) is None
    finally:
        done = clean(**QUIET)
    assert f"removed stray namespace {ns}" in done
    assert any(f"stopped stray process {dnsmasq['pid']}" in line for line in done)
    assert ns not in hostnet.list_namespaces()
    assert _lab_processes(INSTANCE) == []
    assert not state.alive(qemu) and not state.alive(dnsmasq)
    assert state.load(INSTANCE) == {}
    assert clean(**QUIET) == []  # twice is fine


def test_boot_timeout_reports_console_and_cleans_up(lab_session):
    clean(**QUIET)
    with pytest.raises(LabError) as err:
        Lab.up(timeout=4, **QUIET)
    assert "not ready after 4 s; last console lines:" in str(err.value)
    assert "(XEN)" in str(err.value)  # Xen's banner had time to appear
    assert f"rnlab{INSTANCE}" not in hostnet.list_namespaces()
    assert _lab_processes(INSTANCE) == []
    assert state.load(INSTANCE) == {}
