"""authgate on its own repository: `authgate scan` of the tree is clean with the test
corpora declared in pyproject.toml, and the repository's own .pre-commit-config.yaml
runs its hooks through the real pre-commit. Hermetic: a scratch copy of the tracked
files, committed anew."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from testing import Repo, clean_environ, copy_tracked, precommit_bin

# One worker runs this file: the copy of the project is made once (module fixture `own_tree`).
pytestmark = pytest.mark.xdist_group("dogfood")

KEY = "AKIA" + "Q7NR2KX5TLWM8ZPC"  # assembled: no credential-shaped literal in the repo


@pytest.fixture(scope="module")
def own_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This project's tracked files (as they are in the work tree) in a new repository."""
    return copy_tracked(tmp_path_factory.mktemp("authgate-self"),
                        clean_environ(tmp_path_factory.mktemp("self-home")))


def _env_with_this_python() -> dict[str, str]:
    # `language: system` runs `python` from PATH: the one running these tests.
    return {**os.environ,
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}


def test_scan_of_its_own_tree_is_clean(own_tree: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "authgate", "scan", "--format", "json"],
                          cwd=own_tree, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (subject,) = json.loads(proc.stdout)["subjects"]
    active = [f for f in subject["findings"] if f["suppressed"] is None]
    assert not subject["blocked"]
    assert [f"{f['path']}:{f['line']}: {f['rule']}" for f in active
            if f["action"] == "block" or f["family"] == "leak"] == []
    # What is accepted is accepted with a reason (pyproject's allowlist, or an allow
    # comment some test carries as data), and counted.
    reasons = [f["suppressed"] for f in subject["findings"] if f["suppressed"] is not None]
    assert len(reasons) == subject["suppressed"] > 0
    assert all(r.partition(": ")[0] in ("config", "inline") and r.partition(": ")[2].strip()
               for r in reasons)
    assert any(r.startswith("config: the suite plants fake keys") for r in reasons)


def test_its_own_precommit_config_passes_on_the_whole_tree(own_tree: Path,
                                                           tmp_path: Path) -> None:
    proc = subprocess.run([precommit_bin(), "run", "--all-files"], cwd=own_tree,
                          capture_output=True, text=True,
                          env={**_env_with_this_python(),
                               "PRE_COMMIT_HOME": str(tmp_path / "pc")})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "authgate (provenance, leaks, identity)" in proc.stdout
    assert "Passed" in proc.stdout


def test_its_own_hooks_block_a_key_in_code_and_count_one_in_tests(own_tree: Path,
                                                                  tmp_path: Path) -> None:
    repo = Repo.__new__(Repo)
    repo.path = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(own_tree), str(repo.path)], check=True)
    env = {**_env_with_this_python(), "PRE_COMMIT_HOME": str(tmp_path / "pc")}
    installed = subprocess.run([precommit_bin(), "install"], cwd=repo.path,
                               capture_output=True, text=True, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    repo.write("hooks/authgate/leaky.py", f'KEY = "{KEY}"\n')
    repo.add("hooks/authgate/leaky.py")
    blocked = repo.git("commit", "-m", "Add a key", check=False, env=env)
    out = blocked.stdout.decode() + blocked.stderr.decode()
    assert blocked.returncode == 1
    assert "hooks/authgate/leaky.py:1: leak.secret.aws-key:" in out

    repo.git("rm", "-q", "--cached", "hooks/authgate/leaky.py")
    repo.write("tests/test_fake_key.py", f'KEY = "{KEY}"\n')
    repo.add("tests/test_fake_key.py")
    done = repo.git("commit", "-q", "-m", "Test with a planted key", check=False, env=env)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert "Authgate-Suppressed: 1" in repo.out("log", "-1", "--format=%B")
