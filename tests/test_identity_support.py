"""The identity tests' ChangeSet builders (tests/testing/identity.py) against git's
own numbering and diff format."""

from __future__ import annotations

from authgate.changes import Status

from testing.identity import hunks, parse_unified


def test_hunks_number_lines_like_git() -> None:
    (h,) = hunks("@@ -10,3 +10,4 @@\n a\n-b\n+c\n+d\n e\n")
    assert [(ln.kind, ln.old, ln.new) for ln in h.lines] == [
        (" ", 10, 10), ("-", 11, None), ("+", None, 11), ("+", None, 12), (" ", 12, 13)]


def test_parse_unified_reads_paths_status_and_hunks() -> None:
    cs = parse_unified(
        "diff --git a/x.py b/x.py\nnew file mode 100644\nindex 0000000..1111111\n"
        "--- /dev/null\n+++ b/x.py\n@@ -0,0 +1,2 @@\n+one\n+two\n"
        "diff --git a/old.py b/new.py\nsimilarity index 90%\n"
        "--- a/old.py\n+++ b/new.py\n@@ -3 +3 @@\n-a\n+b\n")
    assert [(f.path, f.status, f.old_path) for f in cs.files] == [
        ("x.py", Status.ADDED, None), ("new.py", Status.MODIFIED, "old.py")]
    assert [ln.new for ln in cs.files[0].added] == [1, 2]
    assert [(ln.kind, ln.text) for ln in cs.files[1].hunks[0].lines] == [("-", "a"), ("+", "b")]
