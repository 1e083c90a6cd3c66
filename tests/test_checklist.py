"""The reviewer checklist: what a change's reviewers must verify, from its findings, in
the guidance's words, with the file and line that raised each item; shown under the
verdict in the terminal, as a task list in the markdown summary, in JSON and in SARIF
run properties. A change that touches no identity code has none."""

from __future__ import annotations

import json
from pathlib import Path

from authgate.checklist import Item, build, catalog
from authgate.config import Config
from authgate.findings import Action, Finding, Severity
from authgate.rules import load

from testing import Repo

TOKENS = ('import jwt\n\n\ndef read(token, key):\n'
          '    return jwt.decode(token, key, options={"verify_signature": False})\n')
TOKEN_ITEMS = ["scope minimal", "audience, issuer and expiry checked",
               "tampered and expired tokens rejected"]
BUTTON = 'def button():\n    return "<b>hi</b>"\n'
DROP_REVOKED = ('from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n'
                '    operations = [\n'
                '        migrations.RemoveField(model_name="user", name="revoked_at"),\n'
                '    ]\n')
WRITE_ALL = ("name: ci\non: push\npermissions: write-all\njobs:\n  b:\n"
             "    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n")


# --- the catalog is data, tied to the shipped rules --------------------------------------

def test_every_catalog_key_names_a_shipped_rule() -> None:
    # A rule renamed or removed must fail here, not silently drop its checklist items.
    ids = [r.id for r in load(Config()).rules]
    for topic in catalog():
        for key in topic.rules:
            assert any(i == key or i.startswith(key + ".") for i in ids), \
                f"checklist topic {topic.name}: {key} matches no shipped rule"


def test_the_catalog_has_the_guidance_topics() -> None:
    topics = {t.name: t.items for t in catalog()}
    assert list(topics) == ["token", "password", "session", "migration", "exposure", "ci",
                            "authz", "redirect", "settings"]
    assert topics["session"] == ("invalidated on logout and password change",
                                 "fixation prevented")
    assert topics["exposure"] == ("responses, logs, traces and errors carry no credential",)


def test_the_catalog_ships_in_the_package() -> None:
    text = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"rules/*.toml"' in text  # the package-data glob that carries checklist.toml


# --- built from findings: values in, values out ------------------------------------------

def finding(rule: str, path: str, line: int, **kw: object) -> Finding:
    return Finding(rule_id=rule, severity=Severity.HIGH, message="m", path=path, line=line,
                   action=Action.ANNOTATE, **kw)  # type: ignore[arg-type]


def test_a_shared_item_comes_once_with_every_location() -> None:
    items = build([finding("identity.password.weak-hash", "app/hashers.py", 9),
                   finding("identity.migration.column-dropped", "db/0007.py", 6)])
    shared = [i for i in items if i.item == "hashing not downgraded"]
    assert shared == [Item("hashing not downgraded", "password",
                           ("app/hashers.py:9", "db/0007.py:6"))]
    assert [i.topic for i in items] == ["password"] * 3 + ["migration"] * 2


def test_suppressed_and_switched_off_findings_raise_nothing() -> None:
    assert build([finding("identity.jwt.none-algorithm", "a.py", 1, suppressed="SEC-1"),
                  finding("identity.session.not-regenerated", "b.py", 2)
                  .with_action(Action.OFF)]) == ()


def test_other_families_raise_nothing() -> None:
    assert build([finding("leak.secret.jwt-token", "a.py", 1),
                  finding("provenance.artifact.elision", "a.py", 2)]) == ()


# --- end to end, with real git ------------------------------------------------------------

def stage(repo: Repo, files: dict[str, str]) -> None:
    for rel, text in files.items():
        repo.write(rel, text)
    repo.add(*files)


def test_a_token_change_shows_its_checklist_in_the_terminal(repo: Repo) -> None:
    stage(repo, {"app/auth/tokens.py": TOKENS})
    proc = repo.main("check")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    verdict = next(i for i, line in enumerate(lines) if line.startswith("authgate: BLOCKED"))
    at = lines.index("  reviewers verify:")
    assert at > verdict
    assert lines[at + 1:at + 4] == [f"    [ ] token: {t} (app/auth/tokens.py:5)"
                                    for t in TOKEN_ITEMS]


def test_a_token_change_shows_its_checklist_as_a_markdown_task_list(repo: Repo) -> None:
    stage(repo, {"app/auth/tokens.py": TOKENS})
    proc = repo.main("check", "--format", "markdown")
    assert proc.returncode == 1
    text = proc.stdout
    assert "### Reviewer checklist\n\n" in text
    for t in TOKEN_ITEMS:
        assert f"- [ ] {t} (token): app/auth/tokens.py:5\n" in text


