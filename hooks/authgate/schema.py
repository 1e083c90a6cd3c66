"""What a valid authgate config is: every key of `.authgate.toml` / `[tool.authgate]`,
checked whole when the config loads, before any change is read.

Each error is one line, `<file>: key '<dotted key>' <what was expected>`, and a
ConfigError (exit 2) in every command: a typo must never silently switch a check off,
and a user's broken rule must not wait for some later commit to fail. That covers:

- the types and values of every key (`TOP` and the sections below);
- every glob (a broken one is the user's to fix, not a crash);
- custom rules (`[[rules.custom]]`): the common keys as the catalogs read them
  (`rules.parse_rule`), each `params` value with the type the shipped rules of its
  family give it, no `params` key the family does not read, and the rule compiled by
  the check that will run it, so a kind's own constraints fail now;
- every rule id or prefix the config names (policy, `rules.disable`,
  `rules.severity`, allowlists) against the loaded catalogs, custom rules included:
  an unknown one is an error naming the closest that exists (ruleids.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from authgate import ruleids
from authgate.config import (
    ACTIONS,
    CONTENT_KINDS,
    MAX_FILE_SIZE_LIMIT,
    RESERVED_TRAILERS,
    SEVERITIES,
    TIERS,
    AllowEntry,
    Config,
    ConfigError,
    TrailerNames,
)

if TYPE_CHECKING:
    from authgate.rules import Rule

# key -> validator/converter (its `expected` says what it wants). Sections are tables.
def _str_list(v: Any) -> tuple[str, ...] | None:
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return tuple(v)
    return None


def _one_of(options: tuple[str, ...]) -> Any:
    def check(v: Any) -> str | None:
        return v if isinstance(v, str) and v in options else None
    check.expected = "one of " + " | ".join(f'"{o}"' for o in options)  # type: ignore[attr-defined]
    return check


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else None


def _size(v: Any) -> int | None:
    return v if _int(v) is not None and v <= MAX_FILE_SIZE_LIMIT else None


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _bool(v: Any) -> bool | None:
    return v if isinstance(v, bool) else None


_str_list.expected = "an array of strings"  # type: ignore[attr-defined]
_int.expected = "a positive integer"  # type: ignore[attr-defined]
_size.expected = f"a positive integer up to {MAX_FILE_SIZE_LIMIT}"  # type: ignore[attr-defined]
_str.expected = "a string"  # type: ignore[attr-defined]
_bool.expected = "a boolean"  # type: ignore[attr-defined]

TOP = {
    "max_file_size": _size,
    "exclude": _str_list,
    "ai": _one_of(("allow", "disclose", "forbid")),
    "internal_domains": _str_list,
    "production_domains": _str_list,
    "security_owners": _str_list,
    "approvers": _str_list,
    "require_approval": _bool,
    "baseline": _str,
    "verify_since": _str,
}
_SECTIONS = ("reviews", "policy", "trailers", "rules", "paths", "content", "allowlist")



def parse(table: Mapping[str, Any], source: str) -> Config:
    """Validate a config table; every error names `source` and the dotted key."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{source}: expected a table")
    values: dict[str, Any] = {"source": source}
    for key, raw in table.items():
        if key in TOP:
            values[key] = _check(source, key, raw, TOP[key])
            if key == "exclude":
                _globs(source, key, values[key])
        elif key == "reviews":
            values["reviews"] = _reviews(source, raw)
        elif key == "policy":
            values.update(_policy(source, raw))
        elif key == "trailers":
            values["trailers"] = _trailers(source, raw)
        elif key == "rules":
            values.update(_rules(source, raw))
        elif key == "paths":
            values["paths"] = _tier_map(source, "paths", raw)
        elif key == "content":
            values["content"] = _content(source, raw)
        elif key == "allowlist":
            values["allowlist"] = _allowlist(source, raw)
        else:
            known = ", ".join(sorted([*TOP, *_SECTIONS]))
            raise ConfigError(f"{source}: unknown key '{key}' (known: {known})")
    cfg = Config(**values)
    _references(cfg)
    return cfg


