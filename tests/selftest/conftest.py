"""The selftest suites' fixtures: the lab's session-scoped `lab` (tools/lab)."""
