"""AI provenance: who (or what) wrote a change, with evidence, and the defects AI edits
leave behind.

The catalog is data (`rules/provenance.toml`, whose header documents each kind and its
`[rule.params]`); this module only knows how each kind reads the ChangeSet:

- `identity`, `trailer`, `message`: the commit message (commit-msg stage and commits)
  and the author and committer (commits);
- `env`: the agent variables captured at local stages;
- `path`, `line`, `window`: the files and their added lines;
- `meta`: Agent Trace records (index) and git-ai notes (commits).

Every text is matched after NFKC with zero-width and bidi controls removed, so a
marker cannot hide behind an invisible character or a full-width letter. Evidence
findings warn: policy turns strong ones into AI-Assisted. Artifacts, bidi controls and
committed transcripts are defects whose rules block by default.
"""

from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from authgate.changes import ChangeSet, FileChange, Status
from authgate.checks.context import file_context, is_comment, string_ranges
from authgate.config import Config, ConfigError
from authgate.findings import Finding, scrub, value_hash
from authgate.pathmatch import matches
from authgate.patterns import check_user_regex
from authgate.rules import Rule, RuleSet

FAMILY = "provenance"
STRENGTHS = ("strong", "weak")

# Bidi embedding, override and isolate controls: the trojan-source set (CVE-2021-42574).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Invisible characters that can split a marker without changing what a reader sees.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u061c" + BIDI_CONTROLS))

# Identity-bearing trailers read by `identity` rules unless a rule names its own sources.
DEFAULT_IDENTITY_SOURCES = ("author", "committer", "co-authored-by", "signed-off-by",
                            "assisted-by")
# Values that mean "not set" for an agent variable or "no" for a disclosure trailer.
OFF_VALUES = frozenset({"", "0", "false", "no", "off"})

# Both linear in the length of a line (a 50 KB `Co-authored-by` must not stall the
# message hook): the value ends at its last non-space character, found by one
# backtrack, not by trying the end at every space; an address is the whole run between
# `<` and `>`, with an `@` inside it checked once.
_TRAILER_LINE = re.compile(
    r"^\s*(?P<key>[A-Za-z0-9][A-Za-z0-9-]*)\s*:\s*(?P<value>\S(?:.*\S)?)\s*$")
