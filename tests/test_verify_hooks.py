"""`authgate verify` against commits made through the real hooks, and the
`authgate-verify` pre-push hook installed by the real pre-commit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from authgate import config, trailers
from authgate.changes import ChangeSet, FileChange, Hunk, Line, Status
from authgate.findings import Tier
from authgate.pipeline import evaluate

from testing import Repo, install_hooks

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

# Identity tiers by path from config: a verdict that needs trailers whatever the
# shipped rule catalogs say about the content.
CONFIG = '[paths]\nhigh = ["src/auth/**"]\n'
LOGIN = "def login(user, password):\n    return user.check_password(password)\n"


def _require_identity_paths() -> None:
    cfg = config.parse(tomllib.loads(CONFIG), ".authgate.toml")
    lines = tuple(Line("+", t, None, i + 1) for i, t in enumerate(LOGIN.splitlines()))
    cs = ChangeSet(files=(FileChange(path="src/auth/login.py", status=Status.ADDED,
                                     hunks=(Hunk(1, 1, lines),)),), source="commit")
    if evaluate(cs, cfg).tier == Tier.NONE:
        pytest.skip("the identity check does not grade [paths] from config yet")


def _require_message_hook(repo: Repo) -> None:
    probe = repo.path / ".git" / "probe-msg"
    probe.write_text("probe\n", encoding="utf-8")
    proc = repo.main("msg", str(probe))
    if "not implemented" in proc.stderr:
        pytest.skip("`authgate msg` (the trailers hook) has not landed yet")


def _without_hooks(repo: Repo, *args: str) -> str:
    """`git commit` with no hook at all, as in a clone where the hooks were never
    installed, or under `core.hooksPath` pointing elsewhere. (`--no-verify` alone is not
    that: git still runs prepare-commit-msg, where authgate-trailers writes trailers.)"""
    repo.git("-c", "core.hooksPath=/dev/null", "commit", "-q", *args)
    return repo.out("rev-parse", "HEAD")


def _hooked_commit(repo: Repo, message: str) -> str:
    proc = repo.git("commit", "-q", "-m", message, check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    return repo.out("rev-parse", "HEAD")


@pytest.fixture
def governed(repo: Repo, request: pytest.FixtureRequest) -> tuple[Repo, str, str]:
    """A hooked repository with identity paths configured, and one commit of login code
    made through the hooks: (repo, base, hooked commit)."""
    _require_identity_paths()
    _require_message_hook(repo)
    hooked_repo: Repo = request.getfixturevalue("hooked_repo")
    hooked_repo.write(".authgate.toml", CONFIG)
    hooked_repo.add(".authgate.toml")
    base = hooked_repo.commit("configure authgate")
    hooked_repo.write("src/auth/login.py", LOGIN)
    hooked_repo.add()
    return hooked_repo, base, _hooked_commit(hooked_repo, "add login")


# One hooked repository per scenario costs seconds (pre-commit runs three stages per
# commit), so each test below takes several branches off the same hooked commit.

def test_a_commit_made_through_the_hooks_verifies_also_after_a_rebase(
        governed: tuple[Repo, str, str]) -> None:
    repo, base, hooked = governed
    claimed = dict(trailers.parse(repo.out("log", "-1", "--format=%B", hooked)))
    assert Tier.parse(claimed["Identity-Impact"]) >= Tier.HIGH
    assert claimed["Authgate-Tree"] == repo.out("rev-parse", f"{hooked}^{{tree}}")
    proc = repo.main("verify", "--range", f"{base}..{hooked}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "authgate verify: ok"
    # A rebase changes every tree; git runs prepare-commit-msg (not commit-msg) for each
    # pick, which is where the trailers hook binds the trailers to the new tree.
    branch = repo.out("rev-parse", "--abbrev-ref", "HEAD")
    repo.git("checkout", "-q", "-b", "upstream", base)
    repo.write("docs/notes.md", "notes\n")
    repo.add()
    upstream = repo.commit("notes")
    repo.git("checkout", "-q", branch)
    rebase = repo.git("rebase", "-q", "upstream", check=False)
    assert rebase.returncode == 0, rebase.stdout.decode() + rebase.stderr.decode()
    assert repo.out("rev-parse", "HEAD") != hooked
    proc = repo.main("verify", "--range", f"{upstream}..HEAD")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_commits_that_bypassed_the_hooks_fail_each_for_its_reason(
        governed: tuple[Repo, str, str]) -> None:
    repo, base, hooked = governed

    # The same content committed with the hooks skipped: --no-verify skips pre-commit and
    # commit-msg, SKIP the trailers hook's prepare-commit-msg stage (which --no-verify
    # does not skip).
    repo.git("checkout", "-q", "-b", "bypass", base)
    repo.write("src/auth/login.py", LOGIN)
    repo.add()
    repo.git("commit", "-q", "--no-verify", "-m", "add login",
             env={"SKIP": "authgate-trailers"})
    bypassed = repo.out("rev-parse", "HEAD")
    assert trailers.parse(repo.out("log", "-1", "--format=%B")) == []
    proc = repo.main("verify", "--range", f"{base}..{bypassed}")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    first = _no_fp(proc.stdout).splitlines()[0]
    assert first.startswith("src/auth/login.py")
    assert ": verify.trailers.missing: hooks bypassed: the content needs Identity-Impact: " \
           in first
    assert first.endswith(f"[commit {bypassed[:12]}]")

    # A trailer edited by hand to a weaker value.
    repo.git("checkout", "-q", "-b", "weakened", hooked)
    message = repo.out("log", "-1", "--format=%B", hooked)
    tier = dict(trailers.parse(message))["Identity-Impact"]
    weaker = str(Tier(Tier.parse(tier) - 1))
    _without_hooks(repo, "--amend", "-m",
                   message.replace(f"Identity-Impact: {tier}", f"Identity-Impact: {weaker}"))
    proc = repo.main("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"verify.trailers.weaker: Identity-Impact: {weaker} is weaker than the {tier} "
            "the content demands") in proc.stdout

    # An amend without hooks: the trailers describe content the commit no longer has.
    repo.git("checkout", "-q", "-b", "amended", hooked)
    repo.write("src/auth/login.py", LOGIN + "\ndef logout(user):\n    user.session = None\n")
    repo.add()
    _without_hooks(repo, "--amend", "--no-edit")
    proc = repo.main("verify", "--range", f"{base}..HEAD", "--format", "markdown")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "| block | `verify.tree.mismatch` |" in proc.stdout
    assert "the content changed after the hooks ran" in proc.stdout


def test_approval_is_a_reviewed_by_trailer_from_a_listed_approver(
        governed: tuple[Repo, str, str]) -> None:
    repo, base, hooked = governed
    # A policy given on the command line (the base's asks for no approval).
    repo.write("approval.toml", 'require_approval = true\napprovers = ["sec@example.com"]\n'
               + CONFIG)
    approval = ("--config", "approval.toml")
    proc = repo.main("verify", "--range", f"{base}..HEAD", *approval)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("verify.approval.missing: the content requires a security review and no "
            f"Security-Reviewed-by trailer names an approver [commit {hooked[:12]}]"
            ) in proc.stdout
    message = repo.out("log", "-1", "--format=%B")
    _without_hooks(repo, "--amend", "-m", f"{message}\nSecurity-Reviewed-by: S <sec@example.com>")
    proc = repo.main("verify", "--range", f"{base}..HEAD", *approval)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- the pre-push hook ---------------------------------------------------------------

@pytest.fixture
def pushing_repo(repo: Repo, hook_repo: tuple[str, str], precommit_home: Path,
                 monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Repo:
    """A scratch repository with the authgate-verify pre-push hook and a bare remote."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(precommit_home))
    install_hooks(repo, hook_repo, ("authgate-verify",), ("pre-push",))
    # Kept out of the history: what is verified is only what each test commits (pre-commit
    # runs a pre-push hook from an untracked config).
    with open(repo.path / ".git" / "info" / "exclude", "a", encoding="utf-8") as fh:
        fh.write(".pre-commit-config.yaml\n")
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path / "remote.git")], check=True)
    repo.git("remote", "add", "origin", str(tmp_path / "remote.git"))
    return repo


