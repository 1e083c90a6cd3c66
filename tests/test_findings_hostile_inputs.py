"""Hostile input from the change itself: files that are not what they seem, content
that makes a parser overflow, patterns that backtrack. Each one ends in a verdict or
in one line and exit 2, in seconds, never a hang, a crash or a hidden file.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from testing import Repo

_RND = random.Random(0x0D)
AWS_ID = "AKIA" + "".join(_RND.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def _limited(repo: Repo, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """authgate with 1 GB of address space and a deadline: what used to exhaust memory
    or wait forever fails the test instead of the machine."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "authgate", *args], cwd=repo.path,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit)


# --- Agent Trace files that are not files ------------------------------------------------

def test_a_committed_trace_symlink_to_dev_zero_is_not_read(repo: Repo) -> None:
    (repo.path / ".agent-trace").mkdir()
    os.symlink("/dev/zero", repo.path / ".agent-trace" / "traces.jsonl")
    repo.add()
    repo.commit("trace")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add()
    proc = _limited(repo, "check")
    assert proc.returncode == 0, proc.stderr
    assert "authgate: ok" in proc.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_place_of_the_trace_does_not_hang_check(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    (repo.path / ".agent-trace").mkdir()
    os.mkfifo(repo.path / ".agent-trace" / "traces.jsonl")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add("app/views.py")
    proc = _limited(repo, "check", timeout=30)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_place_of_the_trace_does_not_hang_a_commit(hooked_repo: Repo) -> None:
    repo = hooked_repo
    (repo.path / ".agent-trace").mkdir()
    os.mkfifo(repo.path / ".agent-trace" / "traces.jsonl")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add("app/views.py")
    # Its own session, so a hung hook (pre-commit's child) can be killed with it.
    proc = subprocess.Popen(["git", "commit", "-q", "-m", "add index"], cwd=repo.path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the commit hung on a FIFO")
    assert proc.returncode == 0, out
    assert repo.out("log", "-1", "--format=%s") == "add index"


def test_a_trace_record_nested_too_deep_is_malformed_not_a_crash(repo: Repo) -> None:
    head = repo.commit("init", "--allow-empty")
    deep = "[" * 100_000 + "]" * 100_000
    repo.write(".agent-trace/traces.jsonl",
               f'{{"vcs": {{"revision": "{head}"}}, "deep": {deep}}}\n')
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add("app/views.py")
    proc = _limited(repo, "check")
    assert proc.returncode == 0, proc.stderr
    assert "1 unreadable Agent Trace record(s) skipped" in proc.stdout


# --- a NUL byte does not hide a file -----------------------------------------------------

def _nul_file(repo: Repo) -> None:
    repo.write("settings.py", b'\x00# settings\nAWS_ACCESS_KEY_ID = "' + AWS_ID.encode()
               + b'"\n')


def test_a_text_file_starting_with_nul_is_scanned_like_detect_secrets_hook(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    _nul_file(repo)
    repo.add()
    # The oracle: detect-secrets-hook reads the file and blocks on the key.
    hook = Path(sys.executable).with_name("detect-secrets-hook")
    oracle = subprocess.run([str(hook), "settings.py"], cwd=repo.path, capture_output=True,
                            text=True)
    assert oracle.returncode == 1 and "AWS Access Key" in oracle.stdout
    proc = repo.authgate("check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "settings.py:2: leak.secret.aws-key" in proc.stdout
    # So do verify (the commit) and scan (the tree).
    base = repo.out("rev-parse", "HEAD")
    repo.commit("settings")
    proc = repo.authgate("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 1 and "leak.secret.aws-key" in proc.stdout
    proc = repo.authgate("scan")
    assert proc.returncode == 1 and "settings.py:2: leak.secret.aws-key" in proc.stdout


def test_a_nul_prefixed_key_blocks_a_commit_through_pre_commit(hooked_repo: Repo) -> None:
    _nul_file(hooked_repo)
    hooked_repo.add("settings.py")
    proc = hooked_repo.git("commit", "-m", "settings", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0, out
    assert "leak.secret.aws-key" in out
    assert AWS_ID not in out


def test_binary_content_stays_skipped(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    blob = bytes(range(256)) * 64 + f'key = "{AWS_ID}"'.encode()
    repo.write("data.bin", blob)
    repo.write("image.dat", b"\x89PNG\r\n\x1a\n" + bytes(4000))
    repo.add()
    proc = repo.authgate("check")
    assert proc.returncode == 0, proc.stdout
    assert "leak.secret" not in proc.stdout


# --- a YAML escape that is no character --------------------------------------------------

YAML = 'name: "\\UFFFFFFFF"\nother: "\\U00110000"\npassword: "Xk9#mQ2$vL7pR4tW"\n'


def test_a_yaml_escape_beyond_unicode_is_judged_as_text(repo: Repo) -> None:
    base = repo.commit("init", "--allow-empty")
    repo.write("config.yml", YAML)
    repo.add()
    proc = repo.authgate("check")
    assert proc.returncode == 1, proc.stderr
    assert "internal error" not in proc.stderr
    assert "config.yml:3: leak.secret.keyword" in proc.stdout
    message = repo.path / "MSG"
    message.write_text("add config\n", encoding="utf-8")
    proc = repo.authgate("msg", str(message), "message")
    assert proc.returncode == 1 and "internal error" not in proc.stderr, proc.stderr
    repo.commit("add config")
    proc = repo.authgate("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 1 and "internal error" not in proc.stderr, proc.stderr
    assert "leak.secret.keyword" in proc.stdout


# --- user patterns: checked at load, bounded at run time ---------------------------------

def _custom(repo: Repo, regex: str) -> None:
    repo.write(".authgate.toml", (
        "[[rules.custom]]\n"
        'id = "identity.custom.slow"\ntitle = "Slow"\nseverity = "high"\ntier = "high"\n'
        f"action = \"annotate\"\nregex = '{regex}'\nmessage = \"slow\"\n"))
    repo.add(".authgate.toml")
    repo.commit("config")


@pytest.mark.parametrize("command", [["check"], ["verify", "--range", "HEAD~1..HEAD"]])
def test_an_exponential_user_pattern_is_a_config_error(repo: Repo, command: list[str]) -> None:
    repo.commit("init", "--allow-empty")
    _custom(repo, "(a|aa)+$")
    repo.write("app/a.py", "a" * 40 + "b\n")
    repo.add()
    if command[0] == "verify":
        repo.commit("a")
    proc = _limited(repo, *command, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [line] = proc.stderr.splitlines()
    assert "key 'rules.custom[0].regex' can take exponential time" in line


@pytest.mark.parametrize("regex", [
    # Backtracking through a backreference: no load-time check can judge it.
    "(a*)\\1*b",
    # Quadratic: retried from every letter of a long run. Python 3.9 and 3.10 check
    # for signals only while re backtracks, not while it scans such a run.
    pytest.param("[a-z]+x", marks=pytest.mark.skipif(
        sys.version_info < (3, 11), reason="re is interruptible in a scan from 3.11")),
])
def test_a_user_pattern_that_backtracks_on_a_long_line_stops_at_its_budget(
        repo: Repo, regex: str) -> None:
    repo.commit("init", "--allow-empty")
    _custom(repo, regex)  # accepted at load, super-linear on a long run of letters
    # A few ordinary lines around it: one long line alone is minified content, which
    # only the provider secret patterns read (contentkind.py).
    repo.write("app/a.py", "x = 1\n" * 3 + "a" * 300_000 + "\n")
    repo.add()
    proc = _limited(repo, "check", timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [line] = proc.stderr.splitlines()
    assert "identity.custom.slow" in line and "key 'regex'" in line
