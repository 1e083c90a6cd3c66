"""`authgate verify`: the comparison of a recomputed verdict with a commit's trailers
(pure, in memory), the range reader (real git), and the command's exit codes and
output on scratch histories that need no content check to produce findings."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest

from authgate import changes, history
from authgate.changes import ChangeSet, FileChange, Hunk, Identity, Line, Status
from authgate.commands import verify
from authgate.config import Config, TrailerNames, parse
from authgate.findings import Action, Finding, Severity, Tier
from authgate.policy import Verdict, decide
from authgate.verification import PARALLEL_MIN_COMMITS

from testing import Repo, Result, clean_environ

NAMES = TrailerNames()
TREE = "1" * 40


def _cs(*, tree: str = TREE, author: str = "dev@example.com",
        lines: tuple[str, ...] = ("def login(user, password):",),
        path: str = "src/auth/login.py") -> ChangeSet:
    hunk = Hunk(1, 1, tuple(Line("+", t, None, i + 1) for i, t in enumerate(lines)))
    return ChangeSet(files=(FileChange(path=path, status=Status.ADDED, hunks=(hunk,)),),
                     source="commit", revision="a" * 40, tree=tree, parents=("b" * 40,),
                     message="change\n", author=Identity("Dev", author),
                     committer=Identity("Dev", author))


def _verdict(tier: Tier = Tier.HIGH, *, ai: bool = False, cfg: Config | None = None,
             block: bool = False) -> Verdict:
    found = [Finding(rule_id="identity.path.auth", severity=Severity.HIGH, message="auth code",
                     path="src/auth/login.py", line=1, tier=tier,
                     action=Action.BLOCK if block else Action.ANNOTATE)]
    if ai:
        found.append(Finding(rule_id="provenance.trailer.claude", severity=Severity.INFO,
                             message="Claude co-author", strength="strong", tool="claude-code",
                             context="message"))
    return decide(found, cfg or Config())


HIGH_TRAILERS = [("Identity-Impact", "high"),
                 ("Requires-Review", "code-owner, iam, security"),
                 ("Authgate-Tree", TREE)]


# --- compare: the verdict against the trailers ----------------------------------------

def test_trailers_that_match_the_content_pass() -> None:
    assert verify.compare(_cs(), _verdict(), HIGH_TRAILERS, NAMES) == []


def test_no_trailers_where_the_content_needs_them_is_hooks_bypassed() -> None:
    found = verify.compare(_cs(), _verdict(), [], NAMES)
    assert [rule for rule, _ in found] == ["verify.trailers.missing"]
    message = found[0][1]
    assert message.startswith("hooks bypassed: ")
    assert "Identity-Impact: high" in message
    assert "Requires-Review: code-owner, iam, security" in message


def test_content_without_identity_impact_needs_no_trailers() -> None:
    assert verify.compare(_cs(), _verdict(Tier.NONE), [], NAMES) == []


def test_a_lower_impact_is_weaker() -> None:
    claimed = [("Identity-Impact", "low"), *HIGH_TRAILERS[1:]]
    found = verify.compare(_cs(), _verdict(), claimed, NAMES)
    assert found == [("verify.trailers.weaker",
                      "Identity-Impact: low is weaker than the high the content demands")]


def test_an_unreadable_impact_is_weaker() -> None:
    claimed = [("Identity-Impact", "trust me"), *HIGH_TRAILERS[1:]]
    assert [r for r, _ in verify.compare(_cs(), _verdict(), claimed, NAMES)] == [
        "verify.trailers.weaker"]


def test_a_higher_impact_than_needed_passes() -> None:
    claimed = [("Identity-Impact", "critical"), *HIGH_TRAILERS[1:]]
    assert verify.compare(_cs(), _verdict(), claimed, NAMES) == []


def test_requires_review_must_name_every_required_review() -> None:
    claimed = [HIGH_TRAILERS[0], ("Requires-Review", "code-owner"), HIGH_TRAILERS[2]]
    found = verify.compare(_cs(), _verdict(), claimed, NAMES)
    assert found == [("verify.trailers.weaker", "Requires-Review: code-owner lacks iam, "
                                                "security that the content requires")]


def test_reviews_spread_over_two_trailers_count_together_and_keys_ignore_case() -> None:
    claimed = [("identity-impact", "HIGH"), ("requires-review", "iam"),
               ("Requires-Review", "security,code-owner"), ("AUTHGATE-TREE", TREE)]
    assert verify.compare(_cs(), _verdict(), claimed, NAMES) == []


def test_a_dropped_trailer_among_others_is_missing_not_bypassed() -> None:
    claimed = [HIGH_TRAILERS[0], HIGH_TRAILERS[2]]
    found = verify.compare(_cs(), _verdict(), claimed, NAMES)
    assert found == [("verify.trailers.missing", "Requires-Review missing: the content needs "
                                                 "Requires-Review: code-owner, iam, security")]


def test_trailers_without_authgate_tree_were_not_written_by_the_hooks() -> None:
    found = verify.compare(_cs(), _verdict(), HIGH_TRAILERS[:2], NAMES)
    assert found == [("verify.trailers.missing",
                      "Authgate-Tree missing: the trailers were not written by the hooks")]


def test_authgate_tree_of_other_content_is_a_mismatch() -> None:
    found = verify.compare(_cs(tree="2" * 40), _verdict(), HIGH_TRAILERS, NAMES)
    assert found == [("verify.tree.mismatch",
                      f"Authgate-Tree is {TREE[:12]} but the commit's tree is "
                      f"{'2' * 12}: the content changed after the hooks ran")]


def test_tree_mismatch_counts_even_when_the_content_now_needs_nothing() -> None:
    found = verify.compare(_cs(tree="2" * 40), _verdict(Tier.NONE),
                           [("Authgate-Tree", TREE)], NAMES)
    assert [r for r, _ in found] == ["verify.tree.mismatch"]


def test_ai_assistance_needs_the_ai_trailer_and_no_is_weaker() -> None:
    v = _verdict(ai=True)
    assert verify.compare(_cs(), v, [*HIGH_TRAILERS, ("AI-Assisted", "claude-code")],
                          NAMES) == []
    found = verify.compare(_cs(), v, [*HIGH_TRAILERS, ("AI-Assisted", "no")], NAMES)
    assert found == [("verify.trailers.weaker", "AI-Assisted: no, but the content shows AI "
                                                "assistance (claude-code)")]
    found = verify.compare(_cs(), v, HIGH_TRAILERS, NAMES)
    assert [r for r, _ in found] == ["verify.trailers.missing"]


def test_configured_trailer_names_are_the_ones_checked() -> None:
    names = TrailerNames(impact="X-Impact", reviews="X-Review", tree="X-Tree")
    cfg = parse({"trailers": {"impact": "X-Impact", "reviews": "X-Review", "tree": "X-Tree"}},
                "test")
    v = _verdict(cfg=cfg)
    assert verify.compare(_cs(), v, HIGH_TRAILERS, names)[0][1].startswith("hooks bypassed")
    renamed = [("X-Impact", "high"), ("X-Review", "code-owner, iam, security"), ("X-Tree", TREE)]
    assert verify.compare(_cs(), v, renamed, names) == []


def test_a_secret_in_a_hand_written_trailer_is_never_echoed() -> None:
    secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"  # a planted fake key
    claimed = [("Identity-Impact", secret), *HIGH_TRAILERS[1:]]
    found = verify.compare(_cs(), _verdict(), claimed, NAMES)
    assert found and secret not in found[0][1]


# --- approval evidence ------------------------------------------------------------------

APPROVING = parse({"require_approval": True, "approvers": ["Sec Lead <sec@example.com>",
                                                           "lead@example.com"]}, "test")


def test_approval_is_only_asked_for_when_policy_requires_it() -> None:
    assert verify.approval(_cs(), _verdict(), [], Config()) == []
    assert verify.approval(_cs(), _verdict(Tier.NONE), [], APPROVING) == []


def test_security_review_needs_security_reviewed_by_from_an_approver() -> None:
    v = _verdict()  # high: code-owner, iam, security
    found = verify.approval(_cs(), v, [("Reviewed-by", "Lead <lead@example.com>")], APPROVING)
    assert [r for r, _ in found] == ["verify.approval.missing"]
    assert "Security-Reviewed-by" in found[0][1]
    assert verify.approval(_cs(), v, [("Security-Reviewed-by", "S <SEC@example.com>")],
                           APPROVING) == []


def test_reviewed_by_from_someone_not_listed_does_not_count() -> None:
    v = _verdict(Tier.LOW)  # low: code-owner
    found = verify.approval(_cs(), v, [("Reviewed-by", "Friend <friend@example.com>")],
                            APPROVING)
    assert [r for r, _ in found] == ["verify.approval.missing"]
    assert verify.approval(_cs(), v, [("Reviewed-by", "L <lead@example.com>")], APPROVING) == []


def test_an_approvers_own_commit_needs_someone_else() -> None:
    v = _verdict(Tier.LOW)
    found = verify.approval(_cs(author="lead@example.com"), v,
                            [("Reviewed-by", "L <lead@example.com>")], APPROVING)
    assert found and "the author's own approval does not count" in found[0][1]


# --- rewrites and fingerprints ----------------------------------------------------------

def _checked(rev: str, fp: str | None, ai_claim: str | None) -> verify.Checked:
    return verify.Checked(revision=rev * 40, subject="s", verdict=_verdict(Tier.NONE),
                          problems=(), claims=(), ai_claim=ai_claim, fingerprint=fp,
                          anchor=("src/a.py", None))


def test_a_rewrite_that_drops_the_ai_trailer_is_reported_on_the_rewrite() -> None:
    out = verify.rewrites([_checked("a", "f1", "claude-code"), _checked("b", "f2", None),
                           _checked("c", "f1", None)], NAMES)
    assert [c.ok for c in out] == [True, True, False]
    p = out[2].problems[0]
    assert (p.rule_id, p.path, p.evidence) == ("verify.ai.removed", "src/a.py",
                                               f"commit {'c' * 12}")
    assert p.message == f"AI-Assisted removed: the same change as {'a' * 12} carries " \
                        "AI-Assisted: claude-code"


def test_a_rewrite_that_keeps_the_ai_trailer_passes() -> None:
    out = verify.rewrites([_checked("a", "f1", "claude-code"), _checked("c", "f1", "aider")],
                          NAMES)
    assert all(c.ok for c in out)


def test_fingerprint_ignores_line_numbers_and_whitespace_but_not_content() -> None:
    a = verify.fingerprint(_cs(lines=("x = 1", "y = 2")))
    moved = _cs(lines=("x = 1", "y = 2"))
    moved = moved._replace(files=(FileChange(
        path="src/auth/login.py", status=Status.MODIFIED, hunks=(Hunk(40, 40, (
            Line("+", "x  =  1", None, 40), Line("+", "y = 2", None, 41))),)),))
    assert a == verify.fingerprint(moved)
    assert a != verify.fingerprint(_cs(lines=("x = 1", "y = 3")))
    assert verify.fingerprint(ChangeSet(files=(), source="commit")) is None


# --- reading a range --------------------------------------------------------------------

def _history(repo: Repo) -> list[str]:
    repo.write("a.txt", "one\n")
    repo.add()
    ids = [repo.commit("first")]
    repo.write("a.txt", "one\ntwo\r\n")
    repo.write("dir with space/ü.bin", b"\x00\x01binary")
    repo.add()
    ids.append(repo.commit("second: ünïcode\n\nIdentity-Impact: low"))
    repo.git("mv", "a.txt", "b.txt")
    ids.append(repo.commit("rename"))
    repo.git("commit", "-q", "--allow-empty", "--no-verify", "-m", "empty")
    ids.append(repo.out("rev-parse", "HEAD"))
    return ids


def test_history_reads_each_commit_as_changes_commit_does(repo: Repo) -> None:
    ids = _history(repo)
    root = str(repo.path)
    listing = history.list_commits(history.parse_range("HEAD", cwd=root), cwd=root)
    assert listing.commits == tuple(ids)
    raws = list(history.read_commits(listing.commits, cwd=root, max_file_size=1000, batch=3))
    assert [r.revision for r in raws] == ids
    for raw in raws:
        assert history.changeset(raw, cwd=root, max_file_size=1000) == changes.commit(
            raw.revision, cwd=root, max_file_size=1000)


def test_history_attaches_git_ai_notes_in_bulk(repo: Repo) -> None:
    ids = _history(repo)
    repo.git("notes", "--ref=refs/notes/ai", "add", "-m", '{"agent": "claude-code"}', ids[1])
    raws = list(history.read_commits(ids, cwd=str(repo.path), max_file_size=1000))
    assert [r.ai_note for r in raws] == [None, '{"agent": "claude-code"}\n', None, None]
    assert raws[1].ai_note == changes.commit(ids[1], cwd=str(repo.path)).ai_note


def _raw_commit(repo: Repo, parent: str, message: bytes) -> str:
    # hash-object, not commit-tree: git's porcelain refuses a NUL in a message, but a
    # crafted object can carry one (and no final newline), and verify must read it.
    tree = repo.out("rev-parse", f"{parent}^{{tree}}")
    body = (f"tree {tree}\nparent {parent}\nauthor A <a@example.com> 1700000000 +0000\n"
            f"committer A <a@example.com> 1700000000 +0000\n\n").encode() + message
    return repo.git("hash-object", "-t", "commit", "--literally", "-w", "--stdin",
                    input=body).stdout.decode().strip()


def test_messages_that_mimic_the_readers_separators_are_read_as_git_reads_them(
        repo: Repo) -> None:
    # The batched reader splits one `git log` stream on NUL and on marks made of
    # control characters: a message holding those bytes must not move a boundary.
    head = _history(repo)[-1]
    messages = [
        b"fake end \x00\x02authgate-0000000000000000\x02\n\nIdentity-Impact: none\n",
        b"marks \x01authgate-1\x01 \x02 \x03 \x04 \x05 in a subject\n\nbody \x03x\x03\n\n"
        b"Identity-Impact: high\nRequires-Review: iam\x04x\x04, sec\x05urity\n",
        b"no final newline\n\nIdentity-Impact: low",
        b"",
        b"\n\n\nonly blank lines first\n",
    ]
    ids = []
    for message in messages:
        head = _raw_commit(repo, head, message)
        ids.append(head)
    root = str(repo.path)
    raws = list(history.read_commits(ids, cwd=root, max_file_size=1000, batch=2))
    assert [r.revision for r in raws] == ids
    for raw in raws:
        assert history.changeset(raw, cwd=root, max_file_size=1000) == changes.commit(
            raw.revision, cwd=root, max_file_size=1000)
        shown = repo.git("log", "-1", "--format=%B", raw.revision).stdout
        parsed = repo.git("interpret-trailers", "--parse", input=shown).stdout.decode()
        assert [f"{k}: {v}" for k, v in raw.trailers] == parsed.splitlines()
    # git stops a message at its NUL: the trailer after it is no claim.
    assert raws[0].message == "fake end " and raws[0].trailers == ()
    assert raws[1].trailers == (("Identity-Impact", "high"),
                                ("Requires-Review", "iam\x04x\x04, sec\x05urity"))


def test_a_range_lists_merges_after_their_parents(repo: Repo) -> None:
    base = _history(repo)[-1]
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.txt", "side\n")
    repo.add()
    side = repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("main.txt", "main\n")
    repo.add()
    main = repo.commit("main")
    repo.git("merge", "-q", "--no-ff", "--no-verify", "-m", "merge side", "side")
    merge = repo.out("rev-parse", "HEAD")
    root = str(repo.path)
    listing = history.list_commits(history.parse_range(f"{base}..HEAD", cwd=root), cwd=root)
    assert set(listing.commits[:2]) == {side, main} and listing.commits[2] == merge
    assert listing.merges == (merge,)


def test_workers_that_read_their_own_commits_judge_a_range_as_one_process_does(
        repo: Repo) -> None:
    # Past PARALLEL_MIN_COMMITS each worker reads its chunk of the range from git; the
    # notes of the whole range are read once and handed to the chunk that holds them.
    ids = _history(repo)
    for i in range(PARALLEL_MIN_COMMITS):
        repo.write(f"src/mod{i % 5}.py", f"def f{i}():\n    return {i}\n")
        repo.add()
        ids.append(repo.commit(f"step {i}"))
    # A merge whose resolution adds a line neither side has: judged on what it adds.
    repo.git("checkout", "-q", "-b", "side", ids[-6])
    repo.write("src/mod0.py", "def side():\n    return 0\n")
    repo.add()
    ids.append(repo.commit("side"))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-commit", "side", check=False)
    repo.write("src/mod0.py", "def merged():\n    password = 'hunter2hunter2'\n")
    repo.add()
    ids.append(repo.commit("merge side"))
    noted, noted_id = PARALLEL_MIN_COMMITS - 3, ids[-5]
    note = (f"src/mod{noted % 5}.py\n  s_1::t_1 1-2\n---\n"
            + json.dumps({"schema_version": "authorship/3.0.0", "base_commit_sha": noted_id,
                          "prompts": {}, "sessions": {"s_1": {"agent_id": {
                              "tool": "claude", "model": "claude-opus-4"}}}}))
    repo.git("notes", "--ref=refs/notes/ai", "add", "-m", note, noted_id)
    root = str(repo.path)
    listing = history.list_commits(history.parse_range("HEAD", cwd=root), cwd=root)
    cfg = Config()
    parallel, serial = (verify.judge_range(listing.commits, cfg, root, jobs=jobs)
                        for jobs in (2, 1))
    assert parallel == serial
    assert sorted(listing.commits) == sorted(ids) and listing.merges == (ids[-1],)
    assert [c.revision for c in parallel] == list(listing.commits)
    assert [c.revision for c in parallel if c.verdict.ai_assisted] == [noted_id]
    merged = [f for f in parallel[-1].verdict.findings if f.path == "src/mod0.py"]
    assert merged and all(f.line == 2 for f in merged)


def test_an_unreadable_object_stops_the_workers_with_one_line(repo: Repo) -> None:
    # A worker's git fails (a damaged or partial clone): the run ends with git's line
    # and exit 2, as when one process reads the range, never with a worker traceback.
    for i in range(PARALLEL_MIN_COMMITS + 6):
        repo.write(f"f{i % 3}.txt", f"line {i}\n")
        repo.add()
        repo.commit(f"c{i}")
    blob = repo.out("rev-parse", "HEAD~10:f1.txt")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    for jobs in ("2", "1"):
        proc = repo.authgate("verify", "--range", "HEAD", "--jobs", jobs)
        assert _one_line_error(proc) == f"authgate: fatal: unable to read {blob}"


# --- the command on scratch histories ---------------------------------------------------

def _one_line_error(proc: Result) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_an_empty_range_passes_with_a_clear_line(repo: Repo) -> None:
    _history(repo)
    proc = repo.main("verify", "--range", "HEAD..HEAD")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == (
        "authgate verify: ok: no commits to verify in HEAD..HEAD")


def test_an_unknown_base_is_a_usage_error(repo: Repo) -> None:
    _history(repo)
    line = _one_line_error(repo.main("verify", "--range", "nosuchbranch..HEAD"))
    assert line == "authgate: unknown revision 'nosuchbranch' in range 'nosuchbranch..HEAD'"


def test_three_dots_is_a_usage_error(repo: Repo) -> None:
    _history(repo)
    assert "use BASE..HEAD (two dots)" in _one_line_error(
        repo.main("verify", "--range", "HEAD~1...HEAD"))


def test_require_approval_without_approvers_is_a_config_error(repo: Repo) -> None:
    _history(repo)
    repo.write(".authgate.toml", "require_approval = true\n")
    repo.add()
    repo.commit("policy")
    repo.write("later.txt", "later\n")
    repo.add()
    repo.commit("later")
    assert "require_approval is true but 'approvers' is empty" in _one_line_error(
        repo.main("verify", "--range", "HEAD~1..HEAD"))


def _shallow_clone(repo: Repo, tmp_path: Path, depth: int) -> Repo:
    dest = tmp_path / f"shallow{depth}"
    subprocess.run(["git", "clone", "-q", f"--depth={depth}", repo.path.as_uri(), str(dest)],
                   check=True, capture_output=True, env=clean_environ(tmp_path / "home"))
    return Repo(dest)


def test_a_shallow_clone_missing_the_base_says_fetch_with_full_depth(
        repo: Repo, tmp_path: Path) -> None:
    ids = _history(repo)
    clone = _shallow_clone(repo, tmp_path, 1)
    line = _one_line_error(clone.main("verify", "--range", f"{ids[0]}..HEAD"))
    assert line.startswith(f"authgate: '{ids[0]}' of range '{ids[0]}..HEAD' is not in this "
                           "shallow clone: fetch with full depth")


def test_a_range_reaching_past_a_shallow_boundary_says_fetch_with_full_depth(
        repo: Repo, tmp_path: Path) -> None:
    _history(repo)
    clone = _shallow_clone(repo, tmp_path, 2)
    line = _one_line_error(clone.main("verify", "--range", "HEAD"))
    assert "reaches past the shallow clone's history" in line
    assert "fetch with full depth" in line
    # Inside the fetched history, a shallow clone is fine.
    assert clone.main("verify", "--range", "HEAD~1..HEAD").returncode == 0


def _with_tree_trailer(repo: Repo, path: str, content: str, tree: str | None) -> str:
    """A commit whose message claims an Authgate-Tree: its own tree, or `tree`."""
    repo.write(path, content)
    repo.add()
    own = repo.out("write-tree")
    return repo.commit(f"edit {path}\n\nAuthgate-Tree: {tree or own}")


def test_a_hand_amended_commit_fails_on_authgate_tree(repo: Repo) -> None:
    base = _with_tree_trailer(repo, "a.txt", "one\n", None)
    good = _with_tree_trailer(repo, "b.txt", "two\n", None)
    proc = repo.main("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Content changed after the trailer was written, message kept: git commit --amend
    # --no-verify --no-edit.
    repo.write("b.txt", "two, and something else\n")
    repo.add()
    repo.git("commit", "-q", "--amend", "--no-verify", "--no-edit")
    amended = repo.out("rev-parse", "HEAD")
    assert amended != good
    proc = repo.main("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = _no_fp(proc.stdout).splitlines()
    tree = repo.out("rev-parse", "HEAD^{tree}")
    assert lines[0].startswith("b.txt: verify.tree.mismatch: Authgate-Tree is ")
    assert f"but the commit's tree is {tree[:12]}: " in lines[0]
    assert lines[0].endswith(f"the content changed after the hooks ran [commit {amended[:12]}]")
    assert lines[-1] == ("authgate verify: FAILED: 1 of 1 commits violate: "
                         "verify.tree.mismatch 1")


def test_a_clean_merge_is_judged_and_needs_no_trailers(repo: Repo) -> None:
    base = _with_tree_trailer(repo, "a.txt", "one\n", None)
    repo.git("checkout", "-q", "-b", "side")
    _with_tree_trailer(repo, "side.txt", "side\n", None)
    repo.git("checkout", "-q", "main")
    _with_tree_trailer(repo, "main.txt", "main\n", None)
    # A merge git made on its own adds nothing beyond its parents: nothing is owed.
    repo.git("merge", "-q", "--no-ff", "--no-verify", "-m", "merge side", "side")
    merge = repo.out("rev-parse", "HEAD")
    proc = repo.main("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (f"authgate verify: {base}..HEAD: 3 commits verified (1 merge judged on what "
            f"it adds to its parents: {merge[:12]})") in proc.stdout.splitlines()
    data = json.loads(repo.main("verify", "--range", f"{base}..HEAD", "--format",
                                    "json").stdout)
    assert data["verify"]["merges"] == [merge] and data["verify"]["merges_skipped"] == []
    assert [s["revision"] for s in data["subjects"]][-1] == merge
    assert data["subjects"][-1]["findings"] == [] and not data["subjects"][-1]["blocked"]


def test_an_ai_trailer_dropped_when_a_change_is_re_landed_fails(repo: Repo) -> None:
    repo.write("a.txt", "base\n")
    repo.add()
    base = repo.commit("base")
    repo.write("a.txt", "base\nadded by an assistant\n")
    repo.add()
    original = repo.commit("feature\n\nAI-Assisted: claude-code")
    repo.git("revert", "--no-edit", "HEAD")
    repo.write("a.txt", "base\nadded by an assistant\n")
    repo.add()
    relanded = repo.commit("feature again")
    proc = repo.main("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"a.txt: verify.ai.removed: AI-Assisted removed: the same change as "
            f"{original[:12]} carries AI-Assisted: claude-code [commit {relanded[:12]}]"
            ) in _no_fp(proc.stdout).splitlines()


def _fast_import_history(n: int, bad: int, merge_at: int) -> bytes:
    """A `git fast-import` stream: `n` commits on main with one merge of a side branch;
    the message of commit `bad` claims an Authgate-Tree of other content."""
    out: list[bytes] = []

    def data(text: str) -> None:
        raw = text.encode()
        out.append(f"data {len(raw)}\n".encode() + raw + b"\n")

    for i in range(1, n + 1):
        if i == merge_at:
            out.append(f"commit refs/heads/side\nmark :{n + 1}\n"
                       f"committer Gen <gen@example.com> {1_700_000_000 + i} +0000\n".encode())
            data("side work\n")
            out.append(f"from :{i - 1}\nM 100644 inline side.txt\n".encode())
            data("side\n")
        out.append(f"commit refs/heads/main\nmark :{i}\n"
                   f"committer Gen <gen@example.com> {1_700_000_000 + i} +0000\n".encode())
        msg = f"commit {i}\n"
        if i == bad:
            msg += f"\nAuthgate-Tree: {'e' * 40}\n"
        data(msg)
        if i > 1:
            out.append(f"from :{i - 1}\n".encode())
        if i == merge_at:
            out.append(f"merge :{n + 1}\n".encode())
        out.append(f"M 100644 inline src/mod{i % 40}.py\n".encode())
        data("".join(f"def f{j}_{i}():\n    return {j}\n" for j in range(12)))
        out.append(b"\n")
    return b"".join(out)


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    env = clean_environ(tmp_path_factory.mktemp("home"))
    path = tmp_path_factory.mktemp("thousand")
    for args, stdin in ((["init", "-q", "-b", "main"], None),
                        (["fast-import", "--quiet"], _fast_import_history(1000, 700, 500)),
                        (["checkout", "-q", "-f", "main"], None)):
        subprocess.run(["git", *args], cwd=path, input=stdin, check=True, env=env,
                       capture_output=True)
    return path


def test_a_range_of_a_thousand_commits_verifies_in_parallel_and_serially_alike(
        thousand: Path) -> None:
    repo = Repo(thousand)
    assert repo.out("rev-list", "--count", "HEAD") == "1001"
    bad = repo.out("rev-list", "--grep=^commit 700$", "HEAD")
    merge = repo.out("rev-list", "--merges", "HEAD")
    runs = [repo.authgate("verify", "--range", "HEAD", "--format", "json", *jobs)
            for jobs in ((), ("--jobs", "1"))]
    for proc in runs:
        assert proc.returncode == 1, proc.stderr
    parallel, serial = (json.loads(p.stdout) for p in runs)
    assert parallel == serial
    summary = parallel["verify"]
    assert (summary["commits"], summary["merges"]) == (1001, [merge])
    assert summary["violations"] == [bad]
    assert summary["problems"] == {"verify.tree.mismatch": 1}
    assert len(parallel["subjects"]) == 1001
    text = repo.authgate("verify", "--range", "HEAD")
    assert text.returncode == 1
    assert text.stdout.splitlines()[-1] == ("authgate verify: FAILED: 1 of 1001 commits "
                                            "violate: verify.tree.mismatch 1")
    assert f"[commit {bad[:12]}]" in text.stdout
    # Progress goes to a terminal only: never into captured output or CI logs.
    assert "commits (" not in text.stderr


def test_range_summary_lists_reviews_with_their_commits_and_ai_evidence(repo: Repo) -> None:
    cfg = '[paths]\nhigh = ["src/core/signin/**"]\nmedium = ["src/billing/**"]\n'
    repo.write(".authgate.toml", cfg)
    repo.add()
    base = repo.commit("configure")
    repo.write("src/core/signin/flow.py", "def start(user):\n    return user\n")
    repo.add()
    high = repo.commit("sign-in flow")
    repo.write("notes/plan.txt", "plan\n")
    repo.add()
    ai = repo.commit("plan\n\nAI-Assisted: claude-code")
    repo.write("src/billing/invoice.py", "def total(items):\n    return sum(items)\n")
    repo.add()
    medium = repo.commit("invoice")
    proc = repo.main("verify", "--range", f"{base}..HEAD", "--format", "json")
    data = json.loads(proc.stdout)["verify"]
    reviews = data["required_reviews"]
    if not reviews:
        pytest.skip("the identity check does not grade [paths] from config yet")
    assert reviews["code-owner"] == [high, medium]
    assert reviews["security"] == [high]
    assert data["identity_impact"] == "high"
    # No trailers at all: hooks bypassed. (The hand-written AI trailer lacks an
    # Authgate-Tree, which fails too once provenance counts that trailer as evidence.)
    assert {high, medium} <= set(data["violations"])
    entry = next(a for a in data["ai_assisted"] if a["commit"] == ai)
    assert entry["trailer"] == "claude-code"
    assert proc.returncode == 1
    text = repo.main("verify", "--range", f"{base}..HEAD").stdout.splitlines()
    assert (f"authgate verify: requires review: code-owner (2: {high[:12]}, {medium[:12]}); "
            f"iam (1: {high[:12]}); security (1: {high[:12]})") in text
    assert any(line.startswith(f"authgate verify: AI-assisted: {ai[:12]} (claude-code): ")
               for line in text)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_only_and_never_under_ci(
        monkeypatch: pytest.MonkeyPatch) -> None:
    tty = _Terminal()
    progress = verify.Progress(100, tty)
    progress.advance(100)
    progress.close()
    assert "\rauthgate verify: 100/100 commits (" in tty.getvalue()
    assert tty.getvalue().endswith("\r\033[K")
    piped = io.StringIO()
    verify.Progress(100, piped).advance(100)
    assert piped.getvalue() == ""
    monkeypatch.setenv("CI", "true")
    under_ci = _Terminal()
    verify.Progress(100, under_ci).advance(100)
    assert under_ci.getvalue() == ""


GIT_AI_NOTE = ('src/app.py\n  s_1 1-2\n---\n{"schema_version": "authorship/3.0.0", '
               '"sessions": {"s_1": {"agent_id": {"tool": "claude-code", "model": "m1"}}}}\n')


def test_git_ai_notes_are_provenance_evidence_for_the_commits_they_cover(repo: Repo) -> None:
    repo.write("README.md", "base\n")
    repo.add()
    base = repo.commit("base")
    repo.write("src/app.py", "print('one')\nprint('two')\n")
    repo.add()
    noted = repo.commit("app")
    repo.git("notes", "--ref=refs/notes/ai", "add", "-m", GIT_AI_NOTE, noted)
    # git-ai writes its note after the commit, where no hook can see it: no trailer is
    # owed for it, but the range summary shows the evidence.
    proc = repo.main("verify", "--range", f"{base}..HEAD", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ai = json.loads(proc.stdout)["verify"]["ai_assisted"]
    assert [(a["commit"], a["tools"], a["trailer"]) for a in ai] == [
        (noted, ["claude-code"], None)]
    assert ai[0]["evidence"][0].startswith("provenance.trace.git-ai: ")
    # And it counts where policy cares: a repository that forbids AI changes fails it
    # (a policy given on the command line: the base's has no config).
    repo.write("policy.toml", 'ai = "forbid"\n')
    proc = repo.main("verify", "--range", f"{base}..{noted}", "--config", "policy.toml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"verify.blocking.landed: 1 blocking finding landed: provenance.trace.git-ai " \
           f"[commit {noted[:12]}]" in proc.stdout


def _no_fp(text: str) -> str:
    """The text report without each finding's fingerprint, `(fp ...)` (test_accept.py
    is about those)."""
    return re.sub(r" \(fp [0-9a-f]{12}\)", "", text)