def _check(source: str, key: str, raw: Any, conv: Any) -> Any:
    value = conv(raw)
    if value is None:
        raise ConfigError(f"{source}: key '{key}' must be {conv.expected}, got {raw!r}")
    return value


def _table(source: str, key: str, raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: key '{key}' must be a table, got {raw!r}")
    return raw


def _reviews(source: str, raw: Any) -> Mapping[str, tuple[str, ...]]:
    merged = dict(Config().reviews)
    merged.update(_tier_map(source, "reviews", raw))
    return merged


def _tier_map(source: str, key: str, raw: Any) -> Mapping[str, tuple[str, ...]]:
    out = {}
    for tier, value in _table(source, key, raw).items():
        if tier not in TIERS:
            raise ConfigError(f"{source}: unknown key '{key}.{tier}' (tiers: {', '.join(TIERS)})")
        out[tier] = _check(source, f"{key}.{tier}", value, _str_list)
        if key == "paths":
            _globs(source, f"{key}.{tier}", out[tier])
    return out


def _content(source: str, raw: Any) -> Mapping[str, tuple[str, ...]]:
    """`[content]`: globs forced to source, or added to a kind of content that is not
    source (contentkind.py)."""
    known = ("source", *CONTENT_KINDS)
    out = {}
    for key, value in _table(source, "content", raw).items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key 'content.{key}' (known: "
                              f"{', '.join(known)})")
        out[key] = _check(source, f"content.{key}", value, _str_list)
        _globs(source, f"content.{key}", out[key])
    return out


def _globs(source: str, key: str, globs: Any) -> None:
    """Every glob of `key` compiles: a broken one is the user's to fix, not a crash."""
    from authgate.pathmatch import compile_glob

    for glob in globs if isinstance(globs, (list, tuple)) else (globs,):
        if not isinstance(glob, str):
            continue  # the type is checked (and reported) where the value is read
        try:
            compile_glob(glob)
        except (re.error, ValueError, RecursionError) as exc:
            why = exc.msg if isinstance(exc, re.error) else str(exc)
            raise ConfigError(f"{source}: key '{key}' has an invalid glob {glob!r}: "
                              f"{why}") from exc


def _policy(source: str, raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    actions: dict[str, str] = {}
    for key, value in _table(source, "policy", raw).items():
        if key == "missing_tests_ai":
            out["missing_tests_ai_action"] = _check(source, "policy.missing_tests_ai", value,
                                                    _one_of(ACTIONS))
        else:
            actions[key] = _check(source, f"policy.{key}", value, _one_of(ACTIONS))
    out["policy"] = actions
    return out


def _trailers(source: str, raw: Any) -> TrailerNames:
    known = set(TrailerNames._fields)
    values = {}
    for key, value in _table(source, "trailers", raw).items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key 'trailers.{key}' "
                              f"(known: {', '.join(sorted(known))})")
        text = _check(source, f"trailers.{key}", value, _str)
        if not text or not all(c.isascii() and (c.isalnum() or c == "-") for c in text):
            raise ConfigError(f"{source}: key 'trailers.{key}' must be a trailer name "
                              f"(ASCII letters, digits, '-'), got {value!r}")
        if text.lower() in RESERVED_TRAILERS:
            raise ConfigError(f"{source}: key 'trailers.{key}' must not be {text!r}: git or "
                              "other tools own that trailer, and authgate rewrites its own")
        values[key] = text
    names = TrailerNames(**values)
    # Set keys first, so that a clash names the key the user wrote.
    order = sorted(TrailerNames._fields, key=lambda k: k not in values)
    seen: dict[str, str] = {}
    for key in order:
        name = getattr(names, key)
        other = seen.setdefault(name.lower(), key)
        if other != key:
            raise ConfigError(f"{source}: key 'trailers.{other}' must differ from "
                              f"'trailers.{key}' (both are {name!r})")
    return names


def _rules(source: str, raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in _table(source, "rules", raw).items():
        if key == "disable":
            out["disable"] = _check(source, "rules.disable", value, _str_list)
        elif key == "severity":
            sev = {}
            for rid, level in _table(source, "rules.severity", value).items():
                sev[rid] = _check(source, f"rules.severity.{rid}", level, _one_of(SEVERITIES))
            out["severity"] = sev
        elif key == "custom":
            if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
                raise ConfigError(f"{source}: key 'rules.custom' must be an array of tables "
                                  "([[tool.authgate.rules.custom]])")
            for i, rule in enumerate(value):
                _custom_rule(source, f"rules.custom[{i}]", rule)
            out["custom_rules"] = tuple(value)
        else:
            raise ConfigError(f"{source}: unknown key 'rules.{key}' "
                              "(known: custom, disable, severity)")
    return out


# Nesting deeper than this in a custom rule is no rule the checks could read.
_MAX_DEPTH = 8


def _custom_rule(source: str, where: str, table: Mapping[str, Any]) -> None:
    """A custom rule, checked as the catalogs and its family's check will read it."""
    from authgate import rules  # the catalogs import this module's config

    rule = rules.parse_rule(table, source, origin="config", key=where)
    for key in ("paths", "exclude_paths"):
        if key in table:
            _globs(source, f"{where}.{key}", table[key])
    shape = _param_shapes(rule.family)
    if rule.family != "identity":  # identity's kinds list their own keys (below)
        unknown = sorted(set(rule.params) - set(shape.keys))
        if unknown:
            raise ConfigError(f"{source}: unknown key '{where}.params.{unknown[0]}' "
                              f"(known: {', '.join(sorted(shape.keys))})")
    _conforms(source, f"{where}.params", rule.params, shape, 0)
    _compiles(source, where, rule)


def _compiles(source: str, where: str, rule: Rule) -> None:
    """The rule compiled by the check that runs it, as a commit would: a kind's own
    constraints (a variant without a regex, an unknown `match`) fail now. The checks
    name the key relative to the rule (`params.match`); here it gets its full key."""
    from authgate import rules

    try:
        if rule.family == "identity":
            from authgate.checks.identity.spec import compile_rule

            compile_rule(rule)
        elif rule.family == "provenance":
            from authgate.checks.provenance.plan import _compile

            _compile([rule])
        else:
            from authgate.checks.leaks.plan import _plan

            _plan(rules.RuleSet((rule,)), Config())
    except ConfigError as exc:
        raise ConfigError(f"{source}: {_full_key(str(exc), where)}") from exc


# What a check puts before the key: `rule 'x.y' (config): `, `rules.custom (x.y): bad
# params: `, `rule x.y: `.
_RULE_PREFIX = re.compile(r"^(?:rule '?[a-z0-9.-]+'?(?: \(\w+\))?|rules\.custom \([a-z0-9.-]+\)): "
                          r"(?:bad params: )?")
_PARAM_KEY = re.compile(r"(?:key ')?params((?:\.[^' :,]+)?)'?")


def _full_key(message: str, where: str) -> str:
    text = _RULE_PREFIX.sub("", message, count=1)
    return _PARAM_KEY.sub(lambda m: f"key '{where}.params{m[1]}'", text, count=1)


def _references(cfg: Config) -> None:
    """Every rule id or prefix the config names matches a rule of the catalogs (custom
    rules included); the catalogs are read only when the config names one."""
    named = [*((f"policy.{key}", ruleids.scope(key)[0]) for key in cfg.policy),
             *(("rules.disable", rid) for rid in cfg.disable),
             *((f"rules.severity.{rid}", rid) for rid in cfg.severity),
             *((f"allowlist[{i}].rule", e.rule) for i, e in enumerate(cfg.allowlist)
               if e.rule)]
    if not named:
        return
    from authgate import rules

    ids = rules.known_ids(cfg)
    for key, pattern in named:
        why = ruleids.unknown(pattern, ids)
        if why:
            raise ConfigError(f"{cfg.source}: key '{key}' {why}")


class _Shape:
    """The types one parameter takes in the shipped catalogs (learned, not written)."""

    __slots__ = ("items", "keys", "kinds")

    def __init__(self) -> None:
        self.kinds: set[str] = set()
        self.items: _Shape | None = None  # of an array's elements
        self.keys: dict[str, _Shape] = {}  # of a table's keys

    def learn(self, value: Any) -> None:
        self.kinds.add(_kind(value))
        if isinstance(value, list):
            for item in value:
                self.items = self.items or _Shape()
                self.items.learn(item)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                self.keys.setdefault(k, _Shape()).learn(v)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return "a date or time"


_SHAPES: dict[str, _Shape] = {}


def _param_shapes(family: str) -> _Shape:
    if family not in _SHAPES:
        from authgate import rules  # the catalogs import this module

        shape = _Shape()
        if family in rules.FAMILIES:
            for rule in rules.load(Config(), (family,)):
                shape.learn(dict(rule.params))
        _SHAPES[family] = shape
    return _SHAPES[family]


def _conforms(source: str, key: str, value: Any, shape: _Shape | None, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ConfigError(f"{source}: key '{key}' is nested too deeply")
    if shape is not None and shape.kinds and _kind(value) not in shape.kinds:
        expected = " or ".join(sorted(shape.kinds))
        raise ConfigError(f"{source}: key '{key}' must be {expected}, got {value!r}")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _conforms(source, f"{key}[{i}]", item, shape.items if shape else None, depth + 1)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            sub = shape.keys.get(k) if shape else None
            _conforms(source, f"{key}.{k}", v, sub, depth + 1)
            if k in ("paths", "exclude_paths"):
                _globs(source, f"{key}.{k}", v)


# A finding's fingerprint as the text report shows it, or the whole SARIF one.
_FINGERPRINT = re.compile(r"[0-9a-f]{12,32}")


def _allowlist(source: str, raw: Any) -> tuple[AllowEntry, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{source}: key 'allowlist' must be an array of tables "
                          "([[tool.authgate.allowlist]])")
    entries = []
    for i, item in enumerate(raw):
        where = f"allowlist[{i}]"
        item = _table(source, where, item)
        unknown = set(item) - {"reason", "rule", "path", "hash", "fingerprint"}
        if unknown:
            raise ConfigError(f"{source}: unknown key '{where}.{sorted(unknown)[0]}' "
                              "(known: fingerprint, hash, path, reason, rule)")
        if "reason" not in item:
            raise ConfigError(f"{source}: key '{where}.reason' is required "
                              "(a string saying why)")
        reason = _check(source, f"{where}.reason", item["reason"], _str)
        if not reason.strip():
            raise ConfigError(f"{source}: key '{where}.reason' must say why (it is required)")
        entry = AllowEntry(reason=reason, **{k: _check(source, f"{where}.{k}", item[k], _str)
                                             for k in ("rule", "path", "hash", "fingerprint")
                                             if k in item})
        if entry.fingerprint and not _FINGERPRINT.fullmatch(entry.fingerprint):
            raise ConfigError(f"{source}: key '{where}.fingerprint' must be a finding's "
                              "fingerprint as the report shows it (12 to 32 hex digits)")
        if entry.path:
            _globs(source, f"{where}.path", entry.path)
        if not (entry.rule or entry.path or entry.hash or entry.fingerprint):
            raise ConfigError(f"{source}: key '{where}' needs at least one of rule, path, "
                              "hash, fingerprint")
        entries.append(entry)
    return tuple(entries)


