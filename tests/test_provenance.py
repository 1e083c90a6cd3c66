"""The provenance check over in-memory ChangeSets: the catalog case by case, real
message shapes, evasion, trace records, and what policy makes of the findings."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from authgate import config as config_mod
from authgate import rules as rules_mod
from authgate.changes import ChangeSet, FileChange, Hunk, Identity, Line, Status
from authgate.checks import provenance
from authgate.config import Config, ConfigError
from authgate.findings import Action, Finding
from authgate.pipeline import evaluate
from authgate.policy import decide
from authgate.report import Subject, render
from authgate.rules import agent_variables

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DATA = Path(__file__).parent / "data" / "provenance"
CASES: list[dict[str, Any]] = tomllib.loads(
    (DATA / "cases.toml").read_text(encoding="utf-8"))["case"]
CONFIG = Config()
RULES = rules_mod.load(CONFIG, ["provenance"])


def identity(text: str | None) -> Identity | None:
    if text is None:
        return None
    m = re.fullmatch(r"(.*?)\s*<(.*)>", text)
    assert m, text
    return Identity(m[1], m[2])


def file_change(path: str, added: list[str], *, status: str = "added",
                removed: tuple[str, ...] = (), old_path: str | None = None) -> FileChange:
    lines = [Line("-", t, i + 1, None) for i, t in enumerate(removed)]
    lines += [Line("+", t, None, i + 1) for i, t in enumerate(added)]
    hunks = (Hunk(1, 1, tuple(lines)),) if lines and status != "deleted" else ()
    return FileChange(path=path, status=Status(status), old_path=old_path, hunks=hunks)


def change_set(*, message: str | None = None, author: str | None = None,
               committer: str | None = None, env: Mapping[str, str] | None = None,
               files: tuple[FileChange, ...] = (), revision: str | None = None,
               agent_trace: str | None = None, ai_note: str | None = None,
               source: str = "index") -> ChangeSet:
    return ChangeSet(files=files, source=source, revision=revision, message=message,
                     author=identity(author), committer=identity(committer),
                     environment=dict(env or {}), agent_trace=agent_trace, ai_note=ai_note)


def from_case(case: Mapping[str, Any]) -> ChangeSet:
    files: tuple[FileChange, ...] = ()
    if "file" in case:
        files = (file_change(case["file"], list(case.get("lines", [])),
                             status=case.get("status", "added"),
                             removed=tuple(case.get("removed", ())),
                             old_path=case.get("old_path")),)
    return change_set(message=case.get("message"), author=case.get("author"),
                      committer=case.get("committer"), env=case.get("env"), files=files,
                      revision=case.get("revision"), agent_trace=case.get("agent_trace"),
                      ai_note=case.get("ai_note"))


def check(changes: ChangeSet, cfg: Config = CONFIG, rules: rules_mod.RuleSet = RULES
          ) -> list[Finding]:
    return provenance.run(changes, rules, cfg)


def ids(findings: list[Finding]) -> set[str]:
    return {f.rule_id for f in findings}


def case_id(case: Mapping[str, Any]) -> str:
    same = [c for c in CASES if c["rule"] == case["rule"] and c["expect"] == case["expect"]]
    n = next(i for i, c in enumerate(same) if c is case)
    return f"{case['rule'].removeprefix('provenance.')}{'+' if case['expect'] else '-'}{n}"


# --- the catalog, case by case ------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_catalog_case(case: dict[str, Any]) -> None:
    findings = check(from_case(case))
    hits = [f for f in findings if f.rule_id == case["rule"]]
    why = case.get("why", "")
    if case["expect"]:
        assert hits, f"{case['rule']} should fire ({why}); got {sorted(ids(findings))}"
        if "tool" in case:
            assert case["tool"] in {f.tool for f in hits}, [f.tool for f in hits]
        if "strength" in case:
            assert {f.strength for f in hits} == {case["strength"]}
    else:
        assert not hits, f"{case['rule']} should not fire ({why}): {hits[0].evidence}"
        if case.get("quiet"):
            assert not findings, f"no provenance finding expected ({why}): {sorted(ids(findings))}"


def test_every_catalog_rule_has_a_positive_and_a_negative_case() -> None:
    positive = {c["rule"] for c in CASES if c["expect"]}
    negative = {c["rule"] for c in CASES if not c["expect"]}
    catalog = {r.id for r in RULES}
    assert catalog - positive == set(), "rules without a positive case"
    assert catalog - negative == set(), "rules without a negative case"
    assert (positive | negative) - catalog == set(), "cases for rules that do not exist"


def test_every_rule_reads_as_a_fact_or_a_defect() -> None:
    for rule in RULES:
        strength = rule.params.get("strength")
        if rule.action is Action.WARN:
            # Evidence only: a fact about who wrote the change, never a problem.
            assert rule.tier == 0, rule.id
        if rule.id.startswith(("provenance.artifact.", "provenance.evasion.",
                               "provenance.transcript.")):
            assert rule.action is Action.BLOCK, rule.id
        if rule.id.startswith(("provenance.agent-config.", "provenance.attribution.")):
            assert rule.action is Action.ANNOTATE, rule.id
        if rule.kind in ("identity", "trailer", "env", "message"):
            assert strength in ("strong", "weak"), rule.id


def test_the_hooks_capture_every_variable_an_env_rule_reads_and_no_other() -> None:
    captured = agent_variables(Config())
    assert {"CLAUDECODE", "AGENT", "AI_AGENT", "CURSOR_AGENT", "GEMINI_CLI"} <= set(captured)
    assert "HOME" not in captured and "PATH" not in captured
    for rule in RULES.kind("provenance", "env"):
        assert set(rule.params["vars"]) <= set(captured), rule.id


# --- real message shapes ------------------------------------------------------------------

def message(name: str) -> str:
    return (DATA / "messages" / name).read_text(encoding="utf-8")


def test_squash_merge_body_with_several_co_authors() -> None:
    findings = check(change_set(message=message("squash-merge.txt"), source="commit",
                                author="Jane Doe <jane@example.com>",
                                committer="GitHub <noreply@github.com>"))
    strong = {(f.rule_id, f.tool) for f in findings if f.strength == "strong"}
    assert strong == {
        ("provenance.identity.claude-code", "claude-code"),
        ("provenance.identity.copilot-cli", "copilot"),
        ("provenance.footer.claude-code", "claude-code"),
    }
    claude = next(f for f in findings if f.rule_id == "provenance.identity.claude-code")
    # The same co-author repeated in every squashed commit is one finding, counted.
    assert claude.evidence.startswith("Co-authored-by: Claude <noreply@anthropic.com>")
    assert claude.evidence.endswith("(+2 more)")
    assert claude.location == "(message)" and claude.context == "message"


def test_claude_code_commit_footer() -> None:
    verdict = decide(check(change_set(message=message("claude-code.txt"))), CONFIG)
    assert verdict.ai_assisted and verdict.ai_tools == ("claude-code",)
    assert verdict.ai_evidence[0].startswith("provenance.")
    assert any("noreply@anthropic.com" in e for e in verdict.ai_evidence)


def test_aider_commit_with_author_suffix() -> None:
    findings = check(change_set(message=message("aider.txt"), source="commit",
                                author="Jane Doe (aider) <jane@example.com>",
                                committer="Jane Doe (aider) <jane@example.com>"))
    assert ids(findings) == {"provenance.identity.aider-name", "provenance.message.aider-prefix"}
    name = next(f for f in findings if f.rule_id == "provenance.identity.aider-name")
    assert name.evidence == "author: Jane Doe (aider) <jane@example.com> (+1 more)"


def test_copilot_coding_agent_commit() -> None:
    findings = check(change_set(
        message=message("copilot-agent.txt"), source="commit",
        author="copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
        committer="GitHub <noreply@github.com>"))
    assert ids(findings) == {"provenance.identity.copilot-agent",
                             "provenance.trailer.copilot-agent-logs"}
    assert decide(findings, CONFIG).ai_tools == ("copilot",)


def test_linux_kernel_disclosure_and_human_assisted_by_in_one_message() -> None:
    findings = check(change_set(message=message("kernel.txt")))
    disclosed = [f for f in findings if f.rule_id == "provenance.disclosure.assisted-by"]
    assert [f.evidence for f in disclosed] == [
        "Assisted-by: Claude:claude-3-opus coccinelle sparse"]
    assert decide(findings, CONFIG).ai_tools == ("claude",)


def test_human_commit_has_no_provenance() -> None:
    findings = check(change_set(message=message("human.txt"), source="commit",
                                author="Claude Martin <claude.martin@example.com>",
                                committer="Claude Martin <claude.martin@example.com>"))
    assert findings == []


def test_a_diff_below_the_scissors_line_is_not_the_message() -> None:
    text = ("Fix login\n"
            "# ------------------------ >8 ------------------------\n"
            "+Co-Authored-By: Claude <noreply@anthropic.com>\n"
            "Co-Authored-By: Claude <noreply@anthropic.com>\n")
    assert check(change_set(message=text)) == []


def test_trailer_keys_match_case_insensitively() -> None:
    for key in ("Co-Authored-By", "co-authored-by", "CO-AUTHORED-BY"):
        findings = check(change_set(message=f"x\n\n{key}: Claude <noreply@anthropic.com>\n"))
        assert ids(findings) == {"provenance.identity.claude-code"}, key


def test_the_configured_ai_trailer_name_counts_as_disclosure() -> None:
    cfg = config_mod.parse({"trailers": {"ai": "AI-Generated"}}, "test")
    findings = check(change_set(message="x\n\nAI-Generated: claude-code, aider\n"), cfg)
    assert {(f.rule_id, f.tool) for f in findings} == {
        ("provenance.disclosure.ai-assisted", "claude-code"),
        ("provenance.disclosure.ai-assisted", "aider")}


def test_pre_commit_stage_without_message_reads_no_trailers() -> None:
    findings = check(change_set(message=None, env={"CLAUDECODE": "1"}))
    assert [(f.rule_id, f.context, f.location) for f in findings] == [
        ("provenance.env.claude-code", "environment", "(environment)")]


# --- evasion --------------------------------------------------------------------------

def test_zero_width_characters_do_not_hide_a_co_author() -> None:
    hidden = "x\n\nCo-Authored-By: Claude <noreply@anthr\u200bopic\u2060.com>\n"
    findings = check(change_set(message=hidden))
    assert ids(findings) == {"provenance.identity.claude-code"}
    assert "\u200b" not in findings[0].evidence


def test_full_width_letters_do_not_hide_a_co_author() -> None:
    wide = "x\n\nCo-Authored-By: Claude <ｎｏｒｅｐｌｙ＠ａｎｔｈｒｏｐｉｃ．ｃｏｍ>\n"
    assert ids(check(change_set(message=wide))) == {"provenance.identity.claude-code"}


def test_invisible_characters_do_not_hide_an_elision_placeholder() -> None:
    fc = file_change("src/auth/login.ts", ["  // ... exist\u200bing co\u00adde ...",
                                           "  // \u2026 rest of the co\u200dde remains the same",
                                           "  // ﹒﹒﹒ existing code"])
    findings = check(change_set(files=(fc,)))
    assert [(f.rule_id, f.line) for f in findings] == [
        ("provenance.artifact.elision", 1), ("provenance.artifact.elision", 2),
        ("provenance.artifact.elision", 3)]


def test_bidi_controls_are_their_own_finding_with_the_column() -> None:
    fc = file_change("src/auth/acl.py", ["ok = 1", "# ... existing code ...\u202e"])
    findings = check(change_set(files=(fc,)))
    assert {(f.rule_id, f.line, f.action) for f in findings} == {
        ("provenance.artifact.elision", 2, Action.BLOCK),
        ("provenance.evasion.bidi-control", 2, Action.BLOCK)}
    bidi = next(f for f in findings if f.rule_id == "provenance.evasion.bidi-control")
    assert bidi.evidence == ("U+202E RIGHT-TO-LEFT OVERRIDE at column 24: "
                             "# ... existing code ...")
    assert bidi.strength is None, "an attack is not evidence of AI"


def test_a_variable_named_like_an_agent_is_matched_on_its_value() -> None:
    findings = check(change_set(env={"CLAUDECODE": " 1 ", "AI_AGENT": "0"}))
    assert ids(findings) == {"provenance.env.claude-code"}


# --- artifacts are defects with locations ---------------------------------------------------

def test_artifact_findings_point_at_the_added_line_and_redact_secrets() -> None:
    token = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
    fc = FileChange(path="src/pay.py", status=Status.MODIFIED, hunks=(Hunk(10, 10, (
        Line(" ", "def charge():", 10, 10),
        Line("-", "    key = load_key()", 11, None),
        Line("+", f"    # ... existing code ... key = '{token}'", None, 11),
        Line(" ", "    return 1", 12, 12),
    )),))
    findings = check(change_set(files=(fc,)))
    assert [(f.rule_id, f.path, f.line) for f in findings] == [
        ("provenance.artifact.elision", "src/pay.py", 11)]
    assert token not in findings[0].evidence
    assert token not in render("text", [Subject("staged", decide(findings, CONFIG))])


def test_fence_inside_a_docstring_opened_in_context_lines_is_data() -> None:
    fc = FileChange(path="src/auth/api.py", status=Status.MODIFIED, hunks=(Hunk(1, 1, (
        Line(" ", 'def login():', 1, 1),
        Line(" ", '    """Log in.', 2, 2),
        Line("+", "```python", None, 3),
        Line("+", "login()", None, 4),
        Line("+", "```", None, 5),
        Line(" ", '    """', 3, 6),
        Line("+", "```", None, 7),
    )),))
    findings = check(change_set(files=(fc,)))
    assert [(f.rule_id, f.line) for f in findings] == [("provenance.artifact.markdown-fence", 7)]


