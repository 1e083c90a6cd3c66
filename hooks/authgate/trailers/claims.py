"""The claim format: which trailers a verdict calls for, what an impact trailer
claims, and merging values so that a claim is never weakened (a stricter value
replaces a weaker one, lists are united, duplicates collapse)."""

from __future__ import annotations

from collections.abc import Sequence

from authgate.config import TrailerNames
from authgate.findings import Tier
from authgate.policy import Verdict

# --- what a verdict asks for -----------------------------------------------------------

def wanted(verdict: Verdict, names: TrailerNames, tree: str | None) -> list[tuple[str, str]]:
    """The trailers a verdict calls for, in the order they are written."""
    out: list[tuple[str, str]] = []
    if verdict.tier > 0:
        out.append((names.impact, str(verdict.tier)))
    if verdict.required_reviews:
        out.append((names.reviews, ", ".join(verdict.required_reviews)))
    if verdict.ai_assisted or verdict.disclose_ai:
        out.append((names.ai, ", ".join(verdict.ai_tools) or "yes"))
    if verdict.suppressed:
        out.append((names.suppressed, str(verdict.suppressed)))
    if out and tree:
        out.append((names.tree, tree))
    return out


# --- merging: never weaker than what is there ------------------------------------------

_FIELDS = TrailerNames._fields
_ORDER = ("impact", "reviews", "ai", "suppressed", "tree")
# Values of AI-Assisted that name no tool: dropped once a tool is named.
_NO_TOOL = frozenset({"yes", "true", "no", "none", "false", "unknown", ""})


def _field_of(names: TrailerNames) -> dict[str, str]:
    return {getattr(names, f).lower(): f for f in _FIELDS}


def _tokens(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def _union(groups: Sequence[list[str]]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for group in groups:
        for token in group:
            if token.lower() not in seen:
                seen.add(token.lower())
                out.append(token)
    return out


def _one_per_tool(tokens: list[str]) -> list[str]:
    """One entry per tool: `claude-code` and `claude-code (session 42)` name the same
    tool. The longer spelling is kept, so no words the author wrote are lost."""
    out: dict[str, str] = {}
    for token in tokens:
        key = token.split("(", 1)[0].strip().lower()
        if len(token) > len(out.get(key, "")):
            out[key] = token
    return list(out.values())


def tier_of(value: str) -> Tier | None:
    """The tier an impact trailer claims: its first word (an author may explain it)."""
    words = value.replace(",", " ").replace(";", " ").split()
    try:
        return Tier.parse(words[0]) if words else None
    except KeyError:
        return None


_tier = tier_of


def _count(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def merge_value(field: str, new: Sequence[str], old: Sequence[str]) -> str | None:
    """The one value of `field` that is at least as strong as every value given.

    `new` are the values just computed, `old` those already in the message (or in
    HEAD's). None when there is nothing to write."""
    values = [*new, *old]
    if not values:
        return None
    if field == "impact":
        tiers = [t for t in map(_tier, values) if t is not None]
        return str(max(tiers)) if tiers else values[0]
    if field == "reviews":
        merged = _union([_tokens(v) for v in values])
        return ", ".join(merged) if merged else values[0]
    if field == "ai":
        merged = _one_per_tool(_union([_tokens(v) for v in values]))
        tools = [t for t in merged if t.lower() not in _NO_TOOL]
        if tools:
            return ", ".join(tools)
        return new[0] if new else values[0]
    if field == "suppressed":
        counts = [c for c in map(_count, values) if c is not None]
        return str(max(counts)) if counts else values[0]
    return values[0]  # tree: the newest binding wins


def _same(field: str, a: str, b: str) -> bool:
    """Equal in meaning: no rewrite (and no churn) when only spelling differs."""
    if field in ("reviews", "ai"):
        return {t.lower() for t in _tokens(a)} == {t.lower() for t in _tokens(b)}
    if field == "impact" and _tier(a) is not None:
        return _tier(a) == _tier(b)
    return a.strip() == b.strip()
