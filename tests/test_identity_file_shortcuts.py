"""Shortcuts in reading one file of a change, each checked against the definition it
stands for.

A file that only adds lines (every file of a tree) is decided cosmetic or not from
its first tokens when they show code: `cosmetic.adds_code` may say "not cosmetic"
only where comparing all the tokens (`same_code([], tokens(...))`) says so too;
checked over lines made of the tokens `_normalise` and `_harmless` read specially
(loggers and their methods, `cast`, marker annotations, `self.`/`Rails.`, types,
imports, brackets, strings, versions), mixed with plain code.

A changed line only moved when the change has it, as code, on the other side:
`Moves` first asks every changed line, comment or not, and classifies the change's
lines only when one says it."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from authgate.changes import FileChange, Hunk, Line, Status
from authgate.checks.identity.cosmetic import adds_code, same_code, tokens
from authgate.checks.identity.paths import PathClass
from authgate.checks.identity.scan import FileScan, Moves, _line_key
from authgate.findings import Tier

PATH_CLASS = PathClass(Tier.HIGH, None, "", "", frozenset(), True, "code")

WORDS = ["logger", "log", "LOG", "console", ".", "info", "warn", "debug", "(", ")", "[", "]",
         "{", "}", "@", "Override", "Deprecated", "final", "cast", "self", "this", "Rails",
         "x", "value", "check", "True", "None", "Dict", "str", "Optional", "|", ":", "->",
         "as", "from", "import", "typing", ",", "=", "==", "return", "def", "class", "if",
         "'msg'", '"a b c is"', 'f"{token}"', "`${user}`", "'''", '"', "1.2.3", "42", ";",
         "export", "public", "%", "+", "format", "Literal", "'GET'", "...", "!", "token",
         "password", "\\"]

LINES = st.lists(st.lists(st.sampled_from(WORDS), max_size=9).map(" ".join), min_size=1,
                 max_size=6)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
@example(["x . logger . info ( value )", "check"])
@example(["foo @ Override . logger . info ( )"])
@example(["value self . logger . info ( x ) . y"])
@example(["cast ( Dict , x ) value"])
def test_added_code_is_said_not_cosmetic_only_where_comparing_says_so(
        lines: list[str]) -> None:
    if adds_code(lines):
        assert not same_code([], tokens(lines))


def test_a_file_of_code_is_decided_from_its_first_statements() -> None:
    module = ["from django.conf import settings", "import jwt", "",
              "def check(token):", "    return jwt.decode(token, settings.KEY)"]
    assert adds_code(module)
    assert not same_code([], tokens(module))
    # A class body, a call at the top level, an assignment: code all.
    assert adds_code(["class Backend(BaseBackend):", "    pass"])
    assert adds_code(["configure(strict=True)"])
    assert adds_code(["timeout = 30"])


def test_what_may_be_harmless_is_left_to_the_comparison() -> None:
    # Annotations, imports of types, a log call that passes nothing identity-bearing,
    # a marker annotation: harmless alone, so never decided early.
    for lines in (["-> Optional[str]"], ["from typing import Dict, Optional"],
                  ["logger.info('starting')"], ["@Override"], ["cast(Dict, value)"],
                  [": str"], ["from None"]):
        assert not adds_code(lines), lines
    assert same_code([], tokens(["-> Optional[str]"]))
    assert same_code([], tokens(["logger.info('starting')"]))


# --- moved lines: a change's lines asked whether they only moved ---------------------

TEXTS = ["check(token)", "  check(token)  # why", "# check(token)", "x = 1", "x = 1  # one",
         "\"\"\"", "doc check(token)", "  ", "return x", "// check(token)", "y=2;"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(st.sampled_from(" +-"), st.sampled_from(TEXTS)),
                         min_size=1, max_size=8), min_size=1, max_size=3),
       st.sampled_from(["a.py", "b.go"]))
def test_a_line_moved_exactly_where_the_change_has_it_on_the_other_side_as_code(
        files: list[list[tuple[str, str]]], ext_path: str) -> None:
    # The definition: the changed lines of code of the whole change, by side.
    scans = [FileScan(FileChange(f"{n}/{ext_path}", Status.MODIFIED,
                                 hunks=(Hunk(1, 1, tuple(Line(k, t, 1, 1) for k, t in lines)),)),
                      PATH_CLASS, []) for n, lines in enumerate(files)]
    sides: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    for s in scans:
        for kind, code in s.code_lines():
            sides[kind == "+"][_line_key(code)] += 1
    moves = Moves(scans)
    for s in scans:
        s.moves = moves
        for i, ln in enumerate(s.fc.hunks[0].lines):
            if ln.kind == " ":
                continue
            code = s.code(s.fc.hunks[0], 0, i)
            expected = bool(code and code.strip()) and any(k == "-" for f in files for k, _ in f) \
                and sides[ln.kind != "+"][_line_key(code or "")] > 0
            assert s.moved(0, i) == expected
