"""Adopting authgate in a repository with history (issue 14, item 6): commits made
before the hooks were installed fail verify with "hooks bypassed"; the failure says
how to re-stamp them (and the command works, through the real hooks), `git commit
--amend` with nothing newly staged stamps the whole commit, and `verify_since` (or
`--since`) is where verification starts."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from testing import Repo, install_hooks

LOGIN = "def login(user, password):\n    return user.check_password(password)\n"
TRAILERS = ("Identity-Impact: high\n"
            "Requires-Review: code-owner, iam, security\n")


def _without_hooks(repo: Repo, message: str) -> str:
    """A commit made as before authgate was installed: no hook runs at all."""
    repo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", message)
    return repo.out("rev-parse", "HEAD")


def _old_history(repo: Repo) -> tuple[str, str]:
    repo.write("README.md", "app\n")
    repo.add("README.md")
    first = _without_hooks(repo, "readme")
    repo.write("src/auth/login.py", LOGIN)
    repo.add("src/auth/login.py")
    return first, _without_hooks(repo, "Add login")


@pytest.fixture
def adopting_repo(repo: Repo, hook_repo: tuple[str, str], precommit_home: Path,
                  monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Repo:
    """Every authgate hook installed by the real pre-commit, and a bare remote."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(precommit_home))
    install_hooks(repo, hook_repo, ("authgate", "authgate-trailers", "authgate-verify"),
                  ("pre-commit", "prepare-commit-msg", "commit-msg", "pre-push"))
    with open(repo.path / ".git" / "info" / "exclude", "a", encoding="utf-8") as fh:
        fh.write(".pre-commit-config.yaml\n")
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "remote.git")], check=True)
    repo.git("remote", "add", "origin", str(tmp_path / "remote.git"))
    repo.git("branch", "-M", "main")
    return repo


def _push(repo: Repo) -> tuple[int, str]:
    proc = repo.git("push", "-q", "origin", "HEAD:refs/heads/main", check=False)
    return proc.returncode, proc.stdout.decode() + proc.stderr.decode()


def test_amend_with_nothing_staged_stamps_the_whole_commit(adopting_repo: Repo) -> None:
    repo = adopting_repo
    base, _ = _old_history(repo)
    assert "Identity-Impact" not in repo.out("log", "-1", "--format=%B")
    proc = repo.git("commit", "-q", "--amend", "--no-edit", check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    body = repo.out("log", "-1", "--format=%B")
    tree = repo.out("rev-parse", "HEAD^{tree}")
    assert body == f"Add login\n\n{TRAILERS}Authgate-Tree: {tree}"
    verified = repo.authgate("verify", "--range", f"{base}..HEAD")
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.endswith("authgate verify: ok\n")


def test_the_hooks_bypassed_failure_prints_a_rebase_that_restamps(adopting_repo: Repo) -> None:
    repo = adopting_repo
    first, login = _old_history(repo)
    code, out = _push(repo)
    assert code != 0
    assert "verify.trailers.missing: hooks bypassed" in out
    assert f"1 commit lacks the trailers the hooks write (made before authgate was " \
           f"installed, or with its hooks off), the oldest {login[:12]}." in out
    rebase = f"git rebase --exec 'git commit --amend --no-edit --allow-empty' {first[:12]}"
    assert f"authgate verify:     {rebase}\n" in out
    assert f'authgate verify:     verify_since = "{login}"\n' in out
    # Doing exactly what it says, with the hooks installed, re-stamps the commit.
    proc = repo.git(*shlex.split(rebase)[1:], check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert TRAILERS in repo.out("log", "-1", "--format=%B") + "\n"
    code, out = _push(repo)
    assert code == 0, out


def test_verify_since_starts_verification_after_existing_history(adopting_repo: Repo) -> None:
    repo = adopting_repo
    first, login = _old_history(repo)
    # The adoption commit records where verification starts; it goes through the hooks.
    repo.write(".authgate.toml", f'verify_since = "{login}"\n')
    repo.add(".authgate.toml")
    proc = repo.git("commit", "-q", "-m", "Adopt authgate", check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    code, out = _push(repo)
    assert code == 0, out
    # Later history is verified as always: a commit that bypasses the hooks fails.
    repo.write("src/auth/session.py", LOGIN)
    repo.add("src/auth/session.py")
    bypassed = _without_hooks(repo, "Add session")
    code, out = _push(repo)
    assert code != 0
    assert f"[commit {bypassed[:12]}]" in out and f"[commit {login[:12]}]" not in out
    # CI reads it from the base of the range, and --since says it on the command line.
    ci = repo.authgate("verify", "--range", f"{first}..HEAD")
    assert ci.returncode == 1
    assert f"[commit {login[:12]}]" in ci.stdout
    assert "commits violate" in ci.stdout
    since = repo.authgate("verify", "--range", f"{first}..HEAD", "--since", login)
    assert f"[commit {login[:12]}]" not in since.stdout
    assert f"{first}..HEAD after {login[:12]}: 2 commits verified" in since.stdout


def test_an_unknown_adoption_point_is_one_line_exit_2(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    proc = repo.authgate("verify", "--range", "HEAD", "--since", "no-such-rev")
    assert proc.returncode == 2
    assert proc.stderr == ("authgate: --since: 'no-such-rev' is not a commit in this "
                           "repository\n")
