"""Path patterns with gitignore semantics, as rules, config and CODEOWNERS use them.

- a pattern without a slash (other than a trailing one) matches a name at any depth;
- a leading `/` or an inner slash anchors it at the repository root;
- `**` spans directories, `*` and `?` stay within one, `[...]` is a class;
- a trailing `/` matches a directory, which means everything below it;
- a pattern that matches a directory matches every path below it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable


@functools.lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    pat = pattern.strip()
    dir_only = pat.endswith("/")
    pat = pat.rstrip("/")
    anchored = pat.startswith("/") or "/" in pat
    pat = pat.lstrip("/")
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("/**", i) and i + 3 == len(pat):
            out.append("/.*")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pat.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        elif c == "\\" and i + 1 < len(pat):
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    # A directory pattern (or any match of a leading part) covers what is below it.
    suffix = "/.*" if dir_only else "(?:/.*)?"
    return re.compile(f"^{prefix}{body}{suffix}$", re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    return compile_glob(pattern).match(path) is not None


def any_match(patterns: Iterable[str], path: str) -> str | None:
    """The first pattern that matches `path`, or None."""
    for pattern in patterns:
        if matches(pattern, path):
            return pattern
    return None