def test_removed_lines_and_deleted_files_are_never_artifacts() -> None:
    gone = file_change("src/old.py", [], status="deleted")
    edited = file_change("src/new.py", ["x = 1"], status="modified",
                         removed=("# ... existing code ...", "*** Begin Patch"))
    assert check(change_set(files=(gone, edited))) == []


def test_renaming_agent_configuration_away_is_still_reported() -> None:
    fc = file_change("docs/old-claude-notes.md", [], status="renamed", old_path="CLAUDE.md")
    findings = check(change_set(files=(fc,)))
    assert [(f.rule_id, f.evidence) for f in findings] == [
        ("provenance.agent-config.claude-code",
         "renamed: docs/old-claude-notes.md (from CLAUDE.md)")]


# --- trace records --------------------------------------------------------------------

HEAD = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def trace(path: str, kind: str = "ai", revision: str = HEAD, tool: str = "claude-code") -> str:
    return ('{"version":"0.1.0","id":"x","timestamp":"2026-01-01T00:00:00Z",'
            f'"vcs":{{"type":"git","revision":"{revision}"}},"tool":{{"name":"{tool}"}},'
            f'"files":[{{"path":"{path}","conversations":[{{"contributor":{{"type":"{kind}",'
            '"model_id":"claude-opus-4"},"ranges":[{"start_line":3,"end_line":9},'
            '{"start_line":20,"end_line":20}]}]}]}')


