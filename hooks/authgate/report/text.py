"""The text report, for a terminal: one line per finding, the verdict, the reviewer
checklist; its lines are shared by the other formats that speak to people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from authgate import contentkind, escape
from authgate.findings import Action, Finding, short_fingerprint
from authgate.policy import Verdict

if TYPE_CHECKING:
    from authgate.report import Subject


# Escaping: one function per output kind, in authgate.escape; every string that comes
# from the change (paths, messages, evidence, labels) goes through the one for its
# format before it is written.
_visible = escape.terminal

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
    counted = [f for f in v.findings if f.counts]
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
        provider_only, not_read = contentkind.summary(s.skipped)
        out.extend(_visible(f"{skipped_}: skipped") for skipped_ in not_read)
        head = f"{title}: {s.label}: " if len(subjects) > 1 or s.label != "staged" else f"{title}: "
        status = "BLOCKED" if v.blocked else "ok"
        if color:
            status = f"{_COLORS[Action.BLOCK]}{status}{_RESET}" if v.blocked else status
        out.append(f"{_visible(head)}{status}: {_visible(summary_line(v))}")
        if v.ai_assisted:
            out.append(_visible(f"  AI evidence: {'; '.join(v.ai_evidence[:3])}"))
        out.extend(_visible(f"  {r}") for r in unrepeated_reasons(v))
        out.extend(checklist_lines(v))
        if provider_only:
            # One line, however many: the JSON report lists each file.
            out.append(_visible(f"  {provider_only} (the JSON report lists them)"))
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
