"""`path`, `line` and `window` rules on a file of the change: committed transcripts and
agent files by path, and on the added lines the markers AI edits leave (elision
placeholders, SEARCH/REPLACE and apply_patch leftovers, fences, chat phrases, bidi
controls)."""

from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from collections.abc import Iterable, Sequence
from operator import itemgetter

from authgate import patterns
from authgate.changes import FileChange, Line, Status
from authgate.checks.context import file_context, is_comment, string_ranges
from authgate.checks.provenance.plan import _finding, _Plan, _Scoped, normalize, slug
from authgate.findings import Finding, scrub
from authgate.pathmatch import in_scope
from authgate.record import Record
from authgate.rules import Rule


def _applies(rule: Rule, path: str) -> bool:
    return in_scope(rule.paths, rule.exclude_paths, path)


class _Scope(Record):
    """What of the plan reads one path: it depends on the path alone, and a range
    verification meets the same paths commit after commit."""

    context: str
    paths: frozenset[int]  # indices of the plan's path rules whose globs take the path
    scoped: tuple[_Scoped, ...]
    bidi: tuple[tuple[Rule, frozenset[str]], ...]
    always: tuple[_Scoped, ...]  # line rules without keywords: every line
    gated: tuple[_Scoped, ...]  # the others: the lines holding one of their keywords
    needles: tuple[str, ...]
    every: bool  # every added line gets the per-line test
    strings: bool  # a rule needs the multi-line string state


_SCOPES: dict[str, _Scope] = {}
_SCOPES_PLAN: list[_Plan] = []  # the plan _SCOPES were computed for
_SCOPES_MAX = 4096


def _scope(plan: _Plan, path: str) -> _Scope:
    if not _SCOPES_PLAN or _SCOPES_PLAN[0] is not plan:
        _SCOPES.clear()
        _SCOPES_PLAN[:] = [plan]
    known = _SCOPES.get(path)
    if known is not None:
        return known
    context = file_context(path)
    scoped = tuple(s for s in plan.scoped if (s.contexts is None or context in s.contexts)
                   and _applies(s.rule, path))
    gated = tuple(s for s in scoped if s.rule.keywords)
    always = tuple(s for s in scoped if not s.rule.keywords)
    needles = _needles(tuple(s.rule.keywords for s in gated))
    scope = _Scope(
        context=context,
        paths=frozenset(i for i, rule in enumerate(plan.paths) if _applies(rule, path)),
        scoped=scoped,
        bidi=tuple((r, cps) for r, cps in plan.bidi if _applies(r, path)),
        always=always, gated=gated, needles=needles,
        # The per-line work runs only on the lines that can need it: every line when a
        # rule has no keywords; else the lines holding one of the rules' keywords,
        # found in the hunk's added lines joined (searched at C speed, not line by
        # line), and the lines with a non-ASCII character, whose normalized form only
        # the per-line test sees exactly.
        every=bool(always) or any("\n" in k for k in needles),
        strings=any(s.outside_strings for s in scoped))
    if len(_SCOPES) >= _SCOPES_MAX:
        _SCOPES.clear()
    _SCOPES[path] = scope
    return scope


_KIND, _TEXT, _NEW = itemgetter(0), itemgetter(1), itemgetter(3)  # a Line's fields


