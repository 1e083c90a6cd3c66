"""Rule catalogs: shipped TOML data plus the user's additions and overrides.

A catalog is `rules/<family>.toml`, an array of `[[rule]]` tables. Common keys are
validated here; family-specific data sits in `[rule.params]` and belongs to the check
that reads it. Regexes compile once, when the catalog loads; `keywords` is a cheap
lower-case substring prefilter that gates the regex, as in gitleaks.

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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any, cast

from authgate.config import SEVERITIES, TIERS, Config, ConfigError
from authgate.findings import Action, Severity, Tier
from authgate.ruleids import any_matches, most_specific

if sys.version_info >= (3, 11):
    from re import _constants as sre
    from re import _parser as sre_parse

    import tomllib
else:  # pragma: no cover
    import sre_constants as sre
    import sre_parse

    import tomli as tomllib

FAMILIES = ("provenance", "leak", "identity")
_CATALOG = {"provenance": "provenance.toml", "leak": "leaks.toml", "identity": "identity.toml"}
_KINDS = ("line", "path", "message", "identity", "env", "trailer", "window", "file", "meta")
_LINES = ("added", "removed", "both")
_KEYS = {"id", "title", "severity", "tier", "action", "kind", "paths", "exclude_paths",
         "regex", "keywords", "lines", "message", "fix", "refs", "params", "ignore_case"}


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    message: str
    kind: str = "line"
    tier: Tier = Tier.NONE
    action: Action = Action.WARN
    paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    regex: str | None = None
    keywords: tuple[str, ...] = ()
    lines: str = "added"
    fix: str = ""
    refs: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    ignore_case: bool = False
    origin: str = "builtin"

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """The compiled regex. Shipped patterns compile on first use: a commit touches
        a few dozen of them, and compiling all up front cost more than the checks. A
        user's pattern comes bounded (`BoundedPattern`)."""
        if self.regex is None:
            return None
        if self.origin == "builtin":
            return _compiled(self.regex, self.ignore_case)
        return _bounded(self.id, self.regex, self.ignore_case)

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]

    def prefilter(self, lowered: str) -> bool:
        """True when the lower-cased text could match (no keywords: always)."""
        return not self.keywords or any(k in lowered for k in self.keywords)

    def search(self, text: str, lowered: str | None = None) -> re.Match[str] | None:
        if self.pattern is None:
            return None
        if self.keywords and not self.prefilter(text.lower() if lowered is None else lowered):
            return None
        return self.pattern.search(text)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def family(self, name: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.family == name)

    def kind(self, family: str, kind: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.family == family and r.kind == kind)

    def get(self, rule_id: str) -> Rule | None:
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def load(config: Config, families: Iterable[str] = FAMILIES) -> RuleSet:
    """Shipped catalogs of `families`, plus custom rules, minus disabled, re-graded.

    The config has been checked whole when it loaded (schema.py): every id it names
    exists, every custom rule parses."""
    wanted = tuple(families)
    rules: dict[str, Rule] = {}
    for fam in wanted:
        for rule in _catalog(fam):
            rules[rule.id] = rule
    for rule in _custom(config):
        if rule.family in wanted:
            rules[rule.id] = rule
    kept = []
    for rule in rules.values():
        if any_matches(config.disable, rule.id):
            continue
        level = most_specific(config.severity, rule.id)
        kept.append(rule if level is None else replace(rule, severity=Severity.parse(level)))
    return RuleSet(tuple(kept))


def _custom(config: Config) -> list[Rule]:
    return [parse_rule(table, config.source, origin="config", key=f"rules.custom[{i}]")
            for i, table in enumerate(config.custom_rules)]


# How a shipped rule names itself: `id = "..."` (or '...') on a line of its own
# (test_rules.py pins that this finds exactly the ids the parsed catalogs hold).
_ID_LINE = re.compile(r"""^id = (?:"([a-z0-9.-]+)"|'([a-z0-9.-]+)')$""", re.MULTILINE)


def known_ids(config: Config) -> set[str]:
    """Every rule id of every catalog, custom rules included, disabled ones too.

    A config that names rules is checked on every hook run, the message hooks too,
    which most often never parse the catalogs (their findings come from the hook
    cache): a scan of the catalogs' `id` lines costs 2 ms where parsing costs 60."""
    ids = {str(t.get("id")) for t in config.custom_rules}
    for fam in FAMILIES:
        if fam in _CACHE:
            ids.update(rule.id for rule in _CACHE[fam])
        else:
            text = _catalog_bytes(fam).decode("utf-8")
            ids.update(m[1] or m[2] for m in _ID_LINE.finditer(text))
    return ids


