"""The change model against real git: every source and every odd case of issue 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from authgate import changes, gitio
from authgate.changes import ChangeSet, FileChange, Status

from testing import Repo


def staged(repo: Repo, **kw: object) -> ChangeSet:
    return changes.staged(cwd=str(repo.path), **kw)  # type: ignore[arg-type]


def one(cs: ChangeSet, path: str) -> FileChange:
    found = [f for f in cs.files if f.path == path]
    assert len(found) == 1, [f.path for f in cs.files]
    return found[0]


def added(fc: FileChange) -> list[tuple[int | None, str]]:
    return [(ln.new, ln.text) for ln in fc.added]


def removed(fc: FileChange) -> list[tuple[int | None, str]]:
    return [(ln.old, ln.text) for ln in fc.removed]


def numbered(n: int, prefix: str = "line") -> str:
    return "".join(f"{prefix} {i}\n" for i in range(1, n + 1))


# --- the staged index ------------------------------------------------------------------

def test_staged_reads_the_index_not_the_working_tree(repo: Repo) -> None:
    repo.write("auth.py", "base = 1\n")
    repo.add()
    repo.commit()
    repo.write("auth.py", "base = 1\nstaged = 2\n")
    repo.add("auth.py")
    repo.write("auth.py", "base = 1\nstaged = 2\nunstaged = 3\n")
    repo.write("untracked.py", "nope = 1\n")

    cs = staged(repo)
    assert [f.path for f in cs.files] == ["auth.py"]
    assert added(one(cs, "auth.py")) == [(2, "staged = 2")]
    assert cs.source == "index"
    assert cs.revision == repo.out("rev-parse", "HEAD")
    assert cs.parents == (cs.revision,)
    # The tree id is that of the index, which is what `git commit` will record.
    assert cs.tree == repo.out("write-tree")


def test_staged_honours_git_index_file(repo: Repo, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    repo.write("a.py", "a = 1\n")
    repo.write("b.py", "b = 1\n")
    repo.add()
    repo.commit()
    # The main index stages a.py; `git commit b.py` would build a temporary index
    # from HEAD plus b.py's work-tree content, and run the hooks with it.
    repo.write("a.py", "a = 2\n")
    repo.add("a.py")
    repo.write("b.py", "b = 2\n")
    temp_index = str(tmp_path / "index.tmp")
    env = {"GIT_INDEX_FILE": temp_index}
    repo.git("read-tree", "HEAD", env=env)
    repo.git("add", "b.py", env=env)
    monkeypatch.setenv("GIT_INDEX_FILE", temp_index)

    cs = staged(repo)
    assert [f.path for f in cs.files] == ["b.py"]
    assert added(one(cs, "b.py")) == [(1, "b = 2")]
    assert cs.tree == repo.out("write-tree") != repo.out("rev-parse", "HEAD^{tree}")

    monkeypatch.delenv("GIT_INDEX_FILE")
    assert [f.path for f in staged(repo).files] == ["a.py"]


def test_staged_before_the_first_commit(repo: Repo) -> None:
    repo.write("login.py", "def login():\n    return True\n")
    repo.add()
    cs = staged(repo)
    assert cs.revision is None and cs.parents == ()
    fc = one(cs, "login.py")
    assert fc.status is Status.ADDED and fc.old_path is None and fc.old_blob is None
    assert added(fc) == [(1, "def login():"), (2, "    return True")]
    assert fc.blob == repo.out("rev-parse", ":login.py")
    assert fc.size == len("def login():\n    return True\n")
    assert cs.tree == repo.out("write-tree")


def test_staged_with_nothing_staged_is_empty(repo: Repo) -> None:
    assert staged(repo).files == ()
    repo.write("a", "a\n")
    repo.add()
    repo.commit()
    repo.write("a", "changed in the work tree only\n")
    assert staged(repo).files == ()


def test_staged_in_a_sha256_repository(tmp_path: Path) -> None:
    path = tmp_path / "sha256"
    path.mkdir()
    subprocess.run(["git", "init", "-q", "--object-format=sha256"], cwd=path, check=True)
    (path / "a.py").write_text("x = 1\n")
    subprocess.run(["git", "add", "a.py"], cwd=path, check=True)
    cs = changes.staged(cwd=str(path))
    assert [f.path for f in cs.files] == ["a.py"]
    assert added(cs.files[0]) == [(1, "x = 1")]
    assert cs.tree is not None and len(cs.tree) == 64


# --- one commit, a range, a tree -------------------------------------------------------

def test_commit_carries_message_author_committer_and_parents(repo: Repo) -> None:
    repo.write("a.py", "a = 1\n")
    repo.add()
    root = repo.commit("root")
    repo.write("a.py", "a = 2\n")
    repo.add()
    message = "Subject line\n\nBody.\n\nCo-authored-by: X <x@e>"
    repo.git("commit", "-q", "--no-verify", "-m", message,
             env={"GIT_AUTHOR_NAME": "Ann Author", "GIT_AUTHOR_EMAIL": "ann@example.com",
                  "GIT_COMMITTER_NAME": "Cy Committer",
                  "GIT_COMMITTER_EMAIL": "cy@example.com"})
    sha = repo.out("rev-parse", "HEAD")

    cs = changes.commit("HEAD", cwd=str(repo.path))
    assert cs.source == "commit" and cs.revision == sha and cs.parents == (root,)
    assert cs.tree == repo.out("rev-parse", "HEAD^{tree}")
    # The message as the commit object holds it (git commit -m ends it with a newline).
    assert cs.message == "Subject line\n\nBody.\n\nCo-authored-by: X <x@e>\n"
    assert (cs.author, cs.committer) == (changes.Identity("Ann Author", "ann@example.com"),
                                         changes.Identity("Cy Committer", "cy@example.com"))
    assert str(cs.author) == "Ann Author <ann@example.com>"
    assert not cs.is_merge
    fc = one(cs, "a.py")
    assert (fc.status, added(fc), removed(fc)) == (Status.MODIFIED, [(1, "a = 2")],
                                                   [(1, "a = 1")])


def test_root_commit_is_diffed_against_the_empty_tree(repo: Repo) -> None:
    repo.write("a.py", "a = 1\n")
    repo.add()
    root = repo.commit("root")
    cs = changes.commit(root, cwd=str(repo.path))
    assert cs.parents == ()
    assert one(cs, "a.py").status is Status.ADDED
    assert added(one(cs, "a.py")) == [(1, "a = 1")]


def test_commit_reads_the_ai_note(repo: Repo) -> None:
    repo.write("a.py", "a = 1\n")
    repo.add()
    first = repo.commit("one")
    repo.write("a.py", "a = 2\n")
    repo.add()
    second = repo.commit("two")
    repo.git("notes", "--ref=refs/notes/ai", "add", "-m", '{"agent": "claude-code"}', second)
    # A note in the default ref is not provenance.
    repo.git("notes", "add", "-m", "unrelated", first)
    assert changes.commit(second, cwd=str(repo.path)).ai_note == '{"agent": "claude-code"}\n'
    assert changes.commit(first, cwd=str(repo.path)).ai_note is None


def test_merge_is_judged_against_its_first_parent(repo: Repo) -> None:
    repo.write("base.py", "base = 1\n")
    repo.add()
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature.py", "feature = 1\n")
    repo.add()
    repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write("mainline.py", "mainline = 1\n")
    repo.add()
    mainline = repo.commit("mainline")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature")
    merge = repo.out("rev-parse", "HEAD")

    cs = changes.commit(merge, cwd=str(repo.path))
    assert cs.is_merge and cs.parents[0] == mainline and len(cs.parents) == 2
    assert [f.path for f in cs.files] == ["feature.py"]
    assert added(one(cs, "feature.py")) == [(1, "feature = 1")]
    assert cs.message is not None and cs.message.startswith("Merge branch 'feature'")


def test_bad_revision_is_a_git_error(repo: Repo) -> None:
    repo.write("a", "a\n")
    repo.add()
    repo.commit()
    with pytest.raises(gitio.GitError):
        changes.commit("no-such-rev", cwd=str(repo.path))


def test_tree_reads_every_file_at_a_revision(repo: Repo) -> None:
    repo.write("src/auth.py", numbered(3))
    repo.write("README", "hello\n")
    repo.add()
    first = repo.commit("first")
    repo.write("later.py", "later = 1\n")
    repo.write("README", "changed\n")
    repo.add()
    repo.commit("second")
    # Staged but uncommitted content is not part of any revision.
    repo.write("staged.py", "s = 1\n")
    repo.add()

    cs = changes.tree(first, cwd=str(repo.path))
    assert cs.source == "tree" and cs.revision == first
    assert cs.tree == repo.out("rev-parse", f"{first}^{{tree}}")
    assert sorted(f.path for f in cs.files) == ["README", "src/auth.py"]
    assert all(f.status is Status.ADDED for f in cs.files)
    assert added(one(cs, "src/auth.py")) == [(1, "line 1"), (2, "line 2"), (3, "line 3")]
    assert added(one(cs, "README")) == [(1, "hello")]

    head = changes.tree(cwd=str(repo.path))
    assert sorted(f.path for f in head.files) == ["README", "later.py", "src/auth.py"]
    assert added(one(head, "README")) == [(1, "changed")]


def test_tree_never_pairs_identical_files_as_renames(repo: Repo) -> None:
    repo.write("a.py", numbered(20))
    repo.write("b.py", numbered(20))
    repo.add()
    repo.commit()
    cs = changes.tree(cwd=str(repo.path))
    assert sorted((f.path, f.status, len(f.added)) for f in cs.files) == [
        ("a.py", Status.ADDED, 20), ("b.py", Status.ADDED, 20)]


# --- line numbers ----------------------------------------------------------------------

def test_line_numbers_in_new_and_old_blob(repo: Repo) -> None:
    repo.write("f.py", numbered(30))
    repo.add()
    repo.commit()
    lines = numbered(30).splitlines()
    lines[2] = "line 3 changed"          # old 3 -> new 3
    lines.insert(10, "inserted a")        # new 11
    lines.insert(11, "inserted b")        # new 12
    del lines[24]                         # old 23 removed (after +2 inserts: index 24)
    lines.append("appended")              # new 32
    repo.write("f.py", "\n".join(lines) + "\n")
    repo.add()

    fc = one(staged(repo), "f.py")
    assert removed(fc) == [(3, "line 3"), (23, "line 23")]
    assert added(fc) == [(3, "line 3 changed"), (11, "inserted a"), (12, "inserted b"),
                         (32, "appended")]
    assert len(fc.hunks) == 4
    assert [ln.number for ln in fc.added] == [3, 11, 12, 32]
    # Context lines carry both numbers.
    ctx = [ln for ln in fc.hunks[1].lines if ln.kind == " "]
    assert (ctx[0].old, ctx[0].new, ctx[0].text) == (8, 8, "line 8")
    assert all(ln.old is None for ln in fc.added) and all(ln.new is None for ln in fc.removed)


def test_blank_lines_keep_their_numbers(repo: Repo) -> None:
    repo.write("f.py", "a\n\n\nb\n")
    repo.add()
    repo.commit()
    repo.write("f.py", "a\n\n\nb\nc\n")
    repo.add()
    assert added(one(staged(repo), "f.py")) == [(5, "c")]


def test_file_without_final_newline(repo: Repo) -> None:
    repo.write("f", "a\nb")
    repo.add()
    repo.commit()
    repo.write("f", "a\nb\nc")
    repo.add()
    fc = one(staged(repo), "f")
    assert removed(fc) == [(2, "b")]
    assert added(fc) == [(2, "b"), (3, "c")]


# --- statuses --------------------------------------------------------------------------

def test_rename_keeps_old_path_and_only_changed_lines(repo: Repo) -> None:
    repo.write("old/auth.py", numbered(20))
    repo.add()
    repo.commit()
    (repo.path / "new").mkdir()
    repo.git("mv", "old/auth.py", "new/auth.py")
    repo.write("new/auth.py", numbered(20).replace("line 5\n", "line five\n"))
    repo.add()

    fc = one(staged(repo), "new/auth.py")
    assert (fc.status, fc.old_path) == (Status.RENAMED, "old/auth.py")
    assert added(fc) == [(5, "line five")] and removed(fc) == [(5, "line 5")]


def test_deletion_has_removed_lines_with_old_numbers(repo: Repo) -> None:
    repo.write("gone.py", "x = 1\ny = 2\n")
    repo.add()
    repo.commit()
    old_blob = repo.out("rev-parse", "HEAD:gone.py")
    repo.git("rm", "-q", "gone.py")

    fc = one(staged(repo), "gone.py")
    assert fc.status is Status.DELETED and fc.blob is None and fc.old_blob == old_blob
    assert removed(fc) == [(1, "x = 1"), (2, "y = 2")] and fc.added == ()
    assert fc.mode == "000000" and fc.old_mode == "100644"
    assert fc.size == len("x = 1\ny = 2\n")


def test_mode_only_change(repo: Repo) -> None:
    repo.write("run.sh", "echo hi\n")
    repo.write("z.py", "z = 1\n")
    repo.add()
    repo.commit()
    repo.git("update-index", "--chmod=+x", "run.sh")
    repo.write("z.py", "z = 2\n")
    repo.add("z.py")

    cs = staged(repo)
    fc = one(cs, "run.sh")
    assert (fc.status, fc.old_mode, fc.mode, fc.hunks) == (Status.MODIFIED, "100644",
                                                           "100755", ())
    assert added(one(cs, "z.py")) == [(1, "z = 2")]


def test_type_change_file_to_symlink_keeps_later_files_aligned(repo: Repo) -> None:
    repo.write("a.py", "a = 1\n")
    repo.write("link", "was a file\n")
    repo.write("z.py", "z = 1\n")
    repo.add()
    repo.commit()
    (repo.path / "link").unlink()
    os.symlink("a.py", repo.path / "link")
    repo.write("z.py", "z = 2\n")
    repo.add()

    cs = staged(repo)
    assert [f.path for f in cs.files] == ["link", "z.py"]
    fc = one(cs, "link")
    assert (fc.status, fc.old_mode, fc.mode) == (Status.TYPE_CHANGED, "100644", "120000")
    assert removed(fc) == [(1, "was a file")]
    assert added(fc) == [(1, "a.py")]
    assert fc.is_symlink
    assert added(one(cs, "z.py")) == [(1, "z = 2")] and removed(one(cs, "z.py")) == [
        (1, "z = 1")]


def test_symlink_content_is_its_target(repo: Repo) -> None:
    os.symlink("../secrets/prod.env", repo.path / "env-link")
    repo.add()
    fc = one(staged(repo), "env-link")
    assert fc.mode == "120000" and fc.is_symlink and not fc.binary and fc.skipped is None
    assert added(fc) == [(1, "../secrets/prod.env")]


def test_submodule_is_reported_not_read(repo: Repo) -> None:
    sub = Repo(repo.path.parent / "sub")
    sub.write("s.py", "s = 1\n")
    sub.add()
    first = sub.commit()
    sub.write("s.py", "s = 2\n")
    sub.add()
    second = sub.commit()
    repo.write("a.py", "a = 1\n")
    repo.add()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{first},vendor/sub")

    cs = staged(repo)
    fc = one(cs, "vendor/sub")
    assert (fc.status, fc.mode, fc.skipped, fc.hunks) == (Status.ADDED, "160000",
                                                          "submodule", ())
    assert fc.is_submodule and fc.blob == first
    assert added(one(cs, "a.py")) == [(1, "a = 1")]

    repo.commit()
    repo.git("update-index", "--cacheinfo", f"160000,{second},vendor/sub")
    fc = one(staged(repo), "vendor/sub")
    assert (fc.status, fc.skipped, fc.old_blob, fc.blob) == (Status.MODIFIED, "submodule",
                                                             first, second)


def test_unmerged_paths_are_reported_not_misread(repo: Repo) -> None:
    repo.write("c.py", "base\n")
    repo.add()
    repo.commit()
    repo.git("checkout", "-q", "-b", "other")
    repo.write("c.py", "other\n")
    repo.add()
    repo.commit("other")
    repo.git("checkout", "-q", "main")
    repo.write("c.py", "main\n")
    repo.write("d.py", "d = 1\n")
    repo.add()
    repo.commit("main")
    assert repo.git("merge", "-q", "other", check=False).returncode != 0
    repo.write("e.py", "e = 1\n")
    repo.add("e.py")

    cs = staged(repo)
    assert one(cs, "c.py").skipped == "unmerged"
    assert added(one(cs, "e.py")) == [(1, "e = 1")]
    assert cs.tree is None  # no tree can be written from a conflicted index


# --- content odd cases -----------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def test_binary_file_is_flagged_and_skipped(repo: Repo) -> None:
    repo.write("logo.png", PNG)
    repo.add()
    fc = one(staged(repo), "logo.png")
    assert (fc.binary, fc.skipped, fc.hunks, fc.size) == (True, "binary", (), len(PNG))


def test_gitattributes_cannot_hide_text_as_binary(repo: Repo) -> None:
    # `-diff` (or `binary`) in .gitattributes makes git print "Binary files differ"
    # for text; an identity check must still see the lines.
    repo.write(".gitattributes", "*.py -diff\nauth.py binary\n")
    repo.write("login.py", "password = 'x'\n")
    repo.write("auth.py", "token = 'y'\n")
    repo.write("real.png", PNG)
    repo.add()
    cs = staged(repo)
    assert added(one(cs, "login.py")) == [(1, "password = 'x'")]
    assert added(one(cs, "auth.py")) == [(1, "token = 'y'")]
    assert not one(cs, "login.py").binary
    assert one(cs, "real.png").skipped == "binary"

    repo.commit()
    repo.write("login.py", "password = 'x'\npassword2 = 'z'\n")
    repo.add()
    fc = one(staged(repo), "login.py")
    assert added(fc) == [(2, "password2 = 'z'")] and removed(fc) == []


def test_file_over_max_size_is_skipped_and_said_so(repo: Repo) -> None:
    limit = 1000
    repo.write("small.py", "x" * (limit - 1) + "\n")      # exactly the limit: read
    repo.write("big.py", "y" * limit + "\n")              # one byte over: skipped
    repo.add()
    cs = staged(repo, max_file_size=limit)
    assert one(cs, "small.py").skipped is None and len(one(cs, "small.py").added) == 1
    big = one(cs, "big.py")
    assert big.skipped == f"too large ({limit + 1} bytes > {limit})"
    assert big.size == limit + 1 and big.hunks == ()


def test_default_size_limit_is_two_megabytes(repo: Repo) -> None:
    line = b"k" * 99 + b"\n"
    repo.write("huge.txt", line * 20_001)  # 2_000_100 bytes of text
    repo.write("ok.txt", "fine\n")
    repo.add()
    cs = staged(repo)
    assert changes.DEFAULT_MAX_FILE_SIZE == 2_000_000
    huge = one(cs, "huge.txt")
    assert huge.skipped == "too large (2000100 bytes > 2000000)" and huge.hunks == ()
    assert added(one(cs, "ok.txt")) == [(1, "fine")]


def test_large_old_side_is_skipped_too(repo: Repo) -> None:
    # Shrinking or deleting a huge file must not make git diff it either.
    repo.write("shrinks.txt", "x\n" * 3000)
    repo.write("deleted.txt", "y\n" * 3000)
    repo.add()
    repo.commit()
    repo.write("shrinks.txt", "x\n")
    repo.git("rm", "-q", "deleted.txt")
    repo.add()
    cs = staged(repo, max_file_size=1000)
    assert one(cs, "shrinks.txt").skipped == "too large (6000 bytes > 1000)"
    deleted = one(cs, "deleted.txt")
    assert deleted.status is Status.DELETED
    assert deleted.skipped == "too large (6000 bytes > 1000)" and deleted.hunks == ()


def test_non_utf8_content_is_decoded_with_replacement(repo: Repo) -> None:
    repo.write("latin1.py", b"name = 'caf\xe9'\nok = 1\n")
    repo.add()
    fc = one(staged(repo), "latin1.py")
    assert added(fc) == [(1, "name = 'caf\ufffd'"), (2, "ok = 1")]
    assert not fc.binary


def test_crlf_lines_have_no_carriage_return(repo: Repo) -> None:
    repo.write("win.py", b"a = 1\r\nb = 2\r\n")
    repo.add()
    repo.commit()
    repo.write("win.py", b"a = 1\r\nb = 3\r\nc = 4\r\n")
    repo.add()
    fc = one(staged(repo), "win.py")
    assert added(fc) == [(2, "b = 3"), (3, "c = 4")]
    assert removed(fc) == [(2, "b = 2")]
    assert all("\r" not in ln.text for h in fc.hunks for ln in h.lines)


@pytest.mark.parametrize("name", [
    "with space.py", 'quo"te.py', "new\nline.py", "tab\there.py", "back\\slash.py",
    "ünïcödé/認証.py", "-dash.py", ":colon.py", "diff --git a.py",
])
def test_odd_paths_are_exact(repo: Repo, name: str) -> None:
    repo.write(name, "secret_key = 1\n")
    repo.write("after.py", "after = 1\n")
    repo.add()
    cs = staged(repo)
    assert sorted(f.path for f in cs.files) == sorted([name, "after.py"])
    assert added(one(cs, name)) == [(1, "secret_key = 1")]
    assert added(one(cs, "after.py")) == [(1, "after = 1")]


def test_a_path_that_is_not_utf8(repo: Repo) -> None:
    name = b"caf\xe9.py".decode("utf-8", "surrogateescape")
    (repo.path / b"caf\xe9.py".decode("utf-8", "surrogateescape")).write_bytes(b"k = 1\n")
    repo.add()
    fc = one(staged(repo), name)
    assert added(fc) == [(1, "k = 1")]
    assert fc.path.encode("utf-8", "surrogateescape") == b"caf\xe9.py"


def test_odd_paths_in_a_rename(repo: Repo) -> None:
    repo.write('old "dir"/a\nb.py', numbered(10))
    repo.add()
    repo.commit()
    (repo.path / "neu").mkdir()
    repo.git("mv", 'old "dir"/a\nb.py', "neu/ü b.py")
    fc = one(staged(repo), "neu/ü b.py")
    assert (fc.status, fc.old_path, fc.hunks) == (Status.RENAMED, 'old "dir"/a\nb.py', ())


def test_content_that_looks_like_a_diff_header(repo: Repo) -> None:
    body = "diff --git a/x b/x\n@@ -1 +1 @@\n--- a/y\n+++ b/y\nBinary files a and b differ\n"
    repo.write("doc.md", body)
    repo.write("z.py", "z = 1\n")
    repo.add()
    cs = staged(repo)
    assert [t for _, t in added(one(cs, "doc.md"))] == body.splitlines()
    assert added(one(cs, "z.py")) == [(1, "z = 1")]


# --- user configuration does not change what authgate sees -----------------------------

def _build_history(repo: Repo) -> None:
    repo.write("a b/auth.py", numbered(20))
    repo.write("ü.py", "x\n\ny\n")
    repo.write("gone.py", "g\n")
    repo.add()
    repo.commit("base")
    repo.git("mv", "a b/auth.py", "a b/login.py")
    repo.write("a b/login.py", numbered(20).replace("line 9\n", "line nine\n"))
    repo.write("ü.py", "x\n\ny\nz\n")
    repo.git("rm", "-q", "gone.py")
    repo.write("sub dir/new.py", "n = 1\n")
    repo.add()
    repo.git("commit", "-q", "--no-verify", "-m", "caf\u00e9 change")


def _snapshot(repo: Repo) -> tuple[object, ...]:
    cwd = str(repo.path)
    repo.write("ü.py", "x\n\ny\nz\nstaged\n")
    repo.add("ü.py")
    result = (changes.staged(cwd=cwd).files, changes.commit("HEAD", cwd=cwd),
              changes.tree("HEAD", cwd=cwd).files)
    repo.git("reset", "-q")  # the scratch repository's own index, not the project's
    return result


def test_user_config_does_not_change_the_diff(repo: Repo) -> None:
    _build_history(repo)
    plain = _snapshot(repo)
    cs = plain[1]
    assert isinstance(cs, ChangeSet)
    assert one(cs, "a b/login.py").old_path == "a b/auth.py"
    assert cs.message == "caf\u00e9 change\n"

    ext = repo.write("ext-diff.sh", "#!/bin/sh\necho EXTERNAL\n")
    ext.chmod(0o755)
    (repo.path / "order").write_text("ü.py\n")
    for key, value in [
        ("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true"),
        ("diff.renames", "false"), ("color.ui", "always"), ("color.diff", "always"),
        ("diff.external", str(ext)), ("core.quotepath", "true"),
        ("diff.suppressBlankEmpty", "true"), ("diff.relative", "true"),
        ("diff.context", "0"), ("diff.interHunkContext", "10"),
        ("diff.orderFile", str(repo.path / "order")), ("diff.algorithm", "patience"),
        ("i18n.logOutputEncoding", "ISO-8859-1"), ("log.showSignature", "true"),
        ("core.abbrev", "7"), ("diff.submodule", "diff"), ("diff.ignoreSubmodules", "all"),
    ]:
        repo.git("config", key, value)
    assert _snapshot(repo) == plain


def test_environment_does_not_change_the_diff(repo: Repo, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    _build_history(repo)
    plain = _snapshot(repo)
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "/bin/false")
    monkeypatch.setenv("GIT_DIFF_OPTS", "--unified=0")
    monkeypatch.setenv("GIT_PAGER", "false")
    assert _snapshot(repo) == plain


def test_only_the_named_environment_variables_are_captured(repo: Repo) -> None:
    repo.write("a", "a\n")
    repo.add()
    env = {"CLAUDECODE": "1", "HOME": "/x", "AIDER_MODEL": "m", "CLAUDE_X": "2"}
    assert staged(repo).environment == {}
    named = changes.with_environment(staged(repo), ("CLAUDECODE", "AIDER_MODEL", "GONE"), env)
    assert named.environment == {"CLAUDECODE": "1", "AIDER_MODEL": "m"}


def test_agent_trace_is_read_from_the_work_tree(repo: Repo) -> None:
    repo.write("a", "a\n")
    repo.add()
    assert staged(repo).agent_trace is None
    repo.write(".agent-trace/traces.jsonl", '{"tool": "x"}\n')
    assert staged(repo).agent_trace == '{"tool": "x"}\n'


def test_with_message_replaces_only_the_message(repo: Repo) -> None:
    repo.write("a", "a\n")
    repo.add()
    cs = staged(repo)
    msg = cs.with_message("hello")
    assert msg.message == "hello" and msg.files == cs.files and msg.tree == cs.tree


# --- a created file's hunk is read whole ----------------------------------------------

CREATED = {
    "crlf.py": b"a = 1\r\nb = 2\r\n",
    "cr-at-end.py": b"a\r\nlast\r",
    "lone-cr.txt": b"one\rstill one\r\r\ntwo\n",
    "no-eol.py": b"x = 1\ny = 2",
    "bad-utf8.py": b"caf\xe9\n\xe2\x82\n\xf0\x9f\x98\r\nok \xe2\x82\xac\n\xff\xfe end",
    "tags.txt": b"+plus\n-minus\n space\n@@ -1 +1 @@\n\\ No newline at end of file\n\n+",
    "blank.txt": b"\n",
    "blanks.txt": b"\n\n\n",
    "one.txt": b"only",
    "header.md": b"diff --git a/x b/x\n+++ b/x\n--- a/x\n",
}


def test_a_created_file_is_read_as_the_line_by_line_parser_reads_it(repo: Repo) -> None:
    # A tree scan reads every file as created: its one hunk is cut and decoded whole.
    # Through real git, every such section gives exactly the hunks the general
    # parser builds line by line, and the whole-file path is the one taken.
    from authgate.changes.diff import _split_sections
    from authgate.changes.hunks import _created, _parse_any

    for name, content in CREATED.items():
        repo.write(name, content)
    repo.add()
    repo.commit()
    raw = repo.git("diff", "--raw", "-p", "-z", *gitio.DIFF_FLAGS, "--no-renames",
                   gitio.EMPTY_TREE, "HEAD").stdout
    patch = raw[raw.index(b"\x00diff --git ") + 1:]
    sections = _split_sections(patch)
    assert len(sections) == len(CREATED)
    for section in sections:
        fast, slow = _created(section), _parse_any(section)
        assert fast is not None and fast == slow, section[:60]
    files = {f.path: f for f in changes.tree(cwd=str(repo.path)).files}
    assert [ln.text for ln in files["cr-at-end.py"].added] == ["a", "last"]
    assert [ln.text for ln in files["bad-utf8.py"].added] == [
        "caf\ufffd", "\ufffd", "\ufffd", "ok \u20ac", "\ufffd\ufffd end"]
    assert [(ln.new, ln.text) for ln in files["tags.txt"].added][:4] == [
        (1, "+plus"), (2, "-minus"), (3, " space"), (4, "@@ -1 +1 @@")]


def test_a_modified_file_is_not_taken_for_a_created_one(repo: Repo) -> None:
    from authgate.changes.hunks import _created

    repo.write("f.py", numbered(5))
    repo.add()
    repo.commit()
    repo.write("f.py", numbered(5) + "more\n")
    repo.add()
    section = repo.git("diff", "--cached", *gitio.DIFF_FLAGS).stdout
    assert _created(section) is None
    assert added(one(staged(repo), "f.py")) == [(6, "more")]


def test_reading_a_tree_leaves_the_garbage_collector_as_it_found_it(repo: Repo) -> None:
    # The collector is paused while a batch is built (its objects hold no cycle), and
    # given back as it was: on, or off when the caller had turned it off.
    import gc

    repo.write("a.py", numbered(50))
    repo.add()
    repo.commit()
    assert gc.isenabled()
    assert len(changes.tree(cwd=str(repo.path)).files[0].added) == 50
    assert gc.isenabled()
    gc.disable()
    try:
        changes.tree(cwd=str(repo.path))
        assert not gc.isenabled()
    finally:
        gc.enable()


def _hunks_line_by_line(section: bytes) -> list[tuple[int, int, list[tuple[object, ...]]]]:
    # The patch format read one line at a time, the way the parser once did: the
    # reference the whole-body parser must agree with.
    hunks: list[tuple[int, int, list[tuple[object, ...]]]] = []
    old = new = 0
    for raw in section.split(b"\n"):
        if raw.startswith(b"@@ "):
            parts = raw.split(b" ")
            old = max(int(parts[1][1:].split(b",")[0]), 1)
            new = max(int(parts[2][1:].split(b",")[0]), 1)
            hunks.append((old, new, []))
            continue
        if not hunks or not raw:
            continue
        data = raw[1:][:-1] if raw.endswith(b"\r") else raw[1:]
        text = data.decode("utf-8", "replace")
        tag = raw[:1]
        if tag == b"+":
            hunks[-1][2].append(("+", text, None, new))
            new += 1
        elif tag == b"-":
            hunks[-1][2].append(("-", text, old, None))
            old += 1
        elif tag == b" ":
            hunks[-1][2].append((" ", text, old, new))
            old += 1
            new += 1
    return hunks


def test_hunks_of_edited_files_read_as_line_by_line(repo: Repo) -> None:
    # Each hunk's body is decoded whole and split; through real git, on CRLF and
    # lone CR, bad UTF-8, a missing final newline on either side, several hunks and
    # content that looks like a hunk header, it agrees with reading line by line.
    from authgate.changes.diff import _split_sections
    from authgate.changes.hunks import _parse_any

    before = {name: content + b"".join(b"filler %d\n" % i for i in range(30))
              for name, content in CREATED.items()}
    for name, content in before.items():
        repo.write(name, content)
    repo.add()
    repo.commit()
    for name, content in before.items():
        edited = content.replace(b"filler 3\n", b"@@ -1 +1 @@\r\n\xe2\x82\n")
        edited = edited.replace(b"filler 20\n", b"\\ No newline\n") + b"tail\r"
        repo.write(name, b"+top \xff\r\n" + edited)
    repo.add()
    sections = _split_sections(repo.git("diff", "--cached", *gitio.DIFF_FLAGS).stdout)
    assert len(sections) == len(CREATED)
    for section in sections:
        hunks = _parse_any(section)
        assert len(hunks) >= 2
        assert [(h.old_start, h.new_start, [tuple(ln) for ln in h.lines]) for h in hunks] \
            == _hunks_line_by_line(section), section[:60]


def test_parsing_a_large_diff_leaves_the_garbage_collector_as_it_found_it(repo: Repo
                                                                          ) -> None:
    import gc

    from authgate.changes.diff import PAUSE_COLLECTOR_FROM

    repo.write("big.py", numbered(PAUSE_COLLECTOR_FROM // 5))
    repo.add()
    assert gc.isenabled()
    assert len(one(staged(repo), "big.py").added) == PAUSE_COLLECTOR_FROM // 5
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(one(staged(repo), "big.py").added) == PAUSE_COLLECTOR_FROM // 5
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- where the repository is -----------------------------------------------------------


def test_locations_is_the_top_level_and_git_dir_of_a_linked_worktree_too(
        repo: Repo, tmp_path: Path) -> None:
    repo.write("a.py", "x = 1\n")
    repo.add()
    repo.git("commit", "-q", "--no-verify", "-m", "a")
    sub = repo.path / "pkg"
    sub.mkdir()
    top = gitio.toplevel(str(sub))
    assert gitio.locations(str(sub)) == (top, gitio.git_dir(str(sub)))
    assert gitio.locations(str(sub))[1] == os.path.join(top, ".git")
    # A linked worktree has a git directory of its own, outside its top level.
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked))
    top, git_dir = gitio.locations(str(linked))
    assert top == gitio.toplevel(str(linked)) and git_dir == gitio.git_dir(str(linked))
    assert not git_dir.startswith(top)


def test_locations_of_a_path_with_a_line_break_asks_for_each_alone(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines"
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    top, git_dir = gitio.locations(str(path))
    assert top == gitio.toplevel(str(path)) and top.endswith("two\nlines")
    assert git_dir == os.path.join(top, ".git")


def test_locations_outside_a_repository_says_so(tmp_path: Path) -> None:
    with pytest.raises(gitio.GitError, match="not a git repository"):
        gitio.locations(str(tmp_path))


def test_read_objects_reads_each_name_as_git_names_it(repo: Repo) -> None:
    repo.write("a b.json", '{"k": 1}\n')
    repo.write("dir/f.txt", "")
    repo.add()
    head = repo.commit()
    repo.write("a b.json", '{"k": 2}\n')
    repo.add()
    got = gitio.read_objects(["HEAD^{commit}", ":a b.json", "HEAD:a b.json", "HEAD:dir",
                              ":dir/f.txt", ":absent"], cwd=str(repo.path))
    assert got[0] is not None and got[0][:2] == (head, "commit")
    assert got[1] is not None and got[1][1:] == ("blob", b'{"k": 2}\n')  # the index's copy
    assert got[2] is not None and got[2][1:] == ("blob", b'{"k": 1}\n')
    assert got[3] is not None and got[3][1] == "tree"
    assert got[4] is not None and got[4][1:] == ("blob", b"")
    assert got[5] is None
    assert gitio.read_objects([], cwd=str(repo.path)) == []
    with pytest.raises(ValueError):
        gitio.read_objects([":a\nb"], cwd=str(repo.path))


@pytest.mark.parametrize("baseline", [".secrets.baseline", "conf/my baseline.json", "../outside",
                                      "conf", "absent.json"])
def test_staged_reads_head_and_the_baseline_as_asked_apart(repo: Repo, baseline: str) -> None:
    # One git call answers both; a name cat-file --batch cannot take (a path outside the
    # work tree stops it) is asked apart, with the same answers.
    repo.write("a.txt", "a\n")
    repo.write(".secrets.baseline", '{"results": {}}\n')
    repo.write("conf/my baseline.json", '{"results": {"x": []}}\n')
    repo.add()
    head = repo.commit()
    repo.write("b.txt", "b\n")
    repo.add()
    cs = staged(repo, baseline=baseline)
    assert cs.revision == head and cs.parents == (head,)
    assert cs.secrets_baseline == changes.read_blob(f":{baseline}", cwd=str(repo.path))
    expected = {".secrets.baseline": '{"results": {}}\n',
                "conf/my baseline.json": '{"results": {"x": []}}\n'}.get(baseline)
    assert cs.secrets_baseline == expected


def test_staged_before_the_first_commit_has_no_head(repo: Repo) -> None:
    repo.write(".secrets.baseline", '{"results": {}}\n')
    repo.add()
    cs = staged(repo, baseline=".secrets.baseline")
    assert (cs.revision, cs.parents) == (None, ())
    assert cs.secrets_baseline == '{"results": {}}\n'
    assert [f.path for f in cs.files] == [".secrets.baseline"]
