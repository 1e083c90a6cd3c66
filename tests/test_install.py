"""`authgate install`: plain git hooks, driven by real `git commit` and `git push`."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from authgate import cli
from authgate.commands import install

from testing import Repo

ELIDED = "def greet(name):\n    # ... existing code ...\n    return f'hello {name}'\n"
LOGIN = ("import bcrypt\n\n\ndef check(user, password):\n"
         "    return bcrypt.checkpw(password.encode(), user.password_hash)\n")


def _hooks(repo: Repo) -> Path:
    return repo.path / ".git" / "hooks"


def _installed(repo: Repo) -> Repo:
    repo.write("README.md", "example\n")
    repo.add()
    repo.commit("init")
    proc = repo.main("install")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (f"authgate: installed pre-commit, prepare-commit-msg, commit-msg, "
                           f"pre-push in .git/hooks (running {sys.executable} -m authgate)\n")
    return repo


def test_the_parser_offers_exactly_the_hooks_install_writes() -> None:
    assert tuple(install.HOOKS) == cli.GIT_HOOKS


def test_installed_hooks_block_a_commit_and_annotate_the_next(repo: Repo) -> None:
    _installed(repo)
    for name in cli.GIT_HOOKS:
        mode = (_hooks(repo) / name).stat().st_mode
        assert mode & stat.S_IXUSR, name
    repo.write("app/greet.py", ELIDED)
    repo.add("app/greet.py")
    blocked = repo.git("commit", "-m", "Add greeting", check=False)
    out = blocked.stdout.decode() + blocked.stderr.decode()
    assert blocked.returncode == 1
    assert "app/greet.py:2: provenance.artifact." in out
    assert repo.out("log", "--format=%s") == "init"

    repo.git("rm", "-q", "--cached", "app/greet.py")
    repo.write("app/auth/login.py", LOGIN)
    repo.add("app/auth/login.py")
    done = repo.git("commit", "-q", "-m", "Check passwords with bcrypt", check=False)
    assert done.returncode == 0, done.stderr.decode()
    trailers = repo.out("log", "-1", "--format=%(trailers:only,unfold)")
    assert "Identity-Impact: high" in trailers
    assert "Requires-Review: code-owner, iam, security" in trailers


def test_skip_names_the_same_hook_ids_as_under_pre_commit(repo: Repo) -> None:
    _installed(repo)
    repo.write("app/greet.py", ELIDED)
    repo.add("app/greet.py")
    # The pre-commit hook alone skipped: the message hooks still block.
    half = repo.git("commit", "-m", "x", check=False, env={"SKIP": "authgate"})
    assert half.returncode == 1
    assert "commit blocked" in half.stderr.decode()
    both = repo.git("commit", "-q", "-m", "Elided on purpose", check=False,
                    env={"SKIP": "authgate, authgate-trailers"})
    assert both.returncode == 0, both.stderr.decode()
    assert repo.out("log", "-1", "--format=%s") == "Elided on purpose"


def test_a_foreign_hook_is_kept_unless_forced_then_backed_up(repo: Repo) -> None:
    hooks = _hooks(repo)
    hooks.mkdir(parents=True, exist_ok=True)
    foreign = "#!/bin/sh\n# the team's own lint hook\nexit 0\n"
    (hooks / "pre-commit").write_text(foreign)
    refused = repo.main("install")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert str(hooks / "pre-commit") in refused.stderr and "--force" in refused.stderr
    assert (hooks / "pre-commit").read_text() == foreign
    assert not (hooks / "commit-msg").exists()  # nothing written at all

    forced = repo.main("install", "--force")
    assert forced.returncode == 0, forced.stderr
    assert f"{hooks / 'pre-commit'}.authgate-backup" in forced.stdout
    assert (hooks / "pre-commit.authgate-backup").read_text() == foreign
    assert install.MARKER in (hooks / "pre-commit").read_text()
    # Its own hooks it replaces without asking; the backup is not touched again.
    again = repo.main("install", "-t", "pre-commit")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("authgate: installed pre-commit in .git/hooks")
    assert (hooks / "pre-commit.authgate-backup").read_text() == foreign


def test_hooks_go_where_core_hookspath_sends_git(repo: Repo) -> None:
    repo.git("config", "core.hooksPath", "ci/hooks")
    proc = repo.main("install", "-t", "pre-commit")
    assert proc.returncode == 0, proc.stderr
    assert "in ci/hooks" in proc.stdout
    assert install.MARKER in (repo.path / "ci/hooks/pre-commit").read_text()


def test_pre_push_verifies_the_pushed_commits(repo: Repo, tmp_path: Path) -> None:
    _installed(repo)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    first = repo.git("push", "-q", "origin", "HEAD:refs/heads/main", "HEAD:refs/heads/old",
                     check=False)
    assert first.returncode == 0, first.stderr.decode()

    # Through the hooks: trailers written, the push verifies.
    repo.write("app/auth/login.py", LOGIN)
    repo.add()
    repo.git("commit", "-q", "-m", "Check passwords with bcrypt")
    ok = repo.git("push", "origin", "HEAD:refs/heads/main", check=False)
    assert ok.returncode == 0, ok.stderr.decode()

    # Hooks bypassed entirely: no trailers on an identity change, the push is refused.
    repo.write("app/auth/login.py", LOGIN + "\n\ndef logout(user):\n    user.session = None\n")
    repo.add()
    repo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "Add logout")
    refused = repo.git("push", "origin", "HEAD:refs/heads/main", check=False)
    out = refused.stdout.decode() + refused.stderr.decode()
    assert refused.returncode != 0
    assert "verify.trailers.missing" in out
    # A new branch holding the same commit: verified as commits on no remote branch.
    branch = repo.git("push", "origin", "HEAD:refs/heads/feature", check=False)
    assert branch.returncode != 0
    assert "verify.trailers.missing" in branch.stdout.decode() + branch.stderr.decode()
    # Deleting a branch verifies nothing.
    delete = repo.git("push", "origin", ":refs/heads/old", check=False)
    assert delete.returncode == 0, delete.stderr.decode()
