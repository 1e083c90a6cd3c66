"""GitHub workflow annotations.

`::error file=F,line=L,title=T::message`. Data escapes %, CR and LF; property values
also ':' and ','. GitHub shows only 10 annotations of each kind per step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from authgate import escape
from authgate.findings import Action
from authgate.report.text import summary_line

if TYPE_CHECKING:
    from authgate.report import Subject


_GH_KIND = {Action.BLOCK: "error", Action.ANNOTATE: "warning", Action.WARN: "notice"}

_GH_RANK = {"error": 0, "warning": 1, "notice": 2}

_gh_data = escape.annotation_data

_gh_prop = escape.annotation_property


def _github(subjects: Sequence[Subject], *, color: bool, title: str) -> str:
    found = [(s, f) for s in subjects for f in s.verdict.findings if f.counts]
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
