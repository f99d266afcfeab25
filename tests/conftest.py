"""Shared helpers for the generator's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def build_file_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: content} under root (copier's helper, by name)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


@pytest.fixture
def repo() -> Path:
    return REPO