def _from_file(fc: FileChange, plan: _Plan) -> list[Finding]:
    out: list[Finding] = []
    scope = _scope(plan, fc.path)
    context = scope.context
    if plan.paths:
        old = _scope(plan, fc.old_path).paths if fc.old_path is not None else frozenset()
        for i, rule in enumerate(plan.paths):
            statuses = rule.params.get("statuses")
            if statuses and fc.status.value not in statuses:
                continue
            if i in scope.paths or i in old:
                evidence = f"{fc.status.value}: {fc.path}" + (
                    f" (from {fc.old_path})" if fc.old_path else "")
                out.append(_finding(rule, path=fc.path, evidence=scrub(evidence),
                                    context=context))
    if fc.status is Status.DELETED or not fc.hunks:
        return out
    gate = plan.gate
    always, gated, bidi, needles, every = (scope.always, scope.gated, scope.bidi,
                                           scope.needles, scope.every)
    if not always and not gated and not bidi:
        return out
    strings = _StringState(fc.path) if scope.strings else None
    openings: list[tuple[_Scoped, int]] = []  # window rule, index into the added lines
    base = 0  # added lines in the hunks before this one
    for hunk in fc.hunks:
        # A hunk of added lines only (every file of a tree) is taken whole, at C speed.
        plus: Sequence[Line] = hunk.lines if set(map(_KIND, hunk.lines)) == {"+"} \
            and None not in map(_NEW, hunk.lines) else \
            [ln for ln in hunk.lines if ln.kind == "+" and ln.new is not None]
        if not plus:
            continue
        if every:
            picked: Iterable[int] = range(len(plus))
        else:
            picked = _candidates("\n".join(map(_TEXT, plus)), needles)
        if strings is not None:
            strings.start(hunk.lines)
        for k in picked:
            ln = plus[k]
            number = ln.new
            assert number is not None
            raw = ln.text
            text = normalize(raw)
            if bidi and not raw.isascii():
                out += _bidi(fc.path, number, raw, bidi, context)
            lowered = text.lower()
            candidates = always
            if gated and (gate is None or gate.search(lowered) is not None):
                candidates = always + gated
            for s in candidates:
                rule = s.rule
                if rule.pattern is None or not rule.prefilter(lowered):
                    continue
                if (s.outside_strings and strings is not None and strings.inside(k)) or (
                        s.comment_only and not is_comment(fc.path, text)):
                    continue
                m = rule.pattern.search(text)
                if m is None:
                    continue
                if s.closing is not None:
                    openings.append((s, base + k))
                    continue
                tool = (slug(m["tool"], plan.aliases)
                        if "tool" in rule.pattern.groupindex and m["tool"] else None)
                out.append(_finding(rule, path=fc.path, line=number, evidence=scrub(text),
                                    context=context, tool=tool, matched=m[0]))
        base += len(plus)
    if not openings:
        return out
    added = [(ln.new, normalize(ln.text)) for h in fc.hunks for ln in h.lines
             if ln.kind == "+" and ln.new is not None]
    return out + _windows(openings, fc.path, added, context)


def _bidi(path: str, line: int, raw: str, rules: Sequence[tuple[Rule, frozenset[str]]],
          context: str) -> list[Finding]:
    out: list[Finding] = []
    for rule, points in rules:
        found = sorted({c for c in raw if c in points})
        if not found:
            continue
        # The column says where; the line itself is shown as a reader sees it (controls
        # removed), since markers inside a quoted literal would read as a secret to scrub.
        column = next(i for i, c in enumerate(raw, 1) if c in points)
        names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in found)
        out.append(_finding(rule, path=path, line=line, context=context,
                            evidence=f"{names} at column {column}: {scrub(normalize(raw))}",
                            matched="".join(found)))
    return out


def _windows(openings: list[tuple[_Scoped, int]], path: str, added: list[tuple[int, str]],
             context: str) -> list[Finding]:
    """A block opened on an added line and closed within `within` lines after it."""
    out: list[Finding] = []
    closed_at: dict[str, int] = {}
    for s, i in openings:
        rule, (number, text) = s.rule, added[i]
        if s.closing is None or i <= closed_at.get(rule.id, -1):
            continue  # inside a block already reported
        for j in range(i + 1, len(added)):
            end, closing = added[j]
            if end - number > s.within:
                break
            if re.search(s.closing, closing):
                out.append(_finding(rule, path=path, line=number, context=context,
                                    evidence=scrub(f"{text} ... {closing} "
                                                   f"(lines {number}-{end})"),
                                    matched=text))
                closed_at[rule.id] = j
                break
    return out