def test_agent_trace_names_tool_model_and_ranges() -> None:
    fc = file_change("src/auth/login.py", ["x"] * 20)
    findings = check(change_set(files=(fc,), revision=HEAD, agent_trace=trace("src/auth/login.py")))
    assert [(f.rule_id, f.path, f.line, f.tool, f.evidence) for f in findings] == [
        ("provenance.trace.agent-trace", "src/auth/login.py", 3, "claude-code",
         "lines 3-9, 20 by claude-code (claude-opus-4)")]


def test_malformed_trace_records_are_reported_once_and_skipped() -> None:
    fc = file_change("src/auth/login.py", ["x"])
    lines = [
        trace("src/auth/login.py"),
        "{not json " + HEAD,
        f'["{HEAD}"]',
        f'{{"vcs": {{"revision": "{HEAD}"}}, "files": [{{"path": 1, "conversations": 7}}]}}',
        f'{{"vcs": {{"revision": "{HEAD}"}}, "files": [{{"path": "src/auth/login.py", '
        '"conversations": [{"contributor": {"type": "ai"}, "ranges": [{"start_line": "x"}]}]}]}',
        "{truncated record without the revision",
        # A record counts whole or not at all: its good first file is not evidence.
        f'{{"vcs": {{"revision": "{HEAD}"}}, "tool": {{"name": "aider"}}, "files": ['
        '{"path": "src/auth/login.py", "conversations": [{"contributor": {"type": "ai"}}]},'
        '{"path": "src/other.py", "conversations": 7}]}',
    ]
    findings = check(change_set(files=(fc,), revision=HEAD, agent_trace="\n".join(lines)))
    assert sorted((f.rule_id, f.line) for f in findings) == [
        ("provenance.trace.agent-trace", 3), ("provenance.trace.malformed", 2)]
    bad = next(f for f in findings if f.rule_id == "provenance.trace.malformed")
    assert bad.message == "5 unreadable Agent Trace record(s) skipped (line 2 and 4 more)"
    assert {f.tool for f in findings} == {"claude-code", None}
    assert bad.path == ".agent-trace/traces.jsonl" and bad.strength is None


