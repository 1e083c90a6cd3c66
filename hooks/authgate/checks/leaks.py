"""Leaks: secrets (detect-secrets), endpoints and sensitive files in the added lines.

AI assistants copy what was in their context — credentials, production URLs, internal
hosts from the prompt — into comments, fixtures and examples. Three kinds of rule
(rules/leaks.toml) look for that:

- `leak.secret.<plugin>`: what detect-secrets finds on the added lines (checks/secrets.py);
- `leak.endpoint.<name>`: private, link-local and unique-local addresses, cloud metadata
  endpoints, internal and production host names, connection strings, credential-bearing
  webhook and presigned URLs, ARNs with account ids. RFC 2606/6761 names, RFC 5737 and
  RFC 3849 documentation addresses and loopback are always allowed;
- `leak.file.<name>`: private keys, keystores, `.env` files with values, `.netrc`,
  `.htpasswd`, `.npmrc`/`.pypirc` with tokens, agent chat transcripts.

Block means certainly wrong. Each detect-secrets finding is judged by its plugin and
its value (`secrets.judge`): a provider's token format or a private key with its body
blocks anywhere; another credential-looking value blocks outside tests, fixtures and
docs and annotates in them; what is uncertain (placeholders, word-made values,
unnamed random strings) annotates in code and is dropped where examples live; what is
no secret (references, names, prose, hashes) is dropped. Endpoints block only where
they name real infrastructure (the configured domains, enterprise host names in
comments and docs, metadata endpoints in code that does not guard against them,
connection strings with real credentials); an IP literal never blocks, and ranges
and lines that guard against addresses are dropped. A `.env` is judged by its values.
Evidence is always redacted: the secret found, credential parts of URLs, and anything
else `findings.scrub` recognises; a line of a credentials file (.netrc, .env ...) is
not shown at all.
"""

from __future__ import annotations

import bisect
import ipaddress
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Union
from urllib.parse import unquote

from authgate.changes import ChangeSet, FileChange, Status
from authgate.checks import secrets
from authgate.checks.context import (
    CONFIG_GLOBS,
    DOC_GLOBS,
    comment_flags,
    comment_start,
    file_context,
    line_context,
    string_ranges,
)
from authgate.config import Config, ConfigError
from authgate.findings import Action, Finding, Severity, redact, scrub, secret_marks, value_hash
from authgate.pathmatch import any_match
from authgate.ruleids import any_matches, matches
from authgate.rules import Rule, RuleSet

FAMILY = "leak"
SECRET = "leak.secret."
ENDPOINT = "leak.endpoint."
FILE = "leak.file."

# Where examples live: tests, fixtures, documentation. There a value that looks like a
# credential is annotated (unless it is a provider's token format), and one that does
# not is no finding at all.
PLACEHOLDER_CONTEXTS = ("test", "fixture", "docs")

_MATCHERS = ("plain", "ip", "host", "connection-string", "credential-url", "arn")
_CONTEXT_WORDS = {"comment": " in a comment", "test": " in a test", "fixture": " in a fixture",
                  "docs": " in documentation", "config": " in configuration", "code": ""}

_IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
_IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]


# --- always allowed ------------------------------------------------------------------

_SAFE_NETWORKS: tuple[_IPNetwork, ...] = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "::1/128", "0.0.0.0/32", "::/128",  # loopback, unspecified
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  # RFC 5737
    "2001:db8::/32",  # RFC 3849
))
_SAFE_NAMES = frozenset(("localhost", "example.com", "example.net", "example.org",
                         "localhost.localdomain",
                         # What Docker and Podman resolve on every machine.
                         "host.docker.internal", "gateway.docker.internal",
                         "kubernetes.docker.internal", "host.containers.internal"))
# RFC 2606 / RFC 6761 special-use names.
_SAFE_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".example.com",
                  ".example.net", ".example.org")
# Dotted names in prose that are code, not hosts ("threading.local", "self.internal").
_CODE_OBJECTS = frozenset(("threading", "thread", "self", "this", "cls", "storage", "werkzeug",
                           "contextvars", "asyncio", "gevent", "greenlet", "chrome", "browser",
                           "window", "document", "os", "sys", "settings", "module", "pkg",
                           "app", "ctx", "request", "g", "flask", "django", "local"))


def safe_ip(addr: _IPAddress) -> bool:
    return any(addr.version == n.version and addr in n for n in _SAFE_NETWORKS)


