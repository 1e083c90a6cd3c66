"""The rules' regexes: shipped ones compile once, on first use; a user's is checked
when the config loads and bounded when it runs.

Python's `re` backtracks, so a pattern can take exponential time on a short line
(`(a|aa)+$`) or quadratic time on a long one. Shipped patterns are proven linear by
tests/test_linear.py. A user's pattern is checked when the config loads (nested
quantifiers and alternatives that can match the same text inside a repeat are a
config error naming the key) and runs under a CPU-time budget (`USER_REGEX_BUDGET`):
a pattern that spends it is reported as a config error, exit 2, never a hang.
"""

from __future__ import annotations

import functools
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from authgate.config import ConfigError

if TYPE_CHECKING:
    from ahocorasick_rs import AhoCorasick

if sys.version_info >= (3, 11):
    from re import _constants as sre
    from re import _parser as sre_parse
else:  # pragma: no cover
    import sre_constants as sre
    import sre_parse


@functools.cache
def compiled(regex: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


class Lazy:
    """A module's regex, compiled on its first use: the patterns that only some
    outcomes need (a finding's evidence to scrub, an allow comment to read) cost a
    commit without them nothing."""

    __slots__ = ("_args", "_rx")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._rx: re.Pattern[str] | None = None

    @property
    def rx(self) -> re.Pattern[str]:
        if self._rx is None:
            self._rx = re.compile(*self._args)
        return self._rx

    def search(self, text: str) -> re.Match[str] | None:
        return self.rx.search(text)

    def match(self, text: str) -> re.Match[str] | None:
        return self.rx.match(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.rx.fullmatch(text)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        return self.rx.sub(repl, text)

    def findall(self, text: str) -> list[Any]:
        return self.rx.findall(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.rx.finditer(text)


# --- whole-text prefilters -------------------------------------------------------------
#
# A tree holds about a million lines, and a Python step per line per family costs more
# than every regex the checks run. So a check joins a file's lines once, searches its
# prefilter over the joined text at C speed (`hit_lines`), and does its per-line work
# only on the lines that hold a match. A prefilter never matches a line break, so every
# match lies inside one line, and a line holds one exactly when a search of it alone
# finds one. `trie` writes an alternation of literal words as a trie: `re` tries a flat
# alternation's branches one by one at every position, a trie's first letters as one
# set, which on real code is five to ten times faster. `word_lines` goes further for a
# set of literal words: an Aho-Corasick automaton (ahocorasick_rs) finds them all in
# one pass, four to eight times faster again than `re` searches their trie.


def trie(words: Iterable[str]) -> str:
    """A regex matching exactly the given words (as literals), shaped as a trie."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in set(words):
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _branch(root) if root else "(?!)"


def _branch(node: dict) -> str:  # type: ignore[type-arg]
    ends = "" in node
    alts = [re.escape(ch) + _branch(node[ch]) for ch in sorted(k for k in node if k)]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if ends:
        # The shorter word ends here: what follows is optional. Any match is the same
        # line's match, so which branch wins does not matter to a prefilter.
        body = f"(?:{body})?"
    return body


def hit_lines(text: str, patterns: Sequence[re.Pattern[str]]) -> list[int]:
    """The indices (0-based, in order) of the lines of `text` (split on "\\n") that
    hold a match of any of `patterns`, none of which may match a line break."""
    return _lines_at(text, sorted({m.start() for p in patterns for m in p.finditer(text)}))


def word_lines(text: str, words: tuple[str, ...]) -> list[int]:
    """The indices (0-based, in order) of the lines of `text` that hold any of
    `words`, literal and case-sensitive, none holding a line break (the empty word
    is in every line).

    The automaton reports matches that do not overlap, so a word inside another
    match is not reported; that match lies on the same line (no word holds a line
    break), so the line is."""
    if not words:
        return []
    if "" in words:  # the empty word is in every line
        return list(range(text.count("\n") + 1))
    return _lines_at(text, [start for _, start, _ in
                            _automaton(words).find_matches_as_indexes(text)])


@functools.lru_cache(maxsize=64)
def _automaton(words: tuple[str, ...]) -> AhoCorasick:
    # Imported here: patterns is loaded by every command, the automaton only by those
    # that search added lines.
    from ahocorasick_rs import AhoCorasick

    return AhoCorasick(list(words))


def _lines_at(text: str, starts: Sequence[int]) -> list[int]:
    """The indices of the lines of `text` the (ascending) offsets `starts` fall on."""
    out: list[int] = []
    line, pos = 0, 0
    for start in starts:
        line += text.count("\n", pos, start)
        pos = start
        if not out or out[-1] != line:
            out.append(line)
    return out


# --- user patterns: checked at load, bounded at run time -----------------------------

# CPU seconds one user pattern may spend in one process (one hook, one verify worker).
# Linear patterns spend milliseconds on a large commit.
USER_REGEX_BUDGET = 2.0


def check_user_regex(regex: str, ignore_case: bool, where: str) -> None:
    """A ConfigError naming `where` when the pattern does not compile or can take
    exponential time."""
    try:
        compiled(regex, ignore_case)
        tree = sre_parse.parse(regex, re.IGNORECASE if ignore_case else 0)
    except (re.error, RecursionError, OverflowError) as exc:
        raise ConfigError(f"{where} does not compile: {exc}") from exc
    why = _exponential(list(cast("Iterable[Any]", tree)))
    if why:
        raise ConfigError(f"{where} can take exponential time: {why}; rewrite it "
                          "(bound the inner repeat, or make the alternatives start "
                          "differently)")


_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
_SINGLE = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)
# Characters tried when two parts of a pattern are compared for what they can match.
_PROBE = ("abcxyzABCXYZ0189 _-./:=@;,?&#'\"<>()[]{}\\\t%+*!|$`~^\u00e9\u4e2d")
def _word(c: str) -> bool:
    return c.isalnum() or c == "_"


# category -> (test, negated)
_CATEGORY: dict[Any, tuple[Callable[[str], bool], bool]] = {
    sre.CATEGORY_DIGIT: (str.isdigit, False), sre.CATEGORY_NOT_DIGIT: (str.isdigit, True),
    sre.CATEGORY_SPACE: (str.isspace, False), sre.CATEGORY_NOT_SPACE: (str.isspace, True),
    sre.CATEGORY_WORD: (_word, False), sre.CATEGORY_NOT_WORD: (_word, True),
}


def _exponential(seq: list[Any]) -> str | None:
    """Why a parsed pattern can backtrack exponentially: a repeat whose body can match
    one text in several ways (a nested unbounded repeat not closed by a character it
    cannot take, or alternatives that can start alike or match nothing)."""
    for op, av in seq:
        inner: list[list[Any]] = []
        if op in _REPEATS:
            high, body = av[1], list(av[2])
            if high is sre.MAXREPEAT or high > 1:
                if _open_repeat(body):
                    return "a repeated group holds an unbounded repeat (nested quantifiers)"
                if any(_ambiguous(branch) for branch in _branches(body)):
                    return "a repeated group's alternatives can match the same text"
            inner = [body]
        elif op is sre.SUBPATTERN:
            inner = [list(av[-1])]
        elif op is sre.BRANCH:
            inner = [list(alt) for alt in av[1]]
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            inner = [list(av[1])]
        for part in inner:
            why = _exponential(part)
            if why:
                return why
    return None


def _open_repeat(body: list[Any]) -> bool:
    """An unbounded repeat in `body` that no mandatory character of the rest of `body`
    delimits, one it cannot take (`(?:[a-z]+\\.)+` and `(?:\\.[a-z]+)+` are fine,
    `(\\w+\\s?)+` is not: where one round ends and the next begins would be a guess)."""
    for i, (op, av) in enumerate(body):
        if op in _REPEATS and (av[1] is sre.MAXREPEAT or av[1] > 32):
            takes = _chars(list(av[2]))
            rest = body[:i] + body[i + 1:]
            if not any(o in _SINGLE and not (_chars([(o, a)]) & takes) for o, a in rest):
                return True
        elif op in (sre.SUBPATTERN, sre.BRANCH):
            alternatives = [av[-1]] if op is sre.SUBPATTERN else av[1]
            if any(_open_repeat(body[:i] + list(alt) + body[i + 1:]) for alt in alternatives):
                return True
    return False


def _branches(body: list[Any]) -> Iterator[list[list[Any]]]:
    """The alternations of a repeat's body (`a|aa` is parsed as `a(?:|a)`)."""
    for op, av in body:
        if op is sre.SUBPATTERN:
            yield from _branches(list(av[-1]))
        elif op is sre.BRANCH:
            yield [list(alt) for alt in av[1]]
            for alt in av[1]:
                yield from _branches(list(alt))


def _ambiguous(alternatives: list[list[Any]]) -> bool:
    firsts = []
    for alt in alternatives:
        first = _first(alt)
        if first is None:  # can match nothing
            return True
        firsts.append(first)
    return any(a & b for i, a in enumerate(firsts) for b in firsts[i + 1:])


def _first(seq: list[Any]) -> frozenset[str] | None:
    """The probe characters `seq` can start with; None when it can match nothing."""
    out: set[str] = set()
    for op, av in seq:
        if op in _SINGLE:
            return frozenset(out | _chars([(op, av)]))
        if op in _REPEATS:
            first = _first(list(av[2]))
            out |= first or set()
            if av[0] > 0 and first is not None:
                return frozenset(out)
        elif op is sre.SUBPATTERN:
            first = _first(list(av[-1]))
            if first is not None:
                return frozenset(out | first)
        elif op is sre.BRANCH:
            firsts = [_first(list(alt)) for alt in av[1]]
            out |= {c for f in firsts if f for c in f}
            if all(f is not None for f in firsts):
                return frozenset(out)
        # anchors and lookarounds match nothing
    return None


def _chars(seq: list[Any]) -> set[str]:
    """The probe characters any one-character node of `seq` takes (its first level)."""
    out: set[str] = set()
    for op, av in seq:
        if op in _SINGLE:
            out |= {c for c in _PROBE if _takes(op, av, c)}
        elif op in _REPEATS:
            out |= _chars(list(av[2]))
        elif op is sre.SUBPATTERN:
            out |= _chars(list(av[-1]))
        elif op is sre.BRANCH:
            for alt in av[1]:
                out |= _chars(list(alt))
    return out


def _takes(op: Any, av: Any, c: str) -> bool:
    if op is sre.LITERAL:
        return ord(c) == int(av)
    if op is sre.NOT_LITERAL:
        return ord(c) != int(av)
    if op is sre.ANY:
        return c != "\n"
    negate = bool(av) and av[0][0] is sre.NEGATE
    hit = False
    for item_op, item in av:
        if item_op is sre.LITERAL:
            hit = hit or ord(c) == item
        elif item_op is sre.RANGE:
            hit = hit or int(item[0]) <= ord(c) <= int(item[1])
        elif item_op is sre.CATEGORY and item in _CATEGORY:
            test, negated = _CATEGORY[item]
            hit = hit or test(c) != negated
    return hit != negate


class _OverBudget(Exception):
    pass


def _over(signum: int, frame: object) -> None:
    raise _OverBudget


class BoundedPattern:
    """A user's compiled pattern, used like `re.Pattern`, that may spend at most
    USER_REGEX_BUDGET seconds of CPU in this process; spending it is a ConfigError
    naming the rule. The bound needs a POSIX interval timer and the main thread;
    elsewhere the load-time check is the guard."""

    def __init__(self, rule_id: str, compiled: re.Pattern[str]) -> None:
        self.rule_id = rule_id
        self.compiled = compiled
        self.left = USER_REGEX_BUDGET
        self.pattern = compiled.pattern
        self.flags = compiled.flags
        self.groups = compiled.groups
        self.groupindex = compiled.groupindex

    def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        if not hasattr(signal, "setitimer") or \
                threading.current_thread() is not threading.main_thread():
            return fn(*args)
        previous = signal.signal(signal.SIGVTALRM, _over)
        signal.setitimer(signal.ITIMER_VIRTUAL, max(self.left, 0.001))
        start = time.process_time()
        try:
            return fn(*args)
        except _OverBudget:
            self.left = 0.0
            raise ConfigError(
                f"rules.custom ({self.rule_id}): key 'regex' used more than "
                f"{USER_REGEX_BUDGET:g} s of CPU on this change (it backtracks: overlapping "
                "or nested repeats); rewrite it") from None
        finally:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            signal.signal(signal.SIGVTALRM, previous)
            self.left -= time.process_time() - start

    def search(self, string: str, *args: Any) -> re.Match[str] | None:
        return cast("re.Match[str] | None", self._run(self.compiled.search, string, *args))

    def match(self, string: str, *args: Any) -> re.Match[str] | None:
        return cast("re.Match[str] | None", self._run(self.compiled.match, string, *args))

    def fullmatch(self, string: str, *args: Any) -> re.Match[str] | None:
        return cast("re.Match[str] | None", self._run(self.compiled.fullmatch, string, *args))

    def finditer(self, string: str, *args: Any) -> Iterator[re.Match[str]]:
        matches = self.compiled.finditer(string, *args)
        while True:
            m = self._run(next, matches, None)
            if m is None:
                return
            yield m

    def findall(self, string: str, *args: Any) -> list[Any]:
        return cast("list[Any]", self._run(self.compiled.findall, string, *args))

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return cast(str, self._run(self.compiled.sub, repl, string, count))

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        return cast("list[str | Any]", self._run(self.compiled.split, string, maxsplit))


_BOUNDED: dict[tuple[str, str, bool], BoundedPattern] = {}


def bounded(rule_id: str, regex: str, ignore_case: bool) -> re.Pattern[str]:
    key = (rule_id, regex, ignore_case)
    if key not in _BOUNDED:
        _BOUNDED[key] = BoundedPattern(rule_id, compiled(regex, ignore_case))
    # Used wherever a compiled pattern is: the checks call search/finditer on it.
    return cast("re.Pattern[str]", _BOUNDED[key])
