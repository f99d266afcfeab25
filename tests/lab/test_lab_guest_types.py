"""Which guest types run under this QEMU (recorded for `rumpnet lab status`): a tiny PVH
guest with tsc_mode = "native" must run; Linux as PVH is probed and recorded (it dies
on QEMU >= 9.1, see LAB_NOTES). PV is proven by the reference DomU tests."""

from __future__ import annotations

import pytest

from tools.lab.guests import probe_guest_types
from tools.lab.status import status

pytestmark = pytest.mark.lab


def test_tiny_pvh_guest_runs(lab):
    result = probe_guest_types(lab, kinds=("pvh",), timeout=30)["pvh"]
    assert result.startswith("works"), result
    assert status(lab.instance)["guest_types"]["pvh"] == result


def test_linux_pvh_probe_is_recorded(lab):
    result = probe_guest_types(lab, kinds=("pvh-linux",), timeout=45)["pvh-linux"]
    # xl must at least build the HVM container (a config or toolstack error is a failure)
    assert result.startswith(("works", "fails (probed:")), result
    assert "xl create" not in result, result
    assert status(lab.instance)["guest_types"]["pvh-linux"] == result
    print(f"Linux as PVH guest on this QEMU: {result}")
