"""Matching a tree's paths once for every rule: the shortcuts say exactly what the
rules' globs, words and the file-context lists say one at a time.

`GlobLists` finds every list's literal cores in a path in one pass and asks only the
lists whose core is there; identity's `Scopes` answers every rule's scope and path
words from that; `file_context` asks one regex for its four lists. Each is checked
here against the one-at-a-time definition it replaces, over the shipped catalog's own
globs and words, with paths made of their pieces, case changes and non-ASCII letters."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from authgate.checks.context import (
    CONFIG_GLOBS,
    DOC_GLOBS,
    FIXTURE_GLOBS,
    TEST_GLOBS,
    file_context,
)
from authgate.checks.identity import spec as spec_mod
from authgate.checks.identity.globs import named_for
from authgate.checks.identity.paths import classify_in, scopes
from authgate.config import Config
from authgate.pathmatch import GlobLists, any_glob, any_match, literal_core

from testing.identity import rules

CAT = spec_mod.catalog(rules(Config()))
SCOPES = scopes(CAT)
SPECS = (*CAT.paths, *CAT.content, *CAT.lines, *CAT.windows)
WORDS = sorted({w for s in CAT.paths for w in s.words})
CORES = sorted({literal_core(g) for globs in SCOPES.globs.lists for g in globs} - {""})
CONTEXT_GLOBS = (*FIXTURE_GLOBS, *TEST_GLOBS, *DOC_GLOBS, *CONFIG_GLOBS)
# Letters whose case changes their length or meaning, and a few that are none.
ODD = ["\u0130", "\u0131", "\u017f", "\u212a", "\u03a3", "\u00c9", "\u00df", "-", "_", "."]


def _piece() -> st.SearchStrategy[str]:
    known = st.sampled_from([*CORES, *WORDS, *(g.strip("*/") for g in CONTEXT_GLOBS)])
    return st.one_of(known, known.map(str.upper), known.map(str.title),
                     st.text(alphabet="ab/._-" + "".join(ODD), max_size=4))


PATHS = st.lists(_piece(), min_size=1, max_size=6).map("".join).map(
    lambda p: p.strip("/") or "x")


def _old_file_context(path: str) -> str:
    for name, globs in (("fixture", FIXTURE_GLOBS), ("test", TEST_GLOBS),
                        ("docs", DOC_GLOBS), ("config", CONFIG_GLOBS)):
        if any_match(globs, path):
            return name
    return "code"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PATHS)
@example("src/Auth/\u0130d_token.py")
@example("deploy/.github/workflows/x.yml")
@example("tests/fixtures/users.json")
def test_one_pass_over_a_path_says_what_each_rule_would(path: str) -> None:
    scope = SCOPES.of(path)
    # Every glob list, as any_glob says one list at a time.
    assert scope.lists == {i for i, globs in enumerate(SCOPES.globs.lists)
                           if any_glob(globs, path, ignore_case=True)}
    # Every rule's scope, as the rule says.
    for s in SPECS:
        assert SCOPES.in_scope(s, scope, frozenset({s.role} if s.role else ())) \
            == s.in_scope(path, frozenset({s.role} if s.role else ())), s.id
    # A path rule's words are asked about only where one may stand.
    for s in CAT.paths:
        if scope.words.isdisjoint(s.words):
            assert named_for(s.words, path) is None, s.id
    assert classify_in(path, CAT, Config(), scope) == classify_in(path, CAT, Config())
    assert file_context(path) == _old_file_context(path)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["*.py", "auth/", "[!a]b*", "a\\*b", "**/x/**",
                                          "Src/", "*tok[e]n*", "/root.md", "log"]),
                         max_size=3).map(tuple), max_size=5),
       st.lists(st.sampled_from(["src", "auth", "b", "a*b", "x", "root.md", "token", "py",
                                 "log", "\u0130", "/", "."]), max_size=6).map("".join),
       st.booleans())
def test_glob_lists_match_as_each_list_does(lists: list[tuple[str, ...]], path: str,
                                            ignore_case: bool) -> None:
    # Lists with a glob without a literal core (an escape) are always asked.
    found = GlobLists(lists, ignore_case=ignore_case)
    assert {found.lists[i] for i in found.matching(path)} == \
        {globs for globs in lists if globs and any_glob(globs, path, ignore_case=ignore_case)}
