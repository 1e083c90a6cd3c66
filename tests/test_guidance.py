"""A blocked commit says how to proceed: each blocking finding once, its fix, the allow
line, an explain command that runs where the hook runs, and the SKIP escape hatch.
Followed through the real pre-commit, using only what the terminal printed."""

from __future__ import annotations

import re
import shlex
import subprocess

from authgate.findings import Action, Finding, Severity, Tier
from authgate.guidance import allow_comment, how_to_proceed
from authgate.policy import Verdict

from testing import Repo

# An assistant's elision placeholder in a Python file: blocks (provenance.artifact.*).
ELIDED = "def greet(name):\n    # ... existing code ...\n    return f'hello {name}'\n"


def _verdict(*findings: Finding) -> Verdict:
    return Verdict(tier=Tier.NONE, ai_assisted=False, ai_tools=(), ai_evidence=(),
                   required_reviews=(), blocked=True, reasons=(), findings=findings,
                   suppressed=0)


def _block(rule: str, path: str | None, line: int | None, fix: str = "Do X.") -> Finding:
    return Finding(rule_id=rule, severity=Severity.HIGH, message="m", path=path, line=line,
                   fix=fix, action=Action.BLOCK)


def test_allow_comment_speaks_the_file_comment_syntax() -> None:
    assert [allow_comment(_block("r.x", p, 1)) for p in ("a.py", "a.ts", "q.sql", "d.md")] == [
        "# authgate: allow r.x -- <why this is safe>",
        "// authgate: allow r.x -- <why this is safe>",
        "-- authgate: allow r.x -- <why this is safe>",
        "<!-- authgate: allow r.x -- <why this is safe> -->"]


def test_guidance_is_per_rule_and_fits_what_the_finding_is_anchored_to() -> None:
    lines = how_to_proceed(_verdict(
        _block("leak.secret.aws-key", "a.py", 3, "Rotate it."),
        _block("leak.secret.aws-key", "b.py", 9, "Rotate it."),
        _block("leak.file.private-key", "id\x1b[31m_rsa", None, "Remove it."),
        _block("identity.tests.negative-missing", None, None, "Add tests.")),
        skip=("authgate", "authgate-trailers"), python="/opt/py env/bin/python")
    assert lines == [
        "How to proceed:",
        "  leak.secret.aws-key (a.py:3)",
        "    fix: Rotate it.",
        "    or, if it is intended, say why on that line or alone on the line above:",
        "      # authgate: allow leak.secret.aws-key -- <why this is safe>",
        "    details: '/opt/py env/bin/python' -m authgate explain leak.secret.aws-key",
        "  leak.file.private-key (id\\x1b[31m_rsa)",
        "    fix: Remove it.",
        "    or, if it is intended, accept it for this file in pyproject.toml "
        "(in .authgate.toml: [[allowlist]]):",
        "      [[tool.authgate.allowlist]]",
        '      rule = "leak.file.private-key"',
        '      path = "id\\x1b[31m_rsa"',
        '      reason = "<why this is safe>"',
        "    details: '/opt/py env/bin/python' -m authgate explain leak.file.private-key",
        "  identity.tests.negative-missing",
        "    fix: Add tests.",
        "    details: '/opt/py env/bin/python' -m authgate explain "
        "identity.tests.negative-missing",
        "  To accept them as false positives (allowlist entries in the config, reviewed as "
        "a policy change): '/opt/py env/bin/python' -m authgate accept --last "
        "--reason '<why they are safe>'",
        "  To commit anyway: SKIP=authgate,authgate-trailers git commit ... "
        "(CI's `authgate verify` still checks the commit)"]


def test_a_blocked_commit_through_precommit_can_be_fixed_from_its_output_alone(
        hooked_repo: Repo) -> None:
    hooked_repo.write("app/greet.py", ELIDED)
    hooked_repo.add("app/greet.py")
    proc = hooked_repo.git("commit", "-m", "Add greeting", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1
    rule = re.search(r"app/greet\.py:2: (provenance\.artifact\.[\w.-]+):", out)
    assert rule, out
    rule_id = rule[1]
    # The finding once: its own line, no restatement in the summary's reasons.
    assert out.count(f"app/greet.py:2: {rule_id}") == 1
    assert f"blocked: app/greet.py:2: {rule_id}" not in out
    assert f"  {rule_id} (app/greet.py:2)\n    fix: " in out

    # The explain command as printed runs (pre-commit's environment, not PATH).
    details = re.search(rf"details: (.* -m authgate explain {re.escape(rule_id)})\n", out)
    assert details, out
    explained = subprocess.run(shlex.split(details[1]), capture_output=True, text=True,
                               cwd=hooked_repo.path)
    assert explained.returncode == 0, explained.stderr
    assert rule_id in explained.stdout

    # The allow line as printed, with a reason, on the line above: the commit passes.
    allow = re.search(r"\n      (# authgate: allow \S+) -- <why this is safe>\n", out)
    assert allow, out
    lines = ELIDED.splitlines(keepends=True)
    lines.insert(1, f"    {allow[1]} -- the body is generated at build time\n")
    hooked_repo.write("app/greet.py", "".join(lines))
    hooked_repo.add("app/greet.py")
    done = hooked_repo.git("commit", "-q", "-m", "Add greeting", check=False)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert "Authgate-Suppressed: 1" in hooked_repo.out("log", "-1", "--format=%B")


def test_the_printed_skip_line_lets_the_commit_through(hooked_repo: Repo) -> None:
    hooked_repo.write("app/greet.py", ELIDED)
    hooked_repo.add("app/greet.py")
    proc = hooked_repo.git("commit", "-m", "Add greeting", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    skip = re.search(r"To commit anyway: SKIP=(\S+) git commit", out)
    assert skip, out
    done = hooked_repo.git("commit", "-q", "-m", "Add greeting", check=False,
                           env={"SKIP": skip[1]})
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    assert hooked_repo.out("log", "-1", "--format=%s") == "Add greeting"


def test_the_message_hook_block_says_how_to_proceed_once(hooked_repo: Repo) -> None:
    # Blocking content committed with --no-verify: pre-commit's check is skipped, the
    # message hook (prepare-commit-msg runs anyway) blocks and guides.
    hooked_repo.write("app/greet.py", ELIDED)
    hooked_repo.add("app/greet.py")
    proc = hooked_repo.git("commit", "--no-verify", "-m", "Add greeting", check=False)
    err = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1
    assert len(re.findall(r"blocked: app/greet\.py:2: provenance\.artifact", err)) == 1
    assert "How to proceed:" in err
    assert "To commit anyway: SKIP=authgate-trailers git commit" in err
    assert err.rstrip().endswith("to reuse it: git commit -e -F .git/COMMIT_EDITMSG")
