"""pathmatch: gitignore semantics. Every case below was also checked against
`git check-ignore --no-index` with the pattern in a .gitignore."""

from __future__ import annotations

import pytest

from authgate.pathmatch import any_glob, any_match, in_scope, matches

CASES = [
    # A name without a slash matches at any depth, and covers what is below it.
    ("*auth*", ["auth.py", "src/oauth.py", "a/b/c/authz/x.go", "src/oauth/deep/x.py",
                "pre_auth_post"], ["src/login.py", "AUTH.py", "au/th.py"]),
    ("login.py", ["login.py", "a/b/login.py"], ["xlogin.py", "login.pyc", "login.py.bak"]),
    ("*.py", ["x.py", "a/b/x.py", "weird.py/inside"], ["x.pyc", "py", "a/x.p"]),
    # A leading slash anchors at the root.
    ("/anchored", ["anchored", "anchored/below/x"], ["a/anchored", "anchoredx", "x/anchored/y"]),
    ("/*.cfg", ["a.cfg"], ["d/a.cfg"]),
    # An inner slash anchors too; * stays within one directory.
    ("src/*.py", ["src/a.py"], ["lib/src/a.py", "src/sub/a.py"]),
    ("config/secrets.yml", ["config/secrets.yml"], ["app/config/secrets.yml"]),
    # A trailing slash: a directory, so everything below it, at any depth.
    ("dir/", ["dir/x", "a/dir/x", "dir/a/b"], ["dir", "dirx/y", "a/dir", "xdir/y"]),
    ("/keys/", ["keys/k.pem"], ["a/keys/k.pem", "keys"]),
    ("src/iam/", ["src/iam/x.py"], ["lib/src/iam/x.py"]),
    # ** as a whole segment.
    ("**/x", ["x", "a/x", "a/b/x", "x/below"], ["ax", "a/xb"]),
    ("a/**/b", ["a/b", "a/x/b", "a/x/y/b", "a/b/c"], ["xa/b", "a/xb", "b", "c/a/b"]),
    ("a/**", ["a/x", "a/x/y"], ["a", "b/a/x", "ab/x"]),
    ("**", ["a", "a/b/c"], []),
    ("src/**/*.pem", ["src/k.pem", "src/a/b/k.pem"], ["k.pem", "lib/src/k.pem"]),
    # ** inside a name is an ordinary *: it does not cross a slash.
    ("foo**bar", ["foobar", "fooXbar", "d/fooXYbar"], ["foo/bar", "foo/x/bar"]),
    ("/a**z", ["az", "abcz"], ["a/z", "a/b/z"]),
    # ? is one character, never a slash.
    ("key?.pem", ["key1.pem", "d/keyA.pem"], ["key.pem", "key12.pem"]),
    ("a?b", ["axb"], ["a/b"]),
    # Classes: sets, ranges, negation with ! or ^, ] first, never a slash.
    ("[abc].py", ["a.py", "d/c.py"], ["d.py", "ab.py"]),
    ("file[0-9].txt", ["file3.txt"], ["filex.txt", "file10.txt"]),
    ("[!a].py", ["b.py", "_.py"], ["a.py"]),
    ("[^a].py", ["b.py"], ["a.py"]),
    ("x[]]y", ["x]y"], ["xy", "x[y"]),
    ("x[!]]y", ["xay"], ["x]y"]),
    ("a[!x]b", ["ayb"], ["a/b", "axb"]),
    ("a[/]b", [], ["a/b"]),
    ("x[-a]y", ["x-y", "xay"], ["xby"]),
    ("[.]env", [".env"], ["xenv"]),
    # An unclosed class matches nothing (git's wildmatch gives up on the pattern).
    ("x[", [], ["x[", "x"]),
    # Escapes and regex metacharacters are literal.
    (r"\*.py", ["*.py"], ["a.py"]),
    ("a+b(c).py", ["a+b(c).py"], ["aab(c).py"]),
    ("$HOME", ["$HOME"], ["HOME"]),
    # Surrounding whitespace is not part of the pattern.
    ("  *.key  ", ["x.key"], ["x.key  "]),
]


@pytest.mark.parametrize("pattern, hits, misses", CASES)
def test_gitignore_semantics(pattern: str, hits: list[str], misses: list[str]) -> None:
    assert [p for p in hits if not matches(pattern, p)] == []
    assert [p for p in misses if matches(pattern, p)] == []


def test_odd_characters_in_paths() -> None:
    assert matches("*.py", "new\nline.py")
    assert matches("*auth*", "ünï/认证auth.py")
    assert matches("with space/", "a/with space/x")


def test_ignore_case_is_opt_in() -> None:
    assert not matches("*auth*", "src/OAuth.java")
    assert matches("*auth*", "src/OAuth.java", ignore_case=True)
    assert any_match(["/src/IAM/"], "src/iam/x.py", ignore_case=True) == "/src/IAM/"


def test_any_match_returns_the_first_matching_pattern() -> None:
    assert any_match(["*.md", "docs/", "*.txt"], "docs/readme.txt") == "docs/"
    assert any_match(["*.md"], "a.py") is None
    assert any_match([], "a.py") is None


@pytest.mark.parametrize("pattern, hits, misses", CASES)
def test_a_rules_scope_agrees_with_the_patterns_one_by_one(
        pattern: str, hits: list[str], misses: list[str]) -> None:
    # in_scope is every family's rule scope test; its literal prefilter must never turn
    # away a path the pattern matches (padding, classes opened by `]`, any case).
    for ignore_case in (False, True):
        assert [p for p in hits if not in_scope((pattern,), (), p, ignore_case=ignore_case)] \
            == []
        assert [p for p in misses if any_glob((pattern,), p)] == []


def test_a_rules_scope_takes_paths_then_exclude_paths() -> None:
    assert in_scope((), (), "any/file.py")
    assert in_scope(("src/",), (), "src/a.py") and not in_scope(("src/",), (), "lib/a.py")
    assert not in_scope(("src/",), ("*_test.py",), "src/a_test.py")
    assert not in_scope((), ("*_test.py",), "src/a_test.py")
    # A class whose first member is `]` has no literal text to require.
    assert in_scope(("[]x]y.py",), (), "dir/xy.py")
    assert not in_scope(("Src/",), (), "src/a.py")
    assert in_scope(("Src/",), (), "src/a.py", ignore_case=True)
