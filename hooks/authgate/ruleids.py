"""Rule ids and the patterns that name them: the one definition of "this pattern names
that rule", used by policy, `rules.disable`, `rules.severity`, allowlists, inline
allow comments, the reviewer checklist and the identity path classes.

A pattern is a rule id (`leak.endpoint.webhook`) or an id prefix cut at a dot
(`leak.endpoint`, `leak`): `leak.end` names nothing. A trailing `*` is the same prefix
(`leak.endpoint.*`, `leak.endpoint*`); a pattern that is only `*` names nothing (a
line or a policy that silences every rule must be written family by family). Policy
keys may scope a pattern to a context with `@` (`leak.endpoint@comment`); there the
longest pattern wins, and at equal length the scoped key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

V = TypeVar("V")


def normal(pattern: str) -> str:
    """The pattern without its trailing `*` (and the dot before it)."""
    return pattern.rstrip("*").rstrip(".")


def matches(pattern: str, rule_id: str) -> bool:
    base = normal(pattern)
    return bool(base) and (rule_id == base or rule_id.startswith(base + "."))


def any_matches(patterns: Iterable[str], rule_id: str) -> bool:
    return any(matches(p, rule_id) for p in patterns)


def most_specific(table: Mapping[str, V], rule_id: str, context: str = "") -> V | None:
    """The value of the longest key of `table` that names `rule_id` (keys as written
    in config: `prefix`, `prefix.*`, `prefix@context`), None when no key does."""
    parts = rule_id.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        for base in (prefix, prefix + ".*", prefix + "*"):
            for key in ((f"{base}@{context}", base) if context else (base,)):
                if key in table:
                    return table[key]
    return None


def scope(key: str) -> tuple[str, str]:
    """A policy key's pattern and context (`leak.endpoint@comment`)."""
    pattern, _, context = key.partition("@")
    return pattern, context


def unknown(pattern: str, ids: Iterable[str]) -> str | None:
    """Why `pattern` names no rule among `ids`, with the closest id or prefix that
    exists; None when it names at least one."""
    known = list(ids)
    if any(matches(pattern, i) for i in known):
        return None
    if not normal(pattern):
        return f"names no rule: '{pattern}' alone matches nothing (name a family: " \
               f"{', '.join(sorted({i.split('.', 1)[0] for i in known}))})"
    import difflib  # only for an error

    prefixes = {".".join(i.split(".")[:n]) for i in known for n in range(1, i.count(".") + 1)}
    close = difflib.get_close_matches(normal(pattern), sorted({*known, *prefixes}), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "see `authgate rules`"
    return f"names unknown rule '{pattern}' ({hint})"
