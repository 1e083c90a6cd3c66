"""The identity catalog compiled: one typed spec per rule, by kind, its params checked
when the catalog is built (before any line is read), so a user's broken rule is one
ConfigError naming it and never a crash half-way through a commit.

Kinds (the header of rules/identity.toml says what each param means):

- `path` -> PathSpec: tier by file name;
- `identity` -> ContentSpec: a keyword in a changed line raises the file's tier;
- `line` -> LineSpec with its Variants: a pattern over added (or removed) lines;
- `window` -> WindowSpec: a comparison over a hunk (a lowered number, a list's head);
- `meta` -> TestsSpec (with `case` tables: negative-case tests) or MetaSpec.

Shipped regexes compile the first time a change needs them (`text.Rx`); a user's
compile here, so their errors name the config key. The catalog itself is built once
per loaded RuleSet (`catalog`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from authgate.config import ConfigError
from authgate.findings import Finding, Tier, from_rule
from authgate.pathmatch import in_scope
from authgate.record import Record
from authgate.rules import Rule, RuleSet

from .params import ParamError, Params
from .text import KeywordIndex, Rx

CONFIG_PATH_RULE = "identity.path.config"

_COMMON = ("topic", "role")
_STATE = ("section", "section_header", "down", "up")
_VARIANT = ("near", "window", "near_before", "near_key", "unless", "absent",
            "call_absent", "args", "args_raw", "key_arg", "key_name")
_ALLOWED = {
    "path": (*_COMMON, "ceiling", "content", "over_ceiling", "context", "source", "words",
             "only"),
    "identity": (*_COMMON, *_STATE, "over_ceiling"),
    "line": (*_COMMON, *_STATE, *_VARIANT, "secret", "balance", "unit", "variant",
             "code_only", "soften", "family", "switch", "hardening", "defaulted", "weakened"),
    "window": (*_COMMON, "check", "direction", "below_floor", "factor", "list"),
    "meta": (*_COMMON, "min_tier", "case", "decision", "failure", "partial_rule", "decides"),
}
_TIERS = ("none", "low", "medium", "high", "critical")
_CHECKS = ("compare", "first-entry")


# --- specs ---------------------------------------------------------------------------


class Spec:
    """What every identity rule has: its rule, its topic, where it applies.

    A kind's spec declares its fields as annotated class attributes with defaults;
    the constructor takes them by keyword. (Plain classes: a catalog loads on every
    commit, and generating dataclass methods cost more than the whole check.)"""

    _fields: ClassVar[dict[str, Any]] = {"topic": None, "role": None}

    rule: Rule
    topic: str | None = None
    role: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A class without annotations of its own sees its parent's: same defaults.
        own = {name: getattr(cls, name) for name in getattr(cls, "__annotations__", {})
               if name not in ("rule", "_fields") and hasattr(cls, name)}
        cls._fields = {**cls._fields, **own}

    def __init__(self, rule: Rule, **values: Any) -> None:
        unknown = set(values) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        self.rule = rule
        for name, default in self._fields.items():
            setattr(self, name, values.get(name, default))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.rule.id})"

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def keyed(self) -> bool:
        """Whether the rule has keywords (a cheap substring prefilter, as in gitleaks)."""
        return bool(self.rule.keywords)

    def wants(self, lowered: str) -> bool:
        return not self.rule.keywords or any(k in lowered for k in self.rule.keywords)

    def in_scope(self, path: str, roles: frozenset[str]) -> bool:
        return in_scope(self.rule.paths, self.rule.exclude_paths, path, ignore_case=True) \
            and (self.role is None or self.role in roles)

    def finding(self, message: str, path: str | None, line: int | None, context: str,
                evidence: str = "", tier: Tier | None = None,
                hash_of: str | None = None) -> Finding:
        return from_rule(self.rule, message, path=path, line=line, context=context,
                         evidence=evidence, tier=tier, value=hash_of)


class PathSpec(Spec):
    # The rule's tier caps instead of raising; `content` False: content and pattern
    # rules skip the files it caps.
    ceiling: bool = False
    content: bool = True
    over_ceiling: bool = False  # no cap applies (governance files)
    context: str | None = None  # what the file is when the shared globs say otherwise
    # Words that name the topic: a whole word of the file name (auth_backend.py,
    # LoginController.java) or a whole folder name (auth/, oauth2/), never a piece of
    # one (oauthlib/, better-auth/, author.py).
    words: tuple[str, ...] = ()
    # Only rules with these id prefixes read the files it names (manifests: the
    # dependency rules, not every rule that knows a library's name).
    only: tuple[str, ...] = ()


class ScanSpec(Spec):
    """A rule that reads changed lines, with the per-hunk state some of them need."""

    section: Rx | None = None  # only lines under a table header matching this
    section_header: Rx | None = None
    down: Rx | None = None  # migration rollback sections (skipped) ...
    up: Rx | None = None  # ... until a forward section starts again

    @property
    def stateful(self) -> bool:
        return self.section is not None or self.down is not None


class ContentSpec(ScanSpec):
    pass


class Variant(Record):
    """One way a line rule matches: a regex plus the conditions around it."""

    lang: str
    pattern: Rx | re.Pattern[str]
    paths: tuple[str, ...]
    near: tuple[Rx, ...]
    window: int
    near_before: bool
    near_key: Rx | None
    unless: Rx | None
    absent: Rx | None
    call_absent: Rx | None
    args: Rx | None
    args_raw: Rx | None
    # The signing key of the matched call (the regex ends at its opening parenthesis):
    # its position among the positional arguments and its keyword name.
    key_arg: int | None = None
    key_name: str | None = None


class Soften(Record):
    """When a match is uncertain rather than certainly wrong: it annotates at high
    tier and says why (the signing side of `none`, an expiry the spec lets go)."""

    regex: Rx
    why: str
    window: int  # lines around the match on its side of the hunk (0: the line itself)
    before: bool  # only lines above
    scope: str  # "window" or "file" (anywhere in the file's new lines)


class Family(Record):
    """Safeguards that do the same job: removing one while the file adds another
    of its family (or an equal or stronger check) is a replacement, not a removal."""

    name: str
    members: Rx
    same: Rx  # an equal or stronger check
    weaker: Rx | None  # a weaker one: annotates instead of blocking


class LineSpec(ScanSpec):
    variants: tuple[Variant, ...] = ()
    secret: str | None = None  # the regex group holding a literal key, redacted
    balance: bool = False  # removed matches count only when not added back
    unit: Rx | None = None  # a definition regex: removed with its unit is a deletion
    code_only: bool = False  # a match inside a string literal is prose, not code
    soften: tuple[Soften, ...] = ()
    # Removed safeguards: families, and the boolean switches among them.
    families: tuple[Family, ...] = ()
    switch: Rx | None = None
    hardening: str = ""  # messages for a removed switch, a default, a weaker check
    defaulted: str = ""
    weakened: str = ""


class Factor(Record):
    name: str
    pattern: Rx
    floor: float | None
    near: Rx | None


class ListRule(Record):
    anchor: Rx
    weak: Rx


class WindowSpec(Spec):
    check: str = "compare"
    direction: str = "lower"
    below_floor: str = ""
    factors: tuple[Factor, ...] = ()
    lists: tuple[ListRule, ...] = ()


class Case(Record):
    topic: str
    name: str
    pattern: Rx


class Decision(Record):
    """What a changed line of auth-decision code decides, for the failure-path tests it
    asks for: by what the line says (`regex`), or, when no regex says more, by the
    topic of the rule that saw the decision (`rule_topic`)."""

    topics: tuple[str, ...]
    pattern: Rx | None
    rule_topic: str | None


class TestsSpec(Spec):
    cases: tuple[Case, ...] = ()
    min_tier: Tier = Tier.HIGH
    decisions: tuple[Decision, ...] = ()
    failure: Rx | None = None  # a test line that asserts a failure
    decides: Rx | None = None  # a line that branches, compares, rejects or calls a check
    partial_rule: str = ""  # the rule that names uncovered topics when some test fails


class MetaSpec(Spec):
    """Rules evaluated elsewhere (`authgate codeowners`)."""


# --- compiling -----------------------------------------------------------------------


def where(rule: Rule) -> str:
    return f"rules/identity.toml ({rule.id})" if rule.origin == "builtin" \
        else f"rules.custom ({rule.id})"


def compile_rule(rule: Rule) -> Spec:
    """The rule's params, checked and typed; a bad rule is a ConfigError naming it."""
    try:
        return _compile(rule)
    except ParamError as exc:
        raise ConfigError(f"{where(rule)}: bad params: {exc}") from exc


