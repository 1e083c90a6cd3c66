"""trailers.py: reading as `git interpret-trailers --parse` reads, writing monotonically,
and the one function that touches the message file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from authgate import trailers
from authgate.config import TrailerNames
from authgate.findings import Tier
from authgate.policy import Verdict
from authgate.trailers import SCISSORS, Syntax

NAMES = TrailerNames()
HIGH = [("Identity-Impact", "high"), ("Requires-Review", "code-owner, iam, security"),
        ("Authgate-Tree", "t1")]
SCISSORS_LINE = f"# {SCISSORS}\n"


def git_parse(message: str, comment: str = "#", *config: str) -> list[tuple[str, str]]:
    """The oracle: what git itself reads as trailers."""
    args = ["git", "-c", f"core.commentChar={comment}"]
    for item in config:
        args += ["-c", item]
    proc = subprocess.run([*args, "interpret-trailers", "--parse"], capture_output=True,
                          input=message.encode("utf-8", "surrogateescape"), check=True,
                          timeout=20)
    out = []
    # git folds a CRLF continuation to "\r ": split on LF only, as git writes.
    for line in proc.stdout.decode("utf-8", "surrogateescape").split("\n")[:-1]:
        key, _, value = line.partition(": ")
        out.append((key, value))
    return out


# --- reading ---------------------------------------------------------------------------

PARSE_CASES = {
    "plain block": "subject\n\nbody\n\nA: 1\nB-c: 2\n",
    "title is never a block": "A: 1\nB: 2\n",
    "no blank line before": "subject\nbody\nA: 1\n",
    "prose in the block, no git trailer": "subject\n\nA: 1\nsome words\n",
    "25% with Signed-off-by": "s\n\nw\nw\nw\nSigned-off-by: x <x@y>\n",
    "under 25%": "s\n\nw\nw\nw\nw\nSigned-off-by: x <x@y>\n",
    "cherry-pick line counts": "s\n\nw\nw\n(cherry picked from commit abc)\nA: 1\n",
    "continuation folds": "s\n\nA: one\n  two\n\tthree\nB: 4\n",
    "comment lines skipped": "s\n\nA: 1\n# B: 2\nC: 3\n\n# trailing\n#\n",
    "divider ends the message": "s\n\nA: 1\n---\nB: 2\n",
    "divider needs whitespace": "s\n\nA: 1\n---x\nB: 2\n",
    "scissors cuts": f"s\n\nA: 1\n{SCISSORS_LINE}diff\nB: 2\n",
    "scissors right after block": f"s\n\nA: 1\n\n{SCISSORS_LINE}B: 2\n",
    "old Conflicts block": "s\n\nA: 1\nConflicts:\n\tfile.c\n",
    "CRLF": "s\r\n\r\nA: 1\r\n  more\r\nB: 2\r\n",
    "space before colon": "s\n\nKey : v\nOther\t:w\n",
    "no newline at end": "s\n\nA: 1",
    "whitespace-only line ends block": "s\n\nA: 1\n \n",
    "empty value": "s\n\nA:\nB: 2\n",
    "key with spaces is prose": "s\n\nNot a key: v\n",
    "leading blank lines": "\n\nA: 1\n",
    "comment title": "# c\n\nA: 1\n",
    "non-ascii": "s\n\nA: caf\u00e9\nB\u00e9: x\n",
}


@pytest.mark.parametrize("message", list(PARSE_CASES.values()), ids=list(PARSE_CASES))
def test_parse_reads_what_git_reads(message: str) -> None:
    assert trailers.parse(message) == git_parse(message)


@pytest.mark.parametrize("comment", [";", "@", "%", "|", "*", ":"])
def test_parse_honours_any_comment_character(comment: str) -> None:
    message = (f"s\n\n{comment} note\nA: 1\n{comment}B: 2\nC: 3\n\n{comment} end\n"
               f"{comment} {SCISSORS}\nD: 4\n")
    assert trailers.parse(message, comment) == git_parse(message, comment)
    assert trailers.parse(message, comment) == [("A", "1"), ("C", "3")]


def test_configured_trailer_names_count_as_recognised() -> None:
    message = "s\n\nw\nw\nw\nTicket: 12\n"
    assert git_parse(message) == []
    assert git_parse(message, "#", "trailer.ticket.ifexists=replace") == [("Ticket", "12")]
    syntax = Syntax(configured=("ticket",))
    assert trailers.parse(message, syntax=syntax) == [("Ticket", "12")]
    assert trailers.parse(message) == []


def test_custom_separators() -> None:
    message = "s\n\nBug #42\nA: 1\n"
    syntax = Syntax(separators=":#")
    assert trailers.parse(message, syntax=syntax) == git_parse(
        message, "#", "trailer.separators=:#") == [("Bug", "42"), ("A", "1")]


def test_writes_with_the_configured_separator() -> None:
    syntax = Syntax(separators="=")
    out = trailers.apply("s\n\nA= 1\n", HIGH, NAMES, syntax=syntax, tree="t1")
    assert out == "s\n\nA= 1\nIdentity-Impact= high\n" \
                  "Requires-Review= code-owner, iam, security\nAuthgate-Tree= t1\n"
    raw = subprocess.run(["git", "-c", "trailer.separators==", "interpret-trailers", "--parse"],
                         input=out.encode(), capture_output=True, check=True).stdout.decode()
    assert raw.splitlines() == [f"{k}= {v}" for k, v in trailers.parse(out, syntax=syntax)]
    assert len(raw.splitlines()) == 4


# --- writing ---------------------------------------------------------------------------

def apply(message: str, want: list[tuple[str, str]] = HIGH, **kw: object) -> str:
    out = trailers.apply(message, want, NAMES, tree="t1", **kw)  # type: ignore[arg-type]
    assert trailers.apply(out, want, NAMES, tree="t1", **kw) == out  # type: ignore[arg-type]
    return out


BLOCK = "Identity-Impact: high\nRequires-Review: code-owner, iam, security\nAuthgate-Tree: t1\n"


@pytest.mark.parametrize(("message", "expected"), [
    ("subject\n", f"subject\n\n{BLOCK}"),
    ("subject", f"subject\n\n{BLOCK}"),
    ("subject\n\nbody\n\n", f"subject\n\nbody\n\n{BLOCK}\n"),
    ("subject\n\nReviewed-by: r\n", f"subject\n\nReviewed-by: r\n{BLOCK}"),
    # a sign-off stays last, so `git commit --amend -s` does not add a second one
    ("subject\n\nReviewed-by: r\nSigned-off-by: a\n",
     f"subject\n\nReviewed-by: r\n{BLOCK}Signed-off-by: a\n"),
    ("subject\n\nSigned-off-by: a\n(cherry picked from commit abc)\n",
     f"subject\n\n{BLOCK}Signed-off-by: a\n(cherry picked from commit abc)\n"),
    ("subject\n\n# Please enter\n#\n", f"subject\n\n{BLOCK}\n# Please enter\n#\n"),
    (f"subject\n{SCISSORS_LINE}diff --git a b\n", f"subject\n\n{BLOCK}{SCISSORS_LINE}"
                                                  "diff --git a b\n"),
    ("subject\n\nA: 1\n---\npatch\n", f"subject\n\nA: 1\n{BLOCK}---\npatch\n"),
    ("subject\r\n\r\nbody\r\n", "subject\r\n\r\nbody\r\n\r\n" + BLOCK.replace("\n", "\r\n")),
    ("subject\n\nA: one\n  two\n", f"subject\n\nA: one\n  two\n{BLOCK}"),
], ids=["subject", "no newline", "blank tail", "existing block", "sign-off last",
        "cherry-pick line last", "above comments", "above scissors", "above divider",
        "CRLF", "after continuation"])
def test_apply_writes_where_git_would(message: str, expected: str) -> None:
    out = apply(message)
    assert out == expected
    assert git_parse(out)[-4:] != []
    got = dict(git_parse(out))
    assert got["Requires-Review"] == "code-owner, iam, security"
    assert got["Authgate-Tree"] == "t1"


def test_apply_updates_in_place_and_keeps_a_later_sign_off_last() -> None:
    # `git commit --amend -s` put a sign-off after our trailers; the next run must
    # neither move ours below it nor add them again.
    message = f"subject\n\n{BLOCK}Signed-off-by: a\n"
    out = apply(message.replace("t1", "old"), [("Identity-Impact", "high")])
    assert out == message


def test_apply_never_weakens_and_stricter_replaces_weaker() -> None:
    strong = "s\n\nIdentity-Impact: critical\nRequires-Review: code-owner, iam, security, legal\n"
    out = apply(strong, [("Identity-Impact", "low"), ("Requires-Review", "code-owner")])
    assert out == strong + "Authgate-Tree: t1\n"
    weak = "s\n\nIdentity-Impact: low\nRequires-Review: code-owner\n"
    assert apply(weak) == f"s\n\n{BLOCK}"


def test_apply_with_nothing_wanted_keeps_what_is_there_and_rebinds_the_tree() -> None:
    message = "s\n\nRequires-Review: security\nAuthgate-Tree: old\n"
    assert apply(message, []) == "s\n\nRequires-Review: security\nAuthgate-Tree: t1\n"
    assert apply("s\n\nbody\n", []) == "s\n\nbody\n"


def test_apply_merges_inherited_trailers() -> None:
    out = apply("reworded\n", [], inherited=[("Requires-Review", "security"),
                                             ("Authgate-Tree", "old")])
    assert out == "reworded\n\nRequires-Review: security\nAuthgate-Tree: t1\n"


def test_apply_collapses_duplicates_of_its_own_trailers() -> None:
    message = ("s\n\nRequires-Review: code-owner\nSigned-off-by: a\n"
               "requires-review: iam\nAuthgate-Tree: x\nAuthgate-Tree: y\n")
    out = apply(message, [("Requires-Review", "security")])
    assert out == "s\n\nRequires-Review: security, code-owner, iam\nSigned-off-by: a\n" \
                  "Authgate-Tree: t1\n"


def test_apply_names_a_tool_once_and_keeps_what_the_author_wrote_about_it() -> None:
    # The message already says which session; the hook found the same tool.
    message = "s\n\nAI-Assisted: claude-code (session 42)\nAuthgate-Tree: t1\n"
    out = apply(message, [("AI-Assisted", "claude-code, cursor")])
    assert out == "s\n\nAI-Assisted: claude-code (session 42), cursor\nAuthgate-Tree: t1\n"


def test_apply_keeps_spelling_when_the_meaning_is_the_same() -> None:
    message = "s\n\nrequires-review: security,iam, code-owner\nAuthgate-Tree: t1\n"
    assert apply(message) == "s\n\nIdentity-Impact: high\n" + message[3:]


def test_apply_folds_stray_paragraphs_left_by_a_squash() -> None:
    message = textwrap.dedent("""\
        # This is a combination of 2 commits.

        add login

        Identity-Impact: critical
        Requires-Review: code-owner, iam, security
        Authgate-Tree: first

        # This is the commit message #2:

        more

        Requires-Review: code-owner
        Authgate-Tree: second
        """)
    assert apply(message, [("Requires-Review", "code-owner")]) == textwrap.dedent("""\
        # This is a combination of 2 commits.

        add login

        # This is the commit message #2:

        more

        Identity-Impact: critical
        Requires-Review: code-owner, iam, security
        Authgate-Tree: t1
        """)


def test_apply_never_touches_a_subject_made_of_trailers() -> None:
    assert apply("Requires-Review: x\n\nbody\n", []) == "Requires-Review: x\n\nbody\n"


def test_apply_does_not_write_where_git_would_read_a_title() -> None:
    # Only a divider and a patch: a trailer here would become the subject.
    assert apply("---\npatch\n") == "---\npatch\n"


def test_apply_keeps_trailers_git_reads_even_under_the_25_percent_rule() -> None:
    # Collapsing the duplicate would tip this paragraph below 25% trailers, and git
    # would stop reading the sign-off: the duplicate is rewritten instead.
    prose = "w\n" * 9
    message = f"s\n\n{prose}Signed-off-by: a\nRequires-Review: x\nRequires-Review: x\n"
    out = apply(message, [("Requires-Review", "x")])
    assert ("Signed-off-by", "a") in git_parse(out)
    assert ("Requires-Review", "x") in git_parse(out)


@pytest.mark.parametrize("comment", [";", "|", "%"])
def test_apply_with_an_odd_comment_character(comment: str) -> None:
    message = f"subject\n\n{comment} Please enter\n{comment} {SCISSORS}\ndiff\n"
    out = apply(message, syntax=Syntax(comment=comment))
    assert out == f"subject\n\n{BLOCK}\n{comment} Please enter\n{comment} {SCISSORS}\ndiff\n"
    assert git_parse(out, comment) == [tuple(line.split(": ")) for line in BLOCK.splitlines()]


def test_merge_value() -> None:
    assert trailers.merge_value("impact", ["low"], ["high", "bogus"]) == "high"
    assert trailers.merge_value("impact", [], ["bogus"]) == "bogus"
    assert trailers.merge_value("reviews", ["a, b"], ["B, c"]) == "a, b, c"
    assert trailers.merge_value("ai", ["yes"], ["claude-code"]) == "claude-code"
    assert trailers.merge_value("ai", ["copilot"], ["no"]) == "copilot"
    assert trailers.merge_value("ai", [], ["no"]) == "no"
    assert trailers.merge_value("suppressed", ["1"], ["3", "x"]) == "3"
    assert trailers.merge_value("tree", ["new"], ["old"]) == "new"
    assert trailers.merge_value("reviews", [], []) is None


# --- emptiness ---------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "empty"), [
    ("", True),
    ("\n\n  \n", True),
    ("# Please enter the commit message\n#\n", True),
    (f"\n{SCISSORS_LINE}diff --git a/x b/x\n+code\n", True),
    ("Signed-off-by: a <a@b>\n", True),
    ("\n\nRequires-Review: x\nAuthgate-Tree: y\n# c\n", True),
    ("subject\n", False),
    ("# c\nsubject\n", False),
    ("subject\n\nRequires-Review: x\n", False),
])
def test_is_empty_as_git_decides(message: str, empty: bool) -> None:
    assert trailers.is_empty(message, NAMES) is empty


def test_is_empty_sees_an_untouched_template() -> None:
    template = "Summary:\n\n# Why:\n"
    assert trailers.is_empty("Summary:\n\n# Why:\n# Please enter\n", NAMES, template=template)
    assert not trailers.is_empty("Summary: fix\n", NAMES, template=template)


def test_remove_leaves_an_empty_message_empty() -> None:
    message = "\nRequires-Review: x\nAuthgate-Tree: y\n# Please enter\n"
    assert trailers.remove(message, NAMES) == "\n# Please enter\n"


# --- comment character auto --------------------------------------------------------------

def test_auto_comment_char() -> None:
    assert trailers.auto_comment_char("fix\n", editor=False) == "#"
    assert trailers.auto_comment_char("#12 fix\n\n;x\n", editor=False) == "@"
    assert trailers.auto_comment_char("fix #12\n", editor=False) == "#"
    editor_file = f"#12 fix\n\n; Please enter\n; {SCISSORS}\n#diff\n"
    assert trailers.auto_comment_char(editor_file, editor=True) == ";"
    assert trailers.auto_comment_char("#12 fix\n\n; Please enter\n;\n", editor=True) == ";"


# --- what a verdict asks for --------------------------------------------------------------

def verdict(**kw: object) -> Verdict:
    base: dict[str, object] = dict(tier=Tier.NONE, ai_assisted=False, ai_tools=(),
                                   ai_evidence=(), required_reviews=(), blocked=False,
                                   reasons=(), findings=(), suppressed=0)
    base.update(kw)
    return Verdict(**base)  # type: ignore[arg-type]


def test_wanted_only_what_carries_information() -> None:
    assert trailers.wanted(verdict(), NAMES, "t") == []
    full = verdict(tier=Tier.HIGH, required_reviews=("code-owner", "iam"), ai_assisted=True,
                   ai_tools=("claude-code",), suppressed=2)
    assert trailers.wanted(full, NAMES, "t") == [
        ("Identity-Impact", "high"), ("Requires-Review", "code-owner, iam"),
        ("AI-Assisted", "claude-code"), ("Authgate-Suppressed", "2"), ("Authgate-Tree", "t")]
    assert trailers.wanted(verdict(ai_assisted=True, disclose_ai=True), NAMES, None) == [
        ("AI-Assisted", "yes")]


def test_wanted_uses_configured_names() -> None:
    names = TrailerNames(reviews="Needs-Review", tree="Gate-Tree")
    got = trailers.wanted(verdict(tier=Tier.LOW, required_reviews=("code-owner",)), names, "t")
    assert got == [("Identity-Impact", "low"), ("Needs-Review", "code-owner"),
                   ("Gate-Tree", "t")]
    out = trailers.apply("s\n", got, names, tree="t")
    assert out == "s\n\nIdentity-Impact: low\nNeeds-Review: code-owner\nGate-Tree: t\n"


# --- the message file ---------------------------------------------------------------------

def test_write_message_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    tmp_path = tmp_path / "git"
    tmp_path.mkdir()
    target = tmp_path / "COMMIT_EDITMSG"
    target.write_bytes(b"old\n")
    target.chmod(0o600)
    trailers.write_message(str(target), b"new \xff\n")
    assert target.read_bytes() == b"new \xff\n"
    assert target.stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["COMMIT_EDITMSG"]


def test_write_message_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_bytes(b"old\n")
    link = tmp_path / "link"
    link.symlink_to(real)
    trailers.write_message(str(link), b"new\n")
    assert link.is_symlink() and real.read_bytes() == b"new\n"


def test_a_failure_half_way_through_the_write_leaves_the_original(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path = tmp_path / "git"
    tmp_path.mkdir()
    target = tmp_path / "COMMIT_EDITMSG"
    original = b"subject\n\nbody that must survive\n"
    target.write_bytes(original)

    def half_then_fail(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(trailers, "_write_all", half_then_fail)
    with pytest.raises(OSError):
        trailers.write_message(str(target), original + b"\nRequires-Review: x\n")
    assert target.read_bytes() == original
    assert os.listdir(tmp_path) == ["COMMIT_EDITMSG"]


def test_a_kill_half_way_through_the_write_leaves_the_original(tmp_path: Path) -> None:
    # A real SIGKILL: no exception handler, no cleanup runs. The original must still
    # be whole, because only a complete temporary file is ever renamed over it.
    tmp_path = tmp_path / "git"
    tmp_path.mkdir()
    target = tmp_path / "COMMIT_EDITMSG"
    original = b"subject\n\n" + b"body line\n" * 2000
    target.write_bytes(original)
    script = textwrap.dedent(f"""
        import os, signal
        from authgate import trailers

        def half_then_die(fd, data):
            os.write(fd, data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)

        trailers._write_all = half_then_die
        trailers.write_message({str(target)!r}, {original!r} + b"Requires-Review: x\\n")
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -9
    assert target.read_bytes() == original
    leftovers = [p for p in os.listdir(tmp_path) if p != "COMMIT_EDITMSG"]
    assert all(p.startswith(".authgate-msg-") for p in leftovers)
