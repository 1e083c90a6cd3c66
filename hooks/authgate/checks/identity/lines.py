"""Line rules over one file's hunks: content keywords that raise the tier (one
finding per rule, at its first line) and patterns (`identity.jwt.*`, ...) with the
conditions a variant adds: nearby lines, vetoes, absences, the call's arguments,
safeguards moved rather than removed."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

from authgate.changes import ChangeSet, Hunk, Line
from authgate.checks.context import is_comment
from authgate.findings import Finding, redact_span, scrub
from authgate.rules import Rule

from .hunk import Sides, call_text, near_ok, positions
from .scan import FileScan
from .spec import Catalog, ContentSpec, LineSpec, ScanSpec
from .text import Rx, code_only, comment_markers, norm, render, short


def lines_wanted(rule: Rule, kind: str) -> bool:
    if rule.lines == "both":
        return kind in "+-"
    return kind == ("+" if rule.lines == "added" else "-")


class Balance:
    """For removed-safeguard rules: which safeguards the change adds anywhere.

    One that is removed here and added there was moved, not lost. Presence, not count:
    real refactors fold three copies of a check into one helper (django-allauth 0.61.1
    moved verify_iss/aud/exp out of two views into jwtkit), and that is no removal.
    Computed the first time a removed line needs it."""

    def __init__(self, changes: ChangeSet, cat: Catalog) -> None:
        self._changes, self._cat = changes, cat
        self._counts: dict[str, Counter[str]] | None = None

    def get(self, rule_id: str) -> Counter[str]:
        if self._counts is None:
            self._counts = self._count()
        return self._counts.get(rule_id, Counter())

    def _count(self) -> dict[str, Counter[str]]:
        specs = [s for s in self._cat.lines if s.balance]
        out: dict[str, Counter[str]] = {s.id: Counter() for s in specs}
        if not specs:
            return out
        for fc in self._changes.files:
            for ln in fc.added:
                lowered = ln.text.lower()
                if not self._cat.keyword.search(lowered):
                    continue
                for s in specs:
                    if not s.wants(lowered):
                        continue
                    for v in s.variants:
                        for m in v.pattern.finditer(ln.text):
                            out[s.id][norm(m[0])] += 1
        return out


def scan_lines(scan: FileScan, content: Sequence[ContentSpec], lines: Sequence[LineSpec],
               variants: Mapping[str, list[int]], cat: Catalog,
               balance: Balance) -> tuple[list[Finding], list[Finding]]:
    """Content findings (one per rule, at its first line) and pattern findings."""
    fc = scan.fc
    path = fc.path
    first: dict[str, tuple[Line, int, str]] = {}
    counts: Counter[str] = Counter()
    patterns: list[Finding] = []
    markers = comment_markers(path)
    stateful: list[ScanSpec] = [s for s in (*content, *lines) if s.stateful]
    unkeyed = any(not s.keyed for s in (*content, *lines))
    # The catalog-wide keyword gate: a superset of this file's rules' keywords, built
    # once; a per-file alternation cost a regex compile for every new mix of rules.
    file_keyword = cat.keyword
    for hunk in fc.hunks:
        pos = positions(hunk)
        sides = Sides(hunk)
        header: dict[str, str | None] = {s.id: None for s in stateful}
        down: dict[str, bool] = {s.id: False for s in stateful}
        for i, ln in enumerate(hunk.lines):
            for st in stateful:
                if st.section_header and st.section_header.search(ln.text):
                    header[st.id] = ln.text
                if st.down and ln.kind != "-":
                    if st.down.search(ln.text):
                        down[st.id] = True
                    elif st.up and st.up.search(ln.text):
                        down[st.id] = False
            if ln.kind == " ":
                continue
            lowered = ln.text.lower()
            keyed = file_keyword.search(lowered) is not None
            if not keyed and not unkeyed:
                continue
            if not ln.text.strip() or is_comment(path, ln.text):
                continue
            for c in content:
                if (c.keyed and not keyed) or not lines_wanted(c.rule, ln.kind) \
                        or not c.wants(lowered):
                    continue
                if not _state_ok(c, header, down):
                    continue
                m = c.rule.pattern.search(ln.text) if c.rule.pattern else None
                if m is None:
                    continue
                counts[c.id] += 1
                if c.id not in first:
                    first[c.id] = (ln, pos[i], m[0])
            for s in lines:
                if (s.keyed and not keyed) or not lines_wanted(s.rule, ln.kind) \
                        or not s.wants(lowered):
                    continue
                if not _state_ok(s, header, down):
                    continue
                f = _match_line(s, variants[s.id], scan, sides, i, pos[i], markers, balance)
                if f is not None:
                    patterns.append(f)
    tiers: list[Finding] = []
    for c in content:
        if c.id not in first:
            continue
        ln, at, text = first[c.id]
        msg = render(c.rule.message, match=short(text.strip(), 40), line=at, path=path)
        if counts[c.id] > 1:
            msg += f" (and {counts[c.id] - 1} more)"
        tiers.append(c.finding(msg, path, at, scan.pc.context))
    return tiers, patterns


def _state_ok(s: ScanSpec, header: Mapping[str, str | None],
              down: Mapping[str, bool]) -> bool:
    if s.section is not None:
        text = header.get(s.id)
        if text is None or not s.section.search(text):
            return False
    return not (s.down is not None and down.get(s.id))


def _match_line(s: LineSpec, which: Sequence[int], scan: FileScan, sides: Sides,
                index: int, at: int, markers: tuple[str, ...],
                balance: Balance) -> Finding | None:
    hunk = sides.hunk
    ln = hunk.lines[index]
    for v in (s.variants[i] for i in which):
        m = v.pattern.search(ln.text)
        if m is None:
            continue
        if v.unless is not None and v.unless.search(ln.text):
            continue
        if not near_ok(v, sides, index):
            continue
        if v.absent is not None and scan.shows(v.absent):
            continue
        if v.call_absent is not None and v.call_absent.search(call_text(hunk, index, m.start())):
            continue
        arg = ""
        if v.args is not None or v.args_raw is not None:
            rest = ln.text[m.end():]
            a = v.args.search(code_only(rest, markers)) if v.args is not None else None
            if a is None and v.args_raw is not None:
                a = v.args_raw.search(rest)
            if a is None:
                continue
            arg = short(a[0].strip().strip("\"':"), 40)
        if s.balance and ln.kind == "-" and balance.get(s.id)[norm(m[0])]:
            continue
        if s.unit is not None and ln.kind == "-" and _unit_deleted(s.unit, scan, hunk, index):
            continue
        return _pattern_finding(s, m, scan, ln, at, arg)
    return None


def _pattern_finding(s: LineSpec, m: re.Match[str], scan: FileScan, ln: Line, at: int,
                     arg: str) -> Finding:
    text, match_text, secret = ln.text, m[0], None
    if s.secret and s.secret in m.re.groupindex and m[s.secret] is not None:
        start, end = m.span(s.secret)
        secret = m[s.secret][1:-1]
        # Evidence keeps the quotes and at most the first and last character.
        text = redact_span(ln.text, start + 1, end - 1)
        # The message names what was set, never the value.
        name = ln.text[m.start():start].strip(" \t=:,(>|?\"'`")
        match_text = re.split(r"[^\w.\[\]]+", name)[-1] if name else ""
    msg = render(s.rule.message, match=short(scrub(match_text.strip()), 60), line=at,
                 old_line=ln.old or at, arg=scrub(arg), path=scan.fc.path)
    return s.finding(msg, scan.fc.path, at, scan.pc.context, evidence=scrub(text),
                     hash_of=secret)


def _unit_deleted(unit: Rx, scan: FileScan, hunk: Hunk, index: int) -> bool:
    """Whether the removed line at `index` goes with a function or class that the
    same run of removed lines deletes and the change does not define again."""
    lo = index
    while lo > 0 and hunk.lines[lo - 1].kind == "-":
        lo -= 1
    hi = index
    while hi + 1 < len(hunk.lines) and hunk.lines[hi + 1].kind == "-":
        hi += 1
    kept = scan.names(unit)
    for ln in hunk.lines[lo:index + 1]:
        m = unit.search(ln.text)
        if m and next(g for g in m.groups() if g) not in kept:
            return True
    # A decorator sits above its function: the removed def may come right after it.
    for ln in hunk.lines[index + 1:hi + 1]:
        m = unit.search(ln.text)
        if m:
            return next(g for g in m.groups() if g) not in kept
    return False
