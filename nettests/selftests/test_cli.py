"""`rumpnet test` argument handling (nettests/cli.py)."""

import argparse

import pytest

from nettests import cli


def parse(*argv):
    p = argparse.ArgumentParser()
    cli.configure(p)
    return p.parse_args(argv)


def test_linux_needs_no_appliance_and_runs_both_profiles(tmp_path):
    argv = cli.build_argv(parse("--target", "linux"), tmp_path)
    assert argv[argv.index("--profile") + 1] == "httpd,router"
    assert "not slow" in argv and "--appliance" not in argv


def test_posix_takes_the_profile_from_the_appliance(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "config.h").write_text('#define X \\\n\t{ "kind", "router" }, \\\n')
    argv = cli.build_argv(parse(str(app), "--target", "posix", "--full"), tmp_path)
    assert argv[argv.index("--profile") + 1] == "router"
    assert "not slow" not in argv
    assert argv[argv.index("--appliance") + 1] == str(app.resolve())


@pytest.mark.parametrize("argv", [("--target", "posix"), ("/nonexistent", "--target", "xen")])
def test_user_errors_exit_2(argv, capsys):
    assert cli.run(parse(*argv)) == 2
    assert capsys.readouterr().err.startswith("rumpnet test: ")
