"""Where a file or a line sits: test, fixture, docs, config or code; comment or not.

Leak severity and test evidence both depend on it, so the classification lives once.
A diff shows only pieces of a file, so line-level answers are best effort: a hunk that
starts inside a docstring or a block comment is read as code until a delimiter shows.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Sequence

from authgate.pathmatch import globs_regex

TEST_GLOBS = ("test_*.py", "*_test.py", "tests/", "test/", "spec/", "__tests__/",
              "*.test.*", "*.spec.*", "*Test.java", "*Tests.java", "*_test.go",
              "*_spec.rb", "*Test.kt", "*Tests.cs", "testing/")
FIXTURE_GLOBS = ("fixtures/", "fixture/", "testdata/", "__fixtures__/", "__mocks__/",
                 "mocks/", "seeds/", "*.fixture.*", "conftest.py", "*.snap", "cassettes/")
DOC_GLOBS = ("*.md", "*.rst", "*.txt", "*.adoc", "docs/", "doc/", "*.ipynb")
CONFIG_GLOBS = ("*.yml", "*.yaml", "*.toml", "*.ini", "*.cfg", "*.conf", "*.properties",
                "*.json", "*.env", ".env*", "*.tf", "*.tfvars", "Dockerfile", "*.xml",
                "*.cnf", ".npmrc", ".pypirc", ".netrc", "_netrc", ".htpasswd", ".htaccess",
                ".gitconfig", ".editorconfig")

_CONTEXT_GLOBS = (("fixture", FIXTURE_GLOBS), ("test", TEST_GLOBS), ("docs", DOC_GLOBS),
                  ("config", CONFIG_GLOBS))

# The contexts a line can have, as findings carry them.
LINE_CONTEXTS = ("code", "comment", "test", "fixture", "docs", "config")


def file_context(path: str) -> str:
    """One of "fixture", "test", "docs", "config", "code" for a repository path: the
    first of the glob lists (fixture, test, docs, config) with a glob that matches it
    (`pathmatch.any_match`), else "code"."""
    m = _contexts().match(path)
    return m.lastgroup or "code" if m else "code"


@functools.lru_cache(maxsize=1)
def _contexts() -> re.Pattern[str]:
    # One regex, each list one named alternative of anchored globs: the first list
    # that matches is the one `match` reports (every family asks of every file: the
    # lists one glob at a time cost several regex calls a path).
    parts = []
    for name, globs in _CONTEXT_GLOBS:
        rx = globs_regex(globs)
        assert rx is not None  # no list is empty
        parts.append(f"(?P<{name}>{rx.pattern})")
    return re.compile("|".join(parts), re.DOTALL)


def is_test_path(path: str) -> bool:
    return file_context(path) in ("test", "fixture")


_HASH = ("#",)
_LINE_COMMENT = {
    ".py": _HASH, ".pyi": _HASH, ".rb": _HASH, ".sh": _HASH, ".bash": _HASH, ".zsh": _HASH,
    ".yml": _HASH, ".yaml": _HASH, ".toml": _HASH, ".tf": ("#", "//"), ".hcl": ("#", "//"),
    ".pl": _HASH, ".r": _HASH, ".ex": _HASH, ".exs": _HASH, ".ps1": _HASH, ".cmake": _HASH,
    ".mk": _HASH, ".nix": _HASH, ".env": _HASH, ".dockerfile": _HASH, ".gitignore": _HASH,
    ".sql": ("--",), ".lua": ("--",), ".hs": ("--",),
    ".ini": (";", "#"), ".cfg": (";", "#"), ".conf": ("#",), ".properties": ("#", "!"),
    ".npmrc": (";", "#"), ".pypirc": (";", "#"), ".netrc": _HASH, ".htpasswd": _HASH,
    ".php": ("//", "#", "/*", "*"), ".erl": ("%",), ".tex": ("%",), ".el": (";",),
    ".clj": (";",), ".lisp": (";",), ".vb": ("'",), ".bat": ("::", "rem ", "REM "),
    ".cmd": ("::", "rem ", "REM "),
}
# Names without a telling extension.
_BY_NAME = {"dockerfile": _HASH, "makefile": _HASH, "gemfile": _HASH, "rakefile": _HASH,
            "procfile": _HASH, "caddyfile": _HASH, "jenkinsfile": ("//", "/*", "*")}
_C_STYLE = ("//", "/*", "*", "*/")
_MARKUP = (".html", ".htm", ".xml", ".vue", ".svelte", ".md", ".xhtml", ".jsp", ".aspx")


@functools.lru_cache(maxsize=4096)
def _markers(path: str) -> tuple[str, ...]:
    base = posixpath.basename(path)
    lowered = base.lower()
    if lowered.startswith(".env"):
        return _HASH
    if lowered in _BY_NAME:
        return _BY_NAME[lowered]
    ext = posixpath.splitext(base)[1].lower() or lowered  # ".npmrc" has no extension
    return _LINE_COMMENT.get(ext, _C_STYLE)


def _ext(path: str) -> str:
    return posixpath.splitext(path)[1].lower()


def is_comment(path: str, text: str) -> bool:
    """Whether a line is a comment (or a docstring/comment-block line), by its start."""
    return _is_comment(text, _markers(path), _ext(path))


def _is_comment(text: str, markers: tuple[str, ...], ext: str) -> bool:
    stripped = text.lstrip()
    if not stripped:
        return False
    if stripped.startswith(markers):
        return True
    if ext == ".py" and stripped.startswith(('"""', "'''")):
        return True
    return bool(ext in _MARKUP and stripped.startswith("<!--"))