def test_a_token_change_shows_its_checklist_in_json_and_sarif(repo: Repo) -> None:
    stage(repo, {"app/auth/tokens.py": TOKENS})
    doc = json.loads(repo.main("check", "--format", "json").stdout)
    assert doc["schema"] == "authgate-report/1"
    assert doc["subjects"][0]["checklist"] == [
        {"item": t, "topic": "token", "locations": ["app/auth/tokens.py:5"]}
        for t in TOKEN_ITEMS]
    sarif = json.loads(repo.main("check", "--format", "sarif").stdout)
    assert sarif["runs"][0]["properties"]["checklist"] == [
        {"subject": "staged", "item": t, "topic": "token",
         "locations": ["app/auth/tokens.py:5"]} for t in TOKEN_ITEMS]


def test_a_ui_only_change_has_no_checklist(repo: Repo) -> None:
    stage(repo, {"app/ui/button.py": BUTTON})
    text = repo.main("check")
    assert text.returncode == 0
    assert "reviewers verify" not in text.stdout
    assert "Reviewer checklist" not in repo.main("check", "--format", "markdown").stdout
    doc = json.loads(repo.main("check", "--format", "json").stdout)
    assert doc["subjects"][0]["checklist"] == []
    sarif = json.loads(repo.main("check", "--format", "sarif").stdout)
    assert "properties" not in sarif["runs"][0]


def test_migration_exposure_and_ci_each_raise_their_own_items(repo: Repo) -> None:
    stage(repo, {"app/migrations/0007_drop.py": DROP_REVOKED,
                 ".github/workflows/ci.yml": WRITE_ALL,
                 "app/views/profile.py": 'import logging\nlog = logging.getLogger(__name__)\n'
                                         '\n\ndef show(user):\n'
                                         '    log.info("pw %s", user.password)\n'})
    doc = json.loads(repo.main("check", "--format", "json").stdout)
    got = {(c["topic"], c["item"]): c["locations"] for c in doc["subjects"][0]["checklist"]}
    assert got[("migration", "revocation intact")] == ["app/migrations/0007_drop.py:6"]
    assert got[("exposure", "responses, logs, traces and errors carry no credential")] == \
        ["app/views/profile.py:6"]
    assert got[("ci", "least privilege")] == [".github/workflows/ci.yml:3"]
    assert not any(topic in ("password", "session") for topic, _ in got)


def test_a_path_in_the_markdown_checklist_is_escaped(repo: Repo) -> None:
    stage(repo, {"app/auth/to|<b>ken.py": TOKENS})
    text = repo.main("check", "--format", "markdown").stdout
    assert "- [ ] scope minimal (token): app/auth/to\\|&lt;b&gt;ken.py:5\n" in text


def test_a_blocked_commit_shows_its_checklist_through_pre_commit(hooked_repo: Repo) -> None:
    stage(hooked_repo, {"app/auth/tokens.py": TOKENS})
    head = hooked_repo.out("rev-parse", "HEAD")
    proc = hooked_repo.git("commit", "-m", "Read tokens", check=False)
    output = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0
    assert hooked_repo.out("rev-parse", "HEAD") == head
    assert "reviewers verify:" in output
    for t in TOKEN_ITEMS:
        assert f"[ ] token: {t} (app/auth/tokens.py:5)" in output


def test_verify_shows_each_commits_checklist_in_the_job_summary_and_sarif(repo: Repo) -> None:
    stage(repo, {"README.md": "readme\n"})
    base = repo.commit("readme")
    stage(repo, {"app/ui/button.py": BUTTON})
    repo.commit("Add a button")
    stage(repo, {"app/auth/tokens.py": TOKENS})
    head = repo.commit("Read tokens")
    md = repo.main("verify", "--range", f"{base}..{head}", "--format", "markdown").stdout
    assert f"### Reviewer checklist for {head[:12]} Read tokens\n" in md, md
    assert "Add a button\n" not in md.split("### Reviewer checklist", 1)[1]
    for t in TOKEN_ITEMS:
        assert f"- [ ] {t} (token): app/auth/tokens.py:5\n" in md
    sarif = json.loads(repo.main("verify", "--range", f"{base}..{head}",
                                     "--format", "sarif").stdout)
    props = sarif["runs"][0]["properties"]
    assert "authgate-verify" in props
    assert [(c["item"], c["locations"]) for c in props["checklist"]] == [
        (t, ["app/auth/tokens.py:5"]) for t in TOKEN_ITEMS]
    assert props["checklist"][0]["subject"].endswith("Read tokens")