@pytest.mark.parametrize("note", [
    "", "---", "---\n[1, 2]", '---\n{"schema_version": "authorship/3.0.0", "sessions": []}',
    'src/a.py\n  s_1 1-3\n---\n{"schema_version": "other"}', "\x00\x01binary",
])
def test_git_ai_notes_that_cannot_be_read_never_crash(note: str) -> None:
    findings = check(change_set(ai_note=note or None, source="commit"))
    assert ids(findings) <= {"provenance.trace.malformed"}


def test_git_ai_note_with_legacy_prompt_keys() -> None:
    note = ('src/lib.rs\n  abcd1234abcd1234 1-50\n---\n'
            '{"schema_version":"authorship/3.0.0","base_commit_sha":"x",'
            '"prompts":{"abcd1234abcd1234":{"agent_id":{"tool":"cursor","model":"gpt-4"}}}}')
    findings = check(change_set(ai_note=note, source="commit"))
    assert [(f.rule_id, f.path, f.line, f.tool, f.evidence) for f in findings] == [
        ("provenance.trace.git-ai", "src/lib.rs", 1, "cursor", "lines 1-50 by cursor (gpt-4)")]


# --- policy and report ------------------------------------------------------------------

def test_weak_evidence_alone_is_not_ai_assisted() -> None:
    fc = file_change("CLAUDE.md", ["rules"])
    verdict = decide(check(change_set(files=(fc,), env={"AGENT": "buildkite"})), CONFIG)
    assert not verdict.ai_assisted and not verdict.blocked


