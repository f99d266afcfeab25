"""The generation pipeline: profile -> resolve -> render -> build -> image.

This is also the library example: `generate("httpd", Path("out"))` is everything
`rumpnet gen httpd -o out` does. Each stage is its own module; this file only
strings them together and reports progress.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from gen import archive, build, image, profile, render, resolve


def generate(
    spec: str,
    out: Path,
    overrides: list[str] | tuple[str, ...] = (),
    platforms: tuple[str, ...] = build.PLATFORMS,
    log=build.progress,
) -> Path:
    """Generate the appliance of profile `spec` into directory `out`; returns `out`.

    Raises profile.ProfileError, archive.ArchiveError, image.OutputError (user errors)
    or build.BuildError; in every error case nothing is left at `out`.
    """
    prof = profile.load(spec, overrides)
    log(f'profile: {prof.source} ({prof.kind} "{prof.name}")')
    res = resolve.resolve(prof)
    with image.staging(out) as work:
        rendered = render.render(res)
        for name, text in rendered.items():
            (work / name).write_text(text)
        log(f"render: {', '.join(rendered)}")
        inputs: dict = {
            "profile": {"spec": spec, "overrides": list(overrides)},
            "appliance_sources_sha256": build.source_digest(),
        }
        if prof.content_dir is not None:
            blob = archive.pack(prof.content_dir)
            (work / render.CONTENT_ARCHIVE).write_bytes(blob)
            files = archive.read(blob)
            inputs["content"] = {
                e.name: hashlib.sha256(e.data).hexdigest() for e in files if stat.S_ISREG(e.mode)
            }
            log(f"archive: {render.CONTENT_ARCHIVE} ({len(files)} entries, {len(blob)} bytes)")
        builds = {}
        for plat in platforms:
            outcome = build.build(plat, prof.kind, work / "config.h", work, log)
            builds[plat] = {
                "image": outcome.image.name if outcome.image else None,
                "status": outcome.reason,
            }
            if outcome.image is None:
                log(f"build: {plat}: {outcome.reason}")
            else:
                log(f"build: {plat}: {outcome.image.name} ({outcome.image.stat().st_size} bytes)")
        image.write_manifest(work, prof.to_dict(), inputs, builds)
        log(f"image: {out}")
    return out
