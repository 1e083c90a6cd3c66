"""The same promises under prek, which reads the same .pre-commit-config.yaml: a whole
tree audited with `prek run --all-files`, a blocked commit that says how to proceed,
and this repository's own hooks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from testing import Repo, clean_environ, copy_tracked
from testing.precommit import prek_bin

# One worker runs this file (and test_allow_hints): prek builds its hook environment
# once per worker (conftest's session fixture `prek_home`).
pytestmark = pytest.mark.xdist_group("files_mode_prek")

KEY = "AKIA" + "Q7NR2KX5TLWM8ZPC"  # assembled: no credential-shaped literal in the repo
ELIDED = "def greet(name):\n    # ... existing code ...\n    return f'hello {name}'\n"


def test_prek_all_files_judges_the_committed_tree(prek_repo: Repo) -> None:
    prek_repo.write("settings.py", f'AWS_KEY = "{KEY}"\n')
    prek_repo.add("settings.py")
    prek_repo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "land a key")
    proc = subprocess.run([prek_bin(), "run", "--all-files"], cwd=prek_repo.path,
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "settings.py:1: leak.secret.aws-key:" in out
    assert "authgate: files (2): BLOCKED:" in out
    assert KEY not in out


def test_a_commit_blocked_under_prek_says_how_to_proceed(prek_repo: Repo) -> None:
    prek_repo.write("app/greet.py", ELIDED)
    prek_repo.add("app/greet.py")
    proc = prek_repo.git("commit", "-m", "Add greeting", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1, out
    assert "files (" not in out  # the staged change, not files
    rule = re.search(r"app/greet\.py:2: (provenance\.artifact\.[\w.-]+):", out)
    assert rule, out
    assert out.count(f"app/greet.py:2: {rule[1]}") == 1
    details = re.search(rf"details: (.* -m authgate explain {re.escape(rule[1])})\n", out)
    assert details, out
    explained = subprocess.run(details[1].split(" "), capture_output=True, text=True)
    assert explained.returncode == 0 and rule[1] in explained.stdout, explained.stderr
    assert "To commit anyway: SKIP=authgate,authgate-trailers git commit" in out
    # The printed allow line, with a reason, lets the commit through under prek too.
    # (prek indents a hook's output by two more spaces than pre-commit)
    allow = re.search(r"\n +(# authgate: allow \S+) -- <why this is safe>\n", out)
    assert allow, out
    lines = ELIDED.splitlines(keepends=True)
    lines.insert(1, f"    {allow[1]} -- the body is generated at build time\n")
    prek_repo.write("app/greet.py", "".join(lines))
    prek_repo.add("app/greet.py")
    done = prek_repo.git("commit", "-q", "-m", "Add greeting", check=False)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert "Authgate-Suppressed: 1" in prek_repo.out("log", "-1", "--format=%B")


def test_prek_runs_this_repository_own_hooks_clean(tmp_path: Path) -> None:
    dest = copy_tracked(tmp_path / "self", clean_environ(tmp_path / "home"))
    proc = subprocess.run([prek_bin(), "run", "--all-files"], cwd=dest, capture_output=True,
                          text=True,
                          env={**os.environ, "PREK_HOME": str(tmp_path / "prek"),
                               "PATH": os.path.dirname(sys.executable) + os.pathsep
                               + os.environ["PATH"]})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "authgate (provenance, leaks, identity)" in proc.stdout
