"""Where rumpnet keeps what it fetches and builds outside the repository.

The cache root is $RUMPNET_CACHE, else $XDG_CACHE_HOME/rumpnet, else
~/.cache/rumpnet. Not here: what goes in it (each fetcher owns a sub-folder).
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    env = os.environ.get("RUMPNET_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "rumpnet" if xdg else Path.home() / ".cache" / "rumpnet"


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache, created on first use."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
