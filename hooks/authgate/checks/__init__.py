"""The checks: one module per family, each `run(changes, rules, config) -> list[Finding]`.

`run_all` is the one entry the commands use: it runs the chosen families over the
files that are not excluded (`run_families`: content that is not source, such as lock
files, cassettes and generated code, only through the leak family's provider
patterns; contentkind.py), then applies suppressions (inline and from config), so
every family gets the same accountable way to wave a finding through; last, every
finding is redacted with every secret any family found on its line (`redact_lines`), so
a provenance or identity finding never shows what the leak family hid.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Collection, Iterable, Mapping

from authgate import ruleids
from authgate.changes import ChangeSet
from authgate.config import Config
from authgate.findings import (
    SECRET_SPAN,
    Finding,
    fingerprint,
    from_rule,
    redact_values,
    scrub_text,
)
from authgate.pathmatch import any_match, matches
from authgate.patterns import Lazy
from authgate.rules import Rule, RuleSet

# family -> module under authgate.checks; imported only when the family runs.
MODULES = {"provenance": "provenance", "leak": "leaks", "identity": "identity"}

# `authgate: allow <rule-id> -- <reason>` on the line itself or alone on the line above.
# The reason is required: a bare allow is reported, not honoured.
ALLOW = Lazy(r"authgate:\s*allow\s+(?P<rule>[a-z0-9.\-*]+)\s*(?:--\s*(?P<reason>\S.*?))?"
                   r"\s*(?:\*/|-->)?\s*$")


def run_all(changes: ChangeSet, rules: RuleSet, config: Config,
            families: Iterable[str]) -> list[Finding]:
    if config.exclude:
        changes = changes._replace(files=tuple(
            f for f in changes.files if not any_match(config.exclude, f.path)))
    findings = run_families(changes, rules, config, families)
    # Suppressed after redaction: an allowlist's fingerprint is of the redacted finding,
    # the one every report shows.
    decided = suppress(redact_lines(findings, changes), changes, config)
    return decided + allow_hints(decided, changes, config)


def run_families(changes: ChangeSet, rules: RuleSet, config: Config,
                 families: Iterable[str]) -> list[Finding]:
    """Each family's findings as it reports them (before redaction and suppression).

    Content that is not source (contentkind.py) is read for provider-pattern secrets
    only: the leak family in its `providers_only` mode; the other families and the
    leak family's other rules never see it. The reports list those files
    (`pipeline.skipped`)."""
    from authgate import contentkind

    families = tuple(families)
    source, other = contentkind.split(changes, config)
    if other.files and source.secrets_baseline is None and "leak" in families:
        # Both halves judge by the baseline the whole change carries.
        from authgate.checks.secrets import baseline_text

        text = baseline_text(changes, config.baseline)
        source = source._replace(secrets_baseline=text)
        other = other._replace(secrets_baseline=text)
    findings: list[Finding] = []
    for family in families:
        module = importlib.import_module(f"authgate.checks.{MODULES[family]}")
        findings.extend(module.run(source, rules, config))
        if family == "leak" and other.files:
            findings.extend(module.run(other, rules, config, providers_only=True))
    return findings


def redact_lines(findings: list[Finding], changes: ChangeSet) -> list[Finding]:
    """One redaction for a line: each finding's evidence and message lose every secret
    that any finding marked in the same file (`findings.SECRET_SPAN`; the file, not
    only the line, since detect-secrets reports a value once per file however often it
    appears), then go through the scrubber; the marks themselves are dropped."""
    marks: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for f in findings:
        for key, value in f.extra:
            if key == SECRET_SPAN and f.path is not None and f.line is not None:
                start, _, end = value.partition(":")
                marks.setdefault((f.path, f.line), []).append((int(start), int(end)))
    values: dict[str, set[str]] = {}
    if marks:
        texts = _line_texts(changes, marks)
        for (path, line), spans in marks.items():
            text = texts.get((path, line), "")
            values.setdefault(path, set()).update(text[s:e] for s, e in spans if text[s:e])
    out = []
    for f in findings:
        secrets = values.get(f.path, ()) if f.path else ()
        extra = tuple(x for x in f.extra if x[0] != SECRET_SPAN)
        evidence = scrub_text(redact_values(f.evidence, secrets)) if f.evidence else ""
        # A message is authgate's prose: a placeholder value that is a plain word
        # ("password", "value") stays readable there, the line's evidence hides it.
        message = _scrub_message(redact_values(f.message, [v for v in secrets
                                                           if not _word(v)]), f.path)
        if (evidence, message, extra) != (f.evidence, f.message, f.extra):
            f = f._replace(evidence=evidence, message=message, extra=extra)
        out.append(f)
    return out


def _word(value: str) -> bool:
    return value.isalpha() and len(value) <= 12


def _line_texts(changes: ChangeSet, wanted: Mapping[tuple[str, int], object]
                ) -> dict[tuple[str, int], str]:
    paths = {p for p, _ in wanted}
    out: dict[tuple[str, int], str] = {}
    for fc in changes.files:
        if fc.path not in paths:
            continue
        for hunk in fc.hunks:
            for ln in hunk.lines:
                if ln.kind == "+" and ln.new is not None and (fc.path, ln.new) in wanted:
                    out[(fc.path, ln.new)] = ln.text
    return out


def _scrub_message(message: str, path: str | None) -> str:
    # A message names its own file; a path is never a secret, and the scrubber would
    # take a long one (`src/v2/AuthController`) for a token.
    if path and path in message:
        return path.join(scrub_text(part, code=False) for part in message.split(path))
    return scrub_text(message, code=False)


def suppress(findings: list[Finding], changes: ChangeSet, config: Config) -> list[Finding]:
    # Only the files with findings on their lines can hold an allow that matters.
    allows = _inline_allows(changes, {f.path for f in findings if f.line is not None})
    out = []
    for f in findings:
        reason = _allowed_inline(f, allows) or _allowed_by_config(f, config)
        out.append(f._replace(suppressed=reason) if reason else f)
    return out


def _inline_allows(changes: ChangeSet, paths: Collection[str | None]
                   ) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(path, line) -> (rule pattern, reason) for each allow comment in the new content
    of the files in `paths`.

    Only lines present in the diff (added or context) are seen: an allow must sit next
    to what it allows, so it is part of the change that a reviewer reads."""
    allows: dict[tuple[str, int], tuple[str, str | None]] = {}
    for fc in changes.files:
        if fc.path not in paths:
            continue
        for hunk in fc.hunks:
            for line in hunk.lines:
                if line.kind == "-" or "authgate:" not in line.text:
                    continue
                m = ALLOW.search(line.text)
                if m and line.new is not None:
                    entry = (m["rule"], m["reason"])
                    allows[(fc.path, line.new)] = entry
                    if _alone(line.text, m.start()):
                        allows.setdefault((fc.path, line.new + 1), entry)
    return allows


