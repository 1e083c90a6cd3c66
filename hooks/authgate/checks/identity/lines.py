"""Line rules over one file's hunks: content keywords that raise the tier (one
finding per rule, at its first line) and patterns (`identity.jwt.*`, ...) with the
conditions a variant adds: nearby lines, vetoes, absences, the call's arguments,
safeguards moved rather than removed.

What a pattern must not report, whatever the rule:

- comments, docstrings and block comments (read side by side over the hunk);
- a declaration of the matched name (`func (m *signingMethodNone) Verify`,
  `const audience = ...`): defining a thing is not using it;
- on an added line, a match the change also removes: it was there before (a line
  re-indented, re-wrapped or moved is not a new mistake);
- with `code_only`, a match inside a string literal (prose about the API).

And what it softens: a `soften` condition (the signing side of `none`, an expiry the
spec lets go, claims read before the same file verifies them) turns a block into an
annotation at high tier that says why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

from authgate.changes import ChangeSet, Line
from authgate.checks.context import file_context, string_ranges
from authgate.findings import Action, Finding, Severity, Tier, redact_span, scrub
from authgate.rules import Rule

from . import safeguards
from .args import call_args, literal
from .hunk import Sides, call_text, near_ok, positions
from .scan import FileScan
from .spec import Catalog, ContentSpec, LineSpec, ScanSpec, Soften, Variant
from .text import (
    FEW_LINES,
    Lines,
    Rx,
    can_match,
    code_only,
    comment_markers,
    norm,
    render,
    short,
)

# A declaration up to the name it declares: a match in there is the thing being
# defined (Go receivers and types, Python/JS/Kotlin definitions and bindings).
_DECLARATION = Rx(
    r"^\s*(?:export\s+)?(?:default\s+)?(?:(?:public|private|protected|internal|static|final"
    r"|abstract|async|override|pub)\s+)*(?:func|def|fn|function|type|class|struct|interface"
    r"|enum|var|const|let|val)\s+(?:\([^)]*\)\s*)?[\w.*$]+")


def lines_wanted(rule: Rule, kind: str) -> bool:
    if rule.lines == "both":
        return kind in "+-"
    return kind == ("+" if rule.lines == "added" else "-")


class ChangeIndex:
    """What the whole change adds and removes, per pattern rule, computed the first
    time a line needs it.

    Added matches (`balance`): a safeguard removed here and added there was moved, not
    lost. Presence, not count: real refactors fold three copies of a check into one
    helper (django-allauth 0.61.1 moved verify_iss/aud/exp out of two views into
    jwtkit), and that is no removal. Removed matches: an added match the change also
    removes was there before."""

    def __init__(self, changes: ChangeSet, cat: Catalog,
                 added_code: Callable[[], str]) -> None:
        self._changes, self._cat = changes, cat
        self._sides: dict[str, tuple[dict[str, Counter[str]], dict[str, Counter[str]]]] = {}
        self._removes: bool | None = None
        self.names = safeguards.ChangeNames(added_code)

    def added(self, spec: LineSpec) -> Counter[str]:
        return self._side(spec)[0].get(spec.id, Counter())

    def removed(self, spec: LineSpec) -> Counter[str]:
        if self._removes is None:
            # A whole tree (scan) or a new file removes nothing: no need to match every
            # added line against every rule to learn that.
            self._removes = any(ln.kind == "-" for fc in self._changes.files
                                for h in fc.hunks for ln in h.lines)
        if not self._removes:
            return Counter()
        return self._side(spec)[1].get(spec.id, Counter())

    def _side(self, spec: LineSpec) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
        key = "removed-rules" if spec.rule.lines == "removed" else "added-rules"
        if key not in self._sides:
            specs = [s for s in self._cat.lines if (s.rule.lines == "removed") == (
                key == "removed-rules")]
            self._sides[key] = self._count(specs)
        return self._sides[key]

    def _count(self, specs: Sequence[LineSpec]
               ) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
        added: dict[str, Counter[str]] = {s.id: Counter() for s in specs}
        removed: dict[str, Counter[str]] = {s.id: Counter() for s in specs}
        for fc in self._changes.files:
            for h in fc.hunks:
                for ln in h.lines:
                    if ln.kind == " ":
                        continue
                    woken = self._cat.keyword.rules(ln.text.lower())
                    if not woken:
                        continue
                    side = added if ln.kind == "+" else removed
                    for s in specs:
                        if s.keyed and s.id not in woken:
                            continue
                        for v in s.variants:
                            for m in v.pattern.finditer(ln.text):
                                side[s.id][norm(m[0])] += 1
        return added, removed


def scan_lines(scan: FileScan, content: Sequence[ContentSpec], lines: Sequence[LineSpec],
               variants: Mapping[str, list[int]], cat: Catalog,
               change: ChangeIndex) -> tuple[list[Finding], list[Finding]]:
    """Content findings (one per rule, at its first line) and pattern findings."""
    fc = scan.fc
    path = fc.path
    first: dict[str, tuple[Line, int, str]] = {}
    counts: Counter[str] = Counter()
    patterns: list[Finding] = []
    markers = comment_markers(path)
    stateful: list[ScanSpec] = [s for s in (*content, *lines) if s.stateful]
    unkeyed = any(not s.keyed for s in (*content, *lines))
    units = safeguards.Units(next((s.unit for s in lines if s.families), None))
    # In code, a name inside a string is prose; in a migration, names are strings.
    prose_strings = scan.pc.context == "code" and not scan.pc.roles
    # The catalog-wide keyword index, built once (a per-file alternation cost a regex
    # compile for every new mix of rules): a line wakes the rules whose keywords it
    # holds, and the rules without keywords.
    index = cat.keyword
    content_at, content_free = _positions(content)
    lines_at, lines_free = _positions(lines)
    # The rules this file's lines can wake: a line whose keywords wake none of them
    # (most lines, on most files) is passed over before anything reads it.
    reads = frozenset((*content_at, *lines_at))
    for h, hunk in enumerate(fc.hunks):
        pos = positions(hunk)
        sides = Sides(hunk)
        texts = [ln.text for ln in hunk.lines]
        keyed: dict[int, frozenset[str]] = {}
        if reads and (len(texts) >= FEW_LINES or index.built):
            # A long hunk, or any once the automaton is built (a tree's short files):
            # one pass over the hunk (a context line it wakes is visited, and passed
            # over as context).
            keyed = index.lines(texts, reads)
        elif reads:
            # A commit's hunk: its few changed lines one by one cost less than joining.
            for i, ln in enumerate(hunk.lines):
                if ln.kind != " ":
                    woken = index.rules(ln.text.lower()) & reads
                    if woken:
                        keyed[i] = woken
        header: dict[str, str | None] = {s.id: None for s in stateful}
        down: dict[str, bool] = {s.id: False for s in stateful}
        # The lines a section header or a rollback marker can stand on: the state
        # changes only there.
        joined = Lines(texts)
        marks = {rx.source: _can(rx, joined) for st in stateful
                 for rx in (st.section_header, st.down, st.up) if rx is not None}
        visit: Iterable[int] = range(len(texts)) if unkeyed else \
            sorted(set(keyed).union(*marks.values()))
        for i in visit:
            ln = hunk.lines[i]
            for st in stateful:
                if st.section_header and i in marks[st.section_header.source] \
                        and st.section_header.search(ln.text):
                    header[st.id] = ln.text
                if st.down and ln.kind != "-":
                    if i in marks[st.down.source] and st.down.search(ln.text):
                        down[st.id] = True
                    elif st.up and i in marks[st.up.source] and st.up.search(ln.text):
                        down[st.id] = False
            if ln.kind == " ":
                continue
            woken = keyed.get(i, _NO_RULES)  # only the rules this file reads
            if not woken and not unkeyed:
                continue
            if not ln.text.strip():
                continue
            awake_content = list(_awake(content, _woken(woken, content_at, content_free),
                                        ln.kind, header, down))
            awake_lines = list(_awake(lines, _woken(woken, lines_at, lines_free), ln.kind,
                                      header, down))
            # Whether a line is a comment is read over its whole hunk: ask only when
            # one of the rules it woke matches it at all.
            if not any(_may_match(c.rule.pattern, ln.text) for c in awake_content) \
                    and not any(_may_match(s.variants[k].pattern, ln.text)
                                for s in awake_lines for k in variants[s.id]):
                continue
            if scan.comments(h)[i]:
                continue
            moved: bool | None = None
            for c in awake_content:
                m = _first_in_code(c.rule.pattern, ln.text, prose_strings) \
                    if c.rule.pattern else None
                if m is None:
                    continue
                if moved is None:
                    moved = scan.moved(h, i)
                if moved:
                    continue  # the same line stands on the other side: nothing changed
                counts[c.id] += 1
                if c.id not in first:
                    first[c.id] = (ln, pos[i], m[0])
                if c.topic and not _quoted(ln.text, m):
                    scan.decisions.append((ln.text, c.topic))
            for s in awake_lines:
                f = _match_line(s, variants[s.id], scan, sides, h, i, pos[i], markers,
                                change, units)
                if f is not None:
                    patterns.append(f)
                    if s.topic and f.action is not Action.WARN:
                        scan.decisions.append((ln.text, s.topic))
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


_NO_RULES: frozenset[str] = frozenset()


def _may_match(pattern: object, text: str) -> bool:
    """Whether a rule's pattern can match `text`: a shipped pattern is asked; a
    user's time-bounded one is left to the rule itself, which asks it only where it
    asked before."""
    if isinstance(pattern, Rx):
        return pattern.can_match(text)
    if isinstance(pattern, re.Pattern):
        return can_match(pattern, text)
    return pattern is not None


def _can(rx: Rx, texts: Lines) -> Collection[int]:
    """The indices of the lines `rx` can match in (`Rx.lines`), to ask of each line."""
    lines = rx.lines(texts)
    return lines if isinstance(lines, range) else set(lines)


def _positions(specs: Sequence[ScanSpec]) -> tuple[dict[str, int], list[int]]:
    """Where each keyed rule stands in `specs`, and where the rules without keywords
    stand (they read every line)."""
    return ({s.id: n for n, s in enumerate(specs) if s.keyed},
            [n for n, s in enumerate(specs) if not s.keyed])


def _woken(woken: frozenset[str], at: Mapping[str, int], free: list[int]) -> list[int]:
    # In catalog order, as before: the first rule to see a line reports it first.
    return sorted([at[r] for r in woken if r in at] + free)


_S = TypeVar("_S", bound=ScanSpec)


def _awake(specs: Sequence[_S], at: list[int], kind: str, header: Mapping[str, str | None],
           down: Mapping[str, bool]) -> Iterator[_S]:
    """The rules at these places that read this kind of line in the section and state
    the hunk is in."""
    for n in at:
        s = specs[n]
        if lines_wanted(s.rule, kind) and _state_ok(s, header, down):
            yield s


def _state_ok(s: ScanSpec, header: Mapping[str, str | None],
              down: Mapping[str, bool]) -> bool:
    if s.section is not None:
        text = header.get(s.id)
        if text is None or not s.section.search(text):
            return False
    return not (s.down is not None and down.get(s.id))


def _match_line(s: LineSpec, which: Sequence[int], scan: FileScan, sides: Sides, h: int,
                index: int, at: int, markers: tuple[str, ...], change: ChangeIndex,
                units: safeguards.Units) -> Finding | None:
    hunk = sides.hunk
    ln = hunk.lines[index]
    for v in (s.variants[i] for i in which):
        m = v.pattern.search(ln.text)
        if m is None:
            continue
        if v.unless is not None and v.unless.search(ln.text):
            continue
        if _declared(ln.text, m) or (s.code_only and _quoted(ln.text, m)):
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
        key: tuple[int, int, str] | None = None
        if v.key_arg is not None or v.key_name is not None:
            key = _literal_key(v, hunk.lines[index].text, m, sides, index)
            if key is None:
                continue
        if ln.kind == "+" and change.removed(s)[norm(m[0])]:
            continue  # carried over: the change removes the same thing elsewhere
        if ln.kind == "-":
            if s.balance and change.added(s)[norm(m[0])]:
                continue
            if s.unit is not None and units.deleted(scan, s.unit, h, index):
                continue
            if s.families:
                verdict = safeguards.judge(s, m, scan, h, index, units, change.names)
                if verdict is None:
                    continue
                if verdict.action == "annotate":
                    f = _pattern_finding(s, m, scan, ln, at, arg, key)
                    text = render(verdict.message, match=short(scrub(m[0].strip()), 60),
                                  line=at, old_line=ln.old or at, path=scan.fc.path) \
                        if verdict.message else f.message
                    return _softened(f, text)
        f = _pattern_finding(s, m, scan, ln, at, arg, key)
        why = _soft(s.soften, v, scan, sides, index)
        return _softened(f, f"{f.message} ({why})") if why else f
    return None


def _first_in_code(pattern: re.Pattern[str], text: str, code: bool) -> re.Match[str] | None:
    """The first match that is code: in a code file, a name inside a message (a string
    with words: "jwt.decode failed", "Reset your password") is prose; names and keys
    ("rest_framework_simplejwt.token_blacklist", "DEFAULT_PERMISSION_CLASSES") count."""
    for m in pattern.finditer(text):
        if not code or not _in_prose(text, m):
            return m
    return None


def _in_prose(text: str, m: re.Match[str]) -> bool:
    for start, end in string_ranges(text):
        if start < m.start() and m.end() <= end:
            return " " in text[start + 1:end].strip()
    return False


def _declared(text: str, m: re.Match[str]) -> bool:
    d = _DECLARATION.match(text)
    return d is not None and m.start() < d.end()


def _quoted(text: str, m: re.Match[str]) -> bool:
    return any(start < m.start() and m.end() <= end for start, end in string_ranges(text))


def _literal_key(v: Variant, text: str, m: re.Match[str], sides: Sides,
                 index: int) -> tuple[int, int, str] | None:
    """The signing key when the call passes it as a string literal (the argument at
    `key_arg` or named `key_name`, read with balanced brackets: a payload dict's keys
    are not the key): its span in line `index` ((-1, -1) when it stands on a following
    line) and its value."""
    args = call_args(call_text(sides.hunk, index, m.end() - 1))
    arg = next((a for a in args if a.name and a.name == v.key_name), None)
    if arg is None:
        positional = [a for a in args if a.name is None]
        if v.key_arg is None or v.key_arg >= len(positional):
            return None
        arg = positional[v.key_arg]
    body = literal(arg.text)
    if body is None:
        return None
    start = text.find(arg.text, m.end())
    return (start, start + len(arg.text), body) if start >= 0 else (-1, -1, body)


def _soft(soften: Sequence[Soften], v: Variant, scan: FileScan, sides: Sides,
          index: int) -> str:
    for soft in soften:
        if soft.scope == "file":
            if scan.shows(soft.regex):
                return soft.why
            continue
        shown, where = sides.side("-" if sides.hunk.lines[index].kind == "-" else "+")
        pos = where[index]
        lo = max(0, pos - soft.window)
        hi = pos if soft.before else min(len(shown) - 1, pos + soft.window)
        if any(soft.regex.search(sides.hunk.lines[shown[k]].text) for k in range(lo, hi + 1)):
            return soft.why
    return ""


def _softened(f: Finding, message: str) -> Finding:
    """An uncertain finding: it annotates at high tier, whatever the rule says."""
    return f._replace(message=message, action=Action.ANNOTATE, tier=min(f.tier, Tier.HIGH),
                   severity=min(f.severity, Severity.HIGH))


def _pattern_finding(s: LineSpec, m: re.Match[str], scan: FileScan, ln: Line, at: int,
                     arg: str, key: tuple[int, int, str] | None = None) -> Finding:
    text, match_text, secret = ln.text, m[0], None
    if key is not None:
        start, end, secret = key
        if start >= 0:
            # Evidence keeps the quotes and at most the first and last character.
            text = redact_span(ln.text, start + 1, end - 1)
        match_text = ""
    elif s.secret and s.secret in m.re.groupindex and m[s.secret] is not None:
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


def added_code(scans: Sequence[FileScan]) -> Callable[[], str]:
    """The added code of the change's non-test files, joined, when first asked."""
    def build() -> str:
        parts = []
        for scan in scans:
            if file_context(scan.fc.path) in ("test", "fixture", "docs"):
                continue
            for h, hunk in enumerate(scan.fc.hunks):
                for i, ln in enumerate(hunk.lines):
                    if ln.kind == "+":
                        code = scan.code(hunk, h, i)
                        if code:
                            parts.append(code)
        return "\n".join(parts)
    return build


__all__ = ["ChangeIndex", "Rx", "added_code", "lines_wanted", "scan_lines"]
