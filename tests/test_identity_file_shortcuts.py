"""A file that only adds lines (every file of a tree) is decided cosmetic or not from
its first tokens when they show code: `cosmetic.adds_code` may say "not cosmetic"
only where comparing all the tokens (`same_code([], tokens(...))`) says so too.

Checked over lines made of the tokens `_normalise` and `_harmless` read specially
(loggers and their methods, `cast`, marker annotations, `self.`/`Rails.`, types,
imports, brackets, strings, versions), mixed with plain code."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from authgate.checks.identity.cosmetic import adds_code, same_code, tokens

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
