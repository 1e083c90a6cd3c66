"""What a path's name says about identity: its tier, why, and what the file is.

The repository's own `paths` config wins both ways; then the catalog's path rules,
where the highest tier wins, a ceiling rule (UI, generated files) caps it, and tests,
fixtures and docs are capped at low (they describe identity code; the patterns they
quote are not code)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING

from authgate.checks.context import file_context
from authgate.config import TIERS, Config
from authgate.findings import Tier
from authgate.pathmatch import GlobLists, any_match, literal_core
from authgate.record import Record
from authgate.ruleids import any_matches
from authgate.rules import Rule, RuleSet

from .globs import named_for
from .spec import (
    CONFIG_PATH_RULE,
    Catalog,
    ContentSpec,
    LineSpec,
    PathSpec,
    Spec,
    WindowSpec,
    catalog,
)
from .text import keyword_regex, render

if TYPE_CHECKING:
    from ahocorasick_rs import AhoCorasick

    # The content, line and window rules that read a file, and each line rule's
    # variants that do.
    Plan = tuple[list[ContentSpec], list[LineSpec], Mapping[str, list[int]],
                 list[WindowSpec]]

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


class Scopes:
    """Which of a catalog's glob lists match a path, and which of its path rules'
    words the path holds, each found in one pass over the path (`GlobLists`, an
    Aho-Corasick automaton over the words): asking a hundred rules one by one cost
    more, on a tree, than the rules that read the files.

    `in_scope` is then exactly `Spec.in_scope`, and `words` only leaves out words a
    name cannot hold (`named_for` finds a word only where the path holds it)."""

    def __init__(self, cat: Catalog) -> None:
        specs: tuple[Spec, ...] = (*cat.paths, *cat.content, *cat.lines, *cat.windows)
        self.globs = GlobLists([globs for s in specs
                                for globs in (s.rule.paths, s.rule.exclude_paths)]
                               + [v.paths for s in cat.lines for v in s.variants],
                               ignore_case=True)
        # Words a lower-cased path holds where the name does (ASCII: lower-casing a
        # path is lower-casing each name); any other is always asked about.
        words = {w for s in cat.paths for w in s.words}
        self._words = sorted(w for w in words if w and w.isascii())
        self._other = frozenset(words) - frozenset(self._words)
        self._automaton: AhoCorasick | None = None
        # The rules that read a file, by the lists it matches and what its path class
        # and status say (`identity._plan`): a tree's files come in a few such kinds.
        self.plans: dict[Hashable, Plan] = {}

    def of(self, path: str) -> Scope:
        """The lists `path` matches (indices into `globs.lists`) and the words it may
        hold."""
        words = self._other
        if self._words:
            if self._automaton is None:
                from ahocorasick_rs import AhoCorasick  # a tree's or large change's paths

                self._automaton = AhoCorasick(self._words)
            found = self._automaton.find_matches_as_indexes(path.lower(), overlapping=True)
            if found:
                words = words.union([self._words[k] for k, _, _ in found])
        return Scope(self.globs.matching(path), words)

    def any(self, globs: tuple[str, ...], scope: Scope) -> bool:
        """`any_glob(globs, path, ignore_case=True)` for the path of `scope`."""
        return self.globs.index[globs] in scope.lists

    def in_scope(self, spec: Spec, scope: Scope, roles: frozenset[str]) -> bool:
        """`spec.in_scope(path, roles)` for the path of `scope`."""
        paths, exclude = spec.rule.paths, spec.rule.exclude_paths
        if paths and not self.any(paths, scope):
            return False
        return not (exclude and self.any(exclude, scope)) \
            and (spec.role is None or spec.role in roles)


class Scope:
    """What `Scopes.of` found in one path."""

    __slots__ = ("lists", "words")

    def __init__(self, lists: frozenset[int], words: frozenset[str]) -> None:
        self.lists = lists  # the glob lists the path matches
        self.words = words  # the path rules' words it may hold


_SCOPES: list[tuple[Catalog, Scopes]] = []


def scopes(cat: Catalog) -> Scopes:
    """The catalog's `Scopes`, built once (matched by identity, as catalogs are)."""
    for held, found in _SCOPES:
        if held is cat:
            return found
    found = Scopes(cat)
    _SCOPES[:] = [(cat, found), *_SCOPES[:7]]
    return found


def classify_in(path: str, cat: Catalog, config: Config,
                scope: Scope | None = None) -> PathClass:
    """`path`'s class; `scope` is what `scopes(cat).of(path)` says, when known."""
    context = file_context(path)
    roles: set[str] = set()
    only: list[str] = []
    best: tuple[PathSpec, str] | None = None
    ceiling: tuple[PathSpec, str] | None = None
    found = scopes(cat)
    if scope is None:
        scope = found.of(path)
    for spec in cat.paths:
        glob = _matches(spec, path, found, scope)
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


def _matches(spec: PathSpec, path: str, found: Scopes, scope: Scope) -> str | None:
    """How the rule's globs or words match the path (for its message), or None."""
    glob = None
    if spec.rule.paths and found.any(spec.rule.paths, scope):
        glob = any_match(spec.rule.paths, path, ignore_case=True) or ""
    elif not scope.words.isdisjoint(spec.words):
        glob = named_for(spec.words, path)
    if glob is None or (spec.rule.exclude_paths
                        and found.any(spec.rule.exclude_paths, scope)):
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
