"""detect-secrets parity: every secret `detect-secrets scan` reports on added lines,
authgate reports too, with detect-secrets' pragmas and baselines honoured.

The reference is the real `detect-secrets` command (no network: `-n`), run on the same
files. authgate sees them through git (`changes.staged`) or as an in-memory change.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from authgate import changes as changes_mod
from authgate import config as config_mod
from authgate.checks import leaks, secrets
from authgate.config import ConfigError

from testing import Repo
from testing.leaks import (
    corpus_changes,
    corpus_config,
    leak_findings,
    materialize,
)

DETECT_SECRETS = str(Path(sys.executable).with_name("detect-secrets"))


def ds_scan(root: Path, *paths: str, baseline: bool = False) -> dict[str, list[dict]]:
    """`detect-secrets scan` results: file -> [{type, line_number, hashed_secret}]."""
    args = [DETECT_SECRETS, "scan", "-n", *(paths or ("--all-files", "."))]
    proc = subprocess.run(args, cwd=root, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)["results"] if not baseline else json.loads(proc.stdout)


def ds_keys(results: dict[str, list[dict]]) -> set[tuple[str, int, str]]:
    return {(f, r["line_number"], r["type"]) for f, rs in results.items() for r in rs}


def authgate_keys(findings: list) -> set[tuple[str, int, str]]:
    return {(f.path, f.line, dict(f.extra)["detect-secrets"]) for f in findings
            if f.rule_id.startswith("leak.secret.") and f.suppressed is None}


def test_corpus_every_detect_secrets_finding_is_reported(tmp_path: Path) -> None:
    materialize(tmp_path)
    reference = ds_keys(ds_scan(tmp_path))
    findings = leak_findings(corpus_changes(), corpus_config())
    ours = authgate_keys(findings)
    missing = reference - ours
    # The contract: every finding of detect-secrets whose value is a credential is
    # reported. What is left out is judged no credential: no secret at all, or a
    # placeholder or word-made value where examples live (tests, fixtures, docs).
    texts = {(fc.path, ln.new): ln.text for fc in corpus_changes().files for ln in fc.added}
    hits = {(h.path, h.line, h.secret_type): h for h in secrets.scan(
        c for fc in corpus_changes().files for c in secrets.candidates(fc))}
    for key in missing:
        hit = hits[key]
        judged = secrets.judge(hit, texts[(hit.path, hit.line)])
        assert judged.kind != secrets.CREDENTIAL, key
        assert judged.kind == secrets.NONE or \
            leaks.file_context(hit.path) in leaks.PLACEHOLDER_CONTEXTS, key
    assert len(missing) >= 5  # the exemption is exercised (password="changeme" ...)
    # And nothing beyond what detect-secrets finds on this corpus.
    assert ours <= reference, ours - reference
    assert len(reference) >= 25


def _added_lines(repo: Repo) -> dict[str, set[int]]:
    staged = changes_mod.staged(cwd=str(repo.path))
    return {fc.path: {ln.new for ln in fc.added if ln.new} for fc in staged.files}


BEFORE_PY = """import os

# pragma: allowlist nextline secret
KEEP = "a"
OLD_TOKEN = "3f8a9c2b7e1d4f6a8b0c2d4e6f8a1b3c"

def f():
    return 1
"""
AFTER_PY = """import os

# pragma: allowlist nextline secret
NEW_TOKEN = "9b1e4c7a2d5f8e0b3c6a9d2f5e8b1c4a"
KEEP = "a"
OLD_TOKEN = "3f8a9c2b7e1d4f6a8b0c2d4e6f8a1b3c"
INLINE = "7c2e9a4f1b6d3e8a5c0f2b7d4e9a1c6f"  # pragma: allowlist secret
ADDED = "e4b7a1d8c5f2e9b6a3d0c7f4e1b8a5d2"

def f():
    password = "Zr8Kq2Lm9Vt4Nw7Y"
    return 1
