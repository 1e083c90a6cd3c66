"""`authgate verify --pre-receive` as a self-hosted server's hook (issue 14, item 8): a
real bare repository, a real `git push`, the pushed refs read from stdin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from testing import Repo

LOGIN = "def login(user, password):\n    return user.check_password(password)\n"


@pytest.fixture
def server(tmp_path: Path) -> Path:
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m authgate verify --pre-receive\n',
                    encoding="utf-8")
    hook.chmod(0o755)
    return bare


@pytest.fixture
def clone(repo: Repo, server: Path) -> Repo:
    repo.git("remote", "add", "origin", str(server))
    repo.write("README.md", "app\n")
    repo.add()
    repo.commit("readme")
    assert _push(repo, "HEAD:refs/heads/main")[0] == 0
    return repo


def _push(repo: Repo, *refspecs: str) -> tuple[int, str]:
    proc = repo.git("push", "origin", *refspecs, check=False)
    return proc.returncode, proc.stdout.decode() + proc.stderr.decode()


def _remote(repo: Repo, ref: str) -> str:
    out = repo.git("ls-remote", "origin", ref).stdout.decode().split()
    return out[0] if out else ""


def test_a_push_whose_commit_bypassed_the_hooks_is_rejected(clone: Repo) -> None:
    repo = clone
    accepted = repo.out("rev-parse", "HEAD")
    repo.write("src/auth/login.py", LOGIN)
    repo.add()
    bad = repo.commit("Add login")
    code, out = _push(repo, "HEAD:refs/heads/main")
    assert code != 0
    assert "(pre-receive hook declined)" in out
    assert "remote: src/auth/login.py: verify.trailers.missing: hooks bypassed" in out
    assert f"[commit {bad[:12]}]" in out
    assert f"refs/heads/main {accepted[:12]}..{bad[:12]}: 1 commit verified" in out
    assert "git rebase --exec 'git commit --amend --no-edit --allow-empty'" in out
    assert _remote(repo, "refs/heads/main") == accepted
    # A commit that needs no trailers goes through; so does deleting a branch.
    repo.git("reset", "-q", "--hard", accepted)
    repo.write("README.md", "app, documented\n")
    repo.add()
    fine = repo.commit("docs")
    assert _push(repo, "HEAD:refs/heads/main")[0] == 0
    assert _push(repo, "HEAD:refs/heads/topic")[0] == 0
    code, out = _push(repo, "--delete", "topic")
    assert code == 0, out
    assert _remote(repo, "refs/heads/main") == fine and _remote(repo, "refs/heads/topic") == ""


def test_a_new_branch_is_judged_by_the_default_branch_policy(clone: Repo) -> None:
    repo = clone
    # The server's default branch says billing code is high impact.
    repo.write(".authgate.toml", '[paths]\nhigh = ["billing/**"]\n')
    repo.add()
    repo.commit("policy: billing is identity-sensitive")
    assert _push(repo, "HEAD:refs/heads/main")[0] != 0  # the policy change needs trailers
    policy = repo.commit("policy, reviewed", "--allow-empty")
    # Pushed past the hook (an admin): the policy is now on the default branch.
    server = Path(repo.out("remote", "get-url", "origin"))
    (server / "hooks" / "pre-receive").rename(server / "hooks" / "off")
    assert _push(repo, "HEAD:refs/heads/main")[0] == 0
    (server / "hooks" / "off").rename(server / "hooks" / "pre-receive")
    # A new branch with history of its own (no parent on the server).
    repo.git("checkout", "-q", "--orphan", "invoices")
    repo.git("rm", "-q", "-r", "--cached", ".")
    repo.git("clean", "-q", "-f", "-d")
    repo.write("billing/invoice.py", "def total(items):\n    return sum(items)\n")
    repo.add()
    repo.commit("invoices")
    code, out = _push(repo, "HEAD:refs/heads/invoices")
    assert code != 0
    assert "refs/heads/invoices (new: commits no ref has yet): 1 commit verified" in out
    assert f"policy: .authgate.toml (at {policy[:12]})" in out
    assert "verify.trailers.missing" in out