def test_forbid_blocks_strong_evidence_and_disclose_asks_for_the_trailer() -> None:
    changes = change_set(env={"GEMINI_CLI": "1"})
    forbid = evaluate(changes, config_mod.parse({"ai": "forbid"}, "t"), ["provenance"])
    assert forbid.blocked
    assert "this repository forbids AI-assisted changes (gemini-cli detected)" in " ".join(
        forbid.reasons)
    disclose = evaluate(changes, config_mod.parse({"ai": "disclose"}, "t"), ["provenance"])
    assert disclose.disclose_ai and not disclose.blocked
    assert not evaluate(change_set(env={"AGENT": "x"}), config_mod.parse(
        {"ai": "forbid"}, "t"), ["provenance"]).blocked


def test_text_report_says_ai_assisted_in_one_summary_line_per_commit() -> None:
    subjects = []
    for label, text in (("abc1234", message("squash-merge.txt")), ("def5678", "Fix typo")):
        verdict = evaluate(change_set(message=text, source="commit"), CONFIG, ["provenance"])
        subjects.append(Subject(label, verdict))
    out = render("text", subjects).splitlines()
    summaries = [ln for ln in out if ln.startswith("authgate: ")]
    assert summaries == [
        "authgate: abc1234: ok: identity impact none; AI-assisted: claude-code, copilot; "
        "3 findings, 0 blocking, 0 suppressed",
        "authgate: def5678: ok: identity impact none; 0 findings, 0 blocking, 0 suppressed"]


