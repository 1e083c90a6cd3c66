"""Reading code text the way the identity rules need it: messages filled from a rule's
template, string bodies blanked, keyword sets as one fast regex, and lazily compiled
patterns that keep their compiled form with them."""

from __future__ import annotations

import functools
import importlib
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from authgate.checks.context import string_ranges

if TYPE_CHECKING:
    from ahocorasick_rs import AhoCorasick

# --- patterns ------------------------------------------------------------------------


class Rx:
    """A regex from a rule, compiled the first time a change needs it.

    A commit touches a few dozen of the catalog's patterns; compiling all of them up
    front cost more than the checks. The compiled pattern lives in this object, so
    whoever holds the rule holds its cache."""

    __slots__ = ("_compiled", "_folded", "_gate", "_held", "_starts", "flags", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None
        self._folded: re.Pattern[str] | bool | None = False
        self._starts: AhoCorasick | bool | None = False
        self._held: AhoCorasick | bool | None = False
        self._gate: AhoCorasick | int | None = 0  # lines asked, until the gate is built

    @property
    def rx(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        # Asked of a million lines in a tree: the compiled pattern without the property.
        return (self._compiled or self.rx).search(text, pos)

    def can_match(self, text: str) -> bool:
        """Whether the pattern matches in `text` (`search`).

        A pattern whose matches start with no literal string (`\\b\\w*Id ==`,
        `^\\s*if`) is tried by `re` at every position of the line; one pass of an
        automaton first says whether the line holds any of the strings every match
        holds (`held`), and most lines that wake the rule hold none."""
        gate = self._gate
        if isinstance(gate, int):
            if gate < GATE_AFTER:  # a commit's few lines: not worth building the gate
                self._gate = gate + 1
                return (self._compiled or self.rx).search(text) is not None
            gate = self._gate = _gate(self.source, self.flags)
        if gate is not None and not gate.find_matches_as_indexes(fold(text)):
            return False
        return (self._compiled or self.rx).search(text) is not None

    def finditer(self, text: str) -> Iterable[re.Match[str]]:
        return self.rx.finditer(text)

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        return (self._compiled or self.rx).match(text, pos)

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
        (`leads`), found by an Aho-Corasick automaton at C speed (a regex of the
        leads cost four times as much: the leads are common words)."""
        folded = self.folded
        if folded is None:
            return any(self.rx.search(text) for text in corpus.texts)
        starts = self.starts if corpus.size >= LARGE_CORPUS else None
        for text in corpus.folded:
            if starts is None:
                if folded.search(text):
                    return True
                continue
            # Every place a lead starts, overlapping leads ("bad" in "badge", "adge")
            # included.
            places = {at for _, at, _ in starts.find_matches_as_indexes(text, overlapping=True)}
            if any(folded.match(text, at) for at in places):
                return True
        return False

    @property
    def starts(self) -> AhoCorasick | None:
        """An automaton of the literal strings that start every match, lower-cased, to
        search case folds (`fold`) with: no match starts anywhere else. None when the
        pattern has no such strings, or one a fold could not hold as it is."""
        if self._starts is False:
            self._starts = _literal_automaton(leads(self.source, self.flags))
        return self._starts  # type: ignore[return-value]

    @property
    def held(self) -> AhoCorasick | None:
        """An automaton of the literal strings one of which every match holds,
        lower-cased, to search case folds with; None when there are none."""
        if self._held is False:
            self._held = _literal_automaton(needs(self.source, self.flags))
        return self._held  # type: ignore[return-value]

    def lines(self, lines: Lines) -> Iterable[int]:
        """The indices of `lines` the pattern can match in, in order: those that
        hold, case-folded, one of the strings every match holds (`held`), found in
        one pass over the lines joined. Every index when the pattern has no such
        strings, and for a few lines (a commit's hunk), which are cheaper to read
        than the prefilter is to build, until a longer hunk has built it (in a
        tree, most files are short).

        The automaton reports occurrences that do not overlap: a string inside or
        across another occurrence is not reported, but that occurrence is on the same
        line (no string holds a newline), so the line is."""
        n = len(lines.texts)
        if n < FEW_LINES and self._held is False:
            return range(n)
        held = self.held
        joined = lines.folded
        if held is None or joined is None:
            return range(n)
        out: list[int] = []
        line, end = 0, 0  # the line of the last occurrence, and where that line ends
        for _, start, _ in held.find_matches_as_indexes(joined):
            if start >= end:
                line += joined.count("\n", end, start)
                end = joined.find("\n", start)
                if end < 0:
                    end = len(joined)
                out.append(line)
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
# Lines a keyword index reads one keyword at a time before it builds its automaton
# (`KeywordIndex`): a commit's few lines cost less than building it (about 3 ms).
FEW_READS = 300


def can_match(pattern: re.Pattern[str], text: str) -> bool:
    """`Rx.can_match` for a compiled pattern (a rule's own regex)."""
    gate = _GATES.get(pattern, 0)
    if isinstance(gate, int):
        if gate < GATE_AFTER:
            _GATES[pattern] = gate + 1
            return pattern.search(text) is not None
        if len(_GATES) > 4096:
            _GATES.clear()
        gate = _GATES[pattern] = _gate(pattern.pattern, pattern.flags)
    if gate is not None and not gate.find_matches_as_indexes(fold(text)):
        return False
    return pattern.search(text) is not None


# Each compiled pattern's gate, or how many lines it was asked about until it is built.
_GATES: dict[re.Pattern[str], AhoCorasick | int | None] = {}
# Lines a pattern is asked about before its gate is built: reading a long pattern for
# what every match holds costs up to 25 ms, some hundred lines' worth (a commit asks
# a pattern of a few lines; a tree or a range, of thousands).
GATE_AFTER = 2000


@functools.lru_cache(maxsize=512)
def _gate(source: str, flags: int) -> AhoCorasick | None:
    """The automaton of what every match holds (`needs`), for a pattern whose matches
    start with no literal string (`leads`: `re` skips to those itself) and that is
    not anchored at the line's start (`re` turns those away at once)."""
    if source.startswith("^") or leads(source, flags) is not None:
        return None
    return _literal_automaton(needs(source, flags, alternatives=True))


def _literal_automaton(words: set[str] | None) -> AhoCorasick | None:
    """An automaton of `words` lower-cased, to search case folds with; None when
    there are no words, or one a fold could not hold as it is (not ASCII, or a
    newline in it)."""
    if not words or not all(w.isascii() and "\n" not in w for w in words):
        return None
    # Imported here: only a tree's files and long hunks come this way.
    from ahocorasick_rs import AhoCorasick, Implementation

    return AhoCorasick(sorted({w.lower() for w in words}), implementation=Implementation.DFA)


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


class Lines:
    """A hunk's lines, joined and case-folded once for the prefilters of the many
    patterns that read them (`Rx.lines`)."""

    __slots__ = ("_folded", "texts")

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self._folded: str | bool | None = False

    @property
    def folded(self) -> str | None:
        """The lines' case folds joined by newlines; None when a line holds a newline
        (the joined text would not say which line a match is on)."""
        if self._folded is False:
            joined = fold("\n".join(self.texts))
            ok = joined.count("\n") == len(self.texts) - 1 \
                and len(joined) == sum(len(t) for t in self.texts) + len(self.texts) - 1
            self._folded = joined if ok else None
        return self._folded  # type: ignore[return-value]


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
    the pattern does not say (a class or a wildcard may come first).

    Read from `re`'s own parse of the pattern: literals, groups, alternations, small
    classes of literals and optional parts are followed; zero-width assertions are
    passed over (they consume nothing); anything else ends a lead where it stands."""
    try:
        parsed = _SRE.parse(source, flags)
    except re.error:  # a pattern re cannot parse has no known lead
        return None
    return _words(_lead(list(parsed)))


def needs(source: str, flags: int = 0, *, alternatives: bool = False) -> set[str] | None:
    """Literal strings one of which every match of `source` holds, or None: the leads
    of the pattern from its first part on, or from a later part when that says more
    (`^\\s*(?:def|function) ...` holds "def" or "function" wherever it starts).
    With `alternatives`, also what each alternative of an alternation holds
    (`\\w*Id ==|owner ==`: "Id" or "owner"), which costs several times as much to
    read from a long pattern."""
    try:
        items = list(_SRE.parse(source, flags))
    except re.error:
        return None
    return _needs(items, 0 if alternatives else _DEPTH)


# How deep `needs` reads into groups and alternations (a pattern's nesting is shallow;
# a user's need not be).
_DEPTH = 4


def _needs(items: Sequence[tuple[Any, Any]], depth: int = 0) -> set[str] | None:
    best: set[str] | None = None

    def better(words: set[str] | None) -> None:
        nonlocal best
        if words and "" not in words \
                and (best is None or min(map(len, words)) > min(map(len, best))):
            best = words

    for i in range(len(items)):
        better(_words(_lead(items[i:])))
    if depth < _DEPTH:
        for op, av in items:
            if op is _OPS.SUBPATTERN:
                better(_needs(list(av[-1]), depth + 1))
            elif op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT) and av[0] >= 1:
                better(_needs(list(av[2]), depth + 1))
            elif op is _OPS.BRANCH:
                # Every match goes through one alternative, and holds what it holds.
                each = [_needs(list(b), depth + 1) for b in av[1]]
                held = [words for words in each if words]
                if len(held) == len(each):
                    union = set().union(*held)
                    if len(union) <= _MAX_LEADS:
                        better(union)
    return best


def _words(pairs: set[tuple[str, bool]]) -> set[str] | None:
    words = {w for w, _ in pairs}
    if not words or "" in words:
        return None
    # A word that starts with another is found where that one is: keep the shorter
    # (looked up by its prefixes: comparing every pair of up to 512 leads was slow).
    return {w for w in words if not any(w[:k] in words for k in range(1, len(w)))}


def _lead(items: Sequence[tuple[Any, Any]]) -> set[tuple[str, bool]]:
    """How every match of `items` starts: (prefix, open) pairs, one of which each
    match starts with; `open` when the prefix is all the match has consumed so far,
    so what follows extends it."""
    out = {("", True)}
    for op, av in items:
        if not any(more for _, more in out):
            break
        if op in (_OPS.AT, _OPS.ASSERT, _OPS.ASSERT_NOT):
            continue  # zero width: consumes nothing
        sub: set[tuple[str, bool]]
        if op is _OPS.LITERAL:
            sub = {(chr(av), True)}
        elif op is _OPS.SUBPATTERN:
            sub = _lead(list(av[-1]))
        elif op is _OPS.BRANCH:
            sub = {pair for b in av[1] for pair in _lead(list(b))}
        elif op is _OPS.IN and av and all(o is _OPS.LITERAL for o, _ in av):
            sub = {(chr(c), True) for _, c in av}
        elif op in (_OPS.MAX_REPEAT, _OPS.MIN_REPEAT):
            least, most, body = av
            inner = _lead(list(body))
            once = least == most == 1 or (least == 0 and most == 1)
            sub = inner if once else {(w, False) for w, _ in inner}
            if least == 0:
                sub = sub | {("", True)}  # the part may be absent
        else:
            sub = {("", False)}
        grown = {(w, False) for w, more in out if not more} | {
            (w + x, more) for w, open_ in out if open_ for x, more in sub}
        if len(grown) > _MAX_LEADS:
            return {(w, False) for w, _ in out}
        out = grown
    return out


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
    """Which rules' keywords a lower-cased line holds, in one pass.

    Asking each of a hundred rules "is one of your keywords in this line?" cost more
    than everything else the identity check does on a large tree. Instead one
    Aho-Corasick automaton reports every occurrence of every keyword, overlapping
    and nested ones included ("log" inside "logger", "ogg" across both), in one scan
    at C speed (a regex look-ahead tried at every position cost four times as much).

    The automaton is built the first time a hunk of many lines asks, or after
    `FEW_READS` lines: a small commit's few changed lines are cheaper to read for
    each keyword as a substring (which finds the same rules)."""

    __slots__ = ("_automaton", "_by_asked", "_newline", "_owners", "_reads", "_words")

    def __init__(self, owners: Mapping[str, Iterable[str]]) -> None:
        words = sorted(w for w in owners if w)
        self._words = words
        self._newline = any("\n" in w for w in words)
        self._by_asked: dict[frozenset[str] | None, dict[int, frozenset[str]]] = {}
        self._automaton: Any = None
        self._reads = 0  # lines read for substrings, before the automaton
        self._owners = {w: frozenset(owners[w]) for w in words}

    @property
    def built(self) -> bool:
        """Whether the automaton is built: from then on a pass over many lines joined
        costs less than reading them one by one."""
        return self._automaton is not None

    def _found(self, lowered: str) -> list[tuple[int, int, int]]:
        """(keyword index, start, end) of every keyword occurrence in `lowered`
        (character offsets), overlapping ones included."""
        if self._automaton is None:
            if not self._words:
                return []
            # Imported here: the automaton is for trees and long hunks only.
            from ahocorasick_rs import AhoCorasick, Implementation

            # A DFA: a few milliseconds more to build than the default, a quarter
            # faster over a tree.
            self._automaton = AhoCorasick(self._words, implementation=Implementation.DFA)
        found: list[tuple[int, int, int]] = self._automaton.find_matches_as_indexes(
            lowered, overlapping=True)
        return found

    def rules(self, lowered: str) -> frozenset[str]:
        """The ids of the rules with a keyword in `lowered` (a substring, any place)."""
        found: frozenset[str] = frozenset()
        owners = self._owners
        words = self._words
        if self._automaton is None and self._reads < FEW_READS:
            self._reads += 1
            return found.union(*(owners[w] for w in words if w in lowered))
        return found.union(*(owners[w] for w in {words[k] for k, _, _ in self._found(lowered)}))

    def lines(self, texts: Sequence[str], asked: frozenset[str] | None = None
              ) -> dict[int, frozenset[str]]:
        """`rules` of each of `texts` (lines, not lower-cased), for the lines that
        hold a keyword, limited to the rules `asked` about (all when None): one pass
        over the lines joined, so the many lines that hold none cost nothing in
        Python.

        Exactly `rules(text.lower()) & asked` line by line: no keyword holds a
        newline, so an occurrence starts and ends on one line, and a line
        lower-cased alone or inside the joined text is the same (lower-casing looks
        past no newline)."""
        joined = "\n".join(texts)
        lowered = joined.lower()
        if len(lowered) != len(joined) or joined.count("\n") != len(texts) - 1 \
                or self._newline:
            # A character that grows when lower-cased (İ), a line that holds a
            # newline, or a keyword that does: line by line.
            out: dict[int, frozenset[str]] = {}
            for i, text in enumerate(texts):
                woken = self.rules(text.lower())
                if asked is not None:
                    woken = woken & asked
                if woken:
                    out[i] = woken
            return out
        owners = self._asked(asked)
        if not owners:
            return {}
        # The automaton reports occurrences by where they end: each is put on the line
        # it starts on (and ends on, so the lines come in order); the newlines are
        # counted only between lines that hold a keyword.
        at: dict[int, set[int]] = {}
        line = end = 0  # the line of the last occurrence, and where that line ends
        here: set[int] = set()
        for k, start, _ in self._found(lowered):
            if start >= end:
                line += lowered.count("\n", end, start)
                end = lowered.find("\n", start)
                if end < 0:
                    end = len(lowered)
                here = at.setdefault(line, set())
            here.add(k)
        out = {}
        for i, ks in at.items():
            rules = [owners[k] for k in ks if k in owners]  # the rules asked about
            if rules:
                out[i] = rules[0] if len(rules) == 1 else frozenset().union(*rules)
        return out

    def _asked(self, asked: frozenset[str] | None) -> dict[int, frozenset[str]]:
        """The keywords (by their place in `_words`) that wake one of the rules
        `asked` about (all when None), with those rules: the same few mixes of rules
        come back file after file."""
        owners = self._by_asked.get(asked)
        if owners is None:
            owners = {k: r if asked is None else r & asked
                      for k, r in enumerate(map(self._owners.__getitem__, self._words))
                      if asked is None or not r.isdisjoint(asked)}
            if len(self._by_asked) > 256:
                self._by_asked.clear()
            self._by_asked[asked] = owners
        return owners


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
