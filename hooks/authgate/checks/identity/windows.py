"""Window rules: comparisons over a hunk that one line cannot decide. "compare" reads a
setting's number in a removed line against the same setting in an added one (a work
factor lowered, a lifetime extended); "first-entry" reads the head of a list whose
first item decides (the hasher that hashes every new password)."""

from __future__ import annotations

import re

from authgate.checks.context import is_comment
from authgate.findings import Finding, scrub

from .hunk import new_side, positions
from .scan import FileScan
from .spec import WindowSpec
from .text import Lines, render, short


def scan_window(scan: FileScan, spec: WindowSpec) -> list[Finding]:
    if spec.keyed and not spec.wants(scan.changed()):
        return []
    if spec.check == "compare":
        return _compare(scan, spec)
    if spec.check == "first-entry":
        return _first_entry(scan, spec)
    return []


_UNIT = {"s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60,
         "minutes": 60, "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600, "d": 86400,
         "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
         "ms": 0.001, "milliseconds": 0.001}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*\.?\s*(milliseconds|seconds?|minutes?|hours?|days?|"
                       r"weeks?|ms|sec|min|hr|[smhdw])\b", re.IGNORECASE)
_TIMEDELTA = re.compile(r"(weeks|days|hours|minutes|seconds)\s*=\s*(\d+(?:\.\d+)?)")
_PRODUCT = re.compile(r"^\s*\d+(?:\s*\*\s*\d+)+")


def amount(text: str) -> float | None:
    """A number, a product of numbers, a timedelta or a duration such as '30d' or
    2.weeks, in seconds when it has a unit; None when it cannot be read."""
    text = text.strip().rstrip(",;")
    if "timedelta(" in text:
        parts = _TIMEDELTA.findall(text)
        if parts:
            return sum(float(n) * _UNIT[u] for u, n in parts)
    m = _PRODUCT.match(text)
    if m:
        total = 1.0
        for n in m[0].split("*"):
            total *= float(n)
        return total
    m = _DURATION.search(text)
    if m and not re.match(r"^\s*\d[\d_]*\s*$", text):
        return float(m[1]) * _UNIT[m[2].lower()]
    m = re.match(r"^\s*[\"']?(\d[\d_]*(?:\.\d+)?)", text)
    if m:
        return float(m[1].replace("_", ""))
    return None


def _fmt_number(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


def _compare(scan: FileScan, spec: WindowSpec) -> list[Finding]:
    out: list[Finding] = []
    for hunk in scan.fc.hunks:
        pos: list[int] = []  # each line's place in the file, when one is reported
        reported: set[int] = set()
        texts = Lines([ln.text for ln in hunk.lines])
        for factor in spec.factors:
            old: float | None = None
            old_text = ""
            # Only the lines that hold what every match of the setting starts with.
            can = list(factor.pattern.lines(texts))
            for ln in (hunk.lines[i] for i in can):
                if ln.kind == "-":
                    m = factor.pattern.search(ln.text)
                    if m and not is_comment(scan.fc.path, ln.text):
                        value = _factor_value(m)
                        if value is not None and old is None:
                            old, old_text = value, _value_text(m)
            for i in can:
                ln = hunk.lines[i]
                if ln.kind != "+" or i in reported:
                    continue
                m = factor.pattern.search(ln.text)
                if m is None or is_comment(scan.fc.path, ln.text):
                    continue
                new = _factor_value(m)
                if new is None:
                    continue
                if factor.near is not None and not any(
                        factor.near.search(h.text) for h in
                        hunk.lines[max(0, i - 5):i + 6] if h.kind != "-"):
                    continue
                worse = old is not None and (new < old if spec.direction == "lower"
                                             else new > old)
                pos = pos or positions(hunk)
                values = {"name": factor.name, "old": old_text, "new": _value_text(m),
                          "line": pos[i], "path": scan.fc.path,
                          "floor": _fmt_number(factor.floor) if factor.floor else ""}
                if worse:
                    msg = render(spec.rule.message, **values)
                elif (factor.floor is not None and new < factor.floor
                      and (old is None or old >= factor.floor) and spec.below_floor):
                    msg = render(spec.below_floor, **values)
                else:
                    continue
                out.append(spec.finding(msg, scan.fc.path, pos[i], scan.pc.context,
                                        evidence=scrub(ln.text)))
                reported.add(i)
                break
    return out


def _factor_value(m: re.Match[str]) -> float | None:
    if "n" in m.re.groupindex and m["n"] is not None:
        return float(m["n"].replace("_", ""))
    if "v" in m.re.groupindex and m["v"] is not None:
        return amount(m["v"])
    return None


def _value_text(m: re.Match[str]) -> str:
    for g in ("n", "v"):
        if g in m.re.groupindex and m[g] is not None:
            return short(m[g].strip().rstrip(",;"), 30)
    return ""


_QUOTED_ITEM = re.compile(r"""["']([^"']+)["']""")


def _first_entry(scan: FileScan, spec: WindowSpec) -> list[Finding]:
    out: list[Finding] = []
    for hunk in scan.fc.hunks:
        pos = positions(hunk)
        side = new_side(hunk)
        for k, i in enumerate(side):
            ln = hunk.lines[i]
            for lst in spec.lists:
                m = lst.anchor.search(ln.text)
                if m is None:
                    continue
                # The first quoted item after the anchor, here or on the next lines.
                rest = ln.text[m.end():]
                entry_at = i
                item = _QUOTED_ITEM.search(rest)
                j = k
                while item is None and j + 1 < len(side) and j - k < 4:
                    j += 1
                    entry_at = side[j]
                    item = _QUOTED_ITEM.search(hunk.lines[entry_at].text)
                if item is None or not lst.weak.search(item[1]):
                    continue
                if "+" not in (ln.kind, hunk.lines[entry_at].kind):
                    continue
                msg = render(spec.rule.message, entry=item[1].rsplit(".", 1)[-1],
                             line=pos[entry_at], path=scan.fc.path)
                out.append(spec.finding(msg, scan.fc.path, pos[entry_at], scan.pc.context,
                                        evidence=scrub(hunk.lines[entry_at].text)))
    return out
