"""`identity`, `trailer` and `message` rules: the commit message (trailers, disclosure
lines, "Generated with" footers), and the author and committer with their tools."""

from __future__ import annotations

import re

from authgate.changes import ChangeSet
from authgate.checks.provenance.plan import _finding, _Plan, normalize, slug
from authgate.config import Config
from authgate.findings import Finding, scrub
from authgate.record import Record
from authgate.rules import Rule

# Identity-bearing trailers read by `identity` rules unless a rule names its own sources.
DEFAULT_IDENTITY_SOURCES = ("author", "committer", "co-authored-by", "signed-off-by",
                            "assisted-by")

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


class _Who(Record):
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
