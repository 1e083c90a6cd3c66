"""The commit hooks cannot be walked around: no message shape skips judging the staged
content, local state (the hook cache) is never trusted beyond the commit that wrote
it, and a trailer the author or another tool owns is never overwritten. Every test
commits through the hooks the real pre-commit installs."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from authgate import hookcache

from testing import Repo

AWS_KEY = "".join(["AK", "IA", "Q7NR", "2KX5", "TLWM", "8ZPC"])
CREDS = f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'
LOGIN = ('import jwt\n\n\ndef login(token: str, key: str) -> dict:\n'
         '    return jwt.decode(token, key, algorithms=["HS256"])\n')

# An editor that writes a subject above whatever git prepared (a template included).
EDITOR = textwrap.dedent("""\
    import sys
    path = sys.argv[-1]
    with open(path, "rb") as fh:
        shown = fh.read()
    with open(path, "wb") as fh:
        fh.write(b"Add the deploy client\\n\\n" + shown)
    """)


@pytest.fixture
def staged_key(hooked_repo: Repo) -> Repo:
    hooked_repo.write("deploy/creds.py", CREDS)
    hooked_repo.add("deploy/creds.py")
    return hooked_repo


def _assert_blocked(repo: Repo, proc: subprocess.CompletedProcess[bytes], head: str) -> str:
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0, out
    assert repo.out("rev-parse", "HEAD") == head, "the commit landed"
    assert "deploy/creds.py:1: leak.secret.aws-key" in out
    assert AWS_KEY not in out and AWS_KEY[4:] not in out
    return out


# --- fail-open paths of the message hook -----------------------------------------------

def test_a_template_and_no_verify_do_not_skip_judging(staged_key: Repo,
                                                      tmp_path: Path) -> None:
    repo = staged_key
    (repo.path / "template.txt").write_text("# Why this change:\n", encoding="utf-8")
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR, encoding="utf-8")
    head = repo.out("rev-parse", "HEAD")
    proc = repo.git("-c", "commit.template=template.txt", "commit", "-q", "--no-verify",
                    env={"GIT_EDITOR": f"{shlex.quote(sys.executable)} "
                                       f"{shlex.quote(str(editor))}"}, check=False)
    _assert_blocked(repo, proc, head)


@pytest.mark.parametrize("args", [
    ("--allow-empty-message", "-m", ""),
    ("--cleanup=whitespace", "-m", "# notes"),
    ("--cleanup=verbatim", "-m", "Signed-off-by: A U Thor <author@example.com>"),
], ids=["allow-empty-message", "comment-only-under-whitespace", "sign-off-only-verbatim"])
def test_an_empty_looking_message_does_not_skip_judging(staged_key: Repo,
                                                        args: tuple[str, ...]) -> None:
    head = staged_key.out("rev-parse", "HEAD")
    proc = staged_key.git("commit", "-q", "--no-verify", *args, check=False)
    _assert_blocked(staged_key, proc, head)


# --- the hook cache is local state, trusted only within its own commit -----------------

def _cache(repo: Repo) -> Path:
    return Path(repo.out("rev-parse", "--absolute-git-dir")) / hookcache.FILE


def test_a_forged_cache_entry_does_not_let_a_blocked_change_through(staged_key: Repo) -> None:
    repo = staged_key
    head = repo.out("rev-parse", "HEAD")
    # A genuine entry for exactly this content (right key), then emptied of findings.
    assert repo.main("check").returncode == 1
    entry = json.loads(_cache(repo).read_text(encoding="utf-8"))
    assert entry["findings"]
    entry["findings"] = []
    _cache(repo).write_text(json.dumps(entry), encoding="utf-8")
    # --no-verify skips pre-commit's run, not the message hook: it judges afresh.
    proc = repo.git("commit", "-q", "--no-verify", "-m", "add the deploy client",
                    check=False)
    _assert_blocked(repo, proc, head)


@pytest.mark.parametrize("damage", ["[]", "[" * 100_000 + "]" * 100_000, "null",
                                    '{"key": 5, "findings": "x"}', "not json", "\udcff",
                                    "fifo"],
                         ids=["list", "deep-nesting", "null", "wrong-types", "not-json",
                              "not-utf8", "fifo"])
def test_a_damaged_cache_is_a_miss_never_a_crash(repo: Repo, damage: str) -> None:
    repo.write("README.md", "app\n")
    repo.add()
    repo.commit("base")
    repo.write("deploy/creds.py", CREDS)
    repo.add()
    cache = Path(repo.out("rev-parse", "--absolute-git-dir")) / hookcache.FILE
    cache.parent.mkdir(parents=True, exist_ok=True)
    if damage == "fifo":
        os.mkfifo(cache)
    else:
        cache.write_bytes(damage.encode("utf-8", "surrogateescape"))
    proc = subprocess.run([sys.executable, "-m", "authgate", "check"], cwd=repo.path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "deploy/creds.py:1: leak.secret.aws-key" in proc.stdout
    assert proc.stderr == ""


def test_a_cache_with_wrong_types_in_a_finding_is_a_miss(staged_key: Repo) -> None:
    repo = staged_key
    head = repo.out("rev-parse", "HEAD")
    assert repo.main("check").returncode == 1
    entry = json.loads(_cache(repo).read_text(encoding="utf-8"))
    good = entry["findings"]
    entry["findings"] = [*good, "x", *({**f, "line": "1", "refs": 5} for f in good)]
    _cache(repo).write_text(json.dumps(entry), encoding="utf-8")
    proc = repo.git("commit", "-q", "-m", "add the deploy client", check=False)
    out = _assert_blocked(repo, proc, head)
    assert "internal error" not in out


# --- trailers another tool or the author owns --------------------------------------------

def test_a_trailer_name_git_owns_is_a_config_error(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.write(".authgate.toml", '[trailers]\nimpact = "Signed-off-by"\n')
    repo.add(".authgate.toml")
    repo.write("src/auth/login.py", LOGIN)
    repo.add("src/auth/login.py")
    head = repo.out("rev-parse", "HEAD")
    proc = repo.git("commit", "-q", "-s", "-m", "Add login", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0, out
    assert repo.out("rev-parse", "HEAD") == head
    assert ("authgate: .authgate.toml (staged): key 'trailers.impact' must not be "
            "'Signed-off-by': git or other tools own that trailer, and authgate rewrites "
            "its own") in out


def test_an_authors_explanation_under_identity_impact_is_kept(hooked_repo: Repo) -> None:
    repo = hooked_repo
    base = repo.out("rev-parse", "HEAD")
    repo.write("src/auth/login.py", LOGIN)
    repo.add("src/auth/login.py")
    written = ("Add login\n\nIdentity-Impact: high\n  because it changes how tokens are "
               "decoded\n")
    proc = repo.git("commit", "-q", "-F", "-", input=written.encode(), check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    body = repo.git("cat-file", "commit", "HEAD").stdout.split(b"\n\n", 1)[1].decode()
    tree = repo.out("rev-parse", "HEAD^{tree}")
    assert body == ("Add login\n\nIdentity-Impact: high\n  because it changes how tokens "
                    "are decoded\nRequires-Review: code-owner, iam, security\n"
                    f"Authgate-Tree: {tree}\n")
    proc = repo.main("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 0, proc.stdout + proc.stderr
