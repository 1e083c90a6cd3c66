"""The author and committer of the commit being made: `authgate check` and `authgate
msg` read them from `git var` (environment and config honoured), so an assistant
committing under its own identity is seen at commit time, not only by `verify`."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from authgate.changes import ChangeSet, Identity, parse_ident
from authgate.config import Config
from authgate.hookcache import key

from testing import Repo

CLAUDE = {"GIT_AUTHOR_NAME": "Claude", "GIT_AUTHOR_EMAIL": "noreply@anthropic.com"}


def staged_readme(repo: Repo) -> None:
    repo.write("README.md", "readme\n")
    repo.add("README.md")
    repo.commit("readme")
    repo.write("README.md", "readme, edited\n")
    repo.add("README.md")


def check_json(repo: Repo, env: dict[str, str] | None = None) -> dict[str, object]:
    proc = repo.main("check", "--format", "json", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    subject: dict[str, object] = json.loads(proc.stdout)["subjects"][0]
    return subject


def test_an_assistant_author_from_the_environment_is_ai_assisted_at_check(repo: Repo) -> None:
    staged_readme(repo)
    human = check_json(repo)
    assert human["ai_assisted"] is False
    claude = check_json(repo, CLAUDE)
    assert claude["ai_assisted"] is True
    assert claude["ai_tools"] == ["claude-code"]
    assert claude["ai_evidence"] == [
        "provenance.identity.claude-code: author: Claude <noreply@anthropic.com> (strong)"]


def test_an_assistant_name_from_config_is_seen_as_committer_too(repo: Repo) -> None:
    # aider commits as "<your name> (aider)": set in config, it is author and committer.
    staged_readme(repo)
    repo.git("config", "user.name", "Test User (aider)")
    subject = check_json(repo)
    assert subject["ai_tools"] == ["aider"]
    rules = [f["rule"] for f in subject["findings"]]  # type: ignore[attr-defined]
    assert rules.count("provenance.identity.aider-name") == 1
    assert "(aider)" in "; ".join(subject["ai_evidence"])  # type: ignore[arg-type]


def test_the_text_report_names_the_author(repo: Repo) -> None:
    staged_readme(repo)
    proc = repo.main("check", env=CLAUDE)
    assert proc.returncode == 0
    assert "AI-assisted: claude-code" in proc.stdout
    assert "author: Claude <noreply@anthropic.com>" in proc.stdout


def test_only_the_content_families_read_no_identity(repo: Repo) -> None:
    staged_readme(repo)
    proc = repo.main("check", "--only", "leak", "--format", "json", env=CLAUDE)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["subjects"][0]["ai_assisted"] is False


def test_no_identity_configured_is_not_an_error(repo: Repo) -> None:
    # git commit would refuse later; the check itself still judges the content.
    staged_readme(repo)
    repo.git("config", "user.useConfigOnly", "true")
    env = {"GIT_CONFIG_GLOBAL": "/dev/null", "EMAIL": ""}
    assert subprocess.run(["git", "var", "GIT_AUTHOR_IDENT"], cwd=repo.path,
                          capture_output=True, env={**os.environ, **env}).returncode != 0
    proc = repo.main("check", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "identity impact none" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_a_commit_by_an_assistant_gets_the_ai_trailer_from_msg(
        hooked_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKIP", "authgate")  # the message stages alone
    hooked_repo.write("notes.txt", "notes\n")
    hooked_repo.add("notes.txt")
    proc = hooked_repo.git("commit", "-q", "-m", "Add notes", env=CLAUDE, check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    body = hooked_repo.out("log", "-1", "--format=%B")
    assert "AI-Assisted: claude-code" in body
    assert hooked_repo.out("log", "-1", "--format=%ae") == "noreply@anthropic.com"


def test_a_person_commit_gets_no_ai_trailer(hooked_repo: Repo,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKIP", "authgate")
    hooked_repo.write("notes.txt", "notes\n")
    hooked_repo.add("notes.txt")
    hooked_repo.git("commit", "-q", "-m", "Add notes")
    assert hooked_repo.out("log", "-1", "--format=%B") == "Add notes"


def test_parse_ident_reads_git_var_output() -> None:
    assert parse_ident("Ann Example <ann@example.com> 1767225600 +0100") == \
        Identity("Ann Example", "ann@example.com")
    assert parse_ident("Bot (aider) <a@b.c> 1 -0500") == Identity("Bot (aider)", "a@b.c")
    assert parse_ident("no identity here") is None


def test_the_hook_cache_key_differs_by_author() -> None:
    # The content findings are shared between a commit's hooks; an author's findings
    # are among them, so a cached result must not be reused for another author.
    base = ChangeSet(files=(), source="index", revision="0" * 40, tree="1" * 40)
    cfg = Config()
    person = base._replace(author=Identity("Ann", "ann@example.com"))
    claude = base._replace(author=Identity("Claude", "noreply@anthropic.com"))
    keys = {key(c, cfg, ("provenance",)) for c in (base, person, claude)}
    assert len(keys) == 3 and None not in keys