def comment_start(path: str, text: str) -> int | None:
    """Where a comment begins on a line of code (a trailing `# ...` or `// ...`), or None.

    Markers inside string literals do not count, so `"http://x"` is not a comment."""
    markers = _trailing_markers(path)
    if not any(m in text for m in markers):
        return None  # no marker anywhere: nothing to lex
    for run_start, run_end in code_runs(text):
        # A marker starts in the code run; only its first character need be there.
        found = [at for m in markers if (at := text.find(m, run_start, run_end + len(m) - 1)) >= 0]
        if found:
            return min(found)
    return None


@functools.lru_cache(maxsize=4096)
def _trailing_markers(path: str) -> tuple[str, ...]:
    """The markers that can start a comment after code on a line of `path`."""
    markers = tuple(m for m in _markers(path) if m.strip() not in ("*", "*/"))
    return (*markers, "<!--") if _ext(path) in _MARKUP else markers


def code_runs(text: str, start: int = 0, *, after_word: bool = False) -> list[tuple[int, int]]:
    """The (start, end) spans of `text` from `start` on that lie outside every string
    literal and its quotes (`string_ranges`, with the same `after_word`); end excluded."""
    out = []
    i = start
    for opened, closed in string_ranges(text, start, after_word=after_word):
        out.append((i, opened))
        i = closed + 1  # past the closing quote
    out.append((i, len(text)))
    return out


def in_string(text: str, pos: int) -> bool:
    """Whether position `pos` of a line of code sits inside a quoted string literal."""
    return any(start < pos < end for start, end in string_ranges(text))


