"""cli.py is the one error boundary of every command: a user's mistake is one line and
exit 2, authgate's own bug one line and exit 3, and neither ever prints a secret the
message quotes nor a terminal sequence a name carries. The message hooks add how to
get the commit message back."""

from __future__ import annotations

import pytest

from authgate.exits import Exit

from testing import Repo
from testing.precommit import install_msg_hooks

# A GitHub token pasted where a number belongs; built here so no scanner of this
# repository sees one in the source.
TOKEN = "ghp_" + "Q7x2" * 9
TOKEN_CONFIG = f'max_file_size = "{TOKEN}"\n'


def test_a_config_error_quoting_a_secret_is_scrubbed_in_the_message_hook(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    install_msg_hooks(repo)
    repo.write(".authgate.toml", TOKEN_CONFIG)
    repo.add(".authgate.toml")
    proc = repo.git("commit", "-q", "-m", "Tune authgate", check=False)
    err = proc.stderr.decode()
    assert proc.returncode != 0, err
    line = next(ln for ln in err.splitlines() if ln.startswith("authgate: "))
    assert ".authgate.toml (staged): key 'max_file_size' must be" in line
    assert "got 'g********2'" in line  # first and last character at most
    assert line.endswith("(commit message untouched; to reuse it: "
                         "git commit -e -F .git/COMMIT_EDITMSG)")
    assert TOKEN not in err and TOKEN[4:20] not in err
    # Nothing was committed.
    assert repo.out("log", "--format=%s") == "init"


def test_a_config_error_quoting_a_secret_is_scrubbed_in_every_command(repo: Repo) -> None:
    repo.write(".authgate.toml", TOKEN_CONFIG)
    repo.commit("init", "--allow-empty")
    for args in (("check",), ("scan",), ("config",), ("verify", "--range", "HEAD"),
                 ("codeowners",)):
        proc = repo.authgate(*args, "--config", ".authgate.toml")
        assert proc.returncode == Exit.USAGE == 2, (args, proc.stderr)
        assert proc.stderr.startswith("authgate: .authgate.toml: key 'max_file_size' must be"), \
            (args, proc.stderr)
        assert len(proc.stderr.splitlines()) == 1
        assert TOKEN not in proc.stderr and TOKEN[4:20] not in proc.stderr, (args, proc.stderr)


def test_a_named_file_error_is_one_escaped_line_exit_2(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    proc = repo.authgate("check", "gone\x1b]0;owned\x07.py")
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
    assert proc.stderr.startswith("authgate: ") and "gone\\x1b]0;owned\\x07.py" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def test_a_bug_in_the_identity_check_is_internal_not_bad_params(
        repo: Repo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Reading a rule's params turns only the user's mistakes (ParamError) into "bad
    params" (exit 2); authgate's own TypeError is an internal error (exit 3)."""
    from authgate import cli
    from authgate.checks.identity import spec

    repo.commit("init", "--allow-empty")
    repo.write("src/auth/login.py", "def login(user, password):\n    return True\n")
    repo.add()
    monkeypatch.chdir(repo.path)

    def buggy(rule: object) -> object:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    monkeypatch.setattr(spec, "_compile", buggy)
    assert cli.main(["check"]) == Exit.INTERNAL == 3
    err = capsys.readouterr().err
    assert err == ("authgate: internal error: TypeError: unsupported operand type(s) for +: "
                   "'int' and 'str' (set AUTHGATE_DEBUG=1 for details)\n")
    assert "bad params" not in err