def _tree_commit(repo: Repo, path: str, content: str, *, honest: bool) -> str:
    """A commit claiming the Authgate-Tree of its content; when not `honest`, the
    content changed after the claim was made (what an amend without hooks leaves)."""
    repo.write(path, content)
    repo.add(path)
    tree = repo.out("write-tree")
    if not honest:
        repo.write(path, content + "changed after the hooks ran\n")
        repo.add(path)
    return repo.commit(f"edit {path}\n\nAuthgate-Tree: {tree}")


def _push(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    proc = repo.git("push", "-q", "origin", *args, check=False)
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode() + proc.stderr.decode(), "")


def test_pre_push_verifies_the_pushed_commits(pushing_repo: Repo) -> None:
    repo = pushing_repo
    # First push of a branch that reaches the root commit: pre-commit gives no refs and
    # there is no remote-tracking branch yet, so every commit is verified.
    _tree_commit(repo, "a.txt", "a\n", honest=True)
    first = _push(repo, "main")
    assert first.returncode == 0, first.stdout
    # An ordinary push: PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF.
    bad = _tree_commit(repo, "b.txt", "b\n", honest=False)
    rejected = _push(repo, "main")
    assert rejected.returncode != 0
    assert "verify.tree.mismatch" in rejected.stdout
    assert f"[commit {bad[:12]}]" in rejected.stdout
    assert repo.git("ls-remote", "origin", "refs/heads/main").stdout.decode().split()[0] \
        == repo.out("rev-parse", "HEAD~1")
    # A new branch that does not reach the root: from the parent of its first new commit.
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.git("checkout", "-q", "-b", "feature")
    good = _tree_commit(repo, "c.txt", "c\n", honest=True)
    bad = _tree_commit(repo, "d.txt", "d\n", honest=False)
    rejected = _push(repo, "feature")
    assert rejected.returncode != 0
    assert f"[commit {bad[:12]}]" in rejected.stdout
    assert f"[commit {good[:12]}]" not in rejected.stdout
    repo.git("reset", "-q", "--hard", good)
    assert _push(repo, "feature").returncode == 0