"""
BEFORE_YAML = "db:\n  host: localhost\n"
AFTER_YAML = ("db:\n  host: localhost\n  token: 8c3f1e9a7b2d5c4e6f0a1b9d8e7c2f3a\n"
              "  # pragma: allowlist nextline secret\n  secret: Qw7Er4Ty1Ui8Op5As2\n")
BEFORE_ENV = "# env\nDEBUG=1\n"
AFTER_ENV = ("# env\nDEBUG=1\nAPI_PASSWORD=Hj5Kl8Mn2Bv6Cx9Z\n"
             "SESSION_KEY=5d2a8f1c7e4b9a3d6c0f8e2b5a1d7c4f\n")


def test_modified_files_through_git_match_detect_secrets_on_added_lines(repo: Repo) -> None:
    repo.write("app/settings.py", BEFORE_PY)
    repo.write("deploy/values.yaml", BEFORE_YAML)
    repo.write("deploy/app.env", BEFORE_ENV)
    repo.add()
    repo.commit("base")
    repo.write("app/settings.py", AFTER_PY)
    repo.write("deploy/values.yaml", AFTER_YAML)
    repo.write("deploy/app.env", AFTER_ENV)
    repo.add()

    added = _added_lines(repo)
    reference = {k for k in ds_keys(ds_scan(repo.path, *sorted(added)))
                 if k[1] in added[k[0]]}
    staged = changes_mod.staged(cwd=str(repo.path))
    ours = authgate_keys(leak_findings(staged, config_mod.Config()))
    assert reference <= ours, reference - ours
    assert ours == reference  # on these files authgate is exactly detect-secrets
    # What the pragmas and "added lines only" leave out, seen from the user's side.
    assert ("app/settings.py", 8, "Hex High Entropy String") in ours  # ADDED
    assert ("app/settings.py", 11, "Secret Keyword") in ours
    lines = {(p, n) for p, n, _ in ours}
    assert ("app/settings.py", 4) not in lines  # nextline pragma on the context line
    assert ("app/settings.py", 6) not in lines  # OLD_TOKEN: not an added line
    assert ("app/settings.py", 7) not in lines  # inline pragma
    # The YAML transformer quotes unquoted values, and ignores nextline pragmas.
    assert ("deploy/values.yaml", 3, "Hex High Entropy String") in ours
    assert ("deploy/values.yaml", 5, "Secret Keyword") in ours
    # The .env transformer finds unquoted assignments.
    assert ("deploy/app.env", 3, "Secret Keyword") in ours
    assert ("deploy/app.env", 4, "Hex High Entropy String") in ours


def test_a_one_line_change_scans_one_line(repo: Repo) -> None:
    body = "".join(f'VALUE_{i} = "{i:032x}"\n' for i in range(3000))
    repo.write("big.py", body)
    repo.add()
    repo.commit("big")
    repo.write("big.py", body + 'TOKEN = "8c3f1e9a7b2d5c4e6f0a1b9d8e7c2f3a"\n')
    repo.add()
    staged = changes_mod.staged(cwd=str(repo.path))
    cands = [c for fc in staged.files for c in secrets.candidates(fc)]
    assert [(c.path, c.number) for c in cands] == [("big.py", 3001)]
    hits = secrets.scan(cands)
    assert [(h.line, h.secret_type) for h in hits] == [(3001, "Hex High Entropy String")]


# --- baselines ------------------------------------------------------------------------

SECRETS_PY = ('AWS = "AKIA' + 'Q7NR2KX5TLWM8ZPC"\n'
              'password = "Vb6Nm3Qw9Er2Ty5U"\n'
              'HEX = "1f3e5d7c9b0a2e4d6c8b0a1f3e5d7c9b"\n')


def _candidates(path: str, text: str) -> list[secrets.Candidate]:
    prev = ""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        out.append(secrets.Candidate(path, i, line, prev))
        prev = line
    return out


def test_baseline_from_detect_secrets_accepts_its_findings(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SECRETS_PY)
    text = subprocess.run([DETECT_SECRETS, "scan", "-n", "app.py"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    baseline = secrets.parse_baseline(text)
    assert len(baseline.accepted) == 3
    assert secrets.scan(_candidates("app.py", SECRETS_PY), baseline) == []
    # A new secret is not in the baseline; the same secret in another file is not either.
    more = SECRETS_PY + 'NEW = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"\n'
    hits = secrets.scan(_candidates("app.py", more), baseline)
    assert [(h.line, h.secret_type) for h in hits] == [(4, "Hex High Entropy String")]
    moved = secrets.scan(_candidates("lib/app.py", SECRETS_PY), baseline)
    assert len(moved) == 3
    # Without the baseline all three are reported.
    assert len(secrets.scan(_candidates("app.py", SECRETS_PY))) == 3


def test_baseline_settings_choose_plugins_and_limits(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SECRETS_PY)
    # Only the AWS plugin, as `detect-secrets scan --disable-plugin ...` would record.
    doc = ds_scan(tmp_path, "app.py", baseline=True)
    doc["plugins_used"] = [p for p in doc["plugins_used"] if p["name"] == "AWSKeyDetector"]
    doc["results"] = {}
    baseline = secrets.parse_baseline(json.dumps(doc))
    hits = secrets.scan(_candidates("app.py", SECRETS_PY), baseline)
    assert [h.secret_type for h in hits] == ["AWS Access Key"]
    # A higher hex limit: the 32-character hex string no longer passes, before and
    # after the prefilter alike.
    doc = ds_scan(tmp_path, "app.py", baseline=True)
    for p in doc["plugins_used"]:
        if p["name"] == "HexHighEntropyString":
            p["limit"] = 4.4
    doc["results"] = {}
    hits = secrets.scan(_candidates("app.py", SECRETS_PY), secrets.parse_baseline(json.dumps(doc)))
    assert "Hex High Entropy String" not in {h.secret_type for h in hits}
    assert secrets.prefilter(doc["plugins_used"], doc["filters_used"]) is not None


def test_baseline_exclude_lines_filter_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SECRETS_PY)
    proc = subprocess.run([DETECT_SECRETS, "scan", "-n", "--exclude-lines", "^password",
                           "app.py"], cwd=tmp_path, capture_output=True, text=True, check=True)
    doc = json.loads(proc.stdout)
    doc["results"] = {}
    hits = secrets.scan(_candidates("app.py", SECRETS_PY), secrets.parse_baseline(json.dumps(doc)))
    assert sorted(h.secret_type for h in hits) == ["AWS Access Key", "Hex High Entropy String"]


def test_verification_never_touches_the_network(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # A baseline written without -n asks for verification; authgate never verifies.
    (tmp_path / "app.py").write_text(SECRETS_PY)
    proc = subprocess.run([DETECT_SECRETS, "scan", "app.py"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    doc = json.loads(proc.stdout)
    assert any("verification" in f["path"] for f in doc["filters_used"])
    doc["results"] = {}
    attempts: list[object] = []

    def tripwire(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network is off in this test")

    # Name resolution comes first, so it is where a verification would show.
    monkeypatch.setattr(socket, "getaddrinfo", tripwire)
    monkeypatch.setattr(socket.socket, "connect", tripwire)
    slack = "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
    lines = _candidates("app.py", SECRETS_PY + f'SLACK = "{slack}"\n')
    hits = secrets.scan(lines, secrets.parse_baseline(json.dumps(doc)))
    assert "Slack Token" in {h.secret_type for h in hits}
    assert attempts == []


def test_baseline_in_the_change_is_read_and_the_baseline_file_not_scanned(repo: Repo) -> None:
    repo.write("app.py", SECRETS_PY)
    text = subprocess.run([DETECT_SECRETS, "scan", "-n", "app.py"], cwd=repo.path,
                          capture_output=True, text=True, check=True).stdout
    repo.write(".secrets.baseline", text)
    repo.add()
    proc = repo.main("check", "--only", "leaks")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # What the baseline accepts passes, counted as suppressed like any suppression.
    found = [ln for ln in proc.stdout.splitlines() if "leak.secret" in ln]
    assert found and all(ln.endswith("(suppressed: baseline: .secrets.baseline)")
                         for ln in found)
    assert f"0 blocking, {len(found)} suppressed" in proc.stdout
    # The same commit without the baseline is blocked.
    repo.git("rm", "-q", "--cached", ".secrets.baseline")
    proc = repo.main("check", "--only", "leaks")
    assert proc.returncode == 1
    assert "app.py:1: leak.secret.aws-key" in proc.stdout


def test_a_broken_baseline_is_one_clear_line(repo: Repo) -> None:
    repo.write("app.py", SECRETS_PY)
    repo.write(".secrets.baseline", "{not json")
    repo.add()
    proc = repo.main("check", "--only", "leaks")
    assert proc.returncode == 2
    assert proc.stderr.startswith("authgate: .secrets.baseline: not a detect-secrets baseline")
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_parse_baseline_rejects_what_is_not_one() -> None:
    with pytest.raises(ConfigError, match=r"results for 'a\.py' must be a list"):
        secrets.parse_baseline('{"results": {"a.py": {}}}')
    with pytest.raises(ConfigError, match="lacks type or hashed_secret"):
        secrets.parse_baseline('{"results": {"a.py": [{"type": "X"}]}}')
    with pytest.raises(ConfigError, match="plugins_used"):
        secrets.parse_baseline('{"results": {}, "plugins_used": "all"}')
    assert secrets.parse_baseline('{"results": {}}').accepted == frozenset()


def test_an_updated_baseline_lets_its_secrets_through_check_and_verify(repo: Repo) -> None:
    # The everyday flow: a committed baseline, then a new accepted secret and the
    # baseline refreshed with `detect-secrets scan --baseline` in the same commit.
    repo.write("app.py", "x = 1\n")
    ds = [sys.executable, "-m", "detect_secrets", "scan", "--baseline", ".secrets.baseline"]
    created = subprocess.run([sys.executable, "-m", "detect_secrets", "scan", "app.py"],
                             cwd=repo.path, capture_output=True, text=True, check=True)
    repo.write(".secrets.baseline", created.stdout)
    repo.add()
    base = repo.commit("baseline")
    repo.write("app.py", "x = 1\n" + SECRETS_PY)
    repo.add("app.py")
    blocked = repo.main("check", "--only", "leaks")
    assert blocked.returncode == 1
    subprocess.run([*ds, "app.py"], cwd=repo.path, check=True, capture_output=True)
    repo.add()
    passed = repo.main("check", "--only", "leaks")
    assert passed.returncode == 0, passed.stdout
    head = repo.commit("accepted test keys")
    # verify judges a range with its base's policy: a baseline refreshed inside the
    # range is a policy change (for review), not yet the policy ...
    verified = repo.main("verify", "--range", f"{base}..{head}")
    assert verified.returncode == 1
    assert "identity.gate.policy-changed" in verified.stdout
    assert "verify.blocking.landed" in verified.stdout
    # ... and once it has landed on its own, the secrets it accepts pass.
    repo.git("checkout", "-q", "-b", "policy-first", base)
    repo.git("checkout", head, "--", ".secrets.baseline")
    landed = repo.commit("accept the test keys")
    repo.git("checkout", head, "--", "app.py")
    later = repo.commit("use them")
    verified = repo.main("verify", "--range", f"{landed}..{later}", "--format", "json")
    [subject] = json.loads(verified.stdout)["subjects"]
    secrets_found = [f for f in subject["findings"] if f["rule"].startswith("leak.secret.")]
    assert secrets_found and all(f["suppressed"] == "baseline: .secrets.baseline"
                                 for f in secrets_found)
    assert "verify.blocking.landed" not in {f["rule"] for f in subject["findings"]}
