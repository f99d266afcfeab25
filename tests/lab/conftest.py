"""Lab suite fixtures: the session-wide `lab` and a reference-DomU factory."""

from __future__ import annotations

import pytest

from tools.lab.pytest_plugin import lab, lab_session  # noqa: F401  (fixtures)


@pytest.fixture
def ref_guest(lab):  # noqa: F811  (the imported fixture)
    """Factory: start a reference DomU (destroyed after the test)."""
    from tools.lab.guests import create_reference

    made = []

    def make(name: str, bridges=("xenbr0",), **kw):
        lab.destroy(name)
        guest = create_reference(lab, name, bridges=bridges, **kw)
        made.append(name)
        return guest

    yield make
    for name in made:
        lab.destroy(name)
