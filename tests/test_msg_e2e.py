"""The commit gate end to end: real `git commit` (and merge, cherry-pick, rebase) through
the hooks the real pre-commit installs; every test asserts the final message byte for
byte, or that the commit was stopped with the message left as it was.

The content hook (`authgate`) has its own tests; here it is skipped (SKIP=authgate) so
each commit costs the two message stages only. The identity change used throughout,
`src/auth/login.py` calling `jwt.decode(`, is high impact by the shipped catalog."""

from __future__ import annotations

import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from testing import Repo

LOGIN = ('import jwt\n\n\ndef login(token: str, key: str) -> dict:\n'
         '    return jwt.decode(token, key, algorithms=["HS256"])\n')
HIGH = "Identity-Impact: high\nRequires-Review: code-owner, iam, security\n"
CLAUDE = "Co-Authored-By: Claude <noreply@anthropic.com>"
SCISSORS = "------------------------ >8 ------------------------"

# An editor that types like a person: the text in TEST_EDIT goes on top of whatever
# git prepared (comments, template, trailers), and a copy of what it was shown is kept.
EDITOR = textwrap.dedent("""\
    import os, sys
    path = sys.argv[-1]
    with open(path, "rb") as fh:
        shown = fh.read()
    with open(path + ".shown", "wb") as fh:
        fh.write(shown)
    text = os.environ.get("TEST_EDIT")
    if text is not None:
        with open(path, "wb") as fh:
            fh.write(text.encode() + shown)
    old, _, new = os.environ.get("TEST_REPLACE", "").partition("=>")
    if old:
        with open(path, "wb") as fh:
            fh.write(shown.replace(old.encode(), new.encode(), 1))
    """)