def safe_host(host: str) -> bool:
    """Loopback, documentation and special-use names, templates, and single-label names
    (a compose service such as `db` or a placeholder such as `host` names no machine)."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host or any(c in host for c in "{}$<>%*"):
        return True
    try:
        return safe_ip(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    if host in _SAFE_NAMES or host.endswith(_SAFE_SUFFIXES):
        return True
    return "." not in host


# --- placeholders ---------------------------------------------------------------------

# Placeholders are not leaks where examples live: tests, fixtures, documentation.
is_placeholder = secrets.is_placeholder
entropy = secrets.entropy


_PLACEHOLDER_ACCOUNTS = frozenset(("123456789012", "210987654321", "000000000000"))


def placeholder_account(account: str) -> bool:
    """AWS documentation account ids: 123456789012, 111122223333 and the like."""
    if account in _PLACEHOLDER_ACCOUNTS or len(set(account)) == 1:
        return True
    return bool(re.fullmatch(r"(\d)\1{3}(\d)\2{3}(\d)\3{3}", account))


# --- the plan: rules grouped and validated once per run ------------------------------


@dataclass(frozen=True)
class _EndpointRule:
    rule: Rule
    match: str
    keywords: tuple[str, ...]
    networks: tuple[_IPNetwork, ...]
    suffixes: tuple[str, ...]
    domains: tuple[str, ...]
    # Suffixes of home and zero-configuration networks (.local, .lan): they name a
    # machine on someone's desk, never what a company runs; annotated wherever they are.
    soft_suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Plan:
    secrets: Mapping[str, Rule]  # detect-secrets type -> rule
    endpoints: tuple[_EndpointRule, ...]
    files: tuple[Rule, ...]
    scan_secrets: bool
    # Every endpoint rule's keywords in one pattern (lower case): a line with none of
    # them is skipped at once. None when some rule has no keywords.
    any_keyword: re.Pattern[str] | None
    # What names the company's own infrastructure: the configured domains and the
    # enterprise suffixes of the host rules (a connection string to such a host in a
    # comment or the docs is a leak; to any other host it is annotated).
    infra_domains: tuple[str, ...] = ()
    infra_suffixes: tuple[str, ...] = ()

    def infra(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host.endswith(self.infra_suffixes or ("\x00",)) or any(
            host == d or host.endswith("." + d) for d in self.infra_domains)


def _domains(values: Iterable[str]) -> tuple[str, ...]:
    out = []
    for v in values:
        d = v.strip().lower()
        d = d[2:] if d.startswith("*.") else d
        d = d.strip(".")
        if d:
            out.append(d)
    return tuple(out)


def _plan(rules: RuleSet, config: Config) -> _Plan:
    secret_rules: dict[str, Rule] = {}
    endpoints: list[_EndpointRule] = []
    files: list[Rule] = []
    for rule in rules.family(FAMILY):
        if rule.kind in ("file", "path"):
            files.append(rule)
        elif matches(SECRET, rule.id):
            stype = rule.params.get("secret_type")
            if not isinstance(stype, str):
                raise ConfigError(f"rule {rule.id}: leak.secret rules need params.secret_type "
                                  "(the type detect-secrets reports)")
            secret_rules[stype] = rule
        elif rule.kind == "line" and rule.pattern is not None:
            endpoints.append(_endpoint_rule(rule, config))
    disabled = _disabled(SECRET.rstrip("."), config)
    # A host rule with nothing to look for (production_domains unset) is idle.
    active = tuple(e for e in endpoints if e.match != "host" or e.suffixes or e.domains)
    words = sorted({k for e in active for k in e.keywords}, key=lambda k: (-len(k), k))
    any_keyword = None
    if words and all(e.keywords for e in active):
        any_keyword = re.compile("|".join(re.escape(k) for k in words))
    hosts = [e for e in active if e.match == "host"]
    return _Plan(secret_rules, active, tuple(files), scan_secrets=not disabled,
                 any_keyword=any_keyword,
                 infra_domains=tuple(d for e in hosts for d in e.domains),
                 infra_suffixes=tuple(x for e in hosts for x in e.suffixes
                                      if x not in e.soft_suffixes))


def _disabled(rule_id: str, config: Config) -> bool:
    return any_matches(config.disable, rule_id)


def _endpoint_rule(rule: Rule, config: Config) -> _EndpointRule:
    params = rule.params
    match = params.get("match", "plain")
    if match not in _MATCHERS:
        raise ConfigError(f"rule {rule.id}: params.match must be one of {', '.join(_MATCHERS)}")
    for key in ("actions", "suffix_actions", "credential_actions"):
        table = params.get(key, {})
        if not isinstance(table, Mapping) or any(
                a not in ("block", "annotate", "warn", "off") for a in table.values()):
            raise ConfigError(f"rule {rule.id}: params.{key} must map contexts to block, "
                              "annotate, warn or off")
    if params.get("on_guard", "off") not in ("block", "annotate", "warn", "off"):
        raise ConfigError(f"rule {rule.id}: params.on_guard must be block, annotate, warn "
                          "or off")
    try:
        networks = tuple(ipaddress.ip_network(n, strict=False)
                         for n in params.get("networks", ()))
    except ValueError as exc:
        raise ConfigError(f"rule {rule.id}: params.networks: {exc}") from exc
    suffixes = tuple(s.lower() for s in params.get("suffixes", ()))
    source = params.get("config")
    domains = _domains(getattr(config, source, ())) if isinstance(source, str) else ()
    keywords = rule.keywords
    if match == "host":
        keywords = (*suffixes, *domains)
    soft = tuple(x.lower() for x in params.get("soft_suffixes", ()))
    return _EndpointRule(rule, match, keywords, networks, suffixes, domains, soft)


def _applies(rule: Rule, path: str) -> bool:
    if rule.paths and not any_match(rule.paths, path):
        return False
    return not (rule.exclude_paths and any_match(rule.exclude_paths, path))


# --- the check -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Added:
    number: int
    text: str
    comment: bool  # the whole line is a comment or docstring line


def _added(fc: FileChange) -> list[_Added]:
    out = []
    for hunk in fc.hunks:
        visible = [ln for ln in hunk.lines if ln.kind != "-"]
        flags = comment_flags(fc.path, [ln.text for ln in visible])
        for ln, flag in zip(visible, flags):
            if ln.kind == "+" and ln.new is not None:
                out.append(_Added(ln.new, ln.text, flag))
    return out


def _waved(f: Finding, accepted: set[tuple[str, str]], pragma: set[tuple[str, str]],
           baseline: str) -> Finding:
    """A secret finding the baseline accepts or a `pragma: allowlist secret` waves
    through: suppressed, so it is counted like every other suppression."""
    key = (f.value_hash or "", dict(f.extra).get("detect-secrets", ""))
    if key in accepted:
        return replace(f, suppressed=f"baseline: {baseline}")
    if key in pragma:
        return replace(f, suppressed="pragma: allowlist secret")
    return f


def _syntax(path: str) -> str:
    """How the file is written, whatever directory it sits in: code, config or docs."""
    base = posixpath.basename(path)
    if any_match(DOC_GLOBS, base):
        return "docs"
    if any_match(CONFIG_GLOBS, base) or base.lower().startswith(".env"):
        return "config"
    return "code"


def run(changes: ChangeSet, rules: RuleSet, config: Config) -> list[Finding]:
    plan = _plan(rules, config)
    files = [fc for fc in changes.files if fc.status is not Status.DELETED]
    added = {fc.path: _added(fc) for fc in files if fc.hunks and not fc.skipped}
    findings: list[Finding] = []
    for fc in files:
        findings += _sensitive_file(fc, plan)

    hits: list[secrets.SecretHit] = []
    # (value hash, detect-secrets type) of hits the baseline accepts: reported as
    # suppressed, counted like every other suppression (and redacted like any secret).
    accepted: set[tuple[str, str]] = set()
    if plan.scan_secrets and plan.secrets:
        text = secrets.baseline_text(changes, config.baseline)
        baseline = secrets.parse_baseline(text, config.baseline) if text is not None else None
        cands = (c for fc in files if fc.path in added for c in secrets.candidates(fc))
        engine = replace(baseline, accepted=frozenset()) if baseline is not None else None
        hits = secrets.scan(cands, engine, skip_paths=(config.baseline,), allowlisted=True)
        accepted = {(value_hash(h.secret), h.secret_type) for h in hits
                    if baseline is not None
                    and baseline.accepts(h.path, h.secret_type, h.secret_hash)}
    by_line: dict[tuple[str, int], list[secrets.SecretHit]] = {}
    for hit in hits:
        by_line.setdefault((hit.path, hit.line), []).append(hit)

    for path, lines in added.items():
        file_ctx = file_context(path)
        if file_ctx not in PLACEHOLDER_CONTEXTS and is_env_file(path) and \
                env_kind(path) != "env":
            # An env template or a test/dev environment holds examples, like a fixture.
            file_ctx = "fixture"
        syntax = _syntax(path)
        # A line of a credentials file is shown by its place only, never its text.
        quiet = any(_applies(rule, path) for rule in plan.files)
        endpoints = tuple(e for e in plan.endpoints if _applies(e.rule, path))
        guarded: bool | None = None
        texts = {a.number: a.text for a in lines} if any(
            (path, a.number) in by_line for a in lines) else {}
        for a in lines:
            line_hits = by_line.get((path, a.number), ())
            if line_hits:
                following = [texts.get(a.number + i, "") for i in range(1, 7)]
                found = _secret_findings(line_hits, a, path, file_ctx, plan, config, quiet,
                                         following)
                pragma = {(value_hash(h.secret), h.secret_type) for h in line_hits
                          if h.allowlisted}
                findings += [_waved(f, accepted, pragma, config.baseline) for f in found]
            if not endpoints:
                continue
            lowered = a.text.lower()
            if plan.any_keyword is not None and not plan.any_keyword.search(lowered):
                continue
            if path.endswith(".toml") and _DOMAIN_SETTING.match(a.text):
                continue
            if guarded is None:
                guarded = _SSRF_FILE.search(path) is not None or any(
                    _SSRF_FILE.search(x.text[:2000]) for x in lines)
            findings += _endpoint_findings(a, lowered, path, file_ctx, syntax, endpoints,
                                           line_hits, quiet, plan.infra, guarded)
    return findings


class _Place:
    """Where things on one added line sit, each fact computed once, when first asked:
    a line of minified code can hold thousands of candidates."""

    def __init__(self, a: _Added, path: str, file_ctx: str, guarded_file: bool = False
                 ) -> None:
        self.a, self.path, self.file_ctx = a, path, file_ctx
        self._comment_at: int | None = -1
        self._strings: list[tuple[int, int]] | None = None
        self._evidence: str | None = None
        self._guarded: bool | None = True if guarded_file else None

    def guarded(self) -> bool:
        """Whether the line guards against addresses rather than using one."""
        if self._guarded is None:
            self._guarded = _GUARD.search(self.a.text[:2000]) is not None
        return self._guarded

    def is_comment(self, pos: int) -> bool:
        if self.a.comment:
            return True
        if self._comment_at == -1:
            self._comment_at = comment_start(self.path, self.a.text)
        return self._comment_at is not None and pos >= self._comment_at

    def context(self, pos: int) -> str:
        if self.file_ctx in ("test", "fixture", "docs"):
            return self.file_ctx
        return line_context(self.path, self.is_comment(pos), self.file_ctx)

    def in_string(self, pos: int) -> bool:
        if self._strings is None:
            self._strings = string_ranges(self.a.text)
        i = bisect.bisect_left(self._strings, (pos, pos))
        return any(s < pos < e for s, e in self._strings[max(i - 1, 0):i + 1])

    def evidence(self, values: Sequence[str]) -> str:
        if self._evidence is None:
            self._evidence = _evidence(self.a.text, (), values)
        return self._evidence


# A line that keeps requests away from private and metadata addresses (SSRF defences,
# allow and deny lists, the tests that check them) names them to refuse them.
_GUARD = re.compile(
    r"(?i)ssrf|private[\s_-]?(?:ip|addr|address|host|hostname|network|range|net)s?\b|"
    r"is_?private|\breserved|loopback|link[\s_-]?local|\bimds\b|\breject|\bden(?:y|ied)\b|"
    r"\bforbid|disallow|\bblock(?:ed|list|s)?\b|\btrusted|(?:allow|deny|black|white)"
    r"[\s_-]?list|\bcidr|\bsubnet|\brfc[\s-]?\d{3,4}|classif|validat|sanitiz|\bunsafe|"
    r"toBe\(false\)|\.not\.|should_not|[=!]==?|\bin\s*[\[({]|\.(?:includes|contains|has)\(|"
    r"starts_?with|startsWith|\bcase\b")
# Words that make a whole file about such defences.
_SSRF_FILE = re.compile(r"(?i)ssrf|is_?private_?(?:ip|addr|host)|isPrivate|private[_-]ip|"
                        r"\bimds\b|block(?:ed)?[_-]?(?:hosts|ips|networks|ranges|addresses)")

# authgate's own configuration names the internal and production domains on purpose.
_DOMAIN_SETTING = re.compile(r"^\s*[\"']?(?:internal|production)_domains[\"']?\s*=")

# A line with more endpoints than this (a minified bundle, a generated table) reports
# this many; the rest would say nothing new and cost quadratic time.
MAX_PER_LINE = 20


# `password hunter2` (.netrc, CLI flags): a credential after a space, which scrub's
# key=value form does not see.
_SPACED_SECRET = re.compile(
    r"(?i)(?P<key>\b(?:password|passwd|pwd|secret|token|api[_-]?key|passphrase)\b[\"']?\s+)"
    r"(?P<val>[^\s\"'`,;]{4,})")


def _evidence(text: str, spans: Sequence[tuple[int, int]], values: Iterable[str]) -> str:
    """The line with every secret value and credential span redacted, then scrubbed."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + redact(text[start:end]) + text[end:]
    values = [v for v in values if v]
    for v in sorted(values, key=len, reverse=True):
        text = text.replace(v, redact(v))
    text = _SPACED_SECRET.sub(lambda m: m["key"] + redact(m["val"]), text)
    out = scrub(text)
    if any(v in out for v in values if len(v) > 3):
        return "[redacted]"
    return out


