"""The self-test app on the POSIX platform: every generic check passes, clean exit.

Builds appliance/ with PLATFORM=posix APP=selftest and runs it as a Linux process
(tools/selftest.py); the same checks run on Xen in test_selftest_xen.py.
"""

from __future__ import annotations

import pytest

from tools import selftest

pytestmark = pytest.mark.posix


@pytest.fixture(scope="module")
def posix_image(tmp_path_factory):
    return selftest.build("posix", tmp_path_factory.mktemp("selftest-posix"))


def test_every_check_passes_and_exit_is_clean(posix_image):
    params = selftest.params_for("tok123abc", tolerance_ms=100, hold_s=0)
    rep = selftest.run_posix(posix_image, params)
    rep.token_expected = "tok123abc"
    assert rep.ok(), "\n".join(rep.problems()) + "\n" + rep.console
    names = {c.name for c in rep.checks}
    assert {"alloc_stress", "thread_pingpong", "timers_order", "param", "memory"} <= names


def test_report_catches_a_failed_check():
    text = (
        "selftest: check=a result=pass detail=x\n"
        "selftest: check=b result=fail detail=broken\n"
        "selftest: summary passed=1 failed=1\n"
        "rumpnet: exit poweroff status 1\n"
    )
    rep = selftest.parse_console(text, "posix")
    assert not rep.ok()
    assert any("check b failed" in p for p in rep.problems())
    assert any("status 1" in p for p in rep.problems())
