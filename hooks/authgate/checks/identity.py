"""Identity impact: how much a change matters for authentication and authorization,
the one-line mistakes that break them, and whether risky changes bring negative tests.

Everything it looks for is data in `rules/identity.toml` (see the header there for the
rule kinds and their params). Per file it emits:

- tier findings (`identity.path.*`, `identity.content.*`, ...) whose one-line messages
  say what matched and where ("path app/auth/x.py matches **/*auth*",
  "jwt.decode changed at line 42"); only those at the file's highest tier are kept;
- pattern findings (`identity.jwt.*`, `identity.tls.*`, ...) at critical tier, which
  block by default; absence checks that would need dataflow only warn;
- for the whole change, `identity.tests.negative-missing` when a high-impact change
  stages no test that proves the failure modes of what it touched.

Only added lines (and removed lines, for rules that look for a removed safeguard or
a lowered setting) are read; a regex compiles once, the first time a change needs it.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from authgate.changes import ChangeSet, FileChange, Hunk, Line, Status
from authgate.checks.context import file_context, is_comment
from authgate.config import TIERS, Config, ConfigError
from authgate.findings import Finding, Tier, redact_span, scrub, value_hash
from authgate.pathmatch import any_match, compile_glob
from authgate.policy import MISSING_TESTS_RULE
from authgate.rules import Rule, RuleSet

CONFIG_PATH_RULE = "identity.path.config"
# Tests and docs describe identity code; a change to them alone is low impact at most,
# and the patterns they quote ("verify=False" in a test of the check) are not code.
QUIET_CONTEXTS = ("test", "fixture", "docs")
QUIET_CEILING = Tier.LOW
# How far a call is followed across lines when looking inside its parentheses.
CALL_SPAN = 12


# --- the compiled catalog ------------------------------------------------------------

def _re(value: Any, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected a regex string")
    return re.compile(value)


def _res(value: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(re.compile(v) for v in items)


@dataclass(frozen=True)
class _Variant:
    """One way a line rule matches: a regex plus the conditions around it."""

    lang: str
    pattern: re.Pattern[str]
    paths: re.Pattern[str] | None
    near: tuple[re.Pattern[str], ...]
    window: int
    near_before: bool
    near_key: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    absent: re.Pattern[str] | None
    call_absent: re.Pattern[str] | None
    args: re.Pattern[str] | None
    args_raw: re.Pattern[str] | None


@dataclass(frozen=True)
class _Factor:
    name: str
    pattern: re.Pattern[str]
    floor: float | None
    near: re.Pattern[str] | None


@dataclass(frozen=True)
class _ListRule:
    anchor: re.Pattern[str]
    weak: re.Pattern[str]


@dataclass(frozen=True)
class _Case:
    topic: str
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Spec:
    rule: Rule
    # Whether the rule has keywords (a cheap substring prefilter, as in gitleaks).
    kw: bool = False
    # The `paths` of each variant of a line rule; the variants themselves compile the
    # first time a line passes the rule's keywords (`_variants`).
    variant_paths: tuple[tuple[str, ...], ...] = ()
    topic: str | None = None
    role: str | None = None
    secret: str | None = None
    balance: bool = False
    unit: re.Pattern[str] | None = None
    section: re.Pattern[str] | None = None
    section_header: re.Pattern[str] | None = None
    down: re.Pattern[str] | None = None
    up: re.Pattern[str] | None = None
    ceiling: bool = False
    content: bool = True
    context: str | None = None
    over_ceiling: bool = False
    check: str = ""
    direction: str = "lower"
    below_floor: str = ""
    factors: tuple[_Factor, ...] = ()
    lists: tuple[_ListRule, ...] = ()
    cases: tuple[_Case, ...] = ()
    min_tier: Tier = Tier.HIGH

    @property
    def id(self) -> str:
        return self.rule.id

    def wants(self, lowered: str) -> bool:
        return not self.kw or any(k in lowered for k in self.rule.keywords)

    def in_scope(self, path: str, roles: frozenset[str]) -> bool:
        if self.rule.paths and not paths_match(self.rule.paths, path):
            return False
        if self.rule.exclude_paths and paths_match(self.rule.exclude_paths, path):
            return False
        return self.role is None or self.role in roles


def _variant(table: Mapping[str, Any], base: Mapping[str, Any], where: str,
             default: re.Pattern[str] | None) -> _Variant:
    def get(key: str, fallback: Any = None) -> Any:
        return table.get(key, base.get(key, fallback))

    pattern = _re(table.get("regex"), where) if "regex" in table else default
    if pattern is None:
        raise ValueError(f"{where}: a line rule needs a regex")
    return _Variant(
        lang=str(table.get("lang", "")),
        pattern=pattern,
        paths=globs_regex(tuple(table.get("paths", ()))) if table.get("paths") else None,
        near=_res(get("near"), where),
        window=int(get("window", 3)),
        near_before=bool(get("near_before", False)),
        near_key=_re(get("near_key"), where),
        unless=_re(get("unless"), where),
        absent=_re(get("absent"), where),
        call_absent=_re(get("call_absent"), where),
        args=_re(get("args"), where),
        args_raw=_re(get("args_raw"), where),
    )


def keyword_regex(words: Iterable[str]) -> re.Pattern[str]:
    """One regex for many literal keywords, factored as a prefix trie.

    A flat alternation makes `re` try every keyword at every position; the trie shares
    prefixes, which is several times faster on lines that match nothing."""
    trie: dict[str, Any] = {}
    for word in sorted(set(words)):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: Mapping[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    # A keyword that is a prefix of another ends a branch early: "log" and "logger"
    # become log(?:ger)?, and a search for either finds "log".
    return re.compile(build(trie) or "(?!)")


@functools.lru_cache(maxsize=1024)
def globs_regex(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    """`pathmatch` globs as one regex: a path matches it when it matches any glob.

    Without case: identity code is named LoginController.java, JwtFilter.kt and
    auth_backend.py alike, and a name is what these rules look at."""
    if not globs:
        return None
    return re.compile("|".join(f"(?:{compile_glob(g).pattern})" for g in globs),
                      re.DOTALL | re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _cores(globs: tuple[str, ...]) -> tuple[str, ...]:
    """The longest literal run of each glob, lower-cased: a path that contains none of
    them cannot match, and the glob's regex is never compiled for it."""
    out = []
    for g in globs:
        if "\\" in g:
            return ("",)  # escapes: no safe literal, always ask the regex
        runs = re.split(r"\[[^\]]*\]|[*?]+", g.lower())
        out.append(max((r.strip("/") for r in runs), key=len))
    return tuple(out)


