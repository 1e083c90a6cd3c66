"""An allow comment authgate does not honour says so (issue 14, item 4): no reason, a
single dash for ` -- `, an unknown rule id, another rule's id, another tool's marker.
Each is a hint (`identity.gate.allow-hint`, warn) on the line, never a block, and only
next to a finding it left open. Through real git, the real pre-commit and prek."""

from __future__ import annotations

import json

import pytest

from testing import Repo

# With test_files_mode_prek on one worker: prek builds its hook environment once there.
pytestmark = pytest.mark.xdist_group("files_mode_prek")

HINT = "identity.gate.allow-hint"
# Planted fakes, assembled so no scanner flags this file.
KEYS = ["".join(["AK", "IA", "J2X4", "B6C8", "D0E2", f"G4I{c}"]) for c in "6789ABCD"]


def _hints(out: str) -> dict[int, str]:
    """line -> hint message, from the text report."""
    found = {}
    for line in out.splitlines():
        if f": {HINT}: " in line:
            where, _, rest = line.partition(f": {HINT}: ")
            found[int(where.rsplit(":", 1)[1])] = rest
    return found


def test_each_malformed_allow_next_to_a_finding_gets_a_hint(repo: Repo) -> None:
    repo.write("app/settings.py", "\n".join([
        f'A = "{KEYS[0]}"  # authgate: allow leak.secret.aws-key',
        f'B = "{KEYS[1]}"  # authgate: allow leak.secret.aws-key - the docs example',
        "# authgate: allow leak.secrets -- the docs example",
        f'C = "{KEYS[2]}"',
        f'D = "{KEYS[3]}"  # authgate: allow leak.endpoint -- the docs example',
        f'E = "{KEYS[4]}"  # nosec',
        f'F = "{KEYS[5]}"  # gitleaks:allow',
        f'G = "{KEYS[6]}"  # authgate: allow leak.secret.aws-key -- the docs example',
        "",
    ]))
    repo.add()
    proc = repo.authgate("check")
    assert proc.returncode == 1
    hints = _hints(proc.stdout)
    assert sorted(hints) == [1, 2, 3, 5, 6, 7]
    assert hints[1].startswith("allow comment not honoured: it gives no reason (write "
                               "`authgate: allow leak.secret.aws-key -- <why this is safe>`)")
    assert hints[2].startswith("allow comment not honoured: the reason must follow ` -- `")
    assert "unknown rule id `leak.secrets`" in hints[3]
    assert "did you mean `leak.secret`?" in hints[3]
    assert hints[5].startswith("allow comment names `leak.endpoint`, not the finding here: "
                               "write `authgate: allow leak.secret.aws-key -- <reason>`")
    assert hints[6].startswith("`nosec` is bandit/gosec's marker, not authgate's")
    assert hints[7].startswith("`gitleaks:allow` is gitleaks's marker, not authgate's")
    # The well-formed one is honoured and says nothing; no key is shown.
    assert 8 not in hints and "(suppressed: inline: the docs example)" in proc.stdout
    assert not any(k in proc.stdout for k in KEYS)
    # Hints warn: they count as findings, never as blocking ones.
    doc = json.loads(repo.authgate("check", "--format", "json").stdout)
    [subject] = doc["subjects"]
    kinds = {f["action"] for f in subject["findings"] if f["rule"] == HINT}
    assert kinds == {"warn"}
    blocking = [f for f in subject["findings"] if f["action"] == "block" and not f["suppressed"]]
    assert all(f["rule"] == "leak.secret.aws-key" for f in blocking) and len(blocking) == 6


def test_a_hint_never_blocks_and_stays_quiet_away_from_findings(repo: Repo) -> None:
    # Allow syntax in docs and a nosec next to nothing authgate reports: no hint.
    repo.write("docs/suppress.md", "Write `authgate: allow <rule-id> -- <reason>`.\n")
    repo.write("app/util.py", "import subprocess  # nosec\n# authgate: allow leak.secret\n"
                              "x = 1\n")
    repo.add()
    proc = repo.authgate("check")
    assert proc.returncode == 0, proc.stdout
    assert HINT not in proc.stdout

    # A malformed allow on an annotated finding (a password literal in a test): a
    # hint, and still no block.
    repo.write("tests/test_db.py", 'db_password = "Xk9mP2vL7qR4sT8w"  # authgate: allow leak\n')
    repo.add()
    proc = repo.authgate("check")
    assert proc.returncode == 0, proc.stdout
    assert "tests/test_db.py:1: leak.secret.keyword: " in proc.stdout
    assert "tests/test_db.py:1: identity.gate.allow-hint: allow comment not honoured: it " \
           "gives no reason" in proc.stdout


def test_the_hint_can_be_disabled_like_any_rule(repo: Repo) -> None:
    repo.write(".authgate.toml", f'[rules]\ndisable = ["{HINT}"]\n')
    repo.write("app/settings.py", f'A = "{KEYS[0]}"  # nosec\n')
    repo.add()
    proc = repo.authgate("check")
    assert proc.returncode == 1 and HINT not in proc.stdout


def test_a_commit_with_a_reasonless_allow_is_told_why_under_precommit(
        hooked_repo: Repo) -> None:
    hooked_repo.write("app/settings.py", f'A = "{KEYS[0]}"  # authgate: allow leak.secret\n')
    hooked_repo.add("app/settings.py")
    proc = hooked_repo.git("commit", "-m", "settings", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1
    assert ("app/settings.py:1: identity.gate.allow-hint: allow comment not honoured: it "
            "gives no reason (write `authgate: allow leak.secret -- <why this is safe>`)") in out
    assert KEYS[0] not in out


def test_the_hint_shows_under_prek_too(prek_repo: Repo) -> None:
    prek_repo.write("app/settings.py", f'A = "{KEYS[1]}"  # gitleaks:allow\n')
    prek_repo.add("app/settings.py")
    proc = prek_repo.git("commit", "-m", "settings", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1, out
    assert ("app/settings.py:1: identity.gate.allow-hint: `gitleaks:allow` is gitleaks's "
            "marker, not authgate's: to accept this finding write `authgate: allow "
            "leak.secret.aws-key -- <reason>`") in out
    assert KEYS[1] not in out