def _alone(text: str, start: int) -> bool:
    # Only comment punctuation before the marker: the comment stands on its own line.
    return not text[:start].strip().strip("#/*-;<!%'\"").strip()


def _allowed_inline(f: Finding, allows: dict[tuple[str, int], tuple[str, str | None]]
                    ) -> str | None:
    if f.path is None or f.line is None:
        return None
    entry = allows.get((f.path, f.line))
    if entry is None:
        return None
    pattern, reason = entry
    if not reason:
        return None
    if ruleids.matches(pattern, f.rule_id):
        return f"inline: {reason}"
    return None


def _allowed_by_config(f: Finding, config: Config) -> str | None:
    full = fingerprint(f) if any(e.fingerprint for e in config.allowlist) else ""
    for entry in config.allowlist:
        if entry.fingerprint and not full.startswith(entry.fingerprint):
            continue
        if entry.rule and not ruleids.matches(entry.rule, f.rule_id):
            continue
        if entry.path and (f.path is None or not matches(entry.path, f.path)):
            continue
        if entry.hash and entry.hash != f.value_hash:
            continue
        return f"config: {entry.reason}"
    return None


# --- allow comments that are not honoured ----------------------------------------------
#
# A suppression that does nothing should say so: an allow comment with no reason, a
# single `-` for ` -- `, a rule id that does not exist, or another tool's marker on a
# line authgate reports. Each gets one finding of HINT_RULE (warn: never a block).

HINT_RULE = "identity.gate.allow-hint"
# Any authgate allow, well formed or not: what ALLOW must then match.
_ANY_ALLOW = Lazy(r"authgate\s*:?\s*allow\b(?P<rest>.*)", re.IGNORECASE)
_LOOSE = Lazy(r"authgate\s*:?\s*allow\s+(?P<rule>[a-z0-9.\-*]*[a-z0-9*])(?P<rest>.*)",
                    re.IGNORECASE)
# A reason after one dash, a dash Unicode has, or a colon, instead of ` -- `.
_SINGLE_DASH = Lazy(r"^\s*(?:-|—|–|:)\s*\S")
# Other tools' suppression markers, by the tool that reads them.
_FOREIGN = (
    (Lazy(r"#\s*nosec\b|//\s*#nosec\b", re.IGNORECASE), "nosec", "bandit/gosec"),
    (Lazy(r"gitleaks\s*:\s*allow", re.IGNORECASE), "gitleaks:allow", "gitleaks"),
    (Lazy(r"\bnosemgrep\b", re.IGNORECASE), "nosemgrep", "semgrep"),
    (Lazy(r"\bNOSONAR\b"), "NOSONAR", "SonarQube"),
    (Lazy(r"trufflehog\s*:\s*ignore", re.IGNORECASE), "trufflehog:ignore", "trufflehog"),
    (Lazy(r"\bggignore\b|ggshield\s*:\s*ignore", re.IGNORECASE), "ggignore",
     "ggshield"),
    (Lazy(r"\bnoqa\s*:\s*S\d{3}", re.IGNORECASE), "noqa: S...", "ruff/flake8-bandit"),
)


