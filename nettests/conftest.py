"""conftest - makes the rig's pytest plugin active for `pytest nettests`.

Implements nothing itself: re-exports the hooks and fixtures of
nettests/plugin.py (pytest reads pytest_plugins only from a rootdir conftest).
"""

from nettests.plugin import (  # noqa: F401
    _rnt_check,
    dut,
    fuzz_count,
    fuzz_seed,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_generate_tests,
    pytest_runtest_makereport,
    pytest_terminal_summary,
    rec,
    topo,
)