def paths_match(globs: tuple[str, ...], path: str) -> bool:
    lowered = path.lower()
    if not any(core in lowered for core in _cores(globs)):
        return False
    rx = globs_regex(globs)
    return rx is not None and rx.match(path) is not None


_VARIANTS: dict[int, tuple[_Spec, tuple[_Variant, ...]]] = {}


def _variants(spec: _Spec) -> tuple[_Variant, ...]:
    hit = _VARIANTS.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    p = spec.rule.params
    where = _where(spec.rule)
    try:
        compiled = tuple(_variant(t, p, where, spec.rule.pattern)
                         for t in p.get("variant") or [{}])
    except (re.error, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(f"{where}: bad params.variant: {exc}") from exc
    _VARIANTS[id(spec)] = (spec, compiled)
    return compiled


def _first_glob(globs: Sequence[str], path: str) -> str | None:
    for g in globs:
        rx = globs_regex((g,))
        if rx is not None and rx.match(path):
            return g
    return None


def _where(rule: Rule) -> str:
    return f"rules/identity.toml ({rule.id})" if rule.origin == "builtin" \
        else f"rules.custom ({rule.id})"


def _compile(rule: Rule) -> _Spec:
    """The rule's params, checked and compiled; a user's bad rule is a ConfigError."""
    try:
        return _compile_params(rule)
    except (re.error, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(f"{_where(rule)}: bad params: {exc}") from exc


def _compile_params(rule: Rule) -> _Spec:
    p = rule.params
    where = _where(rule)
    spec: dict[str, Any] = {
        "rule": rule, "topic": p.get("topic"), "role": p.get("role"),
        "kw": bool(rule.keywords),
        "secret": p.get("secret"), "balance": bool(p.get("balance", False)),
        "unit": _re(p.get("unit"), where),
        "section": _re(p.get("section"), where),
        "section_header": _re(p.get("section_header"), where),
        "down": _re(p.get("down"), where), "up": _re(p.get("up"), where),
        "ceiling": bool(p.get("ceiling", False)), "content": bool(p.get("content", True)),
        "over_ceiling": bool(p.get("over_ceiling", False)),
        "context": p.get("context"),
    }
    if rule.kind == "line":
        tables = p.get("variant") or [{}]
        spec["variant_paths"] = tuple(tuple(t.get("paths", ())) for t in tables)
    elif rule.kind == "window":
        spec["check"] = str(p.get("check", ""))
        spec["direction"] = str(p.get("direction", "lower"))
        spec["below_floor"] = str(p.get("below_floor", ""))
        spec["factors"] = tuple(
            _Factor(str(f["name"]), re.compile(f["regex"]),
                    float(f["floor"]) if "floor" in f else None, _re(f.get("near"), where))
            for f in p.get("factor", ()))
        spec["lists"] = tuple(_ListRule(re.compile(t["anchor"]), re.compile(t["weak"]))
                              for t in p.get("list", ()))
    elif rule.kind == "meta":
        spec["cases"] = tuple(_Case(str(c["topic"]), str(c["name"]), re.compile(c["regex"]))
                              for c in p.get("case", ()))
        spec["min_tier"] = Tier.parse(str(p.get("min_tier", "high")))
    return _Spec(**spec)


@dataclass(frozen=True)
class _Catalog:
    paths: tuple[_Spec, ...]
    content: tuple[_Spec, ...]
    lines: tuple[_Spec, ...]
    windows: tuple[_Spec, ...]
    tests: _Spec | None
    config_rule: Rule | None
    by_id: Mapping[str, _Spec]
    # One regex over the lower-cased line that any keyword of any rule would match:
    # most changed lines mention none, and skip every rule at once.
    keyword: re.Pattern[str]


_CATALOGS: dict[int, tuple[RuleSet, _Catalog]] = {}


_SPECS: dict[int, tuple[Rule, _Spec]] = {}


def _spec(rule: Rule) -> _Spec:
    hit = _SPECS.get(id(rule))
    if hit is not None and hit[0] is rule:
        return hit[1]
    spec = _compile(rule)
    _SPECS[id(rule)] = (rule, spec)
    return spec


def catalog(rules: RuleSet) -> _Catalog:
    hit = _CATALOGS.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    specs = [_spec(r) for r in rules.family("identity")]
    paths = tuple(s for s in specs if s.rule.kind == "path" and s.id != CONFIG_PATH_RULE)
    scanned = [s for s in specs if s.rule.kind in ("identity", "line", "window")]
    keyword = keyword_regex(k for s in scanned for k in s.rule.keywords)
    cat = _Catalog(
        paths=paths,
        content=tuple(s for s in specs if s.rule.kind == "identity"),
        lines=tuple(s for s in specs if s.rule.kind == "line"),
        windows=tuple(s for s in specs if s.rule.kind == "window"),
        tests=next((s for s in specs if s.id == MISSING_TESTS_RULE), None),
        config_rule=rules.get(CONFIG_PATH_RULE),
        by_id={s.id: s for s in specs},
        keyword=keyword,
    )
    if len(_CATALOGS) > 64:  # a long-lived process loading many configs
        _CATALOGS.clear()
    _CATALOGS[id(rules)] = (rules, cat)
    return cat


# --- messages ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(template: str, **values: object) -> str:
    """Fill `{name}` placeholders that have a value; leave any other brace alone."""
    return _PLACEHOLDER.sub(
        lambda m: str(values[m[1]]) if m[1] in values else m[0], template)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _finding(spec: _Spec, message: str, path: str | None, line: int | None, context: str,
             evidence: str = "", tier: Tier | None = None,
             hash_of: str | None = None) -> Finding:
    r = spec.rule
    return Finding(rule_id=r.id, severity=r.severity, message=message, path=path,
                   line=line, evidence=evidence, title=r.title, fix=r.fix, refs=r.refs,
                   context=context, tier=r.tier if tier is None else tier, action=r.action,
                   value_hash=value_hash(hash_of) if hash_of else None)


# --- paths ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PathClass:
    """What a path's name says: its tier, why, and what the file is."""

    tier: Tier
    rule: Rule | None
    glob: str
    capped: str  # why the tier was capped, or ""
    roles: frozenset[str]
    content: bool  # whether content and pattern rules read this file
    context: str

    def message(self, path: str) -> str:
        if self.rule is None:
            return ""
        tier = self.tier if self.rule.id == CONFIG_PATH_RULE else ""
        text = render(self.rule.message, path=path, glob=self.glob, tier=tier)
        return f"{text} ({self.capped})" if self.capped else text


def classify(path: str, rules: RuleSet, config: Config) -> PathClass:
    """The tier a path has by its name alone (user `paths` first, then the catalog)."""
    return _classify(path, catalog(rules), config)


def _config_match(path: str, config: Config) -> tuple[Tier, str] | None:
    for name in reversed(TIERS):
        glob = any_match(config.paths.get(name, ()), path)
        if glob:
            return Tier.parse(name), glob
    return None


def _classify(path: str, cat: _Catalog, config: Config) -> PathClass:
    context = file_context(path)
    roles: set[str] = set()
    best: tuple[_Spec, str] | None = None
    ceiling: tuple[_Spec, str] | None = None
    for spec in cat.paths:
        if not spec.rule.paths or not paths_match(spec.rule.paths, path):
            continue
        if spec.rule.exclude_paths and paths_match(spec.rule.exclude_paths, path):
            continue
        glob = _first_glob(spec.rule.paths, path) or ""
        if spec.role:
            roles.add(spec.role)
        if spec.context:
            context = spec.context
        if spec.ceiling:
            ceiling = ceiling or (spec, glob)
        elif best is None or spec.rule.tier > best[0].rule.tier:
            best = (spec, glob)
    quiet = context in QUIET_CONTEXTS
    content = not quiet and (ceiling is None or ceiling[0].content)
    user = _config_match(path, config) if cat.config_rule else None
    if user is not None:
        # The repository's own path list wins over the shipped one, both ways.
        return PathClass(user[0], cat.config_rule, user[1], "", frozenset(roles), content,
                         context)
    if best is None or best[0].rule.tier == Tier.NONE:
        return PathClass(Tier.NONE, None, "", "", frozenset(roles), content, context)
    spec, glob = best
    tier, capped = spec.rule.tier, ""
    if not spec.over_ceiling:
        if ceiling is not None and ceiling[0].rule.tier < tier:
            tier = ceiling[0].rule.tier
            capped = f"{ceiling[1]}: capped at {tier}"
        if quiet and tier > QUIET_CEILING:
            tier, capped = QUIET_CEILING, f"{context} file: capped at {QUIET_CEILING}"
    return PathClass(tier, spec.rule, glob, capped, frozenset(roles), content, context)


def sensitive_paths(paths: Iterable[str], rules: RuleSet, config: Config,
                    min_tier: Tier = Tier.HIGH) -> list[tuple[str, PathClass]]:
    """Paths whose name alone puts them at `min_tier` or above, with the reason."""
    cat = catalog(rules)
    # A first pass over a whole tree's file list: a path can only reach `min_tier` by
    # name if it contains the literal core of a glob of a rule at that tier or above.
    cores = {c for s in cat.paths if s.rule.tier >= min_tier and not s.ceiling
             for c in _cores(s.rule.paths)}
    candidate = keyword_regex(cores) if "" not in cores else None
    everything = candidate is None or bool(cat.config_rule and config.paths)
    out = []
    for path in paths:
        if not everything and candidate is not None \
                and candidate.search(path.lower()) is None:
            continue
        pc = _classify(path, cat, config)
        if pc.tier >= min_tier:
            out.append((path, pc))
    return out


# --- reading a hunk ------------------------------------------------------------------

def _positions(hunk: Hunk) -> list[int]:
    """For each line of the hunk, the new-file line an editor should jump to: its own
    number, or for a removed line the line that now stands where it was."""
    out = [0] * len(hunk.lines)
    following = None
    for i in range(len(hunk.lines) - 1, -1, -1):
        ln = hunk.lines[i]
        if ln.new is not None:
            following = ln.new
            out[i] = ln.new
        else:
            out[i] = following if following is not None else -1
    last = hunk.new_start - 1
    for i, ln in enumerate(hunk.lines):
        if ln.new is not None:
            last = ln.new
        elif out[i] == -1:
            out[i] = last + 1
    return out


_STRING_START = re.compile(r"""["'`]""")


def code_only(text: str, comment: tuple[str, ...] = ("#", "//")) -> str:
    """`text` with string bodies blanked, interpolations kept, trailing comment dropped.

    So "password reset for %s" does not look like a password, while f"{password}",
    `${token}` and "#{secret}" still do."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if any(text.startswith(c, i) for c in comment):
            break
        ch = text[i]
        if ch not in "\"'`":
            out.append(ch)
            i += 1
            continue
        j = i - 1
        while j >= 0 and text[j].isalpha():
            j -= 1
        prefix = text[j + 1:i].lower()
        fstring = "f" in prefix
        i += 1
        out.append(" ")
        while i < n and text[i] != ch:
            if text[i] == "\\":
                i += 2
                continue
            opens = (fstring and text[i] == "{" and not text.startswith("{{", i)) \
                or (ch == "`" and text.startswith("${", i)) \
                or (ch == '"' and text.startswith("#{", i))
            if opens:
                start = text.index("{", i) + 1
                depth, k = 1, start
                while k < n and depth:
                    depth += {"{": 1, "}": -1}.get(text[k], 0)
                    k += 1
                out.append(f" {text[start:k - 1]} ")
                i = k
                continue
            i += 1
        i += 1
    return "".join(out)


def _comment_markers(path: str) -> tuple[str, ...]:
    ext = posixpath.splitext(path)[1].lower()
    if ext in (".py", ".rb", ".sh", ".yml", ".yaml", ".toml", ".r", ".pl", ".ex", ".exs"):
        return ("#",)
    if ext in (".sql", ".lua"):
        return ("--",)
    return ("//",)


def _call_text(hunk: Hunk, index: int, start: int) -> str:
    """The call opened at column `start` of line `index`, across following new lines."""
    parts: list[str] = []
    depth = 0
    seen = 0
    for ln in hunk.lines[index:]:
        if ln.kind == "-":
            continue
        text = ln.text[start:] if not parts else ln.text
        for pos, ch in enumerate(text):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth <= 0:
                    parts.append(text[: pos + 1])
                    return " ".join(parts)
        parts.append(text)
        seen += 1
        if seen >= CALL_SPAN:
            break
    return " ".join(parts)


def _new_side(hunk: Hunk) -> list[int]:
    return [i for i, ln in enumerate(hunk.lines) if ln.kind != "-"]


def _near_ok(v: _Variant, hunk: Hunk, index: int) -> bool:
    if not v.near:
        return True
    side = "-" if hunk.lines[index].kind == "-" else "+"
    lines = [(i, ln) for i, ln in enumerate(hunk.lines)
             if (ln.kind == " " or ln.kind == side)]
    pos = next(k for k, (i, _) in enumerate(lines) if i == index)
    lo = max(0, pos - v.window)
    hi = pos if v.near_before else min(len(lines) - 1, pos + v.window)
    if v.near_key is not None:
        # The nearest key line above decides (the item belongs to that key).
        for k in range(pos, lo - 1, -1):
            text = lines[k][1].text
            if k == pos and not v.near_key.search(text):
                continue
            if v.near_key.search(text):
                return all(p.search(text) for p in v.near)
        return False
    window = [ln.text for _, ln in lines[lo:hi + 1]]
    return all(any(p.search(t) for t in window) for p in v.near)


# --- the check -----------------------------------------------------------------------

@dataclass
class _FileScan:
    fc: FileChange
    pc: PathClass
    findings: list[Finding]
    new_text: str | None = None  # the file's visible new lines, built on demand
    changed_lower: str | None = None  # its added and removed lines, lower-cased
    defined: dict[str, set[str]] | None = None  # unit regex -> names the change defines

    def visible(self) -> str:
        if self.new_text is None:
            self.new_text = "\n".join(ln.text for h in self.fc.hunks for ln in h.lines
                                      if ln.kind != "-")
        return self.new_text

    def changed(self) -> str:
        if self.changed_lower is None:
            self.changed_lower = "\n".join(ln.text for h in self.fc.hunks for ln in h.lines
                                            if ln.kind != " ").lower()
        return self.changed_lower

    def names(self, unit: re.Pattern[str]) -> set[str]:
        if self.defined is None:
            self.defined = {}
        if unit.pattern not in self.defined:
            found = set()
            for ln in self.fc.added:
                m = unit.search(ln.text)
                if m:
                    found.add(next(g for g in m.groups() if g))
            self.defined[unit.pattern] = found
        return self.defined[unit.pattern]


def run(changes: ChangeSet, rules: RuleSet, config: Config) -> list[Finding]:
    cat = catalog(rules)
    if not (cat.paths or cat.content or cat.lines or cat.windows or cat.tests):
        return []
    balance = _Balance(changes, cat)
    findings: list[Finding] = []
    topics: dict[str, Tier] = {}
    test_lines: list[str] = []
    for fc in changes.files:
        scan = _scan_file(fc, cat, config, balance)
        findings.extend(scan.findings)
        for f in scan.findings:
            spec = cat.by_id.get(f.rule_id)
            if spec is not None and spec.topic:
                topics[spec.topic] = max(topics.get(spec.topic, Tier.NONE), f.tier)
        if scan.pc.context in ("test", "fixture"):
            test_lines.extend(ln.text for ln in fc.added)
    if cat.tests is not None and findings:
        missing = _missing_tests(cat.tests, findings, topics, test_lines)
        if missing is not None:
            findings.append(missing)
    return findings


def _scan_file(fc: FileChange, cat: _Catalog, config: Config,
               balance: _Balance) -> _FileScan:
    pc = _classify(fc.path, cat, config)
    if fc.old_path and pc.tier == Tier.NONE:
        # Moving identity code out of an identity directory is still an identity change.
        old = _classify(fc.old_path, cat, config)
        if old.tier > Tier.NONE:
            pc = PathClass(old.tier, old.rule, old.glob, old.capped, pc.roles, pc.content,
                           pc.context)
            path_for_message = fc.old_path
        else:
            path_for_message = fc.path
    else:
        path_for_message = fc.path
    scan = _FileScan(fc, pc, [])
    tiered: list[Finding] = []
    if pc.tier > Tier.NONE and pc.rule is not None:
        tiered.append(_finding(_spec(pc.rule), pc.message(path_for_message), fc.path, None,
                               pc.context, tier=pc.tier))
    patterns: list[Finding] = []
    if pc.content and fc.hunks:
        content = [s for s in cat.content if s.in_scope(fc.path, pc.roles)]
        lines = [s for s in cat.lines if s.in_scope(fc.path, pc.roles)]
        if fc.status is Status.DELETED:
            # Deleted code protects nothing: a safeguard cannot be removed from it.
            lines = [s for s in lines if s.rule.lines == "added"]
        variants = {s.id: [i for i, vp in enumerate(s.variant_paths)
                           if not vp or paths_match(vp, fc.path)] for s in lines}
        lines = [s for s in lines if variants[s.id]]
        if content or lines:
            found_tiers, found_patterns = _scan_lines(scan, content, lines, variants, cat,
                                                      balance)
            tiered += found_tiers
            patterns += found_patterns
        for spec in cat.windows:
            if spec.in_scope(fc.path, pc.roles):
                patterns += _scan_window(scan, spec)
    if tiered:
        # The reasons at the file's top tier explain it; lower ones only add noise.
        top = max(f.tier for f in tiered)
        tiered = [f for f in tiered if f.tier == top]
    scan.findings = tiered + patterns
    return scan


def _lines_wanted(rule: Rule, kind: str) -> bool:
    if rule.lines == "both":
        return kind in "+-"
    return kind == ("+" if rule.lines == "added" else "-")


def _scan_lines(scan: _FileScan, content: Sequence[_Spec], lines: Sequence[_Spec],
                variants: Mapping[str, list[int]], cat: _Catalog,
                balance: _Balance) -> tuple[list[Finding], list[Finding]]:
    """Content findings (one per rule, at its first line) and pattern findings."""
    fc = scan.fc
    path = fc.path
    first: dict[str, tuple[Line, int, str]] = {}
    counts: Counter[str] = Counter()
    patterns: list[Finding] = []
    markers = _comment_markers(path)
    stateful = [s for s in (*content, *lines) if s.section or s.down]
    unkeyed = any(not s.kw for s in (*content, *lines))
    # The catalog-wide keyword gate: a superset of this file's rules' keywords, built
    # once; a per-file alternation cost a regex compile for every new mix of rules.
    file_keyword = cat.keyword
    for hunk in fc.hunks:
        pos = _positions(hunk)
        header: dict[str, str | None] = {s.id: None for s in stateful}
        down: dict[str, bool] = {s.id: False for s in stateful}
        for i, ln in enumerate(hunk.lines):
            for s in stateful:
                if s.section_header and s.section_header.search(ln.text):
                    header[s.id] = ln.text
                if s.down and ln.kind != "-":
                    if s.down.search(ln.text):
                        down[s.id] = True
                    elif s.up and s.up.search(ln.text):
                        down[s.id] = False
            if ln.kind == " ":
                continue
            lowered = ln.text.lower()
            keyed = file_keyword.search(lowered) is not None
            if not keyed and not unkeyed:
                continue
            if not ln.text.strip() or is_comment(path, ln.text):
                continue
            for s in content:
                if (s.kw and not keyed) or not _lines_wanted(s.rule, ln.kind) \
                        or not s.wants(lowered):
                    continue
                if not _state_ok(s, header, down):
                    continue
                m = s.rule.pattern.search(ln.text) if s.rule.pattern else None
                if m is None:
                    continue
                counts[s.id] += 1
                if s.id not in first:
                    first[s.id] = (ln, pos[i], m[0])
            for s in lines:
                if (s.kw and not keyed) or not _lines_wanted(s.rule, ln.kind) \
                        or not s.wants(lowered):
                    continue
                if not _state_ok(s, header, down):
                    continue
                f = _match_line(s, variants[s.id], scan, hunk, i, pos[i], markers, balance)
                if f is not None:
                    patterns.append(f)
    tiers: list[Finding] = []
    for s in content:
        if s.id not in first:
            continue
        ln, at, text = first[s.id]
        msg = render(s.rule.message, match=_short(text.strip(), 40), line=at, path=path)
        if counts[s.id] > 1:
            msg += f" (and {counts[s.id] - 1} more)"
        tiers.append(_finding(s, msg, path, at, scan.pc.context))
    return tiers, patterns


def _state_ok(s: _Spec, header: Mapping[str, str | None], down: Mapping[str, bool]) -> bool:
    if s.section is not None:
        text = header.get(s.id)
        if text is None or not s.section.search(text):
            return False
    return not (s.down is not None and down.get(s.id))


def _match_line(s: _Spec, which: Sequence[int], scan: _FileScan, hunk: Hunk,
                index: int, at: int, markers: tuple[str, ...],
                balance: _Balance) -> Finding | None:
    ln = hunk.lines[index]
    compiled = _variants(s)
    for v in (compiled[i] for i in which):
        m = v.pattern.search(ln.text)
        if m is None:
            continue
        if v.unless is not None and v.unless.search(ln.text):
            continue
        if not _near_ok(v, hunk, index):
            continue
        if v.absent is not None and v.absent.search(scan.visible()):
            continue
        if v.call_absent is not None and v.call_absent.search(_call_text(hunk, index, m.start())):
            continue
        arg = ""
        if v.args is not None or v.args_raw is not None:
            rest = ln.text[m.end():]
            a = v.args.search(code_only(rest, markers)) if v.args is not None else None
            if a is None and v.args_raw is not None:
                a = v.args_raw.search(rest)
            if a is None:
                continue
            arg = _short(a[0].strip().strip("\"':"), 40)
        if s.balance and ln.kind == "-" and balance.get(s.id)[_norm(m[0])]:
            continue
        if s.unit is not None and ln.kind == "-" and _unit_deleted(s.unit, scan, hunk, index):
            continue
        return _pattern_finding(s, m, scan, ln, at, arg)
    return None


def _pattern_finding(s: _Spec, m: re.Match[str], scan: _FileScan, ln: Line, at: int,
                     arg: str) -> Finding:
    text, match_text, secret = ln.text, m[0], None
    if s.secret and s.secret in m.re.groupindex and m[s.secret] is not None:
        start, end = m.span(s.secret)
        secret = m[s.secret][1:-1]
        # Evidence keeps the quotes and at most the first and last character.
        text = redact_span(ln.text, start + 1, end - 1)
        # The message names what was set, never the value.
        name = ln.text[m.start():start].strip(" \t=:,(>|?\"'`")
        match_text = re.split(r"[^\w.\[\]]+", name)[-1] if name else ""
    msg = render(s.rule.message, match=_short(scrub(match_text.strip()), 60), line=at,
                 old_line=ln.old or at, arg=scrub(arg), path=scan.fc.path)
    return _finding(s, msg, scan.fc.path, at, scan.pc.context, evidence=scrub(text),
                    hash_of=secret)


def _unit_deleted(unit: re.Pattern[str], scan: _FileScan, hunk: Hunk, index: int) -> bool:
    """Whether the removed line at `index` goes with a function or class that the
    same run of removed lines deletes and the change does not define again."""
    lo = index
    while lo > 0 and hunk.lines[lo - 1].kind == "-":
        lo -= 1
    hi = index
    while hi + 1 < len(hunk.lines) and hunk.lines[hi + 1].kind == "-":
        hi += 1
    kept = scan.names(unit)
    for ln in hunk.lines[lo:index + 1]:
        m = unit.search(ln.text)
        if m and next(g for g in m.groups() if g) not in kept:
            return True
    # A decorator sits above its function: the removed def may come right after it.
    for ln in hunk.lines[index + 1:hi + 1]:
        m = unit.search(ln.text)
        if m:
            return next(g for g in m.groups() if g) not in kept
    return False


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


class _Balance:
    """`_balance_counts`, computed the first time a removed line needs it."""

    def __init__(self, changes: ChangeSet, cat: _Catalog) -> None:
        self._changes, self._cat = changes, cat
        self._counts: dict[str, Counter[str]] | None = None

    def get(self, rule_id: str) -> Counter[str]:
        if self._counts is None:
            self._counts = _balance_counts(self._changes, self._cat)
        return self._counts.get(rule_id, Counter())


def _balance_counts(changes: ChangeSet, cat: _Catalog) -> dict[str, Counter[str]]:
    """For removed-safeguard rules: which safeguards the change adds anywhere.

    One that is removed here and added there was moved, not lost. Presence, not count:
    real refactors fold three copies of a check into one helper (django-allauth 0.61.1
    moved verify_iss/aud/exp out of two views into jwtkit), and that is no removal."""
    specs = [s for s in cat.lines if s.balance]
    out: dict[str, Counter[str]] = {s.id: Counter() for s in specs}
    if not specs:
        return out
    for fc in changes.files:
        for ln in fc.added:
            lowered = ln.text.lower()
            if not cat.keyword.search(lowered):
                continue
            for s in specs:
                if not s.wants(lowered):
                    continue
                for v in _variants(s):
                    for m in v.pattern.finditer(ln.text):
                        out[s.id][_norm(m[0])] += 1
    return out


# --- window checks -------------------------------------------------------------------

def _scan_window(scan: _FileScan, spec: _Spec) -> list[Finding]:
    if spec.kw and not spec.wants(scan.changed()):
        return []
    if spec.check == "compare":
        return _compare(scan, spec)
    if spec.check == "first-entry":
        return _first_entry(scan, spec)
    return []


_UNIT = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60,
         "minutes": 60, "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600, "d": 86400,
         "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
         "ms": 0.001, "milliseconds": 0.001}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*\.?\s*(milliseconds|seconds?|minutes?|hours?|days?|"
                       r"weeks?|ms|sec|min|hr|[smhdw])\b", re.IGNORECASE)
_TIMEDELTA = re.compile(r"(weeks|days|hours|minutes|seconds)\s*=\s*(\d+(?:\.\d+)?)")
_PRODUCT = re.compile(r"^\s*\d+(?:\s*\*\s*\d+)+")


def amount(text: str) -> float | None:
    """A number, a product of numbers, a timedelta or a duration such as '30d' or
    2.weeks, in seconds when it has a unit; None when it cannot be read."""
    text = text.strip().rstrip(",;")
    if "timedelta(" in text:
        parts = _TIMEDELTA.findall(text)
        if parts:
            return sum(float(n) * _UNIT[u] for u, n in parts)
    m = _PRODUCT.match(text)
    if m:
        total = 1.0
        for n in m[0].split("*"):
            total *= float(n)
        return total
    m = _DURATION.search(text)
    if m and not re.match(r"^\s*\d[\d_]*\s*$", text):
        return float(m[1]) * _UNIT[m[2].lower()]
    m = re.match(r"^\s*[\"']?(\d[\d_]*(?:\.\d+)?)", text)
    if m:
        return float(m[1].replace("_", ""))
    return None


def _fmt_number(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


def _compare(scan: _FileScan, spec: _Spec) -> list[Finding]:
    out: list[Finding] = []
    for hunk in scan.fc.hunks:
        pos = _positions(hunk)
        reported: set[int] = set()
        for factor in spec.factors:
            old: float | None = None
            old_text = ""
            for ln in hunk.lines:
                if ln.kind == "-":
                    m = factor.pattern.search(ln.text)
                    if m and not is_comment(scan.fc.path, ln.text):
                        value = _factor_value(m)
                        if value is not None and old is None:
                            old, old_text = value, _value_text(m)
            for i, ln in enumerate(hunk.lines):
                if ln.kind != "+" or i in reported:
                    continue
                m = factor.pattern.search(ln.text)
                if m is None or is_comment(scan.fc.path, ln.text):
                    continue
                new = _factor_value(m)
                if new is None:
                    continue
                if factor.near is not None and not any(
                        factor.near.search(h.text) for h in
                        hunk.lines[max(0, i - 5):i + 6] if h.kind != "-"):
                    continue
                worse = old is not None and (new < old if spec.direction == "lower"
                                             else new > old)
                values = {"name": factor.name, "old": old_text, "new": _value_text(m),
                          "line": pos[i], "path": scan.fc.path,
                          "floor": _fmt_number(factor.floor) if factor.floor else ""}
                if worse:
                    msg = render(spec.rule.message, **values)
                elif (factor.floor is not None and new < factor.floor
                      and (old is None or old >= factor.floor) and spec.below_floor):
                    msg = render(spec.below_floor, **values)
                else:
                    continue
                out.append(_finding(spec, msg, scan.fc.path, pos[i], scan.pc.context,
                                    evidence=scrub(ln.text)))
                reported.add(i)
                break
    return out


def _factor_value(m: re.Match[str]) -> float | None:
    if "n" in m.re.groupindex and m["n"] is not None:
        return float(m["n"].replace("_", ""))
    if "v" in m.re.groupindex and m["v"] is not None:
        return amount(m["v"])
    return None


def _value_text(m: re.Match[str]) -> str:
    for g in ("n", "v"):
        if g in m.re.groupindex and m[g] is not None:
            return _short(m[g].strip().rstrip(",;"), 30)
    return ""


_QUOTED_ITEM = re.compile(r"""["']([^"']+)["']""")


def _first_entry(scan: _FileScan, spec: _Spec) -> list[Finding]:
    out: list[Finding] = []
    for hunk in scan.fc.hunks:
        pos = _positions(hunk)
        side = _new_side(hunk)
        for k, i in enumerate(side):
            ln = hunk.lines[i]
            for lst in spec.lists:
                m = lst.anchor.search(ln.text)
                if m is None:
                    continue
                # The first quoted item after the anchor, here or on the next lines.
                rest = ln.text[m.end():]
                entry_at = i
                item = _QUOTED_ITEM.search(rest)
                j = k
                while item is None and j + 1 < len(side) and j - k < 4:
                    j += 1
                    entry_at = side[j]
                    item = _QUOTED_ITEM.search(hunk.lines[entry_at].text)
                if item is None or not lst.weak.search(item[1]):
                    continue
                if "+" not in (ln.kind, hunk.lines[entry_at].kind):
                    continue
                msg = render(spec.rule.message, entry=item[1].rsplit(".", 1)[-1],
                             line=pos[entry_at], path=scan.fc.path)
                out.append(_finding(spec, msg, scan.fc.path, pos[entry_at],
                                    scan.pc.context,
                                    evidence=scrub(hunk.lines[entry_at].text)))
    return out


# --- negative-case tests -------------------------------------------------------------

def _missing_tests(spec: _Spec, findings: Sequence[Finding], topics: Mapping[str, Tier],
                   test_lines: Sequence[str]) -> Finding | None:
    tier = max((f.tier for f in findings), default=Tier.NONE)
    if tier < spec.min_tier:
        return None
    wanted = [t for t, level in topics.items() if level >= spec.min_tier]
    # "auth" asks only for a rejected request; a more specific topic asks for more.
    if len(wanted) > 1 and "auth" in wanted:
        wanted.remove("auth")
    if not wanted:
        return None
    text = "\n".join(test_lines)
    order = {c.topic: n for n, c in reversed(list(enumerate(spec.cases)))}
    missing = [c.name for t in sorted(wanted, key=lambda t: order.get(t, 99))
               for c in spec.cases if c.topic == t and not c.pattern.search(text)]
    if not missing:
        return None
    msg = render(spec.rule.message, tier=tier, missing=", ".join(missing))
    return _finding(spec, msg, None, None, "code", tier=Tier.NONE)


__all__ = ["PathClass", "amount", "catalog", "classify", "code_only", "render", "run",
           "sensitive_paths"]
