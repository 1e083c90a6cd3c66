"""Releases: the README installs by a tag that equals `authgate.__version__`, the
changelog has that version, and installing by that tag works as the README says
(the real pre-commit and pip, against a tagged copy of this project)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from authgate import __version__

from testing import PROJECT, Repo, clean_environ, copy_tracked, precommit_bin

# One worker runs this file: the tagged copy of the project is made once (module fixture `tagged`).
pytestmark = pytest.mark.xdist_group("packaging_release")

README = (PROJECT / "README.md").read_text(encoding="utf-8")
CHANGELOG = (PROJECT / "CHANGELOG.md").read_text(encoding="utf-8")
TAG = f"v{__version__}"
HOSTED = "https://git.example.com/security/authgate"


def test_every_install_command_in_the_readme_names_this_version() -> None:
    revs = re.findall(r"^\s*rev:\s*(\S+)", README, flags=re.M)
    pins = re.findall(r"authgate@(\S+?)[\"'\s]", README)
    assert revs and pins, "the README's install commands moved: update this test"
    assert set(revs) | set(pins) == {TAG}


def test_the_changelog_has_this_version_and_an_unreleased_section() -> None:
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", CHANGELOG, flags=re.M)
    assert headings[0] == ("Unreleased", "")
    assert (__version__, headings[1][1]) == headings[1] and headings[1][1]
    # Keep a Changelog's link references, one per heading.
    for name, _ in headings:
        assert re.search(rf"^\[{re.escape(name)}\]: \S+", CHANGELOG, flags=re.M), name


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This project's tracked files committed and tagged as a release would be."""
    env = clean_environ(tmp_path_factory.mktemp("release-home"))
    dest = copy_tracked(tmp_path_factory.mktemp("authgate-release"), env)
    subprocess.run(["git", "tag", "-a", TAG, "-m", f"authgate {__version__}"], cwd=dest,
                   env=env, check=True, capture_output=True)
    return dest.as_uri()


def test_the_readme_precommit_config_installs_by_tag(tagged: str, repo: Repo,
                                                     tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"```yaml\n(default_install_hook_types:.*?)```", README, flags=re.S)
    assert block and HOSTED in block[1]
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pc"))
    repo.write(".pre-commit-config.yaml", block[1].replace(HOSTED, tagged))
    proc = subprocess.run([precommit_bin(), "install", "--install-hooks"], cwd=repo.path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo.add(".pre-commit-config.yaml")
    repo.write("app/auth/login.py", "def login(user, password):\n"
                                    "    return user.check_password(password)\n")
    repo.add("app/auth/login.py")
    done = repo.git("commit", "-q", "-m", "Add login", check=False)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert "Identity-Impact: high" in repo.out("log", "-1", "--format=%B")


def test_pip_installs_the_tag_as_the_ci_recipes_do(tagged: str, tmp_path: Path) -> None:
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                           "--no-build-isolation", "--disable-pip-version-check",
                           "--target", str(target), f"git+{tagged}@{TAG}"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    version = subprocess.run([sys.executable, "-m", "authgate", "--version"],
                             capture_output=True, text=True, cwd=tmp_path,
                             env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert version.stdout == f"authgate {__version__}\n", version.stderr
