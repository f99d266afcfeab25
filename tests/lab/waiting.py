"""Waiting helper of the lab tests: retry with an explicit count x wait."""

from __future__ import annotations

import time

import pytest


def run_and_expect(fn, count: int, wait: float, what: str):
    """Call fn() up to `count` times, `wait` s apart, until it returns a truthy value."""
    for _ in range(count):
        got = fn()
        if got:
            return got
        time.sleep(wait)
    pytest.fail(f"{what}: not seen after {count} x {wait} s")