def _compile(rule: Rule) -> Spec:
    kind = rule.kind if rule.kind in _ALLOWED else "meta"
    p = Params(rule.params, _ALLOWED[kind], "params.", rule.origin != "builtin")
    common: dict[str, Any] = {"topic": p.text("topic"), "role": p.text("role")}
    if kind == "path":
        return PathSpec(rule, **common, ceiling=p.flag("ceiling"), content=p.flag("content", True),
                        over_ceiling=p.flag("over_ceiling"), context=p.text("context"),
                        words=tuple(w.lower() for w in p.strings("words")),
                        only=p.strings("only"))
    if kind in ("identity", "line"):
        common.update(section=p.rx("section"), section_header=p.rx("section_header"),
                      down=p.rx("down"), up=p.rx("up"))
    if kind == "identity":
        return ContentSpec(rule, **common)
    if kind == "line":
        tables = p.tables("variant") or [{}]
        variants = tuple(_variant(p, t, i, rule) for i, t in enumerate(tables))
        soften = tuple(_soften(p.sub(t, "soften", i, ("regex", "why", "window", "before",
                                                       "scope")))
                       for i, t in enumerate(p.tables("soften")))
        families = tuple(_family(p.sub(t, "family", i, ("name", "members", "same", "weaker")))
                         for i, t in enumerate(p.tables("family")))
        return LineSpec(rule, **common, variants=variants, secret=p.text("secret"),
                        balance=p.flag("balance"), unit=p.rx("unit"),
                        code_only=p.flag("code_only"), soften=soften,
                        families=families,
                        switch=p.rx("switch"), hardening=p.text("hardening", "") or "",
                        defaulted=p.text("defaulted", "") or "",
                        weakened=p.text("weakened", "") or "")
    if kind == "window":
        factors = tuple(_factor(p.sub(t, "factor", i, ("name", "regex", "floor", "near")))
                        for i, t in enumerate(p.tables("factor")))
        lists = tuple(_list(p.sub(t, "list", i, ("lang", "anchor", "weak")))
                      for i, t in enumerate(p.tables("list")))
        return WindowSpec(rule, **common, check=p.choice("check", _CHECKS, "compare"),
                          direction=p.choice("direction", ("lower", "higher"), "lower"),
                          below_floor=p.text("below_floor", "") or "",
                          factors=factors, lists=lists)
    cases = p.tables("case")
    if not cases:
        p.text("min_tier")  # checked, unused
        return MetaSpec(rule, **common)
    min_tier = p.choice("min_tier", _TIERS, "high")
    decisions = tuple(_decision(p.sub(t, "decision", i, ("topics", "regex", "rule_topic")))
                      for i, t in enumerate(p.tables("decision")))
    return TestsSpec(rule, **common, min_tier=Tier.parse(min_tier), cases=tuple(
        _case(p.sub(t, "case", i, ("topic", "name", "regex"))) for i, t in enumerate(cases)),
        decisions=decisions, failure=p.rx("failure"), decides=p.rx("decides"),
        partial_rule=p.text("partial_rule", "") or "")