def agent_variables(config: Config) -> tuple[str, ...]:
    """The environment variables the loaded `env` rules read (shipped and custom): the
    hooks capture these, and only these, from the committer's environment."""
    names = {str(name) for rule in load(config, ("provenance",)) if rule.kind == "env"
             for name in rule.params.get("vars", {})}
    return tuple(sorted(names))


_CACHE: dict[str, tuple[Rule, ...]] = {}


@functools.cache
def _compiled(regex: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


def _catalog(family: str) -> tuple[Rule, ...]:
    if family not in _CACHE:
        doc = tomllib.loads(_catalog_bytes(family).decode("utf-8"))
        _CACHE[family] = tuple(parse_rule(t, f"rules/{_CATALOG[family]}")
                               for t in doc.get("rule", []))
    return _CACHE[family]


def _catalog_bytes(family: str) -> bytes:
    try:
        return resources.files("authgate").joinpath("rules").joinpath(_CATALOG[family]) \
            .read_bytes()
    except FileNotFoundError:
        return b""


_TYPES = {str: "a string", bool: "a boolean", dict: "a table"}


def parse_rule(table: Mapping[str, Any], source: str, origin: str = "builtin",
               key: str = "") -> Rule:
    """One rule table. Errors name the key: `rules/leaks.toml (leak.x): key 'regex' ...`
    for a shipped rule, `<config file>: key 'rules.custom[0].regex' ...` for a user's
    (`key` is where the table sits in the config)."""
    rid = table.get("id")
    where = f"{source} ({rid})" if isinstance(rid, str) and not key else source
    at = f"{key}." if key else ""
    if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9]+(?:[.-][a-z0-9]+)+", rid):
        raise ConfigError(f"{where}: key '{at}id' must be a dotted lower-case slug like "
                          "'identity.jwt.none-algorithm'")
    if rid.split(".", 1)[0] not in FAMILIES:
        raise ConfigError(f"{where}: key '{at}id' must start with one of {', '.join(FAMILIES)}")
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key '{at}{sorted(unknown)[0]}' "
                          f"(known: {', '.join(sorted(_KEYS))})")

    def get(name: str, kind: type, default: Any) -> Any:
        value = table.get(name, default)
        if kind is tuple:
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: key '{at}{name}' must be an array of strings")
            return tuple(value)
        if not isinstance(value, kind):
            raise ConfigError(f"{where}: key '{at}{name}' must be {_TYPES[kind]}, "
                              f"got {value!r}")
        return value

    def choice(name: str, options: tuple[str, ...], default: str) -> str:
        value = get(name, str, default)
        if value not in options:
            raise ConfigError(f"{where}: key '{at}{name}' must be one of {', '.join(options)}")
        return str(value)

    regex = table.get("regex")
    ignore_case = bool(get("ignore_case", bool, False))
    if regex is not None:
        if not isinstance(regex, str):
            raise ConfigError(f"{where}: key '{at}regex' must be a string")
        if origin != "builtin":
            # A user's pattern is checked now, so its error names the config key;
            # shipped ones are proven by the test suite and compile lazily.
            check_user_regex(regex, ignore_case, f"{where}: key '{at}regex'")
    title = get("title", str, "")
    return Rule(
        id=rid,
        title=title,
        severity=Severity.parse(choice("severity", SEVERITIES, "medium")),
        message=get("message", str, title),
        kind=choice("kind", _KINDS, "line"),
        tier=Tier.parse(choice("tier", TIERS, "none")),
        action=Action(choice("action", ("block", "annotate", "warn", "off"), "warn")),
        paths=get("paths", tuple, ()),
        exclude_paths=get("exclude_paths", tuple, ()),
        regex=regex,
        keywords=tuple(k.lower() for k in get("keywords", tuple, ())),
        lines=choice("lines", _LINES, "added"),
        fix=get("fix", str, ""),
        refs=get("refs", tuple, ()),
        params=get("params", dict, {}),
        ignore_case=ignore_case,
        origin=origin,
    )


# --- user patterns: checked at load, bounded at run time -----------------------------

# CPU seconds one user pattern may spend in one process (one hook, one verify worker).
# Linear patterns spend milliseconds on a large commit.
USER_REGEX_BUDGET = 2.0


def check_user_regex(regex: str, ignore_case: bool, where: str) -> None:
    """A ConfigError naming `where` when the pattern does not compile or can take
    exponential time."""
    try:
        _compiled(regex, ignore_case)
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


def _bounded(rule_id: str, regex: str, ignore_case: bool) -> re.Pattern[str]:
    key = (rule_id, regex, ignore_case)
    if key not in _BOUNDED:
        _BOUNDED[key] = BoundedPattern(rule_id, _compiled(regex, ignore_case))
    # Used wherever a compiled pattern is: the checks call search/finditer on it.
    return cast("re.Pattern[str]", _BOUNDED[key])