class _Strings:
    """Whether a line sits inside a multi-line string literal or doc comment, as far as
    a line scanner can tell: triple quotes (Python, Kotlin, Java, Swift, Scala,
    TOML...), Rust raw strings, shell/Ruby/Perl/PHP heredocs and `/* ... */` blocks
    (JSDoc, Javadoc, KDoc, GoDoc). A Markdown fence in there is data (a docstring or
    doc-comment example, a README written by a setup script), not a pasted chat answer.
    State starts outside at each hunk: what precedes a hunk is unknown."""

    _TRIPLE = frozenset({".py", ".pyi", ".kt", ".kts", ".java", ".swift", ".scala",
                         ".groovy", ".gradle", ".jl", ".toml", ".dart", ".nim"})
    _HEREDOC = frozenset({".sh", ".bash", ".zsh", ".ksh", ".rb", ".pl", ".pm", ".php"})
    _HEREDOC_START = re.compile(r"<<<?[-~]?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
    _RAW_START = re.compile(r"\br(#+)\"")
    _C_BLOCK = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx",
                          ".java", ".kt", ".kts", ".scala", ".groovy", ".go", ".c", ".h",
                          ".cc", ".cpp", ".hpp", ".cs", ".swift", ".rs", ".php", ".dart"})

    def __init__(self, path: str) -> None:
        name = posixpath.basename(path)
        ext = posixpath.splitext(name)[1].lower()
        self.triple = ext in self._TRIPLE
        self.heredoc = ext in self._HEREDOC or name in ("Dockerfile", "Containerfile")
        self.rust = ext == ".rs"
        self.cblock = ext in self._C_BLOCK
        self.closer: str | None = None  # the delimiter that ends the open string

    @property
    def inside(self) -> bool:
        return self.closer is not None

    def feed(self, text: str) -> None:
        if self.closer is not None and self.closer.startswith("\n"):
            if text.strip() == self.closer[1:]:
                self.closer = None
            return
        pos = 0
        while True:
            if self.closer is not None:
                end = text.find(self.closer, pos)
                if end < 0:
                    return
                pos, self.closer = end + len(self.closer), None
                continue
            start, closer = self._opening(text, pos)
            if start < 0 or closer is None:
                return
            self.closer = closer
            pos = start
            if closer.startswith("\n"):
                return

    def _opening(self, text: str, pos: int) -> tuple[int, str | None]:
        best, closer = -1, None
        if self.triple:
            for delim in ('"""', "'''"):
                i = text.find(delim, pos)
                if i >= 0 and (best < 0 or i < best):
                    best, closer = i + 3, delim
        if self.rust:
            m = self._RAW_START.search(text, pos)
            if m and (best < 0 or m.end() < best):
                best, closer = m.end(), '"' + m[1]
        if self.heredoc:
            m = self._HEREDOC_START.search(text, pos)
            if m and (best < 0 or m.end() < best):
                best, closer = m.end(), "\n" + m[2]
        if self.cblock:
            # A block comment opens at `/*` outside a string ('src/**/*.ts' is a glob).
            quoted = string_ranges(text) if "/*" in text else []
            i = text.find("/*", pos)
            while i >= 0 and any(start < i < end for start, end in quoted):
                i = text.find("/*", i + 2)
            if i >= 0 and (best < 0 or i + 2 < best):
                best, closer = i + 2, "*/"
        return best, closer


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@functools.lru_cache(maxsize=64)
def _needles(keywords: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The rules' keywords without those that hold another one: a line with any
    keyword holds one of these."""
    every = {k for ks in keywords for k in ks}
    return tuple(sorted(k for k in every if not any(o != k and o in k for o in every)))


def _candidates(joined: str, needles: tuple[str, ...]) -> list[int]:
    """The indices of the lines of `joined` (lines joined by newlines, none of the
    needles holds one) the per-line keyword gate could pass, in order: every line
    holding a needle in the lower-cased joined text, and every line holding a
    non-ASCII character. An ASCII line is its own normalized form and lower-cases
    alone, so the search sees it exactly as the per-line gate does; a non-ASCII one
    is always passed on to the exact test."""
    # lower() keeps every newline where it was, one for one.
    found = set(patterns.word_lines(joined.lower(), needles))
    if not joined.isascii():
        found.update(patterns.hit_lines(joined, [_NON_ASCII]))
    return sorted(found)


class _StringState:
    """`_Strings` over one hunk, fed only as far as a line that asks: whether the k-th
    added line sits inside a multi-line string is the state after every line before
    it (added and context) from the hunk's start, so it is computed when a rule needs
    it, for the lines a rule needs it on, and is the same as feeding every line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: Sequence[Line] = ()
        self.strings = _Strings(path)
        self.pos = 0  # the next line of the hunk to feed
        self.plus = 0  # how many added lines were fed

    def start(self, lines: Sequence[Line]) -> None:
        self.lines, self.strings, self.pos, self.plus = lines, _Strings(self.path), 0, 0

    def inside(self, k: int) -> bool:
        """Whether the k-th added line of the hunk (0-based, in order) opens inside."""
        lines = self.lines
        while self.pos < len(lines):
            ln = lines[self.pos]
            if ln.kind != "-":
                added = ln.kind == "+" and ln.new is not None
                if added and self.plus == k:
                    break
                self.strings.feed(normalize(ln.text))
                self.plus += added
            self.pos += 1
        return self.strings.inside
