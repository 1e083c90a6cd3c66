"""Where a line sits (checks/context.py): the file's kind, and comment or code."""

from __future__ import annotations

import pytest

from authgate.checks.context import (
    comment_flags,
    comment_start,
    file_context,
    in_string,
    is_comment,
    is_test_path,
    line_context,
)


@pytest.mark.parametrize(("path", "kind"), [
    ("src/auth/login.py", "code"), ("tests/test_login.py", "test"), ("pkg/login_test.go", "test"),
    ("web/login.spec.ts", "test"), ("tests/fixtures/users.json", "fixture"),
    ("app/testdata/token.txt", "fixture"), ("conftest.py", "fixture"), ("docs/guide.md", "docs"),
    ("README.rst", "docs"), ("deploy/values.yaml", "config"), (".env.local", "config"),
    ("ops/.netrc", "config"), (".npmrc", "config"), (".pypirc", "config"),
    ("conf/.htpasswd", "config"), ("my.cnf", "config"), ("Dockerfile", "config"),
])
def test_file_context(path: str, kind: str) -> None:
    assert file_context(path) == kind
    assert is_test_path(path) == (kind in ("test", "fixture"))


@pytest.mark.parametrize(("path", "text", "comment"), [
    ("a.py", "# note", True), ("a.py", "x = 1  # note", False), ("a.py", '"""Doc."""', True),
    ("a.js", "// note", True), ("a.js", " * inside a block", True), ("a.go", "x := 1", False),
    (".env", "# local overrides", True), (".env.production", "# x", True),
    ("Dockerfile", "# base image", True), ("a.php", "# note", True), ("q.sql", "-- note", True),
    ("a.ini", "; note", True), (".npmrc", "; note", True), ("page.html", "<!-- note -->", True),
    ("a.py", "", False),
])
def test_is_comment(path: str, text: str, comment: bool) -> None:
    assert is_comment(path, text) is comment


@pytest.mark.parametrize(("path", "text", "start"), [
    ("a.py", "x = 1  # db.corp", 7),
    ("a.py", 'x = "#not a comment"', None),
    ("a.py", "x = 'it''s'  # yes", 13),
    ("a.py", "msg = \"don't\"  # c", 15),
    ("a.js", 'const u = "http://a/b"; // c', 24),
    ("a.js", "const u = `http://a/${b}`;", None),
    ("a.yaml", "host: x  # was y", 9),
    ("page.html", "<p>x</p> <!-- c -->", 9),
    ("a.py", 'x = "a\\"#b"', None),
])
def test_comment_start(path: str, text: str, start: int | None) -> None:
    assert comment_start(path, text) == start


def test_in_string() -> None:
    text = 'x = "db.corp" + y.local'
    assert in_string(text, text.index("db.corp")) is True
    assert in_string(text, text.index("y.local")) is False
    assert in_string("don't 'x.corp'", 7) is True


def test_comment_flags_follow_docstrings_and_blocks() -> None:
    py = ['"""Module doc.', "", "Talks to db.corp.", '"""', "X = 1", 'SQL = """',
          "select 1", '"""', "def f():", "    '''One line.'''", "    return 1"]
    assert comment_flags("m.py", py) == [True, True, True, True, False, False, False, False,
                                         False, True, False]
    js = ["/*", " start", " end */", "x = 1", "/** one line */", "y = 2"]
    assert comment_flags("m.js", js) == [True, True, True, False, True, False]
    html = ["<!--", "hidden", "-->", "<p>shown</p>"]
    assert comment_flags("p.html", html) == [True, True, True, False]


@pytest.mark.parametrize(("path", "comment", "context"), [
    ("src/a.py", False, "code"), ("src/a.py", True, "comment"), ("tests/test_a.py", True, "test"),
    ("tests/fixtures/a.yaml", False, "fixture"), ("docs/a.md", True, "docs"),
    ("deploy/a.yaml", False, "config"), ("deploy/a.yaml", True, "comment"),
])
def test_line_context(path: str, comment: bool, context: str) -> None:
    assert line_context(path, comment) == context
