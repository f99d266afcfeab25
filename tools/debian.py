"""Debian packages and source packages, fetched into rumpnet's cache.

Implements: a private apt configuration derived from the machine's own configured
Debian sources (adding deb-src and the <codename>-backports suite, never naming a
host of our own), `apt-get update` against it, binary package download with SHA-256
verification against the package index, extraction with `dpkg-deb -x`, and source
package download (`apt-get source --download-only`) verified against the .dsc
checksums and unpacked once.

Not here: installing anything into the host (the host's apt state is only read),
or deciding which packages a component needs (callers name them).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools.cache import cache_dir

HOST_SOURCES = Path("/etc/apt")
INDEX_MAX_AGE_S = 12 * 3600
DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


class DebianError(RuntimeError):
    """A package could not be fetched, verified or unpacked."""


@dataclass(frozen=True)
class Source:
    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str


def _codename() -> str:
    text = Path("/etc/os-release").read_text()
    m = re.search(r"^VERSION_CODENAME=(\S+)", text, re.M)
    if not m:
        raise DebianError("cannot tell the Debian codename from /etc/os-release")
    return m.group(1).strip('"')


def _parse_deb822(text: str) -> list[dict[str, str]]:
    stanzas, cur, key = [], {}, None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur:
                stanzas.append(cur)
            cur, key = {}, None
        elif line[0] in " \t" and key:
            cur[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, val = line.partition(":")
            key = key.strip()
            cur[key] = val.strip()
    if cur:
        stanzas.append(cur)
    return stanzas


def _parse_one_line(line: str) -> tuple[str, str, list[str], str] | None:
    m = re.match(r"^deb(?:-src)?\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$", line.strip())
    if not m:
        return None
    opts = m.group(1) or ""
    sb = re.search(r"signed-by=(\S+)", opts)
    return m.group(2), m.group(3), m.group(4).split(), sb.group(1).rstrip("]") if sb else ""


def host_debian_sources(etc: Path = HOST_SOURCES) -> list[Source]:
    """The machine's configured Debian archives (official suites of this release only)."""
    codename = _codename()
    wanted = {codename, f"{codename}-updates", f"{codename}-security", f"{codename}-backports"}
    found: list[Source] = []
    files = [etc / "sources.list"] + sorted((etc / "sources.list.d").glob("*"))
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".sources":
            for st in _parse_deb822(text):
                if "deb" not in st.get("Types", "").split():
                    continue
                if st.get("Enabled", "yes").lower() == "no":
                    continue
                suites = tuple(s for s in st.get("Suites", "").split() if s in wanted)
                if not suites:
                    continue
                for uri in st.get("URIs", "").split():
                    found.append(
                        Source(
                            uri,
                            suites,
                            tuple(st.get("Components", "main").split()),
                            st.get("Signed-By", DEFAULT_KEYRING).split("\n")[0],
                        )
                    )
        elif path.suffix == ".list" or path.name == "sources.list":
            for line in text.splitlines():
                if not line.startswith("deb "):
                    continue
                parsed = _parse_one_line(line)
                if parsed and parsed[1] in wanted:
                    uri, suite, comps, sb = parsed
                    found.append(Source(uri, (suite,), tuple(comps), sb or DEFAULT_KEYRING))
    if not found:
        raise DebianError(
            "no Debian archive is configured on this machine (looked in /etc/apt); "
            "rumpnet fetches Debian packages through the machine's own sources"
        )
    return found


def render_sources_list(sources: list[Source], codename: str) -> str:
    """deb + deb-src lines for every configured suite, plus backports on the main archive."""
    lines = []
    seen = set()
    for src in sources:
        suites = list(src.suites)
        if codename in suites and f"{codename}-backports" not in suites:
            suites.append(f"{codename}-backports")
        for suite in suites:
            for kind in ("deb", "deb-src"):
                comps = " ".join(src.components)
                line = f"{kind} [signed-by={src.signed_by}] {src.uri} {suite} {comps}"
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
    return "\n".join(lines) + "\n"


