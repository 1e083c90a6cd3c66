"""The markdown report (a job summary or a merge request comment): the verdicts, a
table of findings and the reviewer checklist, every string escaped for markdown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from authgate import contentkind, escape
from authgate.policy import Verdict
from authgate.report.text import _where

if TYPE_CHECKING:
    from authgate.report import Subject


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
    return sum(1 for f in v.findings if f.counts)


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
    rows = [(s, f) for s in subjects for f in s.verdict.findings if f.counts]
    if rows:
        out += ["", "| action | rule | where | message |", "|---|---|---|---|"]
        for s, f in rows:
            where = f.location if len(subjects) == 1 else f"{s.label} {f.location}"
            msg = f.message + (f" [{f.evidence}]" if f.evidence else "")
            out.append(f"| {f.action} | {_code(f.rule_id)} | {_md(where)} | {_md(msg)} |")
    out += markdown_checklist(subjects)
    lines = [contentkind.summary(s.skipped) for s in subjects]
    skipped = [x for _, rest in lines for x in rest]
    if skipped:
        out += ["", "Not read: " + "; ".join(_md(x) for x in skipped)]
    for (counted, _), s in zip(lines, subjects):
        if counted:
            out += ["", _md(counted if len(subjects) == 1 else f"{s.label}: {counted}")]
    return "\n".join(out) + "\n"
