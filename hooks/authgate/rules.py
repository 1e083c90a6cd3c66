"""Rule catalogs: shipped TOML data plus the user's additions and overrides.

A catalog is `rules/<family>.toml`, an array of `[[rule]]` tables. Common keys are
validated here; family-specific data sits in `[rule.params]` and belongs to the check
that reads it. Regexes compile once, when the catalog loads; `keywords` is a cheap
lower-case substring prefilter that gates the regex, as in gitleaks.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from authgate.config import SEVERITIES, TIERS, Config, ConfigError
from authgate.findings import Action, Severity, Tier

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
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
        a few dozen of them, and compiling all up front cost more than the checks."""
        return None if self.regex is None else _compiled(self.regex, self.ignore_case)

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
    """Shipped catalogs of `families`, plus custom rules, minus disabled, re-graded."""
    wanted = tuple(families)
    rules: dict[str, Rule] = {}
    for fam in wanted:
        for rule in _catalog(fam):
            rules[rule.id] = rule
    for i, table in enumerate(config.custom_rules):
        rule = parse_rule(table, f"{config.source}: rules.custom[{i}]", origin="config")
        if rule.family in wanted:
            rules[rule.id] = rule
    known_or_prefix = set(rules)
    for rid in config.disable:
        if not _known(rid, known_or_prefix) and _is_shipped_family(rid, wanted):
            raise ConfigError(f"{config.source}: key 'rules.disable' names unknown rule '{rid}'"
                              " (see `authgate rules`)")
    for rid, level in config.severity.items():
        if rid in rules:
            rules[rid] = replace(rules[rid], severity=Severity.parse(level))
        elif _is_shipped_family(rid, wanted):
            raise ConfigError(f"{config.source}: key 'rules.severity.{rid}' names an unknown "
                              "rule (see `authgate rules`)")
    kept = tuple(r for r in rules.values()
                 if not any(r.id == d or r.id.startswith(d + ".") for d in config.disable))
    return RuleSet(kept)


def _known(rid: str, ids: set[str]) -> bool:
    return rid in ids or any(i.startswith(rid + ".") for i in ids)


def _is_shipped_family(rid: str, loaded: tuple[str, ...]) -> bool:
    return rid.split(".", 1)[0] in loaded


_CACHE: dict[str, tuple[Rule, ...]] = {}


@functools.cache
def _compiled(regex: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


def _catalog(family: str) -> tuple[Rule, ...]:
    if family not in _CACHE:
        name = _CATALOG[family]
        try:
            data = resources.files("authgate").joinpath("rules").joinpath(name).read_bytes()
        except FileNotFoundError:
            _CACHE[family] = ()
            return ()
        doc = tomllib.loads(data.decode("utf-8"))
        _CACHE[family] = tuple(parse_rule(t, f"rules/{name}") for t in doc.get("rule", []))
    return _CACHE[family]


def parse_rule(table: Mapping[str, Any], source: str, origin: str = "builtin") -> Rule:
    rid = table.get("id")
    where = f"{source} ({rid})" if isinstance(rid, str) else source
    if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9]+(?:[.-][a-z0-9]+)+", rid):
        raise ConfigError(f"{where}: key 'id' must be a dotted lower-case slug like "
                          "'identity.jwt.none-algorithm'")
    if rid.split(".", 1)[0] not in FAMILIES:
        raise ConfigError(f"{where}: key 'id' must start with one of {', '.join(FAMILIES)}")
    unknown = set(table) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key '{sorted(unknown)[0]}' "
                          f"(known: {', '.join(sorted(_KEYS))})")

    def get(key: str, kind: type, default: Any) -> Any:
        value = table.get(key, default)
        if kind is tuple:
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: key '{key}' must be an array of strings")
            return tuple(value)
        if not isinstance(value, kind):
            raise ConfigError(f"{where}: key '{key}' must be {kind.__name__}, got {value!r}")
        return value

    def choice(key: str, options: tuple[str, ...], default: str) -> str:
        value = get(key, str, default)
        if value not in options:
            raise ConfigError(f"{where}: key '{key}' must be one of {', '.join(options)}")
        return str(value)

    regex = table.get("regex")
    ignore_case = bool(get("ignore_case", bool, False))
    if regex is not None:
        if not isinstance(regex, str):
            raise ConfigError(f"{where}: key 'regex' must be a string")
        if origin != "builtin":
            # A user's pattern is checked now, so its error names the config key;
            # shipped ones are proven by the test suite and compile lazily.
            try:
                _compiled(regex, ignore_case)
            except re.error as exc:
                raise ConfigError(f"{where}: key 'regex' does not compile: {exc}") from exc
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
