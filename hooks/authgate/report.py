"""Findings and verdicts rendered for people and machines. Nothing here decides.

Formats: text (terminal), json (versioned schema, see README), sarif (2.1.0, GitHub
code scanning), github (workflow annotations), markdown (job summary).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from authgate import __version__
from authgate.findings import Action, Finding, Severity
from authgate.policy import Verdict

FORMATS = ("text", "json", "sarif", "github", "markdown")
JSON_SCHEMA = "authgate-report/1"


@dataclass(frozen=True)
class Subject:
    """One judged unit: the staged change, one commit, or a tree."""

    label: str
    verdict: Verdict
    revision: str | None = None
    skipped: tuple[str, ...] = ()  # "path: reason"
    notes: tuple[str, ...] = field(default=())  # extra one-line facts for people


def render(fmt: str, subjects: Sequence[Subject], *, color: bool = False,
           title: str = "authgate") -> str:
    return {"text": _text, "json": _json, "sarif": _sarif, "github": _github,
            "markdown": _markdown}[fmt](subjects, color=color, title=title)


# --- text ----------------------------------------------------------------------------

_COLORS = {Action.BLOCK: "\033[31m", Action.ANNOTATE: "\033[33m", Action.WARN: "\033[36m"}
_RESET = "\033[0m"


def finding_line(f: Finding) -> str:
    evidence = f" [{f.evidence}]" if f.evidence else ""
    sup = f" (suppressed: {f.suppressed})" if f.suppressed else ""
    return f"{f.location}: {f.rule_id}: {f.message}{evidence}{sup}"


def summary_line(v: Verdict) -> str:
    parts = [f"identity impact {v.tier}"]
    if v.required_reviews:
        parts.append(f"requires review: {', '.join(v.required_reviews)}")
    if v.ai_assisted:
        parts.append(f"AI-assisted: {', '.join(v.ai_tools) or 'yes'}")
    counted = [f for f in v.findings if f.suppressed is None and f.action is not Action.OFF]
    parts.append(f"{len(counted)} finding{'s' if len(counted) != 1 else ''}, "
                 f"{len(v.blocking)} blocking, {v.suppressed} suppressed")
    return "; ".join(parts)


def _text(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    out: list[str] = []
    for s in subjects:
        v = s.verdict
        for f in v.findings:
            if f.action is Action.OFF:
                continue
            line = finding_line(f)
            if color and f.suppressed is None and f.action in _COLORS:
                line = f"{_COLORS[f.action]}{line}{_RESET}"
            out.append(line)
        for skipped in s.skipped:
            out.append(f"{skipped}: skipped")
        head = f"{title}: {s.label}: " if len(subjects) > 1 or s.label != "staged" else f"{title}: "
        status = "BLOCKED" if v.blocked else "ok"
        out.append(f"{head}{status}: {summary_line(v)}")
        if v.ai_assisted:
            out.append(f"  AI evidence: {'; '.join(v.ai_evidence[:3])}")
        out.extend(f"  {r}" for r in v.reasons)
        out.extend(f"  {n}" for n in s.notes)
    return "\n".join(out) + ("\n" if out else "")


# --- json ----------------------------------------------------------------------------

def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule_id, "family": f.family, "severity": str(f.severity),
        "action": str(f.action), "path": f.path, "line": f.line, "context": f.context,
        "message": f.message, "evidence": f.evidence, "title": f.title, "fix": f.fix,
        "refs": list(f.refs), "tier": str(f.tier), "strength": f.strength, "tool": f.tool,
        "value_hash": f.value_hash, "suppressed": f.suppressed,
    }


def subject_dict(s: Subject) -> dict[str, Any]:
    v = s.verdict
    return {
        "label": s.label, "revision": s.revision, "tier": str(v.tier),
        "ai_assisted": v.ai_assisted, "ai_tools": list(v.ai_tools),
        "ai_evidence": list(v.ai_evidence), "required_reviews": list(v.required_reviews),
        "blocked": v.blocked, "reasons": list(v.reasons), "suppressed": v.suppressed,
        "skipped": list(s.skipped), "notes": list(s.notes),
        "findings": [finding_dict(f) for f in v.findings],
    }


def _json(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    doc = {
        "schema": JSON_SCHEMA, "tool": {"name": "authgate", "version": __version__},
        "blocked": any(s.verdict.blocked for s in subjects),
        "subjects": [subject_dict(s) for s in subjects],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# --- sarif ---------------------------------------------------------------------------

_SARIF_LEVEL = {Action.BLOCK: "error", Action.ANNOTATE: "warning", Action.WARN: "note",
                Action.OFF: "none"}
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                      Severity.LOW: "3.0", Severity.INFO: "1.0"}


def _sarif(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for s in subjects:
        for f in s.verdict.findings:
            if f.suppressed or f.action is Action.OFF:
                continue
            if f.rule_id not in rules:
                help_text = "\n".join(x for x in (f.fix, "References: " + ", ".join(f.refs)
                                                  if f.refs else "") if x)
                rules[f.rule_id] = {
                    "id": f.rule_id,
                    "name": "".join(p.capitalize() for p in f.rule_id.replace("-", ".").split(".")),
                    "shortDescription": {"text": f.title or f.rule_id},
                    "fullDescription": {"text": f.title or f.message},
                    "help": {"text": help_text or f.message},
                    "properties": {"tags": ["security", f.family, *f.refs],
                                   "security-severity": _SECURITY_SEVERITY[f.severity]},
                }
            result: dict[str, Any] = {
                "ruleId": f.rule_id,
                "level": _SARIF_LEVEL[f.action],
                "message": {"text": f"{f.message}" + (f" [{f.evidence}]" if f.evidence else "")},
                "partialFingerprints": {"authgate/v1": _fingerprint(f)},
            }
            if f.path:
                region = {"startLine": f.line or 1}
                result["locations"] = [{"physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
                    "region": region}}]
            else:
                result["locations"] = []
            results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "authgate", "version": __version__,
                                "informationUri": "https://pypi.org/project/authgate/",
                                "rules": list(rules.values())}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    from urllib.parse import quote
    return quote(path, safe="/")


def _fingerprint(f: Finding) -> str:
    key = "\x00".join((f.rule_id, f.path or "", f.value_hash or f.evidence))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]


# --- github annotations --------------------------------------------------------------

_GH_KIND = {Action.BLOCK: "error", Action.ANNOTATE: "warning", Action.WARN: "notice"}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    found = [(s, f) for s in subjects for f in s.verdict.findings
             if not f.suppressed and f.action in _GH_KIND]
    # GitHub shows only 10 annotations of each kind per step: the worst go first.
    found.sort(key=lambda sf: (-int(sf[1].action is Action.BLOCK), -int(sf[1].severity)))
    out = []
    for s, f in found:
        props = []
        if f.path:
            props.append(f"file={_gh_prop(f.path)}")
            if f.line:
                props.append(f"line={f.line}")
        props.append(f"title={_gh_prop(f'{f.rule_id} ({s.label})')}")
        msg = f.message + (f" [{f.evidence}]" if f.evidence else "")
        out.append(f"::{_GH_KIND[f.action]} {','.join(props)}::{_gh_data(msg)}")
    for s in subjects:
        kind = "error" if s.verdict.blocked else "notice"
        out.append(f"::{kind} title={_gh_prop('authgate ' + s.label)}::"
                   f"{_gh_data(summary_line(s.verdict))}")
    return "\n".join(out) + "\n"


# --- markdown ------------------------------------------------------------------------

def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _markdown(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    blocked = sum(1 for s in subjects if s.verdict.blocked)
    out = [f"## {title}", ""]
    out.append(f"{len(subjects)} checked, {blocked} blocked.")
    out += ["", "| subject | status | identity impact | requires review | AI-assisted | findings |",
            "|---|---|---|---|---|---|"]
    for s in subjects:
        v = s.verdict
        out.append(f"| {_md(s.label)} | {'blocked' if v.blocked else 'ok'} | {v.tier} | "
                   f"{', '.join(v.required_reviews) or '-'} | "
                   f"{', '.join(v.ai_tools) or ('yes' if v.ai_assisted else 'no')} | "
                   f"{sum(1 for f in v.findings if not f.suppressed)} |")
    rows = [(s, f) for s in subjects for f in s.verdict.findings
            if not f.suppressed and f.action is not Action.OFF]
    if rows:
        out += ["", "| action | rule | where | message |", "|---|---|---|---|"]
        for s, f in rows:
            out.append(f"| {f.action} | `{f.rule_id}` | {_md(s.label + ' ' + f.location)} | "
                       f"{_md(f.message)} |")
    return "\n".join(out) + "\n"
