"""Helpers the test modules share: a scratch git repository driven through the real
git (`Repo`), authgate run in-process or as a process, the hermetic environment, the
real pre-commit, and in-memory ChangeSets for the checks. Test modules import these,
never each other; tests/conftest.py holds only the fixtures."""

from __future__ import annotations

from testing.env import AGENT_PREFIXES, CI_VARIABLES, PROJECT, clean_environ, copy_tracked
from testing.precommit import install_hooks, precommit_bin
from testing.repo import Repo, Result

__all__ = ["AGENT_PREFIXES", "CI_VARIABLES", "PROJECT", "Repo", "Result", "clean_environ",
           "copy_tracked", "install_hooks", "precommit_bin"]
