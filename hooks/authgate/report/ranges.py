"""A range's report (verify).

`verify` reports its commits as subjects plus a summary of the range, plain data
(`verification.summary`, the `verify` object of the json report). Each format adds
it its own way; the markdown is a job summary of its own, and only what needs a
reviewer's attention is among the subjects it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from authgate.report.annotations import _gh_data, _gh_prop, _github
from authgate.report.documents import _dump, _gitlab, _json_doc, _sarif_doc
from authgate.report.markdown import _code, _md, markdown_checklist
from authgate.report.text import _text, _visible

if TYPE_CHECKING:
    from authgate.report import Subject


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
    rows = [(c, f) for c in subjects for f in c.verdict.findings if f.counts]
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