def _variant(p: Params, table: Mapping[str, Any], index: int, rule: Rule) -> Variant:
    v = p.sub(table, "variant", index, ("lang", "regex", "paths", *_VARIANT))

    def get(reader: Params, key: str) -> Any:
        return reader if key in table else p

    pattern: Rx | re.Pattern[str] | None = v.rx("regex")
    if pattern is None:
        if rule.regex is None:
            raise ParamError("a line rule needs a regex (the rule's or each variant's)")
        # A shipped regex compiles the first time a line asks (`Rx`), as the
        # variants' own do: compiling every rule's at load cost more than a small
        # commit's whole check. A user's comes checked and bounded now.
        pattern = Rx(rule.regex, re.IGNORECASE if rule.ignore_case else 0) \
            if rule.origin == "builtin" else rule.pattern
    assert pattern is not None
    window = get(v, "window").number("window", 3)
    key_arg = get(v, "key_arg").number("key_arg")
    return Variant(
        lang=v.text("lang", "") or "",
        pattern=pattern,
        paths=v.strings("paths"),
        near=get(v, "near").rxs("near"),
        window=int(window if window is not None else 3),
        near_before=get(v, "near_before").flag("near_before"),
        near_key=get(v, "near_key").rx("near_key"),
        unless=get(v, "unless").rx("unless"),
        absent=get(v, "absent").rx("absent"),
        call_absent=get(v, "call_absent").rx("call_absent"),
        args=get(v, "args").rx("args"),
        args_raw=get(v, "args_raw").rx("args_raw"),
        key_arg=None if key_arg is None else int(key_arg),
        key_name=get(v, "key_name").text("key_name"),
    )