def test_policy_can_downgrade_an_artifact_rule() -> None:
    cfg = config_mod.parse({"policy": {"provenance.artifact@test": "warn"}}, "t")
    fc = file_change("tests/test_login.py", ["# ... existing code ..."])
    assert not evaluate(change_set(files=(fc,)), cfg, ["provenance"]).blocked
    fc = file_change("src/login.py", ["# ... existing code ..."])
    assert evaluate(change_set(files=(fc,)), cfg, ["provenance"]).blocked


# --- the catalog is data ---------------------------------------------------------------

def test_a_user_rule_extends_the_catalog_without_code() -> None:
    cfg = config_mod.parse({"rules": {"custom": [{
        "id": "provenance.env.acme-agent", "kind": "env", "title": "ACME agent",
        "severity": "info", "message": "the ACME agent runs the commit",
        "params": {"vars": {"ACME_AGENT": ""}, "tool": "acme", "strength": "strong"},
    }]}}, "pyproject.toml [tool.authgate]")
    rules = rules_mod.load(cfg, ["provenance"])
    verdict = decide(check(change_set(env={"ACME_AGENT": "1"}), cfg, rules), cfg)
    assert verdict.ai_tools == ("acme",)


def test_a_user_rule_with_bad_params_is_one_clear_error() -> None:
    # Caught when the config loads: the shipped rules give params.vars a table.
    with pytest.raises(ConfigError, match=r"^t: key 'rules.custom\[0\].params.vars' must be "
                                          r"a table, got \['X'\]$"):
        config_mod.parse({"rules": {"custom": [{
            "id": "provenance.env.bad", "kind": "env", "params": {"vars": ["X"]},
        }]}}, "t")


def test_disabling_a_rule_by_prefix_removes_its_evidence() -> None:
    cfg = config_mod.parse({"rules": {"disable": ["provenance.env"]}}, "t")
    rules = rules_mod.load(cfg, ["provenance"])
    assert check(change_set(env={"CLAUDECODE": "1"}), cfg, rules) == []


# --- the line prefilter: per-line work only where a rule can match ------------------------

