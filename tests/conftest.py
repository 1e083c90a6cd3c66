"""Shared fixtures. Every test runs hermetically: its own HOME and git identity, no
inherited GIT_* or AI-agent variables (the suite must pass the same inside an agent's
shell), no user or system git config. The helpers live in tests/testing/."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing import (
    AGENT_PREFIXES,
    CI_VARIABLES,
    PROJECT,
    Repo,
    clean_environ,
    copy_tracked,
    install_hooks,
    precommit_bin,
)
from testing import repo as repo_mod
from testing.precommit import prek_bin, run_root, snapshot

# Re-exported for test modules that still import them from here; new ones import
# tests/testing/ (a test module is not a library).
__all__ = ["AGENT_PREFIXES", "CI_VARIABLES", "PROJECT", "Repo", "clean_environ",
           "copy_tracked", "install_hooks", "precommit_bin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--authgate-cli", choices=("inprocess", "subprocess", "both"), default="inprocess",
        help="how Repo.main runs authgate: in this process (default), as a process, or "
             "both ways, failing where they differ")


def pytest_configure(config: pytest.Config) -> None:
    repo_mod.MODE["cli"] = config.getoption("--authgate-cli")


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    env = clean_environ(tmp_path / "home")
    for key in list(os.environ):
        if key not in env:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # The working directory too: an in-process call that failed half-way must not
    # leave the next test somewhere else.
    monkeypatch.chdir(os.getcwd())
    yield


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


# --- the real pre-commit, installing this project's hooks ---------------------------

@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A committed snapshot of this project, as a hook repository pre-commit can clone.

    One snapshot per test run (shared by xdist's workers), so pre-commit builds its
    virtualenv once."""
    return snapshot(run_root(tmp_path_factory.getbasetemp()) / "authgate-hooks")


@pytest.fixture(scope="session")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = run_root(tmp_path_factory.getbasetemp()) / "pre-commit-home"
    home.mkdir(exist_ok=True)
    return home


@pytest.fixture
def hooked_repo(repo: Repo, hook_repo: tuple[str, str], precommit_home: Path,
                monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A scratch repository with authgate's hooks installed by the real pre-commit."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(precommit_home))
    install_hooks(repo, hook_repo, ("authgate", "authgate-trailers"),
                  ("pre-commit", "prepare-commit-msg", "commit-msg"))
    repo.add(".pre-commit-config.yaml")
    repo.commit("add pre-commit config")
    return repo


@pytest.fixture(scope="session")
def prek_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prek-home")


@pytest.fixture
def prek_repo(repo: Repo, hook_repo: tuple[str, str], prek_home: Path,
              monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A scratch repository with authgate's hooks installed by prek."""
    monkeypatch.setenv("PREK_HOME", str(prek_home))
    url, sha = hook_repo
    repo.write(".pre-commit-config.yaml", (
        "default_install_hook_types: [pre-commit, prepare-commit-msg, commit-msg]\n"
        f"repos:\n- repo: {url}\n  rev: {sha}\n  hooks:\n"
        "  - id: authgate\n  - id: authgate-trailers\n"))
    proc = subprocess.run([prek_bin(), "install", "--install-hooks"], cwd=repo.path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo.add(".pre-commit-config.yaml")
    repo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "add config")
    return repo
