"""`authgate msg` as a command: installed as a plain git hook (git passes the source as
an argument), reading git's settings, and failing safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from authgate import cli
from authgate.commands import msg

from testing import Repo
from testing.precommit import install_msg_hooks

LOGIN = 'import jwt\n\n\ndef login(token, key):\n    return jwt.decode(token, key)\n'


def staged_login(repo: Repo) -> None:
    repo.write("README.md", "readme\n")
    repo.add("README.md")
    repo.commit("readme")
    repo.write("src/auth/login.py", LOGIN)
    repo.add("src/auth/login.py")


def test_plain_git_hooks_write_the_trailers(repo: Repo) -> None:
    install_msg_hooks(repo)
    staged_login(repo)
    repo.git("commit", "-q", "-m", "Add login")
    tree = repo.out("rev-parse", "HEAD^{tree}")
    assert repo.out("log", "-1", "--format=%B") == (
        "Add login\n\nIdentity-Impact: high\nRequires-Review: code-owner, iam, security\n"
        f"Authgate-Tree: {tree}")


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_a_template_is_left_alone_before_the_editor(repo: Repo, how: str) -> None:
    staged_login(repo)
    path = repo.write(".git/COMMIT_EDITMSG", "[component] summary\n\n# Why?\n")
    if how == "argument":
        proc = repo.main("msg", ".git/COMMIT_EDITMSG", "template")
    else:
        proc = repo.main("msg", ".git/COMMIT_EDITMSG",
                             env={"PRE_COMMIT_COMMIT_MSG_SOURCE": "template"})
    assert (proc.returncode, proc.stderr) == (0, "")
    assert path.read_text(encoding="utf-8") == "[component] summary\n\n# Why?\n"


def test_a_message_of_nothing_but_our_trailers_is_emptied(repo: Repo) -> None:
    staged_login(repo)
    text = "\nIdentity-Impact: high\nAuthgate-Tree: abc\n# Please enter the message\n"
    path = repo.write(".git/COMMIT_EDITMSG", text)
    proc = repo.main("msg", ".git/COMMIT_EDITMSG")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert path.read_text(encoding="utf-8") == "\n# Please enter the message\n"


def test_running_twice_changes_nothing_more(repo: Repo) -> None:
    staged_login(repo)
    path = repo.write(".git/COMMIT_EDITMSG", "Add login\n\n# Please enter\n")
    assert repo.main("msg", ".git/COMMIT_EDITMSG").returncode == 0
    once = path.read_bytes()
    assert b"Requires-Review: code-owner, iam, security\n" in once
    assert repo.main("msg", ".git/COMMIT_EDITMSG").returncode == 0
    assert path.read_bytes() == once


def test_an_unreadable_message_file_is_one_line_exit_2(repo: Repo) -> None:
    proc = repo.main("msg", ".git/NO_SUCH_MSG")
    assert proc.returncode == 2
    assert proc.stderr.startswith("authgate: .git/NO_SUCH_MSG: cannot read the commit message")
    assert len(proc.stderr.splitlines()) == 1


def test_an_internal_error_keeps_the_message_and_says_so(
        repo: Repo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    staged_login(repo)
    path = repo.write(".git/COMMIT_EDITMSG", "Add login\n")
    monkeypatch.chdir(repo.path)

    def broken(*args: object, **kw: object) -> None:
        raise RuntimeError("a bug in a check")

    monkeypatch.setattr(msg, "evaluate_staged", broken)
    assert cli.main(["msg", ".git/COMMIT_EDITMSG"]) == 3
    err = capsys.readouterr().err
    assert err == ("authgate: internal error: RuntimeError: a bug in a check (commit message "
                   "untouched; to reuse it: git commit -e -F .git/COMMIT_EDITMSG; "
                   "set AUTHGATE_DEBUG=1 for details)\n")
    assert path.read_text(encoding="utf-8") == "Add login\n"


def test_a_failing_write_keeps_the_message(repo: Repo, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    staged_login(repo)
    path = repo.write(".git/COMMIT_EDITMSG", "Add login\n")
    monkeypatch.chdir(repo.path)
    real_replace = os.replace

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    assert cli.main(["msg", ".git/COMMIT_EDITMSG"]) == 3
    monkeypatch.setattr(os, "replace", real_replace)
    assert "No space left on device" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "Add login\n"
    assert sorted(p.name for p in (repo.path / ".git").iterdir()
                  if p.name.startswith(".authgate-msg-")) == []


def test_git_settings_read_in_one_call(repo: Repo) -> None:
    repo.git("config", "core.commentChar", ";")
    repo.git("config", "commit.template", "~/template.txt")
    repo.git("config", "trailer.separators", ":#")
    repo.git("config", "trailer.ticket.key", "Ticket-Id")
    repo.git("config", "trailer.sign.ifexists", "doNothing")
    repo.git("config", "trailer.where", "end")
    got = msg.git_settings(str(repo.path))
    assert got == msg.GitSettings(comment=";", template="~/template.txt", separators=":#",
                                  configured=("ticket", "Ticket-Id", "sign"))


def test_comment_char_from_settings() -> None:
    assert msg.comment_char(None, "x\n", editor=True) == "#"
    assert msg.comment_char(";", "x\n", editor=True) == ";"
    assert msg.comment_char("auto", "#1 x\n", editor=False) == ";"
    assert msg.comment_char("auto", "#1 x\n\n@ Please enter\n", editor=True) == "@"


def test_home_template_is_expanded(repo: Repo, tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    (home / "template.txt").write_text("[area] summary\n", encoding="utf-8")
    repo.git("config", "commit.template", "~/template.txt")
    staged_login(repo)
    path = repo.write(".git/COMMIT_EDITMSG", "[area] summary\n\n# Please enter\n")
    proc = repo.main("msg", ".git/COMMIT_EDITMSG")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert path.read_text(encoding="utf-8") == "[area] summary\n\n# Please enter\n"


def test_says_so_when_git_would_not_read_the_trailers(repo: Repo) -> None:
    staged_login(repo)
    # Only a divider and a patch: whatever is written becomes the subject.
    path = repo.write(".git/COMMIT_EDITMSG", "---\npatch notes\n")
    proc = repo.main("msg", ".git/COMMIT_EDITMSG")
    assert proc.returncode == 0
    assert proc.stderr == ("authgate: could not add Identity-Impact, Requires-Review, "
                           "Authgate-Tree: git would not read them as trailers in this message\n")
    assert path.read_text(encoding="utf-8") == "---\npatch notes\n"
