"""Reports: every format rendered from a Verdict built in memory, plus colour rules
through the real command on a pseudo-terminal."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest

from authgate import __version__, report
from authgate.commands.output import use_color
from authgate.config import Config, parse
from authgate.findings import (
    Action,
    Finding,
    Severity,
    Tier,
)
from authgate.policy import Verdict, decide
from authgate.report import Subject, render

from testing import Repo

SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # planted fake; must never be printed
# What the check that found it shows (findings.redact: first and last character) and
# the hash an allowlist names it by (sha256 of the value): written out, not computed.
SHOWN = "s********c"
SECRET_SHA256 = "78a08441f4314f0a2833cfe58c62e555a162264206982cda39f6804f5048f570"

BLOCK = Finding(
    rule_id="leak.secret.stripe-key", severity=Severity.CRITICAL, message="Stripe live key",
    path="src/auth/login.py", line=12, evidence=f'key = "{SHOWN}"',
    title="Stripe secret key", fix="Revoke the key and load it from the environment",
    refs=("ASVS 2.10.4", "NHI2:2025"), action=Action.BLOCK, value_hash=SECRET_SHA256)
ODD_PATH = "src/a|b, c:d%e.py"
ANNOTATE = Finding(
    rule_id="identity.content.token-lifecycle", severity=Severity.MEDIUM,
    message="issue_token changed: 100% of\r\nexpiry | checks", path=ODD_PATH, line=3,
    title="Token lifecycle", tier=Tier.HIGH, action=Action.ANNOTATE)
WARN = Finding(
    rule_id="provenance.trailer.claude", severity=Severity.INFO,
    message="Co-Authored-By names Claude", evidence="Co-Authored-By: Claude",
    context="message", action=Action.WARN, strength="strong", tool="claude-code")
SUPPRESSED = Finding(
    rule_id="leak.endpoint.private-ip", severity=Severity.LOW, message="private IP",
    path="deploy/a.yml", line=1, evidence="10.0.0.1", action=Action.BLOCK,
    suppressed="the compose network is private")
SILENCED = Finding(
    rule_id="leak.endpoint.internal-host", severity=Severity.LOW, message="internal host",
    path="deploy/b.yml", line=2, action=Action.WARN)

CONFIG = parse({"policy": {"leak.endpoint.internal-host": "off"}}, "t")


def verdict(*findings: Finding, config: Config = CONFIG) -> Verdict:
    return decide(findings, config)


ALL = verdict(BLOCK, ANNOTATE, WARN, SUPPRESSED, SILENCED)
CLEAN = verdict()


def staged(v: Verdict = ALL, **kw: Any) -> list[Subject]:
    return [Subject(label="staged", verdict=v, revision="a" * 40, **kw)]


# --- text ------------------------------------------------------------------------------

def test_text_is_path_line_rule_message_then_a_summary() -> None:
    out = render("text", staged(skipped=("big.bin: too large (3 bytes > 2)",)))
    assert out.splitlines() == [
        'src/auth/login.py:12: leak.secret.stripe-key: Stripe live key [key = "s********c"]'
        " (fp 6461c247459f)",
        "src/a|b, c:d%e.py:3: identity.content.token-lifecycle: issue_token changed: 100% of"
        "\\r\\nexpiry | checks (fp 1d4e007668c9)",
        "(message): provenance.trailer.claude: Co-Authored-By names Claude "
        "[Co-Authored-By: Claude] (fp 161b457b7393)",
        "deploy/a.yml:1: leak.endpoint.private-ip: private IP [10.0.0.1] "
        "(fp 27836e04ece2) (suppressed: the compose network is private)",
        "big.bin: too large (3 bytes > 2): skipped",
        "authgate: BLOCKED: identity impact high; requires review: code-owner, iam, security; "
        "AI-assisted: claude-code; 3 findings, 1 blocking, 1 suppressed",
        "  AI evidence: provenance.trailer.claude: Co-Authored-By: Claude (strong)",
        "  high: src/a|b, c:d%e.py:3: issue_token changed: 100% of\\r\\nexpiry | checks",
        # The blocking finding is the first line; its "blocked:" reason is not repeated.
        # The token finding raises the reviewer checklist (checklist.py), under the verdict.
        "  reviewers verify:",
        "    [ ] token: scope minimal (src/a|b, c:d%e.py:3)",
        "    [ ] token: audience, issuer and expiry checked (src/a|b, c:d%e.py:3)",
        "    [ ] token: tampered and expired tokens rejected (src/a|b, c:d%e.py:3)",
    ]


def test_text_of_a_clean_change_and_of_several_subjects() -> None:
    assert render("text", staged(CLEAN)) == (
        "authgate: ok: identity impact none; 0 findings, 0 blocking, 0 suppressed\n")
    two = [Subject("abc1234 first", CLEAN), Subject("def5678 second", verdict(BLOCK))]
    lines = render("text", two, title="authgate verify").splitlines()
    assert lines[0] == ("authgate verify: abc1234 first: ok: identity impact none; "
                        "0 findings, 0 blocking, 0 suppressed")
    assert lines[2].startswith("authgate verify: def5678 second: BLOCKED: ")
    assert render("text", []) == ""


def test_text_colour_only_when_asked() -> None:
    plain = render("text", staged())
    assert "\033" not in plain
    coloured = render("text", staged(), color=True)
    red = "\033[31m"
    assert coloured.splitlines()[0].startswith(red) and coloured.splitlines()[0].endswith(
        "\033[0m")
    assert "\033[33m" in coloured.splitlines()[1]  # annotate
    # Suppressed findings are not highlighted; the text is the same once colour is gone.
    assert "\033" not in coloured.splitlines()[3]
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_use_color_needs_a_tty_and_no_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Stream(tty=True)) is True
    assert use_color(Stream(tty=False)) is False
    assert use_color(object()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Stream(tty=True)) is False
    # no-color.org: only a non-empty value turns colour off.
    monkeypatch.setenv("NO_COLOR", "")
    assert use_color(Stream(tty=True)) is True


def _check_on_a_tty(repo: Repo, env: dict[str, str]) -> str:
    import pty

    main, child = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "authgate", "check"], cwd=repo.path,
                              stdout=child, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              env={**os.environ, **env}, timeout=120)
        os.close(child)
        child = -1
        chunks = []
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: the terminal is closed and drained
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(main)
        if child != -1:
            os.close(child)
    assert proc.returncode == 1, proc.stderr
    return b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_check_colours_a_terminal_unless_no_color(repo: Repo) -> None:
    repo.write("app/x.py", "x = 1\n")
    repo.add()
    repo.commit()
    repo.write("app/x.py", "def f():\n    # ... existing code ...\n    return 1\n")
    repo.add()
    assert "\033[31mapp/x.py:2: provenance.artifact." in _check_on_a_tty(repo, {})
    assert "\033" not in _check_on_a_tty(repo, {"NO_COLOR": "1"})
    piped = repo.main("check")
    assert piped.returncode == 1 and "app/x.py:2: provenance.artifact." in piped.stdout
    assert "\033" not in piped.stdout


def test_a_file_name_cannot_break_lines_or_drive_the_terminal() -> None:
    evil = Finding(rule_id="identity.path.authn", severity=Severity.HIGH, message="m",
                   path="a\x1b[2J\nb\u202e.py", line=1, action=Action.WARN)
    for fmt in ("text", "github", "markdown"):
        out = render(fmt, staged(verdict(evil)))
        assert "\x1b" not in out and "\u202e" not in out, fmt
    text = render("text", staged(verdict(evil))).splitlines()
    assert text[0] == ("a\\x1b[2J\\nb\\u202e.py:1: identity.path.authn: m "
                       "(fp 689613d6d9e4)")


def test_a_path_that_is_not_utf8_renders_in_every_format() -> None:
    # changes.py decodes such names with surrogateescape.
    odd = Finding(rule_id="identity.path.authn", severity=Severity.HIGH, message="m",
                  path=b"caf\xe9/auth.py".decode("utf-8", "surrogateescape"), line=1,
                  action=Action.WARN)
    for fmt in report.FORMATS:
        out = render(fmt, staged(verdict(odd)))
        out.encode("utf-8")  # writable to any UTF-8 stream
        assert "caf\ufffd/auth.py" in out or "caf%E9/auth.py" in out, fmt


def test_no_format_ever_prints_the_secret() -> None:
    for fmt in report.FORMATS:
        out = render(fmt, staged())
        assert SECRET not in out and SECRET[3:-1] not in out, fmt


# --- json ------------------------------------------------------------------------------

def test_json_follows_the_documented_schema() -> None:
    doc = json.loads(render("json", staged(skipped=("big.bin: too large",), notes=("n",))))
    assert doc["schema"] == "authgate-report/1" == report.JSON_SCHEMA
    assert doc["tool"] == {"name": "authgate", "version": __version__}
    assert doc["blocked"] is True
    (subject,) = doc["subjects"]
    assert subject["label"] == "staged" and subject["revision"] == "a" * 40
    assert subject["tier"] == "high" and subject["blocked"] is True
    assert subject["ai_assisted"] is True and subject["ai_tools"] == ["claude-code"]
    assert subject["required_reviews"] == ["code-owner", "iam", "security"]
    assert subject["suppressed"] == 1 and subject["skipped"] == ["big.bin: too large"]
    assert subject["notes"] == ["n"]
    by_rule = {f["rule"]: f for f in subject["findings"]}
    assert set(by_rule) == {BLOCK.rule_id, ANNOTATE.rule_id, WARN.rule_id,
                            SUPPRESSED.rule_id, SILENCED.rule_id}
    stripe = by_rule[BLOCK.rule_id]
    assert stripe == {
        "rule": "leak.secret.stripe-key", "family": "leak", "severity": "critical",
        "action": "block", "path": "src/auth/login.py", "line": 12, "context": "code",
        "message": "Stripe live key", "evidence": 'key = "s********c"',
        "title": "Stripe secret key", "fix": "Revoke the key and load it from the environment",
        "refs": ["ASVS 2.10.4", "NHI2:2025"], "tier": "none", "strength": None,
        "tool": None, "value_hash": SECRET_SHA256, "suppressed": None,
        "fingerprint": "6461c247459f", "anchor": None}
    assert by_rule[WARN.rule_id]["path"] is None and by_rule[WARN.rule_id]["line"] is None
    assert by_rule[SILENCED.rule_id]["action"] == "off"
    assert by_rule[SUPPRESSED.rule_id]["suppressed"] == "the compose network is private"


def test_every_json_field_is_documented() -> None:
    doc = json.loads(render("json", staged()))
    documented = report.__doc__ or ""

    def has(key: str) -> bool:
        return re.search(rf"^\s+{re.escape(key)}\b", documented, re.M) is not None

    keys = [*doc, *doc["subjects"][0], *doc["subjects"][0]["findings"][0]]
    assert [k for k in keys if not has(k)] == []
    assert f'schema "{report.JSON_SCHEMA}"' in documented


# --- sarif -----------------------------------------------------------------------------

def sarif(subjects: list[Subject]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render("sarif", subjects))
    return doc


def test_sarif_has_what_github_code_scanning_requires() -> None:
    doc = sarif(staged())
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "authgate" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [BLOCK.rule_id, ANNOTATE.rule_id, WARN.rule_id]
    for rule in rules:
        for key in ("shortDescription", "fullDescription", "help"):
            assert isinstance(rule[key]["text"], str) and rule[key]["text"], (rule["id"], key)
        tags = rule["properties"]["tags"]
        assert "security" in tags and len(tags) <= 20
        assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0
        assert re.fullmatch(r"[A-Za-z0-9]+", rule["name"])
    stripe = rules[0]
    assert stripe["help"]["text"] == ("Revoke the key and load it from the environment\n"
                                      "References: ASVS 2.10.4, NHI2:2025")
    assert stripe["properties"]["security-severity"] == "9.5"

    results = run["results"]
    # The suppressed, the silenced and the commit-level findings are not code alerts.
    assert [r["ruleId"] for r in results] == [BLOCK.rule_id, ANNOTATE.rule_id]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("error", "warning", "note")
        assert r["message"]["text"]
        assert len(r["locations"]) == 1
        phys = r["locations"][0]["physicalLocation"]
        uri = phys["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "://" not in uri and ":" not in uri
        assert isinstance(phys["region"]["startLine"], int) and phys["region"]["startLine"] >= 1
        assert r["partialFingerprints"] and all(
            isinstance(v, str) and v for v in r["partialFingerprints"].values())
    assert [r["level"] for r in results] == ["error", "warning"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 12}
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "src/auth/login.py")
    assert results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "src/a%7Cb%2C%20c%3Ad%25e.py")
    # The commit-level finding is reported where SARIF allows a result without a file.
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["associatedRule"]["id"] == WARN.rule_id
    assert note["message"]["text"] == ("staged: Co-Authored-By names Claude "
                                       "[Co-Authored-By: Claude]")
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_fingerprints_follow_the_finding_not_its_line() -> None:
    moved = BLOCK._replace(line=40)
    first = sarif(staged(verdict(BLOCK)))["runs"][0]["results"][0]["partialFingerprints"]
    again = sarif(staged(verdict(moved)))["runs"][0]["results"][0]["partialFingerprints"]
    assert first == again
    other = BLOCK._replace(path="src/other.py")
    assert sarif(staged(verdict(other)))["runs"][0]["results"][0][
        "partialFingerprints"] != first
    # Two occurrences of one value in one file are two alerts, not one.
    twice = sarif(staged(verdict(BLOCK, moved)))["runs"][0]["results"]
    prints = [json.dumps(r["partialFingerprints"]) for r in twice]
    assert len(set(prints)) == 2


def test_sarif_of_a_clean_change_has_an_empty_results_array() -> None:
    (run,) = sarif(staged(CLEAN))["runs"]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert "invocations" not in run


# --- github annotations ----------------------------------------------------------------

def gh_unescape(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":")
            .replace("%2C", ",").replace("%25", "%"))


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    m = re.fullmatch(r"::(error|warning|notice) ([^:]*)::(.*)", line)
    assert m, line
    props = dict(p.split("=", 1) for p in m[2].split(","))
    return m[1], {k: gh_unescape(v) for k, v in props.items()}, gh_unescape(m[3])


def test_github_annotations_escape_and_order() -> None:
    low_block = Finding(rule_id="leak.endpoint.private-ip", severity=Severity.LOW,
                        message="private IP", path="z.yml", line=9, action=Action.BLOCK)
    out = render("github", staged(verdict(WARN, ANNOTATE, low_block, BLOCK)))
    lines = out.splitlines()
    parsed = [parse_annotation(ln) for ln in lines]
    # Errors first, the most severe first among them; then warnings, then notices.
    assert [(k, p.get("file"), p.get("line")) for k, p, _ in parsed[:4]] == [
        ("error", "src/auth/login.py", "12"), ("error", "z.yml", "9"),
        ("warning", ODD_PATH, "3"), ("notice", None, None)]
    _, props, message = parsed[2]
    assert message == ANNOTATE.message
    assert props["title"] == "identity.content.token-lifecycle (staged)"
    raw = lines[2]
    assert "file=src/a|b%2C c%3Ad%25e.py," in raw
    assert raw.endswith("::issue_token changed: 100%25 of%0D%0Aexpiry | checks")
    # The summary of the subject comes last.
    assert parsed[-1][0] == "error" and parsed[-1][1] == {"title": "authgate staged"}
    assert parsed[-1][2].startswith("identity impact high; requires review: ")
    assert len(lines) == 5


def test_github_leaves_out_suppressed_and_off() -> None:
    lines = render("github", staged()).splitlines()
    assert not any("private-ip" in ln or "internal-host" in ln for ln in lines)
    assert render("github", staged(CLEAN)).splitlines() == [
        "::notice title=authgate staged::identity impact none; 0 findings, 0 blocking, "
        "0 suppressed"]
    assert render("github", []) == ""


# --- markdown --------------------------------------------------------------------------

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_markdown_job_summary_tables() -> None:
    subject = Subject(label="abc|123 fix <b>", verdict=ALL, skipped=("big.bin: too large",))
    lines = render("markdown", [subject]).splitlines()
    assert lines[0] == "## authgate"
    assert "1 checked, 1 blocked." in lines
    header = lines.index("| subject | status | identity impact | requires review | "
                         "AI-assisted | findings |")
    row = lines[header + 2]
    assert row == ("| abc\\|123 fix &lt;b&gt; | **blocked** | high | code-owner, iam, "
                   "security | claude-code | 3 |")
    findings = lines.index("| action | rule | where | message |")
    rows = lines[findings + 2:findings + 5]
    # Brackets and the asterisks of a redaction are escaped: nothing renders as a link
    # or as emphasis.
    assert rows[0] == ("| block | `leak.secret.stripe-key` | src/auth/login.py:12 | "
                       'Stripe live key \\[key = "s\\*\\*\\*\\*\\*\\*\\*\\*c"\\] |')
    assert rows[1] == ("| annotate | `identity.content.token-lifecycle` | "
                       "src/a\\|b, c:d%e.py:3 | issue\\_token changed: 100% of expiry \\| "
                       "checks |")
    # Every row has exactly its table's columns: no pipe leaks out of a cell.
    assert len(UNESCAPED_PIPE.findall(row)) == 7
    assert [len(UNESCAPED_PIPE.findall(r)) for r in rows] == [5, 5, 5]
    assert lines[-1] == "Not read: big.bin: too large"


def test_markdown_of_a_clean_change_has_no_findings_table() -> None:
    out = render("markdown", staged(CLEAN))
    assert "| staged | ok | none | - | no | 0 |" in out.splitlines()
    assert "| action | rule |" not in out


def test_unknown_format_is_not_rendered() -> None:
    assert report.FORMATS == ("text", "json", "sarif", "github", "markdown", "gitlab")
    with pytest.raises(KeyError):
        render("xml", staged())