def _finding(rule: Rule, path: str, line: int | None, ctx: str, action: Action, message: str,
             evidence: str, value: str, extra: tuple[tuple[str, str], ...] = ()) -> Finding:
    return Finding(rule_id=rule.id, severity=rule.severity, message=message, path=path,
                   line=line, evidence=evidence, title=rule.title, fix=rule.fix,
                   refs=rule.refs, context=ctx, tier=rule.tier, action=action,
                   value_hash=value_hash(value), extra=extra)


# --- secrets -------------------------------------------------------------------------


def _slug(name: str) -> str:
    """A plugin class name as a rule id part: MyTokenDetector -> my-token."""
    name = name.removesuffix("Detector")
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", name)
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unknown"


def _secret_rule(hit: secrets.SecretHit, plan: _Plan, config: Config) -> Rule | None:
    rule = plan.secrets.get(hit.secret_type)
    if rule is not None:
        return rule
    # A plugin the catalog does not know (a newer detect-secrets' plugin).
    rid = SECRET + _slug(hit.plugin)
    if _disabled(rid, config):
        return None
    return Rule(id=rid, title=hit.secret_type, severity=Severity.HIGH, action=Action.BLOCK,
                message=hit.secret_type, fix="Remove it and rotate it.", refs=("CWE-798",))


