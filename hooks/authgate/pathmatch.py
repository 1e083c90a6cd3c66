"""Path patterns with gitignore semantics, as rules, config and CODEOWNERS use them.

- a pattern without a slash (other than a trailing one) matches a name at any depth;
- a leading `/` or an inner slash anchors it at the repository root;
- `**` as a whole segment spans directories (`**/x`, `a/**/b`, `a/**`); anywhere
  else it is an ordinary `*`; `*` and `?` stay within one segment;
- `[...]` is a class (`[!...]` or `[^...]` negates it) and never matches `/`;
- a trailing `/` matches a directory, which means everything below it;
- a pattern that matches a directory matches every path below it.

Matching is case-sensitive, as git's is by default; `ignore_case=True` is for
callers that judge names people spell freely (`Auth/`, `OAuth.java`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable


@functools.lru_cache(maxsize=4096)
def compile_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    pat = pattern.strip()
    dir_only = pat.endswith("/")
    pat = pat.rstrip("/")
    anchored = pat.startswith("/") or "/" in pat
    pat = pat.lstrip("/")
    out = []
    i = 0
    n = len(pat)
    while i < n:
        c = pat[i]
        if pat.startswith("**", i) and (i == 0 or pat[i - 1] == "/") \
                and (i + 2 == n or pat[i + 2] == "/"):
            if i + 2 == n:
                # `a/**`: everything inside a (and `**` alone: everything).
                out.append(".*")
                i += 2
            else:
                # `**/`: zero or more whole directories.
                out.append("(?:[^/]*/)*")
                i += 3
        elif c == "*":
            while i < n and pat[i] == "*":  # `**` inside a name is a plain `*`
                i += 1
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            cls, i = _char_class(pat, i)
            out.append(cls)
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # A directory pattern (or any match of a leading part) covers what is below it.
    suffix = "/.*" if dir_only else "(?:/.*)?"
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(f"^{prefix}{body}{suffix}$", flags)


def _char_class(pat: str, start: int) -> tuple[str, int]:
    """`[...]` at `start` as a regex class that never matches '/', and the index after
    it. An unclosed `[` makes the whole pattern match nothing, as in git (wildmatch)."""
    i = start + 1
    negate = i < len(pat) and pat[i] in "!^"
    if negate:
        i += 1
    members = []
    first = True
    while i < len(pat) and (pat[i] != "]" or first):
        c = pat[i]
        if c == "\\" and i + 1 < len(pat):
            members.append(re.escape(pat[i + 1]))
            i += 2
        elif c == "-" and members and i + 1 < len(pat) and pat[i + 1] != "]":
            members.append("-")
            i += 1
        else:
            members.append(re.escape(c))
            i += 1
        first = False
    if i >= len(pat):
        return "(?!)", len(pat)
    body = "".join(members)
    return (f"[^/{body}]" if negate else f"(?!/)[{body}]"), i + 1


def matches(pattern: str, path: str, *, ignore_case: bool = False) -> bool:
    return compile_glob(pattern, ignore_case).match(path) is not None


def any_match(patterns: Iterable[str], path: str, *, ignore_case: bool = False) -> str | None:
    """The first pattern that matches `path`, or None."""
    for pattern in patterns:
        if matches(pattern, path, ignore_case=ignore_case):
            return pattern
    return None