def string_ranges(text: str, start: int = 0, *, after_word: bool = False,
                  holes: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """(opening quote, closing quote) positions of the string literals in `text` from
    `start` on, in order; an unclosed one ends at the end of the text. A backslash
    escapes the next character.

    The one lexer of string literals (comments, call arguments and the checks all ask
    it). On a line, a `'` right after a letter or digit is an apostrophe (`don't` in a
    trailing comment) and opens nothing; with `after_word` (a call's arguments, which
    identity reads for a literal key) it opens a prefixed literal (`b'...'`, `r'...'`).

    With `holes`, the code inside literals is lexed too: an f-string's `{...}`
    (not `{{`), a template's `${...}` and a Ruby string's `#{...}` are skipped by their
    braces, whatever quotes they hold, and their insides, (first, last + 1), are added
    to `holes`."""
    out = []
    quote = ""
    fstring = False
    opened = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                out.append((opened, i))
                quote = ""
            elif holes is not None and _hole(text, i, quote, fstring):
                first = text.index("{", i) + 1
                depth, k = 1, first
                while k < n and depth:
                    depth += {"{": 1, "}": -1}.get(text[k], 0)
                    k += 1
                holes.append((first, k - 1))
                i = k
                continue
        elif c in "\"'`" and (after_word or not (c == "'" and i and text[i - 1].isalnum())):
            quote, opened = c, i
            if holes is not None:
                j = i - 1
                while j >= 0 and text[j].isalpha():
                    j -= 1
                fstring = "f" in text[j + 1:i].lower()
        i += 1
    if quote:
        out.append((opened, n))
    return out


def _hole(text: str, i: int, quote: str, fstring: bool) -> bool:
    return (fstring and text[i] == "{" and not text.startswith("{{", i)) \
        or (quote == "`" and text.startswith("${", i)) \
        or (quote == '"' and text.startswith("#{", i))


def blank_strings(text: str) -> str:
    """`text` with each string literal's quotes and body replaced by `""`."""
    out: list[str] = []
    last = 0
    for opened, closed in string_ranges(text):
        out += [text[last:opened], '""']
        last = closed + 1
    return "".join(out) + text[last:]


def comment_flags(path: str, texts: Sequence[str]) -> list[bool]:
    """For consecutive lines of a file: is each one a comment?

    Adds to `is_comment` what needs the lines before: the inside of Python docstrings,
    of `/* ... */` blocks and of `<!-- ... -->` blocks."""
    ext = _ext(path)
    markers = _markers(path)
    c_blocks = "/*" in markers or markers == _C_STYLE
    out: list[bool] = []
    close: str | None = None  # the delimiter that ends the block we are in
    docstring = False  # whether that block is a comment (a docstring) or a string
    python = ext == ".py"
    for text in texts:
        stripped = text.strip()
        if close is not None:
            out.append(docstring)
            if close in stripped:
                close = None
            continue
        out.append(_is_comment(text, markers, ext))
        if python:
            if '"""' not in stripped and "'''" not in stripped:
                continue  # no triple quote: `_triple_opener` finds none
            opener = _triple_opener(stripped)
            if opener is not None:
                delim, at_start = opener
                after = stripped[stripped.index(delim) + 3:]
                if delim not in after:
                    close, docstring = delim, at_start
        elif c_blocks and stripped.startswith("/*") and "*/" not in stripped[2:]:
            close, docstring = "*/", True
        elif ext in _MARKUP and stripped.startswith("<!--") and "-->" not in stripped[4:]:
            close, docstring = "-->", True
    return out


def _triple_opener(stripped: str) -> tuple[str, bool] | None:
    """The triple quote a Python line opens, and whether it starts the statement (a
    docstring or a bare string: prose) rather than a value (`x = \"\"\"...`: data)."""
    positions = [(stripped.find(d), d) for d in ('"""', "'''") if d in stripped]
    if not positions:
        return None
    pos, delim = min(positions)
    head = stripped[:pos]
    if stripped.count(delim) % 2 == 0:
        return None  # opened and closed on this line
    return delim, head.lower() in ("", "r", "u", "b", "f", "rb", "br", "rf", "fr")


def line_context(path: str, comment: bool, file_ctx: str | None = None) -> str:
    """The context a finding on this line carries: the file's kind where that decides
    (test, fixture, docs), else comment, else config or code."""
    ctx = file_context(path) if file_ctx is None else file_ctx
    if ctx in ("test", "fixture", "docs"):
        return ctx
    return "comment" if comment else ctx
