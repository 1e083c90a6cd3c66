"""What a path's name says about identity: its tier, why, and what the file is.

The repository's own `paths` config wins both ways; then the catalog's path rules,
where the highest tier wins, a ceiling rule (UI, generated files) caps it, and tests,
fixtures and docs are capped at low (they describe identity code; the patterns they
quote are not code)."""

from __future__ import annotations

from collections.abc import Iterable

from authgate.checks.context import file_context
from authgate.config import TIERS, Config
from authgate.findings import Tier
from authgate.pathmatch import any_glob, any_match, literal_core
from authgate.record import Record
from authgate.ruleids import any_matches
from authgate.rules import Rule, RuleSet

from .globs import named_for
from .spec import CONFIG_PATH_RULE, Catalog, PathSpec, catalog
from .text import keyword_regex, render

QUIET_CONTEXTS = ("test", "fixture", "docs")
QUIET_CEILING = Tier.LOW


class PathClass(Record):
    """What a path's name says: its tier, why, and what the file is."""

    tier: Tier
    rule: Rule | None
    glob: str
    capped: str  # why the tier was capped, or ""
    roles: frozenset[str]
    content: bool  # whether content and pattern rules read this file
    context: str
    named: str | None = None  # the path the tier comes from, when not this one (a move)
    only: tuple[str, ...] = ()  # rule id prefixes that read it; empty: all

    def reads(self, rule_id: str) -> bool:
        return not self.only or any_matches(self.only, rule_id)

    def message(self, path: str) -> str:
        if self.rule is None:
            return ""
        tier = self.tier if self.rule.id == CONFIG_PATH_RULE else ""
        text = render(self.rule.message, path=path, glob=self.glob, tier=tier)
        return f"{text} ({self.capped})" if self.capped else text


def classify(path: str, rules: RuleSet, config: Config) -> PathClass:
    """The tier a path has by its name alone (user `paths` first, then the catalog)."""
    return classify_in(path, catalog(rules), config)


def _config_match(path: str, config: Config) -> tuple[Tier, str] | None:
    for name in reversed(TIERS):
        glob = any_match(config.paths.get(name, ()), path)
        if glob:
            return Tier.parse(name), glob
    return None


def classify_in(path: str, cat: Catalog, config: Config) -> PathClass:
    context = file_context(path)
    roles: set[str] = set()
    only: list[str] = []
    best: tuple[PathSpec, str] | None = None
    ceiling: tuple[PathSpec, str] | None = None
    for spec in cat.paths:
        glob = _matches(spec, path)
        if glob is None:
            continue
        if spec.role:
            roles.add(spec.role)
        if spec.context:
            context = spec.context
        only.extend(spec.only)
        if spec.ceiling:
            ceiling = ceiling or (spec, glob)
        elif best is None or spec.rule.tier > best[0].rule.tier:
            best = (spec, glob)
    quiet = context in QUIET_CONTEXTS
    content = not quiet and (ceiling is None or ceiling[0].content)
    user = _config_match(path, config) if cat.config_rule else None
    if user is not None and cat.config_rule is not None:
        # The repository's own path list wins over the shipped one, both ways.
        return PathClass(user[0], cat.config_rule.rule, user[1], "", frozenset(roles),
                         content, context, only=tuple(only))
    if best is None or best[0].rule.tier == Tier.NONE:
        return PathClass(Tier.NONE, None, "", "", frozenset(roles), content, context,
                         only=tuple(only))
    spec, glob = best
    tier, capped = spec.rule.tier, ""
    if not spec.over_ceiling:
        if ceiling is not None and ceiling[0].rule.tier < tier:
            tier = ceiling[0].rule.tier
            capped = f"{ceiling[1]}: capped at {tier}"
        if quiet and tier > QUIET_CEILING:
            tier, capped = QUIET_CEILING, f"{context} file: capped at {QUIET_CEILING}"
    return PathClass(tier, spec.rule, glob, capped, frozenset(roles), content, context,
                     only=tuple(only))


def _matches(spec: PathSpec, path: str) -> str | None:
    """How the rule's globs or words match the path (for its message), or None."""
    glob = None
    if spec.rule.paths and any_glob(spec.rule.paths, path, ignore_case=True):
        glob = any_match(spec.rule.paths, path, ignore_case=True) or ""
    else:
        glob = named_for(spec.words, path)
    if glob is None or (spec.rule.exclude_paths
                        and any_glob(spec.rule.exclude_paths, path, ignore_case=True)):
        return None
    return glob


def sensitive_paths(paths: Iterable[str], rules: RuleSet, config: Config,
                    min_tier: Tier = Tier.HIGH) -> list[tuple[str, PathClass]]:
    """Paths whose name alone puts them at `min_tier` or above, with the reason."""
    cat = catalog(rules)
    # A first pass over a whole tree's file list: a path can only reach `min_tier` by
    # name if it contains the literal core of a glob of a rule at that tier or above.
    literal = {c for s in cat.paths if s.rule.tier >= min_tier and not s.ceiling
               for c in (*map(literal_core, s.rule.paths), *s.words)}
    candidate = keyword_regex(literal) if "" not in literal else None
    everything = candidate is None or bool(cat.config_rule and config.paths)
    out = []
    for path in paths:
        if not everything and candidate is not None \
                and candidate.search(path.lower()) is None:
            continue
        pc = classify_in(path, cat, config)
        if pc.tier >= min_tier:
            out.append((path, pc))
    return out