def allow_hints(findings: list[Finding], changes: ChangeSet, config: Config) -> list[Finding]:
    """One hint per line of the change that holds an allow comment authgate does not
    honour, next to a finding it left open (on that line, or alone on the line above):
    where the silence would leave a developer guessing. Elsewhere (docs quoting the
    syntax, tests of it) such text suppresses nothing and says nothing."""
    if any(d == HINT_RULE or HINT_RULE.startswith(d + ".") for d in config.disable):
        return []
    open_: dict[tuple[str, int], list[str]] = {}
    for f in findings:
        if f.suppressed is None and f.path is not None and f.line is not None:
            open_.setdefault((f.path, f.line), []).append(f.rule_id)
    if not open_:
        return []
    problems: list[tuple[str, int, str]] = []
    paths = {p for p, _ in open_}
    for fc in changes.files:
        if fc.path not in paths:
            continue
        for hunk in fc.hunks:
            for line in hunk.lines:
                if line.kind == "-" or line.new is None:
                    continue
                rules = open_.get((fc.path, line.new)) or (
                    open_.get((fc.path, line.new + 1)) if _comment_only(line.text) else None)
                if not rules:
                    continue
                problem = _allow_problem(line.text, config, rules) or _foreign(line.text, rules[0])
                if problem:
                    problems.append((fc.path, line.new, problem))
    if not problems:
        return []
    rule = _hint_rule()
    return [from_rule(rule, problem, path=path, line=number, context="comment")
            for path, number, problem in problems]


def _comment_only(text: str) -> bool:
    return text.lstrip().startswith(("#", "//", "--", "/*", "*", "<!--", ";", "%", "'"))


def _allow_problem(text: str, config: Config, rules: list[str]) -> str | None:
    if "allow" not in text.lower():
        return None
    m = _ANY_ALLOW.search(text)
    if m is None:
        return None
    loose = _LOOSE.search(text)
    if loose is None:
        return ("allow comment not honoured: it names no rule id (write `authgate: allow "
                f"{rules[0]} -- <reason>`)")
    rule = loose["rule"]
    good = ALLOW.search(text)
    if good is None or not good["reason"]:
        if _SINGLE_DASH.match(loose["rest"]):
            return (f"allow comment not honoured: the reason must follow ` -- ` (two dashes): "
                    f"`authgate: allow {rule} -- <reason>`")
        return (f"allow comment not honoured: it gives no reason (write `authgate: allow "
                f"{rule} -- <why this is safe>`)")
    known = _known_ids(config)
    prefix = rule.rstrip("*").rstrip(".")
    if prefix and not any(k == prefix or k.startswith(prefix + ".") for k in known):
        import difflib

        near = difflib.get_close_matches(prefix, sorted(known | _prefixes(known)), n=1)
        hint = f" (did you mean `{near[0]}`?)" if near else " (`authgate rules` lists them)"
        return f"allow comment for an unknown rule id `{rule}`: it allows nothing{hint}"
    if not any(r == prefix or r.startswith(prefix + ".") for r in rules):
        return (f"allow comment names `{rule}`, not the finding here: write `authgate: "
                f"allow {rules[0]} -- <reason>`")
    return None


def _foreign(text: str, rule: str) -> str | None:
    for pattern, marker, tool in _FOREIGN:
        if pattern.search(text):
            return (f"`{marker}` is {tool}'s marker, not authgate's: to accept this finding "
                    f"write `authgate: allow {rule} -- <reason>`")
    return None


def _known_ids(config: Config) -> set[str]:
    from authgate.rules import FAMILIES, load

    # Every rule there is, disabled ones included: allowing one of those is no mistake.
    return {r.id for r in load(config._replace(disable=(), severity={}), FAMILIES)}


def _prefixes(ids: set[str]) -> set[str]:
    return {".".join(i.split(".")[:n]) for i in ids for n in (1, 2)}


def _hint_rule() -> Rule:
    from authgate.rules import load

    # The shipped definition, whichever families this run loaded.
    found = load(Config(), ("identity",)).get(HINT_RULE)
    if found is None:  # pragma: no cover - the catalog is part of the package
        raise RuntimeError(f"rule {HINT_RULE} is missing from rules/identity.toml")
    return found
