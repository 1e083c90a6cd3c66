"""Where a file or a line sits: test, fixture, docs, config or code; comment or not.

Leak severity and test evidence both depend on it, so the classification lives once.
"""

from __future__ import annotations

import posixpath

from authgate.pathmatch import any_match

TEST_GLOBS = ("test_*.py", "*_test.py", "tests/", "test/", "spec/", "__tests__/",
              "*.test.*", "*.spec.*", "*Test.java", "*Tests.java", "*_test.go",
              "*_spec.rb", "*Test.kt", "*Tests.cs", "testing/")
FIXTURE_GLOBS = ("fixtures/", "fixture/", "testdata/", "__fixtures__/", "__mocks__/",
                 "mocks/", "seeds/", "*.fixture.*", "conftest.py", "*.snap", "cassettes/")
DOC_GLOBS = ("*.md", "*.rst", "*.txt", "*.adoc", "docs/", "doc/", "*.ipynb")
CONFIG_GLOBS = ("*.yml", "*.yaml", "*.toml", "*.ini", "*.cfg", "*.conf", "*.properties",
                "*.json", "*.env", ".env*", "*.tf", "*.tfvars", "Dockerfile", "*.xml")


def file_context(path: str) -> str:
    """One of "fixture", "test", "docs", "config", "code" for a repository path."""
    if any_match(FIXTURE_GLOBS, path):
        return "fixture"
    if any_match(TEST_GLOBS, path):
        return "test"
    if any_match(DOC_GLOBS, path):
        return "docs"
    if any_match(CONFIG_GLOBS, path):
        return "config"
    return "code"


def is_test_path(path: str) -> bool:
    return file_context(path) in ("test", "fixture")


_LINE_COMMENT = {
    ".py": ("#",), ".rb": ("#",), ".sh": ("#",), ".yml": ("#",), ".yaml": ("#",),
    ".toml": ("#",), ".tf": ("#", "//"), ".pl": ("#",), ".r": ("#",), ".ex": ("#",),
    ".exs": ("#",), ".ps1": ("#",), ".sql": ("--",), ".lua": ("--",), ".hs": ("--",),
    ".ini": (";", "#"), ".cfg": (";", "#"), ".conf": ("#",), ".properties": ("#", "!"),
}
_C_STYLE = ("//", "/*", "*", "*/")


def is_comment(path: str, text: str) -> bool:
    """Whether a line is a comment (or a docstring/comment-block line), by its start."""
    stripped = text.lstrip()
    if not stripped:
        return False
    ext = posixpath.splitext(path)[1].lower()
    markers = _LINE_COMMENT.get(ext, _C_STYLE)
    if stripped.startswith(markers):
        return True
    if ext == ".py" and stripped.startswith(('"""', "'''")):
        return True
    return bool(ext in (".html", ".xml", ".vue", ".svelte", ".md") and stripped.startswith("<!--"))
