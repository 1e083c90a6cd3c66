"""The provenance catalog compiled once per rule set (what each rule kind needs, its
parameters checked), the text normalization every rule matches after, and the
provenance `Finding` builder."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from authgate.config import ConfigError
from authgate.findings import Finding, from_rule
from authgate.patterns import check_user_regex
from authgate.record import Record
from authgate.rules import Rule, RuleSet

FAMILY = "provenance"

STRENGTHS = ("strong", "weak")

# Bidi embedding, override and isolate controls: the trojan-source set (CVE-2021-42574).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# Invisible characters that can split a marker without changing what a reader sees.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u061c" + BIDI_CONTROLS))


def normalize(text: str) -> str:
    """The text a reader sees: invisible characters removed, compatibility forms folded."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text.translate(_INVISIBLE))


def slug(name: str, aliases: Mapping[str, str] | None = None) -> str | None:
    """A tool's short name as the verdict shows it ("Claude Code" -> "claude-code")."""
    key = " ".join(normalize(name).lower().split())
    if aliases and key in aliases:
        return aliases[key]
    out = re.sub(r"[^a-z0-9]+", "-", key).strip("-")[:40]
    return out or None


# Compile-once, and only what a commit needs: a hook is a fresh process, so every
# pattern compiled and never used is paid on every commit. Patterns from `params` are
# kept as strings and compiled by `re` on first use (its cache keeps them); globs are
# gated by their literal text, so a path rule costs a substring test for paths that
# cannot match it; the keywords of every line rule are one pattern, searched once per
# added line before any rule looks at it.
# The holders below are NamedTuples, not dataclasses: a hook imports this module on
# every commit, and a frozen dataclass costs several times more to define.

class _Scoped(Record):
    """A `line` or `window` rule with what it needs per file and per line."""

    rule: Rule
    contexts: frozenset[str] | None
    comment_only: bool
    outside_strings: bool
    closing: str | None  # window rules: the pattern that closes the block
    within: int


class _Env(Record):
    rule: Rule
    vars: tuple[tuple[str, str], ...]  # (variable, value pattern or "")
    fallback: bool


class _Plan(Record):
    identities: tuple[Rule, ...]
    trailers: Mapping[str, tuple[Rule, ...]]
    messages: tuple[Rule, ...]
    envs: tuple[_Env, ...]
    paths: tuple[Rule, ...]
    scoped: tuple[_Scoped, ...]
    bidi: tuple[tuple[Rule, frozenset[str]], ...]
    meta: Mapping[str, Rule]
    aliases: Mapping[str, str]
    alias_source: str  # one pattern for every alias, compiled when a disclosure needs it
    models: Mapping[str, str]  # rule id -> model-name pattern
    # Trailer rules whose key is also a configured trailer name: (TrailerNames field, rule).
    configured: tuple[tuple[str, Rule], ...]
    # The union of the line rules' keywords: a line without any skips those rules.
    gate: re.Pattern[str] | None


_PLANS: dict[int, tuple[RuleSet, _Plan]] = {}


def _plan(rules: RuleSet) -> _Plan:
    """The provenance catalog compiled once per RuleSet (a range verification reuses it
    for every commit)."""
    cached = _PLANS.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
    plan = _compile(rules.family(FAMILY))
    if len(_PLANS) > 8:
        _PLANS.clear()
    _PLANS[id(rules)] = (rules, plan)
    return plan


def _param(rule: Rule, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = rule.params.get(key, default)
    if value is not None and not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"rule '{rule.id}' ({rule.origin}): key 'params.{key}' must be "
                          f"{names}, got {value!r}")
    return value


def _strings(rule: Rule, key: str) -> tuple[str, ...]:
    value = _param(rule, key, list, [])
    if not all(isinstance(v, str) for v in value):
        raise ConfigError(f"rule '{rule.id}' ({rule.origin}): key 'params.{key}' must be "
                          "an array of strings")
    return tuple(value)


