"""An added line and where things on it sit (comment, string, context, a guard against
addresses), and the leak `Finding` built from it with its evidence redacted."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter

from authgate.changes import FileChange, Line
from authgate.checks import secrets
from authgate.checks.context import (
    comment_flags,
    comment_start,
    line_context,
    string_ranges,
)
from authgate.findings import Action, Finding, from_rule, redact, scrub
from authgate.record import Record
from authgate.rules import Rule

_CONTEXT_WORDS = {"comment": " in a comment", "test": " in a test", "fixture": " in a fixture",
                  "docs": " in documentation", "config": " in configuration", "code": ""}


class _Comments:
    """Which visible lines of a hunk are whole comment or docstring lines, worked out
    the first time a line of the hunk holds something to judge: most hunks of a
    large tree hold nothing, and classifying every line cost more than the checks."""

    __slots__ = ("_flags", "_path", "_visible")

    def __init__(self, path: str, visible: Sequence[Line]) -> None:
        self._path, self._visible = path, visible
        self._flags: list[bool] | None = None

    def __getitem__(self, i: int) -> bool:
        if self._flags is None:
            self._flags = comment_flags(self._path, [ln.text for ln in self._visible])
        return self._flags[i]


class _Added(Record):
    number: int
    text: str
    comments: _Comments
    at: int  # its place among the hunk's visible lines

    @property
    def comment(self) -> bool:
        """The whole line is a comment or docstring line."""
        return self.comments[self.at]


_KIND, _TEXT = itemgetter(0), itemgetter(1)  # a Line's kind and text


class _AddedLines:
    """The added lines of a file: their texts at once (for whole-text prefilters), an
    `_Added` only for a line asked for. A tree holds a million lines and most hold
    nothing to judge."""

    def __init__(self, fc: FileChange) -> None:
        self.texts: list[str] = []
        # Per hunk: its first index in `texts`, its comment flags, its visible lines
        # and the places of its added lines among them (None: every line is added).
        self._starts: list[int] = []
        self._hunks: list[tuple[_Comments, Sequence[Line], list[int] | None]] = []
        for hunk in fc.hunks:
            self._starts.append(len(self.texts))
            if set(map(_KIND, hunk.lines)) == {"+"}:
                # Every line added (a new file's hunk): numbered on from the first,
                # taken whole at C speed.
                self._hunks.append((_Comments(fc.path, hunk.lines), hunk.lines, None))
                self.texts += map(_TEXT, hunk.lines)
                continue
            visible = [ln for ln in hunk.lines if ln.kind != "-"]
            places = [i for i, ln in enumerate(visible) if ln.kind == "+" and ln.new is not None]
            self._hunks.append((_Comments(fc.path, visible), visible, places))
            self.texts.extend([visible[i].text for i in places])

    def __len__(self) -> int:
        return len(self.texts)

    def at(self, i: int) -> _Added:
        k = bisect.bisect_right(self._starts, i) - 1
        comments, visible, places = self._hunks[k]
        place = i - self._starts[k] if places is None else places[i - self._starts[k]]
        line = visible[place]
        return _Added(line.new or 0, line.text, comments, place)

    def index(self, number: int) -> int | None:
        """Where the added line numbered `number` is in `texts`, if it is there."""
        for start, (_, visible, places) in zip(self._starts, self._hunks):
            if places is None:
                first = visible[0].new if visible else None
                if first is not None and 0 <= number - first < len(visible):
                    return start + number - first
            else:
                for j, place in enumerate(places):
                    if visible[place].new == number:
                        return start + j
        return None

    def text(self, number: int) -> str:
        i = self.index(number)
        return "" if i is None else self.texts[i]


class _Place:
    """Where things on one added line sit, each fact computed once, when first asked:
    a line of minified code can hold thousands of candidates."""

    def __init__(self, a: _Added, path: str, file_ctx: str,
                 guarded_file: Callable[[], bool] = lambda: False) -> None:
        self.a, self.path, self.file_ctx = a, path, file_ctx
        self._comment_at: int | None = -1
        self._strings: list[tuple[int, int]] | None = None
        self._evidence: str | None = None
        self._guarded_file = guarded_file
        self._guarded: bool | None = None

    def guarded(self) -> bool:
        """Whether the line, or its whole file, guards against addresses rather than
        using one."""
        if self._guarded is None:
            self._guarded = self._guarded_file() or \
                _GUARD.search(self.a.text[:2000]) is not None
        return self._guarded

    def is_comment(self, pos: int) -> bool:
        if self.a.comment:
            return True
        if self._comment_at == -1:
            self._comment_at = comment_start(self.path, self.a.text)
        return self._comment_at is not None and pos >= self._comment_at

    def context(self, pos: int) -> str:
        if self.file_ctx in ("test", "fixture", "docs"):
            return self.file_ctx
        return line_context(self.path, self.is_comment(pos), self.file_ctx)

    def in_string(self, pos: int) -> bool:
        if self._strings is None:
            self._strings = string_ranges(self.a.text)
        i = bisect.bisect_left(self._strings, (pos, pos))
        return any(s < pos < e for s, e in self._strings[max(i - 1, 0):i + 1])

    def evidence(self, values: Sequence[str]) -> str:
        if self._evidence is None:
            self._evidence = _evidence(self.a.text, (), values)
        return self._evidence


# A line that keeps requests away from private and metadata addresses (SSRF defences,
# allow and deny lists, the tests that check them) names them to refuse them.
_GUARD = re.compile(
    r"(?i)ssrf|private[\s_-]?(?:ip|addr|address|host|hostname|network|range|net)s?\b|"
    r"is_?private|\breserved|loopback|link[\s_-]?local|\bimds\b|\breject|\bden(?:y|ied)\b|"
    r"\bforbid|disallow|\bblock(?:ed|list|s)?\b|\btrusted|(?:allow|deny|black|white)"
    r"[\s_-]?list|\bcidr|\bsubnet|\brfc[\s-]?\d{3,4}|classif|validat|sanitiz|\bunsafe|"
    r"toBe\(false\)|\.not\.|should_not|[=!]==?|\bin\s*[\[({]|\.(?:includes|contains|has)\(|"
    r"starts_?with|startsWith|\bcase\b")

# `password hunter2` (.netrc, CLI flags): a credential after a space, which scrub's
# key=value form does not see.
_SPACED_SECRET = re.compile(
    r"(?i)(?P<key>\b(?:password|passwd|pwd|secret|token|api[_-]?key|passphrase)\b[\"']?\s+)"
    r"(?P<val>[^\s\"'`,;]{4,})")


def _evidence(text: str, spans: Sequence[tuple[int, int]], values: Iterable[str]) -> str:
    """The line with every secret value and credential span redacted, then scrubbed."""
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + redact(text[start:end]) + text[end:]
    values = [v for v in values if v]
    for v in sorted(values, key=len, reverse=True):
        text = text.replace(v, redact(v))
    text = _SPACED_SECRET.sub(lambda m: m["key"] + redact(m["val"]), text)
    out = scrub(text)
    if any(v in out for v in values if len(v) > 3):
        return "[redacted]"
    return out


def _finding(rule: Rule, path: str, line: int | None, ctx: str, action: Action, message: str,
             evidence: str, value: str, extra: tuple[tuple[str, str], ...] = ()) -> Finding:
    return from_rule(rule, message, path=path, line=line, context=ctx, evidence=evidence,
                     action=action, value=value, extra=extra)


def _raw_values(hits: Iterable[secrets.SecretHit]) -> list[str]:
    """Every raw string of these findings that evidence must not show."""
    return [v for h in hits for v in (h.token, h.value, h.secret) if v]
