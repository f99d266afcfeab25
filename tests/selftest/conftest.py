"""The selftest suites' fixtures: the lab's session-scoped `lab` (tools/lab)."""

from tools.lab.pytest_plugin import lab, lab_session  # noqa: F401  (the fixtures)
