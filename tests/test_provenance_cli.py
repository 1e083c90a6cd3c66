"""Provenance end to end: real git, the real CLI, and the real pre-commit."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from authgate import changes
from authgate.config import Config
from authgate.pipeline import evaluate

from testing import Repo, install_hooks

ELIDED = "def login(user, password):\n    # ... existing code ...\n    return issue_token(user)\n"
CLEAN = "def login(user, password):\n    return issue_token(user)\n"
CLAUDE_MESSAGE = ("Rotate refresh tokens\n\n"
                  "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
                  "Co-Authored-By: Claude Opus 4.8 (1M context) <noreply@anthropic.com>\n")


def started(repo: Repo) -> str:
    repo.write("README.md", "service\n")
    repo.add("README.md")
    return repo.commit("initial")


def summary(stdout: str) -> str:
    return next(ln for ln in stdout.splitlines() if ln.startswith("authgate: "))


def test_staged_elision_placeholder_blocks_with_its_location(repo: Repo) -> None:
    started(repo)
    repo.write("src/auth/login.py", ELIDED)
    repo.add("src/auth/login.py")
    proc = repo.main("check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("src/auth/login.py:2: provenance.artifact.elision: elision placeholder: an AI "
            "edit replaced code with a comment, so code is missing [# ... existing code ...]"
            ) in _no_fp(proc.stdout).splitlines()
    assert summary(proc.stdout).startswith("authgate: BLOCKED: ")


def test_agent_environment_makes_the_report_say_ai_assisted(repo: Repo) -> None:
    started(repo)
    repo.write("src/auth/login.py", CLEAN)
    repo.add("src/auth/login.py")
    agent = {"CLAUDECODE": "1", "CLAUDE_CODE_ENTRYPOINT": "cli"}
    proc = repo.main("check", "--only", "provenance", env=agent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert summary(proc.stdout) == ("authgate: ok: identity impact none; AI-assisted: "
                                    "claude-code; 1 finding, 0 blocking, 0 suppressed")
    assert ("  AI evidence: provenance.env.claude-code: CLAUDECODE=1, "
            "CLAUDE_CODE_ENTRYPOINT=cli (strong)") in proc.stdout.splitlines()
    # With every family, the same evidence reaches the verdict that the other checks
    # grade (an AI-assisted identity change is held to a stricter standard).
    proc = repo.main("check", env=agent)
    assert "; AI-assisted: claude-code; " in summary(proc.stdout)
    assert "AI-assisted" not in summary(repo.main("check").stdout)


def test_cursor_trace_id_alone_is_not_evidence(repo: Repo) -> None:
    started(repo)
    repo.write("src/auth/login.py", CLEAN)
    repo.add("src/auth/login.py")
    proc = repo.main("check", "--only", "provenance",
                         env={"CURSOR_TRACE_ID": "0f4e3a2b1c9d"})
    assert proc.returncode == 0
    assert summary(proc.stdout) == ("authgate: ok: identity impact none; "
                                    "0 findings, 0 blocking, 0 suppressed")


def test_json_report_names_tools_and_never_an_agent_secret(repo: Repo) -> None:
    started(repo)
    repo.write("src/auth/login.py", CLEAN)
    repo.add("src/auth/login.py")
    fake_key = "AIzaSy" + "FAKEfakeFAKEfakeFAKEfakeFAKEfake0"
    proc = repo.main("check", "--only", "provenance", "--format", "json",
                         env={"GEMINI_CLI": "1", "GEMINI_API_KEY": fake_key})
    assert proc.returncode == 0
    subject = json.loads(proc.stdout)["subjects"][0]
    assert (subject["ai_assisted"], subject["ai_tools"]) == (True, ["gemini-cli"])
    assert [(f["rule"], f["strength"], f["tool"]) for f in subject["findings"]] == [
        ("provenance.env.gemini-cli", "strong", "gemini-cli")]
    assert fake_key not in proc.stdout + proc.stderr


def test_agent_trace_record_for_head_and_a_staged_file(repo: Repo) -> None:
    head = started(repo)
    repo.write("src/auth/login.py", CLEAN)
    repo.add("src/auth/login.py")
    record = {"version": "0.1.0", "id": "5b0e", "timestamp": "2026-01-01T00:00:00Z",
              "vcs": {"type": "git", "revision": head}, "tool": {"name": "cursor"},
              "files": [{"path": "src/auth/login.py", "conversations": [{
                  "contributor": {"type": "ai", "model_id": "claude-sonnet-4"},
                  "ranges": [{"start_line": 1, "end_line": 2}]}]}]}
    stale = {**record, "vcs": {"type": "git", "revision": "0" * 40}}
    repo.write(".agent-trace/traces.jsonl",
               json.dumps(stale) + "\n" + json.dumps(record) + "\n" + '{"vcs": "' + head + "\n")
    proc = repo.main("check", "--only", "provenance")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = _no_fp(proc.stdout).splitlines()
    assert ("src/auth/login.py:1: provenance.trace.agent-trace: an Agent Trace record says an "
            "AI contributed to this staged file [lines 1-2 by cursor (claude-sonnet-4)]") in lines
    assert (".agent-trace/traces.jsonl:3: provenance.trace.malformed: 1 unreadable Agent Trace "
            "record(s) skipped (line 3)") in lines
    assert "AI-assisted: cursor" in summary(proc.stdout)


def test_a_commit_is_judged_on_its_message_identities_and_git_ai_note(repo: Repo) -> None:
    started(repo)
    repo.write("src/auth/tokens.py", CLEAN)
    repo.add("src/auth/tokens.py")
    sha = repo.commit(CLAUDE_MESSAGE)
    note = ("src/auth/tokens.py\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n---\n"
            + json.dumps({"schema_version": "authorship/3.0.0", "base_commit_sha": sha,
                          "prompts": {}, "sessions": {"s_c9883b05a2487d": {
                              "agent_id": {"tool": "claude", "model": "claude-opus-4"}}}}))
    repo.git("notes", "--ref=refs/notes/ai", "add", "-m", note, sha)
    commit = changes.commit(sha, cwd=str(repo.path))
    verdict = evaluate(commit, Config(), ["provenance"])
    assert verdict.ai_tools == ("claude", "claude-code")
    assert {(f.rule_id, f.path) for f in verdict.findings} == {
        ("provenance.identity.claude-code", None),
        ("provenance.footer.claude-code", None),
        ("provenance.trace.git-ai", "src/auth/tokens.py")}


def test_scan_flags_a_committed_chat_transcript(repo: Repo) -> None:
    started(repo)
    repo.write(".aider.chat.history.md", "# aider chat started at 2026-01-01 10:00:00\n")
    repo.add(".aider.chat.history.md")
    repo.commit("oops")
    proc = repo.main("scan")
    assert proc.returncode == 1
    assert (".aider.chat.history.md: provenance.transcript.chat-history: an AI chat transcript "
            "is committed: it can hold prompts, pasted secrets and internal hosts "
            "[added: .aider.chat.history.md]") in _no_fp(proc.stdout).splitlines()


def test_explain_prints_a_provenance_rule(repo: Repo) -> None:
    proc = repo.main("explain", "provenance.disclosure.assisted-by")
    assert proc.returncode == 0
    assert "kind:           trailer" in proc.stdout.splitlines()
    assert "Assisted-by counts as AI only as AGENT:MODEL" in proc.stdout


@pytest.fixture
def provenance_hooked(repo: Repo, hook_repo: tuple[str, str], precommit_home: Path,
                      monkeypatch: pytest.MonkeyPatch) -> Repo:
    """Only the `authgate-provenance` hook, installed by the real pre-commit."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(precommit_home))
    install_hooks(repo, hook_repo, ("authgate-provenance",), ("pre-commit",))
    repo.add(".pre-commit-config.yaml")
    repo.commit("add pre-commit config")
    return repo


def test_real_pre_commit_blocks_an_apply_patch_leftover(provenance_hooked: Repo) -> None:
    repo = provenance_hooked
    repo.write("src/auth/token.py", "*** Begin Patch\n*** Update File: src/auth/token.py\n"
                                    "TTL = 900\n*** End Patch\n")
    repo.add("src/auth/token.py")
    proc = repo.git("commit", "-q", "-m", "shorter tokens", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0, out
    assert "src/auth/token.py:1: provenance.artifact.apply-patch:" in out
    assert subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo.path,
                          capture_output=True, text=True).stdout.strip() == "1"
    repo.write("src/auth/token.py", "TTL = 900\n")
    repo.add("src/auth/token.py")
    proc = repo.git("commit", "-q", "-m", "shorter tokens", check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()


def _no_fp(text: str) -> str:
    """The text report without each finding's fingerprint, `(fp ...)` (test_accept.py
    is about those)."""
    return re.sub(r" \(fp [0-9a-f]{12}\)", "", text)
