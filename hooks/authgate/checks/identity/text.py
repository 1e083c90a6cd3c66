"""Reading code text the way the identity rules need it: messages filled from a rule's
template, string bodies blanked, keyword sets as one fast regex, and lazily compiled
patterns that keep their compiled form with them."""

from __future__ import annotations

import importlib
import posixpath
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate
from typing import Any

from authgate.checks.context import string_ranges

# --- patterns ------------------------------------------------------------------------


class Rx:
    """A regex from a rule, compiled the first time a change needs it.

    A commit touches a few dozen of the catalog's patterns; compiling all of them up
    front cost more than the checks. The compiled pattern lives in this object, so
    whoever holds the rule holds its cache."""

    __slots__ = ("_compiled", "_folded", "_starts", "flags", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None
        self._folded: re.Pattern[str] | bool | None = False
        self._starts: re.Pattern[str] | bool | None = False

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

    def found_in(self, corpus: Corpus) -> bool:
        """Whether the pattern matches in one of the corpus' texts (each on its own).

        A case-insensitive pattern tries every case of every alternative at every
        position: over megabytes of test code that took seconds. Lower-cased, over the
        texts' case folds (`fold`), it matches exactly where the pattern matches the
        texts, several times faster. Over a large corpus the folded pattern is tried
        only where one of the literal strings every match starts with stands
        (`leads`); that scan runs at C speed."""
        folded = self.folded
        if folded is None:
            return any(self.rx.search(text) for text in corpus.texts)
        starts = self.starts if corpus.size >= LARGE_CORPUS else None
        for text in corpus.folded:
            if starts is None:
                if folded.search(text):
                    return True
                continue
            hit = starts.search(text)
            while hit is not None:
                at = hit.start()
                if folded.match(text, at):
                    return True
                # Leads can overlap ("bad" in "badge", "adge"...): the next one may
                # start one character on.
                hit = starts.search(text, at + 1)
        return False

    @property
    def starts(self) -> re.Pattern[str] | None:
        """One regex for the literal strings that start every match, lower-cased, to
        search case folds (`fold`) with: no match starts anywhere else. None when the
        pattern has no such strings."""
        if self._starts is False:
            words = leads(self.source, self.flags)
            ok = words is not None and all(w.isascii() and "\n" not in w for w in words)
            self._starts = keyword_regex({w.lower() for w in words}) \
                if words is not None and ok else None
        return self._starts  # type: ignore[return-value]

    def lines(self, texts: Sequence[str]) -> Iterable[int]:
        """The indices of `texts` (lines) the pattern can match in, in order: those
        that hold, case-folded, one of the strings every match starts with (`starts`),
        found in one pass over the lines joined. Every index when the pattern has no
        such strings, and for a few lines (a commit's hunk), which are cheaper to
        read than the prefilter is to compile."""
        if len(texts) < FEW_LINES:
            return range(len(texts))
        starts = self.starts
        if starts is None:
            return range(len(texts))
        joined = fold("\n".join(texts))
        if len(joined) != sum(len(t) for t in texts) + len(texts) - 1 \
                or joined.count("\n") != len(texts) - 1:
            return range(len(texts))  # a line that holds a newline: no shortcut
        ends = list(accumulate(len(t) + 1 for t in texts))
        out = []
        hit = starts.search(joined)
        while hit is not None:
            line = bisect_right(ends, hit.start())
            out.append(line)
            hit = starts.search(joined, ends[line]) if line + 1 < len(texts) else None
        return out

    @property
    def folded(self) -> re.Pattern[str] | None:
        """The pattern without `(?i)`, lower-cased, when that is exact on ASCII text:
        a case-insensitive ASCII pattern with no escape whose meaning changes with case
        (\\S, \\W, \\D, \\B, \\x41, \\N{...}) and no group that turns case back on."""
        if self._folded is False:
            src = self.source
            # Named groups keep their names ((?P<n>...) lower-cased is no pattern).
            ok = src.startswith("(?i)") and src.isascii() and "(?-i" not in src \
                and "(?P" not in src and not _CASE_ESCAPE.search(src)
            self._folded = re.compile(src[4:].lower(), self.flags) if ok else None
        return self._folded  # type: ignore[return-value]


_CASE_ESCAPE = re.compile(r"\\[A-Z0-9xu]")

# From this many characters on, a case-insensitive pattern is tried only where a match
# can start (a whole tree's tests); a change's few test files take the pattern itself,
# with nothing more to compile.
LARGE_CORPUS = 1 << 20
# Below this many lines, a pattern reads each line itself (`Rx.lines`).
FEW_LINES = 200


def fold(text: str) -> str:
    """`text` as a lower-cased pattern reads it: for an ASCII pattern without case
    escapes, `(?i)P` matches `text` exactly where P lower-cased matches `fold(text)`.

    `re` lets four non-ASCII letters match ASCII ones under IGNORECASE (dotted and
    dotless i, long s, the Kelvin sign); they become those letters. Every other
    character keeps its length and whether it is a word, space or digit character
    when lower-cased (tests/test_identity_text.py checks the whole of Unicode)."""
    if not text.isascii():
        text = text.replace("\u0130", "i").replace("\u0131", "i").replace("\u017f", "s")
    return text.lower()


class Corpus:
    """Texts that many patterns search (the staged tests): each text's case fold is
    made once, the first time a case-insensitive pattern asks."""

    __slots__ = ("_folded", "size", "texts")

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self.size = sum(len(t) for t in self.texts)
        self._folded: list[str] | None = None

    @property
    def folded(self) -> list[str]:
        if self._folded is None:
            self._folded = [fold(t) for t in self.texts]
        return self._folded


# `re`'s own parser (re._parser since 3.11, sre_parse before): already loaded by `re`.
try:
    _SRE: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.9 and 3.10
    _SRE = importlib.import_module("sre_parse")
_OPS: Any = _SRE  # the opcode constants are re-exported by the parser module
_MAX_LEADS = 512


def leads(source: str, flags: int = 0) -> set[str] | None:
    """Literal strings one of which every match of `source` starts with, or None when
    the pattern does not say (a class, a wildcard or an optional part comes first).

    Read from `re`'s own parse of the pattern: literals, groups, alternations and
    small classes of literals are followed; zero-width assertions are passed over
    (they consume nothing); anything else ends the lead."""
    try:
        parsed = _SRE.parse(source, flags)
    except re.error:  # a pattern re cannot parse has no known lead
        return None
    words, _ = _lead(list(parsed))
    return None if not words or "" in words else words


def _lead(items: Sequence[tuple[Any, Any]]) -> tuple[set[str], bool]:
    """The strings every match of `items` starts with, and whether they are the whole
    match (so what follows extends them)."""
    out = {""}
    for op, av in items:
        if op is _OPS.LITERAL:
            out = {w + chr(av) for w in out}
            continue
        if op in (_OPS.AT, _OPS.ASSERT, _OPS.ASSERT_NOT):
            continue  # zero width: consumes nothing
        if op is _OPS.SUBPATTERN:
            sub = _lead(list(av[-1]))
        elif op is _OPS.BRANCH:
            parts = [_lead(list(b)) for b in av[1]]
            sub = ({w for ws, _ in parts for w in ws}, all(done for _, done in parts))
        elif op is _OPS.IN and av and all(o is _OPS.LITERAL for o, _ in av):
            sub = ({chr(c) for _, c in av}, True)
        elif op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT) and av[0] >= 1:
            sub = (_lead(list(av[2]))[0], False)
        else:
            return out, False
        words, done = sub
        grown = {w + x for w in out for x in words}
        if len(grown) > _MAX_LEADS:
            return out, False
        out = grown
        if not done:
            return out, False
    return out, True


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


