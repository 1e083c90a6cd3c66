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