@pytest.fixture
def gate(hooked_repo: Repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Repo:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR, encoding="utf-8")
    monkeypatch.setenv("SKIP", "authgate")
    monkeypatch.setenv("GIT_MERGE_AUTOEDIT", "no")
    monkeypatch.setenv("GIT_SEQUENCE_EDITOR", "true")
    monkeypatch.setenv("GIT_EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
    hooked_repo.write("README.md", "readme\n")
    hooked_repo.add("README.md")
    without_hooks(hooked_repo, "readme")
    return hooked_repo


def without_hooks(repo: Repo, message: str) -> None:
    # --no-verify alone still runs prepare-commit-msg; SKIP is pre-commit's way out.
    repo.git("commit", "-q", "--no-verify", "-m", message,
             env={"SKIP": "authgate,authgate-trailers"})


def message(repo: Repo, rev: str = "HEAD") -> str:
    """The commit message exactly as stored (`%B` would add a newline of its own)."""
    raw = repo.git("cat-file", "commit", rev).stdout
    return raw.split(b"\n\n", 1)[1].decode("utf-8")


def tree(repo: Repo, rev: str = "HEAD") -> str:
    return repo.out("rev-parse", f"{rev}^{{tree}}")


def stage_login(repo: Repo, extra: str = "") -> None:
    repo.write("src/auth/login.py", LOGIN + extra)
    repo.add("src/auth/login.py")


def commit(repo: Repo, *args: str, edit: str | None = None, replace: str | None = None,
           check: bool = True) -> subprocess.CompletedProcess[bytes]:
    env = {}
    if edit is not None:
        env["TEST_EDIT"] = edit
    if replace is not None:
        env["TEST_REPLACE"] = replace
    return repo.git("commit", "-q", *args, env=env, check=check)


def high(repo: Repo, rev: str = "HEAD") -> str:
    return f"{HIGH}Authgate-Tree: {tree(repo, rev)}\n"


def git_parse(repo: Repo, text: str) -> list[str]:
    out = repo.git("interpret-trailers", "--parse", input=text.encode()).stdout
    return out.decode().splitlines()


def shown_to_editor(repo: Repo) -> str:
    return (repo.path / ".git" / "COMMIT_EDITMSG.shown").read_text(encoding="utf-8")


class Worktree(Repo):
    """A linked worktree of a Repo: the same helpers, no `git init`."""

    def __init__(self, path: Path) -> None:
        self.path = path


# --- how the message is given ---------------------------------------------------------

def test_dash_m(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login")
    assert message(gate) == f"Add login\n\n{high(gate)}"


def test_two_dash_m_paragraphs(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login", "-m", "Decodes the session token.")
    assert message(gate) == f"Add login\n\nDecodes the session token.\n\n{high(gate)}"


def test_dash_f_with_trailers_and_sign_off(gate: Repo, tmp_path: Path) -> None:
    stage_login(gate)
    msg = tmp_path / "msg.txt"
    msg.write_text("Add login\n\nBody.\n\nReviewed-by: R <r@example.com>\n"
                   "Signed-off-by: A <a@example.com>\n", encoding="utf-8")
    commit(gate, "-F", str(msg))
    # Ours go above the sign-off, so `--amend -s` still finds it last.
    assert message(gate) == ("Add login\n\nBody.\n\nReviewed-by: R <r@example.com>\n"
                             f"{high(gate)}Signed-off-by: A <a@example.com>\n")


def test_editor(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, edit="Add login\n\nTyped in the editor.\n")
    assert message(gate) == f"Add login\n\nTyped in the editor.\n\n{high(gate)}"
    # prepare-commit-msg saw only git's comments: nothing was written before the editor.
    assert shown_to_editor(gate).startswith("\n# Please enter the commit message")


def test_verbose_editor_writes_above_the_scissors(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-v", edit="Add login\n")
    assert message(gate) == f"Add login\n\n{high(gate)}"
    assert f"# {SCISSORS}\n" in shown_to_editor(gate)


TEMPLATE = "[component] summary\n\n# Why is this change needed?\n"


def test_template_edited(gate: Repo) -> None:
    gate.write(".git/template.txt", TEMPLATE)
    gate.git("config", "commit.template", ".git/template.txt")
    stage_login(gate)
    commit(gate, edit="Add login\n\n")
    assert message(gate) == f"Add login\n\n[component] summary\n\n{high(gate)}"
    # The template reached the editor without trailers (it is not a message yet).
    assert shown_to_editor(gate).startswith(TEMPLATE)


def test_template_untouched_still_aborts(gate: Repo) -> None:
    gate.write(".git/template.txt", TEMPLATE)
    gate.git("config", "commit.template", ".git/template.txt")
    stage_login(gate)
    before = gate.out("rev-parse", "HEAD")
    proc = commit(gate, check=False)
    assert proc.returncode != 0
    assert b"you did not edit the message" in proc.stderr
    assert gate.out("rev-parse", "HEAD") == before


def test_empty_message_stays_empty_and_git_aborts(gate: Repo) -> None:
    stage_login(gate)
    before = gate.out("rev-parse", "HEAD")
    proc = commit(gate, "-v", "-s", check=False)  # nothing typed; a sign-off is no message
    assert proc.returncode != 0
    assert b"Aborting commit due to empty commit message" in proc.stderr
    assert gate.out("rev-parse", "HEAD") == before
    left = (gate.path / ".git" / "COMMIT_EDITMSG").read_text(encoding="utf-8")
    assert "Requires-Review" not in left


def test_no_identity_impact_no_trailers(gate: Repo) -> None:
    gate.write("docs/guide.md", "How to build.\n")
    gate.add("docs/guide.md")
    commit(gate, "-m", "Document the build")
    assert message(gate) == "Document the build\n"


def test_suppressed_findings_are_counted(gate: Repo) -> None:
    stage_login(gate)
    gate.write("src/auth/login.py", LOGIN.replace(
        "    return", "    # authgate: allow identity.content.jwt -- reviewed in SEC-12\n"
                     "    return"))
    gate.add("src/auth/login.py")
    commit(gate, "-m", "Add login")
    assert message(gate) == (f"Add login\n\n{HIGH}Authgate-Suppressed: 1\n"
                             f"Authgate-Tree: {tree(gate)}\n")


def test_ai_assisted_is_disclosed(gate: Repo) -> None:
    gate.write(".authgate.toml", '[policy]\nmissing_tests_ai = "annotate"\n')
    gate.add(".authgate.toml")
    without_hooks(gate, "policy")
    stage_login(gate)
    commit(gate, "-m", "Add login", "-m", CLAUDE)
    assert message(gate) == (f"Add login\n\n{CLAUDE}\n{HIGH}AI-Assisted: claude-code\n"
                             f"Authgate-Tree: {tree(gate)}\n")


def test_commit_with_paths_binds_the_tree_of_the_temporary_index(gate: Repo) -> None:
    stage_login(gate)
    gate.write("notes.txt", "staged but not committed\n")
    gate.add("notes.txt")
    gate.write("src/auth/login.py", LOGIN + "\n# edited after staging\n")
    commit(gate, "-m", "Add login", "--", "src/auth/login.py")
    assert message(gate) == f"Add login\n\n{high(gate)}"
    assert "notes.txt" not in gate.out("ls-tree", "-r", "--name-only", "HEAD")


# --- comment characters and cleanup modes ----------------------------------------------

def test_comment_char_semicolon(gate: Repo) -> None:
    gate.git("config", "core.commentChar", ";")
    stage_login(gate)
    commit(gate, "-v", edit="Add login\n\n# not a comment here\n")
    assert message(gate) == f"Add login\n\n# not a comment here\n\n{high(gate)}"


def test_comment_char_auto(gate: Repo) -> None:
    # With '#' starting a line of the message, git picks ';' for its comments.
    gate.git("config", "core.commentChar", "auto")
    stage_login(gate)
    commit(gate, "-e", "-m", "#12 Add login")
    assert message(gate) == f"#12 Add login\n\n{high(gate)}"
    assert "\n; Please enter" in shown_to_editor(gate)


@pytest.mark.parametrize("mode", ["verbatim", "whitespace", "scissors", "strip"])
def test_cleanup_modes(gate: Repo, mode: str) -> None:
    gate.git("config", "commit.cleanup", mode)
    stage_login(gate)
    commit(gate, "-v", edit="Add login\n\n")
    final = message(gate)
    # verbatim and whitespace keep git's comment block (the user asked for it): it
    # stays below the trailers, where git's reader skips it; the diff is always cut.
    above_scissors = shown_to_editor(gate).split(f"# {SCISSORS}\n")[0]
    kept = f"Add login\n\n{high(gate)}\n{above_scissors}"
    expected = {
        "verbatim": kept,
        "whitespace": gate.git("stripspace", input=kept.encode()).stdout.decode(),
        "scissors": f"Add login\n\n{high(gate)}",
        "strip": f"Add login\n\n{high(gate)}",
    }[mode]
    assert message(gate) == expected
    assert git_parse(gate, final) == [*HIGH.splitlines(), f"Authgate-Tree: {tree(gate)}"]


# --- amend -------------------------------------------------------------------------------

def test_amend_no_edit_keeps_trailers_and_rebinds_the_tree(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login")
    gate.write("docs/guide.md", "How to log in.\n")
    gate.add("docs/guide.md")
    commit(gate, "--amend", "--no-edit")
    assert message(gate) == f"Add login\n\n{high(gate)}"


def test_amend_m_with_nothing_staged_keeps_heads_trailers(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login")
    commit(gate, "--amend", "-m", "Add the login endpoint")
    assert message(gate) == f"Add the login endpoint\n\n{high(gate)}"


def test_amend_with_editor_shows_and_keeps_the_trailers(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login")
    commit(gate, "--amend", edit="Reworded: ")
    assert message(gate) == f"Reworded: Add login\n\n{high(gate)}"
    assert shown_to_editor(gate).startswith(f"Add login\n\n{high(gate)}")


def test_amend_never_weakens(gate: Repo) -> None:
    stage_login(gate)
    without_hooks(gate, "Add login\n\nIdentity-Impact: critical\n"
                        "Requires-Review: code-owner, iam, security, legal\n")
    gate.write("docs/guide.md", "How to log in.\n")
    gate.add("docs/guide.md")
    commit(gate, "--amend", "--no-edit")
    assert message(gate) == ("Add login\n\nIdentity-Impact: critical\n"
                             "Requires-Review: code-owner, iam, security, legal\n"
                             f"Authgate-Tree: {tree(gate)}\n")


def test_amend_stricter_replaces_weaker(gate: Repo) -> None:
    gate.write("src/auth/README.md", "auth notes\n")
    gate.add("src/auth/README.md")
    without_hooks(gate, "Notes\n\nIdentity-Impact: low\nRequires-Review: code-owner\n")
    stage_login(gate)
    commit(gate, "--amend", "--no-edit")
    assert message(gate) == f"Notes\n\n{high(gate)}"


def test_sign_off_after_our_trailers_never_duplicates(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login")
    commit(gate, "--amend", "--no-edit", "-s")
    first = message(gate)
    assert first == f"Add login\n\n{high(gate)}Signed-off-by: Test User <test@example.com>\n"
    gate.write("docs/guide.md", "How to log in.\n")
    gate.add("docs/guide.md")
    commit(gate, "--amend", "--no-edit", "-s")
    commit(gate, "--amend", "--no-edit", "-s")
    assert message(gate) == first.replace(first.split("Authgate-Tree: ")[1][:40], tree(gate))


# --- merges, squashes, fixups ----------------------------------------------------------

def feature_branch(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    stage_login(repo)
    without_hooks(repo, "Add login")
    assert message(repo) == "Add login\n"
    repo.git("checkout", "-q", "main")
    repo.write("docs/guide.md", "How to build.\n")
    repo.add("docs/guide.md")
    without_hooks(repo, "Document the build")


def test_merge(gate: Repo) -> None:
    feature_branch(gate)
    gate.git("merge", "-q", "--no-ff", "feature")
    assert message(gate) == f"Merge branch 'feature'\n\n{high(gate)}"


def test_merge_concluded_after_a_conflict(gate: Repo) -> None:
    feature_branch(gate)
    gate.write("src/auth/login.py", "# main's version\n")
    gate.add("src/auth/login.py")
    without_hooks(gate, "Main's login")
    assert gate.git("merge", "-q", "feature", check=False).returncode != 0
    stage_login(gate)
    commit(gate, "--no-edit")
    # Without an editor git keeps its commented conflict list; ours stand above it.
    assert message(gate) == (f"Merge branch 'feature'\n\n{high(gate)}\n"
                             "# Conflicts:\n#\tsrc/auth/login.py\n")


def test_merge_squash(gate: Repo) -> None:
    feature_branch(gate)
    gate.git("merge", "-q", "--squash", "feature")
    squash_msg = (gate.path / ".git" / "SQUASH_MSG").read_text(encoding="utf-8")
    commit(gate, edit="")
    cleaned = gate.git("stripspace", "--strip-comments",
                       input=squash_msg.encode()).stdout.decode()
    assert message(gate) == f"{cleaned}\n{high(gate)}"


def test_fixup_then_autosquash(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login")
    target = gate.out("rev-parse", "HEAD")
    stage_login(gate, extra="\n\ndef logout() -> None:\n    pass\n")
    commit(gate, "--fixup", target)
    assert message(gate) == f"fixup! Add login\n\n{high(gate)}"
    gate.git("rebase", "-q", "-i", "--autosquash", f"{target}~1")
    assert message(gate) == f"Add login\n\n{high(gate)}"


def test_squash_then_autosquash_leaves_one_set_of_trailers(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login")
    target = gate.out("rev-parse", "HEAD")
    stage_login(gate, extra="\n\ndef logout() -> None:\n    pass\n")
    commit(gate, "--squash", target, "-m", "Add logout")
    gate.git("rebase", "-q", "-i", "--autosquash", f"{target}~1")
    assert message(gate) == f"Add login\n\nAdd logout\n\n{high(gate)}"


def test_amend_bang(gate: Repo) -> None:
    stage_login(gate)
    commit(gate, "-m", "Add login")
    target = gate.out("rev-parse", "HEAD")
    # The editor shows "amend! Add login", then the message to replace; reword it.
    commit(gate, f"--fixup=amend:{target}",
           replace="\n\nAdd login\n=>\n\nAdd the login endpoint\n")
    assert message(gate) == f"amend! Add login\n\nAdd the login endpoint\n\n{high(gate)}"
    gate.git("rebase", "-q", "-i", "--autosquash", f"{target}~1")
    assert message(gate) == f"Add the login endpoint\n\n{high(gate)}"


# --- cherry-pick and rebase: prepare-commit-msg only ------------------------------------

def test_cherry_pick(gate: Repo) -> None:
    feature_branch(gate)
    gate.git("cherry-pick", "feature")
    assert message(gate) == f"Add login\n\n{high(gate)}"


def test_cherry_pick_x(gate: Repo) -> None:
    feature_branch(gate)
    picked = gate.out("rev-parse", "feature")
    gate.git("cherry-pick", "-x", "feature")
    assert message(gate) == (f"Add login\n\n{high(gate)}"
                             f"(cherry picked from commit {picked})\n")


def test_rebase_rebinds_the_tree(gate: Repo) -> None:
    feature_branch(gate)
    gate.git("checkout", "-q", "feature")
    gate.git("rebase", "-q", "main")
    assert message(gate) == f"Add login\n\n{high(gate)}"
    assert "guide.md" in gate.out("ls-tree", "-r", "--name-only", "HEAD")


def test_cherry_pick_is_gated_too(gate: Repo) -> None:
    # cherry-pick runs prepare-commit-msg only; a blocking verdict stops it there.
    gate.git("checkout", "-q", "-b", "feature")
    stage_login(gate)
    without_hooks(gate, f"Add login\n\n{CLAUDE}")
    gate.git("checkout", "-q", "main")
    before = gate.out("rev-parse", "HEAD")
    proc = gate.git("cherry-pick", "feature", check=False)
    assert proc.returncode != 0
    assert gate.out("rev-parse", "HEAD") == before
    out = proc.stdout.decode() + proc.stderr.decode()
    assert "authgate: commit blocked; your message is kept, to reuse it: " \
           "git commit -e -F .git/COMMIT_EDITMSG" in out
    saved = (gate.path / ".git" / "COMMIT_EDITMSG").read_text(encoding="utf-8")
    assert saved == f"Add login\n\n{CLAUDE}\n"
    gate.git("cherry-pick", "--abort")


# --- blocking ------------------------------------------------------------------------------

def test_block_keeps_the_message_and_says_how_to_recover_it(gate: Repo) -> None:
    stage_login(gate)
    before = gate.out("rev-parse", "HEAD")
    proc = commit(gate, "-m", "Add login", "-m", CLAUDE, check=False)
    assert proc.returncode == 1
    assert gate.out("rev-parse", "HEAD") == before
    saved = gate.path / ".git" / "COMMIT_EDITMSG"
    assert saved.read_text(encoding="utf-8") == f"Add login\n\n{CLAUDE}\n"
    out = proc.stdout.decode() + proc.stderr.decode()
    lines = [ln for ln in out.splitlines() if ln.startswith("authgate: ")]
    assert "authgate: blocked: (commit): identity.tests.negative-missing: high-impact " \
           "change to expiry, signature without any failure-path test: add one for expired " \
           "token, tampered token or bad signature" in lines
    assert lines[-1] == ("authgate: commit blocked; your message is kept, to reuse it: "
                         "git commit -e -F .git/COMMIT_EDITMSG")
    # Recover: change the policy (a stand-in for adding the tests), reuse the message.
    gate.write(".authgate.toml", '[policy]\nmissing_tests_ai = "annotate"\n')
    gate.add(".authgate.toml")
    commit(gate, "-F", ".git/COMMIT_EDITMSG")
    assert message(gate) == (f"Add login\n\n{CLAUDE}\n{HIGH}AI-Assisted: claude-code\n"
                             f"Authgate-Tree: {tree(gate)}\n")


def test_block_in_a_linked_worktree_names_the_worktree_message_file(gate: Repo,
                                                                   tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    gate.git("worktree", "add", "-q", str(wt))
    other = Worktree(wt)
    stage_login(other)
    proc = commit(other, "-m", "Add login", "-m", CLAUDE, check=False)
    assert proc.returncode == 1
    gitdir = Path(other.out("rev-parse", "--absolute-git-dir"))
    saved = gitdir / "COMMIT_EDITMSG"
    assert saved.read_text(encoding="utf-8") == f"Add login\n\n{CLAUDE}\n"
    out = proc.stdout.decode() + proc.stderr.decode()
    assert (f"authgate: commit blocked; your message is kept, to reuse it: "
            f"git commit -e -F {saved}") in out


def test_a_config_error_stops_the_commit_and_keeps_the_message(gate: Repo) -> None:
    gate.write(".authgate.toml", "typo_key = 1\n")
    gate.add(".authgate.toml")  # the hooks read the config being committed
    stage_login(gate)
    proc = commit(gate, "-m", "Add login", check=False)
    assert proc.returncode != 0
    out = proc.stdout.decode() + proc.stderr.decode()
    [line] = [ln for ln in out.splitlines() if ln.startswith("authgate: ")]
    assert line.startswith("authgate: .authgate.toml (staged): unknown key 'typo_key'")
    assert line.endswith("(commit message untouched; to reuse it: "
                         "git commit -e -F .git/COMMIT_EDITMSG)")
    assert (gate.path / ".git" / "COMMIT_EDITMSG").read_text(encoding="utf-8") == "Add login\n"
