"""Findings and verdicts rendered for people and machines. Nothing here decides.

Formats: text (terminal), json (versioned schema, below), sarif (2.1.0, GitHub code
scanning), github (workflow annotations), markdown (job summary), gitlab (GitLab Code
Quality, for merge requests).

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
                      submodule, unmerged); binary files are not listed
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

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authgate import __version__, escape
from authgate.findings import Action, Finding, Severity, anchor, fingerprint, short_fingerprint
from authgate.policy import Verdict

FORMATS = ("text", "json", "sarif", "github", "markdown", "gitlab")
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
           title: str = "authgate", summary: Mapping[str, Any] | None = None) -> str:
    """`subjects` in `fmt`; with a range `summary` (verify's), the range's report."""
    if summary is not None:
        out = _RANGE[fmt](subjects, summary, color=color, title=title)
    else:
        out = {"text": _text, "json": _json, "sarif": _sarif, "github": _github,
               "markdown": _markdown, "gitlab": _gitlab}[fmt](subjects, color=color,
                                                              title=title)
    # A path that is not UTF-8 reaches here with surrogate escapes, which no stream
    # can write: show its bad bytes as U+FFFD instead of crashing the report.
    return out.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# Escaping: one function per output kind, in authgate.escape; every string that comes
# from the change (paths, messages, evidence, labels) goes through the one for its
# format before it is written.
_visible = escape.terminal


# --- text ----------------------------------------------------------------------------

_COLORS = {Action.BLOCK: "\033[31m", Action.ANNOTATE: "\033[33m", Action.WARN: "\033[36m"}
_RESET = "\033[0m"


def finding_line(f: Finding) -> str:
    evidence = f" [{f.evidence}]" if f.evidence else ""
    sup = f" (suppressed: {f.suppressed})" if f.suppressed else ""
    # The fingerprint names the finding in an allowlist entry (README, Configuration).
    return _visible(f"{f.location}: {f.rule_id}: {f.message}{evidence} "
                    f"(fp {short_fingerprint(f)}){sup}")


def summary_line(v: Verdict) -> str:
    parts = [f"identity impact {v.tier}"]
    if v.required_reviews:
        parts.append(f"requires review: {', '.join(v.required_reviews)}")
    if v.ai_assisted:
        parts.append(f"AI-assisted: {', '.join(v.ai_tools) or 'yes'}")
    counted = [f for f in v.findings if f.suppressed is None and f.action is not Action.OFF]
    # A suppressed finding keeps its rule's action but blocks nothing.
    blocking = sum(1 for f in counted if f.action is Action.BLOCK)
    parts.append(f"{len(counted)} finding{'s' if len(counted) != 1 else ''}, "
                 f"{blocking} blocking, {v.suppressed} suppressed")
    return "; ".join(parts)


def _text(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    out: list[str] = []
    for s in subjects:
        v = s.verdict
        # What counts first; what was waved through after it, still visible.
        shown = [f for f in v.findings if f.suppressed is None] + [
            f for f in v.findings if f.suppressed is not None]
        for f in shown:
            if f.action is Action.OFF:
                continue
            line = finding_line(f)
            if color and f.suppressed is None and f.action in _COLORS:
                line = f"{_COLORS[f.action]}{line}{_RESET}"
            out.append(line)
        out.extend(_visible(f"{skipped_}: skipped") for skipped_ in s.skipped)
        head = f"{title}: {s.label}: " if len(subjects) > 1 or s.label != "staged" else f"{title}: "
        status = "BLOCKED" if v.blocked else "ok"
        if color:
            status = f"{_COLORS[Action.BLOCK]}{status}{_RESET}" if v.blocked else status
        out.append(f"{_visible(head)}{status}: {_visible(summary_line(v))}")
        if v.ai_assisted:
            out.append(_visible(f"  AI evidence: {'; '.join(v.ai_evidence[:3])}"))
        out.extend(_visible(f"  {r}") for r in unrepeated_reasons(v))
        out.extend(checklist_lines(v))
        out.extend(_visible(f"  {n}") for n in s.notes)
    return "\n".join(out) + ("\n" if out else "")


def unrepeated_reasons(v: Verdict) -> list[str]:
    """The verdict's reasons minus those that restate a blocking finding the text report
    has just listed (policy says it twice: as a tier reason and as "blocked: ..."), so
    each blocking finding is shown once. Reasons about anything else stay."""
    restated = set()
    for f in v.blocking:
        restated.add(f"blocked: {f.location}: {f.rule_id}: {f.message}")
        restated.add(f"{v.tier}: {f.location}: {f.message}")
    return [r for r in v.reasons if r not in restated]


# Locations shown per checklist item in the text and markdown reports (JSON has all).
_MAX_LOCATIONS = 3


def _where(locations: Sequence[str]) -> list[str]:
    more = len(locations) - _MAX_LOCATIONS
    return list(locations[:_MAX_LOCATIONS]) + ([f"+{more} more"] if more > 0 else [])


def checklist_lines(v: Verdict) -> list[str]:
    """The reviewer checklist under the verdict, one item a line with where it came from."""
    if not v.checklist:
        return []
    return ["  reviewers verify:"] + [
        _visible(f"    [ ] {c.topic}: {c.item} ({', '.join(_where(c.locations))})")
        for c in v.checklist]


def checklist_dicts(v: Verdict) -> list[dict[str, Any]]:
    return [{"item": c.item, "topic": c.topic, "locations": list(c.locations)}
            for c in v.checklist]


# --- json ----------------------------------------------------------------------------

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


# --- sarif ---------------------------------------------------------------------------
#
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
            if f.suppressed or f.action is Action.OFF:
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


# --- gitlab code quality ---------------------------------------------------------------
#
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
            if f.suppressed or f.action is Action.OFF:
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


# --- github annotations --------------------------------------------------------------
#
# `::error file=F,line=L,title=T::message`. Data escapes %, CR and LF; property values
# also ':' and ','. GitHub shows only 10 annotations of each kind per step.

_GH_KIND = {Action.BLOCK: "error", Action.ANNOTATE: "warning", Action.WARN: "notice"}
_GH_RANK = {"error": 0, "warning": 1, "notice": 2}


_gh_data = escape.annotation_data
_gh_prop = escape.annotation_property


def _github(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    found = [(s, f) for s in subjects for f in s.verdict.findings
             if not f.suppressed and f.action in _GH_KIND]
    # The worst first, so the ones GitHub shows are the ones that matter.
    found.sort(key=lambda sf: (_GH_RANK[_GH_KIND[sf[1].action]], -int(sf[1].severity)))
    out = []
    for s, f in found:
        props = []
        if f.path:
            # Escaped, not rewritten: a name with a newline still names its file.
            props.append(f"file={_gh_prop(f.path)}")
            if f.line:
                props.append(f"line={f.line}")
        props.append(f"title={_gh_prop(f'{f.rule_id} ({s.label})')}")
        msg = f.message + (f" [{f.evidence}]" if f.evidence else "")
        out.append(f"::{_GH_KIND[f.action]} {','.join(props)}::{_gh_data(msg)}")
    for s in subjects:
        kind = "error" if s.verdict.blocked else "notice"
        out.append(f"::{kind} title={_gh_prop(title + ' ' + s.label)}::"
                   f"{_gh_data(summary_line(s.verdict))}")
    return "".join(line + "\n" for line in out)


# --- markdown ------------------------------------------------------------------------

def _md(text: str) -> str:
    """A table cell or inline text: nothing from a path or message renders."""
    return escape.markdown(text) if text.strip() else "-"


def _code(text: str) -> str:
    # Inside a code span only the pipe needs escaping (GFM splits cells first).
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def markdown_checklist(subjects: Sequence[Subject], *, named: bool | None = None) -> list[str]:
    """A task list per subject with a checklist: what its reviewers must verify. The
    heading names the subject when there are several (or `named` says so)."""
    named = len(subjects) > 1 if named is None else named
    out: list[str] = []
    for s in subjects:
        if not s.verdict.checklist:
            continue
        head = "Reviewer checklist" + (f" for {_md(s.label)}" if named else "")
        out += ["", f"### {head}", ""]
        out += [f"- [ ] {_md(c.item)} ({_md(c.topic)}): "
                f"{', '.join(_md(x) for x in _where(c.locations))}" for c in s.verdict.checklist]
    return out


def _counted(v: Verdict) -> int:
    return sum(1 for f in v.findings if f.suppressed is None and f.action is not Action.OFF)


def _markdown(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    blocked = sum(1 for s in subjects if s.verdict.blocked)
    out = [f"## {_md(title)}", ""]
    out.append(f"{len(subjects)} checked, {blocked} blocked.")
    out += ["", "| subject | status | identity impact | requires review | AI-assisted | findings |",
            "|---|---|---|---|---|---|"]
    for s in subjects:
        v = s.verdict
        ai = ", ".join(v.ai_tools) or ("yes" if v.ai_assisted else "no")
        out.append(f"| {_md(s.label)} | {'**blocked**' if v.blocked else 'ok'} | {v.tier} | "
                   f"{_md(', '.join(v.required_reviews))} | {_md(ai)} | {_counted(v)} |")
    rows = [(s, f) for s in subjects for f in s.verdict.findings
            if not f.suppressed and f.action is not Action.OFF]
    if rows:
        out += ["", "| action | rule | where | message |", "|---|---|---|---|"]
        for s, f in rows:
            where = f.location if len(subjects) == 1 else f"{s.label} {f.location}"
            msg = f.message + (f" [{f.evidence}]" if f.evidence else "")
            out.append(f"| {f.action} | {_code(f.rule_id)} | {_md(where)} | {_md(msg)} |")
    out += markdown_checklist(subjects)
    skipped = [(s, x) for s in subjects for x in s.skipped]
    if skipped:
        out += ["", "Not read: " + "; ".join(_md(x) for _, x in skipped)]
    return "\n".join(out) + "\n"


# --- a range (verify) ------------------------------------------------------------------
#
# `verify` reports its commits as subjects plus a summary of the range, plain data
# (`verification.summary`, the `verify` object of the json report). Each format adds
# it its own way; the markdown is a job summary of its own, and only what needs a
# reviewer's attention is among the subjects it is given.

# A job summary holds 1 MiB: tables stop here and say how many rows they left out.
MARKDOWN_ROWS = 200


def _short_list(ids: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(i[:12] for i in ids[:limit])
    return shown + (f", … ({len(ids) - limit} more)" if len(ids) > limit else "")


def range_lines(s: Mapping[str, Any]) -> list[str]:
    """The range summary for people, the verdict last: the last lines of the text
    report and the list of the markdown one."""
    merges = s.get("merges", [])
    head = f"{s['range']}: {s['commits']} commit{'s' if s['commits'] != 1 else ''} verified"
    if merges:
        head += (f" ({len(merges)} merge{'s' if len(merges) != 1 else ''} judged on what "
                 f"{'they add' if len(merges) != 1 else 'it adds'} to "
                 f"{'their' if len(merges) != 1 else 'its'} parents: {_short_list(merges)})")
    lines = [head]
    if s.get("policy"):
        lines.append(f"policy: {s['policy']}")
    if s["required_reviews"]:
        lines.append("requires review: " + "; ".join(
            f"{r} ({len(ids)}: {_short_list(ids)})" for r, ids in s["required_reviews"].items()))
    for a in s["ai_assisted"][:20]:
        said = a["trailer"] or ", ".join(a["tools"]) or "yes"
        why = "; ".join(a["evidence"][:2]) or f"trailer AI-Assisted: {said}"
        lines.append(f"AI-assisted: {a['commit'][:12]} ({said}): {why}")
    if len(s["ai_assisted"]) > 20:
        lines.append(f"AI-assisted: … {len(s['ai_assisted']) - 20} more commits")
    if s["ok"]:
        verdict = "ok" if s["commits"] else f"ok: no commits to verify in {s['range']}"
    else:
        what = ", ".join(f"{rule} {n}" for rule, n in s["problems"].items())
        verdict = f"FAILED: {len(s['violations'])} of {s['commits']} commits violate: {what}"
    lines.append(verdict)
    return lines


def _range_text(subjects: Sequence[Subject], s: Mapping[str, Any], *, color: bool,
                title: str) -> str:
    return _text(subjects, color=color, title=title) + "".join(
        f"{title}: {_visible(ln)}\n" for ln in range_lines(s))


def _range_github(subjects: Sequence[Subject], s: Mapping[str, Any], *, color: bool,
                  title: str) -> str:
    kind = "notice" if s["ok"] else "error"
    return _github(subjects, color=color, title=title) + (
        f"::{kind} title={_gh_prop(title)}::{_gh_data(' / '.join(range_lines(s)))}\n")


def _range_json(subjects: Sequence[Subject], s: Mapping[str, Any], *, color: bool,
                title: str) -> str:
    doc = _json_doc(subjects)
    doc["blocked"] = not s["ok"]
    doc["verify"] = dict(s)
    return _dump(doc)


def _range_sarif(subjects: Sequence[Subject], s: Mapping[str, Any], *, color: bool,
                 title: str) -> str:
    doc = _sarif_doc(subjects)
    # Beside the reviewer checklist, which may be in the run's properties already.
    doc["runs"][0].setdefault("properties", {})["authgate-verify"] = dict(s)
    return _dump(doc)


def _commit_cell(s: Subject) -> str:
    # A commit's label is its short id and its subject: the id as code, the rest text.
    short = (s.revision or "")[:12]
    if short and s.label.startswith(short + " "):
        return f"{_code(short)} {_md(s.label[len(short) + 1:])}"
    return _md(s.label)


def _range_markdown(subjects: Sequence[Subject], s: Mapping[str, Any], *, color: bool,
                    title: str) -> str:
    """A ready $GITHUB_STEP_SUMMARY: the verdict, the range summary, the commits that
    need a reviewer's attention and what was found in them."""
    lines = range_lines(s)
    out = [f"## {_md(title)}", "", f"**{_md(lines[-1])}**", ""]
    out += [f"- {_md(ln)}" for ln in lines[:-1]]
    if s["required_reviews"]:
        out += ["", "| required review | commits |", "|---|---|"]
        out += [f"| {_md(r)} | {_md(_short_list(ids, 20))} |"
                for r, ids in s["required_reviews"].items()]
    claims = {a["commit"]: a["trailer"] for a in s["ai_assisted"]}
    if subjects:
        out += ["", "| commit | status | identity impact | requires review | AI-assisted | "
                "problems |", "|---|---|---|---|---|---|"]
        for c in subjects[:MARKDOWN_ROWS]:
            v = c.verdict
            ai = claims.get(c.revision or "") or ", ".join(v.ai_tools) or (
                "yes" if c.revision in claims else "no")
            # verify's own findings (the `verify` family) come first: the problems.
            probs = "; ".join(f.message for f in v.findings if f.family == "verify")
            out.append(f"| {_commit_cell(c)} | {'violates' if v.blocked else 'ok'} | "
                       f"{v.tier} | {_md(', '.join(v.required_reviews))} | {_md(ai)} | "
                       f"{_md(probs)} |")
        if len(subjects) > MARKDOWN_ROWS:
            out.append(f"\n… {len(subjects) - MARKDOWN_ROWS} more commits (see the json report)")
    rows = [(c, f) for c in subjects for f in c.verdict.findings
            if f.suppressed is None and f.action is not Action.OFF]
    if rows:
        out += ["", "| action | rule | commit | where | message |", "|---|---|---|---|---|"]
        for c, f in rows[:MARKDOWN_ROWS]:
            # verify's own evidence is the commit, already in its column.
            msg = f.message + (f" [{f.evidence}]" if f.evidence and f.family != "verify"
                               else "")
            out.append(f"| {f.action} | {_code(f.rule_id)} | {_code((c.revision or '')[:12])} "
                       f"| {_md(f.location)} | {_md(msg)} |")
        if len(rows) > MARKDOWN_ROWS:
            out.append(f"\n… {len(rows) - MARKDOWN_ROWS} more findings (see the json report)")
    # What each commit's reviewers must verify, as task lists.
    out += markdown_checklist(subjects[:MARKDOWN_ROWS], named=True)
    return "\n".join(out) + "\n"


def _range_gitlab(subjects: Sequence[Subject], s: Mapping[str, Any], *, color: bool,
                  title: str) -> str:
    # Code Quality is a list of issues: the range's summary has no place in it.
    return _gitlab(subjects, color=color, title=title)


_RANGE = {"text": _range_text, "json": _range_json, "sarif": _range_sarif,
          "github": _range_github, "markdown": _range_markdown, "gitlab": _range_gitlab}
