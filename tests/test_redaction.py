"""One redaction for a line: a secret that any family finds is hidden from every
finding, every format, the hook cache and verify's range summary.

The secrets are assembled at run time (no key sits in this repository) and planted on
the same lines as provenance and identity triggers, whose evidence quotes the line;
every output is then searched for the whole value and for every 10-character piece.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from authgate import findings
from authgate.report import FORMATS

from testing import Repo

_RND = random.Random(0x5EC)


def _lower26() -> str:
    # 26 distinct lower-case letters: detect-secrets' base64 entropy test finds it
    # (log2(26) > 4.5), while the scrubber, seeing one character class, would not.
    letters = list(string.ascii_lowercase)
    _RND.shuffle(letters)
    return "".join(letters)


def _pick(alphabet: str, n: int) -> str:
    return "".join(_RND.choice(alphabet) for _ in range(n))


LOWER26 = _lower26()
AWS_ID = "AKIA" + _pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
GITLAB = "glpat-" + _pick(string.ascii_letters + string.digits, 20)
GITHUB = "ghp_" + _pick(string.ascii_letters + string.digits, 36)


def assert_hidden(text: str, where: str, *values: str) -> None:
    for value in values:
        assert value not in text, f"{where}: a planted secret is printed in full"
        for i in range(len(value) - 9):
            assert value[i:i + 10] not in text, \
                f"{where}: 10 characters of a planted secret: {value[i:i + 10][:2]}…"


def _plant(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    repo.write("app/auth/tokens.py", (
        "import jwt\n\n"
        "def read(token, key):\n"
        # identity.jwt.verification-disabled quotes this line; the leak family finds
        # both values on the next line (detect-secrets reports a value once per file).
        f'    payload = jwt.decode(token, key, verify=False)  # key "{LOWER26}" {AWS_ID}\n'
        f'    # ... existing code ... "{LOWER26}" {AWS_ID}\n'
        f'    # Certainly! Here is the updated code: "{LOWER26}"\n'
        "    return payload\n"))
    repo.add()


def _every_output(repo: Repo, *args: str) -> dict[str, str]:
    out = {}
    for fmt in FORMATS:
        proc = repo.main(*args, "--format", fmt)
        out[fmt] = proc.stdout + proc.stderr
        report = repo.path.parent / f"report.{fmt}"
        proc = repo.main(*args, "--format", fmt, "--output", str(report))
        out[f"{fmt} --output"] = report.read_text(encoding="utf-8") + proc.stdout + proc.stderr
    return out


def test_a_secret_found_by_the_leak_family_is_hidden_from_every_finding(repo: Repo) -> None:
    _plant(repo)
    outputs = _every_output(repo, "check")
    # The findings that quote those lines are all there...
    text = outputs["text"]
    for rule in ("identity.jwt.verification-disabled", "provenance.artifact.elision",
                 "provenance.artifact.chat-phrase", "leak.secret.aws-key"):
        assert rule in text, text
    assert "verify=False" in text  # evidence still says what was found
    # ... and none shows a secret, in any format.
    for where, out in outputs.items():
        assert_hidden(out, where, LOWER26, AWS_ID)
    cache = next((repo.path / ".git" / "authgate").iterdir()).read_text(encoding="utf-8")
    assert "verification-disabled" in cache
    assert_hidden(cache, "hook cache", LOWER26, AWS_ID)


def test_a_token_in_a_hook_repository_url_is_not_in_the_gate_finding(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    repo.write(".pre-commit-config.yaml", (
        f"repos:\n- repo: https://authgate:{GITLAB}@gitlab.com/acme/hooks\n"
        "  rev: v1.0.0\n  hooks:\n  - id: authgate\n"))
    repo.add()
    outputs = _every_output(repo, "check")
    assert "identity.gate.pre-commit-config" in outputs["text"]
    for where, out in outputs.items():
        assert_hidden(out, where, GITLAB)


def test_verify_hides_a_secret_in_an_ai_assisted_trailer(repo: Repo) -> None:
    base = repo.commit("init", "--allow-empty")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add()
    repo.commit(f"add index\n\nAI-Assisted: claude-code (session token {GITHUB})")
    outputs = _every_output(repo, "verify", "--range", f"{base}..HEAD")
    assert "claude-code" in outputs["text"]
    doc = json.loads(repo.main("verify", "--range", f"{base}..HEAD",
                                   "--format", "json").stdout)
    assert doc["verify"]["ai_assisted"][0]["trailer"].startswith("claude-code")
    for where, out in outputs.items():
        assert_hidden(out, where, GITHUB)


def test_the_hook_path_keeps_the_secret_out_of_output_and_cache(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.write("app/auth/tokens.py", (
        "import jwt\n\n"
        f'payload = jwt.decode(t, k, verify=False)  # key "{LOWER26}" {AWS_ID}\n'
        f'# ... existing code ... "{LOWER26}" {AWS_ID}\n'))
    repo.add()
    proc = repo.git("commit", "-m", "read tokens", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0, out
    assert "identity.jwt.verification-disabled" in out
    assert_hidden(out, "git commit through pre-commit", LOWER26, AWS_ID)
    for entry in (repo.path / ".git" / "authgate").iterdir():
        assert_hidden(entry.read_text(encoding="utf-8"), "hook cache", LOWER26, AWS_ID)


# --- the scrubber on its own ------------------------------------------------------------

@pytest.mark.parametrize("line", [
    f"aws_access_key_id = {AWS_ID}",
    f"export KEY={AWS_ID} # prod",
    f"repo: https://{GITLAB}@gitlab.com/acme/x",
    f"repo: https://oauth2:{GITLAB}@gitlab.com/acme/x",
    f"url = https://github.com/{GITHUB}/x",
    f"Authorization: Bearer {GITHUB}",
    f"password: {LOWER26}",
])
def test_the_scrubber_hides_unquoted_keys_and_tokens_after_a_slash(line: str) -> None:
    shown = findings.scrub(line)
    assert_hidden(shown, line, *(v for v in (AWS_ID, GITLAB, GITHUB, LOWER26) if v in line))
    assert findings.scrub(shown) == shown  # redacting twice changes nothing


@pytest.mark.parametrize("line", [
    "path app/core/auth_backend.py matches **/*auth*",
    "src/main/java/com/acme/security/AbstractAuthenticationProcessingFilter.java",
    "def test_login_fails_with_expired_token_2fa():",
    "password = get_password()",
    "git@github.com:acme/app.git",
    "Co-authored-by: Claude <noreply@anthropic.com>",
])
def test_the_scrubber_leaves_code_and_paths_readable(line: str) -> None:
    assert findings.scrub(line) == line


def test_a_megabyte_line_is_scrubbed_to_a_short_evidence(tmp_path: Path) -> None:
    line = ("x = 1; " * 150_000) + AWS_ID
    shown = findings.scrub(line)
    assert len(shown) <= findings.MAX_EVIDENCE
    assert_hidden(shown, "cut evidence", AWS_ID)
    # Cut short by an ellipsis, a value is still recognised by its start.
    assert findings.redact_values(f"key {AWS_ID[:14]}…", [AWS_ID]) == \
        f"key A********{AWS_ID[13]}…"


def test_a_literal_redacted_in_part_is_redacted_whole() -> None:
    # detect-secrets reports a JWT's header and payload; the signature after them is
    # no less secret, and the literal shows its first and last character only.
    signature = GITHUB[4:]
    shown = findings.scrub(f'token = "e********9.{signature}"')
    assert shown == f'token = "e********{signature[-1]}"'


def test_a_placeholder_word_stays_readable_in_messages(repo: Repo) -> None:
    # The value detect-secrets reports here is the word "password": the evidence hides
    # it, the rule's message (which says "password" itself) is not mangled.
    repo.commit("init", "--allow-empty")
    repo.write("app/db.py", "# connect with https://user:password@db.acme-corp.net/app\n")
    repo.add()
    out = repo.main("check").stdout
    assert "leak.secret.basic-auth: password embedded in a URL" in out, out
    assert "user:password@" not in out


# --- the contract itself: the first and last character, nothing more ------------------
#
# The tests above prove no 10-character piece of a secret is shown; these pin what is:
# a provider-format secret appears as its first character, eight stars and its last
# character, written out below, in every format of every command (markdown escapes the
# stars). Keeping a second character on either side fails them.

PINNED_AWS = "AKIA" + "GQNBQRMKTSXFVY6P"
PINNED_GITHUB = "ghp_" + "lpErf87038J1ta6sKT4t2WGmABMsBCkotq0Z"
SHOWN = {PINNED_AWS: "A********P", PINNED_GITHUB: "g********Z"}
SHOWN_MARKDOWN = {PINNED_AWS: r"A\*\*\*\*\*\*\*\*P", PINNED_GITHUB: r"g\*\*\*\*\*\*\*\*Z"}


def assert_first_and_last_only(text: str, where: str, secret: str) -> None:
    shown = SHOWN_MARKDOWN[secret] if where.startswith("markdown") else SHOWN[secret]
    assert shown in text, f"{where}: the secret is not shown as {shown}:\n{text}"
    rest = text.replace(shown, "")
    for i in range(len(secret) - 3):
        piece = secret[i:i + 4]
        assert piece not in rest, f"{where}: {piece[:1]}… of the secret is shown"


def _formats(repo: Repo, *args: str) -> dict[str, str]:
    out = {}
    for fmt in FORMATS:
        proc = repo.main(*args, "--format", fmt)
        out[fmt] = proc.stdout + proc.stderr
        report = repo.path.parent / f"pinned.{fmt}"
        repo.main(*args, "--format", fmt, "--output", str(report))
        out[f"{fmt} --output"] = report.read_text(encoding="utf-8")
    return out


def test_a_found_secret_keeps_its_first_and_last_character_in_every_format(
        repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    repo.write("app/auth/tokens.py", (
        "import jwt\n\n"
        "def read(token, key):\n"
        f"    payload = jwt.decode(token, key, verify=False)  # {PINNED_AWS}\n"
        f"    # ... existing code ... {PINNED_GITHUB}\n"
        "    return payload\n"))
    repo.add()
    outputs = _formats(repo, "check")
    # The line with the AWS key is quoted by the identity finding, the one with the
    # token by the leak and the provenance findings.
    for rule in ("identity.jwt.verification-disabled", "leak.secret.github-token",
                 "provenance.artifact.elision"):
        assert rule in outputs["text"], outputs["text"]
    for where, out in outputs.items():
        assert_first_and_last_only(out, where, PINNED_AWS)
        assert_first_and_last_only(out, where, PINNED_GITHUB)
    # What authgate keeps under .git/authgate (the hook cache, the last run for
    # `accept`) is redacted too.
    stored = [p for p in (repo.path / ".git" / "authgate").rglob("*") if p.is_file()]
    assert stored
    for path in stored:
        kept = path.read_text(encoding="utf-8")
        assert PINNED_AWS[1:5] not in kept and PINNED_GITHUB[1:5] not in kept, path.name


def test_a_secret_in_a_trailer_keeps_its_first_and_last_character_in_verify(
        repo: Repo) -> None:
    base = repo.commit("init", "--allow-empty")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add()
    repo.commit(f"add index\n\nAI-Assisted: claude-code (session token {PINNED_GITHUB})")
    outputs = _formats(repo, "verify", "--range", f"{base}..HEAD")
    assert "verify.trailers" in outputs["text"], outputs["text"]
    for where, out in outputs.items():
        if where.startswith("gitlab"):
            # Code Quality holds findings with a file only: the trailer's is left out,
            # and nothing of the token may be there either.
            assert all(PINNED_GITHUB[i:i + 4] not in out for i in range(len(PINNED_GITHUB) - 3))
            assert "verify.trailers.missing" in out, out
            continue
        assert_first_and_last_only(out, where, PINNED_GITHUB)