def _secret_findings(hits: Sequence[secrets.SecretHit], a: _Added, path: str, file_ctx: str,
                     plan: _Plan, config: Config, quiet: bool = False,
                     following: Sequence[str] = ()) -> list[Finding]:
    out = []
    values = _raw_values(hits)
    place = _Place(a, path, file_ctx)
    literal = _syntax(path) != "code" or secrets.transformer_of(path) is not None
    for hit in hits:
        rule = _secret_rule(hit, plan, config)
        if rule is None:
            continue
        pos = a.text.find(hit.secret)
        ctx = place.context(max(pos, 0))
        judged = secrets.judge(hit, a.text, following, literal)
        action = _secret_action(rule, judged, ctx)
        if action is None:
            continue
        note = "" if action is rule.action else f"; {judged.reason}"
        message = (f"{rule.message}{_CONTEXT_WORDS.get(ctx, '')} "
                   f"(detect-secrets: {hit.secret_type}{note})")
        evidence = "" if quiet else place.evidence(values)
        out.append(_finding(rule, path, a.number, ctx, action, message, evidence,
                            hit.secret,
                            extra=(("detect-secrets", hit.secret_type),
                                   *secret_marks(a.text, values))))
    return out


def _secret_action(rule: Rule, judged: secrets.Judgement, ctx: str) -> Action | None:
    """Block means certainly a credential: a provider's token format or a private key
    anywhere; any other credential-looking value outside tests, fixtures and docs (in
    them: annotate). What is uncertain annotates in code and is dropped where examples
    live; what is no secret is dropped."""
    examples = ctx in PLACEHOLDER_CONTEXTS
    kind = judged.kind
    if judged.host and safe_host(judged.host):
        # A password for localhost, a compose service or a documentation host: a
        # development default at most.
        kind = secrets.UNCERTAIN if kind == secrets.CREDENTIAL else secrets.NONE
    if kind == secrets.NONE or (kind == secrets.UNCERTAIN and examples):
        return None
    if kind == secrets.UNCERTAIN or (examples and not judged.provider):
        return Action.ANNOTATE if rule.action is Action.BLOCK else rule.action
    return rule.action