class Apt:
    """apt-get and apt-cache over a private configuration in the cache."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or cache_dir("apt")
        self.codename = _codename()

    def _opts(self) -> list[str]:
        r = self.root
        return [
            "-o",
            f"Dir::Etc::SourceList={r / 'sources.list'}",
            "-o",
            "Dir::Etc::SourceParts=/nonexistent",
            "-o",
            f"Dir::State::Lists={r / 'lists'}",
            "-o",
            f"Dir::Cache={r / 'cache'}",
            "-o",
            "Debug::NoLocking=1",
            "-o",
            "APT::Sandbox::User=root",
        ]

    def _run(self, tool: str, *args: str, cwd: Path | None = None) -> str:
        cmd = [tool, *self._opts(), *args]
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise DebianError(f"{tool} {' '.join(args)} failed: {proc.stderr.strip()[-800:]}")
        return proc.stdout

    def update(self, force: bool = False) -> None:
        """Refresh the private package index when it is missing or older than 12 h."""
        (self.root / "lists" / "partial").mkdir(parents=True, exist_ok=True)
        (self.root / "cache" / "archives" / "partial").mkdir(parents=True, exist_ok=True)
        sl = self.root / "sources.list"
        text = render_sources_list(host_debian_sources(), self.codename)
        stamp = self.root / "updated"
        fresh = stamp.exists() and time.time() - stamp.stat().st_mtime < INDEX_MAX_AGE_S
        if not force and fresh and sl.exists() and sl.read_text() == text:
            return
        sl.write_text(text)
        _progress("updating the Debian package index (private to rumpnet's cache)")
        self._run("apt-get", "update", "-q")
        stamp.touch()

    def _release_opts(self, release: str | None) -> list[str]:
        if not release:
            return []
        suite = f"{self.codename}-{release}" if "-" not in release else release
        return ["-t", suite]

    def show(self, name: str, release: str | None = None) -> dict[str, str]:
        """Fields of the candidate version of binary package `name`; `release`
        ("backports") prefers that suite of this Debian release."""
        self.update()
        policy = self._run("apt-cache", *self._release_opts(release), "policy", name)
        m = re.search(r"Candidate:\s*(\S+)", policy)
        if not m or m.group(1) == "(none)":
            raise DebianError(f"package {name} is not in the configured Debian archives")
        version = m.group(1)
        out = self._run("apt-cache", "show", f"{name}={version}")
        return _parse_deb822(out)[0]

    def download(self, name: str, release: str | None = None) -> Path:
        """The verified .deb of the candidate version of `name` (downloaded once)."""
        info = self.show(name, release)
        debs = cache_dir("debs")
        want = info["SHA256"]
        fname = Path(info["Filename"]).name
        dest = debs / fname
        if dest.exists() and _sha256(dest) == want:
            return dest
        with tempfile.TemporaryDirectory(dir=debs) as tmp:
            self._run("apt-get", "download", "-q", f"{name}={info['Version']}", cwd=Path(tmp))
            got = list(Path(tmp).glob("*.deb"))
            if len(got) != 1:
                raise DebianError(f"apt-get download {name} produced {len(got)} files")
            if _sha256(got[0]) != want:
                raise DebianError(f"{got[0].name}: SHA-256 does not match the package index")
            os.replace(got[0], dest)
        return dest

    def extract(self, name: str, release: str | None = None) -> Path:
        """Unpack the candidate version of `name` once; returns its root directory."""
        deb = self.download(name, release)
        dest = cache_dir("pkgs") / deb.stem
        if (dest / ".rumpnet-complete").exists():
            return dest
        tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".x-"))
        try:
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
            (tmp / ".rumpnet-complete").write_text(deb.name + "\n")
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return dest

    def source(self, name: str) -> Path:
        """Download source package `name`, verify it against its .dsc, unpack the
        upstream tarball once; returns the unpacked upstream tree."""
        self.update()
        base = cache_dir("src") / name
        base.mkdir(parents=True, exist_ok=True)
        self._run("apt-get", "source", "--download-only", "-q", name, cwd=base)
        dscs = sorted(base.glob(f"{name}_*.dsc"), key=lambda p: p.stat().st_mtime)
        if not dscs:
            raise DebianError(f"apt-get source {name} gave no .dsc")
        dsc = dscs[-1]
        files = verify_dsc(dsc)
        orig = [f for f in files if ".orig.tar." in f.name] or [
            f for f in files if ".tar." in f.name and ".debian." not in f.name
        ]
        if not orig:
            raise DebianError(f"{dsc.name}: no upstream tarball listed")
        dest = base / dsc.stem
        if (dest / ".rumpnet-complete").exists():
            return dest
        tmp = Path(tempfile.mkdtemp(dir=base, prefix=".x-"))
        try:
            with tarfile.open(orig[0]) as tf:
                tf.extractall(tmp, filter="data")
            entries = [p for p in tmp.iterdir()]
            top = entries[0] if len(entries) == 1 and entries[0].is_dir() else tmp
            (top / ".rumpnet-complete").write_text(dsc.name + "\n")
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(top, dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return dest


def verify_dsc(dsc: Path) -> list[Path]:
    """Check every file listed in the .dsc's Checksums-Sha256; return their paths."""
    fields = _parse_deb822(_strip_signature(dsc.read_text()))[0]
    listing = fields.get("Checksums-Sha256", "").strip().splitlines()
    if not listing:
        raise DebianError(f"{dsc.name}: no Checksums-Sha256 field")
    out = []
    for line in listing:
        digest, size, fname = line.split()
        path = dsc.parent / fname
        if not path.exists() or path.stat().st_size != int(size) or _sha256(path) != digest:
            raise DebianError(f"{dsc.name}: {fname} does not match its SHA-256 in the .dsc")
        out.append(path)
    return out


def _strip_signature(text: str) -> str:
    if "-----BEGIN PGP SIGNED MESSAGE-----" not in text:
        return text
    body = text.split("-----BEGIN PGP SIGNED MESSAGE-----", 1)[1]
    body = body.split("-----BEGIN PGP SIGNATURE-----", 1)[0]
    return body.split("\n\n", 1)[1] if "\n\n" in body else body


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _progress(msg: str) -> None:
    print(f"rumpnet: {msg}", file=sys.stderr, flush=True)
