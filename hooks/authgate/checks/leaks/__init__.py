"""Leaks: secrets (detect-secrets), endpoints and sensitive files in the added lines.

AI assistants copy what was in their context — credentials, production URLs, internal
hosts from the prompt — into comments, fixtures and examples. Three kinds of rule
(rules/leaks.toml) look for that:

- `leak.secret.<plugin>`: what detect-secrets finds on the added lines (checks/secrets/);
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

The package, by part: `plan` (the rules of a run, validated once), `line` (an added
line, where things on it sit, the finding with redacted evidence), `endpoints` and
`files` (their rule kinds); the secret findings and `run` are here.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Sequence

from authgate import patterns
from authgate.changes import ChangeSet, Status
from authgate.checks import secrets
from authgate.checks.context import CONFIG_GLOBS, DOC_GLOBS, file_context
from authgate.checks.leaks.endpoints import _endpoint_findings, safe_host
from authgate.checks.leaks.files import _sensitive_file, env_kind, is_env_file
from authgate.checks.leaks.line import (
    _CONTEXT_WORDS,
    _Added,
    _AddedLines,
    _finding,
    _Place,
    _raw_values,
)
from authgate.checks.leaks.plan import SECRET, _applies, _disabled, _Plan, plan_of
from authgate.config import Config
from authgate.findings import Action, Finding, Severity, secret_marks, value_hash
from authgate.pathmatch import any_match
from authgate.rules import Rule, RuleSet

# Where examples live: tests, fixtures, documentation. There a value that looks like a
# credential is annotated (unless it is a provider's token format), and one that does
# not is no finding at all.
PLACEHOLDER_CONTEXTS = ("test", "fixture", "docs")

# Words that make a whole file about defences against private and metadata addresses
# (SSRF guards, allow and deny lists): such a file names them to refuse them.
_SSRF_FILE = re.compile(r"(?i)ssrf|is_?private_?(?:ip|addr|host)|isPrivate|private[_-]ip|"
                        r"\bimds\b|block(?:ed)?[_-]?(?:hosts|ips|networks|ranges|addresses)")

# authgate's own configuration names the internal and production domains on purpose.
_DOMAIN_SETTING = re.compile(r"^\s*[\"']?(?:internal|production)_domains[\"']?\s*=")


def _waved(f: Finding, accepted: set[tuple[str, str]], pragma: set[tuple[str, str]],
           baseline: str) -> Finding:
    """A secret finding the baseline accepts or a `pragma: allowlist secret` waves
    through: suppressed, so it is counted like every other suppression."""
    key = (f.value_hash or "", dict(f.extra).get("detect-secrets", ""))
    if key in accepted:
        return f._replace(suppressed=f"baseline: {baseline}")
    if key in pragma:
        return f._replace(suppressed="pragma: allowlist secret")
    return f


def _syntax(path: str) -> str:
    """How the file is written, whatever directory it sits in: code, config or docs."""
    base = posixpath.basename(path)
    if any_match(DOC_GLOBS, base):
        return "docs"
    if any_match(CONFIG_GLOBS, base) or base.lower().startswith(".env"):
        return "config"
    return "code"


def run(changes: ChangeSet, rules: RuleSet, config: Config, *,
        providers_only: bool = False) -> list[Finding]:
    """`providers_only`: the files are content that is not source (contentkind.py):
    only the provider-pattern plugins run on them (`_providers_only`); no endpoint,
    sensitive-file, keyword or entropy rule reads them."""
    plan = plan_of(rules, config)
    if providers_only:
        plan = plan._replace(endpoints=(), files=(), any_keyword=None, keywords=())
    files = [fc for fc in changes.files if fc.status is not Status.DELETED]
    added = {fc.path: _AddedLines(fc) for fc in files if fc.hunks and not fc.skipped}
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
        engine = baseline._replace(accepted=frozenset()) if baseline is not None else None
        if providers_only:
            engine = _providers_only(engine)
        hits = secrets.scan_files((fc for fc in files if fc.path in added), engine,
                                  skip_paths=(config.baseline,), allowlisted=True)
        accepted = {(value_hash(h.secret), h.secret_type) for h in hits
                    if baseline is not None
                    and baseline.accepts(h.path, h.secret_type, h.secret_hash)}
    by_line: dict[tuple[str, int], list[secrets.SecretHit]] = {}
    for hit in hits:
        by_line.setdefault((hit.path, hit.line), []).append(hit)
    hit_numbers: dict[str, set[int]] = {}
    for path, number in by_line:
        hit_numbers.setdefault(path, set()).add(number)

    for path, lines in added.items():
        endpoints = tuple(e for e in plan.endpoints if _applies(e.rule, path))
        # The lines to judge: those with a secret, and those that hold an endpoint
        # rule's keyword, found over the file's joined text.
        hot = {i for i in map(lines.index, hit_numbers.get(path, ())) if i is not None}
        if endpoints and plan.any_keyword is None:
            hot.update(range(len(lines)))
        elif endpoints and plan.any_keyword is not None:
            hot.update(patterns.word_lines("\n".join(lines.texts).lower(), plan.keywords))
        if not hot:
            continue
        file_ctx = file_context(path)
        if file_ctx not in PLACEHOLDER_CONTEXTS and is_env_file(path) and \
                env_kind(path) != "env":
            # An env template or a test/dev environment holds examples, like a fixture.
            file_ctx = "fixture"
        syntax = _syntax(path)
        # A line of a credentials file is shown by its place only, never its text.
        quiet = any(_applies(rule, path) for rule in plan.files)
        guarded = _file_guard(path, lines.texts)
        for a in map(lines.at, sorted(hot)):
            line_hits = by_line.get((path, a.number), ())
            if line_hits:
                following = [lines.text(a.number + i) for i in range(1, 7)]
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
            findings += _endpoint_findings(a, lowered, path, file_ctx, syntax, endpoints,
                                           line_hits, quiet, plan.infra, guarded)
    return findings


def _file_guard(path: str, texts: list[str]) -> Callable[[], bool]:
    """Whether the whole file is about defences against private and metadata
    addresses, worked out only when a rule asks: one search of a large file's text."""
    @functools.cache
    def guarded() -> bool:
        # One search of the lines joined: no match of it spans a line break.
        return _SSRF_FILE.search(path) is not None or _SSRF_FILE.search(
            "\n".join(x[:2000] for x in texts)) is not None
    return guarded


def _providers_only(engine: secrets.Baseline | None) -> secrets.Baseline:
    """The engine settings with only the plugins whose finding is a credential by its
    shape (a provider's token format, a private key), out of those in use."""
    wanted = secrets.PROVIDER_PLUGINS | {"PrivateKeyDetector"}
    used = engine.plugins_used if engine is not None and engine.plugins_used is not None \
        else tuple({"name": name} for name in secrets.BUILTIN_PLUGINS)
    return secrets.Baseline(
        plugins_used=tuple(p for p in used if p.get("name") in wanted),
        filters_used=engine.filters_used if engine is not None else None,
        accepted=frozenset())


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
