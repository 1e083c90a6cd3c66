"""Path globs as the identity rules use them: gitignore semantics, matched without
case, one regex per glob list, and a literal prefilter so most paths never reach it."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from authgate.pathmatch import compile_glob


@functools.lru_cache(maxsize=1024)
def globs_regex(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    """`pathmatch` globs as one regex: a path matches it when it matches any glob.

    Without case: identity code is named LoginController.java, JwtFilter.kt and
    auth_backend.py alike, and a name is what these rules look at."""
    if not globs:
        return None
    return re.compile("|".join(f"(?:{compile_glob(g).pattern})" for g in globs),
                      re.DOTALL | re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def cores(globs: tuple[str, ...]) -> tuple[str, ...]:
    """The longest literal run of each glob, lower-cased: a path that contains none of
    them cannot match, and the glob's regex is never compiled for it."""
    out = []
    for g in globs:
        if "\\" in g:
            return ("",)  # escapes: no safe literal, always ask the regex
        runs = re.split(r"\[[^\]]*\]|[*?]+", g.lower())
        out.append(max((r.strip("/") for r in runs), key=len))
    return tuple(out)


def paths_match(globs: tuple[str, ...], path: str) -> bool:
    lowered = path.lower()
    if not any(core in lowered for core in cores(globs)):
        return False
    rx = globs_regex(globs)
    return rx is not None and rx.match(path) is not None


def first_glob(globs: Sequence[str], path: str) -> str | None:
    for g in globs:
        rx = globs_regex((g,))
        if rx is not None and rx.match(path):
            return g
    return None


def _boundary(name: str, i: int) -> bool:
    """Whether a word may start or end at position `i` of a file name: at either end,
    next to punctuation, where camelCase turns (jwtAuth, JwtAuth, JWTAuth), or between
    letters and digits (oauth2)."""
    if i <= 0 or i >= len(name):
        return True
    a, b = name[i - 1], name[i]
    if not a.isalnum() or not b.isalnum():
        return True
    if a.isdigit() != b.isdigit():
        return True
    if a.islower() and b.isupper():
        return True
    # An acronym ends where a capitalised word starts: JWT|Auth.
    return a.isupper() and b.isupper() and i + 1 < len(name) and name[i + 1].islower()


def named_for(words: Sequence[str], path: str) -> str | None:
    """How the path names one of `words`: a whole word of its file name (auth_backend.py,
    LoginController.java, sessions.py) or a whole folder name (auth/, oauth2/); never
    a piece of a longer name (oauthlib/, better-auth/, author.py, tokenizer.py), nor a
    program's folder under cmd/ (cmd/jwt/ is the project's command-line tool).
    Returns the reason ("word 'auth'", "folder 'auth/'") or None."""
    if not words:
        return None
    *folders, name = path.split("/")
    for i, folder in enumerate(folders):
        if i and folders[i - 1].lower() == "cmd":
            continue  # cmd/<program>/ names a program (Go's layout), like a project name
        lowered = folder.lower()
        for w in words:
            if lowered in (w, w + "s"):
                return f"folder '{folder}/'"
    lowered = name.lower()
    for w in words:
        start = lowered.find(w)
        while start != -1:
            end = start + len(w)
            if end < len(lowered) and lowered[end] == "s" and _boundary(name, end + 1):
                end += 1
            if _boundary(name, start) and _boundary(name, end):
                return f"word '{w}'"
            start = lowered.find(w, start + 1)
    return None
