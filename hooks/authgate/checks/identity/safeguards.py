"""Whether a removed safeguard (a login decorator, a permission check, an audience
argument, a constant-time compare) was really removed.

A safeguard is removed only when the new version of its unit (the function or class
around it, or the one a decorator stood on) no longer applies it, the change does not
apply it elsewhere (moved), and the file does not add an equal or stronger check of
its family (replaced). What remains is judged by kind:

- a boolean switch (`verify_exp`, `ValidateLifetime`) set from a variable or to off:
  removing it removes the way to switch the check off, which is hardening; set to on:
  the library default now applies. Both annotate, and say so;
- replaced by a weaker check of its family (a constant-time compare by `!==`): annotate;
- anything else: the rule's own action (block).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from authgate.changes import Hunk
from authgate.checks.context import string_ranges
from authgate.record import Record

from .scan import FileScan
from .spec import Family, LineSpec
from .text import Rx

_NAME = Rx(r"\w+")
_VALUE = Rx(r"""\s*["']?\s*(?:[:=]|=>)\s*(?P<v>[\w.$\[\]"']+)""")
_OFF = Rx(r"""^["']?(?:false|False|FALSE|0|nil|null|None|no|off)["']?$""")
_ON = Rx(r"""^["']?(?:true|True|TRUE|1|yes|on)["']?$""")
_DECORATOR = Rx(r"^\s*(?:@|\[)")


class Verdict(Record):
    """What a removed match comes to: its action ("block" or "annotate") and message;
    the message is empty when the rule's own message fits."""

    action: str
    message: str = ""


def name_of(match: str) -> str:
    """The safeguard's name in a match: its longest word (`@login_required` ->
    login_required, `passport.authenticate(` -> authenticate)."""
    words = _NAME.findall(match)
    return max(words, key=len) if words else match


def judge(spec: LineSpec, m: re.Match[str], scan: FileScan, h: int, index: int,
          units: Units, elsewhere: ChangeNames) -> Verdict | None:
    """None when the match is no removal; else what it comes to."""
    hunk = scan.fc.hunks[h]
    text = hunk.lines[index].text
    name = name_of(m[0])
    if _quoted_word(text, m, name):
        return None  # "login_required" as a value (an OAuth prompt, an error code)
    word = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    if word.search(units.new_side(scan, h, index)) or elsewhere.applies(word):
        return None  # still applied in its unit, or moved to another place
    if spec.switch is not None and spec.switch.search(name):
        return _switch(spec, m, text)
    family = next((f for f in spec.families if f.members.search(m[0])), None)
    if family is not None:
        if scan_adds(scan, family.same):
            return None  # replaced by an equal or stronger check
        weaker = _weaker(family, scan, h, index, units)
        if weaker:
            return Verdict("annotate", spec.weakened.replace("{weaker}", weaker))
    return Verdict("block")


_KEY = Rx(r"\s*(?::|=>|\]\s*=)")


def _quoted_word(text: str, m: re.Match[str], name: str) -> bool:
    """Whether the match is a string holding just the name, used as a value (not a
    key: `{"verify_exp": ...}` sets the check)."""
    for start, end in string_ranges(text):
        if start < m.start() and m.end() <= end + 1:
            return text[start + 1:end].strip() == name and not _KEY.match(text, end + 1)
    return False


def _switch(spec: LineSpec, m: re.Match[str], text: str) -> Verdict:
    v = _VALUE.match(text, m.end())
    value = v["v"] if v else ""
    if not value and "=" in m[0]:
        rest = text[m.end():].strip()
        value = re.split(r"[,)}\s]", rest, maxsplit=1)[0] if rest else ""
    if value and _ON.match(value):
        return Verdict("annotate", spec.defaulted)
    if value:
        # Off, or a variable that could be off: the way to switch the check off is gone.
        return Verdict("annotate", spec.hardening)
    # Read, not set (`if options["verify_signature"] and ...`): what it guarded went.
    return Verdict("annotate")


def scan_adds(scan: FileScan, rx: Rx) -> bool:
    """Whether the file's added code (not comments) matches `rx`."""
    for h, hunk in enumerate(scan.fc.hunks):
        for i, ln in enumerate(hunk.lines):
            if ln.kind == "+":
                code = scan.code(hunk, h, i)
                if code and rx.search(code):
                    return True
    return False


def _weaker(family: Family, scan: FileScan, h: int, index: int, units: Units) -> str:
    if family.weaker is None:
        return ""
    hunk = scan.fc.hunks[h]
    lo, hi = units.span(scan, h, index)
    for i in range(lo, hi):
        ln = hunk.lines[i]
        if ln.kind == "+":
            found = family.weaker.search(scan.code(hunk, h, i) or "")
            if found:
                return found[0].strip()
    return ""


class Units:
    """The units (functions, classes) of each hunk of a file, as the rule's `unit`
    regex finds them, with the new side of each: built once per hunk, so judging a
    run of removed lines stays linear."""

    def __init__(self, unit: Rx | None) -> None:
        self.unit = unit
        self._starts: dict[int, list[int]] = {}
        self._text: dict[tuple[int, int, int], str] = {}
        self._deleted: dict[tuple[int, str], list[bool]] = {}

    def deleted(self, scan: FileScan, unit: Rx, h: int, index: int) -> bool:
        """Whether the removed line at `index` goes with a function or class that the
        same run of removed lines deletes and the change does not define again: a
        safeguard deleted with its unit protected nothing that remains."""
        key = (h, unit.source)
        if key not in self._deleted:
            self._deleted[key] = _deleted_lines(scan, unit, scan.fc.hunks[h])
        return self._deleted[key][index]

    def starts(self, hunk: Hunk, h: int) -> list[int]:
        if h not in self._starts:
            self._starts[h] = [] if self.unit is None else [
                i for i, ln in enumerate(hunk.lines) if self.unit.search(ln.text)]
        return self._starts[h]

    def span(self, scan: FileScan, h: int, index: int) -> tuple[int, int]:
        """The lines of the unit that line `index` belongs to: the one it sits in, or,
        for a decorator or attribute, the one it stands on."""
        hunk = scan.fc.hunks[h]
        starts = self.starts(hunk, h)
        k = bisect.bisect_right(starts, index)  # starts[:k] are at or above index
        lo = starts[k - 1] if k else 0
        if _DECORATOR.match(hunk.lines[index].text) and k < len(starts):
            # Its unit starts below: the decorators above that unit and the unit itself.
            return lo, starts[k + 1] if k + 1 < len(starts) else len(hunk.lines)
        hi = starts[k] if k < len(starts) else len(hunk.lines)
        return lo, hi

    def new_side(self, scan: FileScan, h: int, index: int) -> str:
        lo, hi = self.span(scan, h, index)
        if (h, lo, hi) not in self._text:
            hunk = scan.fc.hunks[h]
            self._text[(h, lo, hi)] = "\n".join(
                code for i in range(lo, hi) if hunk.lines[i].kind != "-"
                for code in (scan.code(hunk, h, i),) if code)
        return self._text[(h, lo, hi)]


def _deleted_lines(scan: FileScan, unit: Rx, hunk: Hunk) -> list[bool]:
    """For each line of the hunk: a removed line whose unit (the nearest function or
    class above it on the old side) the change deletes and does not define again, or
    whose run of removed lines goes on to delete one (a decorator sits above its
    function). One pass each way."""
    kept = scan.names(unit)
    n = len(hunk.lines)
    gone: list[bool | None] = [None] * n  # a unit line on the old side: is it gone?
    for i, ln in enumerate(hunk.lines):
        if ln.kind != "+":
            m = unit.search(ln.text)
            if m:
                gone[i] = ln.kind == "-" and next(g for g in m.groups() if g) not in kept
    out = [False] * n
    inside = False  # the unit the old side is in was deleted
    for i, ln in enumerate(hunk.lines):
        if ln.kind == "+":
            continue
        if gone[i] is not None:
            inside = bool(gone[i])
        out[i] = ln.kind == "-" and inside
    below: bool | None = None  # the first unit line further down the run
    for i in range(n - 1, -1, -1):
        if hunk.lines[i].kind != "-":
            below = None
            continue
        if not out[i] and below is not None:
            out[i] = below
        if gone[i] is not None:
            below = gone[i]
    return out


class ChangeNames:
    """The added code of the change's non-test files, joined the first time a
    removed safeguard asks whether it is applied anywhere else (moved)."""

    def __init__(self, build: Callable[[], str]) -> None:
        self._build = build
        self._text: str | None = None
        self._seen: dict[str, bool] = {}

    def applies(self, word: re.Pattern[str]) -> bool:
        if self._text is None:
            self._text = self._build()
        if word.pattern not in self._seen:
            self._seen[word.pattern] = word.search(self._text) is not None
        return self._seen[word.pattern]
