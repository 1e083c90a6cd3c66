"""Reading code text the way the identity rules need it: messages filled from a rule's
template, string bodies blanked, keyword sets as one fast regex, and lazily compiled
patterns that keep their compiled form with them."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from typing import Any

from authgate.checks.context import string_ranges

# --- patterns ------------------------------------------------------------------------


class Rx:
    """A regex from a rule, compiled the first time a change needs it.

    A commit touches a few dozen of the catalog's patterns; compiling all of them up
    front cost more than the checks. The compiled pattern lives in this object, so
    whoever holds the rule holds its cache."""

    __slots__ = ("_compiled", "_folded", "flags", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None
        self._folded: re.Pattern[str] | bool | None = False

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

    def found_in(self, texts: Iterable[str]) -> bool:
        """Whether the pattern matches in one of `texts` (each searched on its own).

        A case-insensitive pattern tries every case of every alternative at every
        position: over megabytes of test code that took seconds. On an ASCII text the
        lower-cased pattern over the lower-cased text matches exactly where the pattern
        matches the text, several times faster; other texts take the pattern itself."""
        folded = self.folded
        for text in texts:
            if folded is not None and text.isascii():
                if folded.search(text.lower()):
                    return True
            elif self.rx.search(text):
                return True
        return False

    @property
    def folded(self) -> re.Pattern[str] | None:
        """The pattern without `(?i)`, lower-cased, when that is exact on ASCII text:
        a case-insensitive ASCII pattern with no escape whose meaning changes with case
        (\\S, \\W, \\D, \\B, \\x41, \\N{...}) and no group that turns case back on."""
        if self._folded is False:
            src = self.source
            ok = src.startswith("(?i)") and src.isascii() and "(?-i" not in src \
                and not _CASE_ESCAPE.search(src)
            self._folded = re.compile(src[4:].lower(), self.flags) if ok else None
        return self._folded  # type: ignore[return-value]


_CASE_ESCAPE = re.compile(r"\\[A-Z0-9xu]")


def keyword_regex(words: Iterable[str]) -> re.Pattern[str]:
    """One regex for many literal keywords, factored as a prefix trie.

    A flat alternation makes `re` try every keyword at every position; the trie shares
    prefixes, which is several times faster on lines that match nothing."""
    return re.compile(_trie(words) or "(?!)")


def _trie(words: Iterable[str]) -> str:
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
    # become log(?:ger)?, and a search for either finds "log"; greedy, the longest
    # keyword that starts at a position is the one matched there.
    return build(trie)


class KeywordIndex:
    """Which rules' keywords a lower-cased line holds, in one regex pass.

    Asking each of a hundred rules "is one of your keywords in this line?" cost more
    than everything else the identity check does on a large tree. Instead the trie is
    tried at every position of the line (a look-ahead, so keywords that overlap or
    contain each other are all seen); the keywords starting at one position are the
    longest one found there and those of its prefixes that are keywords too."""

    __slots__ = ("_at", "_owners")

    def __init__(self, owners: Mapping[str, Iterable[str]]) -> None:
        words = sorted(w for w in owners if w)
        trie = _trie(words)
        self._at = re.compile(f"(?=({trie}))" if trie else "(?!)")
        self._owners = {w: frozenset(r for p in words if w.startswith(p) for r in owners[p])
                        for w in words}

    def rules(self, lowered: str) -> frozenset[str]:
        """The ids of the rules with a keyword in `lowered` (a substring, any place)."""
        found: frozenset[str] = frozenset()
        for m in self._at.finditer(lowered):
            found = found | self._owners[m[1]]
        return found


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
    `${token}` and "#{secret}" still do. The literals are context.string_ranges'."""
    holes: list[tuple[int, int]] = []
    out: list[str] = []
    at = 0
    for opened, closed in string_ranges(text, after_word=True, holes=holes):
        cut = _comment_at(text, comment, at, opened)
        if cut is not None:
            return "".join(out) + text[at:cut]
        out.append(text[at:opened] + " ")
        out += [f" {text[a:b]} " for a, b in holes if opened < a <= closed]
        at = closed + 1
    cut = _comment_at(text, comment, at, len(text))
    return "".join(out) + text[at:len(text) if cut is None else cut]


def _comment_at(text: str, markers: tuple[str, ...], start: int, end: int) -> int | None:
    # A marker that starts in code, before the next literal opens.
    found = [i for i in (text.find(m, start, end + len(m) - 1) for m in markers if m)
             if 0 <= i < end]
    return min(found) if found else None


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
