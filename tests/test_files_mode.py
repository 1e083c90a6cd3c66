"""`authgate check FILE...`: named files that are not the staged change are judged
whole (pre-commit's --all-files and --files, pre-commit.ci, a direct call); names that
are the staged change keep judging the staged diff."""

from __future__ import annotations

import os
import subprocess
import sys

from testing import Repo, Result, precommit_bin

KEY = "AKIA" + "Q7NR2KX5TLWM8ZPC"  # assembled: no credential-shaped literal in the repo
LEAKY = f'AWS_KEY = "{KEY}"\n'
CLEAN = "def greet(name):\n    return f'hello {name}'\n"
FINDING = "settings.py:1: leak.secret.aws-key:"


def _repo_with_committed_key(repo: Repo) -> Repo:
    repo.write("settings.py", LEAKY)
    repo.write("app/greet.py", CLEAN)
    repo.add()
    repo.commit("init")  # --no-verify: a key that landed before authgate was installed
    return repo


def _out(proc: Result | subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


# --- direct calls ------------------------------------------------------------------------

def test_a_committed_file_is_judged_whole(repo: Repo) -> None:
    _repo_with_committed_key(repo)
    assert repo.main("check").returncode == 0  # nothing staged: nothing to judge
    proc = repo.main("check", "settings.py")
    assert proc.returncode == 1
    assert FINDING in proc.stdout
    assert "authgate: files (1): BLOCKED:" in proc.stdout
    assert KEY not in _out(proc) and KEY[4:14] not in _out(proc)
    clean = repo.main("check", "app/greet.py")
    assert (clean.returncode, clean.stdout.splitlines()[-1]) == (
        0, "authgate: files (1): ok: identity impact none; 0 findings, 0 blocking, "
           "0 suppressed")


def test_an_untracked_file_is_read_from_the_work_tree_and_names_are_cwd_relative(
        repo: Repo) -> None:
    _repo_with_committed_key(repo)
    repo.write("app/new_client.py", f"TOKEN_KEY = '{KEY}'\n")
    proc = subprocess.run([sys.executable, "-m", "authgate", "check", "new_client.py"],
                          cwd=repo.path / "app", capture_output=True, text=True)
    assert proc.returncode == 1, _out(proc)
    assert "app/new_client.py:1: leak.secret.aws-key:" in proc.stdout


def test_a_file_with_staged_changes_is_read_from_the_index(repo: Repo) -> None:
    _repo_with_committed_key(repo)
    # Staged: the key removed. Work tree: the key back, never staged.
    repo.write("settings.py", "AWS_KEY = os.environ['AWS_KEY']\n")
    repo.add("settings.py")
    repo.write("settings.py", LEAKY)
    proc = repo.main("check", "settings.py", "app/greet.py")
    assert proc.returncode == 0, proc.stdout
    assert "files (2)" in proc.stdout
    # And the reverse: the key staged in another file, a clean work tree.
    repo.write("app/greet.py", CLEAN + f"KEY = '{KEY}'\n")
    repo.add("app/greet.py")
    repo.write("app/greet.py", CLEAN)
    blocked = repo.main("check", "app/greet.py", "settings.py")
    assert blocked.returncode == 1
    assert "app/greet.py:3: leak.secret.aws-key:" in blocked.stdout
    assert FINDING not in blocked.stdout


def test_names_that_are_the_staged_change_judge_the_staged_diff(repo: Repo) -> None:
    _repo_with_committed_key(repo)
    repo.write("settings.py", LEAKY + "REGION = 'eu-west-1'\n")
    repo.write("app/greet.py", CLEAN + "\n\ndef bye(name):\n    return f'bye {name}'\n")
    repo.add()
    # Exactly the staged paths: the staged change, whose diff does not add the key.
    exact = repo.main("check", "settings.py", "app/greet.py")
    assert exact.returncode == 0, exact.stdout
    assert "files (" not in exact.stdout
    # A part of them outside a commit: those files whole, the old key included.
    part = repo.main("check", "settings.py")
    assert part.returncode == 1
    assert FINDING in part.stdout and "files (1)" in part.stdout
    # A part of them inside `git commit` (git sets GIT_INDEX_FILE for its hooks, and
    # pre-commit passes the staged names, in several runs when there are many):
    # still the staged change.
    inside = repo.main("check", "settings.py",
                           env={"GIT_INDEX_FILE": str(repo.path / ".git" / "index")})
    assert inside.returncode == 0, inside.stdout
    assert "files (" not in inside.stdout


def test_what_cannot_be_read_is_skipped_and_said(repo: Repo) -> None:
    _repo_with_committed_key(repo)
    repo.write("blob.bin", b"\x00\x01" + KEY.encode())
    repo.write("big.py", "x = 1\n" * 20 + LEAKY)
    repo.write(".authgate.toml", "max_file_size = 100\n")
    os.symlink("settings.py", repo.path / "link.py")
    (repo.path / "adir").mkdir()
    proc = repo.main("check", "blob.bin", "big.py", "link.py", "adir")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.splitlines()[:3] == [
        "big.py: too large (153 bytes > 100): skipped",
        "link.py: a symbolic link: skipped",
        "adir: not a regular file: skipped"]
    assert "files (4): ok" in proc.stdout


def test_bad_names_are_one_line_and_exit_2(repo: Repo, tmp_path: os.PathLike[str]) -> None:
    _repo_with_committed_key(repo)
    missing = repo.main("check", "nope.py")
    assert (missing.returncode, missing.stderr) == (2, "authgate: nope.py: no such file\n")
    outside = repo.main("check", os.devnull)
    assert outside.returncode == 2
    assert outside.stderr.startswith(f"authgate: {os.devnull}: not a file inside the repository")
    assert outside.stderr.count("\n") == 1 and outside.stdout == ""


def test_exclude_applies_to_named_files(repo: Repo) -> None:
    _repo_with_committed_key(repo)
    repo.write(".authgate.toml", 'exclude = ["settings.py"]\n')
    proc = repo.main("check", "settings.py", "app/greet.py")
    assert proc.returncode == 0, proc.stdout


# --- through the real pre-commit ------------------------------------------------------

def _land_without_hooks(repo: Repo) -> None:
    # A key that landed before authgate was installed (or with every hook skipped).
    repo.add()
    repo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "land a key")