def _raw_values(hits: Iterable[secrets.SecretHit]) -> list[str]:
    """Every raw string of these findings that evidence must not show."""
    return [v for h in hits for v in (h.token, h.value, h.secret) if v]


# --- endpoints -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    shown: str  # what the message may say (never a credential)
    value: str  # what value_hash covers
    credential: bool = False
    secret_span: tuple[int, int] | None = None
    # host rules: a configured domain (True) or only a built-in suffix (False)
    listed: bool = True
    soft: bool = False  # a home-network suffix (.local, .lan)
    infra: bool = True  # connection strings: the host is the company's own


def _endpoint_findings(a: _Added, lowered: str, path: str, file_ctx: str, syntax: str,
                       endpoints: Sequence[_EndpointRule],
                       line_hits: Sequence[secrets.SecretHit], quiet: bool = False,
                       infra: Callable[[str], bool] = lambda host: True,
                       guarded_file: bool = False) -> list[Finding]:
    text = a.text
    claimed: list[tuple[int, int]] = []
    out: list[Finding] = []
    secret_values = _raw_values(line_hits)
    place = _Place(a, path, file_ctx, guarded_file)
    for er in endpoints:
        rule = er.rule
        if er.keywords and not any(k in lowered for k in er.keywords):
            continue
        if rule.pattern is None:
            continue
        for m in rule.pattern.finditer(text):
            if len(out) >= MAX_PER_LINE:
                return out
            start, end = m.span()
            if _overlaps(claimed, start, end):
                continue
            hit = _confirm(er, m, text, place, syntax, infra)
            if hit is None:
                continue
            ctx = place.context(start)
            bisect.insort(claimed, (start, end))
            if er.match == "credential-url" and hit.secret_span and any(
                    text[slice(*hit.secret_span)] in v for v in secret_values):
                continue  # detect-secrets reported this very credential (Slack) already
            action = _endpoint_action(er, hit, ctx, place)
            if action is Action.OFF:
                continue
            shown = f" {hit.shown}" if hit.shown else ""
            message = f"{rule.message}{shown}{_CONTEXT_WORDS.get(ctx, '')}"
            if quiet:
                evidence = ""
            elif hit.secret_span:
                evidence = _evidence(text, [hit.secret_span], secret_values)
            else:
                evidence = place.evidence(secret_values)
            # Marked, so a finding of another family on this line hides them too.
            marks = secret_marks(text, secret_values,
                                 [hit.secret_span] if hit.secret_span else [])
            out.append(_finding(rule, path, a.number, ctx, action, message, evidence,
                                hit.value, extra=marks))
    return out