def test_pre_push_of_a_new_root_branch_skips_commits_already_on_a_remote(
        pushing_repo: Repo) -> None:
    repo = pushing_repo
    _tree_commit(repo, "a.txt", "a\n", honest=True)
    assert _push(repo, "main").returncode == 0
    # History that reached the remote without the hook (git push --no-verify).
    published = _tree_commit(repo, "old.txt", "old\n", honest=False)
    assert repo.git("push", "-q", "--no-verify", "origin", "main",
                    check=False).returncode == 0
    repo.git("fetch", "-q", "origin")
    # A new branch from a new root commit that merges the published history: pre-commit
    # gives no refs; only what no remote-tracking branch has is verified.
    repo.git("checkout", "-q", "--orphan", "lone")
    repo.git("rm", "-q", "-r", "--cached", ".")
    repo.git("clean", "-q", "-f", "-d")
    _tree_commit(repo, "lone.txt", "lone\n", honest=True)
    repo.git("merge", "-q", "--no-verify", "--allow-unrelated-histories", "-m", "merge main",
             "origin/main")
    accepted = _push(repo, "lone")
    assert accepted.returncode == 0, accepted.stdout
    bad = _tree_commit(repo, "later.txt", "later\n", honest=False)
    rejected = _push(repo, "lone")
    assert rejected.returncode != 0
    assert f"[commit {bad[:12]}]" in rejected.stdout
    assert f"[commit {published[:12]}]" not in rejected.stdout


def _no_fp(text: str) -> str:
    """The text report without each finding's fingerprint, `(fp ...)` (test_accept.py
    is about those)."""
    return re.sub(r" \(fp [0-9a-f]{12}\)", "", text)
