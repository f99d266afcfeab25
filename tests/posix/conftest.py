"""Fixtures for the POSIX appliance tests: built binaries, a content archive,
a Topology (`net`) and running appliances (`appliance`), all removed at teardown;
an appliance must not have crashed. Helpers live in posixrig.py.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from posixrig import APPLIANCE, CONTENT, Appliance, Topology, newc

pytestmark = pytest.mark.posix


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/posix/" in str(item.fspath):
            item.add_marker(pytest.mark.posix)


def _can_run() -> str | None:
    if os.geteuid() != 0:
        return "needs root (namespaces, TAP devices)"
    if not Path("/dev/net/tun").exists():
        return "no /dev/net/tun"
    return None


@pytest.fixture(scope="session")
def binaries(tmp_path_factory) -> dict[str, Path]:
    """httpd (default config) and router (testbuild/router-config.h) built with make."""
    why = _can_run()
    if why:
        pytest.skip(why)
    out = tmp_path_factory.mktemp("build")
    built = {}
    for app, cfg in (
        ("httpd", "testbuild/default-config.h"),
        ("router", "testbuild/router-config.h"),
    ):
        o = out / app
        subprocess.run(
            [
                "make",
                "-s",
                "-j2",
                "-C",
                str(APPLIANCE),
                "PLATFORM=posix",
                f"APP={app}",
                f"O={o}",
                f"CONFIG_H={APPLIANCE / cfg}",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        built[app] = o / f"rumpnet-{app}.posix"
    return built


@pytest.fixture(scope="session")
def content(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    path = tmp_path_factory.mktemp("content") / "content.cpio"
    path.write_bytes(newc(CONTENT))
    return path, CONTENT


@pytest.fixture
def net(request):
    tag = f"{os.getpid() % 1000}{abs(hash(request.node.name)) % 100:02d}"
    topo = Topology(tag)
    try:
        yield topo
    finally:
        topo.close()


@pytest.fixture
def appliance():
    started: list[Appliance] = []

    def start(binary: Path, *params: str) -> Appliance:
        app = Appliance(binary, list(params))
        started.append(app)
        return app

    try:
        yield start
    finally:
        for app in started:
            app.stop()
