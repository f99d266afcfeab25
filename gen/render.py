"""Render the text outputs of an appliance from jinja2 templates.

Implements: xl.cfg (the xl domain configuration), libvirt.xml (the same domain for
libvirt's Xen/libxl driver, marked as rumpnet's in its <metadata> with the profile
digest) and config.h (the C build configuration with the parameter table), from
gen/templates/ with StrictUndefined, so a template that names a value the resolver
did not provide fails loudly.

Not here: the content archive (archive.py), the kernel build (build.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jinja2

from gen.resolve import Resolved

TEMPLATES = Path(__file__).resolve().parent / "templates"
CONTENT_ARCHIVE = "content.cpio"
# libvirt.xml: the <metadata> namespace marking a domain as a rumpnet appliance, and
# the host directory `rumpnet deploy --libvirt` copies an appliance's files into.
METADATA_NS = "urn:rumpnet:appliance:1"
HOST_ROOT = "/var/lib/rumpnet"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,
)


def profile_digest(profile: dict) -> str:
    """SHA-256 of a profile as canonical JSON: the manifest's "profile" section gives
    the same digest, which ties a libvirt domain back to its appliance directory."""
    text = json.dumps(profile, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
        "metadata_ns": METADATA_NS,
        "profile_sha256": profile_digest(p.to_dict()),
        "host_dir": f"{HOST_ROOT}/{p.name}",
    }


def render(r: Resolved) -> dict[str, str]:
    """File name -> text for every rendered output."""
    ctx = context(r)
    return {
        "xl.cfg": _env.get_template("xl.cfg.j2").render(ctx),
        "config.h": _env.get_template("config.h.j2").render(ctx),
        "libvirt.xml": _env.get_template("libvirt.xml.j2").render(ctx),
    }
