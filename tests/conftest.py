"""Shared fixtures. Every test runs hermetically: its own HOME and git identity, no
inherited GIT_* or AI-agent variables (the suite must pass the same inside an agent's
shell), no user or system git config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent

# Variables an AI agent (or a hook runner) sets that would change what authgate sees.
AGENT_PREFIXES = ("CLAUDE", "GEMINI", "CODEX", "COPILOT", "CURSOR", "GOOSE", "CRUSH",
                  "OPENCODE", "AI_AGENT", "AGENT", "AIDER", "AMP", "WINDSURF", "CLINE",
                  "OPENHANDS", "REPL_", "DEVIN", "JULES", "QWEN", "KIRO", "PRE_COMMIT",
                  "GIT_", "NO_COLOR", "AUTHGATE", "SKIP")


# CI runners' markers: authgate stays quiet (no progress display) when they are set.
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_STEP_SUMMARY")


def clean_environ(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(AGENT_PREFIXES) and k not in CI_VARIABLES}
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        home.mkdir(parents=True, exist_ok=True)
        gitconfig.write_text(
            "[user]\n\tname = Test User\n\temail = test@example.com\n"
            "[init]\n\tdefaultBranch = main\n"
            "[commit]\n\tgpgsign = false\n"
            "[advice]\n\tdetachedHead = false\n"
            "[protocol \"file\"]\n\tallow = always\n",
            encoding="utf-8")
    env.update({
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
        "LC_ALL": "C.UTF-8",
    })
    return env


def copy_tracked(dest: Path, env: dict[str, str]) -> Path:
    """This project's tracked files, as they are in the work tree, committed in a new
    repository at `dest` (hooks bypassed): the project as a clone would have it."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, names):
        src = PROJECT / rel
        if src.is_file() and not src.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(src.read_bytes())
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    return dest


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    env = clean_environ(tmp_path / "home")
    for key in list(os.environ):
        if key not in env:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield


class Repo:
    """A scratch git repository driven through the real git binary."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")

    def git(self, *args: str, input: bytes | None = None, check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        proc = subprocess.run(["git", *args], cwd=self.path, input=input,
                              capture_output=True, env={**os.environ, **(env or {})})
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: "
                                 f"{proc.stderr.decode(errors='replace')}")
        return proc

    def out(self, *args: str) -> str:
        return self.git(*args).stdout.decode("utf-8", "replace").strip()

    def write(self, rel: str, content: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_bytes(content.encode("utf-8"))
        else:
            target.write_bytes(content)
        return target

    def add(self, *paths: str) -> None:
        self.git("add", "--", *(paths or (".",)))

    def commit(self, message: str = "change", *extra: str) -> str:
        self.git("commit", "-q", "--no-verify", "-m", message, *extra)
        return self.out("rev-parse", "HEAD")

    def authgate(self, *args: str, env: dict[str, str] | None = None,
                 input: bytes | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "authgate", *args], cwd=self.path,
                              capture_output=True, text=True, input=None if input is None
                              else input.decode(), env={**os.environ, **(env or {})})


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


# --- the real pre-commit, installing this project's hooks ---------------------------

@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A committed snapshot of this project, as a hook repository pre-commit can clone.

    One snapshot per test session, so pre-commit builds its virtualenv once."""
    home = tmp_path_factory.mktemp("snapshot-home")
    env = clean_environ(home)
    dest = tmp_path_factory.mktemp("authgate-hooks")
    for name in ("hooks", "pyproject.toml", ".pre-commit-hooks.yaml", "README.md", "LICENSE"):
        src = PROJECT / name
        if src.is_dir():
            shutil.copytree(src, dest / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    return dest.as_uri(), sha


@pytest.fixture(scope="session")
def precommit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def precommit_bin() -> str:
    exe = Path(sys.executable).with_name("pre-commit")
    return str(exe) if exe.exists() else "pre-commit"


def install_hooks(repo: Repo, hook_repo: tuple[str, str], hook_ids: tuple[str, ...],
                  hook_types: tuple[str, ...]) -> None:
    """Write a .pre-commit-config.yaml naming this project's `hook_ids` and install
    them for `hook_types` with the real pre-commit (PRE_COMMIT_HOME set by the caller)."""
    url, sha = hook_repo
    hooks = "".join(f"  - id: {h}\n" for h in hook_ids)
    repo.write(".pre-commit-config.yaml", (
        f"default_install_hook_types: [{', '.join(hook_types)}]\n"
        f"repos:\n- repo: {url}\n  rev: {sha}\n  hooks:\n{hooks}"))
    proc = subprocess.run([precommit_bin(), "install", "--install-hooks"], cwd=repo.path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


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
