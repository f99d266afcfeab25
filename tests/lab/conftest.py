"""Lab suite fixtures: the session-wide `lab` and a reference-DomU factory."""

from __future__ import annotations

import pytest


@pytest.fixture
def ref_guest(lab):
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