_NONE: frozenset[str] = frozenset()


class KeywordIndex:
    """Which rules' keywords a lower-cased line holds, in one regex pass.

    Asking each of a hundred rules "is one of your keywords in this line?" cost more
    than everything else the identity check does on a large tree. Instead the trie is
    tried at every position of the line (a look-ahead, so keywords that overlap or
    contain each other are all seen); the keywords starting at one position are the
    longest one found there and those of its prefixes that are keywords too."""

    __slots__ = ("_at", "_newline", "_owners")

    def __init__(self, owners: Mapping[str, Iterable[str]]) -> None:
        words = sorted(w for w in owners if w)
        self._newline = any("\n" in w for w in words)
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

    def lines(self, texts: Sequence[str]) -> dict[int, frozenset[str]]:
        """`rules` of each of `texts` (lines, not lower-cased), for the lines that
        hold a keyword: one pass over the lines joined, so the many lines that hold
        none cost nothing in Python.

        Exactly `rules(text.lower())` line by line: no keyword holds a newline, so no
        match crosses from one line into the next, and a line lower-cased alone or
        inside the joined text is the same (lower-casing looks past no newline)."""
        joined = "\n".join(texts)
        lowered = joined.lower()
        if len(lowered) != len(joined) or joined.count("\n") != len(texts) - 1 \
                or self._newline:
            # A character that grows when lower-cased (İ), a line that holds a
            # newline, or a keyword that does: line by line.
            out = {}
            for i, text in enumerate(texts):
                woken = self.rules(text.lower())
                if woken:
                    out[i] = woken
            return out
        ends = list(accumulate(len(t) + 1 for t in texts))  # each line's end, past "\n"
        found: dict[int, frozenset[str]] = {}
        line = 0
        for m in self._at.finditer(lowered):
            at = m.start()
            if at >= ends[line]:
                line = bisect_right(ends, at, line)
            found[line] = found.get(line, _NONE) | self._owners[m[1]]
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
