"""Render the text outputs of an appliance from jinja2 templates.

Implements: xl.cfg (the xl domain configuration) and config.h (the C build
configuration with the parameter table), from gen/templates/ with StrictUndefined,
so a template that names a value the resolver did not provide fails loudly.

Not here: the content archive (archive.py), the kernel build (build.py).
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from gen.resolve import Resolved

TEMPLATES = Path(__file__).resolve().parent / "templates"
CONTENT_ARCHIVE = "content.cpio"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,
)


def context(r: Resolved) -> dict:
    p = r.profile
    return {
        "kind": p.kind,
        "name": p.name,
        "profile_name": Path(p.source).name,
        "image": r.image_name,
        "ramdisk": CONTENT_ARCHIVE if p.httpd is not None else None,
        "memory": p.memory,
        "vcpus": p.vcpus,
        "nics": r.nics,
        "params": r.params,
    }


def render(r: Resolved) -> dict[str, str]:
    """File name -> text for every rendered output."""
    ctx = context(r)
    return {
        "xl.cfg": _env.get_template("xl.cfg.j2").render(ctx),
        "config.h": _env.get_template("config.h.j2").render(ctx),
    }
