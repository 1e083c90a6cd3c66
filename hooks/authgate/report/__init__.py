"""Findings and verdicts rendered for people and machines. Nothing here decides.

Formats: text (terminal), json (versioned schema, below), sarif (2.1.0, GitHub code
scanning), github (workflow annotations), markdown (job summary), gitlab (GitLab Code
Quality, for merge requests).

By part: `text`, `documents` (json, sarif, gitlab), `annotations` (github) and
`markdown`, one renderer per format, and `ranges`, verify's range report in each.

JSON report, schema "authgate-report/1"
---------------------------------------
One object. Within version 1 fields are only ever added; a removal or change of
meaning becomes "authgate-report/2". Evidence is always redacted.

    schema    "authgate-report/1"
    tool      {"name": "authgate", "version": str}
    blocked   bool: true when any subject is blocked (the exit code is then 1)
    subjects  [subject]: what was judged, in order (the staged change, each commit
              of a range oldest first, or one tree)

subject:
    label             str: "staged", "files (N)" (files named to `check`), a short
                      commit id and subject, or "tree REV"
    revision          str | null: the commit id (HEAD for the staged change)
    tier              "none" | "low" | "medium" | "high" | "critical": identity impact
    ai_assisted       bool: strong provenance evidence was found
    ai_tools          [str]: the assistants named by that evidence
    ai_evidence       [str]: one line per piece of provenance evidence, strong first
    required_reviews  [str]: the reviews the tier requires (config `reviews`)
    blocked           bool
    reasons           [str]: why the tier and why blocked, one line each
    suppressed        int: findings waved through by an allow comment or config
    skipped           [str]: "path: reason" for files not read (too large,
                      submodule, unmerged; binary files are not listed), and
                      "path: read for provider secrets only (kind)" for content that
                      is not source (generated, minified, vendored, lock, data), read
                      only for provider token formats and private keys
    notes             [str]: extra facts for people
    findings          [finding]: every finding, suppressed ones included, worst first
    checklist         [item]: what the change's reviewers must verify, from its
                      identity findings (rules/checklist.toml); [] when none apply

item:
    item        str: what to verify, in the guidance's words ("fixation prevented")
    topic       "token" | "password" | "session" | "migration" | "exposure" | "ci"
    locations   [str]: "path:line" of every finding that raised the item

finding:
    rule        str: stable rule id, "family.group.name"
    family      "provenance" | "leak" | "identity"
    severity    "info" | "low" | "medium" | "high" | "critical"
    action      "block" | "annotate" | "warn" | "off": what policy decided
    path        str | null: repository-relative path; null for the commit itself
                (message, environment)
    line        int | null: 1-based line in the new content (old content for a
                finding on a removed line)
    context     str: "code", "comment", "test", "fixture", "docs", "config",
                "message" or "environment"
    message     str
    evidence    str: the matched text, redacted ("" when none)
    title       str: the rule's title ("" when none)
    fix         str: how to fix it ("" when none)
    refs        [str]: references such as ASVS or OWASP ids
    tier        identity tier this finding lifts the change to
    strength    "strong" | "weak" | null: provenance evidence only
    tool        str | null: the assistant a provenance finding names
    value_hash  str | null: sha256 hex of the matched value, for allowlists
    suppressed  str | null: why it was waved through, when it was
    fingerprint str: short stable id (12 hex) of the finding, as the text report shows
                it and an allowlist entry's `fingerprint` names it (findings.fingerprint)
    anchor      {path, line} | null: for a finding without a path, the file it is
                about (the decision a missing test is for), where one is known
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from authgate.policy import Verdict
from authgate.record import Record
from authgate.report.text import finding_line, summary_line

__all__ = ["FORMATS", "JSON_SCHEMA", "Subject", "finding_line", "render", "summary_line"]

FORMATS = ("text", "json", "sarif", "github", "markdown", "gitlab")
JSON_SCHEMA = "authgate-report/1"

# Each format's renderer, by module: a module is imported when its format is asked
# for, so a commit's text report does not load the others (nor verify's range report).
_RENDERERS = {"text": ("text", "_text"), "json": ("documents", "_json"),
              "sarif": ("documents", "_sarif"), "github": ("annotations", "_github"),
              "markdown": ("markdown", "_markdown"), "gitlab": ("documents", "_gitlab")}


class Subject(Record):
    """One judged unit: the staged change, one commit, or a tree."""

    label: str
    verdict: Verdict
    revision: str | None = None
    skipped: tuple[str, ...] = ()  # "path: reason"
    notes: tuple[str, ...] = ()  # extra one-line facts for people


def render(fmt: str, subjects: Sequence[Subject], *, color: bool = False,
           title: str = "authgate", summary: Mapping[str, Any] | None = None) -> str:
    """`subjects` in `fmt`; with a range `summary` (verify's), the range's report."""
    if summary is not None:
        from authgate.report.ranges import _RANGE

        out = _RANGE[fmt](subjects, summary, color=color, title=title)
    else:
        out = _renderer(fmt)(subjects, color=color, title=title)
    # A path that is not UTF-8 reaches here with surrogate escapes, which no stream
    # can write: show its bad bytes as U+FFFD instead of crashing the report.
    return out.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _renderer(fmt: str) -> Callable[..., str]:
    module, name = _RENDERERS[fmt]
    renderer: Callable[..., str] = getattr(
        importlib.import_module(f"authgate.report.{module}"), name)
    return renderer
