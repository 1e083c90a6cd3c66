"""The checks: one module per family, each `run(changes, rules, config) -> list[Finding]`.

`run_all` is the one entry the commands use: it runs the chosen families over the
files that are not excluded, then applies suppressions (inline and from config), so
every family gets the same accountable way to wave a finding through; last, every
finding is redacted with every secret any family found on its line (`redact_lines`), so
a provenance or identity finding never shows what the leak family hid.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from authgate import ruleids
from authgate.changes import ChangeSet
from authgate.config import Config
from authgate.findings import SECRET_SPAN, Finding, redact_values, scrub_text
from authgate.pathmatch import any_match, matches
from authgate.rules import RuleSet

# family -> module under authgate.checks; imported only when the family runs.
MODULES = {"provenance": "provenance", "leak": "leaks", "identity": "identity"}

# `authgate: allow <rule-id> -- <reason>` on the line itself or alone on the line above.
# The reason is required: a bare allow is reported, not honoured.
ALLOW = re.compile(r"authgate:\s*allow\s+(?P<rule>[a-z0-9.\-*]+)\s*(?:--\s*(?P<reason>\S.*?))?"
                   r"\s*(?:\*/|-->)?\s*$")


def run_all(changes: ChangeSet, rules: RuleSet, config: Config,
            families: Iterable[str]) -> list[Finding]:
    if config.exclude:
        changes = replace(changes, files=tuple(
            f for f in changes.files if not any_match(config.exclude, f.path)))
    findings: list[Finding] = []
    for family in families:
        module = importlib.import_module(f"authgate.checks.{MODULES[family]}")
        findings.extend(module.run(changes, rules, config))
    return redact_lines(suppress(findings, changes, config), changes)


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
            f = replace(f, evidence=evidence, message=message, extra=extra)
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
    allows = _inline_allows(changes)
    out = []
    for f in findings:
        reason = _allowed_inline(f, allows) or _allowed_by_config(f, config)
        out.append(replace(f, suppressed=reason) if reason else f)
    return out


def _inline_allows(changes: ChangeSet) -> dict[tuple[str, int], tuple[str, str | None]]:
    """(path, line) -> (rule pattern, reason) for each allow comment in the new content.

    Only lines present in the diff (added or context) are seen: an allow must sit next
    to what it allows, so it is part of the change that a reviewer reads."""
    allows: dict[tuple[str, int], tuple[str, str | None]] = {}
    for fc in changes.files:
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
    for entry in config.allowlist:
        if entry.rule and not ruleids.matches(entry.rule, f.rule_id):
            continue
        if entry.path and (f.path is None or not matches(entry.path, f.path)):
            continue
        if entry.hash and entry.hash != f.value_hash:
            continue
        return f"config: {entry.reason}"
    return None
