"""End to end: this repository's hooks installed by the real pre-commit into a scratch
repository, driven by real `git commit`."""

from __future__ import annotations

from testing import Repo

CLEAN = "def greet(name):\n    return f'hello {name}'\n"
# An assistant's elision placeholder: the file would ship with its body missing.
ELIDED = "def greet(name):\n    # ... existing code ...\n    return f'hello {name}'\n"


def test_clean_commit_passes(hooked_repo: Repo) -> None:
    hooked_repo.write("app/greet.py", CLEAN)
    hooked_repo.add("app/greet.py")
    proc = hooked_repo.git("commit", "-m", "Add greeting", check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert hooked_repo.out("log", "-1", "--format=%s") == "Add greeting"


def test_blocking_finding_stops_the_commit(hooked_repo: Repo) -> None:
    hooked_repo.write("app/greet.py", ELIDED)
    hooked_repo.add("app/greet.py")
    head = hooked_repo.out("rev-parse", "HEAD")
    proc = hooked_repo.git("commit", "-m", "Add greeting", check=False)
    output = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0
    assert "app/greet.py:2: provenance.artifact." in output
    assert hooked_repo.out("rev-parse", "HEAD") == head


def test_partially_staged_file_is_judged_on_its_staged_content(hooked_repo: Repo) -> None:
    # Staged: the clean version. Work tree: the elided one, never added (git add -p style).
    hooked_repo.write("app/greet.py", CLEAN)
    hooked_repo.add("app/greet.py")
    hooked_repo.write("app/greet.py", ELIDED)
    proc = hooked_repo.git("commit", "-m", "Add greeting", check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert hooked_repo.out("show", "HEAD:app/greet.py") == CLEAN.rstrip("\n")
    # And the reverse: the elided version staged, a clean work tree, is blocked.
    hooked_repo.add("app/greet.py")
    hooked_repo.write("app/greet.py", CLEAN)
    blocked = hooked_repo.git("commit", "-m", "Elide", check=False)
    assert blocked.returncode != 0
    assert (hooked_repo.path / "app/greet.py").read_text() == CLEAN