def _precommit(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([precommit_bin(), "run", *args], cwd=repo.path,
                          capture_output=True, text=True)


def test_precommit_all_files_judges_the_committed_tree(hooked_repo: Repo) -> None:
    hooked_repo.write("settings.py", LEAKY)
    hooked_repo.write("app/greet.py", CLEAN)
    _land_without_hooks(hooked_repo)
    proc = _precommit(hooked_repo, "--all-files")
    assert proc.returncode == 1, _out(proc)
    assert FINDING in proc.stdout
    # .pre-commit-config.yaml, settings.py, app/greet.py
    assert "authgate: files (3): BLOCKED:" in proc.stdout
    assert KEY not in _out(proc)


def test_precommit_files_judges_the_named_file(hooked_repo: Repo) -> None:
    hooked_repo.write("settings.py", LEAKY)
    hooked_repo.write("app/greet.py", CLEAN)
    _land_without_hooks(hooked_repo)
    leaky = _precommit(hooked_repo, "--files", "settings.py")
    assert leaky.returncode == 1, _out(leaky)
    assert FINDING in leaky.stdout and "files (1)" in leaky.stdout
    clean = _precommit(hooked_repo, "--files", "app/greet.py")
    assert clean.returncode == 0, _out(clean)


def test_a_commit_through_precommit_still_judges_only_the_staged_diff(
        hooked_repo: Repo) -> None:
    hooked_repo.write("settings.py", LEAKY)
    hooked_repo.write("app/greet.py", CLEAN)
    _land_without_hooks(hooked_repo)
    # A commit that does not touch the old key passes; pre-commit passed the file name.
    hooked_repo.write("app/greet.py", CLEAN + "\n\ndef bye(name):\n    return f'bye {name}'\n")
    hooked_repo.add("app/greet.py")
    proc = hooked_repo.git("commit", "-m", "Add bye", check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    # One that adds a key to the staged file is blocked on that line only.
    hooked_repo.write("app/greet.py", CLEAN + f"KEY = '{KEY}'\n")
    hooked_repo.add("app/greet.py")
    blocked = hooked_repo.git("commit", "-m", "Add key", check=False)
    out = blocked.stdout.decode() + blocked.stderr.decode()
    assert blocked.returncode == 1
    assert "app/greet.py:3: leak.secret.aws-key:" in out
    assert FINDING not in out and "files (" not in out