def _factor(f: Params) -> Factor:
    name = f.text("name")
    if not name:
        raise ParamError(f"key '{f.label}name' is required")
    pattern = f.rx("regex", required=True)
    assert pattern is not None
    return Factor(name, pattern, f.number("floor"), f.rx("near"))


def _list(t: Params) -> ListRule:
    anchor, weak = t.rx("anchor", required=True), t.rx("weak", required=True)
    assert anchor is not None and weak is not None
    return ListRule(anchor, weak)


def _soften(t: Params) -> Soften:
    regex, why = t.rx("regex", required=True), t.text("why")
    if not why:
        raise ParamError(f"key '{t.label}why' is required")
    window = t.number("window", 0)
    assert regex is not None
    return Soften(regex, why, int(window or 0), t.flag("before"),
                  t.choice("scope", ("window", "file"), "window"))


def _family(t: Params) -> Family:
    name, members, same = t.text("name"), t.rx("members", required=True), t.rx("same")
    if not name:
        raise ParamError(f"key '{t.label}name' is required")
    assert members is not None
    return Family(name, members, same or members, t.rx("weaker"))


def _decision(t: Params) -> Decision:
    topics, pattern, rule_topic = t.strings("topics"), t.rx("regex"), t.text("rule_topic")
    if not topics:
        raise ParamError(f"key '{t.label}topics' must name at least one topic")
    if (pattern is None) == (rule_topic is None):
        raise ParamError(f"a decision needs 'regex' or 'rule_topic' ({t.label[:-1]})")
    return Decision(topics, pattern, rule_topic)


def _case(c: Params) -> Case:
    topic, name, pattern = c.text("topic"), c.text("name"), c.rx("regex", required=True)
    if not topic or not name:
        raise ParamError(f"keys '{c.label}topic' and '{c.label}name' are required")
    assert pattern is not None
    return Case(topic, name, pattern)


# --- the catalog ---------------------------------------------------------------------


class Catalog(Record):
    paths: tuple[PathSpec, ...]
    content: tuple[ContentSpec, ...]
    lines: tuple[LineSpec, ...]
    windows: tuple[WindowSpec, ...]
    tests: TestsSpec | None
    config_rule: PathSpec | None
    by_id: Mapping[str, Spec]
    # The keywords of every rule, indexed: most changed lines mention none and skip
    # every rule at once; the others wake only the rules whose keywords they hold.
    keyword: KeywordIndex

    @property
    def empty(self) -> bool:
        return not (self.paths or self.content or self.lines or self.windows or self.tests)


def build(rules: RuleSet) -> Catalog:
    specs = [compile_rule(r) for r in rules.family("identity")]
    scanned = [s for s in specs if isinstance(s, (ContentSpec, LineSpec))] + \
        [s for s in specs if isinstance(s, WindowSpec)]
    config_rule = next((s for s in specs if isinstance(s, PathSpec)
                        and s.id == CONFIG_PATH_RULE), None)
    return Catalog(
        paths=tuple(s for s in specs if isinstance(s, PathSpec) and s is not config_rule),
        content=tuple(s for s in specs if isinstance(s, ContentSpec)),
        lines=tuple(s for s in specs if isinstance(s, LineSpec)),
        windows=tuple(s for s in specs if isinstance(s, WindowSpec)),
        tests=next((s for s in specs if isinstance(s, TestsSpec)), None),
        config_rule=config_rule,
        by_id={s.id: s for s in specs},
        keyword=_keyword_index(scanned),
    )


def _keyword_index(specs: Sequence[Spec]) -> KeywordIndex:
    owners: dict[str, list[str]] = {}
    for s in specs:
        for k in s.rule.keywords:
            owners.setdefault(k, []).append(s.id)
    return KeywordIndex(owners)


class _Catalogs:
    """The compiled catalogs of the last few RuleSets a process loaded.

    Matched by identity: a RuleSet holds dicts (not hashable), and one process (verify,
    scan) judges many changes with the same RuleSet."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.entries: list[tuple[RuleSet, Catalog]] = []

    def get(self, rules: RuleSet) -> Catalog:
        for held, cat in self.entries:
            if held is rules:
                return cat
        cat = build(rules)
        self.entries = [(rules, cat), *self.entries[: self.size - 1]]
        return cat


_CATALOGS = _Catalogs()


def catalog(rules: RuleSet) -> Catalog:
    return _CATALOGS.get(rules)
