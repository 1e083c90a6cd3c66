"""Rule catalogs: shipped TOML data plus the user's additions and overrides.

A catalog is `rules/<family>.toml`, an array of `[[rule]]` tables. Common keys are
validated here; family-specific data sits in `[rule.params]` and belongs to the check
that reads it. Regexes compile once, when the catalog loads; `keywords` is a cheap
lower-case substring prefilter that gates the regex, as in gitleaks. How a pattern
compiles, and how a user's is kept from backtracking for ever, is patterns.py's.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from authgate.config import SEVERITIES, TIERS, Config, ConfigError
from authgate.findings import Action, Severity, Tier
from authgate.patterns import bounded, check_user_regex, compiled
from authgate.record import Record
from authgate.ruleids import any_matches, most_specific

FAMILIES = ("provenance", "leak", "identity")
_CATALOG = {"provenance": "provenance.toml", "leak": "leaks.toml", "identity": "identity.toml"}
_KINDS = ("line", "path", "message", "identity", "env", "trailer", "window", "file", "meta")
_LINES = ("added", "removed", "both")
_KEYS = {"id", "title", "severity", "tier", "action", "kind", "paths", "exclude_paths",
         "regex", "keywords", "lines", "message", "fix", "refs", "params", "ignore_case"}


class Rule(Record):
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
    params: Mapping[str, Any] = {}  # shared by every Rule without params: never changed
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
            return compiled(self.regex, self.ignore_case)
        return bounded(self.id, self.regex, self.ignore_case)

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


class RuleSet:
    """The rules a run applies, in catalog order. A plain class, not a NamedTuple: it
    iterates over its rules, where a tuple would iterate over its one field."""

    __slots__ = ("rules",)

    rules: Final[tuple[Rule, ...]]

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules

    def __eq__(self, other: object) -> bool:
        return type(other) is RuleSet and self.rules == other.rules

    def __hash__(self) -> int:
        return hash(self.rules)

    def __repr__(self) -> str:
        return f"RuleSet(rules={self.rules!r})"

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
        kept.append(rule if level is None else rule._replace(severity=Severity.parse(level)))
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
            text = catalog_bytes(_CATALOG[fam]).decode("utf-8")
            ids.update(m[1] or m[2] for m in _ID_LINE.finditer(text))
    return ids


def agent_variables(config: Config) -> tuple[str, ...]:
    """The environment variables the loaded `env` rules read (shipped and custom): the
    hooks capture these, and only these, from the committer's environment."""
    names = {str(name) for rule in load(config, ("provenance",)) if rule.kind == "env"
             for name in rule.params.get("vars", {})}
    return tuple(sorted(names))


_CACHE: dict[str, tuple[Rule, ...]] = {}


def _catalog(family: str) -> tuple[Rule, ...]:
    if family not in _CACHE:
        doc = parsed(_CATALOG[family])
        _CACHE[family] = tuple(parse_rule(t, f"rules/{_CATALOG[family]}")
                               for t in doc.get("rule", []))
    return _CACHE[family]


# The catalogs ship as files next to this module (package-data). Read by path:
# importlib.resources would import pathlib, zipfile and tempfile, ~8 ms of every commit.
RULES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules")


@functools.cache
def catalog_bytes(name: str) -> bytes:
    """The bytes of the shipped catalog `rules/<name>` (b"" when it is missing), read
    once per process: the rules, contentkind and the hook cache's key all read them."""
    try:
        with open(os.path.join(RULES_DIR, name), "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return b""


# --- parsed catalogs, kept between runs ---------------------------------------------
#
# Parsing the shipped TOML costs about 20 ms, a tenth of a small commit's check, and
# gives the same tables every time for the same bytes. So the parsed tables are kept
# in the user's cache directory, as Python keeps bytecode: one file per catalog,
# marshal (built in, nothing to import) of the tables with the SHA-256 of the catalog
# bytes they came from, prefixed by the SHA-256 of the whole payload. An entry counts
# only for the very bytes being loaded (an upgraded or edited catalog is parsed again)
# and only when its checksum holds (a torn or corrupt file is parsed again, and
# rewritten); marshal never reads unchecked bytes. A catalog holds rules, never
# anything found in a repository, and the config is not cached: custom rules and
# overrides are applied to the tables on every load. Whoever can write the cache
# directory can also replace the installed package or its bytecode: like them, it is
# local state, and CI's `authgate verify` is what holds.

_FORMAT = (f"authgate-catalog/1 marshal {marshal.version} "
           f"py{sys.version_info[0]}.{sys.version_info[1]}")


def cache_dir() -> str | None:
    """$XDG_CACHE_HOME/authgate, else ~/.cache/authgate; None without a home."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "authgate") if os.path.isabs(base) else None


def parsed(name: str) -> dict[str, Any]:
    """The tables of the shipped catalog `rules/<name>`: from the cache when it holds
    these bytes, else parsed (and stored for the next run)."""
    data = catalog_bytes(name)
    key = hashlib.sha256(data).hexdigest()
    directory = cache_dir()
    path = os.path.join(directory, f"catalog-{name}.marshal") if directory else None
    if path is not None:
        kept = _cached(path, key)
        if kept is not None:
            return kept
    from authgate.config import tomllib

    doc: dict[str, Any] = tomllib().loads(data.decode("utf-8"))
    if path is not None:
        _store(path, key, doc)
    return doc


def _cached(path: str, key: str) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    digest, payload = raw[:32], raw[32:]
    if hashlib.sha256(payload).digest() != digest:
        return None
    try:
        entry = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if isinstance(entry, tuple) and len(entry) == 3 and entry[:2] == (_FORMAT, key) \
            and isinstance(entry[2], dict):
        return entry[2]
    return None


def _store(path: str, key: str, doc: dict[str, Any]) -> None:
    try:
        # marshal refuses what it cannot write (a TOML date): then nothing is kept.
        payload = marshal.dumps((_FORMAT, key, doc))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        import tempfile  # only when writing: it imports random and more

        # Written aside and renamed: a concurrent run reads the old file or the new
        # one, never half of one.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".catalog-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError):
        pass  # a read-only or full disk: the next run parses again


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