_EMAIL = re.compile(r"<\s*(?P<email>(?=[^<>\s]+@[^<>\s])[^<>\s]+)\s*>"
                    r"|(?P<bare>(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
# `git commit -v` puts the diff below this line; git drops it, and so do we.
_SCISSORS = re.compile(r"^\S -{24} >8 -{24}$")
# The Linux kernel's disclosure shape, AGENT_NAME:MODEL_VERSION ("Claude:claude-3-opus").
# The model part starts right after the colon, so "Bob: pairing" and URLs do not match.
_AGENT_MODEL = re.compile(r"^(?P<agent>[A-Za-z][\w .-]{0,40}?):(?P<model>[A-Za-z0-9][\w.:@+/-]*)")


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


# --- the compiled catalog ------------------------------------------------------------
# Compile-once, and only what a commit needs: a hook is a fresh process, so every
# pattern compiled and never used is paid on every commit. Patterns from `params` are
# kept as strings and compiled by `re` on first use (its cache keeps them); globs are
# gated by their literal text, so a path rule costs a substring test for paths that
# cannot match it; the keywords of every line rule are one pattern, searched once per
# added line before any rule looks at it.
# The holders below are NamedTuples, not dataclasses: a hook imports this module on
# every commit, and a frozen dataclass costs several times more to define.

class _Scoped(NamedTuple):
    """A `line` or `window` rule with what it needs per file and per line."""

    rule: Rule
    contexts: frozenset[str] | None
    comment_only: bool
    outside_strings: bool
    closing: str | None  # window rules: the pattern that closes the block
    within: int


class _Env(NamedTuple):
    rule: Rule
    vars: tuple[tuple[str, str], ...]  # (variable, value pattern or "")
    fallback: bool


class _Plan(NamedTuple):
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
    params = rule.params
    return Finding(
        rule_id=rule.id, severity=rule.severity, message=message or rule.message,
        path=path, line=line, evidence=evidence, title=rule.title, fix=rule.fix,
        refs=rule.refs, context=context, tier=rule.tier, action=rule.action,
        strength=params.get("strength"),
        tool=tool or params.get("tool"),
        value_hash=value_hash(matched) if matched else None,
    )


def run(changes: ChangeSet, rules: RuleSet, config: Config) -> list[Finding]:
    plan = _plan(rules)
    findings: list[Finding] = []
    findings += _from_message(changes, plan, config)
    findings += _from_environment(changes.environment, plan)
    for fc in changes.files:
        findings += _from_file(fc, plan)
    if changes.agent_trace and "agent-trace" in plan.meta:
        findings += _from_agent_trace(changes, plan)
    if changes.ai_note and "git-ai" in plan.meta:
        findings += _from_git_ai(changes.ai_note, plan)
    return findings


# --- message, author, committer --------------------------------------------------------

class _Who(NamedTuple):
    source: str  # "author", "committer" or a lower-case trailer key
    name: str
    email: str
    evidence: str


def _message_lines(message: str) -> list[str]:
    lines = []
    for raw in message.splitlines():
        if _SCISSORS.match(raw):
            break
        lines.append(normalize(raw))
    return lines


def _split_identity(value: str) -> tuple[str, str]:
    # The last address is the one that counts: "Claude <x> via <y>" names y.
    found = list(_EMAIL.finditer(value))
    if not found:
        return value.strip(), ""
    m = found[-1]
    email = m["email"] or m["bare"]
    return value[:m.start()].strip(), email.lower()


class _Hits:
    """Message evidence, one finding per rule and tool: a squash merge repeats the same
    co-author in every squashed commit, and the report should say it once, counted."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str | None], tuple[Rule, str]] = {}
        self.count: dict[tuple[str, str | None], int] = {}

    def add(self, rule: Rule, tool: str | None, evidence: str) -> None:
        key = (rule.id, tool)
        self.seen.setdefault(key, (rule, evidence))
        self.count[key] = self.count.get(key, 0) + 1

    def findings(self, context: str) -> list[Finding]:
        out: list[Finding] = []
        for key, (rule, evidence) in self.seen.items():
            more = f" (+{self.count[key] - 1} more)" if self.count[key] > 1 else ""
            out.append(_finding(rule, evidence=scrub(evidence) + more, context=context,
                                tool=key[1], matched=evidence))
        return out


def _from_message(changes: ChangeSet, plan: _Plan, config: Config) -> list[Finding]:
    people: list[_Who] = []
    for source, ident in (("author", changes.author), ("committer", changes.committer)):
        if ident is not None:
            name, email = normalize(ident.name), normalize(ident.email).lower()
            people.append(_Who(source, name, email, f"{source}: {name} <{email}>"))
    lines = _message_lines(changes.message) if changes.message else []
    trailers: list[tuple[str, str, str]] = []
    for text in lines:
        m = _TRAILER_LINE.match(text)
        if m:
            key, value = m["key"].lower(), m["value"]
            trailers.append((key, value, text.strip()))
            name, email = _split_identity(value)
            if email:
                people.append(_Who(key, name, email, text.strip()))
    if not people and not lines:
        return []

    hits = _Hits()
    identified: set[str] = set()  # trailer lines an identity rule already explained
    for rule in plan.identities:
        field_name = rule.params.get("field", "email")
        sources = rule.params.get("sources", DEFAULT_IDENTITY_SOURCES)
        for who in people:
            if who.source not in sources or rule.pattern is None:
                continue
            if rule.pattern.search(who.name if field_name == "name" else who.email):
                hits.add(rule, None, who.evidence)
                identified.add(who.evidence)

    by_key = dict(plan.trailers)
    for attr, rule in plan.configured:
        name = str(getattr(config.trailers, attr, "")).lower()
        if name and rule not in by_key.get(name, ()):
            by_key[name] = (*by_key.get(name, ()), rule)
    for key, value, text in trailers:
        for rule in by_key.get(key, ()):
            if rule.params.get("disclosure"):
                if text in identified:
                    continue
                for tool in _disclosed_tools(rule, value, plan):
                    hits.add(rule, tool, text)
            elif rule.pattern is None or rule.pattern.search(value):
                hits.add(rule, None, text)

    matched_lines: set[int] = set()
    first = next((i for i, t in enumerate(lines) if t.strip()), -1)
    for rule in plan.messages:
        fallback = bool(rule.params.get("fallback"))
        for i, text in enumerate(lines):
            if rule.params.get("subject_only") and i != first:
                continue
            if fallback and i in matched_lines:
                continue
            m = rule.search(text, text.lower())
            if m is None:
                continue
            matched_lines.add(i)
            tool = slug(m["tool"], plan.aliases) if "tool" in m.re.groupindex else None
            hits.add(rule, tool, text.strip())
    return hits.findings("message")


def _disclosed_tools(rule: Rule, value: str, plan: _Plan) -> list[str | None]:
    """The tools a disclosure trailer names; [] when it does not disclose AI."""
    if value.strip().lower() in set(rule.params.get("negative", ())):
        return []
    if rule.params.get("require") == "agent-model-or-known-tool":
        m = _AGENT_MODEL.match(value)
        if m and "://" not in value[:m.end() + 2]:
            return [slug(m["agent"], plan.aliases)]
        tool = _named_tool(value, plan, rule)
        return [tool] if tool else []
    tools: list[str | None] = []
    for part in re.split(r"[,;]", value):
        part = _split_identity(part)[0].split("(")[0].strip()
        if not part:
            continue
        tool = _named_tool(part, plan, rule)
        if tool is None and part.lower() not in ("yes", "true", "1", "ai"):
            tool = slug(part, plan.aliases)
        if tool not in tools:
            tools.append(tool)
    return tools or [None]


def _named_tool(value: str, plan: _Plan, rule: Rule) -> str | None:
    if plan.alias_source:
        m = re.search(plan.alias_source, value)
        if m:
            return plan.aliases[" ".join(m[0].lower().split())]
    for pattern in ([plan.models[rule.id]] if rule.id in plan.models else plan.models.values()):
        m = re.search(pattern, value)
        if m:
            # The model's family names the tool: "claude-3-opus" -> "claude".
            family = re.match(r"[a-z]+", m[0].lower())
            return family[0] if family else slug(m[0])
    return None


# --- environment -----------------------------------------------------------------------

def _from_environment(env: Mapping[str, str], plan: _Plan) -> list[Finding]:
    if not env:
        return []
    out: list[Finding] = []
    claimed: set[str] = set()
    for entry in plan.envs:
        seen = []
        for name, pattern in entry.vars:
            value = env.get(name)
            if value is None or (entry.fallback and name in claimed):
                continue
            value = normalize(value).strip()
            if value.lower() in OFF_VALUES or (pattern and not re.search(pattern, value)):
                continue
            seen.append((name, value))
        if not seen:
            continue
        claimed.update(n for n, _ in seen)
        tool = slug(seen[0][1], plan.aliases) if entry.rule.params.get("tool_from_value") else None
        evidence = ", ".join(f"{n}={v}" for n, v in seen)
        out.append(_finding(entry.rule, evidence=scrub(evidence), context="environment",
                            tool=tool))
    return out


# --- files -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1024)
def _needle(glob: str) -> str:
    """The longest run of literal text in a glob: a path without it cannot match, so
    most paths are turned away by a substring test before the glob is ever compiled."""
    runs, run, i = [], "", 0
    while i < len(glob):
        c = glob[i]
        if c == "[":
            # A class; `]` right after `[` (or `[!`) belongs to it.
            end = glob.find("]", i + (3 if glob[i + 1:i + 2] in ("!", "^") else 2))
            if end < 0:
                break
            runs.append(run)
            run, i = "", end + 1
        elif c in "*?\\":
            runs.append(run)
            run, i = "", i + 2 if c == "\\" else i + 1
        else:
            run, i = run + c, i + 1
    runs.append(run)
    return max((r.strip("/") for r in runs), key=len)


def _globs(patterns: tuple[str, ...], path: str) -> bool:
    return any(_needle(p) in path and matches(p, path) for p in patterns)


def _applies(rule: Rule, path: str) -> bool:
    if rule.paths and not _globs(rule.paths, path):
        return False
    return not (rule.exclude_paths and _globs(rule.exclude_paths, path))


def _from_file(fc: FileChange, plan: _Plan) -> list[Finding]:
    out: list[Finding] = []
    context: str | None = None
    for rule in plan.paths:
        statuses = rule.params.get("statuses")
        if statuses and fc.status.value not in statuses:
            continue
        hit = _applies(rule, fc.path) or (fc.old_path is not None and _applies(rule, fc.old_path))
        if hit:
            context = context or file_context(fc.path)
            evidence = f"{fc.status.value}: {fc.path}" + (
                f" (from {fc.old_path})" if fc.old_path else "")
            out.append(_finding(rule, path=fc.path, evidence=scrub(evidence), context=context))
    if fc.status is Status.DELETED or not fc.hunks:
        return out
    context = context or file_context(fc.path)
    scoped = [s for s in plan.scoped if (s.contexts is None or context in s.contexts)
              and _applies(s.rule, fc.path)]
    bidi = [(r, cps) for r, cps in plan.bidi if _applies(r, fc.path)]
    if not scoped and not bidi:
        return out
    gate = plan.gate
    # Rules without keywords (path-scoped ones) look at every line; the others only at
    # lines the keyword gate lets through.
    always = [s for s in scoped if not s.rule.keywords]
    gated = [s for s in scoped if s.rule.keywords]
    needs_strings = any(s.outside_strings for s in scoped)
    added: list[tuple[int, str]] = []
    openings: list[tuple[_Scoped, int]] = []  # window rule, index into `added`
    for hunk in fc.hunks:
        strings = _Strings(fc.path) if needs_strings else None
        for ln in hunk.lines:
            if ln.kind == "-":
                continue
            raw = ln.text
            text = normalize(raw)
            inside = strings.inside if strings is not None else False
            if strings is not None:
                strings.feed(text)
            if ln.kind != "+" or ln.new is None:
                continue
            added.append((ln.new, text))
            if bidi and not raw.isascii():
                out += _bidi(fc.path, ln.new, raw, bidi, context)
            lowered = text.lower()
            candidates = always
            if gated and (gate is None or gate.search(lowered) is not None):
                candidates = always + gated
            for s in candidates:
                rule = s.rule
                if rule.pattern is None or not rule.prefilter(lowered):
                    continue
                if (s.outside_strings and inside) or (
                        s.comment_only and not is_comment(fc.path, text)):
                    continue
                m = rule.pattern.search(text)
                if m is None:
                    continue
                if s.closing is not None:
                    openings.append((s, len(added) - 1))
                    continue
                tool = (slug(m["tool"], plan.aliases)
                        if "tool" in rule.pattern.groupindex and m["tool"] else None)
                out.append(_finding(rule, path=fc.path, line=ln.new, evidence=scrub(text),
                                    context=context, tool=tool, matched=m[0]))
    return out + _windows(openings, fc.path, added, context)


def _bidi(path: str, line: int, raw: str, rules: list[tuple[Rule, frozenset[str]]],
          context: str) -> list[Finding]:
    out: list[Finding] = []
    for rule, points in rules:
        found = sorted({c for c in raw if c in points})
        if not found:
            continue
        # The column says where; the line itself is shown as a reader sees it (controls
        # removed), since markers inside a quoted literal would read as a secret to scrub.
        column = next(i for i, c in enumerate(raw, 1) if c in points)
        names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in found)
        out.append(_finding(rule, path=path, line=line, context=context,
                            evidence=f"{names} at column {column}: {scrub(normalize(raw))}",
                            matched="".join(found)))
    return out


def _windows(openings: list[tuple[_Scoped, int]], path: str, added: list[tuple[int, str]],
             context: str) -> list[Finding]:
    """A block opened on an added line and closed within `within` lines after it."""
    out: list[Finding] = []
    closed_at: dict[str, int] = {}
    for s, i in openings:
        rule, (number, text) = s.rule, added[i]
        if s.closing is None or i <= closed_at.get(rule.id, -1):
            continue  # inside a block already reported
        for j in range(i + 1, len(added)):
            end, closing = added[j]
            if end - number > s.within:
                break
            if re.search(s.closing, closing):
                out.append(_finding(rule, path=path, line=number, context=context,
                                    evidence=scrub(f"{text} ... {closing} "
                                                   f"(lines {number}-{end})"),
                                    matched=text))
                closed_at[rule.id] = j
                break
    return out


class _Strings:
    """Whether a line sits inside a multi-line string literal or doc comment, as far as
    a line scanner can tell: triple quotes (Python, Kotlin, Java, Swift, Scala,
    TOML...), Rust raw strings, shell/Ruby/Perl/PHP heredocs and `/* ... */` blocks
    (JSDoc, Javadoc, KDoc, GoDoc). A Markdown fence in there is data (a docstring or
    doc-comment example, a README written by a setup script), not a pasted chat answer.
    State starts outside at each hunk: what precedes a hunk is unknown."""

    _TRIPLE = frozenset({".py", ".pyi", ".kt", ".kts", ".java", ".swift", ".scala",
                         ".groovy", ".gradle", ".jl", ".toml", ".dart", ".nim"})
    _HEREDOC = frozenset({".sh", ".bash", ".zsh", ".ksh", ".rb", ".pl", ".pm", ".php"})
    _HEREDOC_START = re.compile(r"<<<?[-~]?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
    _RAW_START = re.compile(r"\br(#+)\"")
    _C_BLOCK = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx",
                          ".java", ".kt", ".kts", ".scala", ".groovy", ".go", ".c", ".h",
                          ".cc", ".cpp", ".hpp", ".cs", ".swift", ".rs", ".php", ".dart"})

    def __init__(self, path: str) -> None:
        name = posixpath.basename(path)
        ext = posixpath.splitext(name)[1].lower()
        self.triple = ext in self._TRIPLE
        self.heredoc = ext in self._HEREDOC or name in ("Dockerfile", "Containerfile")
        self.rust = ext == ".rs"
        self.cblock = ext in self._C_BLOCK
        self.closer: str | None = None  # the delimiter that ends the open string

    @property
    def inside(self) -> bool:
        return self.closer is not None

    def feed(self, text: str) -> None:
        if self.closer is not None and self.closer.startswith("\n"):
            if text.strip() == self.closer[1:]:
                self.closer = None
            return
        pos = 0
        while True:
            if self.closer is not None:
                end = text.find(self.closer, pos)
                if end < 0:
                    return
                pos, self.closer = end + len(self.closer), None
                continue
            start, closer = self._opening(text, pos)
            if start < 0 or closer is None:
                return
            self.closer = closer
            pos = start
            if closer.startswith("\n"):
                return

    def _opening(self, text: str, pos: int) -> tuple[int, str | None]:
        best, closer = -1, None
        if self.triple:
            for delim in ('"""', "'''"):
                i = text.find(delim, pos)
                if i >= 0 and (best < 0 or i < best):
                    best, closer = i + 3, delim
        if self.rust:
            m = self._RAW_START.search(text, pos)
            if m and (best < 0 or m.end() < best):
                best, closer = m.end(), '"' + m[1]
        if self.heredoc:
            m = self._HEREDOC_START.search(text, pos)
            if m and (best < 0 or m.end() < best):
                best, closer = m.end(), "\n" + m[2]
        if self.cblock:
            # A block comment opens at `/*` outside a string ('src/**/*.ts' is a glob).
            quoted = string_ranges(text) if "/*" in text else []
            i = text.find("/*", pos)
            while i >= 0 and any(start < i < end for start, end in quoted):
                i = text.find("/*", i + 2)
            if i >= 0 and (best < 0 or i + 2 < best):
                best, closer = i + 2, "*/"
        return best, closer


# --- records outside the diff ------------------------------------------------------------

TRACE_PATH = ".agent-trace/traces.jsonl"


def _malformed(plan: _Plan, what: str, path: str | None, lines: list[int]) -> list[Finding]:
    rule = plan.meta.get("malformed")
    if rule is None or not lines:
        return []
    where = f" (line {lines[0]}" + (f" and {len(lines) - 1} more)" if len(lines) > 1 else ")")
    return [_finding(rule, path=path, line=lines[0] if path else None, context="config",
                     message=f"{len(lines)} unreadable {what} skipped{where if path else ''}")]


def _from_agent_trace(changes: ChangeSet, plan: _Plan) -> list[Finding]:
    """Agent Trace records written at the current HEAD for files that are staged."""
    import json

    text = changes.agent_trace or ""
    head = changes.revision
    # Records are written while editing, against the HEAD the commit will have as
    # parent: a file without it holds nothing for this commit and is not parsed.
    if head and head not in text:
        return []
    staged = {f.path: f for f in changes.files if f.status is not Status.DELETED}
    rule = plan.meta["agent-trace"]
    bad: list[int] = []
    models: dict[tuple[str, str | None], str | None] = {}
    spans: dict[tuple[str, str | None], set[tuple[int, int]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or (head and head not in line):
            continue
        try:
            # A record counts whole or not at all.
            files = list(_trace_files(json.loads(line), head))
        except (ValueError, TypeError, AttributeError, KeyError, RecursionError):
            # RecursionError: a record nested deeper than json can read is malformed too.
            bad.append(number)
            continue
        for path, tool, model, ranges in files:
            if path in staged:
                models.setdefault((path, tool), model)
                spans.setdefault((path, tool), set()).update(ranges)
    out: list[Finding] = []
    for (path, tool), model in models.items():
        ranges = sorted(spans[(path, tool)])
        shown = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges[:6]) or "file"
        by = f" by {tool or 'an AI tool'}" + (f" ({model})" if model else "")
        out.append(_finding(rule, path=path, line=ranges[0][0] if ranges else None,
                            context=file_context(path), tool=tool,
                            evidence=scrub(f"lines {shown}{by}")))
    return out + _malformed(plan, "Agent Trace record(s)", TRACE_PATH, bad)


def _trace_files(record: Any, head: str | None
                 ) -> Iterator[tuple[str, str | None, str | None, list[tuple[int, int]]]]:
    if not isinstance(record, dict):
        raise TypeError("record is not an object")
    vcs = record.get("vcs") or {}
    revision = vcs.get("revision")
    if (revision or None) != head:
        return
    tool_name = (record.get("tool") or {}).get("name")
    tool = slug(str(tool_name)) if tool_name else None
    for entry in record.get("files") or ():
        path = str(entry["path"])
        path = path[2:] if path.startswith("./") else path
        ranges: list[tuple[int, int]] = []
        model = None
        ai = False
        for conv in entry.get("conversations") or ():
            who = conv.get("contributor") or {}
            for rng in conv.get("ranges") or ():
                by = rng.get("contributor") or who
                if str(by.get("type", "")).lower() in ("ai", "mixed"):
                    ai = True
                    model = model or by.get("model_id") or by.get("model")
                    ranges.append((int(rng["start_line"]), int(rng["end_line"])))
            if not conv.get("ranges") and str(who.get("type", "")).lower() in ("ai", "mixed"):
                ai = True
                model = model or who.get("model_id") or who.get("model")
        if ai:
            yield path, tool, (str(model) if model else None), ranges


def _from_git_ai(note: str, plan: _Plan) -> list[Finding]:
    """A git-ai authorship note (standard v3): per-file attestation lines, `---`, JSON."""
    import json

    lines = note.splitlines()
    split = next((i for i, ln in enumerate(lines) if ln.strip() == "---"), -1)
    try:
        if split < 0:
            raise ValueError("no '---' separator")
        meta = json.loads("\n".join(lines[split + 1:]))
        if not isinstance(meta, dict) or not str(meta.get("schema_version", "")).startswith(
                "authorship/"):
            raise ValueError("not an authorship log")
        agents = {**_agents(meta.get("prompts")), **_agents(meta.get("sessions"))}
        models: dict[tuple[str, str | None], str | None] = {}
        spans: dict[tuple[str, str | None], list[str]] = {}
        path = None
        for ln in lines[:split]:
            if not ln.strip():
                continue
            if not ln[:1].isspace():
                path = ln.strip()
                continue
            parts = ln.split()
            key = parts[0].split("::")[0]
            if key not in agents or path is None:
                continue  # a human (h_...) or unknown key
            tool, model = agents[key]
            models.setdefault((path, tool), model)
            spans.setdefault((path, tool), []).extend(parts[1:2])
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        return _malformed(plan, "git-ai note", None, [1])
    rule = plan.meta["git-ai"]
    out: list[Finding] = []
    for (path, tool), model in models.items():
        ranges = spans[(path, tool)]
        first = re.match(r"\d+", ranges[0]) if ranges else None
        by = f" by {tool or 'an AI agent'}" + (f" ({model})" if model else "")
        out.append(_finding(rule, path=path, line=int(first[0]) if first else None,
                            context=file_context(path), tool=tool,
                            evidence=scrub(f"lines {','.join(ranges) or '?'}{by}")))
    return out


def _agents(table: Any) -> dict[str, tuple[str | None, str | None]]:
    out: dict[str, tuple[str | None, str | None]] = {}
    if not isinstance(table, dict):
        return out
    for key, value in table.items():
        agent = value.get("agent_id") if isinstance(value, dict) else None
        if isinstance(agent, dict):
            tool, model = agent.get("tool"), agent.get("model")
            out[str(key)] = (slug(str(tool)) if tool else None,
                             str(model) if model else None)
    return out