def test_markers_among_thousands_of_lines_are_found_at_their_lines() -> None:
    # The line rules look only at the lines the joined-text search passes: markers
    # hidden behind full-width letters, zero-width characters or upper case, on the
    # first and the last line, among plain and non-ASCII noise, keep their numbers.
    noise = ["x = compute(value)", "naïve = 'café'  # ünïcode", "", "request.previous_url()",
             "original = load()", "    return ｘ"]
    lines = [noise[i % len(noise)] for i in range(3000)]
    markers = {1: "# ... existing code ...",
               700: "# ... ｅｘｉｓｔｉｎｇ code ...",
               1400: "// ... EXIST\u200bING CODE ...",
               2100: "*** Begin Patch",
               2999: "# Generated by ChatGPT",
               3000: "# rest of the code remains the same"}
    for number, text in markers.items():
        lines[number - 1] = text
    findings = check(change_set(files=(file_change("src/app.py", lines),)))
    assert [(f.rule_id, f.line) for f in findings] == [
        ("provenance.artifact.elision", 1), ("provenance.artifact.elision", 700),
        ("provenance.artifact.elision", 1400), ("provenance.artifact.apply-patch", 2100),
        ("provenance.code.generated-comment", 2999), ("provenance.artifact.elision", 3000)]


def test_markers_in_later_hunks_keep_their_lines_and_string_state() -> None:
    # Each hunk is searched on its own added lines; context lines still count for the
    # multi-line string state, which starts outside at every hunk.
    first = Hunk(1, 1, (Line(" ", "def f():", 1, 1), Line(" ", '    """Doc.', 2, 2),
                        *(Line("+", f"    step {i}", None, 3 + i) for i in range(200)),
                        Line("+", "```", None, 203), Line(" ", '    """', 3, 204)))
    second = Hunk(50, 251, (Line(" ", "x = 1", 50, 251), Line("-", "y = 2", 51, None),
                            Line("+", "```", None, 252),
                            Line("+", "# ... existing code ...", None, 253)))
    fc = FileChange(path="src/m.py", status=Status.MODIFIED, hunks=(first, second))
    findings = check(change_set(files=(fc,)))
    assert [(f.rule_id, f.line) for f in findings] == [
        ("provenance.artifact.markdown-fence", 252), ("provenance.artifact.elision", 253)]


def test_the_line_prefilter_never_drops_a_line_the_keyword_test_passes() -> None:
    # Against the per-line definition (a keyword in the normalized, lower-cased line),
    # on random lines built from keywords, their pieces, case changes and the
    # characters that normalize or lower-case into ASCII.
    import random

    from authgate.checks.provenance.files import _candidates, _needles
    from authgate.checks.provenance.plan import normalize

    keywords = tuple(sorted({k for r in RULES for k in r.keywords}))
    needles = _needles((keywords,))
    pieces = [*keywords, *(k[: len(k) // 2] for k in keywords), "x", " ", "...", ".",
              "é", "\u200b", "ｅｘｉｓｔｉｎｇ", "\u212a", "\u0130", "ﬁ", "\u2026", "\t", "\r"]
    rng = random.Random(13)
    for _ in range(400):
        lines = []
        for _ in range(rng.randint(1, 30)):
            parts = [rng.choice(pieces) for _ in range(rng.randint(0, 6))]
            line = "".join(parts)
            lines.append(line.upper() if rng.random() < 0.2 else line)
        expected = [i for i, line in enumerate(lines)
                    if any(k in normalize(line).lower() for k in keywords)]
        got = _candidates("\n".join(lines), needles)
        assert set(expected) <= set(got), (lines, expected, got)
        assert got == sorted(got)
        ascii_only = {i for i, line in enumerate(lines) if line.isascii()}
        assert set(got) & ascii_only == set(expected) & ascii_only, lines


def test_what_reads_a_path_is_kept_per_rule_set() -> None:
    # The rules that read a path are kept per path for the rule set in use: another
    # rule set (a rule disabled) is scoped afresh, and so is the first one again.
    fc = file_change("src/app.py", ["# ... existing code ..."])
    assert ids(check(change_set(files=(fc,)))) == {"provenance.artifact.elision"}
    cfg = config_mod.parse({"rules": {"disable": ["provenance.artifact.elision"]}}, "t")
    assert check(change_set(files=(fc,)), cfg, rules_mod.load(cfg, ["provenance"])) == []
    assert ids(check(change_set(files=(fc,)))) == {"provenance.artifact.elision"}