def _overlaps(claimed: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a claimed span. The claimed spans are sorted and do
    not overlap each other, so only the neighbours need a look: a line of thousands of
    candidates that are all dropped stays linear."""
    i = bisect.bisect_left(claimed, (start, end))
    return any(s < end and start < e for s, e in claimed[max(i - 1, 0):i + 1])


def _context_action(rule: Rule, ctx: str, table: str = "actions") -> Action:
    actions = rule.params.get(table)
    if table != "actions" and not isinstance(actions, Mapping):
        actions = rule.params.get("actions")
    if isinstance(actions, Mapping) and ctx in actions:
        return Action(actions[ctx])
    return rule.action


def _endpoint_action(er: _EndpointRule, hit: _Hit, ctx: str, place: _Place) -> Action:
    """Block what names real infrastructure; annotate or drop the rest.

    A line that guards against the address (an SSRF check, a test that private
    addresses are rejected, a list of blocked ranges) takes `params.on_guard`; a
    credential (a password in a connection string, a webhook) takes
    `params.credential_actions`; a host known only by a built-in suffix takes
    `params.suffix_actions` (home-network suffixes annotate); a connection string to a
    host that is not the company's own annotates."""
    rule = er.rule
    if "on_guard" in rule.params and place.guarded():
        return Action(rule.params["on_guard"])
    if hit.credential:
        table = "credential_actions" if "credential_actions" in rule.params else None
        return _context_action(rule, ctx, table) if table else Action.BLOCK
    if er.match == "host" and not hit.listed:
        return Action.ANNOTATE if hit.soft else _context_action(rule, ctx, "suffix_actions")
    if er.match == "connection-string" and not hit.infra:
        return Action.ANNOTATE
    return _context_action(rule, ctx)


def _confirm(er: _EndpointRule, m: re.Match[str], text: str, place: _Place, syntax: str,
             infra: Callable[[str], bool]) -> _Hit | None:
    if er.match == "plain":
        return _Hit(shown=m[0], value=m[0])
    if er.match == "ip":
        return _confirm_ip(er, m[0])
    if er.match == "host":
        return _confirm_host(er, m, text, place, syntax)
    if er.match == "connection-string":
        return _confirm_connection(m[0], infra)
    groups = m.re.groupindex
    if er.match == "credential-url":
        group = "secret" if "secret" in groups else 0
        secret = m[group]
        if not secret or is_placeholder(unquote(secret)) or "..." in secret:
            return None
        host = re.sub(r"^[a-z]+://", "", m[0], flags=re.I).split("/", 1)[0]
        return _Hit(shown=host, value=m[0], credential=True, secret_span=m.span(group))
    # arn
    account = m["account"] if "account" in groups else None
    if not account or placeholder_account(account):
        return None
    return _Hit(shown=f"(account {account})", value=m[0])


def _parse_ip(candidate: str) -> _IPAddress | None:
    core = candidate.strip("[]").split("%", 1)[0].split("/", 1)[0].rstrip(":")
    try:
        return ipaddress.ip_address(core)
    except ValueError:
        return None


def _confirm_ip(er: _EndpointRule, candidate: str) -> _Hit | None:
    addr = _parse_ip(candidate)
    if addr is None or safe_ip(addr):
        return None
    if "/" in candidate:
        # A range (10.0.0.0/8 in an allow list or a firewall rule) names no machine.
        try:
            net = ipaddress.ip_network(candidate.strip("[]").split("%", 1)[0], strict=False)
        except ValueError:
            net = None
        if net is not None and net.prefixlen < net.max_prefixlen:
            return None
    if not any(addr.version == n.version and addr in n for n in er.networks):
        return None
    return _Hit(shown=str(addr), value=str(addr))


def _confirm_host(er: _EndpointRule, m: re.Match[str], text: str, place: _Place, syntax: str
                  ) -> _Hit | None:
    host = m[0].lower().rstrip(".")
    if safe_host(host):
        return None
    listed = any(host == d or host.endswith("." + d) for d in er.domains)
    if not listed and not host.endswith(er.suffixes or ("\x00",)):
        return None
    after = text[m.end():m.end() + 1]
    if after == "(":
        return None  # a call: threading.local()
    if not listed:
        # The built-in suffixes are also words of code ("threading.local",
        # "pkg.internal"): in code a host is a string literal; in prose, not a known
        # code object.
        if syntax == "code" and not place.is_comment(m.start()) and \
                not place.in_string(m.start()):
            return None
        if host.split(".", 1)[0] in _CODE_OBJECTS:
            return None
    soft = not listed and host.endswith(er.soft_suffixes or ("\x00",))
    return _Hit(shown=host, value=host, listed=listed, soft=soft)


_NETLOC_END = re.compile(r"[/?#;]")


def _confirm_connection(found: str, infra: Callable[[str], bool]) -> _Hit | None:
    if "://" in found or found.lower().startswith("jdbc:oracle:thin:@"):
        return _url_connection(found, infra)
    return _ado_connection(found, infra)


def _credential(password: str | None) -> bool:
    """A password that looks like a credential (judged as detect-secrets' findings are:
    not a placeholder, a reference or a word)."""
    return bool(password) and secrets.value_kind(unquote(password or ""))[0] == \
        secrets.CREDENTIAL


def _url_connection(found: str, infra: Callable[[str], bool]) -> _Hit | None:
    # jdbc:oracle:thin:@host:port:sid (or @//host:port/service) has no "://".
    rest = found.split("://", 1)[1] if "://" in found else found.split("@", 1)[1].lstrip("/")
    end = _NETLOC_END.search(rest)
    netloc = rest[:end.start()] if end else rest
    tail = rest[end.start():] if end else ""
    userinfo, _, hostlist = netloc.rpartition("@")
    password = userinfo.split(":", 1)[1] if ":" in userinfo else None
    hosts = []
    for item in hostlist.split(","):
        item = item.strip()
        if item.startswith("["):
            hosts.append(item[1:item.find("]")] if "]" in item else item[1:])
        else:
            hosts.append(item.split(":", 1)[0])
    hosts = [h for h in hosts if h]
    if not hosts or all(safe_host(h) for h in hosts):
        return None
    query_pw = re.search(r"(?i)[;?&](?:password|pwd)=([^;&\s]*)", tail)
    credential = _credential(password) or bool(query_pw and _credential(query_pw[1]))
    shown = ",".join(h for h in hosts if not safe_host(h))
    if credential:
        shown += " (with a password)"
    return _Hit(shown=shown, value=found, credential=credential,
                infra=any(infra(h) for h in hosts if not safe_host(h)))


_ADO_HOST_KEYS = ("server", "data source", "address", "addr", "network address", "host")
_ADO_KEYS = ("database", "initial catalog", "uid", "user id", "user", "username", "password",
             "pwd", "trusted_connection", "integrated security", "encrypt")


def _ado_connection(found: str, infra: Callable[[str], bool]) -> _Hit | None:
    pairs: dict[str, str] = {}
    for part in found.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            pairs.setdefault(key.strip().lower(), value.strip())
    if not any(k in pairs for k in _ADO_KEYS):
        return None
    host = next((pairs[k] for k in _ADO_HOST_KEYS if k in pairs), "")
    host = re.sub(r"(?i)^(?:tcp|np|lpc):", "", host).split(",", 1)[0].split("\\", 1)[0]
    if host.lower() in (".", "(local)", "(localdb)") or safe_host(host):
        return None
    password = pairs.get("password", pairs.get("pwd"))
    credential = _credential(password)
    shown = host + (" (with a password)" if credential else "")
    return _Hit(shown=shown, value=found, credential=credential, infra=infra(host))


# --- sensitive files -----------------------------------------------------------------


def _sensitive_file(fc: FileChange, plan: _Plan) -> list[Finding]:
    out = []
    for rule in plan.files:
        if not _applies(rule, fc.path):
            continue
        if rule.pattern is not None and not any(
                rule.pattern.search(ln.text) for ln in fc.added):
            continue
        file_ctx = file_context(fc.path)
        ctx = file_ctx if file_ctx != "code" else "config"
        action, message = rule.action, rule.message
        if rule.params.get("judge") == "values":
            judged, message = _judge_values(rule, fc)
            if judged is None:
                continue
            action = judged
        evidence = f"{fc.status.value}: {fc.path}"
        out.append(_finding(rule, fc.path, None, ctx, action, message,
                            scrub(evidence), fc.blob or fc.path))
    return out


# The words of an env file's name that make it a template (its values are examples)
# or a development or test environment (its values are local defaults).
_TEMPLATE_WORDS = frozenset(("example", "examples", "sample", "samples", "template",
                             "templates", "dist", "defaults", "default", "tmpl", "tpl",
                             "skel", "skeleton"))
_DEV_WORDS = frozenset(("test", "tests", "testing", "ci", "e2e", "dev", "development",
                        "devcontainer", "local-dev", "fixture", "fixtures", "mock"))
_ASSIGNMENT = re.compile(r"""^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$""")


def is_env_file(path: str) -> bool:
    base = posixpath.basename(path).lower()
    return base == ".env" or base.startswith(".env.") or base.endswith(".env") or \
        ".env." in base


def env_kind(path: str) -> str:
    """"template" (`example.env`, `.env.sample`, `app.env.template`), "dev" (a test,
    CI or development environment: `hack/test.env`, `.env.test`, anything under
    `.devcontainer/` or a test folder) or "env"."""
    base = posixpath.basename(path).lower()
    parts = set(re.split(r"[._-]+", base))
    if parts & _TEMPLATE_WORDS:
        return "template"
    if parts & _DEV_WORDS or "/.devcontainer/" in "/" + path.lower() or \
            file_context(path) in ("test", "fixture"):
        return "dev"
    return "env"


def _judge_values(rule: Rule, fc: FileChange) -> tuple[Action | None, str]:
    """An env file is judged by its values, like any secret: one that assigns a
    credential-looking value to a secret's name blocks (annotates in a development or
    test environment); one with other values annotates; a template, or a development
    environment with placeholder values only, is not a leak."""
    kind = env_kind(fc.path)
    if kind == "template":
        return None, rule.message
    credential = False
    for ln in fc.added:
        m = _ASSIGNMENT.match(ln.text)
        if m is None or rule.pattern is None or not rule.pattern.search(ln.text):
            continue
        value = re.split(r"\s+#", m[2].strip(), maxsplit=1)[0].strip().strip("'\"")
        if secrets.secret_name(m[1]) and secrets.value_kind(value)[0] == secrets.CREDENTIAL:
            credential = True
            break
    if credential:
        if kind == "dev":
            return Action.ANNOTATE, rule.message + " (a credential in a development or test " \
                                                   "environment)"
        return rule.action, rule.message + " (a credential among them)"
    if kind == "dev":
        return None, rule.message
    return Action.ANNOTATE, rule.message
