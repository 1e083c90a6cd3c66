"""The real pre-commit (and prek), installing this project's hooks.

Building a hook environment is the slowest thing the suite does, so one snapshot of
this project and one pre-commit home serve the whole run, shared by pytest-xdist's
workers: the first worker to need them builds them under a lock, the others wait and
reuse them. pre-commit and prek lock their own homes for concurrent installs."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from testing.env import PROJECT, clean_environ
from testing.repo import Repo

try:
    import fcntl
except ImportError:  # not on POSIX: each worker builds its own
    fcntl = None  # type: ignore[assignment]


def precommit_bin() -> str:
    exe = Path(sys.executable).with_name("pre-commit")
    return str(exe) if exe.exists() else "pre-commit"


def prek_bin() -> str:
    exe = Path(sys.executable).with_name("prek")
    return str(exe) if exe.exists() else "prek"


def install_msg_hooks(repo: Repo) -> None:
    """authgate's message hooks as plain git hooks (no framework): `authgate msg` from
    this interpreter."""
    import stat

    for name in ("prepare-commit-msg", "commit-msg"):
        hook = repo.path / ".git" / "hooks" / name
        hook.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m authgate msg "$@"\n',
                        encoding="utf-8")
        hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


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


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` between the processes of one test run."""
    if fcntl is None:
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def snapshot(dest: Path) -> tuple[str, str]:
    """A committed snapshot of this project in `dest`, as a hook repository pre-commit
    can clone: (url, commit). Made once; later calls (other workers) read it."""
    with locked(dest.parent / f"{dest.name}.lock"):
        done = dest / ".snapshot-commit"
        if done.exists():
            return dest.as_uri(), done.read_text(encoding="utf-8")
        if dest.exists():  # a worker stopped half-way: start again
            shutil.rmtree(dest)
        env = clean_environ(dest.parent / f"{dest.name}-home")
        for name in ("hooks", "pyproject.toml", ".pre-commit-hooks.yaml", "README.md",
                     "LICENSE"):
            src = PROJECT / name
            if src.is_dir():
                shutil.copytree(src, dest / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            elif src.exists():
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
            subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
        # Written last, outside git's view (.git/info/exclude): the snapshot is complete.
        with open(dest / ".git" / "info" / "exclude", "a", encoding="utf-8") as fh:
            fh.write("/.snapshot-commit\n")
        done.write_text(sha, encoding="utf-8")
        return dest.as_uri(), sha


def run_root(basetemp: Path) -> Path:
    """The temporary root of this test run: shared by xdist's workers (each has its own
    basetemp below it), or the basetemp itself without xdist."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
