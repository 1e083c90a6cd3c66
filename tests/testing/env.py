"""The hermetic environment every test runs in, and this project's tracked files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent.parent

# Variables an AI agent (or a hook runner) sets that would change what authgate sees.
AGENT_PREFIXES = ("CLAUDE", "GEMINI", "CODEX", "COPILOT", "CURSOR", "GOOSE", "CRUSH",
                  "OPENCODE", "AI_AGENT", "AGENT", "AIDER", "AMP", "WINDSURF", "CLINE",
                  "OPENHANDS", "REPL_", "DEVIN", "JULES", "QWEN", "KIRO", "PRE_COMMIT",
                  "GIT_", "NO_COLOR", "AUTHGATE", "SKIP")


# CI runners' markers: authgate stays quiet (no progress display) when they are set.
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "GITHUB_STEP_SUMMARY")


def clean_environ(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(AGENT_PREFIXES) and k not in CI_VARIABLES}
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        home.mkdir(parents=True, exist_ok=True)
        gitconfig.write_text(
            "[user]\n\tname = Test User\n\temail = test@example.com\n"
            "[init]\n\tdefaultBranch = main\n"
            "[commit]\n\tgpgsign = false\n"
            "[advice]\n\tdetachedHead = false\n"
            "[protocol \"file\"]\n\tallow = always\n",
            encoding="utf-8")
    env.update({
        "HOME": str(home),
        # authgate keeps parsed catalogs there (rules.py): per test, as HOME is.
        "XDG_CACHE_HOME": str(home / ".cache"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
        "LC_ALL": "C.UTF-8",
    })
    return env


def copy_tracked(dest: Path, env: dict[str, str]) -> Path:
    """This project's tracked files, as they are in the work tree, committed in a new
    repository at `dest` (hooks bypassed): the project as a clone would have it."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, names):
        src = PROJECT / rel
        if src.is_file() and not src.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(src.read_bytes())
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    return dest
