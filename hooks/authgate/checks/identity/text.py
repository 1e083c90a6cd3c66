"""Reading code text the way the identity rules need it: messages filled from a rule's
template, string bodies blanked, keyword sets as one fast regex, and lazily compiled
patterns that keep their compiled form with them."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

# --- patterns ------------------------------------------------------------------------


class Rx:
    """A regex from a rule, compiled the first time a change needs it.

    A commit touches a few dozen of the catalog's patterns; compiling all of them up
    front cost more than the checks. The compiled pattern lives in this object, so
    whoever holds the rule holds its cache."""

    __slots__ = ("_compiled", "flags", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def rx(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.rx.search(text, pos)

    def finditer(self, text: str) -> Iterable[re.Match[str]]:
        return self.rx.finditer(text)

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return self.rx.match(text, pos)

    def findall(self, text: str) -> list[Any]:
        return self.rx.findall(text)

    def sub(self, repl: str, text: str) -> str:
        return self.rx.sub(repl, text)

    def __repr__(self) -> str:
        return f"Rx({self.source!r})"


def keyword_regex(words: Iterable[str]) -> re.Pattern[str]:
    """One regex for many literal keywords, factored as a prefix trie.

    A flat alternation makes `re` try every keyword at every position; the trie shares
    prefixes, which is several times faster on lines that match nothing."""
    trie: dict[str, Any] = {}
    for word in sorted(set(words)):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: Mapping[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    # A keyword that is a prefix of another ends a branch early: "log" and "logger"
    # become log(?:ger)?, and a search for either finds "log".
    return re.compile(build(trie) or "(?!)")


# --- messages ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(template: str, **values: object) -> str:
    """Fill `{name}` placeholders that have a value; leave any other brace alone."""
    return _PLACEHOLDER.sub(
        lambda m: str(values[m[1]]) if m[1] in values else m[0], template)


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- code ----------------------------------------------------------------------------


def code_only(text: str, comment: tuple[str, ...] = ("#", "//")) -> str:
    """`text` with string bodies blanked, interpolations kept, trailing comment dropped.

    So "password reset for %s" does not look like a password, while f"{password}",
    `${token}` and "#{secret}" still do."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if any(text.startswith(c, i) for c in comment):
            break
        ch = text[i]
        if ch not in "\"'`":
            out.append(ch)
            i += 1
            continue
        j = i - 1
        while j >= 0 and text[j].isalpha():
            j -= 1
        prefix = text[j + 1:i].lower()
        fstring = "f" in prefix
        i += 1
        out.append(" ")
        while i < n and text[i] != ch:
            if text[i] == "\\":
                i += 2
                continue
            opens = (fstring and text[i] == "{" and not text.startswith("{{", i)) \
                or (ch == "`" and text.startswith("${", i)) \
                or (ch == '"' and text.startswith("#{", i))
            if opens:
                start = text.index("{", i) + 1
                depth, k = 1, start
                while k < n and depth:
                    depth += {"{": 1, "}": -1}.get(text[k], 0)
                    k += 1
                out.append(f" {text[start:k - 1]} ")
                i = k
                continue
            i += 1
        i += 1
    return "".join(out)


def comment_markers(path: str) -> tuple[str, ...]:
    ext = posixpath.splitext(path)[1].lower()
    if ext in (".py", ".rb", ".sh", ".yml", ".yaml", ".toml", ".r", ".pl", ".ex", ".exs"):
        return ("#",)
    if ext in (".sql", ".lua"):
        return ("--",)
    return ("//",)


_STRIP_SPACE = Rx(r"\s+")


def norm(text: str) -> str:
    """`text` without whitespace: the same code reformatted compares equal."""
    return _STRIP_SPACE.sub("", text)
