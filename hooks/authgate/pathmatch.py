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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ahocorasick_rs import AhoCorasick


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


# --- a rule's scope: many paths against a few glob lists ------------------------------


@functools.lru_cache(maxsize=4096)
def literal_core(glob: str) -> str:
    """The longest run of literal text in a glob, lower-cased: a path (lower-cased) that
    does not contain it cannot match, so most paths are turned away by a substring test
    before any regex runs. "" (always ask the regex) for a glob with an escape."""
    pat = glob.strip().lower()
    if "\\" in pat:
        return ""
    runs, run, i = [], "", 0
    while i < len(pat):
        c = pat[i]
        if c == "[":
            # A class; `]` right after `[` (or `[!`, `[^`) belongs to it.
            end = pat.find("]", i + (3 if pat[i + 1:i + 2] in ("!", "^") else 2))
            if end < 0:
                break  # unclosed: the glob matches nothing, any core will do
            runs.append(run)
            run, i = "", end + 1
        elif c in "*?":
            runs.append(run)
            run, i = "", i + 1
        else:
            run, i = run + c, i + 1
    runs.append(run)
    return max((r.strip("/") for r in runs), key=len)


@functools.lru_cache(maxsize=1024)
def _cores(globs: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(literal_core(g) for g in globs)


@functools.lru_cache(maxsize=1024)
def globs_regex(globs: tuple[str, ...], ignore_case: bool = False) -> re.Pattern[str] | None:
    """The globs as one regex: a path matches it when it matches any of them."""
    if not globs:
        return None
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{compile_glob(g).pattern})" for g in globs), flags)


def any_glob(globs: tuple[str, ...], path: str, *, ignore_case: bool = False) -> bool:
    """Whether any of `globs` matches `path`: `any_match` for a list asked about many
    paths (one regex for the list, behind the literal-core prefilter)."""
    lowered = path.lower()
    if not any(map(lowered.__contains__, _cores(globs))):  # asked per rule and path
        return False
    rx = globs_regex(globs, ignore_case)
    return rx is not None and rx.match(path) is not None


def in_scope(paths: tuple[str, ...], exclude_paths: tuple[str, ...], path: str, *,
             ignore_case: bool = False) -> bool:
    """Whether a rule with these `paths` and `exclude_paths` reads `path`: no `paths`
    means every path; `exclude_paths` wins. The one scope test of every family's rules
    (identity's ignore case: LoginController.java and login_controller.py alike)."""
    if paths and not any_glob(paths, path, ignore_case=ignore_case):
        return False
    return not (exclude_paths and any_glob(exclude_paths, path, ignore_case=ignore_case))


class GlobLists:
    """Many glob lists asked about each of many paths (every rule of a family about
    every file of a tree): `matching` says which lists match a path, exactly where
    `any_glob` would, with one pass over the path for all of them.

    The literal cores (`literal_core`) of all the lists' globs are found in the
    lower-cased path by one Aho-Corasick pass (every occurrence, overlapping ones
    included); only a list one of whose cores the path holds (or that has a glob
    without a core) asks its regex. Asking each list in turn cost more than the
    rules that read the file."""

    __slots__ = ("_always", "_automaton", "_cores", "_owners", "_rx", "ignore_case", "index",
                 "lists")

    def __init__(self, lists: Iterable[tuple[str, ...]], *, ignore_case: bool = False) -> None:
        self.ignore_case = ignore_case
        self.lists = list(dict.fromkeys(globs for globs in lists if globs))  # distinct
        self.index = {globs: i for i, globs in enumerate(self.lists)}
        owners: dict[str, list[int]] = {}
        self._always: list[int] = []  # lists with a glob that has no core: always asked
        for i, globs in enumerate(self.lists):
            cores = set(_cores(globs))
            if "" in cores:
                self._always.append(i)
                continue
            for core in sorted(cores):
                owners.setdefault(core, []).append(i)
        self._cores = list(owners)
        self._owners = [owners[c] for c in self._cores]
        self._automaton: AhoCorasick | None = None
        self._rx: list[re.Pattern[str] | None] = [None] * len(self.lists)

    def matching(self, path: str) -> frozenset[int]:
        """The indices (into `lists`) of the lists one of whose globs matches `path`."""
        asked = set(self._always)
        if self._cores:
            if self._automaton is None:
                # Imported here: only a whole tree's or a large change's many paths
                # come this way.
                from ahocorasick_rs import AhoCorasick

                self._automaton = AhoCorasick(self._cores)
            owners = self._owners
            for k, _, _ in self._automaton.find_matches_as_indexes(
                    path.lower(), overlapping=True):
                asked.update(owners[k])
        return frozenset(i for i in asked if self._regex(i).match(path))

    def _regex(self, i: int) -> re.Pattern[str]:
        rx = self._rx[i]
        if rx is None:
            rx = self._rx[i] = globs_regex(self.lists[i], self.ignore_case)
            assert rx is not None  # the lists are not empty
        return rx
