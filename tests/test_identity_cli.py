"""The identity family end to end: real git, the real `authgate` command."""

from __future__ import annotations

import json
import re

from testing import Repo

LOGIN = "app/auth/login.py"
BAD_LINE = 'claims = jwt.decode(token, options={"verify_signature": False})'


def _base(repo: Repo) -> None:
    repo.write("README.md", "# app\n")
    repo.write(LOGIN, "import jwt\n\n\ndef login(token):\n    return None\n")
    repo.add()
    repo.commit("base")


def test_disabling_jwt_verification_blocks_with_the_rule_and_a_critical_reason(
        repo: Repo) -> None:
    _base(repo)
    repo.write(LOGIN, "import jwt\n\n\ndef login(token):\n"
                      f"    {BAD_LINE}\n    return claims\n")
    repo.add(LOGIN)
    proc = repo.main("check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = _no_fp(proc.stdout).splitlines()
    assert (f"{LOGIN}:5: identity.jwt.verification-disabled: JWT signature verification "
            "disabled at line 5: any forged token is accepted "
            f"[{BAD_LINE}]") in out
    # Shown once: the finding line above is the critical reason, not restated below.
    assert (f"  critical: {LOGIN}:5: JWT signature verification disabled at line 5: "
            "any forged token is accepted") not in out
    summary = next(line for line in out if line.startswith("authgate: BLOCKED: "))
    assert "identity impact critical; requires review: code-owner, iam, security" in summary
    assert "Traceback" not in proc.stderr


def test_ui_only_change_passes_low(repo: Repo) -> None:
    _base(repo)
    repo.write("templates/registration/login.html", "<form>{% csrf_token %}</form>\n")
    repo.write("static/css/login.css", ".login { margin: 0 }\n")
    repo.add()
    proc = repo.main("check", "--only", "identity")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "authgate: ok: identity impact low; requires review: code-owner;" in proc.stdout
    assert ("  low: static/css/login.css: path static/css/login.css matches word 'login' "
            "(**/*.css: capped at low)") in proc.stdout.splitlines()


def test_unrelated_change_has_no_identity_impact(repo: Repo) -> None:
    _base(repo)
    repo.write("README.md", "# app\n\nMore words.\n")
    repo.add()
    proc = repo.main("check", "--only", "identity")
    assert proc.returncode == 0
    assert "identity impact none" in proc.stdout


def test_json_report_carries_tier_refs_and_never_the_planted_key(repo: Repo) -> None:
    _base(repo)
    key = "Planted-Signing-Key-8c1f"
    repo.write("app/issue.py", f'token = jwt.encode(claims, "{key}", algorithm="HS256")\n')
    repo.add()
    proc = repo.main("check", "--only", "identity", "--format", "json")
    assert proc.returncode == 1
    assert key not in proc.stdout + proc.stderr
    (subject,) = json.loads(proc.stdout)["subjects"]
    (f,) = [f for f in subject["findings"] if f["rule"] == "identity.jwt.hardcoded-key"]
    assert (f["path"], f["line"], f["tier"], f["action"]) == \
        ("app/issue.py", 1, "critical", "block")
    assert "CWE-321" in f["refs"] and "ASVS-5.0-13.3.1" in f["refs"]
    for fmt in ("text", "sarif", "github", "markdown"):
        other = repo.main("check", "--only", "identity", "--format", fmt)
        assert key not in other.stdout + other.stderr, fmt


def test_a_prefixed_key_literal_is_one_argument_past_quotes_and_brackets_in_strings(
        repo: Repo) -> None:
    # The call's arguments are read past string literals (context.string_ranges): an
    # escaped quote, `]`, `}` and `,` inside the payload's strings close nothing, and
    # `b'...'` is one literal although a line-level read takes a quote after a letter
    # for an apostrophe. Read that way, the key's comma would split it: no block.
    _base(repo)
    key = "Planted,Key]8c1f}"
    repo.write("app/issue.py", "import jwt\n"
               'token = jwt.encode({"note": "a \\"quoted\\", ] } here", '
               f"\"sub\": uid}}, b'{key}', algorithm=\"HS256\")\n")
    repo.add()
    proc = repo.main("check", "--only", "identity", "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert key not in proc.stdout + proc.stderr
    (subject,) = json.loads(proc.stdout)["subjects"]
    assert [(f["rule"], f["path"], f["line"], f["action"]) for f in subject["findings"]
            if f["rule"].startswith("identity.jwt.")] == \
        [("identity.jwt.hardcoded-key", "app/issue.py", 2, "block")]


def test_a_lone_line_with_an_escaped_quote_is_code_not_the_inside_of_a_docstring(
        repo: Repo) -> None:
    # A Python hunk with no triple quote whose every line reads as prose is taken for
    # the inside of a docstring. The quotes were blanked by a regex that knew no
    # escapes, so `"x \"y\""` left words side by side and the line read as prose:
    # the hard-coded key went unreported.
    _base(repo)
    repo.write("app/sign.py", 'token = jwt.encode({"note": "x \\"y\\""}, '
               "b'planted-signing-key', algorithm=\"HS256\")\n")
    repo.add()
    proc = repo.main("check", "--only", "identity", "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (subject,) = json.loads(proc.stdout)["subjects"]
    assert [(f["rule"], f["path"], f["line"]) for f in subject["findings"]
            if f["rule"].startswith("identity.jwt.")] == \
        [("identity.jwt.hardcoded-key", "app/sign.py", 1)]


def test_scan_reports_identity_patterns_in_the_whole_tree(repo: Repo) -> None:
    repo.write("client.go", "package c\nvar cfg = &tls.Config{InsecureSkipVerify: true}\n")
    repo.add()
    repo.commit("c")
    proc = repo.main("scan", "--only", "identity")
    assert proc.returncode == 1
    assert ("client.go:2: identity.tls.verification-disabled: TLS verification disabled at "
            "line 2: InsecureSkipVerify: true [var cfg = &tls.Config{InsecureSkipVerify: true}]"
            in _no_fp(proc.stdout).splitlines())


def test_explain_prints_an_identity_rule_with_its_references(repo: Repo) -> None:
    proc = repo.main("explain", "identity.jwt.none-algorithm")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert "identity tier:  critical" in lines
    assert "references:     ASVS-5.0-9.1.2, CWE-347, OWASP-NHI4, OWASP-LLM09" in lines


def test_a_config_path_makes_a_neutral_file_high(repo: Repo) -> None:
    _base(repo)
    repo.write(".authgate.toml", '[paths]\nhigh = ["billing/**"]\n')
    repo.add()
    repo.commit("config")
    repo.write("billing/invoice.py", "total = 1\n")
    repo.add()
    proc = repo.main("check", "--only", "identity")
    assert proc.returncode == 0
    assert ("  high: billing/invoice.py: path billing/invoice.py matches billing/** "
            "(config paths.high)") in proc.stdout.splitlines()


def test_a_broken_user_rule_is_one_line_and_exit_2(repo: Repo) -> None:
    _base(repo)
    repo.write(".authgate.toml", '[[rules.custom]]\nid = "identity.acme.x"\nkind = "line"\n'
                                 'regex = "x"\n[rules.custom.params]\nunit = "("\n')
    repo.write("a.py", "x = 1\n")
    repo.add()
    proc = repo.main("check", "--only", "identity")
    assert proc.returncode == 2
    assert proc.stderr == ("authgate: .authgate.toml (staged): key 'rules.custom[0].params.unit' "
                           "does not compile: missing ), unterminated subpattern at position 0\n")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_real_commit_through_pre_commit_blocks_and_annotates(hooked_repo: Repo) -> None:
    hooked_repo.write(LOGIN, f"def login(token):\n    {BAD_LINE}\n    return claims\n")
    hooked_repo.add(LOGIN)
    head = hooked_repo.out("rev-parse", "HEAD")
    proc = hooked_repo.git("commit", "-m", "Login", check=False)
    output = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0
    assert f"{LOGIN}:2: identity.jwt.verification-disabled: " in output
    assert hooked_repo.out("rev-parse", "HEAD") == head
    # The safe version commits, and the message records the impact and the reviews.
    hooked_repo.write(LOGIN, "def login(token):\n"
                             "    return jwt.decode(token, KEY, algorithms=['RS256'])\n")
    hooked_repo.add(LOGIN)
    ok = hooked_repo.git("commit", "-m", "Login", check=False)
    assert ok.returncode == 0, ok.stdout.decode() + ok.stderr.decode()
    message = hooked_repo.out("log", "-1", "--format=%B")
    assert "Identity-Impact: high" in message.splitlines()
    assert "Requires-Review: code-owner, iam, security" in message.splitlines()


def _no_fp(text: str) -> str:
    """The text report without each finding's fingerprint, `(fp ...)` (test_accept.py
    is about those)."""
    return re.sub(r" \(fp [0-9a-f]{12}\)", "", text)
