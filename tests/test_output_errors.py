"""Exit codes a CI job or a hook runner can trust: a report path the user got wrong is
exit 2 with the path named; an internal error is exit 3, with or without
AUTHGATE_DEBUG (which adds the traceback and changes nothing else)."""

from __future__ import annotations

import argparse

import pytest

from authgate import cli
from authgate.commands import check

from testing import Repo


@pytest.mark.parametrize("command", [["check"], ["scan"], ["verify", "--range", "HEAD~1..HEAD"],
                                     ["codeowners"]])
def test_output_into_a_missing_folder_is_a_usage_error(repo: Repo, command: list[str]) -> None:
    repo.commit("init", "--allow-empty")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add()
    repo.commit("index")
    repo.write("app/more.py", "def more():\n    return 1\n")
    repo.add()  # something staged, for check
    target = repo.path / "missing" / "folder" / "report.sarif"
    proc = repo.main(*command, "--format", "sarif", "--output", str(target))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [line] = proc.stderr.splitlines()
    assert str(target) in line and "cannot write" in line
    assert "internal error" not in line


def test_output_onto_a_directory_is_a_usage_error(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add()
    proc = repo.main("check", "--output", str(repo.path))
    assert proc.returncode == 2
    assert str(repo.path) in proc.stderr


def _broken(args: argparse.Namespace) -> int:
    raise KeyError("a bug")  # what any unforeseen failure looks like to cli.main


@pytest.mark.parametrize("debug", ["", "1"])
def test_an_internal_error_is_exit_3_with_or_without_debug(
        repo: Repo, debug: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("init", "--allow-empty")
    monkeypatch.chdir(repo.path)
    monkeypatch.setattr(check, "run", _broken)
    if debug:
        monkeypatch.setenv("AUTHGATE_DEBUG", debug)
    assert cli.main(["check"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    if debug:
        assert "Traceback (most recent call last)" in err and "KeyError: 'a bug'" in err
    else:
        assert err == ("authgate: internal error: KeyError: 'a bug' "
                       "(set AUTHGATE_DEBUG=1 for details)\n")