def _regex(rule: Rule, key: str, value: str) -> str:
    """A pattern from `params`, as a string; a user's rule is checked now, so a typo is a
    config error and never a crash on some later commit (shipped ones are tested)."""
    if value and rule.origin != "builtin":
        check_user_regex(value, False, f"rule '{rule.id}' ({rule.origin}): key 'params.{key}'")
    return value


def _compile(family: Iterable[Rule]) -> _Plan:
    identities: list[Rule] = []
    trailers: dict[str, list[Rule]] = {}
    messages: list[Rule] = []
    envs: list[_Env] = []
    paths: list[Rule] = []
    scoped: list[_Scoped] = []
    bidi: list[tuple[Rule, frozenset[str]]] = []
    meta: dict[str, Rule] = {}
    aliases: dict[str, str] = {}
    models: dict[str, str] = {}
    configured: list[tuple[str, Rule]] = []
    for rule in family:
        strength = _param(rule, "strength", str, None)
        if strength is not None and strength not in STRENGTHS:
            raise ConfigError(f"rule '{rule.id}' ({rule.origin}): key 'params.strength' "
                              "must be \"strong\" or \"weak\"")
        for name, tool in _param(rule, "aliases", dict, {}).items():
            aliases[" ".join(str(name).lower().split())] = str(tool)
        if rule.kind == "identity":
            identities.append(rule)
        elif rule.kind == "trailer":
            for key in _strings(rule, "keys"):
                trailers.setdefault(key.lower(), []).append(rule)
            attr = _param(rule, "config_trailer", str, None)
            if attr:
                configured.append((attr, rule))
            pattern = _regex(rule, "models", _param(rule, "models", str, ""))
            if pattern:
                models[rule.id] = pattern
        elif rule.kind == "message":
            messages.append(rule)
        elif rule.kind == "env":
            table = _param(rule, "vars", dict, {})
            envs.append(_Env(rule, tuple((str(k), _regex(rule, f"vars.{k}", str(v)))
                                         for k, v in table.items()),
                             bool(_param(rule, "fallback", bool, False))))
        elif rule.kind in ("path", "file"):
            paths.append(rule)
        elif rule.kind in ("line", "window"):
            points = _strings(rule, "codepoints")
            if points:
                bidi.append((rule, frozenset(chr(int(p, 16)) for p in points)))
                continue
            contexts = _strings(rule, "contexts")
            scoped.append(_Scoped(
                rule=rule,
                contexts=frozenset(contexts) if contexts else None,
                comment_only=bool(_param(rule, "comment_only", bool, False)),
                outside_strings=bool(_param(rule, "outside_strings", bool, False)),
                closing=_regex(rule, "closing", _param(rule, "closing", str, "")) or None,
                within=int(_param(rule, "within", int, 200)),
            ))
        elif rule.kind == "meta":
            meta[str(_param(rule, "source", str, ""))] = rule
    # Fallback message and env rules only see what the specific rules left over.
    messages.sort(key=lambda r: bool(r.params.get("fallback")))
    envs.sort(key=lambda e: e.fallback)
    names = sorted(aliases, key=len, reverse=True)
    alias_source = (r"(?i)(?<![\w-])(?:" + "|".join(re.escape(n) for n in names)
                    + r")(?![\w-])") if names else ""
    keywords = {k for s in scoped for k in s.rule.keywords}
    gate = re.compile("|".join(re.escape(k) for k in sorted(keywords))) if keywords else None
    return _Plan(tuple(identities), {k: tuple(v) for k, v in trailers.items()},
                 tuple(messages), tuple(envs), tuple(paths), tuple(scoped), tuple(bidi),
                 meta, aliases, alias_source, models, tuple(configured), gate)


def _finding(rule: Rule, *, path: str | None = None, line: int | None = None,
             evidence: str = "", context: str = "code", tool: str | None = None,
             matched: str | None = None, message: str | None = None) -> Finding:
    return from_rule(rule, message or rule.message, path=path, line=line, context=context,
                     evidence=evidence, value=matched, strength=rule.params.get("strength"),
                     tool=tool or rule.params.get("tool"))
