"""Accepting a false positive is one step and always counted (issue 14, item 5).

Every finding in the text report carries a short fingerprint that survives lines
moving; an allowlist entry can name it; `pragma: allowlist secret` and the secrets
baseline are counted as suppressions like an allow comment; `authgate accept --last`
writes the last run's findings into the config with a reason and never the secret.
Driven through real git, and through the real pre-commit for the blocked commit."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

from testing import Repo

# Planted fakes, assembled so no scanner flags this file; never printed whole.
AWS_KEY = "".join(["AK", "IA", "Q7NR", "2KX5", "TLWM", "8ZPC"])
OTHER_KEY = "".join(["AK", "IA", "J2X4", "B6C8", "D0E2", "G4I6"])
CREDS = f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'
FP = re.compile(r" \(fp ([0-9a-f]{12})\)")


def _fingerprints(out: str, rule: str) -> list[str]:
    return [m[1] for line in out.splitlines() if f": {rule}: " in line
            for m in [FP.search(line)] if m]


def test_every_finding_line_shows_a_fingerprint_that_survives_moved_lines(repo: Repo) -> None:
    repo.write("app/creds.py", CREDS)
    repo.add()
    first = repo.authgate("check")
    assert first.returncode == 1
    [fp] = _fingerprints(first.stdout, "leak.secret.aws-key")
    # Every finding line ends with one (the summary and guidance lines are not findings).
    findings = [ln for ln in first.stdout.splitlines() if re.match(r"\S+:\d+: \w+\.", ln)]
    assert findings and all(FP.search(ln) for ln in findings)
    repo.write("app/creds.py", "import os\n\n# settings\n" + CREDS)
    repo.add()
    moved = repo.authgate("check")
    assert "app/creds.py:4: leak.secret.aws-key" in moved.stdout
    assert _fingerprints(moved.stdout, "leak.secret.aws-key") == [fp]
    # JSON carries the same fingerprint; another file is another finding.
    doc = json.loads(repo.authgate("check", "--format", "json").stdout)
    assert [f["fingerprint"] for f in doc["subjects"][0]["findings"]
            if f["rule"] == "leak.secret.aws-key"] == [fp]
    repo.write("lib/creds.py", CREDS)
    repo.add()
    both = _fingerprints(repo.authgate("check").stdout, "leak.secret.aws-key")
    assert len(both) == 2 and fp in both


def test_pragma_and_baseline_are_counted_as_suppressions_in_text_and_json(repo: Repo) -> None:
    repo.write("app/creds.py", CREDS + f'OTHER = "{OTHER_KEY}"  # pragma: allowlist secret\n')
    repo.add()
    text = repo.authgate("check")
    assert text.returncode == 1
    [pragma] = [ln for ln in text.stdout.splitlines() if ln.startswith("app/creds.py:2: ")]
    assert pragma.endswith("(suppressed: pragma: allowlist secret)")
    assert OTHER_KEY not in text.stdout  # redacted like any secret
    assert "1 finding, 1 blocking, 1 suppressed" in text.stdout
    doc = json.loads(repo.authgate("check", "--format", "json").stdout)
    [subject] = doc["subjects"]
    assert subject["suppressed"] == 1
    assert [f["suppressed"] for f in subject["findings"]
            if f["rule"] == "leak.secret.aws-key"] == [None, "pragma: allowlist secret"]

    # The baseline accepts the first key: two suppressions now, nothing blocks.
    scanned = subprocess.run([sys.executable, "-m", "detect_secrets", "scan", "app/creds.py"],
                             cwd=repo.path, capture_output=True, text=True, check=True).stdout
    repo.write(".secrets.baseline", scanned)
    repo.add()
    text = repo.authgate("check")
    assert text.returncode == 0, text.stdout
    assert "0 blocking, 2 suppressed" in text.stdout
    assert "(suppressed: baseline: .secrets.baseline)" in text.stdout
    doc = json.loads(repo.authgate("check", "--format", "json").stdout)
    reasons = sorted(f["suppressed"] for f in doc["subjects"][0]["findings"]
                     if f["rule"] == "leak.secret.aws-key")
    assert reasons == ["baseline: .secrets.baseline", "pragma: allowlist secret"]
    assert doc["subjects"][0]["suppressed"] == 2


def test_an_allowlist_entry_names_a_finding_by_its_fingerprint(repo: Repo) -> None:
    repo.write("app/creds.py", CREDS)
    repo.write("lib/creds.py", CREDS)
    repo.add()
    fps = _fingerprints(repo.authgate("check").stdout, "leak.secret.aws-key")
    app_fp = fps[0]
    repo.write(".authgate.toml", f'[[allowlist]]\nfingerprint = "{app_fp}"\n'
                                 'reason = "a documentation key"\n')
    repo.add()
    proc = repo.authgate("check")
    # Only that finding: the same key in another file is another fingerprint.
    assert proc.returncode == 1
    assert f"(fp {app_fp}) (suppressed: config: a documentation key)" in proc.stdout
    assert "1 blocking, 1 suppressed" in proc.stdout

    repo.write(".authgate.toml", '[[allowlist]]\nfingerprint = "AKIA-not-hex"\nreason = "r"\n')
    repo.add()
    bad = repo.authgate("check")
    assert bad.returncode == 2
    assert bad.stderr.startswith(
        "authgate: .authgate.toml (staged): key 'allowlist[0].fingerprint'")
    assert len(bad.stderr.splitlines()) == 1


def test_a_blocked_commit_accepted_with_the_printed_command_then_passes(
        hooked_repo: Repo) -> None:
    hooked_repo.write("app/creds.py", CREDS)
    hooked_repo.add("app/creds.py")
    blocked = hooked_repo.git("commit", "-m", "add creds", check=False)
    out = blocked.stdout.decode() + blocked.stderr.decode()
    assert blocked.returncode == 1
    [fp] = _fingerprints(out, "leak.secret.aws-key")
    command = re.search(r"reviewed as a policy change\): (.+ -m authgate accept --last "
                        r"--reason) '<why they are safe>'\n", out)
    assert command, out
    # The record the command reads: redacted, never the key.
    record = (hooked_repo.path / ".git" / "authgate" / "last-run.json").read_text()
    assert AWS_KEY not in record and AWS_KEY[4:14] not in record and fp in record

    accepted = subprocess.run([*shlex.split(command[1]), "the AWS documentation example"],
                              cwd=hooked_repo.path, capture_output=True, text=True)
    assert accepted.returncode == 0, accepted.stderr
    assert f"accepted: {fp} leak.secret.aws-key (app/creds.py:1)" in accepted.stdout
    assert "identity.gate.policy-changed" in accepted.stdout
    config = (hooked_repo.path / ".authgate.toml").read_text()
    assert "[[allowlist]]" in config and f'fingerprint = "{fp}"' in config
    assert 'reason = "the AWS documentation example"' in config
    assert AWS_KEY not in config and AWS_KEY[4:14] not in config
    # Accepting again adds nothing.
    again = subprocess.run([*shlex.split(command[1]), "again"], cwd=hooked_repo.path,
                           capture_output=True, text=True)
    assert again.returncode == 0 and config == (hooked_repo.path / ".authgate.toml").read_text()

    # Staged with the change, the policy is obeyed; the change to it needs review.
    hooked_repo.add(".authgate.toml", "app/creds.py")
    done = hooked_repo.git("commit", "-m", "add creds", check=False)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    message = hooked_repo.out("log", "-1", "--format=%B")
    assert "Identity-Impact: high" in message and "Authgate-Suppressed: 1" in message


def test_accept_writes_into_pyproject_and_only_blocking_findings_unless_all(repo: Repo) -> None:
    repo.write("pyproject.toml", '[project]\nname = "x"\n\n[tool.authgate]\nai = "allow"\n')
    repo.write("app/creds.py", CREDS)
    repo.write("app/auth/login.py", "def login(user, password):\n    return check(password)\n")
    repo.add()
    assert repo.authgate("check").returncode == 1
    proc = repo.authgate("accept", "--last", "--reason", "test fixture")
    assert proc.returncode == 0, proc.stderr
    text = (repo.path / "pyproject.toml").read_text()
    assert text.count("[[tool.authgate.allowlist]]") == 1
    assert 'rule = "leak.secret.aws-key"' in text
    shown = repo.authgate("config").stdout
    assert "fingerprint = " in shown and 'reason = "test fixture"' in shown
    # --all takes what only annotates too (the identity path finding).
    proc = repo.authgate("accept", "--last", "--all", "--reason", "test fixture")
    assert proc.returncode == 0
    assert "already accepted" in proc.stdout
    assert (repo.path / "pyproject.toml").read_text().count("[[tool.authgate.allowlist]]") > 1


def test_accept_without_a_usable_record_or_reason_is_one_line_exit_2(repo: Repo) -> None:
    repo.write("a.txt", "x\n")
    repo.add()
    proc = repo.authgate("accept", "--last", "--reason", "r")
    assert proc.returncode == 2
    assert proc.stderr.startswith("authgate: no findings recorded yet")
    record = repo.path / ".git" / "authgate" / "last-run.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text('{"schema": "authgate-last-run/1", "findings": [{"rule": 1}]}')
    proc = repo.authgate("accept", "--last", "--reason", "r")
    assert proc.returncode == 2 and "not a record authgate wrote" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    proc = repo.authgate("accept", "--last", "--reason", "two\nlines")
    assert proc.returncode == 2 and "--reason" in proc.stderr
    assert not (repo.path / ".authgate.toml").exists()


def test_the_record_is_replaced_not_written_through_a_symlink(repo: Repo, tmp_path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    folder = repo.path / ".git" / "authgate"
    folder.mkdir(parents=True)
    os.symlink(outside, folder / "last-run.json")
    repo.write("app/creds.py", CREDS)
    repo.add()
    assert repo.authgate("check").returncode == 1
    assert outside.read_text() == "keep\n"
    assert not (folder / "last-run.json").is_symlink()
    assert "leak.secret.aws-key" in (folder / "last-run.json").read_text()


def test_verify_honours_a_fingerprint_accepted_on_the_base(repo: Repo) -> None:
    repo.write("README", "x\n")
    repo.add()
    repo.commit("init")
    repo.write("app/creds.py", CREDS)
    repo.add()
    [fp] = _fingerprints(repo.authgate("check").stdout, "leak.secret.aws-key")
    repo.git("reset", "-q")
    repo.write(".authgate.toml", f'[[allowlist]]\nfingerprint = "{fp}"\nreason = "docs key"\n')
    repo.git("add", ".authgate.toml")
    base = repo.commit("accept the docs key")
    repo.add()
    repo.commit("add creds")
    proc = repo.authgate("verify", "--range", f"{base}..HEAD")
    # The fingerprint check computed is the one verify computes: the key is suppressed,
    # and only the missing trailers remain (the commit skipped its hooks).
    assert "verify.blocking.landed" not in proc.stdout, proc.stdout
    assert f"(fp {fp}) (suppressed: config: docs key)" in proc.stdout


def test_a_scan_can_be_accepted_too_and_then_passes(repo: Repo) -> None:
    repo.write("app/creds.py", CREDS)
    repo.add()
    repo.commit("land a key")
    scanned = repo.authgate("scan")
    assert scanned.returncode == 1
    [fp] = _fingerprints(scanned.stdout, "leak.secret.aws-key")
    proc = repo.authgate("accept", "--last", "--reason", "rotated; kept as a test vector")
    assert proc.returncode == 0, proc.stderr
    assert f"accepted: {fp} leak.secret.aws-key (app/creds.py:1)" in proc.stdout
    again = repo.authgate("scan")
    assert again.returncode == 0, again.stdout
    assert f"(fp {fp}) (suppressed: config: rotated; kept as a test vector)" in again.stdout
    assert AWS_KEY not in (repo.path / ".authgate.toml").read_text()
