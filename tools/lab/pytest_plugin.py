"""pytest fixture `lab`: one Xen lab per test session, shared by every suite.

Use it from a suite's conftest.py:
    from tools.lab.pytest_plugin import lab  # noqa: F401  (the fixture)
and mark the tests `@pytest.mark.lab`. The fixture reuses a lab that is already up, else
boots one; each session registers as a user of the lab while it runs. At the end
(whatever the outcome) the last session out stops a lab that pytest booted; a lab
started with `rumpnet lab up` or by other code stays; RUMPNET_LAB_KEEP=1 keeps it too.
Tests without root are skipped. Not here: the lab itself (tools/lab/lab.py).
"""

from __future__ import annotations

import os

import pytest

from tools.lab.lab import Lab, LabError


class LabSession:
    """The session's lab, registered as one of its users while the session runs."""

    def __init__(self) -> None:
        self.lab: Lab | None = None

    def get(self) -> Lab:
        if self.lab is not None and self.lab.healthy():
            return self.lab
        self.lab = Lab.up(owner="pytest", dhcp=True)  # the lab's tests need DHCP
        self.lab.add_user()
        return self.lab

    def finish(self) -> None:
        """Leave the lab; the last pytest session out stops a lab pytest booted
        (unless RUMPNET_LAB_KEEP is set). Labs started by `rumpnet lab up` stay."""
        if self.lab is not None:
            if os.environ.get("RUMPNET_LAB_KEEP"):
                self.lab.set_owner("api")  # no longer pytest's to stop
            self.lab.release(progress=lambda msg: None)
        self.lab = None


@pytest.fixture(scope="session")
def lab_session():
    if os.geteuid() != 0:
        pytest.skip("the Xen lab needs root (namespaces, TAPs)")
    session = LabSession()
    try:
        yield session
    finally:
        session.finish()


@pytest.fixture(scope="session")
def lab(lab_session) -> Lab:
    try:
        return lab_session.get()
    except LabError as e:
        pytest.fail(f"the Xen lab did not come up: {e}", pytrace=False)
