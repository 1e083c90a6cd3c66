"""CI reports run once and report natively (issue 14, item 7): one `verify` run writes
every report (`--report FORMAT=PATH`), GitLab's Code Quality format, SARIF rule levels
from the rule's severity, and findings without a file anchored to the file that raised
them, so code scanning alerts on them. Through real git and the real commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from authgate.config import Config
from authgate.findings import Action, Finding, Severity, Tier, anchored
from authgate.policy import decide
from authgate.report import Subject, render

from testing import Repo

# A change that decides token validity with no failure-path test, committed without
# the hooks: verify finds the decision, the missing tests and the bypassed hooks.
LOGIN = ("import jwt\n\n\ndef login(token, key):\n"
         "    claims = jwt.decode(token, key, algorithms=['HS256'])\n"
         "    if claims['exp'] < now():\n        raise Expired()\n    return claims\n")


def _pull_request(repo: Repo) -> str:
    repo.write("README.md", "base\n")
    repo.add()
    base = repo.commit("base")
    repo.write("app/auth/login.py", LOGIN)
    repo.add()
    repo.commit("login")
    return base


def _sarif_results(path: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    run = json.loads(path.read_text(encoding="utf-8"))["runs"][0]
    return run["results"], {r["id"]: r for r in run["tool"]["driver"]["rules"]}


def test_one_verify_run_writes_every_report_and_the_log(repo: Repo) -> None:
    base = _pull_request(repo)
    proc = repo.authgate("verify", "--range", f"{base}..HEAD",
                         "--report", "sarif=out/a.sarif", "--report", "gitlab=cq.json",
                         "--report", "markdown=summary.md", "--report", "json=r.json")
    assert (repo.path / "out").is_dir() is False  # a missing folder is the user's error
    assert proc.returncode == 2
    assert proc.stderr.startswith("authgate: --report out/a.sarif: cannot write the report")
    assert len(proc.stderr.splitlines()) == 1

    proc = repo.authgate("verify", "--range", f"{base}..HEAD",
                         "--report", "sarif=a.sarif", "--report", "gitlab=cq.json",
                         "--report", "markdown=summary.md", "--report", "json=r.json")
    assert proc.returncode == 1
    # The log is the text report; each file is its own format, all from this one run.
    assert "authgate verify: FAILED: 1 of 1 commits violate" in proc.stdout
    assert (repo.path / "summary.md").read_text().startswith("## authgate verify\n")
    assert json.loads((repo.path / "r.json").read_text())["verify"]["ok"] is False
    results, rules = _sarif_results(repo.path / "a.sarif")
    issues = json.loads((repo.path / "cq.json").read_text())
    assert {r["ruleId"] for r in results} == {i["check_name"] for i in issues}

    # The missing tests have no file of their own: anchored at the decision, so code
    # scanning raises an alert and GitLab shows it on the diff.
    [missing] = [r for r in results if r["ruleId"] == "identity.tests.negative-missing"]
    where = missing["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "app/auth/login.py"
    assert where["region"]["startLine"] >= 1
    [issue] = [i for i in issues if i["check_name"] == "identity.tests.negative-missing"]
    assert issue["location"]["path"] == "app/auth/login.py"
    doc = json.loads((repo.path / "r.json").read_text())
    [finding] = [f for s in doc["subjects"] for f in s["findings"]
                 if f["rule"] == "identity.tests.negative-missing"]
    assert finding["path"] is None and finding["anchor"]["path"] == "app/auth/login.py"

    # Each rule's default level is the rule's own (its severity), whatever policy made
    # of one result: the rule catalog says how bad, the result what this repo decided.
    assert rules["verify.trailers.missing"]["defaultConfiguration"]["level"] == "error"
    assert rules["identity.path.authn"]["defaultConfiguration"]["level"] == "note"
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["verify.trailers.missing"] == "error"
    assert levels["identity.path.authn"] == "warning"  # annotated here


def test_gitlab_code_quality_has_gitlabs_shape(repo: Repo) -> None:
    base = _pull_request(repo)
    proc = repo.authgate("verify", "--range", f"{base}..HEAD", "--format", "gitlab")
    issues = json.loads(proc.stdout)
    assert isinstance(issues, list) and issues
    for i in issues:
        assert set(i) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert i["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert set(i["location"]) == {"path", "lines"}
        assert isinstance(i["location"]["lines"]["begin"], int)
        assert i["description"].startswith(i["check_name"] + ": ")
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    severities = {i["check_name"]: i["severity"] for i in issues}
    assert severities["verify.trailers.missing"] == "blocker"  # it blocks
    assert severities["identity.path.authn"] == "info"  # its rule's severity

    # The same finding on a moved line keeps its fingerprint: GitLab sees no new issue.
    again = json.loads(repo.authgate("verify", "--range", f"{base}..HEAD", "--format",
                                     "gitlab").stdout)
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in issues]


def test_no_codeowners_is_anchored_to_the_path_that_needs_an_owner(repo: Repo) -> None:
    repo.write("app/auth/login.py", "def login():\n    pass\n")
    repo.add()
    repo.commit("login")
    proc = repo.authgate("codeowners", "--format", "sarif")
    assert proc.returncode == 1
    run = json.loads(proc.stdout)["runs"][0]
    [result] = [r for r in run["results"] if r["ruleId"] == "identity.codeowners.missing-file"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "app/auth/login.py"
    assert "invocations" not in run  # nothing left as a notification


def _finding(rule: str, severity: Severity, action: Action, path: str | None = "a.py",
             line: int | None = 3) -> Finding:
    return Finding(rule_id=rule, severity=severity, message="m", path=path, line=line,
                   action=action, tier=Tier.NONE)


def test_sarif_default_level_follows_the_rule_severity() -> None:
    findings = [_finding("leak.x.crit", Severity.CRITICAL, Action.WARN),
                _finding("leak.x.high", Severity.HIGH, Action.ANNOTATE),
                _finding("leak.x.med", Severity.MEDIUM, Action.BLOCK),
                _finding("leak.x.low", Severity.LOW, Action.BLOCK),
                _finding("leak.x.info", Severity.INFO, Action.ANNOTATE)]
    subjects = [Subject(label="staged", verdict=decide(findings, Config()))]
    run = json.loads(render("sarif", subjects))["runs"][0]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert levels == {"leak.x.crit": "error", "leak.x.high": "error", "leak.x.med": "warning",
                      "leak.x.low": "note", "leak.x.info": "note"}
    # A result's own level is still the action policy chose.
    assert {r["ruleId"]: r["level"] for r in run["results"]}["leak.x.low"] == "error"


def test_gitlab_keeps_one_issue_per_finding_across_commits_and_skips_message_findings() -> None:
    same = _finding("leak.x.one", Severity.HIGH, Action.BLOCK)
    message = Finding(rule_id="provenance.x.msg", severity=Severity.INFO, message="m",
                      context="message", action=Action.ANNOTATE)
    lone = anchored(_finding("identity.x.tests", Severity.MEDIUM, Action.ANNOTATE, None, None),
                    "app/auth.py", 7)
    subjects = [Subject(label=f"c{n}", verdict=decide([same, message, lone], Config()))
                for n in (1, 2)]
    issues = json.loads(render("gitlab", subjects))
    assert [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"],
             i["severity"]) for i in issues] == [
        ("leak.x.one", "a.py", 3, "blocker"), ("identity.x.tests", "app/auth.py", 7, "minor")]
