"""The reports for machines: json (the `authgate-report/1` schema in the package
docstring), SARIF 2.1.0 for code scanning, and GitLab Code Quality."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from authgate import __version__
from authgate.findings import Action, Finding, Severity, anchor, fingerprint, short_fingerprint
from authgate.report import JSON_SCHEMA
from authgate.report.text import checklist_dicts

if TYPE_CHECKING:
    from authgate.report import Subject


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule_id, "family": f.family, "severity": str(f.severity),
        "action": str(f.action), "path": f.path, "line": f.line, "context": f.context,
        "message": f.message, "evidence": f.evidence, "title": f.title, "fix": f.fix,
        "refs": list(f.refs), "tier": str(f.tier), "strength": f.strength, "tool": f.tool,
        "value_hash": f.value_hash, "suppressed": f.suppressed,
        "fingerprint": short_fingerprint(f), "anchor": _anchor_dict(f),
    }


def _anchor_dict(f: Finding) -> dict[str, Any] | None:
    where = anchor(f) if f.path is None else None
    return {"path": where[0], "line": where[1]} if where else None


def subject_dict(s: Subject) -> dict[str, Any]:
    v = s.verdict
    return {
        "label": s.label, "revision": s.revision, "tier": str(v.tier),
        "ai_assisted": v.ai_assisted, "ai_tools": list(v.ai_tools),
        "ai_evidence": list(v.ai_evidence), "required_reviews": list(v.required_reviews),
        "blocked": v.blocked, "reasons": list(v.reasons), "suppressed": v.suppressed,
        "skipped": list(s.skipped), "notes": list(s.notes),
        "findings": [finding_dict(f) for f in v.findings],
        "checklist": checklist_dicts(v),
    }


def _json(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    return _dump(_json_doc(subjects))


def _dump(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _json_doc(subjects: Sequence[Subject]) -> dict[str, Any]:
    doc = {
        "schema": JSON_SCHEMA, "tool": {"name": "authgate", "version": __version__},
        "blocked": any(s.verdict.blocked for s in subjects),
        "subjects": [subject_dict(s) for s in subjects],
    }
    return doc


# What GitHub code scanning needs (docs: "SARIF support for code scanning"): rules with
# help text and a security-severity, at least one location per result (an empty list
# is rejected: "locationFromSarifResult: expected at least one location"), URIs
# relative to the repository root, 1-based regions, and partialFingerprints so an
# alert follows its code across commits.

_SARIF_LEVEL = {Action.BLOCK: "error", Action.ANNOTATE: "warning", Action.WARN: "note",
                Action.OFF: "none"}

# A rule's default level comes from the rule (its severity); each result's level is
# what policy decided for it in this repository.
_SEVERITY_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error",
                   Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}

_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                      Severity.LOW: "3.0", Severity.INFO: "1.0"}

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# GitHub reads at most 20 tags per rule.
_MAX_TAGS = 20


def _sarif_rule(f: Finding) -> dict[str, Any]:
    help_text = "\n".join(x for x in (f.fix, "References: " + ", ".join(f.refs)
                                      if f.refs else "") if x)
    tags = list(dict.fromkeys(["security", f.family, *f.refs]))[:_MAX_TAGS]
    return {
        "id": f.rule_id,
        "name": "".join(p.capitalize() for p in f.rule_id.replace("-", ".").split(".")),
        "shortDescription": {"text": f.title or f.rule_id},
        "fullDescription": {"text": f.title or f.message},
        "help": {"text": help_text or f.message},
        "defaultConfiguration": {"level": _SEVERITY_LEVEL[f.severity]},
        "properties": {"tags": tags, "security-severity": _SECURITY_SEVERITY[f.severity],
                       "precision": "high" if f.strength != "weak" else "medium"},
    }


def _sarif(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    return _dump(_sarif_doc(subjects))


def _sarif_doc(subjects: Sequence[Subject]) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for s in subjects:
        for f in s.verdict.findings:
            if not f.counts:
                continue
            if f.rule_id not in rules:
                index[f.rule_id] = len(rules)
                rules[f.rule_id] = _sarif_rule(f)
            text = f.message + (f" [{f.evidence}]" if f.evidence else "")
            where = anchor(f)
            if where is None:
                # About the commit (its message or environment), not a file: code
                # scanning has no place for it, so it is a run notification.
                notifications.append({
                    "level": _SARIF_LEVEL[f.action],
                    "message": {"text": f"{s.label}: {text}"},
                    "associatedRule": {"id": f.rule_id, "index": index[f.rule_id]},
                })
                continue
            # Two findings of one rule on the same value in one file differ by their
            # order of appearance, never by line (lines move between commits). A
            # finding without a file (no negative tests, no CODEOWNERS) is shown at
            # its anchor, the file that raised it, so code scanning alerts on it.
            path, line = where
            base = fingerprint(f)
            seen[base] = seen.get(base, 0) + 1
            results.append({
                "ruleId": f.rule_id,
                "ruleIndex": index[f.rule_id],
                "level": _SARIF_LEVEL[f.action],
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": _uri(path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(line or 1, 1)}}}],
                "partialFingerprints": {"authgate/v1": f"{base}:{seen[base]}"},
                "properties": {"subject": s.label, "action": str(f.action),
                               "context": f.context, "fingerprint": base[:12]},
            })
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "authgate", "version": __version__,
                            "semanticVersion": __version__,
                            "informationUri": "https://pypi.org/project/authgate/",
                            "rules": list(rules.values())}},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {
            "text": "The root of the repository"}}},
        "results": results,
    }
    checklist = _sarif_checklist(subjects)
    if checklist:
        run["properties"] = {"checklist": checklist}
    if notifications:
        run["invocations"] = [{"executionSuccessful": True,
                               "toolExecutionNotifications": notifications}]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _sarif_checklist(subjects: Sequence[Subject]) -> list[dict[str, Any]]:
    # Code scanning has no place for a review checklist; run properties keep it for
    # whoever reads the log, each item with the subject it belongs to.
    return [{"subject": s.label, **c} for s in subjects for c in checklist_dicts(s.verdict)]


def _uri(path: str) -> str:
    from urllib.parse import quote

    # A relative reference: percent-encoded UTF-8 (the raw bytes of a non-UTF-8 name),
    # '/' kept; ':' is encoded too, so no first segment can read as a URI scheme.
    return quote(path, safe="/", errors="surrogateescape")


# GitLab shows a Code Quality report (`artifacts: reports: codequality`) in the merge
# request, on the changed lines; it ignores SARIF outside Ultimate. The report is a
# JSON array of issues {description, check_name, fingerprint, severity, location{path,
# lines{begin}}}; severity is one of info, minor, major, critical, blocker. GitLab tells
# new issues from old ones by fingerprint, so it is stable across lines and commits,
# and unique within the report (occurrences of one are numbered).

_GITLAB_SEVERITY = {Severity.CRITICAL: "critical", Severity.HIGH: "major",
                    Severity.MEDIUM: "minor", Severity.LOW: "info", Severity.INFO: "info"}


def _gitlab(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    issues: list[dict[str, Any]] = []
    emitted: set[str] = set()
    for s in subjects:
        seen: dict[str, int] = {}
        for f in s.verdict.findings:
            if not f.counts:
                continue
            where = anchor(f)
            if where is None:
                # About a commit message or environment: GitLab needs a file. The
                # job log and the JSON report carry it.
                continue
            base = fingerprint(f)
            seen[base] = seen.get(base, 0) + 1
            key = f"{base}:{seen[base]}"
            if key in emitted:
                # The same finding in a later commit of the range: one issue.
                continue
            emitted.add(key)
            # A blocking finding is a blocker whatever its rule's severity.
            severity = "blocker" if f.action is Action.BLOCK else _GITLAB_SEVERITY[f.severity]
            text = f"{f.rule_id}: {f.message}" + (f" [{f.evidence}]" if f.evidence else "")
            issues.append({
                "description": text,
                "check_name": f.rule_id,
                "fingerprint": hashlib.sha256(key.encode()).hexdigest()[:32],
                "severity": severity,
                "location": {"path": where[0], "lines": {"begin": max(where[1] or 1, 1)}},
            })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
